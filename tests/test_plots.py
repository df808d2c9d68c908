import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.figure import Figure

from helpers import plots
from helpers.plots import confusion_matrix, plot_confusion, plot_history, save_figure, show_filters, show_images


def test_confusion_matrix_counts():
    m = confusion_matrix(torch.tensor([0, 0, 1, 2, 2]), torch.tensor([0, 1, 1, 2, 0]), num_classes=3)
    assert m.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]
    fig = plot_confusion(m)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    # the matrix itself as the image (row = true, column = predicted), its counts written in the cells
    assert ax.images[0].get_array().tolist() == m.tolist()
    assert sorted((t.get_position(), t.get_text()) for t in ax.texts) == [
        ((0, 0), "1"), ((0, 2), "1"), ((1, 0), "1"), ((1, 1), "1"), ((2, 2), "1")]  # (column, row): zeros left blank
    assert list(ax.get_xticks()) == [0, 1, 2] and list(ax.get_yticks()) == [0, 1, 2]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("predicted", "true", "Confusion matrix")
    plt.close(fig)


def test_show_images_and_filters():
    images = torch.rand(7, 1, 5, 5)
    fig = show_images(images, [str(i) for i in range(7)], ncols=4)
    assert len(fig.axes) == 8  # a 2 x 4 grid: 7 images and one empty cell
    drawn = [ax for ax in fig.axes if ax.images]
    assert len(drawn) == 7 and [ax.get_title() for ax in drawn] == [str(i) for i in range(7)]
    assert all(torch.equal(torch.as_tensor(ax.images[0].get_array()), images[i, 0]) for i, ax in enumerate(drawn))
    plt.close(fig)
    weight = torch.randn(6, 1, 5, 5, generator=torch.Generator().manual_seed(0))
    fig = show_filters(weight, ncols=4)
    drawn = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 8 and len(drawn) == 6  # one panel per kernel
    lim = float(weight.abs().max())
    for k, ax in enumerate(drawn):
        assert torch.equal(torch.as_tensor(ax.images[0].get_array()), weight[k, 0])
        assert ax.images[0].get_clim() == (-lim, lim)  # the symmetric scale: white is 0
    plt.close(fig)


def test_plot_history_draws_one_curve_per_run_and_figure():
    from helpers.train import History

    both = History(loss=[2.0, 1.0, 0.5], train_accuracy=[50.0, 70.0, 90.0], test_accuracy=[45.0, 60.0, 80.0])
    test_only = History(loss=[1.5, 1.2], test_accuracy=[30.0, 40.0])
    fig = plot_history({"net A": both, "net B": test_only}, title="curves")
    loss_ax, acc_ax = fig.axes
    assert fig._suptitle.get_text() == "curves"
    # left: one loss curve per run, over epochs 1..n, labelled with the run's name
    assert [l.get_label() for l in loss_ax.lines] == ["net A", "net B"]
    assert [list(l.get_xdata()) for l in loss_ax.lines] == [[1, 2, 3], [1, 2]]
    assert [list(l.get_ydata()) for l in loss_ax.lines] == [both.loss, test_only.loss]
    # right: a dashed train curve where there is one and a solid test curve, in the colour of the run's loss
    assert [list(l.get_ydata()) for l in acc_ax.lines] == [both.train_accuracy, both.test_accuracy, test_only.test_accuracy]
    assert [l.get_linestyle() for l in acc_ax.lines] == ["--", "-", "-"]
    colours = [l.get_color() for l in loss_ax.lines]
    assert [l.get_color() for l in acc_ax.lines] == [colours[0], colours[0], colours[1]] and colours[0] != colours[1]
    assert [t.get_text() for t in acc_ax.get_legend().get_texts()] == ["net A (test)", "net B (test)"]
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == ["net A", "net B"]
    assert (loss_ax.get_ylabel(), acc_ax.get_xlabel()) == ("training loss", "epoch")
    plt.close(fig)


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


def test_described_box_reads_as_its_sentence():
    widgets = pytest.importorskip("ipywidgets")
    from helpers.plots import described_box

    label = widgets.Label(value="x")
    box = described_box([label], "A box (open the notebook in Jupyter to use it).")
    assert isinstance(box, widgets.VBox) and box.children == (label,)
    assert repr(box) == "A box (open the notebook in Jupyter to use it)."
    assert repr(described_box([label], "Another box.")) == "Another box." and repr(box).startswith("A box")
