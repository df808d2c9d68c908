"""Strokes, polylines (P, 2) of (x, y) points with y down, to MNIST-like images: the rasteriser behind the canvases
of 01_proto_cnns, 04_lenet5 and 06_sliding_window and the stroke digits of 07_feature_binding."""

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


def _check_stroke(points: torch.Tensor, name: str = "stroke") -> torch.Tensor:
    if not isinstance(points, torch.Tensor) or points.dim() != 2 or points.shape[-1] != 2 or len(points) < 1:
        shape = tuple(points.shape) if isinstance(points, torch.Tensor) else type(points).__name__
        raise ValueError(f"A {name} is a tensor of (x, y) points of shape (P, 2) with P >= 1, got {shape}; build it with line() or arc().")
    return points.to(torch.float32)


def line(*points: Sequence[float]) -> torch.Tensor:
    """A polyline through the given (x, y) points: line((0, 0), (1, 1)) -> tensor (2, 2)."""
    return _check_stroke(torch.tensor([tuple(map(float, p)) for p in points], dtype=torch.float32), "line")


def arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, n: int = 17) -> torch.Tensor:
    """`n` points (n, 2) on an ellipse arc from `start` to `end` degrees, clockwise on screen from the right."""
    a = torch.linspace(math.radians(start), math.radians(end), n, dtype=torch.float64)
    return torch.stack([cx + rx * torch.cos(a), cy + ry * torch.sin(a)], 1).to(torch.float32)


def resample(points: torch.Tensor, n: int) -> torch.Tensor:
    """The same polyline as `n` points (n, 2) evenly spaced along it (to interpolate between strokes)."""
    pts = _check_stroke(points)
    seg = (pts[1:] - pts[:-1]).norm(dim=1)
    cum = torch.cat([torch.zeros(1), seg.cumsum(0)])
    if cum[-1] == 0:  # a dot
        return pts[:1].expand(n, 2).clone()
    s = torch.linspace(0, float(cum[-1]), n)
    i = torch.searchsorted(cum, s, right=True).clamp(1, len(pts) - 1)
    t = ((s - cum[i - 1]) / seg[i - 1].clamp_min(1e-12)).clamp(0, 1).unsqueeze(1)
    return pts[i - 1] + t * (pts[i] - pts[i - 1])


def segments(strokes: Sequence[torch.Tensor]) -> torch.Tensor:
    """All segments of some strokes as one tensor (S, 2, 2), from [s, 0] to [s, 1]; a one-point stroke is a dot."""
    checked = [_check_stroke(p, f"stroke #{k}") for k, p in enumerate(strokes)]
    return torch.cat([torch.stack([p, p] if len(p) == 1 else [p[:-1], p[1:]], 1) for p in checked])


def pixel_centres(size: int = SIZE, width: int | None = None) -> torch.Tensor:
    """The (x, y) = (column, row) centres of the pixels of a size x width image (square by default), row by row."""
    ys, xs = torch.meshgrid(torch.arange(size).float(), torch.arange(width or size).float(), indexing="ij")
    return torch.stack([xs.flatten(), ys.flatten()], 1)


def segment_distance(points: torch.Tensor, segs: torch.Tensor) -> torch.Tensor:
    """Distance from every point (M, 2) to the nearest segment of segs (S, 2, 2) or (N, S, 2, 2): (M,) or (N, M)."""
    batch = segs.reshape(-1, *segs.shape[-3:])
    a = batch[:, :, 0].unsqueeze(2)  # (N, S, 1, 2)
    ab = (batch[:, :, 1] - batch[:, :, 0]).unsqueeze(2)  # (N, S, 1, 2)
    ap = points.unsqueeze(0).unsqueeze(0) - a  # (N, S, M, 2)
    t = ((ap * ab).sum(-1) / (ab * ab).sum(-1).clamp_min(1e-12)).clamp(0, 1)  # (N, S, M)
    return (ap - t.unsqueeze(-1) * ab).norm(dim=-1).amin(1).reshape(*segs.shape[:-3], -1)


def profile(distance: torch.Tensor) -> torch.Tensor:
    """Ink at a distance from a stroke's centre line: 1, then a smoothstep (0.5 at RADIUS) over 2 * SOFTNESS, then 0."""
    u = ((RADIUS + SOFTNESS - distance) / (2 * SOFTNESS)).clamp(0, 1)
    return u * u * (3 - 2 * u)


def rasterise(segs: torch.Tensor, size: int = SIZE, width: int | None = None) -> torch.Tensor:
    """Anti-aliased ink in [0, 1], not summed where strokes cross: segs (S, 2, 2) or (N, S, 2, 2) -> (N, 1, H, W)."""
    return profile(segment_distance(pixel_centres(size, width), segs)).reshape(-1, 1, size, width or size)


def centre_of_mass(images: torch.Tensor) -> torch.Tensor:
    """The ink's centre of mass (x, y) in pixel coordinates of images (N, 1, H, W): (N, 2)."""
    m = images[:, 0]
    x = (m.sum(1) * torch.arange(m.shape[2], dtype=m.dtype)).sum(1)
    y = (m.sum(2) * torch.arange(m.shape[1], dtype=m.dtype)).sum(1)
    return torch.stack([x, y], 1) / m.sum((1, 2)).clamp_min(1e-12).unsqueeze(1)


def placement(segs: torch.Tensor, size: int = SIZE) -> tuple[torch.Tensor, torch.Tensor]:
    """Scale (N,) and offset (N, 2) that place segs (N, S, 2, 2) as MNIST did: ink BOX pixels long, mass centred."""
    pts = segs.reshape(len(segs), -1, 2)
    lo, hi = pts.amin(1), pts.amax(1)  # (N, 2)
    scale = (BOX - 2 * (RADIUS + SOFTNESS)) / (hi - lo).amax(1).clamp_min(1e-6)  # (N,)
    offset = (size - 1) / 2 - (lo + hi) / 2 * scale.unsqueeze(1)
    for _ in range(2):  # the sampled centre of mass moves with the strokes up to grid effects: refine once
        placed = segs * scale.view(-1, 1, 1, 1) + offset.view(-1, 1, 1, 2)
        offset = offset + size / 2 - centre_of_mass(rasterise(placed, size))
    return scale, offset


def normalise(segs: torch.Tensor, size: int = SIZE) -> torch.Tensor:
    """Segments (N, S, 2, 2) in any units moved to pixel coordinates the MNIST way (see placement)."""
    scale, offset = placement(segs, size)
    return segs * scale.view(-1, 1, 1, 1) + offset.view(-1, 1, 1, 2)


def _stack(drawings: Sequence[Template]) -> torch.Tensor:
    segs = [segments(list(d.values())) for d in drawings]
    s = max(len(x) for x in segs)
    # pad with copies of a segment so that all frames stack; a repeated segment draws nothing new
    return torch.stack([torch.cat([x, x[:1].expand(s - len(x), 2, 2)]) for x in segs])


def placed(drawing: Template, size: int = SIZE) -> dict[str, torch.Tensor]:
    """The strokes of one drawing in the pixels `draw` puts them at (to draw the centre lines over the image)."""
    scale, offset = placement(_stack([drawing]), size)
    return {k: v.float() * scale[0] + offset[0] for k, v in drawing.items()}


def draw(drawings: Template | Sequence[Template], size: int = SIZE) -> torch.Tensor:
    """One drawing {name: stroke} or a list of them, placed like MNIST and rasterised: (N, 1, size, size) in [0, 1]."""
    return rasterise(normalise(_stack([drawings] if isinstance(drawings, Mapping) else drawings), size), size)
