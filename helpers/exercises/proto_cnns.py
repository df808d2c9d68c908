"""Self-checks for the exercises of 01_proto_cnns; `check_shared_forward` is the build exercise (the locally connected
layer with its weights shared, written with F.unfold, against F.conv2d)."""

from __future__ import annotations

from typing import Any, Mapping
from unittest import mock

import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.anatomy import count_connections, free_parameters, totals
from helpers.augment import shift
from helpers.data import BACKGROUND
from helpers.exercises import compare, gradients_match, learner_result, not_yet, verdict
from helpers.proto_cnns import Net4, Net5
from helpers.proto_cnns_canvas import predict_drawing

__all__ = ["check_net5_h2", "check_shared_bias_weights", "check_net6", "uncentred", "check_uncentred_votes",
           "check_shared_forward"]


def check_net5_h2(links: int, weights: int) -> bool:
    """01, exercise 1: links and free parameters of Net5's second hidden layer (its kernels and per-unit biases)."""
    counted = totals([row for row in count_connections(Net5(), (1, 16, 16)) if row.name in ("conv2", "bias2")])
    if links != counted["connections"]:
        return not_yet("links: every one of the 4x4x4 units sees a 5x5 patch in each of the 2 maps, plus its bias.")
    return verdict(weights == counted["parameters"], "64 units x (2 maps x 25 + 1 bias) links, but only 4 kernels of 2x5x5 plus 64 biases to learn.",
                   "weights: the 16 units of a map share one kernel (2 maps x 5 x 5), but each unit has its own bias.")


def check_shared_bias_weights(answer: int) -> bool:
    """01, exercise 2: free parameters of Net4 if every H1 map had one bias (as nn.Conv2d), not one per unit."""
    net = Net4()
    truth = free_parameters(net) - net.bias1.bias.numel() + net.bias1.bias.shape[0]
    return verdict(answer == truth, "128 per-unit biases become 2, one per map; the links stay 2,266.",
                   "start from Net4's 1,132 weights; only the biases of the two 8x8 maps change.")


def check_net6(model: nn.Module) -> bool:
    """01, exercise 3: a "Net6" reads (N, 1, 16, 16), returns (N, 10) and shares weights (3 links or more per weight)."""
    with torch.no_grad():
        out = learner_result(model, "your Net6", (torch.zeros(2, 1, 16, 16),), "on a (2, 1, 16, 16) batch")
    if out is None:
        return False
    if tuple(out.shape) != (2, 10):
        return not_yet(f"the output must be (N, 10) logits, got {tuple(out.shape)}.")
    links, weights = totals(count_connections(model, (1, 16, 16)))["connections"], free_parameters(model)
    if links < 3 * weights:
        return not_yet(f"{links:,} links for {weights:,} weights: share more (use nn.Conv2d for the hidden maps).")
    return verdict(True, f"{links:,} links for {weights:,} free parameters ({links / weights:.1f} links per weight); now train it.", "")


def uncentred(image: torch.Tensor, pixels: int = 2) -> torch.Tensor:
    """The pad's image (1, 1, 16, 16) with its ink moved `pixels` up and left; the uncovered border is paper (-1)."""
    return shift(image - BACKGROUND, -pixels, -pixels) + BACKGROUND


def check_uncentred_votes(answer: int, models: Mapping[str, nn.Module], image: torch.Tensor) -> bool:
    """01, exercise 4: how many of `models` still read the pad's `image` right once it is `uncentred`; the right digit
    is what most nets say about the centred image."""
    if not isinstance(image, torch.Tensor) or tuple(image.shape) != (1, 1, 16, 16):
        return not_yet("pass the pad's image (1, 1, 16, 16): pad.reading.image, or pad_image(STORED_THREE, CANVAS, CANVAS).")
    votes = list(predict_drawing(models, image).predictions.values())
    digit = max(set(votes), key=lambda d: (votes.count(d), -d))
    truth = sum(p == digit for p in predict_drawing(models, uncentred(image)).predictions.values())
    return verdict(answer == truth, f"{truth} of {len(models)} nets still read a {digit} moved to the corner; they learned from centred digits only.",
                   f"count the nets whose answer is {digit} in predict_drawing(models, shift(image + 1, -2, -2) - 1).")


def check_shared_forward(shared_forward: Any) -> bool:
    """01, exercise 5: `shared_forward(x, kernel, bias, stride)`, one kernel (O, C, k, k) and one bias (O,) at every
    position, written with F.unfold (F.conv2d refused), must give F.conv2d's numbers and gradients."""
    gen = torch.Generator().manual_seed(1989)
    for n, c, side, o, k, stride in ((3, 2, 11, 3, 5, 2), (2, 1, 9, 2, 3, 1)):  # as Net-5's H2; 3x3 kernels
        x, kernel, bias = (torch.randn(shape, generator=gen) for shape in ((n, c, side, side), (o, c, k, k), (o,)))
        inputs = {name: t.clone().requires_grad_() for name, t in zip(("x", "kernel", "bias"), (x, kernel, bias))}
        where = f"on x {tuple(x.shape)}, kernel {tuple(kernel.shape)}, stride {stride}"
        want = F.conv2d(x, kernel, bias, stride=stride)
        mistakes = [  # (what a usual mistake gives, its hint)
            (F.conv2d(x, kernel, None, stride=stride), "the bias is missing: add bias[o] to every position of map o."),
            (want.transpose(-1, -2), "rows and columns are swapped: unfold's columns run along each row first, so reshape its L positions to (n, n) in that order."),
            (F.conv2d(x, kernel.transpose(-1, -2), bias, stride=stride), "the kernel is read column by column: reshape it to (O, C*k*k) as it is, the order unfold gives each patch."),
            (F.conv2d(x, kernel.flip(-1, -2), bias, stride=stride),
             "the kernel is flipped: each patch is multiplied by the kernel as it is, element by element, as in the locally connected layer."),
            (F.conv2d(x, kernel, bias), "patches must be `stride` pixels apart (F.unfold's stride)."),
        ]
        refused = RuntimeError("use F.unfold, not F.conv2d")
        with mock.patch.object(F, "conv2d", side_effect=refused), mock.patch.object(torch, "conv2d", side_effect=refused):
            got = learner_result(shared_forward, "shared_forward", (*inputs.values(), stride), where)
        if got is None or not (
                compare(got, want, where, mistakes, "compare one position by hand: the patch under it, times the kernel, summed, plus the bias.", "the convolution")
                and gradients_match(got, inputs, lambda x, kernel, bias: F.conv2d(x, kernel, bias, stride=stride),
                                    "stay in torch and compute the output from x, kernel and bias themselves (no .detach(), no torch.no_grad, no numpy).", seed=0)):
            return False
    return verdict(True, "one kernel at every position, one matrix product: the locally connected layer with its weights shared is F.conv2d, gradients included.", "")
