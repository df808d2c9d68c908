"""Digits drawn from strokes, and a stroke that moves from one digit to another (07_feature_binding).

A *stroke* is a polyline, a float tensor (P, 2) of (x, y) points with x to the right and y down, in
any units (the templates use a unit box). A *drawing* is a dict {name: stroke}. Drawings become
28x28 images in two steps, both batched tensor maths with no per-pixel Python loop:

1. `normalise`: scale and move the strokes as MNIST did its digits: the ink fits a 20x20 box
   (aspect ratio kept), then the ink's centre of mass goes to the centre of the 28x28 field.
2. `rasterise`: every pixel's distance to the nearest segment, through a smooth profile
   (1 on the stroke's core, 0 beyond its edge, a smoothstep in between): anti-aliased ink.

A `StrokePath` keeps all strokes of a drawing fixed but one, which it moves through keyframes
(1 -> 7 -> 4 ...); `sweep` runs a classifier along such a path and `switches` / `confident_ends`
say where and how its answer changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import torch
import torch.nn as nn

from helpers.inputs import model_device
from helpers.train import check_model

SIZE = 28  # MNIST's field
BOX = 20  # MNIST's digits fit a 20x20 box inside the field
RADIUS = 1.4  # half the stroke width in pixels: ink across a stroke = 2 * RADIUS, as in MNIST's 1s
SOFTNESS = 0.9  # half the width of the anti-aliased edge, in pixels

Drawing = Mapping[str, torch.Tensor]


# ----------------------------------------------------------------------------------------------
# strokes


def _check_stroke(points: torch.Tensor, name: str = "stroke") -> torch.Tensor:
    if not isinstance(points, torch.Tensor) or points.dim() != 2 or points.shape[-1] != 2 or len(points) < 1:
        shape = tuple(points.shape) if isinstance(points, torch.Tensor) else type(points).__name__
        raise ValueError(f"A {name} is a tensor of (x, y) points of shape (P, 2) with P >= 1, got {shape}; build it with line() or arc().")
    return points.to(torch.float32)


def line(*points: Sequence[float]) -> torch.Tensor:
    """A polyline through the given (x, y) points: line((0, 0), (1, 1)) -> tensor (2, 2)."""
    if len(points) < 1:
        raise ValueError("line() needs at least one (x, y) point, like line((0.2, 0.1), (0.8, 0.1)).")
    pts = torch.tensor([tuple(map(float, p)) for p in points], dtype=torch.float32)
    return _check_stroke(pts, "line")


def arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, n: int = 17) -> torch.Tensor:
    """`n` points (n, 2) on an ellipse arc around (cx, cy) with radii (rx, ry), from angle `start` to
    `end` in degrees; 0 deg points right and angles grow clockwise on screen (y points down)."""
    if n < 2:
        raise ValueError(f"An arc needs n >= 2 points, got {n}.")
    a = torch.linspace(math.radians(start), math.radians(end), n, dtype=torch.float64)
    return torch.stack([cx + rx * torch.cos(a), cy + ry * torch.sin(a)], 1).to(torch.float32)


def resample(points: torch.Tensor, n: int) -> torch.Tensor:
    """The same polyline (P, 2) as `n` points (n, 2) evenly spaced along its length, so that two
    strokes with different point counts can be interpolated."""
    pts = _check_stroke(points)
    if n < 2:
        raise ValueError(f"resample needs n >= 2 points, got {n}.")
    if len(pts) == 1:
        return pts.expand(n, 2).clone()
    seg = (pts[1:] - pts[:-1]).norm(dim=1)
    cum = torch.cat([torch.zeros(1), seg.cumsum(0)])
    if cum[-1] == 0:
        return pts[:1].expand(n, 2).clone()
    s = torch.linspace(0, float(cum[-1]), n)
    i = torch.searchsorted(cum, s, right=True).clamp(1, len(pts) - 1)
    t = ((s - cum[i - 1]) / seg[i - 1].clamp_min(1e-12)).clamp(0, 1).unsqueeze(1)
    return pts[i - 1] + t * (pts[i] - pts[i - 1])


def segments(strokes: Sequence[torch.Tensor]) -> torch.Tensor:
    """All segments of some strokes as one tensor (S, 2, 2): segment s runs from [s, 0] to [s, 1].
    A one-point stroke becomes a dot (a segment of length 0)."""
    if len(strokes) == 0:
        raise ValueError("segments() needs at least one stroke.")
    parts = []
    for k, p in enumerate(strokes):
        p = _check_stroke(p, f"stroke #{k}")
        parts.append(torch.stack([p, p], 1) if len(p) == 1 else torch.stack([p[:-1], p[1:]], 1))
    return torch.cat(parts)


# ----------------------------------------------------------------------------------------------
# rasterising


def pixel_centres(size: int = SIZE) -> torch.Tensor:
    """The (x, y) coordinates of the pixel centres of a size x size image, row by row: (size*size, 2).
    Pixel (row i, column j) has its centre at x = j, y = i."""
    ys, xs = torch.meshgrid(torch.arange(size, dtype=torch.float32), torch.arange(size, dtype=torch.float32), indexing="ij")
    return torch.stack([xs.flatten(), ys.flatten()], 1)


def segment_distance(points: torch.Tensor, segs: torch.Tensor) -> torch.Tensor:
    """Distance from every point to the nearest segment.

    points (M, 2); segs (S, 2, 2) or a batch (N, S, 2, 2); returns (M,) or (N, M).
    For a segment a -> b the nearest point is a + t (b - a) with t = clamp((p - a).(b - a) / |b - a|^2, 0, 1).
    """
    if points.dim() != 2 or points.shape[1] != 2:
        raise ValueError(f"points must have shape (M, 2), got {tuple(points.shape)}.")
    single = segs.dim() == 3
    if single:
        segs = segs.unsqueeze(0)
    if segs.dim() != 4 or segs.shape[-2:] != (2, 2) or segs.shape[1] < 1:
        raise ValueError(f"segments must have shape (S, 2, 2) or (N, S, 2, 2) with S >= 1, got {tuple(segs.shape)}; build them with segments().")
    a = segs[:, :, 0].unsqueeze(2)  # (N, S, 1, 2)
    ab = (segs[:, :, 1] - segs[:, :, 0]).unsqueeze(2)  # (N, S, 1, 2)
    ap = points.unsqueeze(0).unsqueeze(0) - a  # (N, S, M, 2)
    t = ((ap * ab).sum(-1) / (ab * ab).sum(-1).clamp_min(1e-12)).clamp(0, 1)  # (N, S, M)
    d = (ap - t.unsqueeze(-1) * ab).norm(dim=-1).amin(1)  # (N, M)
    return d[0] if single else d


def profile(distance: torch.Tensor, radius: float = RADIUS, softness: float = SOFTNESS) -> torch.Tensor:
    """Ink at a given distance from a stroke's centre line: 1 up to radius - softness, 0 from
    radius + softness on, a smoothstep in between (0.5 at `radius`). Same shape as `distance`."""
    if radius <= 0 or softness <= 0:
        raise ValueError(f"radius and softness must be > 0 pixels, got {radius} and {softness}.")
    u = ((radius + softness - distance) / (2 * softness)).clamp(0, 1)
    return u * u * (3 - 2 * u)


def rasterise(segs: torch.Tensor, size: int = SIZE, radius: float = RADIUS, softness: float = SOFTNESS) -> torch.Tensor:
    """Anti-aliased ink of segments given in pixel coordinates: (S, 2, 2) -> (1, 1, size, size),
    (N, S, 2, 2) -> (N, 1, size, size), values in [0, 1]. Where strokes cross, ink does not add up."""
    d = segment_distance(pixel_centres(size), segs)
    return profile(d, radius, softness).reshape(-1, 1, size, size)


def centre_of_mass(images: torch.Tensor) -> torch.Tensor:
    """The ink's centre of mass (x, y) in pixel coordinates of images (N, 1, H, W): (N, 2)."""
    if images.dim() != 4 or images.shape[1] != 1:
        raise ValueError(f"centre_of_mass expects images of shape (N, 1, H, W), got {tuple(images.shape)}.")
    m = images[:, 0]
    total = m.sum((1, 2)).clamp_min(1e-12)
    ys = torch.arange(m.shape[1], dtype=m.dtype)
    xs = torch.arange(m.shape[2], dtype=m.dtype)
    return torch.stack([(m.sum(1) * xs).sum(1) / total, (m.sum(2) * ys).sum(1) / total], 1)


