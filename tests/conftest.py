"""Shared fixtures: a small MNIST-format folder written from the embedded digits (no network)."""

import pytest
import torch

from helpers.data import load_digits
from mnist_files import write_mnist_folder  # scripts/mnist_files.py (pytest's pythonpath holds scripts/)


@pytest.fixture(scope="session")
def mnist_root(tmp_path_factory):
    """A folder holding MNIST/raw IDX files: 600 train and 200 test real digits."""
    root = tmp_path_factory.mktemp("mnist")
    xtr, ytr = load_digits("train")
    xte, yte = load_digits("test")
    write_mnist_folder(root, (xtr[:600], ytr[:600]), (xte[:200], yte[:200]))
    return root


@pytest.fixture
def no_network(monkeypatch):
    """Make every MNIST mirror unreachable (a closed port on loopback)."""
    from torchvision.datasets import MNIST

    monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/"])
    return MNIST


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for var in ("CONVNETS_DATA", "CONVNETS_DATA_ROOT", "CONVNETS_RESULTS", "CONVNETS_DEVICE", "CONVNETS_IMAGES", "CONVNETS_PROGRESS"):
        monkeypatch.delenv(var, raising=False)
    torch.manual_seed(0)
