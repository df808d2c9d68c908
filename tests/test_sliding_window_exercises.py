"""The build exercise of 06_sliding_window: check_field_labels on a right answer, each recognised mistake and
malformed answers."""

from __future__ import annotations

import pytest
import torch

from helpers.exercises.sliding_window import check_field_labels
from support import solution


def labels(x, centres, digits, blank, far, *, near=lambda d: d <= 2, away=lambda d, far: d >= far, none=10,
           use_blank=True, between=-1):
    distance = (x[:, None] - centres[None, :]).abs()
    nearest, which = distance.min(1)
    out = torch.full(x.shape, between, dtype=torch.long)
    out[(blank & use_blank) | away(nearest, far)] = none
    out[near(nearest)] = digits[which[near(nearest)]]
    return out


field_labels = solution("06_sliding_window").field_labels   # the teacher's answer, solutions/06_sliding_window.py


def test_right_answer(capsys):
    assert check_field_labels(field_labels) is True
    assert capsys.readouterr().out.startswith("Right")


@pytest.mark.parametrize("options, hint", [
    (dict(near=lambda d: d < 2), "at most 2, not under 2"),
    (dict(away=lambda d, far: d > far), "at least `far`, not more than"),
    (dict(none=0), "class 10"),
    (dict(use_blank=False), "centre is on blank columns"),
    (dict(between=10), "give it -1"),
])
def test_recognised_mistakes(capsys, options, hint):
    assert check_field_labels(lambda *args: labels(*args, **options)) is False
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and hint in out


def test_other_wrong_answer_gets_the_general_hint(capsys):
    assert check_field_labels(lambda x, *rest: torch.full(x.shape, -1)) is False
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and "-1 in between" in out


def raises(*args):
    raise NotImplementedError("write me")


@pytest.mark.parametrize("answer, words", [
    ("field_labels", "pass your function"),
    (raises, "raised NotImplementedError"),
    (lambda *args: object(), "return a tensor of classes"),
    (lambda x, *rest: torch.zeros(3), "one class per window"),
    (lambda x, *rest: torch.zeros(len(x), 2), "one class per window"),
])
def test_malformed_answers(capsys, answer, words):
    assert check_field_labels(answer) is False
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and words in out and "Traceback" not in out
    assert len(out.strip().splitlines()) == 1
