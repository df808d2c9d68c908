"""Self-checks for the exercises of 07_feature_binding; `check_bag_of_features` is the build exercise (a bag of
features, against the notebook's `bag_of_features` on random maps)."""

from __future__ import annotations

from typing import Any, Mapping

import torch
import torch.nn as nn

from helpers.exercises import compare, learner_result, not_yet, verdict
from helpers.feature_binding_strokes import StrokePath, Sweep, bag_of_features, cosine, crossing, sweep

__all__ = ["check_path", "check_crossing", "check_bag_answer", "check_bag_of_features"]


def check_path(model: nn.Module, path: StrokePath, threshold: float = 0.8, steps: int = 41) -> bool:
    """07, exercise 1: does `model` read your path's first and last keyframes as labelled, with probability >= threshold?"""
    if path.labels[0] == "" or path.labels[-1] == "":
        return not_yet("label the first and last keyframes with the digits you drew, e.g. labels=('7', '9').")
    s = sweep(model, path, steps)
    want = (int(path.labels[0]), int(path.labels[-1]))
    got = tuple(int(c) for c in s.predictions[[0, -1]])
    conf = tuple(round(float(c), 2) for c in s.confidence[[0, -1]])
    if want[0] == want[1]:
        return not_yet("the first and last digits are the same: move the stroke so that the digit changes.")
    if got != want:
        return not_yet(f"the net reads the ends as {got[0]} and {got[1]}, not {want[0]} and {want[1]}: "
                       "look at path.images(torch.tensor([0., 1.])) beside real digits and reshape the strokes.")
    if min(conf) < threshold:
        return not_yet(f"the ends read right but with probabilities {conf}, below {threshold}: make the digits clearer.")
    return verdict(True, f"the net reads {want[0]} (p = {conf[0]}) at the start and {want[1]} (p = {conf[1]}) at the end.", "")


def check_crossing(sweep_: Sweep, answer: float, tolerance: float = 0.05) -> bool:
    """07, exercise 2: the position at which the end digit's probability overtakes the start digit's."""
    truth = crossing(sweep_)
    return verdict(abs(answer - truth) <= tolerance, f"the curves cross near position {answer:.2f}.",
                   f"look {'later' if answer < truth else 'earlier'} along the path: find where the two curves of "
                   "plot_sweeps cross.")


def check_bag_answer(views: Mapping[str, torch.Tensor], answer: str) -> bool:
    """07, exercise 3: are the pool2 bags of features of a path's two ends 'more' or 'less' alike than the pool1 bags?"""
    if answer not in ("more", "less"):
        return not_yet("answer 'more' or 'less'.")
    c1 = cosine(bag_of_features(views["pool1"][:1]), bag_of_features(views["pool1"][-1:]))
    c2 = cosine(bag_of_features(views["pool2"][:1]), bag_of_features(views["pool2"][-1:]))
    truth = "more" if c2 > c1 else "less"
    why = ("second-layer features respond to combinations of strokes (a loop joined to a line on one side or the "
           "other), so which of them are present already says something about the arrangement" if truth == "less" else
           "on this path even the second layer's features are present at both ends in the same amounts")
    return verdict(answer == truth, f"cosine {c1:.3f} at pool1, {c2:.3f} at pool2: {why}.",
                   "compute cosine(bag_of_features(...)) of the first and last steps for both layers and compare.")


def check_bag_of_features(fn: Any) -> bool:
    """07, exercise 4: `fn(maps)` turns maps (N, C, H, W) into a bag of features (N, C), each map's mean over its positions;
    run on random maps of two sizes, and on the same maps with their positions shuffled."""
    g = torch.Generator().manual_seed(7)
    for shape in ((3, 5, 4, 6), (2, 20, 12, 12)):
        maps = torch.rand(shape, generator=g)
        h, w = shape[2:]
        where, want = f"on maps of shape {shape}", bag_of_features(maps)
        out = learner_result(fn, "my_bag_of_features", (maps.clone(),), where, returns="a tensor of shape (N, C)")
        if out is None:
            return False
        channels = (f"you pooled over the channels (shape {tuple(out.shape)}): keep one number per feature map, and pool over the "
                    "positions of each map instead.")
        one = "your bag holds the value of one position only: every position of a map should count, wherever the feature is."
        mistakes = [(maps.mean(1), channels), (maps.sum(1), channels), (maps.amax(1), channels),
                    *((maps.flatten(2)[:, :, k], one) for k in range(h * w)),
                    (maps.sum((2, 3)), f"that is a sum over positions, {h * w} times too large on {h}x{w} maps: the notebook's bag "
                                       "averages, so its size does not depend on the map's size."),
                    (maps.amax((2, 3)), "that keeps the strongest response of each map, a bag too, but the notebook's bag averages "
                                        "over the positions.")]
        if not compare(out, want, where, mistakes, "each entry is one map's average over all its positions.", "bag_of_features",
                       atol=1e-5, axes=("image", "map"), shape="my_bag_of_features should give a bag of shape {want}, not {got}: "
                                                                "one number per image and feature map."):
            return False
        shuffled = maps.flatten(2)[:, :, torch.randperm(h * w, generator=g)].reshape(shape)
        moved = learner_result(fn, "my_bag_of_features", (shuffled,), f"{where}, shuffled")
        if moved is None or not compare(moved, want, f"{where}, its positions shuffled", [], "shuffling the positions of the "
                                        "maps changed your bag: a bag of features must not depend on where a feature is.",
                                        "bag_of_features", atol=1e-5, axes=("image", "map")):
            return False
    return verdict(True, "one number per feature map, the same wherever the features are: the 'which' without the 'where'.", "")
