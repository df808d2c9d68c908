"""Tests for helpers.canvas: the drawing canvas widget and the app that reads each drawing.

What happens in a browser (dragging, Clear, Undo, the answer appearing) is checked in JupyterLab by
tests/browser/test_jupyterlab_widgets.py; here, the Python side: the synced state, what setting the
strokes does, how a DrawingProblem is shown, and what a stored notebook keeps of the widget.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

pytest.importorskip("anywidget")
import ipywidgets as widgets

from helpers.canvas import DrawingApp, DrawingCanvas
from helpers.drawing import BLANK, DOT, PEN_SHARE, DrawingProblem, drawn_digit
from support import SEVEN, widget_bundle

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


class FakeReading:
    def __init__(self, answer: str) -> None:
        self.answer = answer

    def figure(self):
        fig, ax = plt.subplots(figsize=(2, 1))
        ax.plot([0, 1], [0, 1])
        return fig


def reader(strokes, width, height):
    image = drawn_digit(strokes, width, height)  # raises DrawingProblem as the real readers do
    return FakeReading(f"{len(strokes)} strokes, ink {float(image.sum()):.0f}")


def test_the_canvas_syncs_its_size_pen_and_strokes():
    canvas = DrawingCanvas(280, 200)
    state = canvas.get_state()
    assert (state["width"], state["height"], state["strokes"]) == (280, 200, [])
    assert state["pen"] == pytest.approx(PEN_SHARE * 200, abs=0.05)  # MNIST's stroke on a digit as tall as the canvas
    assert "pointerdown" in canvas._esm and "pointerup" in canvas._esm and "touchAction" in canvas._esm
    canvas.strokes = [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0]]]
    assert canvas.get_state()["strokes"] == [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0]]]


def test_each_drawing_is_read_and_its_answer_shown_before_its_picture():
    app = DrawingApp(reader, width=280, height=280, stand_in="A test canvas (open the notebook in Jupyter to draw).")
    assert app.answer.value == BLANK and not app.showing_picture
    shown = []
    app.answer.observe(lambda c: shown.append(("answer", bool(app.picture.value))), names="value")
    reading = app.draw(SEVEN)
    assert reading is app.reading and reading.answer.startswith("2 strokes")
    assert app.answer.value == reading.answer and app.problem is None
    assert shown == [("answer", False)]  # the answer was sent while the picture was still empty
    assert bytes(app.picture.value)[:8] == b"\x89PNG\r\n\x1a\n" and app.showing_picture
    assert app.seconds is not None and app.seconds >= 0
    assert app.canvas.strokes == [[[float(x), float(y)] for x, y in s] for s in SEVEN]
    assert app.canvas.readings == 1  # the page's data-readings: one drawing read and shown
    app.draw([])
    assert app.canvas.readings == 2


def test_a_stroke_from_the_page_is_read_like_a_drawing_from_code():
    app = DrawingApp(reader, width=280, height=280, stand_in="A test canvas.")
    app.canvas.strokes = [[[float(x), float(y)] for x, y in s] for s in SEVEN]  # what the page sends on pointer up
    assert app.answer.value.startswith("2 strokes")
    app.canvas.strokes = app.canvas.strokes[:-1]  # what the page sends after the Undo button
    assert app.answer.value.startswith("1 strokes")


@pytest.mark.parametrize("strokes, message", [([], BLANK), ([[(140, 140)]], DOT)])
def test_a_drawing_that_cannot_be_read_shows_its_message(strokes, message):
    app = DrawingApp(reader, width=280, height=280, stand_in="A test canvas.")
    app.draw(SEVEN)
    assert app.draw(strokes) is None
    assert app.answer.value == message == app.problem and not app.showing_picture


def test_other_errors_are_not_swallowed():
    def broken(strokes, width, height):
        raise RuntimeError("a bug in the reader")

    app = DrawingApp(broken, width=280, height=280, stand_in="A test canvas.")
    with pytest.raises(RuntimeError, match="a bug in the reader"):
        app.draw(SEVEN)


def test_drawing_the_same_strokes_again_reads_them_again():
    calls = []

    def counting(strokes, width, height):
        calls.append(len(strokes))
        return reader(strokes, width, height)

    app = DrawingApp(counting, width=280, height=280, stand_in="A test canvas.")
    app.draw(SEVEN)
    app.draw(SEVEN)
    assert calls == [2, 2]


def test_a_stored_notebook_keeps_one_sentence(monkeypatch):
    text = "A test canvas (open the notebook in Jupyter to draw)."
    app = DrawingApp(reader, width=280, height=280, stand_in=text)
    bundle = widget_bundle(app.widget)
    assert bundle["text/plain"] == text and bundle[WIDGET_VIEW]["model_id"] == app.widget.model_id
    assert isinstance(app.widget, widgets.VBox) and list(app.widget.children) == [app.canvas, app.answer, app.picture]
    assert "open the notebook in Jupyter" in repr(app.canvas)
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    app._ipython_display_()  # what a cell ending in `app` shows: the app's widget
    assert shown == [app.widget]


@pytest.mark.parametrize("strokes", ["a 7", [(80, 60), (200, 60)], [[(1, 2, 3)]], None])
def test_strokes_in_another_form_are_refused_in_one_sentence(strokes):
    app = DrawingApp(reader, width=280, height=280, stand_in="A test canvas.")
    with pytest.raises(ValueError, match=r"^draw takes a list of strokes, each a list of \(x, y\) points"):
        app.draw(strokes)


def test_a_drawing_problem_is_a_value_error():
    assert issubclass(DrawingProblem, ValueError)
