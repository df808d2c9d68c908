"""The pooling zoo of 03_pooling_zoo: max, average, Lp and log-sum-exp pooling, each f(x, kernel, stride=kernel)
on feature maps (N, C, H, W) -> (N, C, Ho, Wo) without padding (as torch), and PoolingNet, whose pooling is an argument.
"""

from __future__ import annotations

import math
from typing import Callable, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.anatomy import pair

__all__ = ["Size2", "PoolFn", "windows", "max_pool", "avg_pool", "lp_pool", "lse_pool", "input_gradient", "PoolLayer",
           "MaxPool", "AvgPool", "LpPool", "LSEPool", "PoolingNet"]

Size2 = Union[int, tuple[int, int]]
PoolFn = Callable[..., torch.Tensor]


def windows(x: torch.Tensor, kernel: Size2, stride: Size2 | None = None) -> torch.Tensor:
    """The pooling windows of `x` (N, C, H, W) as a tensor (N, C, Ho, Wo, kh*kw), one window per output."""
    if x.dim() != 4:
        raise ValueError(f"Pooling expects feature maps of shape (N, C, H, W), got {tuple(x.shape)}; add axes with x[None, None] or x.unsqueeze(1).")
    kh, kw = pair(kernel, "kernel")
    sh, sw = pair(kernel if stride is None else stride, "stride")
    win = x.unfold(2, kh, sh).unfold(3, kw, sw)  # (N, C, Ho, Wo, kh, kw), a view
    return win.reshape(*win.shape[:4], kh * kw)


def max_pool(x: torch.Tensor, kernel: Size2, stride: Size2 | None = None) -> torch.Tensor:
    """Max pooling: the largest value of each window; the gradient goes to one input per window (the arg max)."""
    return windows(x, kernel, stride).max(dim=-1).values


def avg_pool(x: torch.Tensor, kernel: Size2, stride: Size2 | None = None) -> torch.Tensor:
    """Average pooling: the mean of each window."""
    return windows(x, kernel, stride).mean(dim=-1)


def lp_pool(x: torch.Tensor, kernel: Size2, stride: Size2 | None = None, *, p: float = 2.0) -> torch.Tensor:
    """Lp-norm pooling (sum_i |x_i|^p)^(1/p) over each window, for any real p >= 1 or p = inf (max |x_i|).
    Unlike torch's lp_pool2d it takes |x_i|, so the two agree on x >= 0 and for even p, and it does not
    overflow for large p."""
    if math.isnan(p) or p < 1:
        raise ValueError(f"Lp pooling needs p >= 1 (or p = inf), got p={p}; below 1 it is not a norm.")
    a = windows(x, kernel, stride).abs()
    if math.isinf(p):
        return a.max(dim=-1).values
    m = a.amax(dim=-1, keepdim=True).detach()  # m * (sum_i (|x_i|/m)^p)^(1/p): nothing overflows
    s = (a / torch.where(m > 0, m, torch.ones_like(m))).pow(p).sum(dim=-1)  # >= 1, unless the window is all zero
    return m.squeeze(-1) * torch.where(s > 0, s, torch.ones_like(s)).pow(1.0 / p)  # then 0, with zero gradient


def lse_pool(x: torch.Tensor, kernel: Size2, stride: Size2 | None = None, *, b: float = 1.0,
             mean: bool = True) -> torch.Tensor:
    """Log-sum-exp pooling (1/b) log((1/n) sum_i exp(b x_i)) over each window of n inputs; mean=False leaves
    out the 1/n, as the lecture's "log-prob" pooling (whose printed formula forgets the log). b = inf gives the
    max, b = 0 (with mean=True) the average; torch.logsumexp keeps large b from overflowing."""
    if math.isnan(b) or b < 0 or (b == 0 and not mean):
        raise ValueError(
            f"Log-sum-exp pooling needs a temperature b > 0 (b = 0 only with mean=True, where it is the average), got b={b}."
        )
    w = windows(x, kernel, stride)
    if math.isinf(b):
        return w.max(dim=-1).values
    if b == 0:
        return w.mean(dim=-1)
    out = torch.logsumexp(b * w, dim=-1) / b
    if mean:
        out = out - math.log(w.shape[-1]) / b
    return out


def input_gradient(x: torch.Tensor, pool_fn: PoolFn, kernel: Size2, stride: Size2 | None = None, **params: float) -> torch.Tensor:
    """d(sum of pool_fn's outputs)/dx, same shape as `x`: how much each input counts in its window."""
    xg = x.detach().clone().requires_grad_(True)
    pool_fn(xg, kernel, stride, **params).sum().backward()
    return xg.grad


class PoolLayer(nn.Module):
    """A pooling function of the zoo as a layer: PoolLayer(lp_pool, p=4) is lp_pool(x, 2, p=4) on every call."""

    def __init__(self, pool_fn: PoolFn, kernel: Size2 = 2, stride: Size2 | None = None, **params: float) -> None:
        super().__init__()
        self.pool_fn, self.kernel, self.stride, self.params = pool_fn, kernel, stride, params

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool_fn(x, self.kernel, self.stride, **self.params)

    def extra_repr(self) -> str:
        return ", ".join([f"kernel={self.kernel}", f"stride={self.stride}", *(f"{k}={v}" for k, v in self.params.items())])


class MaxPool(PoolLayer):
    def __init__(self, kernel: Size2 = 2, stride: Size2 | None = None) -> None:
        super().__init__(max_pool, kernel, stride)


class AvgPool(PoolLayer):
    def __init__(self, kernel: Size2 = 2, stride: Size2 | None = None) -> None:
        super().__init__(avg_pool, kernel, stride)


class LpPool(PoolLayer):
    def __init__(self, p: float = 2.0, kernel: Size2 = 2, stride: Size2 | None = None) -> None:
        super().__init__(lp_pool, kernel, stride, p=p)


class LSEPool(PoolLayer):
    def __init__(self, b: float = 1.0, kernel: Size2 = 2, stride: Size2 | None = None, mean: bool = True) -> None:
        super().__init__(lse_pool, kernel, stride, b=b, mean=mean)


class PoolingNet(nn.Module):
    """conv 5x5 (6 maps), ReLU, pool, conv 5x5 (16), ReLU, pool, linear: (N, 1, 28, 28) -> (N, 10) logits;
    `pool(channels)` makes each pooling layer, e.g. lambda channels: LpPool(p=4), or Subsampling1990."""

    def __init__(self, pool: Callable[[int], nn.Module] = lambda channels: MaxPool()) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.pool1 = pool(6)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.pool2 = pool(16)
        self.fc = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool1(F.relu(self.conv1(x)))
        x = self.pool2(F.relu(self.conv2(x)))
        return self.fc(x.flatten(1))
