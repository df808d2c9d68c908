"""06's strip canvas: write a number and the fully convolutional reader reads it as you write (06_sliding_window).

Plain, tested functions: `read_number` (strokes -> a `NumberReading`: the 32-pixel-high strip made
by helpers.drawing.drawn_strip, the reader's output map over it and the decoded string) and
`plot_number_reading`; `strip_pad(reader)` wires them to a wide canvas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from matplotlib.figure import Figure

from helpers.drawing import Drawing, drawn_strip
from helpers.sliding_window import decode
from helpers.sliding_window_plots import plot_output_maps
from helpers.sliding_window_reader import FullyConvLeNet, output_map

if TYPE_CHECKING:
    from helpers.canvas import DrawingApp

__all__ = ["CANVAS_WIDTH", "CANVAS_HEIGHT", "NumberReading", "read_number", "plot_number_reading", "strip_pad"]

CANVAS_WIDTH, CANVAS_HEIGHT = 600, 150  # the strip canvas in screen pixels: room for five or six digits


@dataclass
class NumberReading:
    """A drawn line of digits read in one pass: the strip (1, 32, W) in [0, 1], the output map
    (11, n) (one column every 4 pixels) and the decoded string."""

    strip: torch.Tensor
    probabilities: torch.Tensor
    text: str

    @property
    def answer(self) -> str:
        if not self.text:
            return "The reader finds no digit yet: write digits about as tall as the canvas, side by side."
        return f"The reader reads {self.text}."

    def figure(self) -> Figure:
        return plot_number_reading(self)


def read_number(reader: FullyConvLeNet, strokes: Drawing, width: int, height: int) -> NumberReading:
    """A drawing on a wide canvas read by the fully convolutional reader: drawn_strip, output_map,
    decode. A blank canvas, a dot or a scribble raises helpers.drawing.DrawingProblem."""
    if not isinstance(reader, FullyConvLeNet):
        raise TypeError(f"read_number needs the fully convolutional reader (a FullyConvLeNet, from train_reader), "
                        f"got {type(reader).__name__}; convert a LeNet32 with fully_convolutional(net).")
    strip = drawn_strip(strokes, width, height)
    probs = output_map(reader, strip)
    return NumberReading(strip=strip, probabilities=probs, text=decode(probs))


def plot_number_reading(reading: NumberReading, *, title: str | None = None) -> Figure:
    """The strip the reader saw above its output map (one column per 4-pixel step)."""
    return plot_output_maps([reading.strip], [reading.probabilities],
                            titles=[title or f"read: {reading.text or '(nothing)'}"])


def strip_pad(reader: FullyConvLeNet, *, width: int = CANVAS_WIDTH, height: int = CANVAS_HEIGHT) -> DrawingApp:
    """06's wide canvas: write a number; each time the pen lifts, `reader` reads the whole line."""
    from helpers.canvas import DrawingApp

    if not isinstance(reader, FullyConvLeNet):
        raise TypeError(f"strip_pad needs the fully convolutional reader (a FullyConvLeNet), got {type(reader).__name__}.")
    return DrawingApp(lambda strokes, w, h: read_number(reader, strokes, w, h), width=width, height=height,
                      stand_in="A wide canvas for the reader: write a number (open the notebook in Jupyter to write).")
