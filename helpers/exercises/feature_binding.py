"""Self-checks for the exercises of 07_feature_binding: `check_path`, `check_crossing`,
`check_bag_answer`, and `check_bag_of_features` (exercise 4: your own bag of features, run on random
maps against the notebook's `bag_of_features`).

Each prints "Right: ..." or "Not yet: ..." with a hint, never the solution, and returns True or False.
"""

from __future__ import annotations

from typing import Callable, Mapping

import torch
import torch.nn as nn

from helpers.exercises import verdict
from helpers.feature_binding_strokes import StrokePath, Sweep, bag_of_features, cosine, crossing, sweep

__all__ = ["check_path", "check_crossing", "check_bag_answer", "check_bag_of_features"]


def check_path(model: nn.Module, path: StrokePath, threshold: float = 0.8, steps: int = 41) -> bool:
    """07, exercise 1: does `model` read your path's first and last keyframes as labelled, each with
    probability >= threshold, and change its answer on the way?"""
    if path.labels[0] == "" or path.labels[-1] == "":
        return verdict(False, "", "label the first and last keyframes with the digits you drew, e.g. labels=('7', '9').")
    s = sweep(model, path, steps)
    want = (int(path.labels[0]), int(path.labels[-1]))
    got = tuple(int(c) for c in s.predictions[[0, -1]])
    conf = tuple(round(float(c), 2) for c in s.confidence[[0, -1]])
    if want[0] == want[1]:
        return verdict(False, "", "the first and last digits are the same: move the stroke so that the digit changes.")
    if got != want:
        return verdict(False, "", f"the net reads the ends as {got[0]} and {got[1]}, not {want[0]} and {want[1]}: "
                        "look at path.images(torch.tensor([0., 1.])) beside real digits and reshape the strokes.")
    if min(conf) < threshold:
        return verdict(False, "", f"the ends read right but with probabilities {conf}, below {threshold}: make the digits clearer.")
    return verdict(True, f"the net reads {want[0]} (p = {conf[0]}) at the start and {want[1]} (p = {conf[1]}) at the end.", "")


def check_crossing(sweep_: Sweep, answer: float, tolerance: float = 0.05) -> bool:
    """07, exercise 2: the position at which the end digit's probability overtakes the start digit's."""
    truth = crossing(sweep_)
    if abs(answer - truth) <= tolerance:
        return verdict(True, f"the curves cross near position {answer:.2f}.", "")
    hint = "later" if answer < truth else "earlier"
    return verdict(False, "", f"look {hint} along the path: find where the two curves of plot_sweeps cross.")


def check_bag_answer(views: Mapping[str, torch.Tensor], answer: str) -> bool:
    """07, exercise 3: are the pool2 bags of features of a path's two ends 'more' or 'less' alike
    than the pool1 bags?"""
    if answer not in ("more", "less"):
        return verdict(False, "", "answer 'more' or 'less'.")
    c1 = cosine(bag_of_features(views["pool1"][:1]), bag_of_features(views["pool1"][-1:]))
    c2 = cosine(bag_of_features(views["pool2"][:1]), bag_of_features(views["pool2"][-1:]))
    truth = "more" if c2 > c1 else "less"
    if answer == truth:
        if truth == "less":
            why = ("second-layer features respond to combinations of strokes (a loop joined to a line on one "
                   "side or the other), so which of them are present already says something about the arrangement")
        else:
            why = "on this path even the second layer's features are present at both ends in the same amounts"
        return verdict(True, f"cosine {c1:.3f} at pool1, {c2:.3f} at pool2: {why}.", "")
    return verdict(False, "", "compute cosine(bag_of_features(...)) of the first and last steps for both layers and compare.")


def _same(out: object, want: torch.Tensor) -> bool:
    return isinstance(out, torch.Tensor) and out.shape == want.shape and torch.allclose(out.float(), want, atol=1e-5)


def check_bag_of_features(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """07, exercise 4: `fn(maps)` turns maps (N, C, H, W) into a bag of features (N, C), each map's mean
    over its positions; run on random maps of two sizes and on the same maps with their positions shuffled."""
    if not callable(fn):
        return verdict(False, "", "pass your function itself, e.g. check_bag_of_features(my_bag_of_features).")
    g = torch.Generator().manual_seed(7)
    for shape in ((3, 5, 4, 6), (2, 20, 12, 12)):
        maps = torch.rand(shape, generator=g)
        n, c, h, w = shape
        try:
            out = fn(maps.clone())
        except Exception as err:  # noqa: BLE001  (any failure of the learner's code becomes one sentence)
            return verdict(False, "", f"your function raised {type(err).__name__} on maps of shape {tuple(shape)}: {err}")
        want = bag_of_features(maps)
        if _same(out, want):
            shuffled = maps.flatten(2)[:, :, torch.randperm(h * w, generator=g)].reshape(shape)
            try:
                moved = fn(shuffled)
            except Exception as err:  # noqa: BLE001
                return verdict(False, "", f"your function raised {type(err).__name__} on shuffled maps: {err}")
            if not _same(moved, want):
                return verdict(False, "", "shuffling the positions of the maps changed your bag: a bag of "
                                          "features must not depend on where a feature is.")
            continue
        if not isinstance(out, torch.Tensor):
            return verdict(False, "", f"return a tensor of shape (N, C), not a {type(out).__name__}.")
        if _same(out, maps.mean(1)) or _same(out, maps.sum(1)) or _same(out, maps.amax(1)):
            return verdict(False, "", f"you pooled over the channels (shape {tuple(out.shape)}): keep one number "
                                      "per feature map, and pool over the positions of each map instead.")
        single = maps.flatten(2)
        if out.shape == want.shape and any(torch.allclose(out.float(), single[:, :, k]) for k in range(h * w)):
            return verdict(False, "", "your bag holds the value of one position only: every position of a map "
                                      "should count, wherever the feature is.")
        if _same(out, maps.sum((2, 3))):
            return verdict(False, "", f"that is a sum over positions, {h * w} times too large on {h}x{w} maps: "
                                      "the notebook's bag averages, so its size does not depend on the map's size.")
        if _same(out, maps.amax((2, 3))):
            return verdict(False, "", "that keeps the strongest response of each map, a bag too, but the "
                                      "notebook's bag averages over the positions.")
        if out.shape != want.shape:
            return verdict(False, "", f"maps of shape {tuple(shape)} should give a bag of shape {(n, c)}, "
                                      f"not {tuple(out.shape)}: one number per image and feature map.")
        i, j = [int(k) for k in torch.nonzero(~torch.isclose(out.float(), want, atol=1e-5))[0]]
        return verdict(False, "", f"on maps of shape {tuple(shape)}, image {i}, map {j}: you give "
                                  f"{float(out[i, j]):.4f}, the bag holds {float(want[i, j]):.4f}; "
                                  "each entry is one map's average over all its positions.")
    return verdict(True, "one number per feature map, the same wherever the features are: the 'which' "
                         "without the 'where'.", "")
