"""Figures of what ConvNets are good for (08_what_convnets_are_good_for): pixel correlation against
distance, accuracies beside the NYU notes' figures, and the patches that drive a unit hardest."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["plot_correlation", "plot_accuracy_bars", "plot_responses"]


def plot_correlation(distances: torch.Tensor, curves: dict[str, torch.Tensor], *,
                     title: str = "Nearby pixels are correlated, distant ones are not") -> Figure:
    """Mean pixel correlation (y) against distance in pixels (x), one line per entry of `curves`."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.4))
    for name, c in curves.items():
        if c.shape != distances.shape:
            raise ValueError(f"Curve {name!r} has shape {tuple(c.shape)} but distances have {tuple(distances.shape)}; pass the pairs correlation_by_distance returns.")
        ax.plot(distances.numpy(), c.numpy(), marker="o", ms=3, label=name)
    ax.axhline(0, color="gray", lw=0.8)
    ax.set_xlabel("distance between the two pixels (pixels)")
    ax.set_ylabel("mean correlation over the digits")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_accuracy_bars(ours: dict[str, list[float]], reference: dict[str, float] | None = None, *,
                       title: str = "Permuting the pixels hurts the ConvNet, not the FC net",
                       reference_label: str = "NYU-DLSP20") -> Figure:
    """Bars of mean test accuracy (percent) with min-max ranges over seeds, one per key of `ours`,
    and the reference figures beside them when given (same keys)."""
    import matplotlib.pyplot as plt

    names = list(ours)
    means = [sum(v) / len(v) for v in ours.values()]
    lows = [m - min(v) for m, v in zip(means, ours.values())]
    highs = [max(v) - m for m, v in zip(means, ours.values())]
    xs = torch.arange(len(names)).float()
    width = 0.38 if reference else 0.6
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.bar((xs - width / 2 if reference else xs).numpy(), means, width, yerr=[lows, highs], capsize=4, label="this course (mean, range over seeds)")
    if reference:
        ax.bar((xs + width / 2).numpy(), [reference.get(n, float("nan")) for n in names], width, color="lightgray", label=reference_label)
    ax.set_xticks(xs.numpy(), names)
    ax.set_ylim(50, 100)
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(title)
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    return fig


def plot_responses(images: torch.Tensor, responses: torch.Tensor, titles: list[str], *,
                   title: str = "The same detector responds wherever the digit is") -> Figure:
    """Top row: images (K, 1, H, W); bottom row: one feature map per image (K, h, w), on one colour scale."""
    import matplotlib.pyplot as plt

    k = len(images)
    if responses.dim() != 3 or len(responses) != k or len(titles) != k:
        raise ValueError(f"plot_responses needs K images, K maps (K, h, w) and K titles, got {len(images)}, {tuple(responses.shape)}, {len(titles)}.")
    fig, axes = plt.subplots(2, k, figsize=(1.9 * k, 4.1), squeeze=False)
    top = float(responses.max())
    for i in range(k):
        axes[0, i].imshow(images[i, 0].numpy(), cmap="gray_r")
        axes[0, i].set_title(titles[i], fontsize=9)
        axes[1, i].imshow(responses[i].numpy(), cmap="magma", vmin=0, vmax=top)
        for ax in axes[:, i]:
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_ylabel("input")
    axes[1, 0].set_ylabel("filter response")
    fig.suptitle(title)
    fig.tight_layout()
    return fig
