"""Self-checks for the exercises of 04_lenet5: `check_conv2_parameters`, `check_feature_side`,
`check_shift_robustness`, and `check_lenet5_functional` (a build exercise: LeNet5's forward pass written with
torch.nn.functional from its state dict, compared with LeNet5 on random weights and digits).

Each prints "Right: ..." or "Not yet: ..." with a hint, never the solution, and returns True or False.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.exercises import learner_tensor, verdict
from helpers.lenet5 import LeNet5
from helpers.shapes import conv_out, pool_out
from helpers.shift_equivariance_measures import accuracy_vs_shift

__all__ = ["check_conv2_parameters", "lenet5_feature_side", "check_feature_side", "shifted_accuracy_drop",
           "check_shift_robustness", "check_lenet5_functional"]


def check_conv2_parameters(answer: int) -> bool:
    """04, exercise 1: the number of free parameters of LeNet5's conv2 (20 -> 50 channels, 5x5)."""
    truth = 50 * 20 * 5 * 5 + 50
    if answer == truth:
        return verdict(True, "each of the 50 kernels spans all 20 input maps (20x5x5 weights) plus one bias.", "")
    if answer == 50 * 5 * 5 + 50 or answer == 50 * 5 * 5:
        return verdict(False, "", "a kernel of conv2 is not 5x5 but 5x5 on every one of the 20 input maps.")
    if answer == 50 * 20 * 5 * 5:
        return verdict(False, "", "almost: every output map also has a bias.")
    return verdict(False, "", "count weights per kernel (input maps x 5 x 5), times the number of kernels, plus biases.")


def lenet5_feature_side(side: int) -> int:
    """The side of LeNet5's last feature maps for a square input of `side` pixels."""
    s = pool_out(conv_out(side, 5), 2)
    return pool_out(conv_out(s, 5), 2)


def check_feature_side(input_side: int, answer: int) -> bool:
    """04, exercise 2: the side of conv2+pool2's output maps for a square input of `input_side` pixels."""
    truth = lenet5_feature_side(input_side)
    if answer == truth:
        return verdict(True, f"a {input_side}x{input_side} input gives {answer}x{answer} maps before fc1.", "")
    if answer == (input_side - 8) // 4:
        return verdict(False, "", "apply (in - k) // s + 1 layer by layer: conv (k=5, s=1), pool (k=2, s=2), twice; the +1 matters.")
    return verdict(False, "", "apply out = (in - k) // s + 1 four times: conv 5/1, pool 2/2, conv 5/1, pool 2/2.")


def shifted_accuracy_drop(model: nn.Module, test: tuple[torch.Tensor, torch.Tensor], pixels: int = 2) -> tuple[float, float]:
    """(test accuracy of `model`, points it loses when every test digit moves `pixels` up, down, left
    or right: the mean of the four)."""
    centred, *moved = accuracy_vs_shift(model, test, [0, pixels, -pixels], axis="x")
    moved += accuracy_vs_shift(model, test, [pixels, -pixels], axis="y")
    return centred, centred - sum(moved) / len(moved)


def check_shift_robustness(answer: str, augmented: nn.Module, plain: nn.Module,
                           test: tuple[torch.Tensor, torch.Tensor], pixels: int = 2) -> bool:
    """04, exercise 3: which of two trained LeNet5s loses more accuracy when the test digits move `pixels`:
    the one trained with shift augmentation (answer "with") or without it ("without")?"""
    if answer not in ("with", "without"):
        return verdict(False, "", f"answer 'with' or 'without' (augmentation), not {answer!r}.")
    if augmented is plain:
        return verdict(False, "", "pass two different networks: train a fresh LeNet5 with augment=None for `plain`.")
    (acc_with, drop_with), (acc_without, drop_without) = (shifted_accuracy_drop(m, test, pixels) for m in (augmented, plain))
    if min(acc_with, acc_without) < 50:
        return verdict(False, "", "one of the two networks reads fewer than half the test digits: train both before comparing.")
    drops = {"with": drop_with, "without": drop_without}
    truth = max(drops, key=drops.get)
    return verdict(answer == truth,
                    f"moved {pixels} pixels, the net trained {truth} augmentation loses {drops[truth]:.1f} points, "
                    f"the other {drops['with' if truth == 'without' else 'without']:.1f}.",
                    "measure it: compare accuracy(net, (shift(x, 2, 0), y)) with accuracy(net, (x, y)) for both nets.")


def _random_lenet5_params() -> dict[str, torch.Tensor]:
    """LeNet5's state dict with weights drawn from a fixed seed (PyTorch's default range, 1/sqrt(fan-in))."""
    gen = torch.Generator().manual_seed(1998)
    with torch.random.fork_rng(devices=[]):   # building LeNet5 draws from the global generator: leave the learner's alone
        shapes = {name: t.shape for name, t in LeNet5().state_dict().items()}
    params = {}
    for name, shape in shapes.items():
        fan_in = shapes[name.replace(".bias", ".weight")][1:].numel()
        params[name] = (torch.rand(shape, generator=gen) * 2 - 1) / fan_in ** 0.5
    return params


