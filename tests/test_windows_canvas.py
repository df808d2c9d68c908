"""Tests for helpers.windows_canvas: 06's strip canvas, from strokes to the reader's string."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import pytest
import torch

from helpers.drawing import drawn_strip
from helpers.lenet5 import LeNet5
from helpers.train import set_seed
from helpers.windows import FullyConvLeNet, LeNet32, decode, fully_convolutional, output_map
from helpers.windows_canvas import HEIGHT, WIDTH, NumberReading, plot_number_reading, read_number, strip_pad
from support import NUMBER_314


@pytest.fixture(scope="module")
def reader():
    set_seed(0)
    return fully_convolutional(LeNet32())


def test_a_line_is_read_in_one_pass(reader):
    reading = read_number(reader, NUMBER_314, WIDTH, HEIGHT)
    strip = drawn_strip(NUMBER_314, WIDTH, HEIGHT)
    assert torch.equal(reading.strip, strip)
    assert reading.probabilities.shape == (11, math.ceil(strip.shape[-1] / 4) + 1)
    assert torch.equal(reading.probabilities, output_map(reader, strip))
    assert reading.text == decode(reading.probabilities)


def test_the_answer_says_what_was_read_or_that_nothing_was():
    strip, probs = torch.zeros(1, 32, 40), torch.zeros(11, 11)
    assert NumberReading(strip, probs, "314").answer == "The reader reads 314."
    assert "finds no digit" in NumberReading(strip, probs, "").answer


def test_the_figure_shows_the_strip_over_its_output_map(reader):
    fig = plot_number_reading(read_number(reader, NUMBER_314, WIDTH, HEIGHT))
    assert len(fig.axes) == 2 and fig.axes[0].get_title().startswith("read: ")


@pytest.mark.parametrize("model", [LeNet32(), LeNet5(), FullyConvLeNet])
def test_only_the_fully_convolutional_reader_reads_strips(model):
    with pytest.raises(TypeError, match="fully_convolutional|FullyConvLeNet"):
        read_number(model, NUMBER_314, WIDTH, HEIGHT)


def test_the_strip_canvas_reads_when_the_pen_lifts(reader):
    pytest.importorskip("anywidget")
    pad = strip_pad(reader)
    assert (pad.canvas.width, pad.canvas.height) == (WIDTH, HEIGHT)
    reading = pad.draw(NUMBER_314)
    assert pad.answer.value == reading.answer and bytes(pad.picture.value).startswith(b"\x89PNG")
    with pytest.raises(TypeError):
        strip_pad(LeNet32())
