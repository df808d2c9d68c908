"""The pooling zoo: max, average, Lp and log-sum-exp pooling with one signature (03_pooling_zoo).

Every function takes feature maps `x` of shape (N, C, H, W), a window `kernel` (an int or a pair
(kh, kw)) and a `stride` (defaults to the kernel, as in torch), and returns (N, C, Ho, Wo) with
Ho = (H - kh) // sh + 1 and Wo = (W - kw) // sw + 1 (no padding, windows that do not fit are
dropped, as torch does by default). Each function reduces the same windows (see `windows`):

- ``max_pool``:  max_i x_i
- ``avg_pool``:  (1/n) sum_i x_i
- ``lp_pool``:   (sum_i |x_i|^p)^(1/p) for any real p >= 1 or p = inf (the lecture's Lp-norm pooling)
- ``lse_pool``:  (1/b) log((1/n) sum_i exp(b x_i)) with `mean=True`, or (1/b) log(sum_i exp(b x_i))
  with `mean=False` (the lecture's "log-prob" pooling; its printed formula forgets the log)

Lp and LSE pooling are computed stably: no overflow for large p or large b (b = 100 on inputs of 10
gives exp(1000) in the naive formula, which is inf even in float64).
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
    if not isinstance(x, torch.Tensor) or x.dim() != 4:
        got = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"Pooling expects feature maps of shape (N, C, H, W), got {got}; add axes with x[None, None] or x.unsqueeze(1).")
    if not torch.is_floating_point(x):
        raise TypeError(f"Pooling expects floating-point feature maps, got {x.dtype}; convert with x.float().")
    kh, kw = pair(kernel, "kernel")
    sh, sw = pair(kernel if stride is None else stride, "stride")
    h, w = x.shape[-2:]
    if h < kh or w < kw:
        raise ValueError(f"A {kh}x{kw} window does not fit in {h}x{w} feature maps; use a smaller kernel or larger maps.")
    win = x.unfold(2, kh, sh).unfold(3, kw, sw)  # (N, C, Ho, Wo, kh, kw), a view
    return win.reshape(*win.shape[:4], kh * kw)


def max_pool(x: torch.Tensor, kernel: Size2, stride: Size2 | None = None) -> torch.Tensor:
    """Max pooling: the largest value of each window; (N, C, H, W) -> (N, C, Ho, Wo).

    The gradient goes to one input per window (the arg max), as with torch's max_pool2d.
    """
    return windows(x, kernel, stride).max(dim=-1).values


def avg_pool(x: torch.Tensor, kernel: Size2, stride: Size2 | None = None) -> torch.Tensor:
    """Average pooling: the mean of each window; (N, C, H, W) -> (N, C, Ho, Wo)."""
    return windows(x, kernel, stride).mean(dim=-1)


def _check_p(p: float) -> float:
    p = float(p)
    if math.isnan(p) or p < 1:
        raise ValueError(f"Lp pooling needs p >= 1 (or p = inf), got p={p}; below 1 it is not a norm.")
    return p


def lp_pool(x: torch.Tensor, kernel: Size2, stride: Size2 | None = None, *, p: float = 2.0) -> torch.Tensor:
    """Lp-norm pooling (sum_i |x_i|^p)^(1/p) over each window, for any real p >= 1 or p = inf.

    (N, C, H, W) -> (N, C, Ho, Wo). Stable for large p: each window is divided by its largest
    |x_i| = m before the power, m * (sum_i (|x_i|/m)^p)^(1/p), so nothing overflows. p = 1 is the
    sum of |x_i|, p = 2 the Euclidean norm, p = inf the max of |x_i|. Unlike torch's lp_pool2d it
    takes |x_i| (torch raises x_i to the power p as they are), so the two agree on x >= 0 (after a
    ReLU) and for even p; the gradient of an all-zero window is zero, as in torch.
    """
    p = _check_p(p)
    a = windows(x, kernel, stride).abs()
    if math.isinf(p):
        return a.max(dim=-1).values
    m = a.amax(dim=-1, keepdim=True).detach()  # the value of m does not change the result, only its range
    ratio = a / torch.where(m > 0, m, torch.ones_like(m))
    s = ratio.pow(p).sum(dim=-1)  # >= 1 when m > 0, since the largest term is exactly 1
    s = torch.where(s > 0, s, torch.ones_like(s))  # all-zero window: result m = 0, with zero gradient
    return m.squeeze(-1) * s.pow(1.0 / p)


def _check_b(b: float, mean: bool) -> float:
    b = float(b)
    if math.isnan(b) or b < 0 or (b == 0 and not mean):
        raise ValueError(
            f"Log-sum-exp pooling needs a temperature b > 0 (b = 0 only with mean=True, where it is the average), got b={b}."
        )
    return b


def lse_pool(x: torch.Tensor, kernel: Size2, stride: Size2 | None = None, *, b: float = 1.0,
             mean: bool = True) -> torch.Tensor:
    """Log-sum-exp pooling (1/b) log((1/n) sum_i exp(b x_i)) over each window of n inputs.

    (N, C, H, W) -> (N, C, Ho, Wo). With mean=False the 1/n is left out, which adds log(n)/b.
    b -> inf gives the max (b = inf is accepted); with mean=True, b -> 0 gives the average (b = 0
    is accepted). Computed with torch.logsumexp, which subtracts the window's max before exp, so
    large b (or large inputs) never overflow.
    """
    b = _check_b(b, mean)
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
    """d(sum of pool_fn's outputs)/dx, same shape as `x` (N, C, H, W): how much each input counts in its window.
    `pool_fn` is one of the zoo (max_pool, avg_pool, lp_pool, lse_pool), `params` its own (p=, b=, mean=)."""
    xg = x.detach().clone().requires_grad_(True)
    pool_fn(xg, kernel, stride, **params).sum().backward()
    assert xg.grad is not None
    return xg.grad


class PoolLayer(nn.Module):
    """A pooling function of the zoo as a layer: PoolLayer(lp_pool, p=4) is lp_pool(x, 2, p=4) on every call;
    (N, C, H, W) -> (N, C, Ho, Wo). MaxPool, AvgPool, LpPool and LSEPool below are its four members."""

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
        super().__init__(lp_pool, kernel, stride, p=_check_p(p))


class LSEPool(PoolLayer):
    def __init__(self, b: float = 1.0, kernel: Size2 = 2, stride: Size2 | None = None, mean: bool = True) -> None:
        super().__init__(lse_pool, kernel, stride, b=_check_b(b, mean), mean=mean)


class PoolingNet(nn.Module):
    """A small LeNet-like net whose pooling is an argument, for 03's comparison: (N, 1, 28, 28) -> conv 5x5
    (c1 maps) -> ReLU -> pool -> conv 5x5 (c2 maps) -> ReLU -> pool -> linear -> (N, 10) logits. `pool(channels)`
    makes each pooling layer, e.g. PoolingNet(lambda channels: LpPool(p=4)) or PoolingNet(Subsampling1990) (02's 1990 layer)."""

    def __init__(self, pool: Callable[[int], nn.Module] = lambda channels: MaxPool(), c1: int = 6, c2: int = 16) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, c1, 5)
        self.pool1 = pool(c1)
        self.conv2 = nn.Conv2d(c1, c2, 5)
        self.pool2 = pool(c2)
        self.fc = nn.Linear(c2 * 4 * 4, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool1(F.relu(self.conv1(x)))
        x = self.pool2(F.relu(self.conv2(x)))
        return self.fc(x.flatten(1))
