"""helpers.claims.should: the line a learner reads is the check CI runs."""

from __future__ import annotations

import math

import pytest
import torch

from helpers.claims import should


def test_a_true_claim_prints_its_evidence(capsys):
    should("test accuracy %", 97.94, at_least=97.5, fmt=".1f")
    assert capsys.readouterr().out == "test accuracy %: 97.9, should be at least 97.5 ✓\n"


def test_a_false_claim_prints_and_stops(capsys):
    with pytest.raises(AssertionError, match=r"^gain: 3, should be above 4$"):
        should("gain", 3, above=4)
    assert capsys.readouterr().out == "gain: 3, should be above 4 ✗\n"


@pytest.mark.parametrize("kwargs, holds", [
    ({"at_least": 2.0}, True), ({"at_least": 2.5}, False), ({"at_most": 2.0}, True), ({"at_most": 1.5}, False),
    ({"above": 2.0}, False), ({"above": 1.9}, True), ({"below": 2.0}, False), ({"below": 2.1}, True),
    ({"equal": 2.0}, True), ({"equal": 2.01}, False), ({"near": 2.05, "tol": 0.1}, True),
    ({"near": 2.2, "tol": 0.1}, False), ({"at_least": 1.0, "below": 2.0}, False), ({"at_least": 1.0, "below": 3.0}, True),
])
def test_every_bound(kwargs, holds):
    if holds:
        should("x", 2.0, **kwargs)
    else:
        with pytest.raises(AssertionError):
            should("x", 2.0, **kwargs)


def test_tensors_strings_and_nan():
    should("agreement", torch.tensor(0.75), near=0.75, tol=1e-6)
    should("reading", "314", equal="314")
    with pytest.raises(AssertionError, match="nan"):
        should("loss", math.nan, below=1.0)
    with pytest.raises(AssertionError, match="should be equal to 314"):
        should("reading", "316", equal="314")


def test_two_bounds_read_as_one_sentence(capsys):
    should("share %", 4.0, at_least=1, at_most=8)
    assert capsys.readouterr().out == "share %: 4, should be at least 1 and at most 8 ✓\n"


def test_a_claim_needs_a_bound():
    with pytest.raises(TypeError, match="should needs a bound"):
        should("x", 1.0)
