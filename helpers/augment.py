"""Batched augmentations on image tensors (N, C, H, W); no per-sample Python loops (introduced in 01_proto_cnns)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["shift", "random_shift", "shifter"]


def shift(images: torch.Tensor, dy: torch.Tensor | int, dx: torch.Tensor | int) -> torch.Tensor:
    """Translate each image by whole pixels (dy down, dx right: ints or int tensors (N,)), filling with zeros."""
    if images.dim() != 4:
        raise ValueError(f"shift expects images of shape (N, C, H, W), got {tuple(images.shape)}; add axes with unsqueeze.")
    n, _, h, w = images.shape
    dy = torch.as_tensor(dy, dtype=torch.long).expand(n)
    dx = torch.as_tensor(dx, dtype=torch.long).expand(n)
    m = int(max(dy.abs().max().item(), dx.abs().max().item(), 0))
    if m == 0:
        return images.clone()
    padded = F.pad(images, (m, m, m, m))
    rows = (torch.arange(h).unsqueeze(0) + m - dy.unsqueeze(1))  # (N, H)
    cols = (torch.arange(w).unsqueeze(0) + m - dx.unsqueeze(1))  # (N, W)
    batch = torch.arange(n)[:, None, None]
    out = padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]]  # (N, H, W, C)
    return out.permute(0, 3, 1, 2).contiguous()


def random_shift(images: torch.Tensor, max_shift: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Shift every image by its own random whole-pixel offset in [-max_shift, max_shift] on each axis."""
    dy, dx = torch.randint(-max_shift, max_shift + 1, (2, len(images)), generator=generator)
    return shift(images, dy, dx)


def shifter(max_shift: int):
    """An `augment` function for helpers.train.fit that applies random_shift(batch, max_shift)."""
    if isinstance(max_shift, bool) or not isinstance(max_shift, int) or max_shift < 0:
        raise ValueError(f"shifter needs a whole number of pixels max_shift >= 0, got {max_shift!r}; pass for example shifter(2).")

    def augment(batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        return random_shift(batch, max_shift, generator)

    augment.__name__ = f"random_shift_{max_shift}px"
    return augment
