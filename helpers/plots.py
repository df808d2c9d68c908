"""Figures used across the lectures (introduced in 01_proto_cnns). Each returns a matplotlib Figure and takes its data as arguments."""

from __future__ import annotations

import functools
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
    repo = repository_root()
    return (repo if repo is not None else Path.cwd()) / "images"


def images_enabled() -> bool:
    """Whether notebooks may write images/: false when the environment variable CONVNETS_IMAGES is 0."""
    return os.environ.get("CONVNETS_IMAGES", "1").strip() != "0"


def save_figure(fig: Figure, name: str, *, dpi: int = 80) -> Path | None:
    """Save `fig` as images/<name> (PNG without a timestamp, so reruns give the same bytes).

    Skipped, returning None, when env CONVNETS_IMAGES is 0 (as `make test` sets it).
    """
    if not images_enabled():
        return None
    path = images_dir() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return path


def figure_png(fig: Figure, dpi: int = 72, *, tight: bool = False) -> bytes:
    """The figure as PNG bytes without a timestamp (for an ipywidgets Image); closes the figure."""
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight" if tight else None, metadata={"Software": None})
    finally:
        plt.close(fig)
    return buf.getvalue()


def show_images(images: torch.Tensor, titles: Sequence[str] | None = None, *, ncols: int = 10,
                size: float = 1.1, cmap: str = "gray_r", suptitle: str | None = None,
                vmin: float | None = None, vmax: float | None = None) -> Figure:
    """A grid of single-channel images (N, 1, H, W) or (N, H, W), with optional titles."""
    imgs = images.detach().cpu()
    if imgs.dim() == 4:
        if imgs.shape[1] != 1:
            raise ValueError(f"show_images draws one channel, got images of shape {tuple(imgs.shape)}; pick a channel with images[:, k:k+1].")
        imgs = imgs[:, 0]
    if imgs.dim() != 3 or len(imgs) == 0:
        raise ValueError(f"show_images expects (N, H, W) or (N, 1, H, W) with N >= 1, got {tuple(images.shape)}.")
    n = len(imgs)
    ncols = min(ncols, n)
    nrows = (n + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + (0.4 if suptitle else 0)), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(imgs[i].numpy(), cmap=cmap, vmin=vmin, vmax=vmax)
            if titles is not None:
                ax.set_title(titles[i], fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def show_filters(weight: torch.Tensor, *, ncols: int = 10, size: float = 1.0, title: str | None = None) -> Figure:
    """First-layer kernels (K, 1, kh, kw) on a symmetric blue-white-red scale (white = 0)."""
    w = weight.detach().cpu()
    if w.dim() != 4 or w.shape[1] != 1:
        raise ValueError(f"show_filters expects kernels of shape (K, 1, kh, kw), got {tuple(w.shape)}; pass model.conv1.weight.")
    lim = float(w.abs().max())
    fig = show_images(w, ncols=ncols, size=size, cmap="RdBu_r", vmin=-lim, vmax=lim)
    if title:
        fig.suptitle(title)
        fig.tight_layout()
    return fig


def confusion_matrix(labels: torch.Tensor, predictions: torch.Tensor, num_classes: int = 10) -> torch.Tensor:
    """Counts (num_classes, num_classes): row = true class, column = predicted class."""
    if labels.shape != predictions.shape or labels.dim() != 1:
        raise ValueError(f"labels and predictions must be 1-D and of equal length, got {tuple(labels.shape)} and {tuple(predictions.shape)}.")
    idx = labels.long() * num_classes + predictions.long()
    return torch.bincount(idx, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def plot_confusion(matrix: torch.Tensor, *, title: str = "Confusion matrix") -> Figure:
    """Draw a confusion matrix with its counts written in the cells."""
    m = matrix.detach().cpu()
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    ax.imshow(m.numpy(), cmap="Blues")
    k = m.shape[0]
    for i in range(k):
        for j in range(k):
            v = int(m[i, j])
            if v:
                ax.text(j, i, str(v), ha="center", va="center", fontsize=7,
                        color="white" if v > m.max() / 2 else "black")
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
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
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("training loss")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("accuracy (%)  dashed: train")
    ax1.legend(fontsize=8)
    ax2.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def described_box(children: Sequence, text: str):
    """An ipywidgets VBox of `children` whose text form is `text` (introduced in 03_pooling_zoo, reused in 07).

    In a live notebook it is a plain VBox (same model and view); where no widget can be shown (GitHub,
    nbviewer, a stored notebook: scripts/execute_notebooks.py keeps only a widget's text/plain), a
    learner reads `text` instead of `VBox(children=(...`. ipywidgets 7 and 8 build that text from the
    widget's repr and cut it at 110 characters, so `text` must be shorter.
    """
    if not isinstance(text, str) or not 0 < len(text) <= 110:
        raise ValueError(f"described_box needs a text of 1 to 110 characters (ipywidgets cuts longer ones), got {len(str(text))}.")
    box = _described_box_class()(list(children))
    box._stand_in = text
    return box


@functools.cache
def _described_box_class():
    import ipywidgets as widgets

    class DescribedBox(widgets.VBox):
        _stand_in = ""

        def __repr__(self) -> str:  # ipywidgets 7 and 8 build a widget's text/plain from its repr
            return self._stand_in

    return DescribedBox
