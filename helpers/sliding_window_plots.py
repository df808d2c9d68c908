"""Figures of the sliding-window reader (06_sliding_window)."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
from matplotlib.figure import Figure

from helpers.anatomy import receptive_field, window_layers
from helpers.plots import finish
from helpers.sliding_window_reader import unpadded_field
from helpers.sliding_window_strips import CLASSES, NONE, Strip

__all__ = ["plot_one_d", "plot_output_maps", "plot_window_labels"]


def plot_one_d(net: nn.Module, length: int = 14, base: int = 10) -> Figure:
    """The lecture's 1-D example: an unpadded stack's units over `length` inputs, green those `base` inputs have."""
    unpadded_field(net)
    layers = window_layers(net)
    fields = [receptive_field([(w.kernel, w.stride) for w in layers[:l]]) for l in range(len(layers) + 1)]
    lengths = [(length - f.size) // f.stride + 1 for f in fields]
    names = ["input"] + [f"{'conv' if w.kind.startswith('Conv') else 'pool'} {w.kernel}" for w in layers]
    fig, ax = plt.subplots(figsize=(8, 3.6))
    pos = [[i * f.stride + (f.size - 1) / 2 for i in range(n)] for f, n in zip(fields, lengths)]
    for l, w in enumerate(layers, 1):
        for i, x in enumerate(pos[l]):
            for src in range(i * w.stride, i * w.stride + w.kernel):
                ax.plot([pos[l - 1][src], x], [l - 1, l], color="0.75", lw=0.8, zorder=1)
    for l, xs in enumerate(pos):
        for i, x in enumerate(xs):
            old = i * fields[l].stride + fields[l].size <= base
            ax.scatter([x], [l], s=160, color="#5cb85c" if old else "#f08cb4", edgecolor="black", zorder=2)
        ax.text(-1.2, l, f"{names[l]}: {lengths[l]}", ha="right", va="center", fontsize=9)
    ax.set(xlim=(-5.5, length), ylim=(-0.6, len(lengths) - 0.4))
    ax.axis("off")
    ax.set_title(f"{base} inputs give 1 output (green); {length - base} more inputs (pink) give "
                 f"{lengths[-1] - 1} more", fontsize=10)
    return finish(fig)


def plot_output_maps(images: Sequence[torch.Tensor], maps: Sequence[torch.Tensor], *, first_centre: float = 0.0,
                     titles: Sequence[str] | None = None, suptitle: str | None = None) -> Figure:
    """Each image (1, 32, W) above its output map (11, n), column j under the window centre first_centre + 4j."""
    widths = [int(im.shape[-1]) for im in images]
    span = max(max(widths), first_centre + 4 * max(p.shape[1] for p in maps)) + 4
    inch = min(14.0, 1.0 + span / 14) - 1.0  # width of the axes: 14 pixels per inch, at most 13 inches
    image_h, map_h = 32 * inch / span, 1.3
    fig = plt.figure(figsize=(inch + 1.0, len(images) * (image_h + map_h + 0.7) + (0.4 if suptitle else 0)))
    grid = fig.add_gridspec(2 * len(images), 1, height_ratios=[image_h, map_h] * len(images), hspace=0.3,
                            left=0.8 / (inch + 1.0), right=1 - 0.2 / (inch + 1.0))
    for r, (im, p) in enumerate(zip(images, maps, strict=True)):
        top = fig.add_subplot(grid[2 * r])
        bottom = fig.add_subplot(grid[2 * r + 1], sharex=top)
        top.imshow(im[0].numpy(), cmap="gray_r", vmin=0, vmax=1, extent=(0, widths[r], 32, 0), aspect="auto")
        top.set_yticks([])
        top.tick_params(labelbottom=False)
        top.set_title(titles[r] if titles else "", fontsize=10)
        bottom.imshow(p.numpy(), cmap="viridis", vmin=0, vmax=1, aspect="auto", interpolation="nearest",
                      extent=(first_centre - 2, first_centre + 4 * (p.shape[1] - 1) + 2, CLASSES - 0.5, -0.5))
        bottom.set_yticks(range(CLASSES), [str(c) for c in range(NONE)] + ["none"], fontsize=7)
        bottom.set_xlim(-4, span - 4)
        bottom.set_xlabel("window centre (pixels)" if r == len(images) - 1 else "", fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def plot_window_labels(strip: Strip, targets: torch.Tensor) -> Figure:
    """A strip above the training class of the window centred at each position (window_targets)."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(strip.width / 14 + 0.6, 32 / 14 + 1.6), sharex=True,
                                      gridspec_kw={"height_ratios": [32 / 14, 0.5]})
    top.imshow(strip.image[0].numpy(), cmap="gray_r", vmin=0, vmax=1, extent=(0, strip.width, 32, 0), aspect="auto")
    top.set_yticks([])
    top.set_title(f"which window teaches what: strip '{strip.text}'", fontsize=10)
    colours = [{NONE: "0.6", -1: "white"}.get(t, "#5cb85c") for t in targets.tolist()]
    bottom.bar(range(len(colours)), 1, width=1.0, color=colours, edgecolor="none")
    for c, d in zip(strip.centres.tolist(), strip.text):
        bottom.text(c, 0.5, d, ha="center", va="center", fontsize=9, color="black")
    bottom.set(yticks=[], xlim=(-0.5, strip.width + 0.5))
    bottom.set_xlabel("window centre x (green: the digit, grey: none of the above, white: left out)", fontsize=8)
    return finish(fig)
