"""Figures of 08_what_convnets_are_good_for: correlations, accuracies, one filter's responses, the 1-D motif task."""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from helpers.plots import finish

__all__ = ["plot_correlation", "plot_accuracy_bars", "plot_responses", "plot_motif_signals"]


def plot_correlation(distances: torch.Tensor, curves: dict[str, torch.Tensor], *,
                     title: str = "Nearby pixels are correlated, distant ones are not") -> Figure:
    """Mean pixel correlation (y) against distance in pixels (x), one line per entry of `curves`."""
    fig, ax = plt.subplots(figsize=(6, 3.4))
    for name, c in curves.items():
        ax.plot(distances.numpy(), c.numpy(), marker="o", ms=3, label=name)
    ax.axhline(0, color="gray", lw=0.8)
    ax.set(xlabel="distance between the two pixels (pixels)", ylabel="mean correlation over the digits", title=title)
    ax.legend()
    return finish(fig)


def plot_accuracy_bars(ours: dict[str, list[float]], reference: dict[str, float]) -> Figure:
    """Mean test accuracy (%) with its range over seeds for each key of `ours`, the reference's beside it."""
    names = list(ours)
    means = [sum(v) / len(v) for v in ours.values()]
    lows = [m - min(v) for m, v in zip(means, ours.values())]
    highs = [max(v) - m for m, v in zip(means, ours.values())]
    xs = torch.arange(len(names)).float()
    width = 0.38
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.bar((xs - width / 2).numpy(), means, width, yerr=[lows, highs], capsize=4, label="this course (mean, range over seeds)")
    ax.bar((xs + width / 2).numpy(), [reference.get(n, float("nan")) for n in names], width, color="lightgray", label="NYU-DLSP20")
    ax.set(xticks=xs.numpy(), xticklabels=names, ylim=(50, 100), ylabel="test accuracy (%)",
           title="Permuting the pixels hurts the ConvNet, not the FC net")
    ax.legend(loc="lower left", fontsize=8)
    return finish(fig)


def plot_responses(images: torch.Tensor, responses: torch.Tensor, titles: list[str], *,
                   title: str = "The same detector responds wherever the digit is") -> Figure:
    """Top row: images (K, 1, H, W); bottom row: one feature map per image (K, h, w), on one colour scale."""
    k = len(images)
    fig, axes = plt.subplots(2, k, figsize=(1.9 * k, 4.1), squeeze=False)
    top = float(responses.max())
    for i in range(k):
        axes[0, i].imshow(images[i, 0].numpy(), cmap="gray_r")
        axes[0, i].set_title(titles[i], fontsize=9)
        axes[1, i].imshow(responses[i].numpy(), cmap="magma", vmin=0, vmax=top)
        for ax in axes[:, i]:
            ax.set(xticks=[], yticks=[])
    axes[0, 0].set_ylabel("input")
    axes[1, 0].set_ylabel("filter response")
    return finish(fig, title)


def plot_motif_signals(pattern: torch.Tensor, signals: torch.Tensor, labels: torch.Tensor) -> Figure:
    """The motif (L,) and its time reversal, then two of the signals (N, 1, T) of each class (labels (N,))."""
    fig, axes = plt.subplots(1, 3, figsize=(10, 2.4))
    axes[0].plot(pattern.numpy(), marker="o", label="class 1: the motif")
    axes[0].plot(pattern.flip(0).numpy(), marker="o", label="class 0: time-reversed")
    axes[0].set_title("the two patterns")
    axes[0].legend(fontsize=7)
    for ax, label in zip(axes[1:], (1, 0)):
        for i in torch.nonzero(labels == label).flatten()[:2].tolist():
            ax.plot(signals[i, 0].numpy(), lw=1)
        ax.set(title=f"two signals of class {label}", xlabel="sample")
    return finish(fig)
