"""Notebook 04 writes its training loop out (`train_one_epoch`) and says that `helpers.train.fit` runs
exactly that loop. These tests take the function from the notebook's cell and prove it: with the same
seed, optimizer and loss, the loop and `fit` give the same loss for every batch and the same weights,
to 1e-6, for Adam and for SGD with momentum (fit's default), with a last batch shorter than the others.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from support import from_notebook
import torch
import torch.nn.functional as F

from helpers.data import load_digits
from helpers.lenet5 import LeNet5
from helpers.train import fit, set_seed

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "04_lenet5.ipynb"


@pytest.fixture(scope="module")
def train_one_epoch():
    """The loop defined in notebook 04, exec'd from its cell with the names the notebook imports."""
    namespace = {"torch": torch, "F": F}
    loop = from_notebook("04_lenet5.ipynb", "def train_one_epoch(", namespace)
    cell = namespace["__cell__"]
    assert "NBVAL" not in cell and cell.lstrip().startswith("def train_one_epoch("), "the cell should hold the loop only"
    return loop


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits("train", size=28)
    return x[:300], y[:300]  # 300 = 4 batches of 64 and a last one of 44


def test_the_notebook_loop_has_every_step(train_one_epoch):
    source = next(c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells if "def train_one_epoch(" in c.source)
    for step in ("torch.randperm(", "generator=generator", "images[idx]", "model(xb)", "F.nll_loss(",
                 "optimizer.zero_grad()", "loss.backward()", "optimizer.step()"):
        assert step in source, step
    assert len(source.splitlines()) <= 16


@pytest.mark.parametrize("optimizer, make", [
    ("adam", lambda params: torch.optim.Adam(params, lr=2e-3)),
    ("sgd", lambda params: torch.optim.SGD(params, lr=0.05, momentum=0.9)),
], ids=["adam", "sgd-momentum"])
def test_loop_and_fit_agree_to_1e_6(train_one_epoch, digits, optimizer, make):
    lr = 2e-3 if optimizer == "adam" else 0.05
    set_seed(0)
    mine = LeNet5()
    losses = train_one_epoch(mine, make(mine.parameters()), *digits, batch_size=64,
                             generator=torch.Generator().manual_seed(0), device=torch.device("cpu"))
    set_seed(0)
    theirs = LeNet5()
    history = fit(theirs, digits, epochs=1, lr=lr, optimizer=optimizer, loss_fn=F.nll_loss, batch_size=64, seed=0,
                  train_accuracy=False, device="cpu", progress=False)
    assert len(losses) == len(history.batch_loss) == 5
    assert torch.allclose(torch.tensor(losses), torch.tensor(history.batch_loss), atol=1e-6)
    for (name, p), q in zip(mine.named_parameters(), theirs.parameters()):
        assert torch.allclose(p, q, atol=1e-6), name
    assert not torch.equal(mine.conv1.weight, LeNet5().conv1.weight)  # the loop did train
    # fit's epoch loss is the mean over digits of the batch losses (the last batch is shorter)
    sizes = [64] * 4 + [44]
    assert history.loss[0] == pytest.approx(sum(l * n for l, n in zip(losses, sizes)) / 300, abs=1e-6)


def test_a_second_epoch_reshuffles_from_the_same_generator(train_one_epoch, digits):
    """Two calls of the loop with one generator are fit's two epochs (fit draws one order per epoch)."""
    set_seed(1)
    mine = LeNet5()
    opt = torch.optim.Adam(mine.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(5)
    losses = [l for _ in range(2) for l in train_one_epoch(mine, opt, *digits, batch_size=128, generator=gen,
                                                          device=torch.device("cpu"))]
    set_seed(1)
    theirs = LeNet5()
    history = fit(theirs, digits, epochs=2, lr=1e-3, optimizer="adam", loss_fn=F.nll_loss, batch_size=128, seed=5,
                  train_accuracy=False, device="cpu", progress=False)
    assert len(history.batch_loss) == 2 * 3 and history.epochs == 2
    assert torch.allclose(torch.tensor(losses), torch.tensor(history.batch_loss), atol=1e-6)
    assert all(torch.allclose(p, q, atol=1e-6) for p, q in zip(mine.parameters(), theirs.parameters()))
