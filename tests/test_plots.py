import matplotlib

matplotlib.use("Agg")

import pytest
import torch
from matplotlib.figure import Figure

from helpers import plots
from helpers.plots import confusion_matrix, plot_confusion, save_figure, show_filters, show_images


def test_confusion_matrix_counts():
    m = confusion_matrix(torch.tensor([0, 0, 1, 2, 2]), torch.tensor([0, 1, 1, 2, 0]), num_classes=3)
    assert m.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]
    assert isinstance(plot_confusion(m), Figure)


def test_show_images_and_filters():
    assert len(show_images(torch.rand(7, 1, 5, 5), [str(i) for i in range(7)], ncols=4).axes) == 8
    assert isinstance(show_filters(torch.randn(6, 1, 5, 5)), Figure)
    with pytest.raises(ValueError, match="one channel"):
        show_images(torch.rand(2, 3, 5, 5))
    with pytest.raises(ValueError, match=r"\(K, 1, kh, kw\)"):
        show_filters(torch.randn(6, 2, 5, 5))


def test_save_figure_is_byte_stable_and_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setattr(plots, "images_dir", lambda: tmp_path)
    fig = show_images(torch.rand(3, 1, 5, 5, generator=torch.Generator().manual_seed(0)))
    a = save_figure(fig, "a.png").read_bytes()
    b = save_figure(fig, "b.png").read_bytes()
    assert a == b and a[:4] == b"\x89PNG"
    monkeypatch.setenv("CONVNETS_IMAGES", "0")
    assert save_figure(fig, "c.png") is None and not (tmp_path / "c.png").exists()


def test_figure_png_is_stable_and_closes_the_figure():
    import matplotlib.pyplot as plt

    from helpers.plots import figure_png

    def draw():
        fig, ax = plt.subplots(figsize=(2, 2))
        ax.plot([0, 1], [1, 0])
        return fig

    a, b = figure_png(draw()), figure_png(draw(), tight=True)
    assert a[:4] == b"\x89PNG" and b[:4] == b"\x89PNG" and a != b
    assert figure_png(draw()) == a  # no timestamp: same figure, same bytes
    fig = draw()
    figure_png(fig)
    assert fig.number not in plt.get_fignums()


def test_described_box_reads_as_its_sentence_and_refuses_long_ones():
    widgets = pytest.importorskip("ipywidgets")
    from helpers.plots import described_box

    label = widgets.Label(value="x")
    box = described_box([label], "A box (open the notebook in Jupyter to use it).")
    assert isinstance(box, widgets.VBox) and box.children == (label,)
    assert repr(box) == "A box (open the notebook in Jupyter to use it)."
    with pytest.raises(ValueError, match="1 to 110 characters"):
        described_box([label], "x" * 111)
