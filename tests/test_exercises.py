"""Tests for helpers.exercises (one module per notebook): every notebook's self-checks accept a right answer, reject common wrong
ones with a hint, and never print the solution."""

from __future__ import annotations

import math
from pathlib import Path

import nbformat
import pytest
import torch
import torch.nn as nn

from helpers.anatomy import count_parameters
from helpers.bell_labs_zipcode import cyclic_table
from helpers.exercises import (bell_labs, feature_binding, lenet5, pooling_zoo, proto_cnns, shift_equivariance,
                               sliding_window, what_convnets_are_good_for)
from helpers.feature_binding_strokes import crossing, moving_path, sweep
from helpers.lenet5 import LeNet5
from helpers.proto_cnns import NETS, Net5
from helpers.raster import line
from helpers.shift_equivariance import consistency
from helpers.sliding_window import decode
from helpers.sliding_window import FullyConvLeNet
from helpers.sliding_window_reader import reading_accuracy
from helpers.sliding_window_strips import make_strips
from helpers.what_convnets_are_good_for import FCNet, SmallConvNet
from helpers.what_convnets_are_good_for_locality import pixel_permutation

from tests.test_feature_binding_strokes import LeftOrRight
from tests.test_shift_equivariance import digits, lenet  # noqa: F401  (fixtures shared with the equivariance tests)
from tests.test_sliding_window_reader import seeded
from tests.test_sliding_window_strips import blob_digits


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def wrong(capsys, *secrets: str) -> str:
    """The text printed since the last read: a "Not yet" verdict that shows none of `secrets`."""
    out = capsys.readouterr().out
    assert out.startswith("Not yet: ") and "Right" not in out
    for s in secrets:
        assert s not in out, f"the hint gives away {s!r}: {out}"
    return out


def right(capsys) -> str:
    out = capsys.readouterr().out
    assert out.startswith("Right: ")
    return out


# ---- 01_proto_cnns ----------------------------------------------------------------------------------

def test_proto_checks_accept_right_answers_and_reject_wrong_ones(capsys):
    assert proto_cnns.check_net5_h2(3264, 264) and not proto_cnns.check_net5_h2(3264, 1600) and not proto_cnns.check_net5_h2(3200, 264)
    assert proto_cnns.check_shared_bias_weights(1132 - 128 + 2) and not proto_cnns.check_shared_bias_weights(1132)
    assert proto_cnns.check_net6(Net5()) and not proto_cnns.check_net6(NETS["Net1"]()) and not proto_cnns.check_net6(nn.Linear(3, 3))
    out = capsys.readouterr().out
    assert out.count("Right:") == 3 and out.count("Not yet:") == 5 and "3264" not in out.replace(",", "")


def test_net5_h2_hints(capsys):
    assert proto_cnns.check_net5_h2(3264, 264)
    right(capsys)
    assert not proto_cnns.check_net5_h2(64 * 50, 264)  # links without the biases
    assert "plus its bias" in wrong(capsys, "3264", "3,264")
    assert not proto_cnns.check_net5_h2(3264, 4 * 50)  # weights without the per-unit biases
    assert "own bias" in wrong(capsys, "264")
    assert not proto_cnns.check_net5_h2(3264, 4 * 50 + 4)  # one bias per map, as nn.Conv2d would have
    assert "own bias" in wrong(capsys, "264")
    assert not proto_cnns.check_net5_h2(3264, 3264)  # no sharing
    assert "share one kernel" in wrong(capsys, "264")


def test_shared_bias_weights_hints(capsys):
    assert proto_cnns.check_shared_bias_weights(1006)
    assert "one per map" in right(capsys)
    for answer in (1132, 1132 - 128, 1132 - 2 * 64 + 1):  # unchanged; biases dropped; one bias for both maps
        assert not proto_cnns.check_shared_bias_weights(answer)
        wrong(capsys, "1006", "1,006")


def test_net6_needs_logits_and_sharing(capsys):
    class Unflattened(nn.Module):  # forgets to flatten: (N, 10, 1, 1)
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 10, 16)

        def forward(self, x):
            return self.conv(x)

    assert not proto_cnns.check_net6(Unflattened())
    assert "(N, 10)" in wrong(capsys)
    assert not proto_cnns.check_net6(NETS["Net2"]())  # fully connected: one link per weight
    assert "share more" in wrong(capsys)
    net6 = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.Tanh(), nn.Conv2d(4, 8, 5, stride=2, padding=2),
                         nn.Tanh(), nn.Flatten(), nn.Linear(8 * 4 * 4, 10))
    assert proto_cnns.check_net6(net6)
    assert "now train it" in right(capsys)


