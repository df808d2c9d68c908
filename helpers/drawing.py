"""From strokes drawn with the mouse to the tensor a net reads (for the drawing canvases of
01_proto_cnns, 04_lenet5 and 06_sliding_window).

A drawing is what a canvas records: a list of strokes, each a sequence of (x, y) points in canvas
pixels (x to the right, y down), on a canvas of `width` x `height` pixels. Two plain functions
turn it into a net's input, with 07's stroke rasteriser (helpers.feature_binding_strokes):

- `drawn_digit(strokes, width, height)`: one digit the MNIST way, its ink fitted to a 20x20 box
  and its centre of mass at the centre of a 28x28 field: (1, 1, 28, 28) in [0, 1] (01 resizes
  it to 16x16, as `small_digits` does);
- `drawn_strip(strokes, width, height)`: a line of digits for 06's reader, scaled so that the ink
  is about as tall as a strip's digits and as wide as it is in proportion: (1, 32, W) in [0, 1].

A drawing the nets cannot read gets a `DrawingProblem` (a ValueError) whose one sentence a widget
shows as it is: nothing drawn, a single dot, a scribble over most of the canvas. A point outside
the canvas, or a canvas of a size the function cannot use, is a ValueError too: those are
mistakes in the code that calls it, not in the drawing.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch

from helpers.raster import RADIUS, SIZE, SOFTNESS, normalise, profile, rasterise, segment_distance, segments
from helpers.sliding_window_strips import HEIGHT, INK_HEIGHT

__all__ = ["Point", "Drawing", "CANVAS", "MIN_EXTENT", "MAX_COVER", "PEN_SHARE", "STRIP_INK", "DrawingProblem",
           "BLANK", "DOT", "SCRIBBLE", "drawn_digit", "drawn_strip"]

Point = Sequence[float]
Drawing = Sequence[Sequence[Point]]

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


def _canvas(width: float, height: float, *, min_side: int, name: str) -> tuple[int, int]:
    if not (isinstance(width, int) and isinstance(height, int)) or isinstance(width, bool) or isinstance(height, bool):
        raise ValueError(f"{name} needs the canvas size as whole pixels, got width={width!r} and height={height!r}; "
                         "pass the canvas's width and height attributes.")
    if min(width, height) < min_side:
        raise ValueError(f"{name} needs a canvas of at least {min_side}x{min_side} pixels, got {width}x{height}; "
                         f"make the canvas larger.")
    return width, height


def _points(strokes: Drawing, width: int, height: int, name: str) -> list[torch.Tensor]:
    """The strokes as float tensors (P, 2), checked to lie on the canvas; empty strokes are dropped."""
    if isinstance(strokes, (str, bytes, torch.Tensor)) or not isinstance(strokes, Sequence):
        raise ValueError(f"{name} expects a list of strokes, each a list of (x, y) points, got {type(strokes).__name__}; "
                         "pass the canvas's strokes.")
    out = []
    for k, stroke in enumerate(strokes):
        try:
            pts = torch.tensor([tuple(map(float, p)) for p in stroke], dtype=torch.float32).reshape(-1, 2)
        except (TypeError, ValueError, RuntimeError):
            raise ValueError(f"stroke #{k} is not a list of (x, y) points; pass the canvas's strokes as they are.") from None
        if len(pts) == 0:
            continue
        if not torch.isfinite(pts).all():
            raise ValueError(f"stroke #{k} holds a point that is not a finite number; pass the canvas's strokes as they are.")
        outside = (pts[:, 0] < 0) | (pts[:, 0] > width) | (pts[:, 1] < 0) | (pts[:, 1] > height)
        if outside.any():
            x, y = pts[outside][0].tolist()
            raise ValueError(f"stroke #{k} has the point ({x:g}, {y:g}) outside the {width}x{height} canvas; "
                             "pass points in the canvas's own pixels, from (0, 0) to (width, height).")
        out.append(pts)
    return out


def _check_ink(strokes: list[torch.Tensor], width: int, height: int, pen: float) -> torch.Tensor:
    """The drawing's segments, after refusing a blank canvas, a dot and a scribble (DrawingProblem)."""
    if not strokes:
        raise DrawingProblem(BLANK)
    segs = segments(strokes)
    pts = segs.reshape(-1, 2)
    extent = pts.amax(0) - pts.amin(0)
    if float(extent[0]) < MIN_EXTENT * width and float(extent[1]) < MIN_EXTENT * height:
        raise DrawingProblem(DOT)
    # share of the canvas the pen covers, measured on a grid of about 4-pixel cells
    step = max(1.0, min(width, height) / 64)
    ys, xs = torch.meshgrid(torch.arange(step / 2, height, step), torch.arange(step / 2, width, step), indexing="ij")
    grid = torch.stack([xs.flatten(), ys.flatten()], 1)
    covered = (segment_distance(grid, segs) <= pen / 2 + step / 2).float().mean()
    if float(covered) > MAX_COVER:
        raise DrawingProblem(SCRIBBLE)
    return segs


