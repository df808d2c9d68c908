"""Self-checks for the exercises of 04_lenet5: `check_conv2_parameters`, `check_feature_side`,
`check_fc_as_conv`, `check_shift_robustness`.

Each prints "Right: ..." or "Not yet: ..." with a hint, never the solution, and returns True or False.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from helpers.exercises import verdict
from helpers.shapes import conv_out, pool_out
from helpers.shift_equivariance_measures import accuracy_vs_shift

__all__ = ["check_conv2_parameters", "lenet5_feature_side", "check_feature_side", "check_fc_as_conv",
           "shifted_accuracy_drop", "check_shift_robustness"]


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


def check_fc_as_conv(conv: nn.Module, fc: nn.Linear, in_shape: tuple[int, int, int] = (50, 4, 4)) -> bool:
    """04, exercise 3: `conv` must compute what `fc` computes on flattened (C, H, W) maps, as a 1x1 output map."""
    if not isinstance(conv, nn.Conv2d):
        return verdict(False, "", f"build an nn.Conv2d, not a {type(conv).__name__}.")
    c, h, w = in_shape
    if conv.in_channels != c or conv.out_channels != fc.out_features or tuple(conv.kernel_size) != (h, w):
        return verdict(False, "", f"the kernel must cover the whole {c}x{h}x{w} input: in_channels={c}, kernel_size={h}, one output channel per fc unit.")
    x = torch.randn(3, c, h, w, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        out = conv(x)
        if out.shape[-2:] != (1, 1):
            return verdict(False, "", "the output map should be 1x1: no padding, the kernel covers the whole input.")
        same = torch.allclose(out.flatten(1), fc(x.flatten(1)), atol=1e-5)
    return verdict(same, "the convolution and the fully connected layer give the same numbers.",
                    "the shapes are right but the numbers differ: reshape fc.weight to (out, C, H, W) and copy fc.bias.")


def shifted_accuracy_drop(model: nn.Module, test: tuple[torch.Tensor, torch.Tensor], pixels: int = 2) -> tuple[float, float]:
    """(test accuracy of `model`, points it loses when every test digit moves `pixels` up, down, left
    or right: the mean of the four)."""
    centred, *moved = accuracy_vs_shift(model, test, [0, pixels, -pixels], axis="x")
    moved += accuracy_vs_shift(model, test, [pixels, -pixels], axis="y")
    return centred, centred - sum(moved) / len(moved)


def check_shift_robustness(answer: str, augmented: nn.Module, plain: nn.Module,
                           test: tuple[torch.Tensor, torch.Tensor], pixels: int = 2) -> bool:
    """04, exercise 4: which of two trained LeNet5s loses more accuracy when the test digits move `pixels`:
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
