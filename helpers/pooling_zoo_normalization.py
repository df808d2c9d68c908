"""Local contrast normalisation (Jarrett, Kavukcuoglu, Ranzato and LeCun, ICCV 2009) and ZCA whitening of patches
(03_pooling_zoo); borders reflected (replicated in an image smaller than the window): a flat image has a flat mean."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from helpers.inputs import check_images

__all__ = ["gaussian_window", "local_mean", "subtractive_normalize", "divisive_normalize",
           "local_contrast_normalize", "patches", "zca_matrix"]


def gaussian_window(size: int = 9, sigma: float | None = None) -> torch.Tensor:
    """A (size, size) Gaussian weighting window that sums to 1; size odd, sigma defaults to size / 4."""
    sigma = size / 4 if sigma is None else float(sigma)
    r = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * sigma**2))
    return (g / g.sum()).to(torch.float32)


def local_mean(x: torch.Tensor, size: int = 9, sigma: float | None = None) -> torch.Tensor:
    """Gaussian-weighted mean over a size x size window and all channels: (N, C, H, W), the same in every channel."""
    check_images(x, "local_mean")
    r = size // 2
    mode = "reflect" if r < min(x.shape[-2:]) else "replicate"
    win = gaussian_window(size, sigma).to(dtype=x.dtype, device=x.device)[None, None]
    return F.conv2d(F.pad(x.mean(dim=1, keepdim=True), (r, r, r, r), mode=mode), win).expand_as(x)


def subtractive_normalize(x: torch.Tensor, size: int = 9, sigma: float | None = None) -> torch.Tensor:
    """x minus its local mean (a high-pass filter): removes slow changes of brightness; same shape as x."""
    return x - local_mean(x, size, sigma)


def divisive_normalize(v: torch.Tensor, size: int = 9, sigma: float | None = None, floor: float | None = None,
                       eps: float = 1e-6) -> torch.Tensor:
    """v / max(k, sqrt(local_mean(v^2))), equalising local contrast (v is usually mean-removed). The floor k
    defaults, per image, to the mean of that local std (Jarrett et al. 2009), so flat regions are not blown up."""
    s = local_mean(v * v, size, sigma).clamp_min(0).sqrt()
    k = s.mean(dim=(1, 2, 3), keepdim=True) if floor is None else torch.full_like(s[:, :1, :1, :1], float(floor))
    return v / torch.maximum(s, k).clamp_min(eps)


def local_contrast_normalize(x: torch.Tensor, size: int = 9, sigma: float | None = None) -> torch.Tensor:
    """Subtractive then divisive normalisation, the same (up to rounding) for a * image + c, any a > 0 and c."""
    return divisive_normalize(subtractive_normalize(x, size, sigma), size, sigma)


def patches(images: torch.Tensor, size: int) -> torch.Tensor:
    """All size x size patches of single-channel images (N, 1, H, W), flattened: (M, size*size)."""
    check_images(images, "patches")
    if images.shape[1] != 1:
        raise ValueError(f"patches expects single-channel images (N, 1, H, W), got {tuple(images.shape)}; pick a channel with x[:, k:k+1].")
    return F.unfold(images, size).transpose(1, 2).reshape(-1, size * size)


def zca_matrix(x: torch.Tensor, eps: float = 1e-2) -> tuple[torch.Tensor, torch.Tensor]:
    """ZCA whitening of rows of x (M, D): (W (D, D), mean (D,)) so that (x - mean) @ W has covariance close
    to the identity; W = U diag(1 / sqrt(lambda + eps)) U^T, each row a centre-surround filter."""
    xd = x.to(torch.float64)
    mean = xd.mean(dim=0)
    c = (xd - mean).T @ (xd - mean) / (len(xd) - 1)
    lam, u = torch.linalg.eigh(c)
    w = u @ torch.diag(1.0 / torch.sqrt(lam.clamp_min(0) + eps)) @ u.T
    return w.to(x.dtype), mean.to(x.dtype)
