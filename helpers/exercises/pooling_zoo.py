"""Self-checks for the exercises of 03_pooling_zoo: `check_lse_offset`, `check_lse_function`,
`check_l2_gradient` and `check_softmax_pool` (exercise 4: softmax pooling, run against one written with 03's
`windows`).

Each prints "Right: ..." or "Not yet: ..." with a hint, never the solution, and returns True or False.
"""

from __future__ import annotations

import math
from typing import Callable

import torch

from helpers.exercises import verdict
from helpers.pooling_zoo import windows

__all__ = ["check_lse_offset", "check_lse_function", "check_l2_gradient", "check_softmax_pool"]


def check_lse_offset(kernel: int, b: float, answer: float) -> bool:
    """03, exercise 1: how much larger LSE pooling without the 1/n is than with it, for kernel x kernel windows."""
    truth = math.log(kernel * kernel) / b
    if abs(answer - truth) < 1e-3 * max(1.0, abs(truth)):
        return verdict(True, "dropping the 1/n adds log(n)/b to every output, whatever the inputs.", "")
    if abs(answer - math.log(kernel) / b) < 1e-3:
        return verdict(False, "", f"a {kernel}x{kernel} window holds n = {kernel}*{kernel} inputs, not {kernel}.")
    if abs(answer - math.log(kernel * kernel)) < 1e-3:
        return verdict(False, "", "almost: the log is divided by the temperature b too.")
    return verdict(False, "", "write log(sum exp(b x)) = log(n) + log((1/n) sum exp(b x)) and divide by b.")


def check_lse_function(fn: Callable[[torch.Tensor, float], torch.Tensor]) -> bool:
    """03, exercise 2: `fn(x, b)` must return (1/b) log((1/n) sum exp(b x)) of a 1-D tensor x, without overflow."""
    cases = [(torch.tensor([0.1, 0.9, 0.4, 0.6]), 1.0), (torch.tensor([-3.0, 2.0, 0.5]), 5.0),
             (torch.tensor([10.0, 10.0, 9.0, 10.0]), 100.0), (torch.tensor([50.0, -50.0]), 30.0)]
    for x, b in cases:
        truth = (torch.logsumexp(b * x.double(), 0) - math.log(len(x))) / b
        try:
            got = float(fn(x.clone(), b))
        except Exception as err:  # the learner's code may fail in any way
            return verdict(False, "", f"your function raised {type(err).__name__} on x={x.tolist()}, b={b}: {err}.")
        if math.isinf(got) or math.isnan(got):
            return verdict(False, "", f"it overflows on x={x.tolist()}, b={b}: subtract the largest b*x_i before exp and add it back after the log.")
        if abs(got - float(truth)) > 1e-4 * max(1.0, abs(float(truth))):
            hint = "keep the 1/n inside the log" if abs(got - float(truth) - math.log(len(x)) / b) < 1e-3 else "check the formula"
            return verdict(False, "", f"on x={x.tolist()}, b={b} you get {got:.5f}; {hint}.")
    return verdict(True, "your log-sum-exp is right and does not overflow.", "")


def check_l2_gradient(answer: torch.Tensor | list[float]) -> bool:
    """03, exercise 3: the gradient of L2 pooling of the window [3, 4, 0, 0] with respect to its four inputs."""
    got = torch.as_tensor(answer, dtype=torch.float64).flatten()
    truth = torch.tensor([0.6, 0.8, 0.0, 0.0], dtype=torch.float64)
    if got.shape != truth.shape:
        return verdict(False, "", "give four numbers, one per input of the window.")
    if torch.allclose(got, truth, atol=1e-4):
        return verdict(True, "each input gets x_i / L2: the larger inputs get the larger share.", "")
    if torch.allclose(got, 10 * truth, atol=1e-4):
        return verdict(False, "", "that is the gradient of the sum of squares; the square root divides it by 2 * L2.")
    return verdict(False, "", "differentiate (sum x_i^2)^(1/2) with respect to each x_i.")


# ---- exercise 4: softmax pooling, written with the zoo's `windows` ------------------------------------------------------

def _softmax_pool(x: torch.Tensor, kernel: int, stride: int | None = None, *, b: float = 1.0) -> torch.Tensor:
    w = windows(x, kernel, stride)
    return (torch.softmax(b * w, dim=-1) * w).sum(dim=-1)


