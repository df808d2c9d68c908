"""Tests for 07's build exercise, `check_bag_of_features`: a right answer passes, each recognised mistake
gets its own hint, malformed answers get one sentence and no traceback."""

from __future__ import annotations

import functools

import pytest
import torch

from helpers.exercises.feature_binding import check_bag_of_features
import support
from support import solution


my_bag_of_features = solution("07_feature_binding").my_bag_of_features   # the teacher's answer, solutions/07_feature_binding.py


verdict_of = functools.partial(support.verdict_of, check_bag_of_features)


def test_right_answer(capsys):
    ok, out = verdict_of(capsys, my_bag_of_features)
    assert ok and out.startswith("Right: ")


def test_flatten_mean_is_right_too(capsys):
    ok, out = verdict_of(capsys, lambda m: m.flatten(2).mean(-1))
    assert ok and out.startswith("Right: ")


@pytest.mark.parametrize("answer, hint", [
    (lambda m: m.mean(1), "pooled over the channels"),
    (lambda m: m.amax(1), "pooled over the channels"),
    (lambda m: m[:, :, 0, 0], "one position only"),
    (lambda m: m[:, :, m.shape[2] // 2, m.shape[3] // 2], "one position only"),
    (lambda m: m.sum((2, 3)), "sum over positions"),
    (lambda m: m.amax((2, 3)), "strongest response"),
    (lambda m: m.mean(2), "should give a bag of shape"),
    (lambda m: m.mean((2, 3)) + 1, "image 0, map 0"),
])
def test_recognised_mistakes(capsys, answer, hint):
    ok, out = verdict_of(capsys, answer)
    assert not ok and out.startswith("Not yet: ") and hint in out, out
    assert "mean(" not in out


def test_position_dependent_bag(capsys):
    calls = []

    def cached(m):   # right on the first maps, then answers from the first call: depends on where features are
        calls.append(m.mean((2, 3)) if not calls else m.mean((2, 3)) * 0 + m[:, :, 0, 0])
        return calls[-1]
    ok, out = verdict_of(capsys, cached)
    assert not ok and "must not depend on where" in out


@pytest.mark.parametrize("answer, hint", [
    (42, "pass your function itself"),
    (lambda m: 1 / 0, "raised ZeroDivisionError"),
    (lambda m: m.mean((2, 3)).tolist(), "return a tensor"),
    (lambda m: m.mean(), "should give a bag of shape"),
])
def test_malformed_answers(capsys, answer, hint):
    ok, out = verdict_of(capsys, answer)
    assert not ok and out.startswith("Not yet: ") and hint in out and "Traceback" not in out, out
    assert out.count("\n") == 1
