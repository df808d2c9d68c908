"""Tests for helpers.sliding_window_plots (06_sliding_window): the figures draw what they are given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from helpers.sliding_window_plots import plot_one_d, plot_output_maps, plot_window_labels  # noqa: E402
from helpers.sliding_window_reader import tiny_1d  # noqa: E402
from helpers.sliding_window_strips import make_strips, window_targets  # noqa: E402

from tests.test_sliding_window_strips import blob_digits  # noqa: E402


def test_output_maps_one_pair_of_rows_per_image():
    images = [torch.rand(1, 32, 64), torch.rand(1, 32, 40)]
    maps = [torch.rand(11, 17), torch.rand(11, 11)]
    fig = plot_output_maps(images, maps, titles=["a", "b"])
    assert len(fig.axes) == 4  # per image: the strip, then its output map under it
    for r, (image, probs) in enumerate(zip(images, maps)):
        top, bottom = fig.axes[2 * r], fig.axes[2 * r + 1]
        assert torch.equal(torch.as_tensor(top.images[0].get_array()), image[0]) and top.get_title() == "ab"[r]
        assert torch.equal(torch.as_tensor(bottom.images[0].get_array()), probs) and bottom.get_title() == ""
        assert [t.get_text() for t in bottom.get_yticklabels()] == [str(c) for c in range(10)] + ["none"]
        # column j of the map is drawn under the window centre 4j: the map spans -2 .. 4(n - 1) + 2
        n = probs.shape[1]
        assert list(bottom.images[0].get_extent()[:2]) == [-2, 4 * (n - 1) + 2]
        assert list(top.images[0].get_extent()[:2]) == [0, image.shape[-1]]
    assert fig.axes[3].get_xlabel() == "window centre (pixels)" and fig.axes[1].get_xlabel() == ""
    plt.close(fig)
    with pytest.raises(ValueError, match="zip"):  # one output map per image
        plot_output_maps(images, maps[:1])


def test_window_labels_under_a_strip_and_the_1d_figure():
    strip = make_strips(*blob_digits(), count=1, length=3, seed=0)[0]
    fig = plot_window_labels(strip, window_targets(strip))
    assert len(fig.axes) == 2 and fig.axes[0].images[0].get_array().shape == (32, strip.width)
    plt.close(fig)
    fig = plot_one_d(tiny_1d())
    assert fig.axes and fig.axes[0].lines
    plt.close(fig)