def _blocks(x: torch.Tensor, kernel: int) -> torch.Tensor:
    """The usual wrong windows: x.reshape cuts rows of the map, not kernel x kernel blocks."""
    n, c, h, w = x.shape
    return x.reshape(n, c, h // kernel, w // kernel, kernel * kernel)


# (the mistaken output, its hint), tried in order against the learner's output
_SOFTMAX_POOL_MISTAKES: list[tuple[Callable[..., torch.Tensor], str]] = [
    (lambda x, k, s, b: (torch.softmax(windows(x, k, s), -1) * windows(x, k, s)).sum(-1),
     "the weights are softmax(b x_i): multiply the inputs by b inside the softmax."),
    (lambda x, k, s, b: (torch.softmax(b * windows(x, k, s), -1) * windows(x, k, s)).mean(-1),
     "the softmax weights already sum to 1: sum the weighted inputs; averaging them divides by n once too often."),
    (lambda x, k, s, b: torch.softmax(b * windows(x, k, s), -1).sum(-1),
     "you summed the weights alone (always 1): weight each input x_i by its softmax and sum the products."),
    (lambda x, k, s, b: (torch.softmax(b * _blocks(x, k), -1) * _blocks(x, k)).sum(-1),
     "your windows are not k x k blocks of the map: x.reshape groups pixels of a row; take the windows with "
     "windows(x, kernel, stride) (unfold)."),
    (lambda x, k, s, b: _softmax_pool(x, k, None, b=b),
     "the windows should move `stride` pixels, not `kernel`: pass stride on to windows."),
]


def _softmax_pool_cases() -> list[tuple[torch.Tensor, int, int | None, float]]:
    """Random maps: 2x2 windows with b = 2; overlapping 3x3 windows with stride 2 and b = 0.5; inputs near 10 with
    b = 100, where exp(b x) overflows float32."""
    g = torch.Generator().manual_seed(2009)
    return [(torch.randn(2, 3, 6, 6, generator=g), 2, None, 2.0),
            (torch.randn(1, 2, 7, 7, generator=g), 3, 2, 0.5),
            (10 + torch.randn(1, 2, 4, 4, generator=g), 2, None, 100.0)]


def check_softmax_pool(fn: Callable[..., torch.Tensor]) -> bool:
    """03, exercise 4: `fn(x, kernel, stride=None, *, b=1.0)` must return sum_i softmax(b x)_i x_i over each window of
    feature maps x (N, C, H, W), without overflow, with the gradients of the reference."""
    if not callable(fn):
        return verdict(False, "", "give your function itself, check_softmax_pool(softmax_pool), not its result.")
    for x, kernel, stride, b in _softmax_pool_cases():
        truth = _softmax_pool(x, kernel, stride, b=b)
        xs = x.clone().requires_grad_()
        setting = f"{kernel}x{kernel} windows, stride {stride or kernel}, b = {b:g}"
        try:
            got = fn(xs, kernel, stride, b=b)
        except Exception as err:  # the learner's code may fail in any way
            return verdict(False, "", f"softmax_pool raised {type(err).__name__} with {setting}: {err}.")
        if not isinstance(got, torch.Tensor):
            return verdict(False, "", f"softmax_pool should return a tensor (N, C, Ho, Wo), got {type(got).__name__}.")
        mine = got.detach().float()
        if got.shape == truth.shape and not bool(torch.isfinite(mine).all()):
            return verdict(False, "", f"with {setting} you get inf or nan: exp(b x) overflows; subtract each window's "
                                      "largest b x_i before exp (torch.softmax does it for you).")
        for mistake, hint in _SOFTMAX_POOL_MISTAKES:
            try:
                wrong = mistake(x, kernel, stride, b)
            except RuntimeError:  # a mistake that cannot run on these maps
                continue
            differs = wrong.shape != truth.shape or not torch.allclose(wrong, truth, atol=1e-4)
            if differs and got.shape == wrong.shape and torch.allclose(mine, wrong, atol=1e-4):
                return verdict(False, "", f"with {setting}: {hint}")
        if got.shape != truth.shape:
            return verdict(False, "", f"with {setting}, maps of {tuple(x.shape)} pool to {tuple(truth.shape)}, "
                                      f"got {tuple(got.shape)}: one output per window.")
        if not torch.allclose(mine, truth, atol=1e-4):
            where = tuple(int(i) for i in ((mine - truth).abs() >= 1e-4).nonzero()[0])
            return verdict(False, "", f"with {setting}, output {where} is {float(mine[where]):.4f}: it should be "
                                      "sum_i x_i exp(b x_i) / sum_j exp(b x_j) over that window.")
        if not got.requires_grad:
            return verdict(False, "", "no gradient flows back through your output: compute it from x with tensor "
                                      "operations (no .detach(), .data or .item()).")
        r = torch.randn(truth.shape, generator=torch.Generator().manual_seed(5))
        got.backward(r)
        xr = x.clone().requires_grad_()
        _softmax_pool(xr, kernel, stride, b=b).backward(r)
        if xs.grad is None or not torch.allclose(xs.grad.float(), xr.grad, atol=1e-4):
            return verdict(False, "", f"with {setting} the outputs are right but the gradients are not: let autograd "
                                      "see the whole computation, softmax weights included (no .detach()).")
    return verdict(True, "b = 0 gives the average, large b the max, and the gradient flows through the weights "
                         "as well as the inputs.", "")
