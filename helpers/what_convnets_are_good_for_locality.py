"""What ConvNets are good for: locality, stationarity, compositionality (08_what_convnets_are_good_for).

The notebook writes its two digit classifiers itself (`FCNet` and `SmallConvNet`, exported to
helpers.what_convnets_are_good_for); around them, this module holds a fixed pixel permutation, pixel
correlation against distance, receptive-field crops of maximally activating units, and a 1-D motif task.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.anatomy import ReceptiveField

__all__ = ["pixel_permutation", "check_permutation", "permute_pixels", "correlation_by_distance", "top_patches",
           "motif", "motif_signals", "MotifConvNet", "MotifFCNet"]

# --- permutations --------------------------------------------------------------------------------

def pixel_permutation(pixels: int = 28 * 28, seed: int = 0) -> torch.Tensor:
    """One fixed random order of `pixels` pixel indices (a LongTensor of shape (pixels,)), from `seed`."""
    return torch.randperm(pixels, generator=torch.Generator().manual_seed(seed))


def check_permutation(perm: torch.Tensor, pixels: int) -> None:
    """Raise ValueError, saying what to pass, unless `perm` is a permutation of 0..pixels-1."""
    if perm.dim() != 1 or len(perm) != pixels or not torch.equal(torch.sort(perm).values, torch.arange(pixels)):
        raise ValueError(f"perm must be a permutation of 0..{pixels - 1} (shape ({pixels},)), as pixel_permutation({pixels}) returns.")


def permute_pixels(images: torch.Tensor, perm: torch.Tensor) -> torch.Tensor:
    """Images (N, C, H, W) with their pixels reordered: out.flatten(2)[..., i] = images.flatten(2)[..., perm[i]].

    The same `perm` is applied to every image and channel; the shape is kept.
    """
    if images.dim() != 4:
        raise ValueError(f"permute_pixels expects images of shape (N, C, H, W), got {tuple(images.shape)}; add axes with unsqueeze.")
    check_permutation(perm, images.shape[2] * images.shape[3])
    return images.flatten(2)[:, :, perm].reshape(images.shape)


# --- locality: pixel correlation against distance --------------------------------------------------

def correlation_by_distance(images: torch.Tensor, max_distance: int | None = None,
                            min_std: float = 1e-3) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean correlation (over the digits) between two pixels, as a function of their distance.

    images (N, 1, H, W). Pixels whose standard deviation over the N digits is below `min_std` (the
    always-blank border) are left out. Distances are Euclidean, rounded to the nearest whole pixel.
    Returns (distances (D,), mean correlation (D,)) for distances 1..max_distance (default H - 1).
    """
    if images.dim() != 4 or images.shape[1] != 1:
        raise ValueError(f"correlation_by_distance expects images of shape (N, 1, H, W), got {tuple(images.shape)}.")
    n, _, h, w = images.shape
    if n < 2:
        raise ValueError(f"correlation_by_distance needs at least 2 images to measure a correlation, got {n}.")
    max_distance = h - 1 if max_distance is None else max_distance
    x = images.reshape(n, h * w).float()
    keep = x.std(0) >= min_std
    x = x[:, keep]
    x = (x - x.mean(0)) / x.std(0)
    corr = (x.T @ x) / (n - 1)  # (P, P) Pearson correlation of the kept pixels
    ys, xs = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    pos = torch.stack([ys.flatten(), xs.flatten()], 1)[keep].float()
    dist = torch.cdist(pos, pos).round().long()
    distances = torch.arange(1, max_distance + 1)
    inside = dist.flatten() <= max_distance
    sums = torch.zeros(max_distance + 1, dtype=torch.float64).index_add_(0, dist.flatten()[inside], corr.flatten()[inside].double())
    counts = torch.bincount(dist.flatten()[inside], minlength=max_distance + 1).double()
    return distances, (sums[1:] / counts[1:].clamp(min=1)).float()


# --- compositionality: receptive fields and maximally activating patches ---------------------------

def top_patches(maps: torch.Tensor, images: torch.Tensor, rf: ReceptiveField, k: int = 8
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The k input crops that drive each channel of `maps` hardest (at most one crop per image).

    maps (N, C, h, w) are a layer's activations for images (N, 1, H, W); rf says what each unit sees
    (helpers.anatomy.receptive_field: [(5, 1), (2, 2), (5, 1)] for SmallConvNet's conv2).
    Returns crops (C, k, 1, rf.size, rf.size), their activations (C, k) in decreasing order and
    where they came from, (C, k, 3) rows of (image index, row, col) in the feature map.
    """
    if maps.dim() != 4 or images.dim() != 4 or len(maps) != len(images):
        raise ValueError(f"top_patches expects maps (N, C, h, w) and images (N, 1, H, W) with the same N, got {tuple(maps.shape)} and {tuple(images.shape)}.")
    n, c, h, w = maps.shape
    if rf.offset < 0:
        raise ValueError(f"A receptive field starting at {rf.offset} reaches into the padding; pad the images by {-rf.offset} pixels and pass ReceptiveField({rf.size}, {rf.stride}).")
    last = (max(h, w) - 1) * rf.stride + rf.offset + rf.size
    if last > max(images.shape[2], images.shape[3]):  # crops would be cut short without a word
        raise ValueError(f"A receptive field of size {rf.size}, stride {rf.stride} does not fit maps of {h}x{w} on images of {tuple(images.shape[2:])}; check the layers given to receptive_field.")
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


# --- beyond images: a motif anywhere in a 1-D signal -----------------------------------------------

def motif(length: int = 9) -> torch.Tensor:
    """The target pattern of the 1-D task (length,): a rising chirp (slow, then fast) under a Hann window.

    It is not symmetric in time, so its time reversal (a falling chirp) is a different shape with the
    same energy.
    """
    t = torch.linspace(0, 1, length)
    return 2 * torch.sin(2 * math.pi * (0.5 * t + 1.5 * t**2)) * torch.sin(math.pi * t) ** 2


def motif_signals(n: int, length: int = 64, *, positions: tuple[int, int] | None = None,
                  noise: float = 0.3, generator: torch.Generator | None = None
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """n noisy signals (n, 1, length) and labels (n,): label 1 holds `motif()` somewhere, label 0
    holds the same motif time-reversed (same energy, other shape); half of each, interleaved.

    `positions` = (first, last) bounds the motif's start (default: anywhere it fits).
    """
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
    """Conv1d (channels, kernel) -> ReLU -> max over all positions -> linear 2: (N, 1, L) -> logits (N, 2).

    The global max makes the answer the same wherever the motif sits, and any length L works. The
    signal is zero-padded by kernel - 1 at both ends, so a learned detector that is not aligned with
    the start of its kernel still fits over a motif at the very edge.
    """

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
        self.length = length
        self.fc1 = nn.Linear(length, hidden)
        self.fc2 = nn.Linear(hidden, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


# --- figures ---------------------------------------------------------------------------------------
