"""Self-checks for the exercises of 05_shift_equivariance: `check_map_move`, `check_exact_shifts`,
`check_consistency`.

Each prints "Right: ..." or "Not yet: ..." with a hint, never the solution, and returns True or False.
"""

from __future__ import annotations

import math
from typing import Iterable

import torch
import torch.nn as nn

from helpers.exercises import verdict
from helpers.shift_equivariance import consistency

__all__ = ["check_map_move", "check_exact_shifts", "check_consistency"]


def check_map_move(d: int, answer: float) -> bool:
    """05, exercise 1: how many cells LeNet5's pool2 map moves for an input shift of `d` pixels."""
    truth = d / 4
    if math.isclose(float(answer), truth, abs_tol=1e-9):
        return verdict(True, f"pool2 has a cumulative stride of 2 x 2 = 4, so {d} px is {truth:g} cells.", "")
    if math.isclose(float(answer), d / 2, abs_tol=1e-9):
        return verdict(False, "", "that is the move after pool1; pool2 halves it once more.")
    return verdict(False, "", "divide the input shift by the product of the strides met up to pool2.")


def check_exact_shifts(answer: Iterable[int], up_to: int = 12) -> bool:
    """05, exercise 2: the shifts in 0..up_to px for which pool2's map is an exact shifted copy."""
    truth = set(range(0, up_to + 1, 4))
    given = {int(a) for a in answer}
    if given == truth:
        return verdict(True, "exactly the multiples of the cumulative stride 4.", "")
    if given == set(range(0, up_to + 1, 2)):
        return verdict(False, "", "even shifts are exact up to conv2, but pool2 halves the resolution once more.")
    return verdict(False, "", "the shift must be a whole number of cells at every pooling: which multiples survive two halvings?")


def check_consistency(answer: float, model: nn.Module, images: torch.Tensor, max_shift: int, seed: int = 0) -> bool:
    """05, exercise 3: a consistency figure measured with consistency(model, images, max_shift,
    generator=torch.Generator().manual_seed(seed)) (pairs=1), within 0.05 points."""
    truth = consistency(model, images, max_shift, generator=torch.Generator().manual_seed(seed))
    if abs(float(answer) - truth) <= 0.05:
        return verdict(True, f"{truth:.1f}% of the digits keep their class under two random shifts of up to {max_shift} px.", "")
    if 0 < float(answer) <= 1 and abs(100 * float(answer) - truth) <= 5:
        return verdict(False, "", "consistency is a percentage here: multiply the share by 100.")
    return verdict(False, "", f"measure it with consistency(model, images, {max_shift}, generator=torch.Generator().manual_seed({seed})).")
