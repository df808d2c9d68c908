"""Strokes moving from digit to digit, a net's sweep along them, what each LeNet5 stage sees (07_feature_binding)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import torch
import torch.nn as nn

from helpers.anatomy import run_layers
from helpers.raster import arc, draw, line, resample
from helpers.train import check_model, predict

__all__ = ["rotate", "StrokePath", "moving_path", "digit_paths", "Sweep", "sweep", "switches", "confident_ends",
           "VIEWS", "lenet_views", "progress", "steepness", "bag_of_features", "cosine", "crossing"]


def rotate(points: torch.Tensor, centre: Sequence[float], degrees: float) -> torch.Tensor:
    """A stroke (P, 2) turned by `degrees` around `centre` (clockwise on screen, as y points down)."""
    a = math.radians(degrees)
    r = torch.tensor([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]], dtype=torch.float32)
    c = torch.tensor([float(v) for v in centre], dtype=torch.float32)
    return (points.float() - c) @ r.T + c


@dataclass
class StrokePath:
    """A drawing whose stroke `moving` goes through `keyframes` (K, P, 2), the others fixed; t in [0, 1] runs through
    the keyframes evenly, linearly in between; `labels`: each keyframe's digit, e.g. ("1", "7", "4"), "" between."""

    name: str
    fixed: dict[str, torch.Tensor]
    moving: str
    keyframes: torch.Tensor
    labels: tuple[str, ...]

    def stroke_at(self, t: torch.Tensor | float) -> torch.Tensor:
        """The moving stroke at positions t (T,) in [0, 1]: (T, P, 2) (or (P, 2) for a float t)."""
        scalar = not isinstance(t, torch.Tensor) or t.dim() == 0
        t = torch.as_tensor(t, dtype=torch.float32).reshape(-1).clamp(0, 1)
        pos = t * (len(self.keyframes) - 1)
        i = pos.floor().long().clamp(max=len(self.keyframes) - 2)
        w = (pos - i).view(-1, 1, 1)
        out = (1 - w) * self.keyframes[i] + w * self.keyframes[i + 1]
        return out[0] if scalar else out

    def drawings(self, t: torch.Tensor) -> list[dict[str, torch.Tensor]]:
        """The whole drawing at each position t (T,)."""
        moving = self.stroke_at(t.reshape(-1))
        return [{**self.fixed, self.moving: m} for m in moving]

    def images(self, t: torch.Tensor) -> torch.Tensor:
        """Images (T, 1, 28, 28) of the drawing at positions t (T,)."""
        return draw(self.drawings(t))

    def labelled(self) -> list[tuple[float, int]]:
        """(position t, digit) of every keyframe that has a label."""
        ts = torch.linspace(0, 1, len(self.keyframes)).tolist()
        return [(t, int(lab)) for t, lab in zip(ts, self.labels) if lab != ""]


def moving_path(name: str, fixed: Mapping[str, torch.Tensor], moving: str, poses: Sequence[torch.Tensor],
                labels: Sequence[str], points: int = 25) -> StrokePath:
    """A StrokePath from poses of the moving stroke (each a polyline (P_k, 2)), resampled to `points` points."""
    if len(poses) < 2:
        raise ValueError(f"A path needs at least two poses of the moving stroke, got {len(poses)}.")
    keys = torch.stack([resample(p, points) for p in poses])
    return StrokePath(name, dict(fixed), moving, keys, tuple(labels))


def digit_paths() -> dict[str, StrokePath]:
    """The course's four paths in a unit box (x right, y down), each moving one stroke: 1-7-4 (a bar swings from a
    1's stem to a 7's top bar, then bends into an open 4), 9-6 (the same loop slides from the stem's top left to its
    bottom right), 5-6 (a 5's top bar drops to close its bowl), 3-9 (a half loop swings over to close a 3's top)."""
    stem = line((0.62, 0.0), (0.48, 1.0))
    one_seven_four = moving_path(
        "1-7-4", {"stem": stem}, "bar",
        [line((0.62, 0.0), (0.6, 0.15)), line((0.1, 0.0), (0.62, 0.0)), line((0.3, 0.0), (0.1, 0.6), (0.8, 0.6))],
        ("1", "7", "4"))
    nine_six = moving_path(
        "9-6", {"stem": line((0.55, 0.0), (0.5, 1.0))}, "loop",
        [arc(0.31, 0.25, 0.24, 0.24, 0, 360, 33), arc(0.76, 0.75, 0.24, 0.24, 0, 360, 33)],
        ("9", "6"))
    bowl = arc(0.5, 0.72, 0.34, 0.27, 215, 510)
    top = torch.cat([arc(0.9, 0.55, 0.62, 0.55, 200, 250, 9)[:-1], bowl[:1]])
    five_six = moving_path(
        "5-6", {"top": top, "bowl": bowl}, "bar",
        [line((float(top[0, 0]), 0.0), (float(top[0, 0]) + 0.55, 0.0)), torch.stack([bowl[-1], bowl[0]])],
        ("5", "6"))
    centre = (0.45, 0.25)
    upper = arc(0.45, 0.25, 0.28, 0.25, -100, 90)
    lower = torch.cat([line((0.73, 0.25), (0.72, 0.75)), arc(0.45, 0.75, 0.27, 0.3, 0, 105)])
    half = arc(0.45, 0.25, 0.28, 0.25, 90, 260)
    three_nine = moving_path(
        "3-9", {"upper": upper, "lower": lower}, "half", [rotate(half, centre, 180 - 30 * k) for k in range(7)],
        ("3", "", "", "", "", "", "9"))
    return {p.name: p for p in (one_seven_four, nine_six, five_six, three_nine)}