class Corner(nn.Module):  # reads a 1 when pixel (7, 7) is inked, else a 0
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(()))

    def forward(self, x):
        on = (x[:, 0, 7, 7] > 0).float()
        return torch.stack([1 - on, on], 1) * 10 + self.w


def test_uncentred_votes(capsys):
    dot = torch.full((1, 1, 16, 16), -1.0)
    dot[0, 0, 7:9, 7:9] = 1.0  # ink on (7, 7) only while the drawing is centred
    models = {"a": Corner(), "b": Corner()}
    assert proto_cnns.check_uncentred_votes(0, models, dot) and not proto_cnns.check_uncentred_votes(2, models, dot)
    capsys.readouterr()
    assert not proto_cnns.check_uncentred_votes(2, models, dot)  # the count for the centred image
    assert "shift(image + 1, -2, -2) - 1" in wrong(capsys, "0 of")
    assert not proto_cnns.check_uncentred_votes(0, models, torch.zeros(16, 16))
    assert "(1, 1, 16, 16)" in wrong(capsys)
    moved = proto_cnns.uncentred(dot)
    assert float(moved[0, 0, 5, 5]) == 1.0 and float(moved[0, 0, 7, 7]) == -1.0 and float(moved.min()) == -1.0


# ---- 02_bell_labs -----------------------------------------------------------------------------------

def karpathy_table() -> torch.Tensor:
    """Written as a learner might, row by row from the exercise's words (H2 map -> the H1 maps it reads)."""
    reads = [range(0, 8)] * 4 + [range(4, 12)] * 4 + [[0, 1, 2, 3, 8, 9, 10, 11]] * 4
    return torch.tensor([[j in r for j in range(12)] for r in reads])


