"""Self-checks for the exercises of 03_pooling_zoo; `check_softmax_pool` is the build exercise (softmax pooling,
against one written with 03's `windows`)."""

from __future__ import annotations

import math
from typing import Any, Callable

import torch

from helpers.exercises import compare, gradients_match, learner_result, not_yet, verdict
from helpers.pooling_zoo import windows

__all__ = ["check_lse_offset", "check_lse_function", "check_l2_gradient", "check_softmax_pool"]


def check_lse_offset(kernel: int, b: float, answer: float) -> bool:
    """03, exercise 1: how much larger LSE pooling without the 1/n is than with it, for kernel x kernel windows."""
    truth = math.log(kernel * kernel) / b
    if abs(answer - truth) < 1e-3 * max(1.0, abs(truth)):
        return verdict(True, "dropping the 1/n adds log(n)/b to every output, whatever the inputs.", "")
    if abs(answer - math.log(kernel) / b) < 1e-3:
        return not_yet(f"a {kernel}x{kernel} window holds n = {kernel}*{kernel} inputs, not {kernel}.")
    if abs(answer - math.log(kernel * kernel)) < 1e-3:
        return not_yet("almost: the log is divided by the temperature b too.")
    return not_yet("write log(sum exp(b x)) = log(n) + log((1/n) sum exp(b x)) and divide by b.")


def check_lse_function(fn: Callable[[torch.Tensor, float], torch.Tensor]) -> bool:
    """03, exercise 2: `fn(x, b)` must return (1/b) log((1/n) sum exp(b x)) of a 1-D tensor x, without overflow."""
    cases = [(torch.tensor([0.1, 0.9, 0.4, 0.6]), 1.0), (torch.tensor([-3.0, 2.0, 0.5]), 5.0),
             (torch.tensor([10.0, 10.0, 9.0, 10.0]), 100.0), (torch.tensor([50.0, -50.0]), 30.0)]
    for x, b in cases:
        truth = float((torch.logsumexp(b * x.double(), 0) - math.log(len(x))) / b)
        got = learner_result(fn, "my_lse", (x.clone(), b), f"on x={x.tolist()}, b={b}", returns="a number", convert=float)
        if got is None:
            return False
        if math.isinf(got) or math.isnan(got):
            return not_yet(f"it overflows on x={x.tolist()}, b={b}: subtract the largest b*x_i before exp and add it back after the log.")
        if abs(got - truth) > 1e-4 * max(1.0, abs(truth)):
            hint = "keep the 1/n inside the log" if abs(got - truth - math.log(len(x)) / b) < 1e-3 else "check the formula"
            return not_yet(f"on x={x.tolist()}, b={b} you get {got:.5f}; {hint}.")
    return verdict(True, "your log-sum-exp is right and does not overflow.", "")


def check_l2_gradient(answer: torch.Tensor | list[float]) -> bool:
    """03, exercise 3: the gradient of L2 pooling of the window [3, 4, 0, 0] with respect to its four inputs."""
    got = torch.as_tensor(answer, dtype=torch.float64).flatten()
    truth = torch.tensor([0.6, 0.8, 0.0, 0.0], dtype=torch.float64)
    if got.shape != truth.shape:
        return not_yet("give four numbers, one per input of the window.")
    if torch.allclose(got, truth, atol=1e-4):
        return verdict(True, "each input gets x_i / L2: the larger inputs get the larger share.", "")
    if torch.allclose(got, 10 * truth, atol=1e-4):
        return not_yet("that is the gradient of the sum of squares; the square root divides it by 2 * L2.")
    return not_yet("differentiate (sum x_i^2)^(1/2) with respect to each x_i.")


def _weighted(w: torch.Tensor, b: float) -> torch.Tensor:
    """Softmax pooling of windows w (..., n): the inputs weighted by softmax(b w), summed."""
    return (torch.softmax(b * w, dim=-1) * w).sum(dim=-1)


def _blocks(x: torch.Tensor, kernel: int) -> torch.Tensor:
    """The usual wrong windows: x.reshape cuts rows of the map, not kernel x kernel blocks."""
    n, c, h, w = x.shape
    return x.reshape(n, c, h // kernel, w // kernel, kernel * kernel)


# the output of a usual mistake and its hint, for x, kernel, stride, b
_SOFTMAX_POOL_MISTAKES: list[tuple[Callable[..., torch.Tensor], str]] = [
    (lambda x, k, s, b: _weighted(windows(x, k, s), 1.0), "the weights are softmax(b x_i): multiply the inputs by b inside the softmax."),
    (lambda x, k, s, b: (torch.softmax(b * windows(x, k, s), -1) * windows(x, k, s)).mean(-1),
     "the softmax weights already sum to 1: sum the weighted inputs; averaging them divides by n once too often."),
    (lambda x, k, s, b: torch.softmax(b * windows(x, k, s), -1).sum(-1),
     "you summed the weights alone (always 1): weight each input x_i by its softmax and sum the products."),
    (lambda x, k, s, b: _weighted(_blocks(x, k), b),
     "your windows are not k x k blocks of the map: x.reshape groups pixels of a row; take the windows with windows(x, kernel, stride) (unfold)."),
    (lambda x, k, s, b: _weighted(windows(x, k), b), "the windows should move `stride` pixels, not `kernel`: pass stride on to windows."),
]


def check_softmax_pool(fn: Any) -> bool:
    """03, exercise 4: `fn(x, kernel, stride=None, *, b=1.0)` must return sum_i softmax(b x)_i x_i over each window of feature maps
    x (N, C, H, W), without overflow, with the reference's gradients."""
    g = torch.Generator().manual_seed(2009)
    # 2x2 windows; overlapping 3x3 windows; inputs near 10 with b = 100, where exp(b x) overflows float32
    cases = [(torch.randn(2, 3, 6, 6, generator=g), 2, None, 2.0), (torch.randn(1, 2, 7, 7, generator=g), 3, 2, 0.5),
             (10 + torch.randn(1, 2, 4, 4, generator=g), 2, None, 100.0)]
    for x, kernel, stride, b in cases:
        where = f"with {kernel}x{kernel} windows, stride {stride or kernel}, b = {b:g}"
        xs = x.clone().requires_grad_()
        got = learner_result(fn, "softmax_pool", (xs, kernel, stride), where, returns="a tensor (N, C, Ho, Wo)", b=b)
        if got is None:
            return False
        truth = _weighted(windows(x, kernel, stride), b)
        if got.shape == truth.shape and not bool(torch.isfinite(got).all()):
            return not_yet(f"{where} you get inf or nan: exp(b x) overflows; subtract each window's largest b x_i before exp "
                           "(torch.softmax does it for you).")
        mistakes = [(lambda m=m: m(x, kernel, stride, b), hint) for m, hint in _SOFTMAX_POOL_MISTAKES]
        if not (compare(got, truth, where, mistakes, "it should be sum_i x_i exp(b x_i) / sum_j exp(b x_j) over that window.", "softmax pooling",
                        shape=f"maps of {tuple(x.shape)} pool to {{want}}, yours to {{got}}: one output per window.")
                and gradients_match(got, {"x": xs}, lambda x: _weighted(windows(x, kernel, stride), b),
                                    "let autograd see the whole computation, softmax weights included (no .detach(), .data or .item()).", seed=5)):
            return False
    return verdict(True, "b = 0 gives the average, large b the max, and the gradient flows through the weights as well as the inputs.", "")
