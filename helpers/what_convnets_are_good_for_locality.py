"""Locality, stationarity, compositionality around 08_what_convnets_are_good_for's two nets: a fixed pixel
permutation, pixel correlation against distance, the crops that drive a unit hardest, and a 1-D motif task.
"""

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
    """Images (N, C, H, W) with their pixels reordered, the same way in every image and channel:
    out.flatten(2)[..., i] = images.flatten(2)[..., perm[i]]."""
    check_permutation(perm, images.shape[2] * images.shape[3])
    return images.flatten(2)[:, :, perm].reshape(images.shape)


def correlation_by_distance(images: torch.Tensor, max_distance: int | None = None,
                            min_std: float = 1e-3) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean correlation (over the N >= 2 digits (N, 1, H, W)) between two pixels, against their distance,
    Euclidean and rounded to a whole pixel: (distances 1..max_distance (default H - 1), mean correlation),
    both (D,). Pixels whose standard deviation is below `min_std` (the always-blank border) are left out."""
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
    """The k input crops that drive each channel of `maps` hardest (at most one crop per image).

    maps (N, C, h, w) are a layer's activations for images (N, 1, H, W); rf says what each unit sees
    (helpers.anatomy.receptive_field). Returns crops (C, k, 1, rf.size, rf.size), their activations
    (C, k) in decreasing order, and (C, k, 3) rows of (image index, row, col) in the feature map.
    """
    _, c, h, w = maps.shape
    last = (max(h, w) - 1) * rf.stride + rf.offset + rf.size
    if len(maps) != len(images) or rf.offset < 0 or last > max(images.shape[2:]):  # else wrong crops, silently
        raise ValueError(f"A receptive field of size {rf.size}, stride {rf.stride}, offset {rf.offset} does not "
                         f"fit maps {tuple(maps.shape)} of images {tuple(images.shape)}; "
                         "check the layers given to receptive_field.")
    best, where = maps.flatten(2).max(2)  # (N, C): each image's best unit per channel
    values, idx = best.T.topk(k, dim=1)  # (C, k)
    pos = where.T.gather(1, idx)  # (C, k) flat positions
    rows, cols = pos // w, pos % w
    crops = torch.empty(c, k, images.shape[1], rf.size, rf.size, dtype=images.dtype)
    for ch in range(c):
        for j in range(k):
            r0 = int(rows[ch, j]) * rf.stride + rf.offset
            c0 = int(cols[ch, j]) * rf.stride + rf.offset
            crops[ch, j] = images[idx[ch, j], :, r0:r0 + rf.size, c0:c0 + rf.size]
    return crops, values, torch.stack([idx, rows, cols], 2)


def motif(length: int = 9) -> torch.Tensor:
    """The target pattern of the 1-D task (length,): a rising chirp under a Hann window; its time
    reversal (a falling chirp) is a different shape with the same energy."""
    t = torch.linspace(0, 1, length)
    return 2 * torch.sin(2 * math.pi * (0.5 * t + 1.5 * t**2)) * torch.sin(math.pi * t) ** 2


def motif_signals(n: int, length: int = 64, *, positions: tuple[int, int] | None = None,
                  noise: float = 0.3, generator: torch.Generator | None = None
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """n noisy signals (n, 1, length) and labels (n,), alternating: label 1 holds `motif()`, label 0 the motif
    time-reversed, starting anywhere in `positions` = (first, last) (default: anywhere it fits)."""
    m = motif()
    span = length - len(m)
    lo, hi = positions if positions is not None else (0, span)
    labels = torch.arange(n) % 2
    starts = torch.randint(lo, hi + 1, (n,), generator=generator)
    x = noise * torch.randn(n, 1, length, generator=generator)
    shapes = torch.stack([m.flip(0), m])[labels]  # (n, len(m))
    cols = starts[:, None] + torch.arange(len(m))
    x[torch.arange(n)[:, None], 0, cols] += shapes
    return x, labels


class MotifConvNet(nn.Module):
    """Conv1d (channels, kernel) -> ReLU -> max over all positions -> linear 2: (N, 1, L) -> logits (N, 2), the
    same wherever the motif sits, for any L. Zero padding of kernel - 1 at both ends lets a detector that is
    not aligned with the start of its kernel still fit over a motif at the very edge."""

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
