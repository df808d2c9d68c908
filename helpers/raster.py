"""Strokes to MNIST-like images: the rasteriser behind every drawing of the course (the canvases of
01_proto_cnns, 04_lenet5 and 06_sliding_window, and the stroke digits of 07_feature_binding).

A *stroke* is a polyline, a float tensor (P, 2) of (x, y) points with x to the right and y down, in
any units (the templates use a unit box). A *template* is a dict {name: stroke}. Templates become
28x28 images in two steps, both batched tensor maths with no per-pixel Python loop:

1. `normalise`: scale and move the strokes as MNIST did its digits: the ink fits a 20x20 box
   (aspect ratio kept), then the ink's centre of mass goes to the centre of the 28x28 field.
2. `rasterise`: every pixel's distance to the nearest segment, through a smooth profile
   (1 on the stroke's core, 0 beyond its edge, a smoothstep in between): anti-aliased ink.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import torch

__all__ = ["SIZE", "BOX", "RADIUS", "SOFTNESS", "Template", "line", "arc", "resample", "segments", "pixel_centres",
           "segment_distance", "profile", "rasterise", "centre_of_mass", "placement", "normalise", "placed", "draw"]

SIZE = 28  # MNIST's field
BOX = 20  # MNIST's digits fit a 20x20 box inside the field
RADIUS = 1.4  # half the stroke width in pixels: ink across a stroke = 2 * RADIUS, as in MNIST's 1s
SOFTNESS = 0.9  # half the width of the anti-aliased edge, in pixels

Template = Mapping[str, torch.Tensor]


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
    a = torch.linspace(math.radians(start), math.radians(end), n, dtype=torch.float64)
    return torch.stack([cx + rx * torch.cos(a), cy + ry * torch.sin(a)], 1).to(torch.float32)


def resample(points: torch.Tensor, n: int) -> torch.Tensor:
    """The same polyline (P, 2) as `n` points (n, 2) evenly spaced along its length, so that two
    strokes with different point counts can be interpolated."""
    pts = _check_stroke(points)
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
    single = segs.dim() == 3
    if single:
        segs = segs.unsqueeze(0)
    a = segs[:, :, 0].unsqueeze(2)  # (N, S, 1, 2)
    ab = (segs[:, :, 1] - segs[:, :, 0]).unsqueeze(2)  # (N, S, 1, 2)
    ap = points.unsqueeze(0).unsqueeze(0) - a  # (N, S, M, 2)
    t = ((ap * ab).sum(-1) / (ab * ab).sum(-1).clamp_min(1e-12)).clamp(0, 1)  # (N, S, M)
    d = (ap - t.unsqueeze(-1) * ab).norm(dim=-1).amin(1)  # (N, M)
    return d[0] if single else d


def profile(distance: torch.Tensor, radius: float = RADIUS, softness: float = SOFTNESS) -> torch.Tensor:
    """Ink at a given distance from a stroke's centre line: 1 up to radius - softness, 0 from
    radius + softness on, a smoothstep in between (0.5 at `radius`). Same shape as `distance`."""
    u = ((radius + softness - distance) / (2 * softness)).clamp(0, 1)
    return u * u * (3 - 2 * u)


def rasterise(segs: torch.Tensor, size: int = SIZE, radius: float = RADIUS, softness: float = SOFTNESS) -> torch.Tensor:
    """Anti-aliased ink of segments given in pixel coordinates: (S, 2, 2) -> (1, 1, size, size),
    (N, S, 2, 2) -> (N, 1, size, size), values in [0, 1]. Where strokes cross, ink does not add up."""
    d = segment_distance(pixel_centres(size), segs)
    return profile(d, radius, softness).reshape(-1, 1, size, size)


def centre_of_mass(images: torch.Tensor) -> torch.Tensor:
    """The ink's centre of mass (x, y) in pixel coordinates of images (N, 1, H, W): (N, 2)."""
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


def _stack(drawings: Sequence[Template]) -> torch.Tensor:
    segs = [segments(list(d.values())) for d in drawings]
    s = max(len(x) for x in segs)
    # pad with copies of a segment so that all frames stack; a repeated segment draws nothing new
    return torch.stack([torch.cat([x, x[:1].expand(s - len(x), 2, 2)]) for x in segs])


def placed(drawing: Template, size: int = SIZE) -> dict[str, torch.Tensor]:
    """The strokes of one drawing in the pixel coordinates `draw` puts them at: {name: (P, 2)}
    (to draw the centre lines over the image)."""
    scale, offset = placement(_stack([drawing]), size)
    return {k: _check_stroke(v) * scale[0] + offset[0] for k, v in drawing.items()}


def draw(drawings: Template | Sequence[Template], size: int = SIZE, radius: float = RADIUS,
         softness: float = SOFTNESS) -> torch.Tensor:
    """One drawing {name: stroke} or a list of them, normalised like MNIST and rasterised:
    images (N, 1, size, size) in [0, 1]."""
    if isinstance(drawings, Mapping):
        drawings = [drawings]
    return rasterise(normalise(_stack(drawings), size, radius=radius, softness=softness), size, radius, softness)