def placement(segs: torch.Tensor, size: int = SIZE, box: int = BOX, radius: float = RADIUS,
              softness: float = SOFTNESS, centre: float = 14.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Where MNIST would put a drawing: scale (N,) and offset (N, 2) such that `segs * scale + offset`
    are pixel coordinates. segs (N, S, 2, 2) in any units. The ink (centre lines plus the stroke's
    edge) fills `box` pixels along its longer side, and its centre of mass sits at (centre, centre);
    MNIST's digits have theirs at pixel 14."""
    if segs.dim() != 4 or segs.shape[-2:] != (2, 2):
        raise ValueError(f"placement and normalise expect segments of shape (N, S, 2, 2), got {tuple(segs.shape)}; stack frames of segments().")
    pts = segs.reshape(len(segs), -1, 2)
    lo, hi = pts.amin(1), pts.amax(1)  # (N, 2)
    extent = (hi - lo).amax(1).clamp_min(1e-6)  # (N,)
    ink = box - 2 * (radius + softness)  # pixels the centre lines may span so that the ink spans `box`
    scale = ink / extent
    offset = (size - 1) / 2 - (lo + hi) / 2 * scale.unsqueeze(1)
    for _ in range(2):  # the sampled centre of mass moves with the strokes up to grid effects: refine once
        placed = segs * scale.view(-1, 1, 1, 1) + offset.view(-1, 1, 1, 2)
        offset = offset + centre - centre_of_mass(rasterise(placed, size, radius, softness))
    return scale, offset


def normalise(segs: torch.Tensor, size: int = SIZE, box: int = BOX, radius: float = RADIUS,
              softness: float = SOFTNESS, centre: float = 14.0) -> torch.Tensor:
    """Segments (N, S, 2, 2) in any units moved to pixel coordinates the MNIST way (see placement):
    the ink fits a `box` x `box` square and its centre of mass sits at the field's centre."""
    scale, offset = placement(segs, size, box, radius, softness, centre)
    return segs * scale.view(-1, 1, 1, 1) + offset.view(-1, 1, 1, 2)


def _stack(drawings: Sequence[Drawing]) -> torch.Tensor:
    segs = [segments(list(d.values())) for d in drawings]
    s = max(len(x) for x in segs)
    # pad with copies of a segment so that all frames stack; a repeated segment draws nothing new
    return torch.stack([torch.cat([x, x[:1].expand(s - len(x), 2, 2)]) for x in segs])


def placed(drawing: Drawing, size: int = SIZE) -> dict[str, torch.Tensor]:
    """The strokes of one drawing in the pixel coordinates `draw` puts them at: {name: (P, 2)}
    (to draw the centre lines over the image)."""
    scale, offset = placement(_stack([drawing]), size)
    return {k: _check_stroke(v) * scale[0] + offset[0] for k, v in drawing.items()}


def draw(drawings: Drawing | Sequence[Drawing], size: int = SIZE, radius: float = RADIUS,
         softness: float = SOFTNESS) -> torch.Tensor:
    """One drawing {name: stroke} or a list of them, normalised like MNIST and rasterised:
    images (N, 1, size, size) in [0, 1]."""
    if isinstance(drawings, Mapping):
        drawings = [drawings]
    if len(drawings) == 0:
        raise ValueError("draw() needs at least one drawing {name: stroke}.")
    return rasterise(normalise(_stack(drawings), size, radius=radius, softness=softness), size, radius, softness)


# ----------------------------------------------------------------------------------------------
# moving strokes


def rotate(points: torch.Tensor, centre: Sequence[float], degrees: float) -> torch.Tensor:
    """A stroke (P, 2) turned by `degrees` around `centre` (clockwise on screen, as y points down)."""
    pts = _check_stroke(points)
    a = math.radians(degrees)
    r = torch.tensor([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]], dtype=torch.float32)
    c = torch.tensor([float(v) for v in centre], dtype=torch.float32)
    return (pts - c) @ r.T + c


