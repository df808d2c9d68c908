"""Tests for helpers.bell_labs_plots (02_bell_labs): each figure draws what it is given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from helpers.bell_labs_plots import plot_padding, plot_walk  # noqa: E402


def test_padding_figure_frames_the_digit_and_outlines_two_fields():
    fig = plot_padding(torch.rand(1, 16, 16))
    (ax,) = fig.axes
    assert ax.images[0].get_array().shape == (20, 20)  # 16 + 2 x 2 padding
    assert len(ax.patches) == 3  # the digit's frame and the first and last unit's field
    plt.close(fig)


def test_walk_has_a_column_per_stage_and_one_for_the_scores():
    stages = [("input", torch.rand(1, 16, 16)), ("H1", torch.rand(12, 8, 8)), ("H2", torch.rand(12, 4, 4))]
    fig = plot_walk(stages, scores=torch.rand(10), max_maps=4)
    titles = [ax.get_title() for ax in fig.axes]
    assert len(fig.axes) == 1 + 4 + 4 + 1  # input's one map, four maps of H1 and of H2, the scores
    assert titles[:2] == ["input\n1 x 16x16", "H1\n12 x 8x8"]
    plt.close(fig)
