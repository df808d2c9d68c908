"""Figures used across the lectures (from 01_proto_cnns), each a matplotlib Figure drawn from the data it is given."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from helpers.data import repository_root

__all__ = ["images_dir", "images_enabled", "save_figure", "figure_png", "finish", "panels", "show_images",
           "show_filters", "confusion_matrix", "plot_confusion", "plot_history", "described_box"]


def images_dir() -> Path:
    """The course's images/ folder (or ./images outside a checkout)."""
    return (repository_root() or Path.cwd()) / "images"


def images_enabled() -> bool:
    """Whether notebooks may write images/: false when the environment variable CONVNETS_IMAGES is 0."""
    return os.environ.get("CONVNETS_IMAGES", "1").strip() != "0"


def save_figure(fig: Figure, name: str, *, dpi: int = 80) -> Path | None:
    """Save `fig` as images/<name>, a PNG without a timestamp (reruns give the same bytes); None when images are off."""
    if not images_enabled():
        return None
    path = images_dir() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return path


def figure_png(fig: Figure, dpi: int = 72, *, tight: bool = False) -> bytes:
    """The figure as PNG bytes without a timestamp (for an ipywidgets Image); closes the figure."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight" if tight else None, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def finish(fig: Figure, suptitle: str | None = None) -> Figure:
    """The figure with its suptitle (if any), laid out tight: how every figure of the course ends."""
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def panels(n: int, ncols: int, width: float, height: float, *, extra: float = 0, **kwargs) -> tuple[Figure, list]:
    """A grid of at most `ncols` columns of width x height inches (plus `extra` in height) for n panels: (fig, axes)."""
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows + extra), squeeze=False, **kwargs)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    return fig, list(axes.flat)[:n]


def show_images(images: torch.Tensor, titles: Sequence[str] | None = None, *, ncols: int = 10,
                size: float = 1.1, cmap: str = "gray_r", suptitle: str | None = None,
                vmin: float | None = None, vmax: float | None = None) -> Figure:
    """A grid of single-channel images (N, 1, H, W) or (N, H, W), with optional titles."""
    imgs = images.detach().cpu().reshape(-1, *images.shape[-2:])
    fig, axes = panels(len(imgs), ncols, size, size, extra=0.4 if suptitle else 0)
    for i, ax in enumerate(axes):
        ax.axis("off")
        ax.imshow(imgs[i].numpy(), cmap=cmap, vmin=vmin, vmax=vmax)
        if titles is not None:
            ax.set_title(titles[i], fontsize=8)
    return finish(fig, suptitle)


def show_filters(weight: torch.Tensor, *, ncols: int = 10, size: float = 1.0, title: str | None = None) -> Figure:
    """First-layer kernels (K, 1, kh, kw) on a symmetric blue-white-red scale (white = 0)."""
    lim = float(weight.detach().abs().max())
    fig = show_images(weight, ncols=ncols, size=size, cmap="RdBu_r", vmin=-lim, vmax=lim)
    return finish(fig, title) if title else fig


def confusion_matrix(labels: torch.Tensor, predictions: torch.Tensor, num_classes: int = 10) -> torch.Tensor:
    """Counts (num_classes, num_classes): row = true class, column = predicted class."""
    idx = labels.long() * num_classes + predictions.long()
    return torch.bincount(idx, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def plot_confusion(matrix: torch.Tensor, *, title: str = "Confusion matrix") -> Figure:
    """Draw a confusion matrix with its counts written in the cells (none in the empty ones)."""
    m = matrix.detach().cpu()
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    ax.imshow(m.numpy(), cmap="Blues")
    for i, j in torch.nonzero(m).tolist():
        v = int(m[i, j])
        ax.text(j, i, str(v), ha="center", va="center", fontsize=7, color="white" if v > m.max() / 2 else "black")
    ax.set(xticks=range(len(m)), yticks=range(len(m)), xlabel="predicted", ylabel="true", title=title)
    return finish(fig)


def plot_history(histories: dict, *, title: str = "Learning curves") -> Figure:
    """Loss and accuracy per epoch for one or more helpers.train.History objects, keyed by name."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2))
    for name, h in histories.items():
        epochs = range(1, h.epochs + 1)
        ax1.plot(epochs, h.loss, marker="o", ms=3, label=name)
        color = ax1.lines[-1].get_color()
        if h.train_accuracy:
            ax2.plot(epochs, h.train_accuracy, ls="--", lw=1, color=color)
        if h.test_accuracy:
            ax2.plot(epochs, h.test_accuracy, marker="o", ms=3, color=color, label=f"{name} (test)")
    for ax, ylabel in ((ax1, "training loss"), (ax2, "accuracy (%)  dashed: train")):
        ax.set(xlabel="epoch", ylabel=ylabel)
        ax.legend(fontsize=8)
    return finish(fig, title)


def described_box(children: Sequence, text: str):
    """An ipywidgets VBox of `children` that a stored notebook keeps as `text` (at most 110 characters: its repr)."""
    import ipywidgets as widgets

    class DescribedBox(widgets.VBox):
        def __repr__(self) -> str:  # ipywidgets 7 and 8 build a widget's text/plain from its repr
            return text

    return DescribedBox(list(children))