# ----------------------------------------------------------------------------------------------
# a stroke that moves


@dataclass
class StrokePath:
    """A drawing whose stroke `moving` goes through `keyframes` (K, P, 2) while the others stay put.

    `labels` names the digit each keyframe is drawn to be (one per keyframe, "" for a pose in between),
    e.g. ("1", "7", "4"). Position t in [0, 1] runs through the keyframes at equal spacing, linearly
    in between.
    """

    name: str
    fixed: dict[str, torch.Tensor]
    moving: str
    keyframes: torch.Tensor
    labels: tuple[str, ...]
    notes: str = ""

    def __post_init__(self) -> None:
        k = self.keyframes
        if k.dim() != 3 or k.shape[-1] != 2 or len(k) < 2:
            raise ValueError(f"keyframes must have shape (K, P, 2) with K >= 2, got {tuple(k.shape)}; stack strokes resampled to the same P.")
        if len(self.labels) != len(k):
            raise ValueError(f"Give one label per keyframe: {len(k)} keyframes, {len(self.labels)} labels.")
        if any(lab not in ("",) + tuple("0123456789") for lab in self.labels):
            raise ValueError(f"Labels are digits '0'..'9' or '' for a pose in between, got {self.labels}.")

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

    def images(self, t: torch.Tensor, size: int = SIZE) -> torch.Tensor:
        """Images (T, 1, size, size) of the drawing at positions t (T,)."""
        return draw(self.drawings(t), size)

    def keyframe_positions(self) -> torch.Tensor:
        """The positions t of the keyframes: (K,) from 0 to 1."""
        return torch.linspace(0, 1, len(self.keyframes))

    def labelled(self) -> list[tuple[float, int]]:
        """(position t, digit) of every keyframe that has a label."""
        ts = self.keyframe_positions().tolist()
        return [(t, int(lab)) for t, lab in zip(ts, self.labels) if lab != ""]


