"""The sliders of 03 (pooling) and 07 (stroke) read as one sentence where no widget can be shown.

A stored notebook keeps only a widget output's text/plain (scripts/execute_notebooks.py drops the
live-widget reference), and GitHub and nbviewer show nothing else. The sliders return a VBox whose
repr is that sentence; everything the page shows (the widget's model, view, children, their order
and descriptions) is a plain VBox's, which tests/browser/test_jupyterlab_widgets.py drives in JupyterLab.
"""

import matplotlib

matplotlib.use("Agg")

import pytest
import torch

widgets = pytest.importorskip("ipywidgets")

from helpers import feature_binding_plots as bw
from helpers import pooling_zoo_plots as pw

from support import stroke_sweeps, widget_bundle

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
IPYWIDGETS_TEXT_LIMIT = 110  # ipywidgets cuts a widget's text/plain after 110 characters


@pytest.fixture(scope="module")
def pooling_box():
    return pw.pooling_sliders(torch.rand(3, 3), torch.rand(8, 8), p=2.0, b=1.0)


@pytest.fixture(scope="module")
def stroke_box():
    _, _, sweeps, views = stroke_sweeps(("1-7-4", "9-6"), 3)
    return bw.binding_slider(sweeps, views)


@pytest.mark.parametrize("text", [pw.SLIDERS_TEXT, bw.SLIDER_TEXT])
def test_the_sentence_fits_uncut(text):
    assert len(text) <= IPYWIDGETS_TEXT_LIMIT and "open the notebook in Jupyter" in text


def test_pooling_sliders_read_as_one_sentence(pooling_box):
    bundle = widget_bundle(pooling_box)
    assert bundle["text/plain"] == pw.SLIDERS_TEXT == repr(pooling_box)
    assert bundle[WIDGET_VIEW]["model_id"] == pooling_box.model_id  # still the live widget in Jupyter


def test_stroke_slider_reads_as_one_sentence(stroke_box):
    bundle = widget_bundle(stroke_box)
    assert bundle["text/plain"] == bw.SLIDER_TEXT == repr(stroke_box)
    assert bundle[WIDGET_VIEW]["model_id"] == stroke_box.model_id


def test_pooling_sliders_are_the_same_widgets_in_the_page(pooling_box):
    box = pooling_box
    assert isinstance(box, widgets.VBox) and (box._model_name, box._view_name) == ("VBoxModel", "VBoxView")
    assert set(box.get_state()) == set(widgets.VBox().get_state())  # nothing new is sent to the page
    row, window_image, maps_image = box.children
    assert isinstance(row, widgets.HBox) and [type(s) for s in row.children] == [widgets.FloatLogSlider] * 2
    assert [s.description for s in row.children] == ["p", "b"]
    assert isinstance(window_image, widgets.Image) and isinstance(maps_image, widgets.Image)


def test_stroke_slider_is_the_same_widgets_in_the_page(stroke_box):
    box = stroke_box
    assert isinstance(box, widgets.VBox) and (box._model_name, box._view_name) == ("VBoxModel", "VBoxView")
    assert set(box.get_state()) == set(widgets.VBox().get_state())
    menu, slider, text, _image = box.children
    assert [type(w) for w in box.children] == [widgets.Dropdown, widgets.IntSlider, widgets.Label, widgets.Image]
    assert (menu.description, slider.description) == ("path", "stroke") and list(menu.options) == ["1-7-4", "9-6"]
    assert text.value.startswith("1-7-4")


def test_the_stored_notebook_keeps_the_sentence(pooling_box, stroke_box, tmp_path):
    """What execute_notebooks.py makes of the two outputs: the sentence, no widget reference."""
    import execute_notebooks  # scripts/ (pytest's pythonpath)
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("sliders", outputs=[
        nbformat.v4.new_output("display_data", data=widget_bundle(box))]) for box in (pooling_box, stroke_box)]
    path = tmp_path / "03_x.ipynb"
    nbformat.write(nb, path)
    assert execute_notebooks.tidy_outputs(path) == 2
    stored = nbformat.read(path, as_version=4)
    assert [c.outputs[0].data for c in stored.cells] == [{"text/plain": pw.SLIDERS_TEXT}, {"text/plain": bw.SLIDER_TEXT}]
