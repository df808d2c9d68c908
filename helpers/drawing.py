"""Strokes drawn on the canvases of 01_proto_cnns, 04_lenet5 and 06_sliding_window, lists of (x, y) points
in canvas pixels (y down), to the tensor a net reads, or a DrawingProblem whose sentence the canvas shows."""

from __future__ import annotations

import math
from typing import Sequence

import torch

from helpers.raster import RADIUS, SOFTNESS, normalise, rasterise, segment_distance, segments
from helpers.sliding_window_strips import HEIGHT, INK_HEIGHT

__all__ = ["Drawing", "CANVAS", "MIN_EXTENT", "MAX_COVER", "PEN_SHARE", "STRIP_INK", "DrawingProblem",
           "BLANK", "DOT", "SCRIBBLE", "drawn_digit", "drawn_strip"]

Drawing = Sequence[Sequence[Sequence[float]]]

CANVAS = 280  # the side of the square canvases of 01 and 04 in screen pixels: 10 per pixel of a 28x28 digit
MIN_EXTENT = 0.08  # a drawing smaller than this share of the canvas on both sides is a dot, not a digit
MAX_COVER = 0.5  # a drawing whose pen covers more than this share of the canvas is a scribble
PEN_SHARE = 1 / 14  # the canvas's pen is this share of its height wide: MNIST's strokes on a 28-pixel field
STRIP_INK = sum(INK_HEIGHT) / 2  # rows of ink of a digit on a strip (the middle of make_strips' range)


class DrawingProblem(ValueError):
    """A drawing that cannot be read as a digit or a number; the message says what to draw instead."""


BLANK = "Nothing is drawn yet: write with the mouse (or a finger), then lift the pen."
DOT = "That is a single dot: write the whole digit, as large as the canvas allows."
SCRIBBLE = "The ink covers most of the canvas: press Clear and write the digits with paper around them."


def _segments(strokes: Drawing, width: int, height: int, *, min_side: int, name: str) -> torch.Tensor:
    """The drawing's segments (S, 2, 2) in canvas pixels, or a ValueError for the calling code's mistakes."""
    if not all(type(side) is int and side >= min_side for side in (width, height)):
        raise ValueError(f"{name} needs a canvas of at least {min_side}x{min_side} whole pixels, got width={width!r} "
                         f"and height={height!r}; pass the canvas's width and height attributes.")
    try:
        points = [torch.tensor([tuple(map(float, p)) for p in stroke], dtype=torch.float32).reshape(-1, 2)
                  for stroke in strokes if len(stroke)]
    except (TypeError, ValueError, RuntimeError):
        raise ValueError(f"{name} expects a list of strokes, each a list of (x, y) points; "
                         "pass the canvas's strokes as they are.") from None
    if not points:
        raise DrawingProblem(BLANK)
    pts = torch.cat(points)
    inside = ((pts >= 0) & (pts <= torch.tensor([width, height]))).all(1)  # False for nan
    if not inside.all():
        x, y = pts[~inside][0].tolist()
        raise ValueError(f"{name} got the point ({x:g}, {y:g}) outside the {width}x{height} canvas; "
                         "pass points in the canvas's own pixels, from (0, 0) to (width, height).")
    extent = pts.amax(0) - pts.amin(0)
    if float(extent[0]) < MIN_EXTENT * width and float(extent[1]) < MIN_EXTENT * height:
        raise DrawingProblem(DOT)
    segs = segments(points)
    # share of the canvas that the pen (PEN_SHARE of its height) covers, on a grid of about 4-pixel cells
    step = max(1.0, min(width, height) / 64)
    ys, xs = torch.meshgrid(torch.arange(step / 2, height, step), torch.arange(step / 2, width, step), indexing="ij")
    covered = segment_distance(torch.stack([xs.flatten(), ys.flatten()], 1), segs) <= PEN_SHARE * height / 2 + step / 2
    if float(covered.float().mean()) > MAX_COVER:
        raise DrawingProblem(SCRIBBLE)
    return segs


def drawn_digit(strokes: Drawing, width: int, height: int) -> torch.Tensor:
    """One digit placed as MNIST placed its digits (raster.placement): (1, 1, 28, 28) in [0, 1]."""
    return rasterise(normalise(_segments(strokes, width, height, min_side=16, name="drawn_digit")[None]))


def drawn_strip(strokes: Drawing, width: int, height: int) -> torch.Tensor:
    """06's strip (1, 32, W >= 32) in [0, 1]: ink STRIP_INK rows high, centred, 4 empty columns each side."""
    segs = _segments(strokes, width, height, min_side=HEIGHT, name="drawn_strip")
    lo, hi = torch.aminmax(segs.reshape(-1, 2), dim=0)
    scale = (STRIP_INK - 2 * (RADIUS + SOFTNESS)) / max(float(hi[1] - lo[1]), PEN_SHARE * height)  # centre lines' span
    strip_width = max(HEIGHT, math.ceil(float(hi[0] - lo[0]) * scale + 2 * (4 + RADIUS + SOFTNESS)))
    offset = torch.tensor([(strip_width - 1) / 2 - float(lo[0] + hi[0]) / 2 * scale,
                           (HEIGHT - 1) / 2 - float(lo[1] + hi[1]) / 2 * scale])
    return rasterise(segs * scale + offset, HEIGHT, strip_width)[0]
