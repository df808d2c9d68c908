"""Tests for helpers.lenet5_canvas: 04's canvas, from strokes to LeNet5's probabilities and maps."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.drawing import DOT, DrawingProblem, drawn_digit
from helpers.lenet5 import LeNet5
from helpers.lenet5_canvas import CANVAS, lenet5_pad, mosaic, plot_digit_reading, read_digit
from helpers.train import set_seed
from support import SEVEN
from trained import notebook_drawing, trained_lenet5  # noqa: F401  (trained_lenet5: a session fixture, 04's one-epoch fit)

STORED_SEVEN = notebook_drawing("04_lenet5.ipynb", "STORED_SEVEN")  # the 7 that 04 asserts its LeNet5 reads


@pytest.fixture(scope="module")
def net():
    set_seed(0)
    return LeNet5()


def test_a_drawing_gives_probabilities_and_first_layer_maps(net):
    net.train()
    reading = read_digit(net, SEVEN, CANVAS, CANVAS)
    image = drawn_digit(SEVEN, CANVAS, CANVAS)
    assert torch.equal(reading.image, image)
    assert reading.probabilities.shape == (10,) and abs(float(reading.probabilities.sum()) - 1) < 1e-5
    with torch.no_grad():
        assert torch.allclose(reading.probabilities, net.eval()(image).exp()[0], atol=1e-6)
        assert torch.allclose(reading.maps, F.relu(net.conv1(image))[0])
    assert reading.maps.shape == (20, 24, 24) and float(reading.maps.min()) >= 0
    assert reading.digit == int(reading.probabilities.argmax())
    assert reading.answer.startswith(f"LeNet5 reads a {reading.digit} (")


def test_the_net_keeps_its_mode(net):
    net.train()
    read_digit(net, SEVEN, CANVAS, CANVAS)
    assert net.training


def test_the_mosaic_tiles_every_map_scaled_to_its_peak():
    maps = torch.rand(20, 24, 24)
    maps[3] = 0  # a map that does not respond stays 0, not nan
    tiled = mosaic(maps)
    assert tiled.shape == (4 * 25 - 1, 5 * 25 - 1)
    assert torch.allclose(tiled[:24, :24], maps[0] / maps[0].max())
    assert torch.isnan(tiled[24]).all() and float(tiled[:24, 75:99].abs().max()) == 0


def test_the_figure_shows_image_probabilities_and_maps(net):
    fig = plot_digit_reading(read_digit(net, SEVEN, CANVAS, CANVAS))
    assert len(fig.axes) == 3 and "20 feature maps" in fig.axes[2].get_title()


def test_a_net_without_conv1_is_refused():
    with pytest.raises(TypeError, match="conv1"):
        read_digit(nn.Sequential(nn.Flatten(), nn.Linear(784, 10)), SEVEN, CANVAS, CANVAS)
    with pytest.raises(TypeError, match="built net"):
        read_digit(LeNet5, SEVEN, CANVAS, CANVAS)


def test_the_canvas_reads_each_drawing(net):
    pytest.importorskip("anywidget")
    pad = lenet5_pad(net)
    reading = pad.draw(SEVEN)
    assert pad.answer.value == reading.answer and bytes(pad.picture.value).startswith(b"\x89PNG")
    assert pad.draw([[(140, 140)]]) is None and pad.answer.value == DOT
    with pytest.raises(DrawingProblem):
        read_digit(net, [[(140, 140)]], CANVAS, CANVAS)


def test_the_stored_7_is_the_one_the_browser_test_draws():
    assert STORED_SEVEN == SEVEN


def test_lenet5_trained_as_in_04_reads_the_stored_7(trained_lenet5):
    reading = read_digit(trained_lenet5, STORED_SEVEN, CANVAS, CANVAS)
    assert reading.digit == 7 and float(reading.probabilities[7]) > 0.9, reading.answer  # p > 0.98 for seeds 0-2


def test_an_untrained_lenet5_reads_no_7(net):
    reading = read_digit(net, STORED_SEVEN, CANVAS, CANVAS)  # seed 0: "a 4", 11% sure; any untrained net is about 10% sure
    assert float(reading.probabilities[7]) < 0.5, reading.answer


def test_the_7_upside_down_or_mirrored_is_not_read_as_a_7(trained_lenet5):
    upside_down = [[(x, CANVAS - y) for x, y in stroke] for stroke in STORED_SEVEN]
    mirrored = [[(CANVAS - x, y) for x, y in stroke] for stroke in STORED_SEVEN]
    for strokes in (upside_down, mirrored):  # a pipeline that flipped the drawing would fail the test above
        reading = read_digit(trained_lenet5, strokes, CANVAS, CANVAS)
        assert reading.digit != 7 and float(reading.probabilities[7]) < 0.1, reading.answer


def test_the_canvas_says_the_trained_lenet5_reads_a_7(trained_lenet5):
    pytest.importorskip("anywidget")
    pad = lenet5_pad(trained_lenet5)
    pad.draw(STORED_SEVEN)
    assert pad.answer.value.startswith("LeNet5 reads a 7 (")
