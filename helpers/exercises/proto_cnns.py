"""Self-checks for the exercises of 01_proto_cnns: `check_net5_h2`, `check_shared_bias_weights`,
`check_net6`, `check_uncentred_votes`, and `check_shared_forward` (a build exercise: the shared, convolutional
version of the locally connected layer, written with F.unfold and compared with F.conv2d on random inputs).

Each prints "Right: ..." or "Not yet: ..." with a hint, never the solution, and returns True or False.
"""

from __future__ import annotations

from typing import Mapping
from unittest import mock

import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.anatomy import count_connections, free_parameters, totals
from helpers.augment import shift
from helpers.data import BACKGROUND
from helpers.exercises import learner_tensor, verdict
from helpers.proto_cnns import Net4, Net5
from helpers.proto_cnns_canvas import predict_drawing

__all__ = ["check_net5_h2", "check_shared_bias_weights", "check_net6", "uncentred", "check_uncentred_votes",
           "check_shared_forward"]


def check_net5_h2(links: int, weights: int) -> bool:
    """01, exercise 1: links and free parameters of Net5's second hidden layer (four 4x4 maps, shared
    5x5 kernels over both 8x8 maps of H1, one bias per unit)."""
    counted = totals([row for row in count_connections(Net5(), (1, 16, 16)) if row.name in ("conv2", "bias2")])
    true_links, true_weights = counted["connections"], counted["parameters"]
    if (links, weights) == (true_links, true_weights):
        return verdict(True, "64 units x (2 maps x 25 + 1 bias) links, but only 4 kernels of 2x5x5 plus 64 biases to learn.", "")
    if links != true_links:
        return verdict(False, "", "links: every one of the 4x4x4 units sees a 5x5 patch in each of the 2 maps, plus its bias.")
    return verdict(False, "", "weights: the 16 units of a map share one kernel (2 maps x 5 x 5), but each unit has its own bias.")


def check_shared_bias_weights(answer: int) -> bool:
    """01, exercise 2: free parameters of Net4 if every H1 map had one bias (as nn.Conv2d), not one per unit."""
    net = Net4()
    unit_bias = net.bias1.bias
    truth = free_parameters(net) - unit_bias.numel() + unit_bias.shape[0]
    if answer == truth:
        return verdict(True, "128 per-unit biases become 2, one per map; the links stay 2,266.", "")
    return verdict(False, "", "start from Net4's 1,132 weights; only the biases of the two 8x8 maps change.")


def check_net6(model: nn.Module) -> bool:
    """01, exercise 3: a "Net6" must read (N, 1, 16, 16), return (N, 10), and share weights (at least
    3 links per free parameter)."""
    try:
        with torch.no_grad():
            out = model(torch.zeros(2, 1, 16, 16))
    except Exception as err:  # the learner's model: report whatever went wrong
        return verdict(False, "", f"the model fails on a (2, 1, 16, 16) batch: {str(err).splitlines()[0]}")
    if tuple(out.shape) != (2, 10):
        return verdict(False, "", f"the output must be (N, 10) logits, got {tuple(out.shape)}.")
    links, weights = totals(count_connections(model, (1, 16, 16)))["connections"], free_parameters(model)
    if links < 3 * weights:
        return verdict(False, "", f"{links:,} links for {weights:,} weights: share more (use nn.Conv2d for the hidden maps).")
    return verdict(True, f"{links:,} links for {weights:,} free parameters ({links / weights:.1f} links per weight); now train it.", "")


def uncentred(image: torch.Tensor, pixels: int = 2) -> torch.Tensor:
    """The pad's image (1, 1, 16, 16), paper -1, moved `pixels` up and `pixels` to the left (the ink
    is shifted, as in section 5 of 01, so that the uncovered border is paper)."""
    return shift(image - BACKGROUND, -pixels, -pixels) + BACKGROUND


def check_uncentred_votes(answer: int, models: Mapping[str, nn.Module], image: torch.Tensor) -> bool:
    """01, exercise 4: how many of `models` still read the pad's `image` (1, 1, 16, 16) right once it
    is moved 2 pixels up and 2 to the left (`shift(image + 1, -2, -2) - 1`); the right digit is what
    most nets say about the centred image."""
    if not isinstance(image, torch.Tensor) or tuple(image.shape) != (1, 1, 16, 16):
        return verdict(False, "", "pass the pad's image (1, 1, 16, 16): pad.reading.image, or pad_image(STORED_THREE, CANVAS, CANVAS).")
    votes = list(predict_drawing(models, image).predictions.values())
    digit = max(set(votes), key=lambda d: (votes.count(d), -d))
    truth = sum(p == digit for p in predict_drawing(models, uncentred(image)).predictions.values())
    if answer == truth:
        return verdict(True, f"{truth} of {len(models)} nets still read a {digit} moved to the corner; they learned from centred digits only.", "")
    return verdict(False, "", f"count the nets whose answer is {digit} in predict_drawing(models, shift(image + 1, -2, -2) - 1).")


