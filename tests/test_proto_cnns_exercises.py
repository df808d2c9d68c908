"""Tests for 01's build exercise, `check_shared_forward`: the locally connected layer with one kernel everywhere,
written with F.unfold. A right answer passes; each recognised mistake gets its own hint; malformed answers get one
sentence, never a traceback."""

from __future__ import annotations

import functools

import pytest
import torch
import torch.nn.functional as F

from helpers.exercises.proto_cnns import check_shared_forward
import support
from support import solution


shared_forward = solution("01_proto_cnns").shared_forward   # the teacher's answer, solutions/01_proto_cnns.py


verdict_of = functools.partial(support.verdict_of, check_shared_forward)


def test_the_right_answer(capsys):
    ok, out = verdict_of(capsys, shared_forward)
    assert ok and out.startswith("Right")


@pytest.mark.parametrize("wrong, hint", [
    (lambda x, k, b, s: shared_forward(x, k, torch.zeros_like(b), s), "the bias is missing"),
    (lambda x, k, b, s: shared_forward(x, k, b, s).transpose(-1, -2), "rows and columns are swapped"),
    (lambda x, k, b, s: shared_forward(x, k.transpose(-1, -2), b, s), "read column by column"),
    (lambda x, k, b, s: shared_forward(x, k.flip(-1, -2), b, s), "the kernel is flipped"),
    (lambda x, k, b, s: shared_forward(x, k, b, 1), "`stride` pixels apart"),
    (lambda x, k, b, s: shared_forward(x, k, b, s).detach(), "no gradient flows back"),
    (lambda x, k, b, s: shared_forward(x, k, b, s) + 0.5, "compare one position by hand"),
], ids=["no bias", "transposed positions", "kernel read by columns", "flipped kernel", "stride ignored", "detached", "other"])
def test_each_recognised_mistake_gets_its_hint(capsys, wrong, hint):
    ok, out = verdict_of(capsys, wrong)
    assert not ok and out.startswith("Not yet") and hint in out


def test_the_first_difference_is_named(capsys):
    ok, out = verdict_of(capsys, lambda x, k, b, s: shared_forward(x, k, torch.zeros_like(b), s))
    assert "output[0, 0, 0, 0] is" in out and "the convolution gives" in out


def test_f_conv2d_is_refused(capsys):
    ok, out = verdict_of(capsys, lambda x, k, b, s: F.conv2d(x, k, b, stride=s))
    assert not ok and "use F.unfold, not F.conv2d" in out
    assert F.conv2d(torch.ones(1, 1, 2, 2), torch.ones(1, 1, 1, 1)).sum() == 4   # put back after the check


def stub(x, kernel, bias, stride):
    raise NotImplementedError("write me")


@pytest.mark.parametrize("answer, says", [
    (3, "pass your function itself"),
    (stub, "NotImplementedError: write me"),
    (lambda x, k, b, s: shared_forward(x, k, b, s).tolist(), "should return a tensor"),
    (lambda x, k, b, s: shared_forward(x, k, b, s).flatten(2), "the output should be"),
    (lambda x, k, b, s: k @ x, "raised RuntimeError"),
], ids=["not callable", "raises", "not a tensor", "wrong shape", "shapes do not multiply"])
def test_malformed_answers_get_one_sentence(capsys, answer, says):
    ok, out = verdict_of(capsys, answer)
    assert not ok and out.startswith("Not yet") and says in out
    assert "Traceback" not in out and len(out.strip().splitlines()) == 1


def test_the_check_leaves_the_global_generator_alone():
    state = torch.random.get_rng_state()
    check_shared_forward(shared_forward)
    assert torch.equal(state, torch.random.get_rng_state())
