"""Self-checks for the exercises of 08_what_convnets_are_good_for: `check_unshared_conv2`,
`check_matched_hidden`, `check_pool2_field`, `check_block_permutation`, and `check_unpermuted_twin`
(exercise 5: turn an FC net trained on permuted pixels into one that reads ordinary digits, run on a
random net and random images).

Each prints "Right: ..." or "Not yet: ..." with a hint, never the solution, and returns True or False.
"""

from __future__ import annotations

import copy
from typing import Callable

import torch
import torch.nn as nn

from helpers.anatomy import free_parameters, receptive_field
from helpers.exercises import verdict
from helpers.what_convnets_are_good_for import FCNet, SmallConvNet
from helpers.what_convnets_are_good_for_locality import check_permutation, permute_pixels

__all__ = ["check_unshared_conv2", "check_matched_hidden", "check_pool2_field", "check_block_permutation",
           "check_unpermuted_twin"]


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


def _scores(net: nn.Module, images: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return net(images)


def check_unpermuted_twin(fn: Callable[[FCNet, torch.Tensor], nn.Module]) -> bool:
    """08, exercise 5: `fn(net, perm)` returns a new FCNet that gives on ordinary images what `net`, trained
    on pixels permuted by `perm`, gives on the permuted images; `net` itself must stay as it was."""
    if not callable(fn):
        return verdict(False, "", "pass your function itself, e.g. check_unpermuted_twin(unpermuted_twin).")
    g = torch.Generator().manual_seed(8)
    net = FCNet(hidden=8)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.1)
    perm = torch.randperm(28 * 28, generator=g)
    images = torch.rand(5, 1, 28, 28, generator=g)
    before = copy.deepcopy(net.state_dict())
    want = _scores(net, permute_pixels(images, perm))
    try:
        twin = fn(net, perm.clone())
    except IndexError as err:
        return verdict(False, "", f"your function raised IndexError ({err}): fc1.weight has shape (8, 784), one "
                                  "row per hidden unit and one column per pixel; it is the pixels you reorder.")
    except Exception as err:  # noqa: BLE001  (any failure of the learner's code becomes one sentence)
        return verdict(False, "", f"your function raised {type(err).__name__}: {err}")
    if not isinstance(twin, nn.Module):
        return verdict(False, "", f"return the new net (an FCNet), not a {type(twin).__name__}.")
    try:
        got = _scores(twin, images)
    except Exception as err:  # noqa: BLE001
        return verdict(False, "", f"the net you returned raised {type(err).__name__} on images (5, 1, 28, 28): {err}")
    changed = any(not torch.equal(before[k], v) for k, v in net.state_dict().items())
    if changed:
        return verdict(False, "", "you changed the original net: copy it first (copy.deepcopy), then edit the copy.")
    if twin is net:
        return verdict(False, "", "you returned the original net itself: return a new one, a copy with fc1 changed.")
    if not isinstance(got, torch.Tensor) or got.shape != want.shape:
        shape = tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__
        return verdict(False, "", f"the returned net should give scores of shape {tuple(want.shape)}, not {shape}.")
    if torch.allclose(got, want, atol=1e-5):
        return verdict(True, "a column per pixel, moved back to its pixel: the net trained on shuffled digits "
                             "reads ordinary ones, with the same scores.", "")
    if torch.allclose(got, _scores(net, images), atol=1e-5):
        return verdict(False, "", "your net gives the scores of the unchanged net on the ordinary images: "
                                  "reorder the columns of fc1.weight.")
    wrong_way = copy.deepcopy(net)
    with torch.no_grad():
        wrong_way.fc1.weight.copy_(net.fc1.weight[:, perm])
    if torch.allclose(got, _scores(wrong_way, images), atol=1e-5):
        return verdict(False, "", "you reordered the columns the way perm shuffles the pixels, which is the way "
                                  "to build the permuted net, not to undo it: you need the inverse permutation.")
    i, j = [int(k) for k in torch.nonzero(~torch.isclose(got, want, atol=1e-5))[0]]
    return verdict(False, "", f"image {i}, class {j}: your net scores {float(got[i, j]):.4f}, it should score "
                              f"{float(want[i, j]):.4f}; only fc1's weight should change, and only in the order of its columns.")
