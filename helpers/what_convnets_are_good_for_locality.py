"""Locality, stationarity, compositionality (08_what_convnets_are_good_for): a fixed pixel permutation, pixel
correlation against distance, the crops that drive a unit hardest, and a 1-D motif task."""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.anatomy import ReceptiveField

__all__ = ["pixel_permutation", "check_permutation", "permute_pixels", "correlation_by_distance", "top_patches",
           "motif", "motif_signals", "MotifConvNet", "MotifFCNet"]


def pixel_permutation(pixels: int = 28 * 28, seed: int = 0) -> torch.Tensor:
    """One fixed random order of `pixels` pixel indices (a LongTensor of shape (pixels,)), from `seed`."""
    return torch.randperm(pixels, generator=torch.Generator().manual_seed(seed))


def check_permutation(perm: torch.Tensor, pixels: int) -> None:
    """Raise ValueError, saying what to pass, unless `perm` is a permutation of 0..pixels-1."""
    if perm.dim() != 1 or len(perm) != pixels or not torch.equal(torch.sort(perm).values, torch.arange(pixels)):
        raise ValueError(f"perm must be a permutation of 0..{pixels - 1} (shape ({pixels},)), as pixel_permutation({pixels}) returns.")


def permute_pixels(images: torch.Tensor, perm: torch.Tensor) -> torch.Tensor:
    """Images (N, C, H, W), pixels reordered alike in each image and channel: out.flatten(2)[..., i] = pixel perm[i]."""
    check_permutation(perm, images.shape[2] * images.shape[3])
    return images.flatten(2)[:, :, perm].reshape(images.shape)


def correlation_by_distance(images: torch.Tensor, max_distance: int | None = None,
                            min_std: float = 1e-3) -> tuple[torch.Tensor, torch.Tensor]:
    """(distances 1..max_distance (default H - 1), mean correlation of two pixels that far apart, rounded), both (D,),
    over N >= 2 digits (N, 1, H, W), leaving out pixels whose std is below `min_std` (the always-blank border)."""
    n, _, h, w = images.shape
    max_distance = h - 1 if max_distance is None else max_distance
    x = images.reshape(n, h * w).float()
    keep = x.std(0) >= min_std
    x = x[:, keep]
    x = (x - x.mean(0)) / x.std(0)
    corr = (x.T @ x) / (n - 1)  # (P, P) Pearson correlation of the kept pixels
    ys, xs = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    pos = torch.stack([ys.flatten(), xs.flatten()], 1)[keep].float()
    dist = torch.cdist(pos, pos).round().long().flatten()
    inside = dist <= max_distance
    sums = torch.bincount(dist[inside], weights=corr.flatten()[inside].double(), minlength=max_distance + 1)
    counts = torch.bincount(dist[inside], minlength=max_distance + 1)
    return torch.arange(1, max_distance + 1), (sums[1:] / counts[1:].clamp(min=1)).float()


def top_patches(maps: torch.Tensor, images: torch.Tensor, rf: ReceptiveField, k: int = 8
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The k crops (at most one per image; rf from receptive_field) of images (N, 1, H, W) driving each channel of maps
    (N, C, h, w) hardest: crops (C, k, 1, size, size), activations (C, k) descending, (C, k, 3) image, row, col."""
    _, _, h, w = maps.shape
    last = (max(h, w) - 1) * rf.stride + rf.offset + rf.size
    if len(maps) != len(images) or rf.offset < 0 or last > max(images.shape[2:]):  # else wrong crops, silently
        raise ValueError(f"A receptive field of size {rf.size}, stride {rf.stride}, offset {rf.offset} does not "
                         f"fit maps {tuple(maps.shape)} of images {tuple(images.shape)}; "
                         "check the layers given to receptive_field.")
    best, where = maps.flatten(2).max(2)  # (N, C): each image's best unit per channel
    values, idx = best.T.topk(k, dim=1)  # (C, k)
    pos = where.T.gather(1, idx)  # (C, k) flat positions
    rows, cols = pos // w, pos % w
    windows = images[:, :, rf.offset:, rf.offset:].unfold(2, rf.size, rf.stride).unfold(3, rf.size, rf.stride)
    return windows[idx, :, rows, cols], values, torch.stack([idx, rows, cols], 2)  # windows (N, 1, h, w, size, size)


def motif(length: int = 9) -> torch.Tensor:
    """The 1-D task's pattern (length,): a rising chirp under a Hann window; reversed, another shape, same energy."""
    t = torch.linspace(0, 1, length)
    return 2 * torch.sin(2 * math.pi * (0.5 * t + 1.5 * t**2)) * torch.sin(math.pi * t) ** 2


def motif_signals(n: int, length: int = 64, *, positions: tuple[int, int] | None = None, noise: float = 0.3,
                  generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """n noisy signals (n, 1, length) and labels (n,), alternating: label 1 holds `motif()`, label 0 the motif
    time-reversed, starting anywhere in `positions` = (first, last) (default: anywhere it fits)."""
    m = motif()
    lo, hi = positions if positions is not None else (0, length - len(m))
    labels = torch.arange(n) % 2
    starts = torch.randint(lo, hi + 1, (n,), generator=generator)
    x = noise * torch.randn(n, 1, length, generator=generator)
    shapes = torch.stack([m.flip(0), m])[labels]  # (n, len(m))
    cols = starts[:, None] + torch.arange(len(m))
    x[torch.arange(n)[:, None], 0, cols] += shapes
    return x, labels


class MotifConvNet(nn.Module):
    """Conv1d -> ReLU -> max over positions -> linear 2: (N, 1, L) -> logits (N, 2), for any L, wherever the motif sits;
    padding kernel - 1 at both ends lets a detector off its kernel's start still cover a motif at the very edge."""

    def __init__(self, channels: int = 4, kernel: int = 9) -> None:
        super().__init__()
        self.conv = nn.Conv1d(1, channels, kernel, padding=kernel - 1)
        self.out = nn.Linear(channels, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(F.relu(self.conv(x)).amax(2))


class MotifFCNet(nn.Module):
    """Linear (length -> hidden) -> ReLU -> linear 2: the fully connected baseline of the 1-D task."""

    def __init__(self, length: int = 64, hidden: int = 4) -> None:
        super().__init__()
        self.fc1 = nn.Linear(length, hidden)
        self.fc2 = nn.Linear(hidden, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.relu(self.fc1(x.flatten(1))))
