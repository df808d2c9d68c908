"""Tests for helpers.sliding_window_canvas: 06's strip canvas, from strokes to the reader's string."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import pytest
import torch
from trained import (notebook_drawing,  # noqa: F401  (trained_reader: a session fixture, 06's reader, stored)
                     trained_reader)

from helpers.data import load_digits
from helpers.drawing import drawn_strip
from helpers.lenet5 import LeNet5
from helpers.sliding_window import decode
from helpers.sliding_window_canvas import CANVAS_HEIGHT, CANVAS_WIDTH, NumberReading, read_number, strip_pad
from helpers.sliding_window import FullyConvLeNet, LeNet32, fully_convolutional
from helpers.sliding_window_reader import output_map
from helpers.sliding_window_strips import NONE, make_fields
from helpers.train import predict, set_seed

from support import NUMBER_314

STORED_NUMBER = notebook_drawing("06_sliding_window.ipynb", "STORED_NUMBER")  # the "314" that 06 asserts its reader reads


@pytest.fixture(scope="module")
def reader():
    set_seed(0)
    return fully_convolutional(LeNet32())


def test_a_line_is_read_in_one_pass(reader):
    reading = read_number(reader, NUMBER_314, CANVAS_WIDTH, CANVAS_HEIGHT)
    strip = drawn_strip(NUMBER_314, CANVAS_WIDTH, CANVAS_HEIGHT)
    assert torch.equal(reading.strip, strip)
    assert reading.probabilities.shape == (11, math.ceil(strip.shape[-1] / 4) + 1)
    assert torch.equal(reading.probabilities, output_map(reader, strip))
    assert reading.text == decode(reading.probabilities)


def test_the_answer_says_what_was_read_or_that_nothing_was():
    strip, probs = torch.zeros(1, 32, 40), torch.zeros(11, 11)
    assert NumberReading(strip, probs, "314").answer == "The reader reads 314."
    assert "finds no digit" in NumberReading(strip, probs, "").answer


def test_the_figure_shows_the_strip_over_its_output_map(reader):
    fig = read_number(reader, NUMBER_314, CANVAS_WIDTH, CANVAS_HEIGHT).figure()
    assert len(fig.axes) == 2 and fig.axes[0].get_title().startswith("read: ")


@pytest.mark.parametrize("model", [LeNet32(), LeNet5(), FullyConvLeNet])
def test_only_the_fully_convolutional_reader_gets_the_strip_canvas(model):
    with pytest.raises(TypeError, match="FullyConvLeNet"):
        strip_pad(model)


def test_the_strip_canvas_reads_when_the_pen_lifts(reader):
    pytest.importorskip("anywidget")
    pad = strip_pad(reader)
    assert (pad.canvas.width, pad.canvas.height) == (CANVAS_WIDTH, CANVAS_HEIGHT)
    reading = pad.draw(NUMBER_314)
    assert pad.answer.value == reading.answer and bytes(pad.picture.value).startswith(b"\x89PNG")
    with pytest.raises(TypeError):
        strip_pad(LeNet32())


def test_the_stored_number_is_the_one_the_browser_test_writes():
    assert STORED_NUMBER == NUMBER_314


def test_the_stored_reader_is_a_trained_reader_as_06_asserts(trained_reader):
    test = load_digits("test", size=28, source="embedded")
    fields, classes = make_fields(*test, count=2 * len(test[1]), seed=1)  # 06's test fields
    guess = predict(trained_reader, fields, batch_size=250).flatten(1).argmax(1)
    digit = classes < NONE
    assert 100 * float((guess[digit] == classes[digit]).float().mean()) >= 90  # 95% here and in 06
    assert 100 * float((guess[~digit] == NONE).float().mean()) >= 95  # 98%


def test_the_reader_trained_as_in_06_reads_the_stored_314(trained_reader):
    reading = read_number(trained_reader, STORED_NUMBER, CANVAS_WIDTH, CANVAS_HEIGHT)
    assert reading.text == "314", reading.answer


def test_an_untrained_reader_does_not_read_314(reader):
    assert read_number(reader, STORED_NUMBER, CANVAS_WIDTH, CANVAS_HEIGHT).text != "314"  # seed 0: "7" (every column a digit: one run)


def test_the_314_mirrored_is_not_read_as_314(trained_reader):
    mirrored = [[(CANVAS_WIDTH - x, y) for x, y in stroke] for stroke in STORED_NUMBER]
    upside_down = [[(x, CANVAS_HEIGHT - y) for x, y in stroke] for stroke in STORED_NUMBER]
    for strokes in (mirrored, upside_down):  # a pipeline that flipped the strip would fail the test above
        assert read_number(trained_reader, strokes, CANVAS_WIDTH, CANVAS_HEIGHT).text != "314"


def test_the_strip_canvas_says_the_trained_reader_reads_314(trained_reader):
    pytest.importorskip("anywidget")
    pad = strip_pad(trained_reader)
    pad.draw(STORED_NUMBER)
    assert pad.answer.value == "The reader reads 314."
