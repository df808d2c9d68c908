"""Self-checks for the exercises of 04_lenet5; `check_lenet5_functional` is the build exercise (LeNet5's forward pass
written with torch.nn.functional from its state dict, against LeNet5)."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call

from helpers.exercises import compare, gradients_match, graded, learner_result, not_yet, verdict
from helpers.lenet5 import LeNet5
from helpers.shapes import conv_out, pool_out
from helpers.shift_equivariance_measures import accuracy_vs_shift

__all__ = ["check_conv2_parameters", "check_feature_side", "shifted_accuracy_drop", "check_shift_robustness",
           "check_lenet5_functional"]


def check_conv2_parameters(answer: int) -> bool:
    """04, exercise 1: the number of free parameters of LeNet5's conv2 (20 -> 50 channels, 5x5)."""
    one_map = "a kernel of conv2 is not 5x5 but 5x5 on every one of the 20 input maps."
    return graded(answer, 50 * 20 * 5 * 5 + 50, "each of the 50 kernels spans all 20 input maps (20x5x5 weights) plus one bias.",
                  {50 * 5 * 5 + 50: one_map, 50 * 5 * 5: one_map, 50 * 20 * 5 * 5: "almost: every output map also has a bias."},
                  "count weights per kernel (input maps x 5 x 5), times the number of kernels, plus biases.")


