"""Tests for 02_bell_labs's build exercise, `check_table_conv` (helpers/exercises/bell_labs.py): a right answer, each
recognised mistake with its own hint, and malformed answers answered in one sentence."""

import pytest
import torch
import torch.nn.functional as F

from helpers.bell_labs import TableConv2d
from helpers.exercises.bell_labs import _reference_table_conv, check_table_conv
from support import solution


table_conv = solution("02_bell_labs").table_conv   # the teacher's answer, solutions/02_bell_labs.py


def test_the_reference_is_table_conv2d():
    g = torch.Generator().manual_seed(0)
    table = torch.rand(4, 3, generator=g) < 0.6
    layer = TableConv2d(table, 5, stride=2, padding=2, pad_value=-1.0, bias=None)
    x = torch.randn(2, 3, 8, 8, generator=g)
    dense = layer.full_weight().detach()
    assert torch.allclose(_reference_table_conv(x, dense, table, 2, 2, -1.0), layer(x), atol=1e-6)
    assert torch.allclose(table_conv(x, dense, table, 2, 2, -1.0), layer(x), atol=1e-5)


def test_a_right_answer(capsys):
    assert check_table_conv(table_conv)
    out = capsys.readouterr().out
    assert out.startswith("Right:") and "Not yet" not in out


def _with(mask=lambda t: t, zero_border=False, stride_on=True):
    def fn(x, weight, table, stride=1, padding=0, pad_value=0.0):
        w = weight * mask(table)[:, :, None, None]
        s = stride if stride_on else 1
        if zero_border:
            return F.conv2d(x, w, stride=s, padding=padding)
        return F.conv2d(F.pad(x, (padding,) * 4, value=pad_value), w, stride=s)
    return fn


def _inplace(x, weight, table, stride=1, padding=0, pad_value=0.0):
    weight[~table] = 0
    return F.conv2d(F.pad(x, (padding,) * 4, value=pad_value), weight, stride=stride)


@pytest.mark.parametrize("answer, hint", [
    (_with(mask=lambda t: t.T), "transpose"),
    (_with(mask=torch.ones_like), "every kernel still counts"),
    (_with(mask=lambda t: ~t), "the mask is inverted"),
    (_with(zero_border=True), "pad x yourself with F.pad"),
    (_with(stride_on=False), "pass stride="),
    (lambda x, w, t, stride=1, padding=0, pad_value=0.0: F.conv2d(F.pad(x, (padding,) * 4, value=pad_value), w * t,
                                                                   stride=stride), "table[:, :, None, None]"),
    (_inplace, "do not change weight in place"),
    (lambda x, w, t, stride=1, padding=0, pad_value=0.0: table_conv(x, w.detach(), t, stride, padding, pad_value),
     "the gradient with respect to weight"),
    (lambda x, w, t, stride=1, padding=0, pad_value=0.0: 1.1 * table_conv(x, w, t, stride, padding, pad_value),
     "output map 0, row 0"),
], ids=["transposed", "no-mask", "inverted", "zero-border", "no-stride", "no-trailing-axes", "in-place", "detached",
        "scaled"])
def test_each_recognised_mistake_gets_its_hint(answer, hint, capsys):
    assert not check_table_conv(answer)
    out = capsys.readouterr().out
    assert out.startswith("Not yet:") and hint in out and out.count("\n") == 1


@pytest.mark.parametrize("answer, start", [
    (3, "Not yet: pass your function itself"),
    (lambda x, w, t, stride=1, padding=0, pad_value=0.0: 1 / 0, "Not yet: table_conv raised ZeroDivisionError"),
    (lambda x, w, t, stride=1, padding=0, pad_value=0.0: [1.0], "Not yet: table_conv should return a tensor"),
    (lambda x, w, t, stride=1, padding=0, pad_value=0.0: table_conv(x, w, t, stride, padding, pad_value)[:, :, 1:],
     "Not yet: with a (6, 6) table"),
])
def test_malformed_answers_get_one_sentence(answer, start, capsys):
    assert not check_table_conv(answer)
    out = capsys.readouterr().out
    assert out.startswith(start) and "Traceback" not in out and out.count("\n") == 1


def test_the_stub_as_written_is_not_yet(capsys):
    def stub(x, weight, table, stride=1, padding=0, pad_value=0.0):
        ...
    assert not check_table_conv(stub)
    assert capsys.readouterr().out.startswith("Not yet: table_conv should return a tensor")
