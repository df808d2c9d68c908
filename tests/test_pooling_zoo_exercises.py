"""Tests for 03_pooling_zoo's build exercise, `check_softmax_pool` (helpers/exercises/pooling_zoo.py): a right answer,
each recognised mistake with its own hint, and malformed answers answered in one sentence."""

import pytest
import torch

from helpers.exercises.pooling_zoo import check_softmax_pool
from helpers.pooling_zoo import avg_pool, max_pool, windows
from support import solution


softmax_pool = solution("03_pooling_zoo").softmax_pool   # the teacher's answer, solutions/03_pooling_zoo.py


def test_the_solution_lies_between_average_and_max():
    x = torch.randn(2, 3, 6, 6, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(softmax_pool(x, 2, b=0.0), avg_pool(x, 2), atol=1e-6)
    assert torch.allclose(softmax_pool(x, 2, b=1e4), max_pool(x, 2), atol=1e-4)


def test_a_right_answer(capsys):
    assert check_softmax_pool(softmax_pool)
    out = capsys.readouterr().out
    assert out.startswith("Right:") and "Not yet" not in out


def _blocks(x, kernel, stride=None, *, b=1.0):
    n, c, h, w = x.shape
    win = x.reshape(n, c, h // kernel, w // kernel, kernel * kernel)
    return (torch.softmax(b * win, -1) * win).sum(-1)


def _naive(x, kernel, stride=None, *, b=1.0):
    w = windows(x, kernel, stride)
    e = torch.exp(b * w)
    return (e * w).sum(-1) / e.sum(-1)


def _detached_weights(x, kernel, stride=None, *, b=1.0):
    w = windows(x, kernel, stride)
    return (torch.softmax(b * w, -1).detach() * w).sum(-1)


@pytest.mark.parametrize("answer, hint", [
    (lambda x, k, s=None, *, b=1.0: softmax_pool(x, k, s, b=1.0), "multiply the inputs by b"),
    (lambda x, k, s=None, *, b=1.0: (torch.softmax(b * windows(x, k, s), -1) * windows(x, k, s)).mean(-1),
     "already sum to 1"),
    (lambda x, k, s=None, *, b=1.0: torch.softmax(b * windows(x, k, s), -1).sum(-1), "summed the weights alone"),
    (_blocks, "not k x k blocks"),
    (lambda x, k, s=None, *, b=1.0: softmax_pool(x, k, None, b=b), "pass stride on"),
    (_naive, "overflows"),
    (lambda x, k, s=None, *, b=1.0: softmax_pool(x, k, s, b=b).detach(), "no gradient flows back"),
    (_detached_weights, "the gradients are not"),
    (lambda x, k, s=None, *, b=1.0: max_pool(x, k, s), "output[0, 0, 0, 0] is"),
], ids=["no-b", "mean", "weights-only", "reshape-windows", "no-stride", "overflow", "detached", "detached-weights",
        "max"])
def test_each_recognised_mistake_gets_its_hint(answer, hint, capsys):
    assert not check_softmax_pool(answer)
    out = capsys.readouterr().out
    assert out.startswith("Not yet:") and hint in out and out.count("\n") == 1


@pytest.mark.parametrize("answer, start", [
    (3, "Not yet: pass your function itself"),
    (lambda x, k, s=None, *, b=1.0: 1 / 0, "Not yet: softmax_pool raised ZeroDivisionError"),
    (lambda x, k, s=None, *, b=1.0: [1.0], "Not yet: softmax_pool should return a tensor"),
    (lambda x, k, s=None, *, b=1.0: softmax_pool(x, k, s, b=b)[..., 1:], "Not yet: with 2x2 windows"),
    (lambda x, k: softmax_pool(x, k), "Not yet: softmax_pool raised TypeError"),
])
def test_malformed_answers_get_one_sentence(answer, start, capsys):
    assert not check_softmax_pool(answer)
    out = capsys.readouterr().out
    assert out.startswith(start) and "Traceback" not in out and out.count("\n") == 1


def test_the_stub_as_written_is_not_yet(capsys):
    def stub(x, kernel, stride=None, *, b=1.0):
        ...
    assert not check_softmax_pool(stub)
    assert capsys.readouterr().out.startswith("Not yet: softmax_pool should return a tensor")
