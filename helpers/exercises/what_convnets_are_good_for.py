"""Self-checks for the exercises of 08_what_convnets_are_good_for; `check_unpermuted_twin` is the build exercise (an
FC net trained on permuted pixels turned into one that reads ordinary digits, on a random net and random images)."""

from __future__ import annotations

import copy
from typing import Any

import torch
import torch.nn as nn

from helpers.anatomy import free_parameters, receptive_field
from helpers.exercises import compare, graded, learner_result, not_yet, verdict
from helpers.what_convnets_are_good_for import FCNet, SmallConvNet
from helpers.what_convnets_are_good_for_locality import check_permutation, permute_pixels

__all__ = ["check_unshared_conv2", "check_matched_hidden", "check_pool2_field", "check_block_permutation",
           "check_unpermuted_twin"]


def check_unshared_conv2(answer: int) -> bool:
    """08, exercise 1: parameters of SmallConvNet's conv2 without weight sharing (own weights per position)."""
    one_map = "a conv2 kernel spans all 6 input maps, 6x5x5 weights, plus one bias."
    return graded(answer, 8 * 8 * 6 * (6 * 5 * 5 + 1), "64 positions x 6 maps, each with its own 6x5x5 kernel and bias.",
                  {6 * (6 * 5 * 5 + 1): "that is conv2 with sharing; without it every one of the 8x8 positions needs its own copy.",
                   8 * 8 * 6 * 5 * 5 + 6: one_map, 8 * 8 * 6 * (5 * 5 + 1): one_map},
                  "count the 8x8 output positions of conv2, its 6 maps, and what each unit needs (6x5x5 weights + 1 bias).")


def check_matched_hidden(maps: int, hidden: int) -> bool:
    """08, exercise 2: the FCNet hidden size whose parameter count is closest to SmallConvNet(maps)."""
    target = free_parameters(SmallConvNet(maps))
    fc = lambda h: 784 * h + h + h * h + h + 10 * h + 10  # noqa: E731
    best = min(range(1, 200), key=lambda h: abs(fc(h) - target))
    return verdict(hidden == best, f"FCNet({hidden}) has {fc(hidden):,} parameters, SmallConvNet({maps}) {target:,}.",
                   f"FCNet({hidden}) has {fc(hidden):,} parameters but SmallConvNet({maps}) has {target:,}; try "
                   f"{'more' if fc(hidden) < target else 'fewer'} hidden units.")


def check_pool2_field(size: int, stride: int) -> bool:
    """08, exercise 3: the receptive field (size, stride in input pixels) of a pool2 unit of SmallConvNet."""
    rf = receptive_field([(5, 1), (2, 2), (5, 1), (2, 2)])
    return graded((size, stride), (rf.size, rf.stride), "the 2x2 pool adds one conv2 step (2 pixels) to the 14x14 field "
                  "and doubles the stride.", {(14, 2): "that is conv2's field; pool2 combines a 2x2 block of conv2 units."},
                  "start from conv2's 14x14 field with stride 2: neighbouring conv2 units are 2 pixels apart.")


def check_block_permutation(perm: torch.Tensor, side: int = 28) -> bool:
    """08, exercise 4: `perm` must permute the side x side pixels only within each 2x2 block, not all identically."""
    try:
        check_permutation(perm, side * side)
    except ValueError as err:
        return not_yet(str(err))
    dest = torch.arange(side * side)
    src = perm.long()
    same_block = ((dest // side) // 2 == (src // side) // 2) & ((dest % side) // 2 == (src % side) // 2)
    if not bool(same_block.all()):
        return not_yet(f"{int((~same_block).sum())} pixels come from outside their own 2x2 block.")
    if torch.equal(src, dest):
        return not_yet("this is the identity; shuffle the four pixels of each block.")
    return verdict(True, f"{int((src != dest).sum())} pixels move, none leaves its 2x2 block.", "")


def _scores(net: nn.Module, images: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return net(images)


def check_unpermuted_twin(fn: Any) -> bool:
    """08, exercise 5: `fn(net, perm)` returns a new FCNet that gives on ordinary images what `net`, trained on pixels
    permuted by `perm`, gives on the permuted images; `net` itself must stay as it was."""
    g = torch.Generator().manual_seed(8)
    net = FCNet(hidden=8)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.1)
    perm = torch.randperm(28 * 28, generator=g)
    images = torch.rand(5, 1, 28, 28, generator=g)
    before = copy.deepcopy(net.state_dict())
    want = _scores(net, permute_pixels(images, perm))
    twin = learner_result(fn, "unpermuted_twin", (net, perm.clone()), "on an FCNet(hidden=8) and a permutation of 784 pixels",
                          returns="the new net (an FCNet)", kind=nn.Module, errors=[
                              ("^IndexError", "fc1.weight has shape (8, 784), one row per hidden unit and one column per pixel; it is the pixels you reorder.")])
    if twin is None:
        return False
    with torch.no_grad():
        got = learner_result(twin, "the net you returned", (images,), "on images (5, 1, 28, 28)")
    if got is None:
        return False
    if any(not torch.equal(before[k], v) for k, v in net.state_dict().items()):
        return not_yet("you changed the original net: copy it first (copy.deepcopy), then edit the copy.")
    if twin is net:
        return not_yet("you returned the original net itself: return a new one, a copy with fc1 changed.")
    wrong_way = copy.deepcopy(net)
    with torch.no_grad():
        wrong_way.fc1.weight.copy_(net.fc1.weight[:, perm])
    mistakes = [(lambda: _scores(net, images), "your net gives the scores of the unchanged net on the ordinary images: reorder the columns of fc1.weight."),
                (lambda: _scores(wrong_way, images), "you reordered the columns the way perm shuffles the pixels, which is the way to build the permuted "
                                                     "net, not to undo it: you need the inverse permutation.")]
    if not compare(got, want, "on 5 random images", mistakes, "only fc1's weight should change, and only in the order of its columns.",
                   "the permuted net on permuted images", atol=1e-5, axes=("image", "class"),
                   shape="the returned net should give scores of shape {want}, not {got}."):
        return False
    return verdict(True, "a column per pixel, moved back to its pixel: the net trained on shuffled digits reads ordinary ones, with the same scores.", "")
