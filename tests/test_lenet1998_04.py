"""Notebook 04 writes LeNet-5 as published in 1998 (`LeNet1998`) from helpers.lenet1998's building blocks;
helpers.lenet1998.LeNet1998 keeps the same net for tests and later use. These tests take the class from
the notebook's cell and check that the two are the same net: the same layers, the same initial weights
for the same seed, the same outputs and gradients, and the paper's counts.
"""

from __future__ import annotations


import pytest
from support import from_notebook
import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers import lenet1998
from helpers.anatomy import count_connections, totals
from helpers.data import load_digits
from helpers.lenet1998 import (
    BACKGROUND,
    C3_TABLE,
    FOREGROUND,
    EuclideanRBF,
    MaskedConv2d,
    Subsampling,
    init_appendix_a,
    mse_loss,
    pad_to_32,
    squash,
)



@pytest.fixture(scope="module")
def NotebookLeNet1998():
    """The class LeNet1998 defined in notebook 04, exec'd from its cell with the names the notebook imports."""
    return from_notebook("04_lenet5.ipynb", "class LeNet1998(", {
        "torch": torch, "nn": nn, "F": F, "BACKGROUND": BACKGROUND, "FOREGROUND": FOREGROUND,
        "C3_TABLE": C3_TABLE, "EuclideanRBF": EuclideanRBF, "MaskedConv2d": MaskedConv2d,
        "Subsampling": Subsampling, "init_appendix_a": init_appendix_a, "squash": squash})


@pytest.fixture(scope="module")
def digits32():
    x, y = load_digits("test", size=28)
    return pad_to_32(x[:32]), y[:32]


@pytest.mark.parametrize("seed", [0, 7])
def test_same_seed_same_weights(NotebookLeNet1998, seed):
    torch.manual_seed(seed)
    mine = NotebookLeNet1998()
    torch.manual_seed(seed)
    helper = lenet1998.LeNet1998()
    assert list(mine.state_dict()) == list(helper.state_dict())
    for (name, p), q in zip(mine.state_dict().items(), helper.state_dict().values()):
        assert torch.equal(p, q), name
    assert [type(m) for m in mine.children()] == [type(m) for m in helper.children()]


def test_same_outputs_and_gradients(NotebookLeNet1998, digits32):
    x, y = digits32
    torch.manual_seed(0)
    mine = NotebookLeNet1998()
    helper = lenet1998.LeNet1998()
    helper.load_state_dict(mine.state_dict())
    out_mine, out_helper = mine(x), helper(x)
    assert out_mine.shape == (32, 10)
    assert torch.allclose(out_mine, out_helper, atol=1e-6)
    mse_loss(out_mine, y).backward()
    mse_loss(out_helper, y).backward()
    for (name, p), q in zip(mine.named_parameters(), helper.parameters()):
        assert torch.allclose(p.grad, q.grad, atol=1e-5), name
    assert torch.equal(out_mine.argmax(1), helper.penalties(x).argmin(1))


def test_notebook_net_has_the_papers_counts(NotebookLeNet1998):
    net = NotebookLeNet1998()
    rows = count_connections(net, (1, 32, 32))[1:]
    assert [(r.name, r.parameters, r.connections) for r in rows] == [
        (name, c["parameters"], c["connections"]) for name, c in lenet1998.PAPER_COUNTS.items()]
    assert (totals(rows)["parameters"], totals(rows)["connections"]) == (60_000, 340_908)
    assert (net.C3.weight[~C3_TABLE] == 0).all()


def test_init_appendix_a_is_the_helpers_reset(NotebookLeNet1998):
    """init_appendix_a draws the same numbers as LeNet1998.reset_parameters for the same generator."""
    a, b = NotebookLeNet1998(), lenet1998.LeNet1998()
    init_appendix_a(a, torch.Generator().manual_seed(3))
    b.reset_parameters(torch.Generator().manual_seed(3))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    for layer, fan_in in ((a.C1, 25), (a.C5, 400), (a.F6, 120)):
        assert layer.weight.abs().max() <= 2.4 / fan_in
