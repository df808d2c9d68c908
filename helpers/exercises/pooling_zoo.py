"""Self-checks for the exercises of 03_pooling_zoo: `check_lse_offset`, `check_lse_function`,
`check_l2_gradient`.

Each prints "Right: ..." or "Not yet: ..." with a hint, never the solution, and returns True or False.
"""

from __future__ import annotations

import math
from typing import Callable

import torch

from helpers.exercises import verdict

__all__ = ["check_lse_offset", "check_lse_function", "check_l2_gradient"]


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
