"""Figures of the Bell Labs nets (02_bell_labs): the padded input a strided kernel reads, the notes' layer walk."""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from helpers.data import BACKGROUND
from helpers.plots import finish
from helpers.shapes import conv_out

__all__ = ["plot_padding", "plot_walk"]


def plot_padding(image: torch.Tensor) -> Figure:
    """A digit (1, H, W) or (H, W) in [0, 1] in its 2-pixel background frame, H1's first and last fields outlined."""
    kernel, stride, padding = 5, 2, 2
    img = image.detach().cpu().reshape(image.shape[-2], image.shape[-1])
    h, w = img.shape
    framed = F.pad(2 * img - 1, (padding,) * 4, value=BACKGROUND)
    n = conv_out(w, kernel, stride, padding)
    fig, ax = plt.subplots(figsize=(4.2, 4.2))
    ax.imshow(framed.numpy(), cmap="gray_r", vmin=-1, vmax=1)
    ax.add_patch(Rectangle((padding - 0.5, padding - 0.5), w, h, fill=False, ec="tab:green", lw=1.5, ls="--"))
    for col, color in ((0, "tab:blue"), (n - 1, "tab:red")):
        ax.add_patch(Rectangle((col * stride - 0.5, -0.5), kernel, kernel, fill=False, ec=color, lw=2.5))
    ax.set(xticks=range(0, w + 2 * padding, 2), yticks=range(0, h + 2 * padding, 2))
    ax.set_title(f"{h}x{w} digit + {padding}-pixel frame of -1:\nunits 0 (blue) and {n - 1} (red) of H1's first row", fontsize=9)
    return finish(fig)


def plot_walk(stages: list[tuple[str, torch.Tensor]], scores: torch.Tensor | None = None, max_maps: int = 4) -> Figure:
    """A column per (name, activations (C, H, W)) of `stages`, its first `max_maps` maps; then `scores` as bars."""
    rows = max(min(max_maps, a.shape[0]) for _, a in stages)
    ncols = len(stages) + (scores is not None)
    fig = plt.figure(figsize=(1.55 * ncols + (0.6 if scores is not None else 0), 1.55 * rows + 0.3))
    grid = fig.add_gridspec(rows, ncols)
    for col, (name, acts) in enumerate(stages):
        a = acts.detach().cpu()
        lim = float(a.abs().max()) or 1.0
        for row in range(min(max_maps, a.shape[0])):
            ax = fig.add_subplot(grid[row, col])
            ax.axis("off")
            colours = {"cmap": "gray_r"} if col == 0 else {"cmap": "RdBu_r", "vmin": -lim, "vmax": lim}
            ax.imshow(a[row].numpy(), **colours)
            if row == 0:
                ax.set_title(f"{name}\n{a.shape[0]} x {a.shape[1]}x{a.shape[2]}", fontsize=8)
    if scores is not None:
        sc = scores.detach().cpu().flatten()
        ax = fig.add_subplot(grid[:, -1])
        ax.barh(range(len(sc)), sc.numpy(), color=["tab:orange" if i == int(sc.argmax()) else "tab:gray" for i in range(len(sc))])
        ax.set_yticks(range(len(sc)))
        ax.invert_yaxis()
        ax.set_title(f"scores\n{len(sc)} x 1x1", fontsize=8)
        ax.tick_params(labelsize=7)
    return finish(fig)
