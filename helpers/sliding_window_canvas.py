"""06's strip canvas: write a number and the fully convolutional reader reads it as you write (06_sliding_window)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from matplotlib.figure import Figure

from helpers.drawing import Drawing, drawn_strip
from helpers.sliding_window import FullyConvLeNet, decode
from helpers.sliding_window_plots import plot_output_maps
from helpers.sliding_window_reader import output_map

if TYPE_CHECKING:
    from helpers.canvas import DrawingApp

__all__ = ["CANVAS_WIDTH", "CANVAS_HEIGHT", "NumberReading", "read_number", "strip_pad"]

CANVAS_WIDTH, CANVAS_HEIGHT = 600, 150  # the strip canvas in screen pixels: room for five or six digits


@dataclass
class NumberReading:
    """A drawn line of digits read in one pass: the strip (1, 32, W) in [0, 1], the output map (11, n) and the text."""

    strip: torch.Tensor
    probabilities: torch.Tensor
    text: str

    @property
    def answer(self) -> str:
        return (f"The reader reads {self.text}." if self.text
                else "The reader finds no digit yet: write digits about as tall as the canvas, side by side.")

    def figure(self) -> Figure:
        """The strip the reader saw above its output map."""
        return plot_output_maps([self.strip], [self.probabilities], titles=[f"read: {self.text or '(nothing)'}"])


def read_number(reader: FullyConvLeNet, strokes: Drawing, width: int, height: int) -> NumberReading:
    """A drawing on a wide canvas read by the reader (DrawingProblem for a blank canvas, a dot or a scribble)."""
    strip = drawn_strip(strokes, width, height)
    probs = output_map(reader, strip)
    return NumberReading(strip=strip, probabilities=probs, text=decode(probs))


def strip_pad(reader: FullyConvLeNet, *, width: int = CANVAS_WIDTH, height: int = CANVAS_HEIGHT) -> DrawingApp:
    """06's wide canvas: write a number; each time the pen lifts, `reader` reads the whole line."""
    if not isinstance(reader, FullyConvLeNet):
        raise TypeError(f"strip_pad needs the fully convolutional reader (a FullyConvLeNet), got {type(reader).__name__}.")
    from helpers.canvas import DrawingApp

    return DrawingApp(lambda strokes, w, h: read_number(reader, strokes, w, h), width=width, height=height,
                      stand_in="A wide canvas for the reader: write a number (open the notebook in Jupyter to write).")
