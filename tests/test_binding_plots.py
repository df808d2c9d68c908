"""Tests for helpers.binding_plots: tiles, frame text, figures, the animation and the slider."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from helpers.binding_plots import (  # noqa: E402
    animate, binding_slider, frame_figure, frame_text, plot_layers, plot_paths, plot_progress, plot_sweeps, tile,
)
from helpers.strokes import LAYERS, progress  # noqa: E402
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
    with pytest.raises(ValueError, match=r"\(C, H, W\)"):
        tile(maps[0], 2)


def test_frame_text(run):
    _, _, sweeps, _ = run
    s = sweeps["9-6"]
    text = frame_text(s, 4)
    assert text.startswith("9-6, position 1.00: reads ") and f"{int(s.predictions[4])} (p = " in text
    with pytest.raises(ValueError, match="step"):
        frame_text(s, 5)


def test_figures_build(run):
    _, paths, sweeps, views = run
    figs = [
        plot_paths([paths["9-6"]], positions=(0.0, 1.0)),
        plot_sweeps(list(sweeps.values())),
        plot_layers(views["9-6"], sweeps["9-6"].t, [0, 4]),
        plot_progress({k: {l: progress(v[l]) for l in LAYERS} for k, v in views.items()}, sweeps["9-6"].t),
        frame_figure(sweeps["9-6"], views["9-6"], 2),
    ]
    assert len(figs[0].axes) == 2 and len(figs[2].axes) == 10
    for f in figs:
        plt.close(f)
    with pytest.raises(ValueError, match="lenet_views"):
        plot_layers({"input": views["9-6"]["input"]}, sweeps["9-6"].t, [0])


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
    with pytest.raises(ValueError, match="same"):
        binding_slider(sweeps, {"9-6": views["9-6"]})