def check_feature_side(input_side: int, answer: int) -> bool:
    """04, exercise 2: the side of conv2+pool2's output maps for a square input of `input_side` pixels."""
    truth = pool_out(conv_out(pool_out(conv_out(input_side, 5), 2), 5), 2)
    return graded(answer, truth, f"a {input_side}x{input_side} input gives {answer}x{answer} maps before fc1.",
                  {(input_side - 8) // 4: "apply (in - k) // s + 1 layer by layer: conv (k=5, s=1), pool (k=2, s=2), twice; the +1 matters."},
                  "apply out = (in - k) // s + 1 four times: conv 5/1, pool 2/2, conv 5/1, pool 2/2.")


def shifted_accuracy_drop(model: nn.Module, test: tuple[torch.Tensor, torch.Tensor], pixels: int = 2) -> tuple[float, float]:
    """(test accuracy of `model`, the points it loses on average when the test digits move `pixels` up, down, left or right)."""
    centred, *moved = accuracy_vs_shift(model, test, [0, pixels, -pixels], axis="x")
    moved += accuracy_vs_shift(model, test, [pixels, -pixels], axis="y")
    return centred, centred - sum(moved) / len(moved)


def check_shift_robustness(answer: str, augmented: nn.Module, plain: nn.Module,
                           test: tuple[torch.Tensor, torch.Tensor], pixels: int = 2) -> bool:
    """04, exercise 3: which of two trained LeNet5s loses more accuracy when the test digits move `pixels`: "with" or "without" shift augmentation?"""
    if answer not in ("with", "without"):
        return not_yet(f"answer 'with' or 'without' (augmentation), not {answer!r}.")
    if augmented is plain:
        return not_yet("pass two different networks: train a fresh LeNet5 with augment=None for `plain`.")
    (acc_with, drop_with), (acc_without, drop_without) = (shifted_accuracy_drop(m, test, pixels) for m in (augmented, plain))
    if min(acc_with, acc_without) < 50:
        return not_yet("one of the two networks reads fewer than half the test digits: train both before comparing.")
    drops = {"with": drop_with, "without": drop_without}
    truth = max(drops, key=drops.get)
    return verdict(answer == truth,
                   f"moved {pixels} pixels, the net trained {truth} augmentation loses {drops[truth]:.1f} points, "
                   f"the other {drops['with' if truth == 'without' else 'without']:.1f}.",
                   "measure it: compare accuracy(net, (shift(x, 2, 0), y)) with accuracy(net, (x, y)) for both nets.")


def _lenet5_variant(p: dict[str, torch.Tensor], x: torch.Tensor, relu: tuple[bool, bool, bool] = (True, True, True),
                    last: str = "log_softmax") -> torch.Tensor:
    """LeNet5's forward pass with a usual mistake in it: a ReLU left out, raw scores or probabilities returned."""
    act = [F.relu if on else (lambda t: t) for on in relu]
    x = F.max_pool2d(act[0](F.conv2d(x, p["conv1.weight"], p["conv1.bias"])), 2)
    x = F.max_pool2d(act[1](F.conv2d(x, p["conv2.weight"], p["conv2.bias"])), 2)
    scores = F.linear(act[2](F.linear(x.flatten(1), p["fc1.weight"], p["fc1.bias"])), p["fc2.weight"], p["fc2.bias"])
    return {"log_softmax": F.log_softmax(scores, dim=1), "softmax": F.softmax(scores, dim=1), "scores": scores}[last]


_LENET5_MISTAKES = [(dict(relu=(False, True, True)), "conv1 must be followed by a ReLU, before its pooling."),
                    (dict(relu=(True, False, True)), "conv2 must be followed by a ReLU, before its pooling."),
                    (dict(relu=(True, True, False)), "fc1 must be followed by a ReLU."),
                    (dict(last="scores"), "these are fc2's raw scores: LeNet5 returns log-probabilities over the 10 classes."),
                    (dict(last="softmax"), "these are probabilities: LeNet5 returns their logarithm, with a numerically safe function.")]


def check_lenet5_functional(fn: Any) -> bool:
    """04, exercise 4: `fn(params, x)` must compute LeNet5 with the weights `params` (a LeNet5 state dict) on x (N, 1, 28, 28): the same
    (N, 10) log-probabilities and gradients, and, like LeNet5, refuse 16 digits of 32x32 rather than return 25 rows."""
    with torch.random.fork_rng(devices=[]):  # leave the learner's generator alone
        torch.manual_seed(1998)
        net = LeNet5()
    params = {name: t.detach() for name, t in net.state_dict().items()}
    x = torch.rand(3, 1, 28, 28, generator=torch.Generator().manual_seed(5))
    mine = {name: t.clone().requires_grad_() for name, t in params.items()}
    where = "on a LeNet5 state dict and a (3, 1, 28, 28) batch"
    want = net(x).detach()
    mistakes = [(lambda o=o: _lenet5_variant(params, x, **o), hint) for o, hint in _LENET5_MISTAKES]
    got = learner_result(fn, "lenet5_functional", (mine, x.clone()), where)
    if got is None or not (
            compare(got, want, where, mistakes, "follow LeNet5.forward layer by layer: conv, ReLU, 2x2 max-pool, twice; flatten; fc1, ReLU; fc2; "
                    "log-softmax.", "LeNet5", shape="3 digits in should give {want}, one row of 10 per digit; yours is {got}.")
            and gradients_match(got, mine, lambda **p: functional_call(net, p, (x,)),
                                "compute the output from params' tensors themselves (no .detach(), no torch.no_grad).", seed=6)):
        return False
    try:
        big = fn(params, torch.rand(16, 1, 32, 32, generator=torch.Generator().manual_seed(7)))
    except Exception:  # as LeNet5 does: fc1 meets 1,250 numbers per digit
        return verdict(True, "the same log-probabilities and gradients as LeNet5: a module is its state dict plus a forward pass.", "")
    invented = isinstance(big, torch.Tensor) and len(big) != 16
    rows = tuple(big.shape) if isinstance(big, torch.Tensor) else type(big).__name__
    return not_yet(f"right on 28x28 digits, but for 16 digits of 32x32 it returns {rows}, where LeNet5 refuses them: "
                   + ("view(-1, 800) invented a batch: flatten from dimension 1, keeping one row per digit."
                      if invented else "it should fail, as LeNet5 does."))