def moving_path(name: str, fixed: Mapping[str, torch.Tensor], moving: str, poses: Sequence[torch.Tensor],
                labels: Sequence[str], points: int = 25, notes: str = "") -> StrokePath:
    """A StrokePath from poses of the moving stroke (each a polyline (P_k, 2)), resampled to `points` points."""
    if len(poses) < 2:
        raise ValueError(f"A path needs at least two poses of the moving stroke, got {len(poses)}.")
    keys = torch.stack([resample(p, points) for p in poses])
    return StrokePath(name, dict(fixed), moving, keys, tuple(labels), notes)


def digit_paths() -> dict[str, StrokePath]:
    """The course's four paths, in a unit box (x right, y down), each moving one stroke:

    - "1-7-4": a bar lies along the stem of a 1, swings up into the top bar of a 7, then bends
      down and across the stem into the open 4 (the way many people write a 4);
    - "9-6": the same loop and stem, only the loop slides from the top left of the stem (9) to its
      bottom right (6): the pieces are identical, only their arrangement differs;
    - "5-6": the top bar of a 5 drops to close its bowl on the left, which makes a 6;
    - "3-9": a half loop lying on the upper bowl of a 3 swings over the top to close it into a 9.
    """
    stem = line((0.62, 0.0), (0.48, 1.0))
    one_seven_four = moving_path(
        "1-7-4", {"stem": stem}, "bar",
        [line((0.62, 0.0), (0.6, 0.15)), line((0.1, 0.0), (0.62, 0.0)), line((0.3, 0.0), (0.1, 0.6), (0.8, 0.6))],
        ("1", "7", "4"), notes="the bar lies on the stem (1), tops it (7), then crosses it (4)")
    nine_six = moving_path(
        "9-6", {"stem": line((0.55, 0.0), (0.5, 1.0))}, "loop",
        [arc(0.31, 0.25, 0.24, 0.24, 0, 360, 33), arc(0.76, 0.75, 0.24, 0.24, 0, 360, 33)],
        ("9", "6"), notes="the same loop and stem: the loop slides from top left to bottom right")
    bowl = arc(0.5, 0.72, 0.34, 0.27, 215, 510)
    top = torch.cat([arc(0.9, 0.55, 0.62, 0.55, 200, 250, 9)[:-1], bowl[:1]])
    five_six = moving_path(
        "5-6", {"top": top, "bowl": bowl}, "bar",
        [line((float(top[0, 0]), 0.0), (float(top[0, 0]) + 0.55, 0.0)), torch.stack([bowl[-1], bowl[0]])],
        ("5", "6"), notes="the top bar of the 5 drops to close its bowl")
    centre = (0.45, 0.25)
    upper = arc(0.45, 0.25, 0.28, 0.25, -100, 90)
    lower = torch.cat([line((0.73, 0.25), (0.72, 0.75)), arc(0.45, 0.75, 0.27, 0.3, 0, 105)])
    half = arc(0.45, 0.25, 0.28, 0.25, 90, 260)
    three_nine = moving_path(
        "3-9", {"upper": upper, "lower": lower}, "half", [rotate(half, centre, 180 - 30 * k) for k in range(7)],
        ("3", "", "", "", "", "", "9"), notes="a half loop lying on the 3's upper bowl swings round to close it")
    return {p.name: p for p in (one_seven_four, nine_six, five_six, three_nine)}