def _lenet5_variant(p: dict[str, torch.Tensor], x: torch.Tensor, relu: tuple[bool, bool, bool] = (True, True, True),
                    last: str = "log_softmax") -> torch.Tensor:
    """LeNet5's forward pass, or a usual mistake in it: a ReLU left out, raw scores or probabilities returned."""
    def act(t: torch.Tensor, on: bool) -> torch.Tensor:
        return F.relu(t) if on else t
    x = F.max_pool2d(act(F.conv2d(x, p["conv1.weight"], p["conv1.bias"]), relu[0]), 2)
    x = F.max_pool2d(act(F.conv2d(x, p["conv2.weight"], p["conv2.bias"]), relu[1]), 2)
    x = act(F.linear(x.flatten(1), p["fc1.weight"], p["fc1.bias"]), relu[2])
    scores = F.linear(x, p["fc2.weight"], p["fc2.bias"])
    return {"log_softmax": F.log_softmax(scores, dim=1), "softmax": F.softmax(scores, dim=1), "scores": scores}[last]


def check_lenet5_functional(lenet5_functional) -> bool:
    """04, exercise 4: `lenet5_functional(params, x)` must compute LeNet5 with the weights `params` (a LeNet5
    state dict) on x (N, 1, 28, 28): the same (N, 10) log-probabilities and gradients, and, like LeNet5, refuse
    16 digits of 32x32 rather than return 25 rows."""
    if not callable(lenet5_functional):
        return verdict(False, "", f"pass your function itself, lenet5_functional, not a {type(lenet5_functional).__name__}.")
    params = _random_lenet5_params()
    x = torch.rand(3, 1, 28, 28, generator=torch.Generator().manual_seed(5))
    with torch.random.fork_rng(devices=[]):
        net = LeNet5()
    net.load_state_dict(params)
    want = net(x).detach()
    mine = {name: t.clone().requires_grad_() for name, t in params.items()}
    got = learner_tensor(lenet5_functional, (mine, x.clone()), "on LeNet5().state_dict() and a (3, 1, 28, 28) batch")
    if got is None:
        return False
    if got.shape != want.shape:
        return verdict(False, "", f"3 digits in should give {tuple(want.shape)}, one row of 10 per digit; yours is {tuple(got.shape)}.")
    values = got.detach().float()
    if not torch.allclose(values, want, atol=1e-4):
        index = tuple(int(i) for i in torch.nonzero(~torch.isclose(values, want, atol=1e-4))[0])
        first = f"output[{index[0]}, {index[1]}] is {values[index].item():.4f}, LeNet5 gives {want[index].item():.4f}"
        mistakes = [((False, True, True), "log_softmax", "conv1 must be followed by a ReLU, before its pooling."),
                    ((True, False, True), "log_softmax", "conv2 must be followed by a ReLU, before its pooling."),
                    ((True, True, False), "log_softmax", "fc1 must be followed by a ReLU."),
                    ((True, True, True), "scores", "these are fc2's raw scores: LeNet5 returns log-probabilities over the 10 classes."),
                    ((True, True, True), "softmax", "these are probabilities: LeNet5 returns their logarithm, with a numerically safe function.")]
        hint = next((h for relu, last, h in mistakes if torch.allclose(values, _lenet5_variant(params, x, relu, last).detach(), atol=1e-4)),
                    "follow LeNet5.forward layer by layer: conv, ReLU, 2x2 max-pool, twice; flatten; fc1, ReLU; fc2; log-softmax.")
        return verdict(False, "", f"{first}: {hint}")
    if not got.requires_grad:
        return verdict(False, "", "the numbers are right but no gradient flows back to the weights: no .detach(), no torch.no_grad.")
    upstream = torch.randn(want.shape, generator=torch.Generator().manual_seed(6))
    (got * upstream).sum().backward()
    (net(x) * upstream).sum().backward()
    for name, p in net.named_parameters():
        if mine[name].grad is None or not torch.allclose(mine[name].grad, p.grad, atol=1e-4):
            return verdict(False, "", f"the numbers are right but the gradient of {name} is not: compute the output from params' tensors themselves.")
    x32 = torch.rand(16, 1, 32, 32, generator=torch.Generator().manual_seed(7))
    try:
        big = lenet5_functional(params, x32)
    except Exception:  # LeNet5 raises here too: fc1 meets 1,250 numbers per digit
        big = None
    if big is not None:
        rows = tuple(big.shape) if isinstance(big, torch.Tensor) else type(big).__name__
        hint = "view(-1, 800) invented a batch: flatten from dimension 1, keeping one row per digit." if isinstance(big, torch.Tensor) and len(big) != 16 else "it should fail, as LeNet5 does."
        return verdict(False, "", f"right on 28x28 digits, but for 16 digits of 32x32 it returns {rows}, where LeNet5 refuses them: {hint}")
    return verdict(True, "the same log-probabilities and gradients as LeNet5: a module is its state dict plus a forward pass.", "")
