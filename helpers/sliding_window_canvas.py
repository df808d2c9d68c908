"""06's strip canvas: write a number and the fully convolutional reader reads it as you write (06_sliding_window)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from matplotlib.figure import Figure

from helpers.canvas import DrawingApp
from helpers.drawing import Drawing, drawn_strip
from helpers.sliding_window import FullyConvLeNet, decode
from helpers.sliding_window_plots import plot_output_maps
from helpers.sliding_window_reader import output_map

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
        return plot_output_maps([self.strip], [self.probabilities], titles=[f"read: {self.text or '(nothing)'}"])


def read_number(reader: FullyConvLeNet, strokes: Drawing, width: int, height: int) -> NumberReading:
    """A drawing on a wide canvas read by the reader (DrawingProblem for a blank canvas, a dot or a scribble)."""
    strip = drawn_strip(strokes, width, height)
    probs = output_map(reader, strip)
    return NumberReading(strip=strip, probabilities=probs, text=decode(probs))


def strip_pad(reader: FullyConvLeNet) -> DrawingApp:
    """06's wide canvas: write a number; each time the pen lifts, `reader` reads the whole line."""
    if not isinstance(reader, FullyConvLeNet):
        raise TypeError(f"strip_pad needs the fully convolutional reader (a FullyConvLeNet), got {type(reader).__name__}.")
    return DrawingApp(lambda s, w, h: read_number(reader, s, w, h), width=CANVAS_WIDTH, height=CANVAS_HEIGHT,
                      stand_in="A wide canvas for the reader: write a number (open the notebook in Jupyter to write).")
