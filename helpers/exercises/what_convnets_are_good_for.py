"""Self-checks for the exercises of 08_what_convnets_are_good_for: `check_unshared_conv2`,
`check_matched_hidden`, `check_pool2_field`, `check_block_permutation`.

Each prints "Right: ..." or "Not yet: ..." with a hint, never the solution, and returns True or False.
"""

from __future__ import annotations

import torch

from helpers.anatomy import free_parameters, receptive_field
from helpers.exercises import verdict
from helpers.what_convnets_are_good_for import SmallConvNet
from helpers.what_convnets_are_good_for_locality import check_permutation

__all__ = ["check_unshared_conv2", "check_matched_hidden", "check_pool2_field", "check_block_permutation"]


def check_unshared_conv2(answer: int) -> bool:
    """08, exercise 1: parameters of SmallConvNet's conv2 without weight sharing (own weights per position)."""
    truth = 8 * 8 * 6 * (6 * 5 * 5 + 1)
    if answer == truth:
        return verdict(True, "64 positions x 6 maps, each with its own 6x5x5 kernel and bias.", "")
    if answer == 6 * (6 * 5 * 5 + 1):
        return verdict(False, "", "that is conv2 with sharing; without it every one of the 8x8 positions needs its own copy.")
    if answer in (8 * 8 * 6 * 5 * 5 + 6, 8 * 8 * 6 * (5 * 5 + 1)):
        return verdict(False, "", "a conv2 kernel spans all 6 input maps, 6x5x5 weights, plus one bias.")
    return verdict(False, "", "count the 8x8 output positions of conv2, its 6 maps, and what each unit needs (6x5x5 weights + 1 bias).")


def check_matched_hidden(maps: int, hidden: int) -> bool:
    """08, exercise 2: the FCNet hidden size whose parameter count is closest to SmallConvNet(maps)."""
    target = free_parameters(SmallConvNet(maps))
    fc = lambda h: 784 * h + h + h * h + h + 10 * h + 10  # noqa: E731
    best = min(range(1, 200), key=lambda h: abs(fc(h) - target))
    if hidden == best:
        return verdict(True, f"FCNet({hidden}) has {fc(hidden):,} parameters, SmallConvNet({maps}) {target:,}.", "")
    return verdict(False, "", f"FCNet({hidden}) has {fc(hidden):,} parameters but SmallConvNet({maps}) has {target:,}; try {'more' if fc(hidden) < target else 'fewer'} hidden units.")


def check_pool2_field(size: int, stride: int) -> bool:
    """08, exercise 3: the receptive field (size, stride in input pixels) of a pool2 unit of SmallConvNet."""
    rf = receptive_field([(5, 1), (2, 2), (5, 1), (2, 2)])
    if (size, stride) == (rf.size, rf.stride):
        return verdict(True, "the 2x2 pool adds one conv2 step (2 pixels) to the 14x14 field and doubles the stride.", "")
    if (size, stride) == (14, 2):
        return verdict(False, "", "that is conv2's field; pool2 combines a 2x2 block of conv2 units.")
    return verdict(False, "", "start from conv2's 14x14 field with stride 2: neighbouring conv2 units are 2 pixels apart.")


def check_block_permutation(perm: torch.Tensor, side: int = 28) -> bool:
    """08, exercise 4: `perm` must permute the side x side pixels only within each 2x2 block, not all identically."""
    try:
        check_permutation(perm, side * side)
    except ValueError as err:
        return verdict(False, "", str(err))
    dest = torch.arange(side * side)
    src = perm.long()
    same_block = ((dest // side) // 2 == (src // side) // 2) & ((dest % side) // 2 == (src % side) // 2)
    if not bool(same_block.all()):
        return verdict(False, "", f"{int((~same_block).sum())} pixels come from outside their own 2x2 block.")
    if torch.equal(src, dest):
        return verdict(False, "", "this is the identity; shuffle the four pixels of each block.")
    return verdict(True, f"{int((src != dest).sum())} pixels move, none leaves its 2x2 block.", "")
