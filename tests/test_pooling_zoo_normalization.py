"""Tests for helpers.pooling_zoo_normalization (03_pooling_zoo)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from helpers.pooling_zoo_normalization import (divisive_normalize, gaussian_window, local_contrast_normalize,
                                               local_mean, patches, subtractive_normalize, zca_matrix)


def rand(*shape, seed=0, dtype=torch.float32):
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def test_gaussian_window():
    g = gaussian_window(9)
    assert g.shape == (9, 9)
    assert abs(g.sum().item() - 1) < 1e-6
    assert torch.equal(g, g.T) and torch.equal(g, g.flip(0))
    assert g[4, 4] == g.max()


def test_local_mean_matches_naive_weighted_sum():
    x = rand(2, 3, 12, 12, dtype=torch.float64)
    g = gaussian_window(5, 1.5).double()
    m = local_mean(x, 5, 1.5)
    padded = F.pad(x.mean(1, keepdim=True), (2, 2, 2, 2), mode="reflect")
    i, j = 6, 3
    ref = (padded[:, 0, i:i + 5, j:j + 5] * g).sum(dim=(-1, -2))
    torch.testing.assert_close(m[:, 0, i, j], ref)
    assert torch.equal(m[:, 0], m[:, 2])  # one mean shared by all channels
    # with weights summing to 1 over window and channels, a constant image is its own local mean
    torch.testing.assert_close(local_mean(torch.full((1, 2, 10, 10), 3.0)), torch.full((1, 2, 10, 10), 3.0))


def test_subtractive_removes_offsets_and_slow_ramps_in_the_middle():
    x = rand(1, 1, 28, 28)
    torch.testing.assert_close(subtractive_normalize(x + 5.0), subtractive_normalize(x), atol=1e-5, rtol=0)
    ramp = torch.linspace(0, 1, 28).expand(28, 28)[None, None]
    # a linear ramp equals its symmetric local mean away from the border
    assert subtractive_normalize(ramp)[..., 6:-6, 6:-6].abs().max() < 1e-5


def test_local_contrast_is_invariant_to_gain_and_offset():
    x = rand(3, 1, 28, 28, seed=1)
    y = local_contrast_normalize(x)
    for a, c in ((0.1, 0.0), (7.0, -2.0), (0.5, 3.0)):
        torch.testing.assert_close(local_contrast_normalize(a * x + c), y, atol=1e-4, rtol=1e-4)
    assert torch.isfinite(local_contrast_normalize(torch.zeros(1, 1, 8, 8))).all()


def test_divisive_floor():
    v = subtractive_normalize(rand(2, 1, 20, 20, seed=2))
    s = local_mean(v * v).sqrt()  # the local standard deviation
    k = s.mean(dim=(1, 2, 3), keepdim=True)
    torch.testing.assert_close(divisive_normalize(v), v / torch.maximum(s, k))
    torch.testing.assert_close(divisive_normalize(v, floor=10.0), v / 10.0)


def test_small_images_use_replicate_padding():
    # a 9x9 window cannot reflect inside a 4x4 image, so its border is replicated (edge pixels repeated)
    x = rand(1, 1, 4, 4)
    assert local_mean(x, 9).shape == x.shape
    # a constant image is its own local mean everywhere, borders and corners included (zero padding
    # would pull every pixel of so small an image down)
    for shape in ((1, 2, 4, 4), (1, 1, 3, 20), (2, 1, 20, 2)):
        torch.testing.assert_close(local_mean(torch.full(shape, 3.0), 9), torch.full(shape, 3.0))
    # by value: the Gaussian-weighted sum over the image padded by repeating its edge pixels, built by indexing
    x = rand(2, 3, 4, 5, seed=4, dtype=torch.float64)
    g = gaussian_window(9).double()
    rows, cols = (torch.arange(-4, n + 4).clamp(0, n - 1) for n in (4, 5))
    padded = x.mean(1)[:, rows][:, :, cols]  # (2, 12, 13)
    ref = torch.stack([torch.stack([(padded[:, i:i + 9, j:j + 9] * g).sum((-1, -2)) for j in range(5)], -1)
                       for i in range(4)], -2)
    torch.testing.assert_close(local_mean(x, 9), ref[:, None].expand(2, 3, 4, 5))


def test_patches_and_zca():
    imgs = rand(20, 1, 10, 10, seed=3)
    P = patches(imgs, 3)
    assert P.shape == (20 * 8 * 8, 9)
    torch.testing.assert_close(P[1], imgs[0, 0, 0:3, 1:4].flatten())
    W, mean = zca_matrix(P, eps=0.0)
    Z = (P.double() - mean.double()) @ W.double()
    cov = Z.T @ Z / (len(Z) - 1)
    torch.testing.assert_close(cov, torch.eye(9, dtype=torch.float64), atol=1e-3, rtol=0)
    torch.testing.assert_close(W, W.T)


def test_errors():
    with pytest.raises(ValueError, match="N, C, H, W"):
        local_mean(torch.rand(28, 28))
    with pytest.raises(TypeError, match="float"):
        local_mean(torch.ones(1, 1, 4, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="single-channel"):
        patches(torch.rand(1, 2, 8, 8), 3)