def _shared_cases() -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor, int]]:
    """Random (x, kernel, bias, stride) for `check_shared_forward`: an 11x11 input read by 5x5 kernels two
    pixels apart (as Net-5's H2), and a 9x9 one by 3x3 kernels one pixel apart; a fixed seed."""
    gen = torch.Generator().manual_seed(1989)
    cases = []
    for n, c, side, o, k, stride in ((3, 2, 11, 3, 5, 2), (2, 1, 9, 2, 3, 1)):
        cases.append((torch.randn(n, c, side, side, generator=gen), torch.randn(o, c, k, k, generator=gen),
                      torch.randn(o, generator=gen), stride))
    return cases


def _first_difference(got: torch.Tensor, want: torch.Tensor) -> str:
    index = tuple(int(i) for i in torch.nonzero(~torch.isclose(got, want, atol=1e-4))[0])
    return f"output[{', '.join(map(str, index))}] is {got[index].item():.4f}, the convolution gives {want[index].item():.4f}"


def check_shared_forward(shared_forward) -> bool:
    """01, exercise 5: `shared_forward(x, kernel, bias, stride)`, the locally connected layer with ONE kernel
    (O, C, k, k) and one bias (O,) for every position, written with F.unfold and no F.conv2d, must give
    F.conv2d's numbers and gradients (x (N, C, H, W) -> (N, O, n, n))."""
    if not callable(shared_forward):
        return verdict(False, "", f"pass your function itself, shared_forward, not a {type(shared_forward).__name__}.")
    conv2d = F.conv2d
    for x, kernel, bias, stride in _shared_cases():
        want = conv2d(x, kernel, bias, stride=stride)
        mistakes = [  # (what a usual mistake gives, its hint)
            (conv2d(x, kernel, None, stride=stride), "the bias is missing: add bias[o] to every position of map o."),
            (want.transpose(-1, -2), "rows and columns are swapped: unfold's columns run along each row first, so reshape its L positions to (n, n) in that order."),
            (conv2d(x, kernel.transpose(-1, -2), bias, stride=stride), "the kernel is read column by column: reshape it to (O, C*k*k) as it is, the order unfold gives each patch."),
            (conv2d(x, kernel.flip(-1, -2), bias, stride=stride), "the kernel is flipped: each patch is multiplied by the kernel as it is, element by element, as in the locally connected layer."),
        ]
        args = [t.clone().requires_grad_() for t in (x, kernel, bias)]
        with mock.patch.object(F, "conv2d", side_effect=RuntimeError("use F.unfold, not F.conv2d")), \
             mock.patch.object(torch, "conv2d", side_effect=RuntimeError("use F.unfold, not F.conv2d")):
            got = learner_tensor(shared_forward, (*args, stride), f"on x {tuple(x.shape)}, kernel {tuple(kernel.shape)}, stride {stride}")
        if got is None:
            return False
        if got.shape != want.shape:
            hint = " Patches must be `stride` pixels apart (F.unfold's stride)." if stride > 1 and got.shape[-1] == x.shape[-1] - kernel.shape[-1] + 1 else ""
            return verdict(False, "", f"on x {tuple(x.shape)}, kernel {tuple(kernel.shape)}, stride {stride} the output should be "
                                      f"{tuple(want.shape)}, yours is {tuple(got.shape)}.{hint}")
        got_values = got.detach().float()
        if not torch.allclose(got_values, want, atol=1e-4):
            hint = next((h for wrong, h in mistakes if torch.allclose(got_values, wrong, atol=1e-4)),
                        "compare one position by hand: the patch under it, times the kernel, summed, plus the bias.")
            return verdict(False, "", f"{_first_difference(got_values, want)}: {hint}")
        if not got.requires_grad:
            return verdict(False, "", "the numbers are right but no gradient flows back: stay in torch (no .detach(), no torch.no_grad, no numpy).")
        upstream = torch.randn(want.shape, generator=torch.Generator().manual_seed(0))
        grads = torch.autograd.grad((got * upstream).sum(), args, allow_unused=True)
        ref = [t.clone().requires_grad_() for t in (x, kernel, bias)]
        (conv2d(*ref, stride=stride) * upstream).sum().backward()
        for name, g, r in zip(("x", "kernel", "bias"), grads, ref):
            if g is None or not torch.allclose(g, r.grad, atol=1e-4):
                return verdict(False, "", f"the numbers are right but the gradient of {name} is not: compute the output from x, kernel and bias themselves.")
    return verdict(True, "one kernel at every position, one matrix product: the locally connected layer with its weights shared is F.conv2d, gradients included.", "")
