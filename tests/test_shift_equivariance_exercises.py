"""The build exercise of 05_shift_equivariance: check_map_error on a right answer, each recognised mistake and
malformed answers."""

from __future__ import annotations

import pytest
import torch

from helpers.augment import shift
from helpers.exercises.shift_equivariance import check_map_error
from support import solution


map_error = solution("05_shift_equivariance").map_error   # the teacher's answer, solutions/05_shift_equivariance.py


def forgot_stride(f, images, d, s):
    return map_error(f, images, d, 1)  # moves the maps d cells


def absolute(f, images, d, s):
    k = d // s
    a, b = f(shift(images, 0, d)).detach(), f(images).detach()
    return float((a[..., k:] - b[..., : b.shape[-1] - k]).norm())


def whole_map(f, images, d, s):
    a, b = f(shift(images, 0, d)).detach(), shift(f(images).detach(), 0, d // s)
    return float((a - b).norm() / b.norm())


def backwards(f, images, d, s):
    k = d // s
    a, b = f(shift(images, 0, d)).detach(), f(images).detach()
    a, b = a[..., : a.shape[-1] - k], b[..., k:]
    return float((a - b).norm() / b.norm())


def test_right_answer(capsys):
    assert check_map_error(map_error) is True
    assert capsys.readouterr().out.startswith("Right")


@pytest.mark.parametrize("answer, hint", [
    (forgot_stride, "moves d // s cells"),
    (absolute, "divide it by the norm"),
    (whole_map, "only the columns both maps have"),
    (backwards, "wrong way round"),
])
def test_recognised_mistakes(capsys, answer, hint):
    assert check_map_error(answer) is False
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and hint in out


def test_other_wrong_answer_gets_the_general_hint(capsys):
    assert check_map_error(lambda f, images, d, s: 0.0) is False
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and "shift(images, 0, d)" in out


def raises(f, images, d, s):
    raise NotImplementedError("write me")


@pytest.mark.parametrize("answer, words", [
    (3.5, "pass your function"),
    (raises, "raised NotImplementedError"),
    (lambda f, images, d, s: "small", "return one number"),
    (lambda f, images, d, s: torch.zeros(3), "return one number"),
    (lambda f, images, d, s: float("nan"), "returned nan"),
])
def test_malformed_answers(capsys, answer, words):
    assert check_map_error(answer) is False
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and words in out and "Traceback" not in out
    assert len(out.strip().splitlines()) == 1