def test_bell_labs_accepts_the_right_answers(capsys):
    assert bell_labs.check_bell_labs(1, (6, 11_232))
    assert not bell_labs.check_bell_labs(1, (8, 19_968))
    assert bell_labs.check_bell_labs(2, 8_824)
    assert bell_labs.check_bell_labs(3, lambda w: (w - 32) // 4 + 1)
    assert not bell_labs.check_bell_labs(3, lambda w: w // 4)
    assert bell_labs.check_bell_labs(4, karpathy_table())
    out = capsys.readouterr().out
    assert out.count("Right:") == 4 and out.count("Not yet:") == 2
    with pytest.raises(ValueError):
        bell_labs.check_bell_labs(5, 0)


def test_bell_labs_1_hints(capsys):
    secrets = ("11232", "11,232", "11 232")
    assert not bell_labs.check_bell_labs(1, (8, 19_968))  # H1 as it is, with the frame
    assert "p = 0" in wrong(capsys, *secrets)
    assert not bell_labs.check_bell_labs(1, (5, 12 * 25 * 26))  # forgets the +1
    assert "+1 matters" in wrong(capsys, *secrets)
    assert not bell_labs.check_bell_labs(1, (12, 12 * 144 * 26))  # stride 1
    assert "stride" in wrong(capsys, *secrets)
    assert not bell_labs.check_bell_labs(1, (6, 12 * 36 * 25))  # forgets the biases
    assert "bias" in wrong(capsys, *secrets)
    assert not bell_labs.check_bell_labs(1, (6, 36 * 26))  # one map instead of 12
    assert "12 maps" in wrong(capsys, *secrets)
    assert not bell_labs.check_bell_labs(1, 6)
    assert "pair" in wrong(capsys, *secrets)


def test_bell_labs_2_hints(capsys):
    secrets = ("8824", "8,824")
    for answer, hint in ((9_760, "one bias per unit"), (9_760 - 960, "still keeps one bias"),
                         (9_760 - 768 + 12, "H2"), (9_760 - 192 + 12, "H1"), (1_234, "start from 9,760")):
        assert not bell_labs.check_bell_labs(2, answer)
        assert hint in wrong(capsys, *secrets)


def test_bell_labs_3_hints(capsys):
    assert not bell_labs.check_bell_labs(3, lambda w: (w - 32) // 4)  # forgets the +1
    assert "positions(32)" in wrong(capsys)
    assert not bell_labs.check_bell_labs(3, lambda w: (w - 32) / 4 + 1)  # forgets the floor
    assert "round down" in wrong(capsys)
    assert not bell_labs.check_bell_labs(3, lambda w: (w - 32) // 32 + 1)  # windows side by side, not overlapping
    assert "too few" in wrong(capsys)
    assert not bell_labs.check_bell_labs(3, lambda w: (w - 28) // 4 + 1 if w > 32 else 1)
    assert "too many" in wrong(capsys)
    assert not bell_labs.check_bell_labs(3, lambda w: 1 // 0)
    assert "ZeroDivisionError" in wrong(capsys)


def test_bell_labs_4_hints(capsys):
    truth = karpathy_table()
    assert not bell_labs.check_bell_labs(4, truth.T)
    assert "transpose" in wrong(capsys)
    assert not bell_labs.check_bell_labs(4, cyclic_table(12, 12, 8))  # 8 per row, but another scheme
    assert "not this scheme" in wrong(capsys)
    off_by_one = truth.clone()
    off_by_one[4:8, 11] = False  # 4:11 instead of 4:12
    assert not bell_labs.check_bell_labs(4, off_by_one)
    assert "8 True" in wrong(capsys)
    assert not bell_labs.check_bell_labs(4, truth.int())
    assert "bool" in wrong(capsys)
    assert not bell_labs.check_bell_labs(4, truth[:, :8])
    assert "(12, 12)" in wrong(capsys)


# ---- 03_pooling_zoo ---------------------------------------------------------------------------------

def test_pooling_checks(capsys):
    assert pooling_zoo.check_lse_offset(3, 2.0, math.log(9) / 2)
    assert not pooling_zoo.check_lse_offset(3, 2.0, math.log(3) / 2)
    assert not pooling_zoo.check_lse_offset(3, 2.0, math.log(9))
    assert pooling_zoo.check_lse_function(lambda x, b: (torch.logsumexp(b * x, 0) - math.log(len(x))) / b)
    assert not pooling_zoo.check_lse_function(lambda x, b: torch.log(torch.exp(b * x).mean()) / b)  # overflows
    assert not pooling_zoo.check_lse_function(lambda x, b: torch.logsumexp(b * x, 0) / b)  # forgets the 1/n
    assert not pooling_zoo.check_lse_function(lambda x, b: torch.exp(b * x).sum() / b)  # the printed formula
    assert pooling_zoo.check_l2_gradient([0.6, 0.8, 0.0, 0.0])
    assert not pooling_zoo.check_l2_gradient([6.0, 8.0, 0.0, 0.0])
    assert not pooling_zoo.check_l2_gradient([0.6, 0.8])
    out = capsys.readouterr().out
    assert "1.0986" not in out and "1.099" not in out  # hints never print the solution (log(9)/2)


def test_pooling_hints(capsys):
    secrets = ("1.0986", "1.099", "1.10")
    assert not pooling_zoo.check_lse_offset(3, 2.0, math.log(3) / 2)
    assert "not 3" in wrong(capsys, *secrets)
    assert not pooling_zoo.check_lse_offset(3, 2.0, math.log(9))
    assert "divided by the temperature" in wrong(capsys, *secrets)
    assert not pooling_zoo.check_lse_offset(3, 2.0, 0.5)
    wrong(capsys, *secrets)
    assert not pooling_zoo.check_lse_function(lambda x, b: torch.log(torch.exp(b * x).mean()) / b)
    assert "overflows" in wrong(capsys)
    assert not pooling_zoo.check_lse_function(lambda x, b: torch.logsumexp(b * x, 0) / b)
    assert "1/n inside the log" in wrong(capsys)
    assert not pooling_zoo.check_lse_function(lambda x, b: x.max())
    assert "check the formula" in wrong(capsys)
    assert pooling_zoo.check_lse_function(lambda x, b: (torch.logsumexp(b * x, 0) - math.log(len(x))) / b)
    right(capsys)
    assert not pooling_zoo.check_l2_gradient([6.0, 8.0, 0.0, 0.0])  # the gradient of the sum of squares
    assert "square root" in wrong(capsys, "0.6", "0.8")
    assert not pooling_zoo.check_l2_gradient([0.75, 1.0, 0.0, 0.0])  # x_i / L1 ... or anything else
    wrong(capsys, "0.6", "0.8")
    assert pooling_zoo.check_l2_gradient(torch.tensor([0.6, 0.8, 0.0, 0.0]))
    right(capsys)


# ---- 04_lenet5 --------------------------------------------------------------------------------------

def test_conv2_parameters(capsys):
    assert lenet5.check_conv2_parameters(25_050)
    assert "Right" in capsys.readouterr().out
    for wrong in (1_300, 25_000, 431_080):
        assert not lenet5.check_conv2_parameters(wrong)
        out = capsys.readouterr().out
        assert "Not yet" in out and "25050" not in out and "25,050" not in out


def test_feature_side(capsys):
    assert lenet5.check_feature_side(28, 4) and lenet5.check_feature_side(32, 5) and lenet5.check_feature_side(36, 6)
    assert not lenet5.check_feature_side(36, 7)
    assert not lenet5.check_feature_side(36, (36 - 8) // 4)
    assert "+1 matters" in capsys.readouterr().out


def test_lenet5_hints_never_give_the_answer(capsys):
    assert not lenet5.check_conv2_parameters(50 * 5 * 5 + 50)  # a kernel on one map only
    assert "20 input maps" in wrong(capsys, "25050", "25,050")
    assert not lenet5.check_conv2_parameters(50 * 20 * 5 * 5)  # forgets the biases
    assert "bias" in wrong(capsys, "25050", "25,050")
    assert not lenet5.check_feature_side(36, 7)  # (36 - 8) // 4: the +1 forgotten
    assert "+1 matters" in wrong(capsys, "6x6")
    assert not lenet5.check_feature_side(36, 5)
    wrong(capsys, "6x6")
    assert lenet5.check_feature_side(36, 6)
    right(capsys)


# ---- 05_shift_equivariance --------------------------------------------------------------------------

def test_equivariance_checks(lenet, digits, capsys):
    assert shift_equivariance.check_map_move(6, 1.5) and not shift_equivariance.check_map_move(6, 3)
    assert "pool2 halves" in capsys.readouterr().out.splitlines()[-1]
    assert shift_equivariance.check_exact_shifts([0, 4, 8, 12]) and not shift_equivariance.check_exact_shifts([0, 2, 4, 6, 8, 10, 12])
    value = consistency(lenet, digits, 2, generator=torch.Generator().manual_seed(0))
    assert shift_equivariance.check_consistency(value, lenet, digits, 2) and not shift_equivariance.check_consistency(value - 10, lenet, digits, 2)
    assert capsys.readouterr().out.startswith("Right")


def test_equivariance_hints(lenet, digits, capsys):
    assert not shift_equivariance.check_map_move(6, 3)  # the move after pool1
    assert "pool2 halves" in wrong(capsys, "1.5")
    assert not shift_equivariance.check_map_move(6, 6)  # the input shift itself
    assert "product of the strides" in wrong(capsys, "1.5")
    assert shift_equivariance.check_map_move(8, 2)
    right(capsys)
    assert not shift_equivariance.check_exact_shifts(range(0, 13, 2))  # exact up to conv2 only
    assert "halves the resolution" in wrong(capsys, "0, 4, 8, 12", "[0, 4, 8, 12]")
    assert not shift_equivariance.check_exact_shifts([4, 8, 12])  # forgets the shift of 0
    wrong(capsys, "0, 4, 8, 12", "[0, 4, 8, 12]")
    value = consistency(lenet, digits, 2, generator=torch.Generator().manual_seed(0))
    shown = f"{value:.1f}"
    assert not shift_equivariance.check_consistency(value / 100, lenet, digits, 2)  # a share, not a percentage
    assert "percentage" in wrong(capsys, shown)
    assert not shift_equivariance.check_consistency(value - 10, lenet, digits, 2)
    assert "manual_seed(0)" in wrong(capsys, shown)


# ---- 06_sliding_window ------------------------------------------------------------------------------

def test_one_d(capsys):
    assert sliding_window.check_one_d(50, 11, (40, 49))
    assert "40 to 49" in right(capsys)
    assert not sliding_window.check_one_d(50, (50 - 10) // 4, (36, 45))  # forgets the +1
    assert "+ 1" in wrong(capsys, "11", "40", "49")
    assert not sliding_window.check_one_d(50, 50 // 4, (48, 57))  # the stride alone
    wrong(capsys, "11", "40", "49")
    assert not sliding_window.check_one_d(50, 11, (40, 50))  # one past the last input
    assert "last included" in wrong(capsys, "49")
    assert not sliding_window.check_one_d(50, 11, (44, 53))  # counts outputs from 1
    assert "count from 0" in wrong(capsys, "49")


def test_narrowest_strip(capsys):
    assert sliding_window.check_narrowest_strip(20, 32 + 4 * 19)
    right(capsys)
    for answer in (4 * 20, 32 + 4 * 20):  # the first column's whole window forgotten / counted twice
        assert not sliding_window.check_narrowest_strip(20, answer)
        assert "almost" in wrong(capsys, "108")
    assert not sliding_window.check_narrowest_strip(20, 20 * 32)  # one window per column, side by side
    assert "smallest W" in wrong(capsys, "108")


def test_decoder(capsys):
    images, labels = blob_digits(30)
    strips = make_strips(images, labels, count=3, length=3, seed=0)
    reader = seeded(FullyConvLeNet())
    baseline = reading_accuracy(reader, strips).string_accuracy
    capsys.readouterr()
    assert sliding_window.check_decoder(decode, reader, strips, baseline=baseline)  # the notebook's own rule ties
    assert "at least" in right(capsys)
    texts = iter(s.text for s in strips)
    assert sliding_window.check_decoder(lambda p: next(texts), reader, strips, baseline=50.0)
    assert "100.0% of strings" in right(capsys)
    # a threshold of 0 turns every column off: the rule reads nothing
    assert not sliding_window.check_decoder(lambda p: decode(p, threshold=0.0), reader, strips, baseline=50.0)
    assert "below the 50.0%" in wrong(capsys)


# ---- 07_feature_binding -----------------------------------------------------------------------------

def dot_path(labels=("0", "1")):
    return moving_path("dot", {"frame": line((0, 0), (0, 1), (4, 1), (4, 0))}, "dot",
                       [line((0.5, 0.5), (0.9, 0.5)), line((3.1, 0.5), (3.5, 0.5))], labels)


def test_strokes_checks(capsys):
    path = moving_path("dot", {"frame": line((0, 0), (0, 1), (4, 1), (4, 0))}, "dot",
                       [line((0.5, 0.5), (0.9, 0.5)), line((3.1, 0.5), (3.5, 0.5))], ("0", "1"))
    model = LeftOrRight()
    assert feature_binding.check_path(model, path) is True
    wrong_path = moving_path("dot", dict(path.fixed), "dot", list(path.keyframes), ("1", "0"))
    assert feature_binding.check_path(model, wrong_path) is False
    assert "not 1 and 0" in capsys.readouterr().out
    s = sweep(model, path, 21)
    t = crossing(s)
    # the naive answer: the first step whose prediction is the end class lies just after the crossing
    first = int(torch.nonzero(s.predictions == 1).flatten()[0])
    assert float(s.t[first - 1]) <= t <= float(s.t[first])
    assert feature_binding.check_crossing(s, t + 0.01) is True and feature_binding.check_crossing(s, t + 0.2) is False
    views = {"pool1": torch.rand(3, 2, 4, 4, generator=torch.Generator().manual_seed(1)),
             "pool2": torch.rand(3, 2, 2, 2, generator=torch.Generator().manual_seed(2))}
    answers = [feature_binding.check_bag_answer(views, a) for a in ("more", "less")]
    assert sorted(answers) == [False, True]
    assert feature_binding.check_bag_answer(views, "same") is False


def test_path_hints(capsys):
    model = LeftOrRight()
    assert feature_binding.check_path(model, dot_path())
    assert "at the start" in right(capsys)
    assert not feature_binding.check_path(model, dot_path(("0", "")))
    assert "label the first and last" in wrong(capsys)
    assert not feature_binding.check_path(model, dot_path(("0", "0")))
    assert "the same" in wrong(capsys)
    assert not feature_binding.check_path(model, dot_path(("1", "0")))  # the ends swapped
    assert "not 1 and 0" in wrong(capsys)
    unsure = LeftOrRight()
    with torch.no_grad():
        unsure.scale.fill_(1e-3)  # right answers, probabilities near 0.5
    assert not feature_binding.check_path(unsure, dot_path())
    assert "clearer" in wrong(capsys)


def test_crossing_hints(capsys):
    s = sweep(LeftOrRight(), dot_path(), 21)
    t = crossing(s)
    secret = f"{t:.2f}"
    assert not feature_binding.check_crossing(s, t + 0.2)
    assert "earlier" in wrong(capsys, secret)
    assert not feature_binding.check_crossing(s, t - 0.2)
    assert "later" in wrong(capsys, secret)
    assert feature_binding.check_crossing(s, t - 0.04)
    right(capsys)


def test_bag_answer_hints(capsys):
    same = torch.rand(2, 2, 4, 4, generator=torch.Generator().manual_seed(3))
    views = {"pool1": torch.stack([same[0], same[0] * 0 + 1]), "pool2": torch.stack([same[1], same[1]])}
    assert feature_binding.check_bag_answer(views, "more")  # pool2 bags identical: more alike
    assert "cosine" in right(capsys)
    assert not feature_binding.check_bag_answer(views, "less")
    assert "compute cosine" in wrong(capsys)
    assert not feature_binding.check_bag_answer(views, "yes")
    assert "'more' or 'less'" in wrong(capsys)


# ---- 08_what_convnets_are_good_for ------------------------------------------------------------------

def test_locality_checks(capsys):
    assert what_convnets_are_good_for.check_unshared_conv2(8 * 8 * 6 * (6 * 25 + 1))
    assert not what_convnets_are_good_for.check_unshared_conv2(906)
    assert what_convnets_are_good_for.check_matched_hidden(6, 8)
    assert not what_convnets_are_good_for.check_matched_hidden(6, 9)
    fc = lambda h: count_parameters(FCNet(h))  # noqa: E731
    target = count_parameters(SmallConvNet(12))
    best = min(range(1, 60), key=lambda h: abs(fc(h) - target))
    assert what_convnets_are_good_for.check_matched_hidden(12, best)
    assert what_convnets_are_good_for.check_pool2_field(16, 4) and not what_convnets_are_good_for.check_pool2_field(14, 2)
    block = torch.arange(784).reshape(14, 2, 14, 2).flip(1).reshape(784)  # swap rows inside each block
    assert what_convnets_are_good_for.check_block_permutation(block)
    assert not what_convnets_are_good_for.check_block_permutation(torch.arange(784))
    assert not what_convnets_are_good_for.check_block_permutation(pixel_permutation(784))
    assert not what_convnets_are_good_for.check_block_permutation(torch.zeros(784, dtype=torch.long))
    out = capsys.readouterr().out
    assert out.count("Right:") == 5 and out.count("Not yet:") == 6


def test_locality_hints(capsys):
    secrets = ("57984", "57,984")
    assert not what_convnets_are_good_for.check_unshared_conv2(6 * (6 * 25 + 1))  # the shared count
    assert "with sharing" in wrong(capsys, *secrets)
    assert not what_convnets_are_good_for.check_unshared_conv2(8 * 8 * 6 * (25 + 1))  # a kernel on one input map only
    assert "all 6 input maps" in wrong(capsys, *secrets)
    assert not what_convnets_are_good_for.check_unshared_conv2(8 * 8 * 6 * 6 * 25)  # forgets the biases
    wrong(capsys, *secrets)
    assert not what_convnets_are_good_for.check_unshared_conv2(24 * 24 * 6 * (6 * 25 + 1))  # conv1's 24x24 positions
    wrong(capsys, *secrets)
    assert not what_convnets_are_good_for.check_matched_hidden(6, 9)
    assert "fewer" in wrong(capsys, "FCNet(8)")
    assert not what_convnets_are_good_for.check_matched_hidden(6, 7)
    assert "more" in wrong(capsys, "FCNet(8)")
    assert not what_convnets_are_good_for.check_pool2_field(14, 2)  # conv2's field
    assert "conv2's field" in wrong(capsys, "16")
    assert not what_convnets_are_good_for.check_pool2_field(15, 4)  # off by one
    wrong(capsys, "16")
    assert not what_convnets_are_good_for.check_block_permutation(pixel_permutation(784))
    assert "outside their own 2x2 block" in wrong(capsys)
    assert not what_convnets_are_good_for.check_block_permutation(torch.arange(784))
    assert "identity" in wrong(capsys)
    assert not what_convnets_are_good_for.check_block_permutation(torch.zeros(784, dtype=torch.long))
    assert "permutation" in wrong(capsys)


@pytest.fixture(scope="module")
def two_lenets():
    """Two LeNet5s trained briefly on the same 1,000 digits, with and without 2-pixel shift augmentation."""
    from helpers.augment import shifter
    from helpers.data import load_digits
    from helpers.train import fit

    torch.set_num_threads(1)
    x, y = load_digits("train")
    train = (x[:1000], y[:1000])
    test = tuple(t[:300] for t in load_digits("test"))
    nets = {}
    for name, augment in (("with", shifter(2)), ("without", None)):
        torch.manual_seed(0)
        nets[name] = LeNet5()
        fit(nets[name], train, epochs=3, lr=1e-3, batch_size=64, optimizer="adam", augment=augment, seed=0,
            device="cpu", progress=False, train_accuracy=False)
    return nets, test


def test_shift_robustness_check(two_lenets, capsys):
    nets, test = two_lenets
    drops = {k: lenet5.shifted_accuracy_drop(n, test)[1] for k, n in nets.items()}
    assert drops["without"] > drops["with"] + 5  # the measured truth the checker relies on
    assert lenet5.check_shift_robustness("without", nets["with"], nets["without"], test)
    assert "Right:" in capsys.readouterr().out
    assert not lenet5.check_shift_robustness("with", nets["with"], nets["without"], test)   # the common wrong guess
    out = capsys.readouterr().out
    assert out.startswith("Not yet:") and f"{drops['without']:.1f}" not in out   # no measured answer leaks
    assert not lenet5.check_shift_robustness("without", nets["with"], nets["with"], test)  # the same net twice
    assert not lenet5.check_shift_robustness("without", nets["with"], LeNet5(), test)      # an untrained net
    assert "train both" in capsys.readouterr().out
    assert not lenet5.check_shift_robustness("plain", nets["with"], nets["without"], test)


FOREIGN = {
    "proto_cnns": ["helpers.feature_binding_strokes", "helpers.sliding_window_reader", "helpers.bell_labs_zipcode", "helpers.shift_equivariance_measures"],
    "lenet5": ["helpers.feature_binding_strokes", "helpers.sliding_window_reader", "helpers.proto_cnns", "helpers.proto_cnns_canvas", "helpers.bell_labs_zipcode"],
    "feature_binding": ["helpers.sliding_window_reader", "helpers.proto_cnns", "helpers.bell_labs_zipcode", "helpers.what_convnets_are_good_for_locality"],
    "what_convnets_are_good_for": ["helpers.feature_binding_strokes", "helpers.sliding_window_reader", "helpers.proto_cnns", "helpers.shift_equivariance_measures"],
}


def test_a_notebooks_checks_load_no_other_lecture():
    """Importing one notebook's self-checks loads none of the other lectures' helpers (a break in one
    lecture's code cannot break another notebook's import line). One fresh interpreter imports torch once, then
    each module of checks with no helpers module loaded before it."""
    import json
    import subprocess
    import sys

    code = ("import importlib, json, sys, torch\nloaded = {}\n"
            "for module in sys.argv[1:]:\n"
            "    for name in [m for m in sys.modules if m == 'helpers' or m.startswith('helpers.')]:\n"
            "        del sys.modules[name]\n"
            "    importlib.import_module(f'helpers.exercises.{module}')\n"
            "    loaded[module] = sorted(m for m in sys.modules if m.startswith('helpers.'))\n"
            "print(json.dumps(loaded))\n")
    out = subprocess.run([sys.executable, "-c", code, *FOREIGN], capture_output=True, text=True, check=True).stdout
    loaded = json.loads(out)
    for module, foreign in FOREIGN.items():
        assert f"helpers.exercises.{module}" in loaded[module]
        assert not [m for m in foreign if m in loaded[module]], (module, loaded[module])
    assert "helpers.proto_cnns" in loaded["proto_cnns"] and "helpers.proto_cnns" not in loaded["lenet5"]  # each starts clean


# ---- every notebook: the exercise convention ------------------------------------------------------

@pytest.mark.parametrize("path", sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb")),
                         ids=lambda p: p.name[:2])
def test_exercise_cell_only_shows_commented_checks(path):
    """The last code cell of a notebook lists its checks, commented out, with `...` where the answer goes."""
    last = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"][-1]
    lines = [line for line in last.splitlines() if line.strip()]
    assert all(line.startswith("#") for line in lines), "the exercise cell holds commented calls only"
    calls = [line for line in lines if "check_" in line]
    assert calls and all("..." in line for line in calls)