# ----------------------------------------------------------------------------------------------
# the sweep


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


@torch.no_grad()
def sweep(model: nn.Module, path: StrokePath, steps: int = 41) -> Sweep:
    """Move the stroke through `steps` positions and record the model's class probabilities.
    The model takes (N, 1, 28, 28) and returns logits or log-probabilities (N, C): softmax is applied."""
    check_model(model, None, "sweep")
    if steps < 2:
        raise ValueError(f"A sweep needs steps >= 2 positions, got {steps}.")
    t = torch.linspace(0, 1, steps)
    images = path.images(t)
    was_training = model.training
    model.eval()
    try:
        probs = torch.softmax(model(images.to(model_device(model))).float(), 1).cpu()
    finally:
        model.train(was_training)
    return Sweep(path, t, images, probs)


def switches(predictions: torch.Tensor) -> list[tuple[int, int, int]]:
    """Where a sequence of predicted classes (T,) changes: a list of (index, old class, new class),
    index being the first position with the new class."""
    p = predictions.reshape(-1).tolist()
    return [(i, p[i - 1], p[i]) for i in range(1, len(p)) if p[i] != p[i - 1]]


def confident_ends(probabilities: torch.Tensor, threshold: float = 0.8) -> tuple[int, int] | None:
    """(first class, last class) when the classes predicted at both ends of a path differ and each is
    predicted with probability >= threshold; None otherwise. probabilities (T, C)."""
    if probabilities.dim() != 2 or len(probabilities) < 2:
        raise ValueError(f"probabilities must have shape (T, C) with T >= 2, got {tuple(probabilities.shape)}.")
    (p0, c0), (p1, c1) = (probabilities[0].max(0), probabilities[-1].max(0))
    if c0 == c1 or p0 < threshold or p1 < threshold:
        return None
    return int(c0), int(c1)


# ----------------------------------------------------------------------------------------------
# what the layers see


LAYERS = ("input", "pool1", "pool2", "fc1", "probabilities")