@dataclass
class Sweep:
    """A classifier run along a path: positions t (T,), images (T, 1, 28, 28), probabilities (T, C)."""

    path: StrokePath
    t: torch.Tensor
    images: torch.Tensor
    probabilities: torch.Tensor

    @property
    def predictions(self) -> torch.Tensor:
        """The predicted class at each position: (T,) int64."""
        return self.probabilities.argmax(1)

    @property
    def confidence(self) -> torch.Tensor:
        """The probability of the predicted class at each position: (T,)."""
        return self.probabilities.amax(1)


def sweep(model: nn.Module, path: StrokePath, steps: int = 41) -> Sweep:
    """The model's class probabilities (softmax of its outputs (N, C)) at `steps` positions of the moving stroke."""
    check_model(model, None, "sweep")
    t = torch.linspace(0, 1, steps)
    images = path.images(t)
    probs = torch.softmax(predict(model, images).float(), 1)
    return Sweep(path, t, images, probs)


def switches(predictions: torch.Tensor) -> list[tuple[int, int, int]]:
    """(index, old class, new class) wherever the predicted classes (T,) change, index being the new class's first."""
    p = predictions.reshape(-1).tolist()
    return [(i, p[i - 1], p[i]) for i in range(1, len(p)) if p[i] != p[i - 1]]


def confident_ends(probabilities: torch.Tensor, threshold: float = 0.8) -> tuple[int, int] | None:
    """The classes (first, last) predicted at the ends of probabilities (T, C) if they differ and are >= threshold."""
    (p0, c0), (p1, c1) = (probabilities[0].max(0), probabilities[-1].max(0))
    if c0 == c1 or p0 < threshold or p1 < threshold:
        return None
    return int(c0), int(c1)


VIEWS = ("input", "pool1", "pool2", "fc1", "probabilities")


def lenet_views(model: nn.Module, images: torch.Tensor) -> dict[str, torch.Tensor]:
    """What each stage of a helpers.lenet5.LeNet5 computes for images (N, 1, 28, 28): the input, pool1 (N, 20, 12, 12)
    and pool2 (N, 50, 4, 4) (after ReLU and max pooling), fc1 (N, 500) after ReLU, probabilities (N, 10)."""
    out = {o.name: o.output.cpu() for o in run_layers(model, images, ["pool1", "pool2", "fc1", "fc2"])}
    return dict(zip(VIEWS, (images.cpu(), out["pool1"], out["pool2"], out["fc1"].relu(), out["fc2"].softmax(1))))


def progress(activations: torch.Tensor) -> torch.Tensor:
    """How far each step has gone from the first step's activations (T, ...) towards the last's, (T,) from 0 to 1:
    d(a_t, a_0) / (d(a_t, a_0) + d(a_t, a_T)), Euclidean. A smooth change climbs steadily, a switch jumps."""
    a = activations.flatten(1).double()
    d0, d1 = (a - a[0]).norm(dim=1), (a - a[-1]).norm(dim=1)
    return (d0 / (d0 + d1)).float()


def steepness(curve: torch.Tensor) -> float:
    """The largest rise of a progress curve (T,) between steps, per unit of path position: about 1 if steady."""
    c = curve.reshape(-1)
    return float((c[1:] - c[:-1]).max() * (len(c) - 1))


def bag_of_features(maps: torch.Tensor) -> torch.Tensor:
    """Which features are present, not where: each map's mean over positions, (N, C, H, W) -> (N, C)."""
    return maps.mean((2, 3))


def cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    """Cosine similarity of two tensors of the same number of elements, flattened."""
    return float(torch.nn.functional.cosine_similarity(a.flatten().double(), b.flatten().double(), dim=0))


def crossing(sweep_: Sweep) -> float:
    """The position where the end's class first overtakes the start's, interpolated between steps."""
    c0, c1 = int(sweep_.predictions[0]), int(sweep_.predictions[-1])
    if c0 == c1:
        raise ValueError("The prediction is the same at both ends of this sweep: there is no crossing.")
    gap = sweep_.probabilities[:, c1] - sweep_.probabilities[:, c0]  # < 0 at the start, > 0 at the end
    i = int(torch.nonzero(gap > 0).flatten()[0])
    g0, g1 = float(gap[i - 1]), float(gap[i])
    t0, t1 = float(sweep_.t[i - 1]), float(sweep_.t[i])
    return t0 + (t1 - t0) * (-g0) / (g1 - g0)