def drawn_digit(strokes: Drawing, width: int, height: int, *, size: int = SIZE) -> torch.Tensor:
    """One digit drawn on a `width` x `height` canvas, placed the MNIST way: (1, 1, size, size) in [0, 1].

    The ink is scaled to fill a box of 20/28 of the field along its longer side and moved so that
    its centre of mass is at the field's centre, with MNIST's stroke width (helpers.feature_binding_strokes), so a
    digit drawn small in a corner reads like one drawn large in the middle.
    """
    width, height = _canvas(width, height, min_side=16, name="drawn_digit")
    if size < 16:
        raise ValueError(f"drawn_digit draws fields of at least 16 pixels, got size={size}; use size=28 and resize.")
    segs = _check_ink(_points(strokes, width, height, "drawn_digit"), width, height, PEN_SHARE * min(width, height))
    box = round(20 * size / 28)
    scale = size / SIZE
    placed = normalise(segs[None], size=size, box=box, radius=RADIUS * scale, softness=SOFTNESS * scale, centre=size / 2)
    return rasterise(placed[0], size, RADIUS * scale, SOFTNESS * scale)


def drawn_strip(strokes: Drawing, width: int, height: int) -> torch.Tensor:
    """A line of digits drawn on a wide `width` x `height` canvas, as a strip for 06's reader:
    (1, 32, W) in [0, 1], at least 32 pixels wide.

    One scale for the whole line: the ink's height becomes that of a strip's digits (the middle of
    make_strips' range), its width follows in proportion, and 4 blank columns frame it on each side,
    the way make_strips leaves margins; the ink is centred vertically.
    """
    width, height = _canvas(width, height, min_side=HEIGHT, name="drawn_strip")
    pen = PEN_SHARE * height
    segs = _check_ink(_points(strokes, width, height, "drawn_strip"), width, height, pen)
    pts = segs.reshape(-1, 2)
    lo, hi = pts.amin(0), pts.amax(0)
    ink_rows = STRIP_INK - 2 * (RADIUS + SOFTNESS)  # the centre lines' span, so that the ink spans STRIP_INK rows
    scale = ink_rows / max(float(hi[1] - lo[1]), pen)
    margin = 4 + RADIUS + SOFTNESS
    strip_width = max(HEIGHT, math.ceil(float(hi[0] - lo[0]) * scale + 2 * margin))
    offset = torch.tensor([(strip_width - 1) / 2 - float(lo[0] + hi[0]) / 2 * scale,
                           (HEIGHT - 1) / 2 - float(lo[1] + hi[1]) / 2 * scale])
    placed = segs * scale + offset
    ys, xs = torch.meshgrid(torch.arange(HEIGHT, dtype=torch.float32), torch.arange(strip_width, dtype=torch.float32), indexing="ij")
    ink = profile(segment_distance(torch.stack([xs.flatten(), ys.flatten()], 1), placed))
    return ink.reshape(1, HEIGHT, strip_width)
