"""Self-checks for the exercises of 07_feature_binding: `check_path`, `check_crossing`,
`check_bag_answer`.

Each prints "Right: ..." or "Not yet: ..." with a hint, never the solution, and returns True or False.
"""

from __future__ import annotations

from typing import Mapping

import torch
import torch.nn as nn

from helpers.exercises import verdict
from helpers.feature_binding_strokes import StrokePath, Sweep, bag_of_features, cosine, crossing, sweep

__all__ = ["check_path", "check_crossing", "check_bag_answer"]


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
