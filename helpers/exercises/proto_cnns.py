"""Self-checks for the exercises of 01_proto_cnns: `check_net5_h2`, `check_shared_bias_weights`,
`check_net6`, `check_uncentred_votes`.

Each prints "Right: ..." or "Not yet: ..." with a hint, never the solution, and returns True or False.
"""

from __future__ import annotations

from typing import Mapping

import torch
import torch.nn as nn

from helpers.anatomy import count_connections, free_parameters, totals
from helpers.augment import shift
from helpers.data import BACKGROUND
from helpers.exercises import verdict
from helpers.proto_cnns import Net4, Net5
from helpers.proto_cnns_canvas import predict_drawing

__all__ = ["check_net5_h2", "check_shared_bias_weights", "check_net6", "uncentred", "check_uncentred_votes"]


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
