"""Bad input across the helpers: each case fails with one sentence that says what to do.

The table lists the mistakes learners make most; every message must be a single line that names
the problem and a remedy (a verb such as use, pass, load, add, delete, copy, ask, draw, connect).
"""

from __future__ import annotations

import re

import pytest
import torch

from helpers.data import DataError, load_digits
from helpers.models import LeNet5
from helpers.results import load, record
from helpers.shapes import conv_out, trace
from helpers.train import fit, pick_device

REMEDY = re.compile(r"\b(use|pass|load|add|delete|copy|ask|draw|connect|convert|check|give|build|make|run|put|train|commit)\b", re.I)


def case_corrupt_results(tmp_path):
    p = tmp_path / "r.json"
    p.write_text("{oops")
    load(p)


def case_offline(tmp_path, monkeypatch):
    from torchvision.datasets import MNIST

    monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/"])
    load_digits(source="mnist", root=tmp_path / "empty")


def case_partial_mnist(tmp_path, mnist_root):
    import shutil

    shutil.copytree(mnist_root, tmp_path / "m")
    (tmp_path / "m" / "MNIST" / "raw" / "t10k-labels-idx1-ubyte").unlink()
    load_digits("test", source="mnist", root=tmp_path / "m")


def case_cuda_without_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv("CONVNETS_DEVICE", "cuda")
    pick_device()


CASES = {
    "lenet5 on 32x32 images": (lambda **_: LeNet5()(torch.rand(2, 1, 32, 32)), ValueError),
    "lenet5 without channel axis": (lambda **_: LeNet5()(torch.rand(2, 28, 28)), ValueError),
    "lenet5 on uint8 pixels": (lambda **_: LeNet5()(torch.zeros(2, 1, 28, 28, dtype=torch.uint8)), TypeError),
    "lenet5 on a list": (lambda **_: LeNet5()([[0.0]]), TypeError),
    "size 20": (lambda **_: load_digits(size=20), ValueError),
    "unknown source": (lambda **_: load_digits(source="kaggle"), ValueError),
    "unknown split": (lambda **_: load_digits("validation"), ValueError),
    "labels of another length": (lambda **_: fit(LeNet5(), (torch.rand(4, 1, 28, 28), torch.zeros(3, dtype=torch.long)), epochs=1, lr=0.1, progress=False), ValueError),
    "unknown optimizer": (lambda **_: fit(LeNet5(), (torch.rand(4, 1, 28, 28), torch.zeros(4, dtype=torch.long)), epochs=1, lr=0.1, optimizer="lbfgs", progress=False), ValueError),
    "input smaller than the kernel": (lambda **_: conv_out(3, 5), ValueError),
    "trace of an input too small": (lambda **_: trace(torch.nn.Sequential(torch.nn.Conv2d(1, 1, 5), torch.nn.Conv2d(1, 1, 5)), (1, 6, 6), show=False), ValueError),
    "results file that is not JSON": (lambda tmp_path, **_: case_corrupt_results(tmp_path), ValueError),
    "recording a non-number": (lambda tmp_path, **_: record("k", "high", path=tmp_path / "r.json"), TypeError),
    "no network for full MNIST": (lambda tmp_path, monkeypatch, **_: case_offline(tmp_path, monkeypatch), DataError),
    "unknown device": (lambda **_: pick_device("gpu0"), ValueError),
    "CONVNETS_DEVICE=cuda without a GPU": (lambda monkeypatch, **_: case_cuda_without_gpu(monkeypatch), ValueError),
    "partial MNIST folder": (lambda tmp_path, mnist_root, **_: case_partial_mnist(tmp_path, mnist_root), DataError),
}


@pytest.mark.parametrize("name", list(CASES))
def test_one_clear_sentence(name, tmp_path, monkeypatch, mnist_root):
    call, kind = CASES[name]
    with pytest.raises(kind) as info:
        call(tmp_path=tmp_path, monkeypatch=monkeypatch, mnist_root=mnist_root)
    message = str(info.value)
    assert "\n" not in message and message.endswith("."), f"{name}: not one sentence: {message!r}"
    assert REMEDY.search(message), f"{name}: the message says no remedy: {message!r}"
    assert len(message) < 300, f"{name}: too long to read at a glance: {message!r}"
