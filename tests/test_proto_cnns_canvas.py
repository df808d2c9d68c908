"""Tests for helpers.proto_cnns_canvas: 01's drawing pad, from strokes to the five nets' answers."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest
import torch
import torch.nn as nn
from matplotlib.figure import Figure
from trained import (notebook_drawing,  # noqa: F401  (trained_proto_nets: a session fixture, 01's five nets)
                     trained_proto_nets)

from helpers.data import resize
from helpers.drawing import BLANK, DrawingProblem, drawn_digit
from helpers.proto_cnns import NETS
from helpers.proto_cnns_canvas import CANVAS, PAD_SIZE, PadAnswer, pad_image, plot_answer, predict_drawing, proto_pad

from support import SEVEN

STORED_THREE = notebook_drawing("01_proto_cnns.ipynb", "STORED_THREE")  # the 3 that 01 asserts most nets read


def read_pad(models, strokes, width, height):
    """A drawing read by every net, as the pad reads it."""
    return predict_drawing(models, pad_image(strokes, width, height))


def constant_net(digit: int) -> nn.Module:
    """A net that always answers `digit` (logit 5 for it, 0 for the rest)."""
    net = nn.Sequential(nn.Flatten(), nn.Linear(PAD_SIZE * PAD_SIZE, 10))
    with torch.no_grad():
        net[1].weight.zero_()
        net[1].bias.zero_()
        net[1].bias[digit] = 5.0
    return net


def test_the_pad_image_is_made_as_small_digits_makes_digits():
    image = pad_image(SEVEN, CANVAS, CANVAS)
    assert image.shape == (1, 1, 16, 16)
    assert torch.equal(image, resize(drawn_digit(SEVEN, CANVAS, CANVAS), 16) * 2 - 1)  # 28x28 by area to 16x16, [-1, 1]
    assert float(image.min()) == -1.0 and float(image.max()) > 0.5
    with pytest.raises(DrawingProblem, match="Nothing is drawn"):
        pad_image([], CANVAS, CANVAS)


def test_predict_drawing_asks_every_net_and_keeps_its_mode():
    nets = {"A": constant_net(7), "B": constant_net(7).train(), "C": constant_net(1)}
    answer = predict_drawing(nets, pad_image(SEVEN, CANVAS, CANVAS))
    assert isinstance(answer, PadAnswer) and answer.predictions == {"A": 7, "B": 7, "C": 1}
    for p in answer.probabilities.values():
        assert p.shape == (10,) and abs(float(p.sum()) - 1) < 1e-6
    assert answer.answer == "2 of 3 nets read a 7." and "A: 7" in str(answer)
    assert nets["B"].training
    with pytest.raises(TypeError, match="non-empty dict"):
        predict_drawing({}, answer.image)


def test_a_tie_goes_to_the_smaller_digit():
    answer = predict_drawing({"A": constant_net(8), "B": constant_net(2)}, pad_image(SEVEN, CANVAS, CANVAS))
    assert answer.answer == "1 of 2 nets read a 2."


@pytest.mark.parametrize("image, match", [
    (torch.zeros(16, 16), r"shape \(1, 1, 16, 16\)"),
    (torch.zeros(1, 1, 16, 16, dtype=torch.uint8), "floating-point"),
    (torch.rand(1, 1, 16, 16) * 255, "0-255"),
    (torch.rand(1, 1, 16, 16), r"2 \* x - 1"),
    (torch.full((1, 1, 16, 16), float("nan")), "nan"),
    ([[0.0] * 16] * 16, "tensor"),
])
def test_an_image_off_the_pads_scale_is_refused(image, match):
    with pytest.raises((TypeError, ValueError), match=match):
        predict_drawing({"A": constant_net(1)}, image)


def test_plot_answer_draws_the_image_and_one_chart_per_net():
    answer = read_pad({"A": constant_net(7), "B": constant_net(2)}, SEVEN, CANVAS, CANVAS)
    fig = answer.figure()
    assert isinstance(fig, Figure) and len(fig.axes) == 3 and fig.axes[1].get_title() == "A: 7"
    assert plot_answer(answer, title="t")._suptitle.get_text() == "t"


def test_the_pad_reads_a_drawing_when_the_pen_lifts():
    pytest.importorskip("anywidget")
    pad = proto_pad({"A": constant_net(7), "B": constant_net(7), "C": constant_net(3)})
    assert (pad.canvas.width, pad.canvas.height) == (CANVAS, CANVAS) and pad.answer.value == BLANK
    assert "3 nets" in repr(pad.widget) and "open the notebook in Jupyter" in repr(pad.widget)
    answer = pad.draw(SEVEN)
    assert pad.answer.value == "2 of 3 nets read a 7." and answer.predictions["C"] == 3
    assert bytes(pad.picture.value).startswith(b"\x89PNG")
    pad.clear()
    assert pad.answer.value == BLANK and pad.reading is None


@pytest.mark.parametrize("models", [constant_net(1), {}, {"A": nn.Linear}])
def test_the_pad_needs_a_dict_of_built_nets(models):
    with pytest.raises(TypeError, match="non-empty dict of names to built models"):
        read_pad(models, SEVEN, CANVAS, CANVAS)
    with pytest.raises(TypeError, match="non-empty dict of names to built models"):
        proto_pad(models)


def test_a_majority_of_the_five_nets_trained_as_in_01_read_the_stored_3(trained_proto_nets):
    answer = read_pad(trained_proto_nets, STORED_THREE, CANVAS, CANVAS)
    assert list(answer.predictions.values()).count(3) >= 3, str(answer)  # 5 of 5 for seeds 0 and 1, 4 of 5 for 2 and 3
    assert answer.answer.endswith("nets read a 3.")


def test_five_untrained_nets_do_not_agree_on_a_3():
    torch.manual_seed(0)
    answer = read_pad({name: Net() for name, Net in NETS.items()}, STORED_THREE, CANVAS, CANVAS)
    assert list(answer.predictions.values()).count(3) < 3, str(answer)  # seed 0: none reads a 3


def test_the_3_mirrored_is_not_read_as_a_3_by_most_nets(trained_proto_nets):
    mirrored = [[(CANVAS - x, y) for x, y in stroke] for stroke in STORED_THREE]  # an epsilon: 5 of 5 read an 8
    answer = read_pad(trained_proto_nets, mirrored, CANVAS, CANVAS)
    assert list(answer.predictions.values()).count(3) < 3, str(answer)
