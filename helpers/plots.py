"""Figures used across the lectures (introduced in 01_proto_cnns). Each returns a matplotlib Figure and takes its data as arguments."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from helpers.data import repository_root

__all__ = ["images_dir", "images_enabled", "save_figure", "figure_png", "show_images", "show_filters", "confusion_matrix",
           "plot_confusion", "plot_history", "described_box"]


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


def show_images(images: torch.Tensor, titles: Sequence[str] | None = None, *, ncols: int = 10,
                size: float = 1.1, cmap: str = "gray_r", suptitle: str | None = None,
                vmin: float | None = None, vmax: float | None = None) -> Figure:
    """A grid of single-channel images (N, 1, H, W) or (N, H, W), with optional titles."""
    imgs = images.detach().cpu().reshape(-1, *images.shape[-2:])
    ncols = min(ncols, len(imgs))
    nrows = -(-len(imgs) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + (0.4 if suptitle else 0)), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(imgs):
            ax.imshow(imgs[i].numpy(), cmap=cmap, vmin=vmin, vmax=vmax)
            if titles is not None:
                ax.set_title(titles[i], fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def show_filters(weight: torch.Tensor, *, ncols: int = 10, size: float = 1.0, title: str | None = None) -> Figure:
    """First-layer kernels (K, 1, kh, kw) on a symmetric blue-white-red scale (white = 0)."""
    lim = float(weight.detach().abs().max())
    fig = show_images(weight, ncols=ncols, size=size, cmap="RdBu_r", vmin=-lim, vmax=lim)
    if title:
        fig.suptitle(title)
        fig.tight_layout()
    return fig


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
    fig.tight_layout()
    return fig


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
    ax1.set(xlabel="epoch", ylabel="training loss")
    ax2.set(xlabel="epoch", ylabel="accuracy (%)  dashed: train")
    ax1.legend(fontsize=8)
    ax2.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def described_box(children: Sequence, text: str):
    """A plain ipywidgets VBox of `children` whose text form, all that a stored notebook keeps of it,
    is `text` (at most 110 characters: ipywidgets cuts the repr there)."""
    import ipywidgets as widgets

    class DescribedBox(widgets.VBox):
        def __repr__(self) -> str:  # ipywidgets 7 and 8 build a widget's text/plain from its repr
            return text

    return DescribedBox(list(children))