@torch.no_grad()
def lenet_views(model: nn.Module, images: torch.Tensor) -> dict[str, torch.Tensor]:
    """What each stage of a helpers.lenet5.LeNet5 computes for images (N, 1, 28, 28):
    input (N, 1, 28, 28), pool1 (N, 20, 12, 12) and pool2 (N, 50, 4, 4) after ReLU and max pooling,
    fc1 (N, 500) after ReLU, probabilities (N, 10)."""
    for name in ("conv1", "pool1", "conv2", "pool2", "fc1", "fc2"):
        if not hasattr(model, name):
            raise TypeError(f"lenet_views needs a LeNet5-like model with a {name} layer; pass helpers.lenet5.LeNet5.")
    was_training = model.training
    model.eval()
    try:
        x = images.to(model_device(model))
        p1 = model.pool1(torch.relu(model.conv1(x)))
        p2 = model.pool2(torch.relu(model.conv2(p1)))
        f1 = torch.relu(model.fc1(p2.flatten(1)))
        probs = torch.softmax(model.fc2(f1), 1)
    finally:
        model.train(was_training)
    return {k: v.cpu() for k, v in zip(LAYERS, (x, p1, p2, f1, probs))}


def progress(activations: torch.Tensor) -> torch.Tensor:
    """How far each step of a path has gone from the first step's activations towards the last's:
    d(a_t, a_0) / (d(a_t, a_0) + d(a_t, a_T)) with Euclidean distances, for activations (T, ...);
    returns (T,) from 0 to 1. A smooth change climbs steadily, a switch jumps."""
    if activations.dim() < 2 or len(activations) < 2:
        raise ValueError(f"progress needs activations of shape (T, ...) with T >= 2 steps, got {tuple(activations.shape)}.")
    a = activations.flatten(1).double()
    d0 = (a - a[0]).norm(dim=1)
    d1 = (a - a[-1]).norm(dim=1)
    if float(d0[-1]) == 0.0:
        raise ValueError("The first and last steps have identical activations: progress along this path is undefined.")
    return (d0 / (d0 + d1)).float()


def steepness(curve: torch.Tensor) -> float:
    """The largest rise of a progress curve (T,) between neighbouring steps, per unit of path
    position (steps spaced 1 / (T - 1) apart): about 1 for a steady climb, large for a jump."""
    c = curve.reshape(-1)
    if len(c) < 2:
        raise ValueError(f"steepness needs a curve of at least 2 steps, got {len(c)}.")
    return float((c[1:] - c[:-1]).max() * (len(c) - 1))


def bag_of_features(maps: torch.Tensor) -> torch.Tensor:
    """Which features are present, not where: the mean of each feature map over positions,
    maps (N, C, H, W) -> (N, C)."""
    if maps.dim() != 4:
        raise ValueError(f"bag_of_features expects feature maps of shape (N, C, H, W), got {tuple(maps.shape)}.")
    return maps.mean((2, 3))


def cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    """Cosine similarity of two tensors of the same number of elements, flattened."""
    if a.numel() != b.numel():
        raise ValueError(f"cosine needs tensors with the same number of elements, got {a.numel()} and {b.numel()}.")
    return float(torch.nn.functional.cosine_similarity(a.flatten().double(), b.flatten().double(), dim=0))


def crossing(sweep_: Sweep) -> float:
    """The first position where the class predicted at the end overtakes the one predicted at the
    start, linearly interpolated between steps."""
    c0, c1 = int(sweep_.predictions[0]), int(sweep_.predictions[-1])
    if c0 == c1:
        raise ValueError("The prediction is the same at both ends of this sweep: there is no crossing.")
    gap = sweep_.probabilities[:, c1] - sweep_.probabilities[:, c0]  # < 0 at the start, > 0 at the end
    i = int(torch.nonzero(gap > 0).flatten()[0])
    g0, g1 = float(gap[i - 1]), float(gap[i])
    t0, t1 = float(sweep_.t[i - 1]), float(sweep_.t[i])
    return t0 + (t1 - t0) * (-g0) / (g1 - g0)
