"""Tests for helpers.feature_binding_plots: tiles, frame text, figures, the animation and the slider."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from helpers.feature_binding_plots import (animate, binding_slider, frame_figure, frame_text, plot_layers,  # noqa: E402
                                           plot_paths, plot_progress, plot_sweeps, tile)
from helpers.feature_binding_strokes import VIEWS, progress  # noqa: E402

from support import stroke_sweeps  # noqa: E402


@pytest.fixture(scope="module")
def run():
    return stroke_sweeps(("9-6", "5-6"), 5)


def test_tile_lays_maps_out_in_a_grid():
    maps = torch.arange(5 * 2 * 3, dtype=torch.float32).reshape(5, 2, 3)
    t = tile(maps, 2)
    assert t.shape == (3 * 3 - 1, 2 * 4 - 1)
    torch.testing.assert_close(t[3:5, 4:7], maps[3])
    assert torch.isnan(t[2]).all() and torch.isnan(t[:, 3]).all()
    assert torch.isnan(t[6:8, 4:7]).all()  # the empty sixth cell


def test_frame_text(run):
    _, _, sweeps, _ = run
    s = sweeps["9-6"]
    text = frame_text(s, 4)
    assert text.startswith("9-6, position 1.00: reads ") and f"{int(s.predictions[4])} (p = " in text


def test_figures_build(run):
    _, paths, sweeps, views = run
    figs = [
        plot_paths([paths["9-6"]], positions=(0.0, 1.0)),
        plot_sweeps(list(sweeps.values())),
        plot_layers(views["9-6"], sweeps["9-6"].t, [0, 4]),
        plot_progress({k: {l: progress(v[l]) for l in VIEWS} for k, v in views.items()}, sweeps["9-6"].t),
        frame_figure(sweeps["9-6"], views["9-6"], 2),
    ]
    assert len(figs[0].axes) == 2 and len(figs[2].axes) == 10
    # plot_sweeps: one panel per sweep, one curve per class that reaches min_prob 0.1, the 0.8 threshold dotted
    assert len(figs[1].axes) == 2
    for ax, s in zip(figs[1].axes, sweeps.values()):
        assert ax.get_title().startswith(f"{s.path.name}: the net reads {int(s.predictions[0])}")
        classes = torch.nonzero(s.probabilities.amax(0) >= 0.1).flatten().tolist()
        curves = [l for l in ax.lines if l.get_label().startswith("p(")]
        assert [l.get_label() for l in curves] == [f"p({c})" for c in classes] and classes
        for line, c in zip(curves, classes):
            assert torch.equal(torch.as_tensor(line.get_ydata()), s.probabilities[:, c])
        assert [list(l.get_ydata()) for l in ax.lines if l.get_linestyle() == ":"] == [[0.8, 0.8]]
    # plot_progress: one panel per path, one curve per layer, labelled with the layer's name
    curves = {k: {l: progress(v[l]) for l in VIEWS} for k, v in views.items()}
    assert [ax.get_title() for ax in figs[3].axes] == list(curves) == ["9-6", "5-6"]
    for ax, layers in zip(figs[3].axes, curves.values()):
        assert [l.get_label() for l in ax.lines] == list(VIEWS)
        for line, c in zip(ax.lines, layers.values()):
            assert torch.equal(torch.as_tensor(line.get_ydata()), c)
    assert figs[3]._suptitle.get_text() == "Every hidden layer changes gradually; only the output jumps"
    # frame_figure: the input at that step, pool1's 20 maps and pool2's 50 tiled, the ten probabilities
    frame = figs[4]
    img_ax, p1_ax, p2_ax, bar_ax = frame.axes
    s, v = sweeps["9-6"], views["9-6"]
    assert torch.equal(torch.as_tensor(img_ax.images[0].get_array()), s.images[2, 0])
    torch.testing.assert_close(torch.as_tensor(p1_ax.images[0].get_array().filled(float("nan"))), tile(v["pool1"][2], 5),
                               equal_nan=True)
    torch.testing.assert_close(torch.as_tensor(p2_ax.images[0].get_array().filled(float("nan"))), tile(v["pool2"][2], 10),
                               equal_nan=True)
    assert [b.get_height() for b in bar_ax.patches] == s.probabilities[2].tolist()
    assert frame._suptitle.get_text() == frame_text(s, 2)
    for f in figs:
        plt.close(f)


def test_animation_frames_follow_the_sweep(run):
    _, _, sweeps, views = run
    anim = animate(sweeps["5-6"], views["5-6"], bounce=True)
    frames = list(anim.new_frame_seq())
    assert frames == [0, 1, 2, 3, 4, 3, 2, 1]
    anim._func(3)  # draw frame 3 as the animation would
    assert anim._fig._suptitle.get_text() == frame_text(sweeps["5-6"], 3)
    anim._draw_was_started = True  # drawn by hand above: spare matplotlib's "deleted without rendering" warning
    plt.close(anim._fig)


def test_slider_updates_the_text(run):
    pytest.importorskip("ipywidgets")
    _, _, sweeps, views = run
    box = binding_slider(sweeps, views)
    menu, slider, text, image = box.children
    assert slider.max == 4 and text.value == frame_text(sweeps["9-6"], 0)
    first = bytes(image.value)
    assert first.startswith(b"\x89PNG")
    slider.value = 3
    assert text.value == frame_text(sweeps["9-6"], 3)
    assert bytes(image.value) != first
    menu.value = "5-6"
    assert text.value == frame_text(sweeps["5-6"], 3)
