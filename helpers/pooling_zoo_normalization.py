"""Local contrast normalisation and whitening, the classic ConvNet stage's normalisation (03_pooling_zoo).

Subtractive normalisation removes a Gaussian-weighted local mean (a high-pass filter); divisive
normalisation divides by the local standard deviation; both together are the local contrast
normalisation of Jarrett, Kavukcuoglu, Ranzato and LeCun, "What is the best multi-stage
architecture for object recognition?" (ICCV 2009):

    v = x - sum_{c,p,q} w_pq x_{c, i+p, j+q}          (weights w sum to 1 over window and channels)
    y = v / max(k, sigma),  sigma = sqrt(sum_{c,p,q} w_pq v_{c, i+p, j+q}^2),  k = mean of sigma over the image

Inputs are feature maps or images (N, C, H, W); outputs have the same shape. Borders are handled
by reflecting the image, so a constant image has a constant local mean everywhere.
Whitening of patches (ZCA) is here too: `patches` and `zca_matrix`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from helpers.inputs import check_images

__all__ = ["gaussian_window", "local_mean", "subtractive_normalize", "local_std", "divisive_normalize",
           "local_contrast_normalize", "patches", "zca_matrix"]


def gaussian_window(size: int = 9, sigma: float | None = None) -> torch.Tensor:
    """A (size, size) Gaussian weighting window that sums to 1; sigma defaults to size / 4."""
    if not isinstance(size, int) or size < 1 or size % 2 == 0:
        raise ValueError(f"The window size must be an odd positive int (9 in Jarrett et al. 2009), got {size!r}.")
    sigma = size / 4 if sigma is None else float(sigma)
    r = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * sigma**2))
    return (g / g.sum()).to(torch.float32)


def local_mean(x: torch.Tensor, size: int = 9, sigma: float | None = None) -> torch.Tensor:
    """Gaussian-weighted mean over a size x size window and over all channels; (N, C, H, W) -> same shape.

    Each channel gets the same value, sum_{c,p,q} w_pq x_{c,i+p,j+q} with weights summing to 1.
    """
    check_images(x, "local_mean")
    h, w = x.shape[-2:]
    r = size // 2
    mode = "reflect" if r < h and r < w else "replicate"
    win = gaussian_window(size, sigma).to(dtype=x.dtype, device=x.device)[None, None]
    m = F.conv2d(F.pad(x.mean(dim=1, keepdim=True), (r, r, r, r), mode=mode), win)
    return m.expand_as(x)


def subtractive_normalize(x: torch.Tensor, size: int = 9, sigma: float | None = None) -> torch.Tensor:
    """x minus its local mean (a high-pass filter): removes slow changes of brightness; same shape as x."""
    return x - local_mean(x, size, sigma)


def local_std(v: torch.Tensor, size: int = 9, sigma: float | None = None) -> torch.Tensor:
    """sqrt of the Gaussian-weighted local mean of v^2 (v is usually mean-removed); same shape as v."""
    return local_mean(v * v, size, sigma).clamp_min(0).sqrt()


def divisive_normalize(v: torch.Tensor, size: int = 9, sigma: float | None = None, floor: float | None = None,
                       eps: float = 1e-6) -> torch.Tensor:
    """v / max(k, local std of v): equalises local contrast; same shape as v (N, C, H, W).

    The floor k defaults, per image, to the mean of the local std over the image (Jarrett et al.
    2009), so flat regions are not blown up; eps keeps a blank image finite.
    """
    s = local_std(v, size, sigma)
    k = s.mean(dim=(1, 2, 3), keepdim=True) if floor is None else torch.full_like(s[:, :1, :1, :1], float(floor))
    return v / torch.maximum(s, k).clamp_min(eps)


def local_contrast_normalize(x: torch.Tensor, size: int = 9, sigma: float | None = None) -> torch.Tensor:
    """Subtractive then divisive normalisation (Jarrett et al. 2009); (N, C, H, W) -> same shape.

    Unchanged (up to rounding) when an image is replaced by a * image + c for any a > 0 and c.
    """
    return divisive_normalize(subtractive_normalize(x, size, sigma), size, sigma)


def patches(images: torch.Tensor, size: int, stride: int = 1) -> torch.Tensor:
    """All size x size patches of single-channel images (N, 1, H, W), flattened: (M, size*size)."""
    check_images(images, "patches")
    if images.shape[1] != 1:
        raise ValueError(f"patches expects single-channel images (N, 1, H, W), got {tuple(images.shape)}; pick a channel with x[:, k:k+1].")
    cols = F.unfold(images, size, stride=stride)  # (N, size*size, L)
    return cols.transpose(1, 2).reshape(-1, size * size)


def zca_matrix(x: torch.Tensor, eps: float = 1e-2) -> tuple[torch.Tensor, torch.Tensor]:
    """ZCA whitening of rows of x (M, D): returns (W (D, D), mean (D,)) so that (x - mean) @ W has
    covariance close to the identity (exactly, for the directions whose variance is >> eps).

    W = U diag(1 / sqrt(lambda + eps)) U^T from the covariance's eigen-decomposition; each row of W,
    seen as a patch, is a centre-surround filter.
    """
    if x.dim() != 2 or len(x) < 2:
        raise ValueError(f"zca_matrix expects rows of samples (M, D) with M >= 2, got {tuple(x.shape)}; flatten patches with helpers.pooling_zoo_normalization.patches.")
    xd = x.to(torch.float64)
    mean = xd.mean(dim=0)
    c = (xd - mean).T @ (xd - mean) / (len(xd) - 1)
    lam, u = torch.linalg.eigh(c)
    w = u @ torch.diag(1.0 / torch.sqrt(lam.clamp_min(0) + eps)) @ u.T
    return w.to(x.dtype), mean.to(x.dtype)
