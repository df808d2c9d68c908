"""Self-checks for the exercises at the end of each notebook.

Each `check_...` function prints whether the learner's answer is right and, when it is wrong, a
hint about why, without printing the solution; it returns True or False.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from helpers.shapes import conv_out, pool_out


def _verdict(ok: bool, right: str, wrong: str) -> bool:
    print(("Right: " + right) if ok else ("Not yet: " + wrong))
    return ok


# ---- 04_lenet5 -------------------------------------------------------------------------------

def check_conv2_parameters(answer: int) -> bool:
    """04, exercise 1: the number of free parameters of LeNet5's conv2 (20 -> 50 channels, 5x5)."""
    truth = 50 * 20 * 5 * 5 + 50
    if answer == truth:
        return _verdict(True, "each of the 50 kernels spans all 20 input maps (20x5x5 weights) plus one bias.", "")
    if answer == 50 * 5 * 5 + 50 or answer == 50 * 5 * 5:
        return _verdict(False, "", "a kernel of conv2 is not 5x5 but 5x5 on every one of the 20 input maps.")
    if answer == 50 * 20 * 5 * 5:
        return _verdict(False, "", "almost: every output map also has a bias.")
    return _verdict(False, "", "count weights per kernel (input maps x 5 x 5), times the number of kernels, plus biases.")


def lenet5_feature_side(side: int) -> int:
    """The side of LeNet5's last feature maps for a square input of `side` pixels."""
    s = pool_out(conv_out(side, 5), 2)
    return pool_out(conv_out(s, 5), 2)


def check_feature_side(input_side: int, answer: int) -> bool:
    """04, exercise 2: the side of conv2+pool2's output maps for a square input of `input_side` pixels."""
    truth = lenet5_feature_side(input_side)
    if answer == truth:
        return _verdict(True, f"a {input_side}x{input_side} input gives {answer}x{answer} maps before fc1.", "")
    if answer == (input_side - 8) // 4:
        return _verdict(False, "", "apply (in - k) // s + 1 layer by layer: conv (k=5, s=1), pool (k=2, s=2), twice; the +1 matters.")
    return _verdict(False, "", "apply out = (in - k) // s + 1 four times: conv 5/1, pool 2/2, conv 5/1, pool 2/2.")


def check_fc_as_conv(conv: nn.Module, fc: nn.Linear, in_shape: tuple[int, int, int] = (50, 4, 4)) -> bool:
    """04, exercise 3: `conv` must compute what `fc` computes on flattened (C, H, W) maps, as a 1x1 output map."""
    if not isinstance(conv, nn.Conv2d):
        return _verdict(False, "", f"build an nn.Conv2d, not a {type(conv).__name__}.")
    c, h, w = in_shape
    if conv.in_channels != c or conv.out_channels != fc.out_features or tuple(conv.kernel_size) != (h, w):
        return _verdict(False, "", f"the kernel must cover the whole {c}x{h}x{w} input: in_channels={c}, kernel_size={h}, one output channel per fc unit.")
    x = torch.randn(3, c, h, w, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        out = conv(x)
        if out.shape[-2:] != (1, 1):
            return _verdict(False, "", "the output map should be 1x1: no padding, the kernel covers the whole input.")
        same = torch.allclose(out.flatten(1), fc(x.flatten(1)), atol=1e-5)
    return _verdict(same, "the convolution and the fully connected layer give the same numbers.",
                    "the shapes are right but the numbers differ: reshape fc.weight to (out, C, H, W) and copy fc.bias.")
