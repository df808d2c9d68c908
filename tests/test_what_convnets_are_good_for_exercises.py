"""Tests for 08's build exercise, `check_unpermuted_twin`: a right answer passes, each recognised mistake
gets its own hint, malformed answers get one sentence and no traceback."""

from __future__ import annotations

import copy
import functools

import pytest
import torch

from helpers.exercises.what_convnets_are_good_for import check_unpermuted_twin
import support
from support import solution


unpermuted_twin = solution("08_what_convnets_are_good_for").unpermuted_twin   # the teacher's answer, solutions/08_what_convnets_are_good_for.py


verdict_of = functools.partial(support.verdict_of, check_unpermuted_twin)


def test_right_answer(capsys):
    ok, out = verdict_of(capsys, unpermuted_twin)
    assert ok and out.startswith("Right: ")


def with_columns(index):
    def answer(net, perm):
        twin = copy.deepcopy(net)
        with torch.no_grad():
            twin.fc1.weight.copy_(net.fc1.weight[:, index(perm)])
        return twin
    return answer


def in_place(net, perm):
    with torch.no_grad():
        net.fc1.weight.copy_(net.fc1.weight[:, perm.argsort()].clone())
    return net


def rows(net, perm):
    twin = copy.deepcopy(net)
    with torch.no_grad():
        twin.fc1.weight.copy_(net.fc1.weight[perm.argsort()])
    return twin


def dropped_bias(net, perm):
    twin = unpermuted_twin(net, perm)
    with torch.no_grad():
        twin.fc1.bias.zero_()
    return twin


@pytest.mark.parametrize("answer, hint", [
    (with_columns(lambda p: p), "inverse permutation"),
    (in_place, "changed the original net"),
    (lambda net, perm: copy.deepcopy(net), "unchanged net"),
    (lambda net, perm: net, "returned the original net itself"),
    (rows, "it is the pixels you reorder"),
    (dropped_bias, "image 0, class"),
])
def test_recognised_mistakes(capsys, answer, hint):
    ok, out = verdict_of(capsys, answer)
    assert not ok and out.startswith("Not yet: ") and hint in out, out
    assert "argsort" not in out


@pytest.mark.parametrize("answer, hint", [
    ("twin", "pass your function itself"),
    (lambda net, perm: 1 / 0, "raised ZeroDivisionError"),
    (lambda net, perm: net.fc1.weight, "return the new net"),
    (lambda net, perm: torch.nn.Linear(784, 10), "raised RuntimeError"),
    (lambda net, perm: torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 3)), "scores of shape (5, 10)"),
])
def test_malformed_answers(capsys, answer, hint):
    ok, out = verdict_of(capsys, answer)
    assert not ok and out.startswith("Not yet: ") and hint in out and "Traceback" not in out, out
    assert out.count("\n") == 1
