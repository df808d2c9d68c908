"""03_pooling_zoo's pooling functions (helpers.pooling_zoo) as layers, and the gradient a pooling hands each input."""

from __future__ import annotations

from typing import Callable, Union

import torch
import torch.nn as nn

from helpers.pooling_zoo import avg_pool, lp_pool, lse_pool, max_pool

__all__ = ["Size2", "PoolFn", "input_gradient", "PoolLayer", "MaxPool", "AvgPool", "LpPool", "LSEPool"]

Size2 = Union[int, tuple[int, int]]
PoolFn = Callable[..., torch.Tensor]


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
