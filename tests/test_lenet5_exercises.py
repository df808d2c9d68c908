"""Tests for 04's build exercise, `check_lenet5_functional`: LeNet5's forward pass written with torch.nn.functional
from its state dict. A right answer passes; each recognised mistake gets its own hint; malformed answers get one
sentence, never a traceback."""

from __future__ import annotations

import functools

import pytest
import torch
import torch.nn.functional as F

from helpers.exercises.lenet5 import check_lenet5_functional
import support
from support import solution


lenet5_functional = solution("04_lenet5").lenet5_functional   # the teacher's answer, solutions/04_lenet5.py


def variant(relu=(True, True, True), last="log_softmax", flatten=lambda x: x.flatten(1)):
    """The teacher's answer with one usual mistake."""
    def forward(p, x):
        act = [F.relu if on else (lambda t: t) for on in relu]
        x = F.max_pool2d(act[0](F.conv2d(x, p["conv1.weight"], p["conv1.bias"])), 2, 2)
        x = F.max_pool2d(act[1](F.conv2d(x, p["conv2.weight"], p["conv2.bias"])), 2, 2)
        x = act[2](F.linear(flatten(x), p["fc1.weight"], p["fc1.bias"]))
        scores = F.linear(x, p["fc2.weight"], p["fc2.bias"])
        return {"log_softmax": F.log_softmax(scores, dim=1), "softmax": F.softmax(scores, dim=1), "scores": scores}[last]
    return forward


verdict_of = functools.partial(support.verdict_of, check_lenet5_functional)


def test_the_right_answer(capsys):
    ok, out = verdict_of(capsys, lenet5_functional)
    assert ok and out.startswith("Right")


@pytest.mark.parametrize("wrong, hint", [
    (variant(relu=(False, True, True)), "conv1 must be followed by a ReLU"),
    (variant(relu=(True, False, True)), "conv2 must be followed by a ReLU"),
    (variant(relu=(True, True, False)), "fc1 must be followed by a ReLU"),
    (variant(last="scores"), "raw scores"),
    (variant(last="softmax"), "these are probabilities"),
    (variant(flatten=lambda x: x.view(-1, 4 * 4 * 50)), "view(-1, 800) invented a batch"),
    (lambda p, x: lenet5_functional(p, x).detach(), "no gradient flows back"),
    (lambda p, x: lenet5_functional(p, x) + 0.5, "follow LeNet5.forward layer by layer"),
], ids=["no ReLU after conv1", "no ReLU after conv2", "no ReLU after fc1", "raw scores", "probabilities",
        "view(-1, 800)", "detached", "other"])
def test_each_recognised_mistake_gets_its_hint(capsys, wrong, hint):
    ok, out = verdict_of(capsys, wrong)
    assert not ok and out.startswith("Not yet") and hint in out


def test_the_first_difference_is_named(capsys):
    ok, out = verdict_of(capsys, variant(last="scores"))
    assert "output[0, 0] is" in out and "LeNet5 gives" in out


def stub(params, x):
    raise NotImplementedError("write me")


@pytest.mark.parametrize("answer, says", [
    (None, "pass your function itself"),
    (stub, "NotImplementedError: write me"),
    (lambda p, x: p["conv3.weight"], "KeyError"),
    (lambda p, x: lenet5_functional(p, x).tolist(), "should return a tensor"),
    (lambda p, x: lenet5_functional(p, x)[0], "one row of 10 per digit"),
    (variant(flatten=lambda x: x.flatten()), "raised RuntimeError"),
], ids=["not callable", "raises", "wrong key", "not a tensor", "wrong shape", "batch axis flattened"])
def test_malformed_answers_get_one_sentence(capsys, answer, says):
    ok, out = verdict_of(capsys, answer)
    assert not ok and out.startswith("Not yet") and says in out
    assert "Traceback" not in out and len(out.strip().splitlines()) == 1


def test_the_check_leaves_the_global_generator_alone():
    state = torch.random.get_rng_state()
    check_lenet5_functional(lenet5_functional)
    assert torch.equal(state, torch.random.get_rng_state())
