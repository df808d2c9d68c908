"""`make check-mnist SMALL=1` runs every notebook on the MNIST path over a folder written from the
embedded digits. These tests prove that folder is exactly the default data seen through
torchvision's MNIST reader, so the notebooks' size-derived budgets and asserts meet the same digits."""

import subprocess
from pathlib import Path

import pytest
import torch

from helpers.data import load_digits

import check_mnist

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def small_root(tmp_path_factory):
    return check_mnist.write_small_folder(tmp_path_factory.mktemp("small"))


@pytest.mark.parametrize("size", [16, 28, 32])
@pytest.mark.parametrize("split", ["train", "test"])
def test_small_folder_reads_back_as_the_embedded_digits(small_root, split, size):
    x, y = load_digits(split, size=size, source="mnist", root=small_root)
    ex, ey = load_digits(split, size=size, source="embedded")
    assert torch.equal(y, ey)
    # IDX stores bytes: a pixel may move by half a grey level, no more
    assert x.shape == ex.shape and (x - ex).abs().max().item() <= 0.5 / 255 + 1e-6


def test_a_failing_notebook_is_reported_and_the_rest_still_run(monkeypatch, tmp_path, capsys):
    ran = []

    def fake(path, output, env):
        ran.append((path.name, env["CONVNETS_DATA"], env.get("CONVNETS_DATA_ROOT")))
        if path.name.startswith("02"):
            raise subprocess.CalledProcessError(1, ["nbconvert"])
        return 1.0, 2**30

    monkeypatch.setattr(check_mnist, "execute_measured", fake)
    monkeypatch.setattr(check_mnist, "write_small_folder", lambda root: root)
    code = check_mnist.main(["--small", str(ROOT / "notebooks/01_proto_cnns.ipynb"), str(ROOT / "notebooks/02_bell_labs.ipynb"),
                             str(ROOT / "notebooks/04_lenet5.ipynb")])
    out = capsys.readouterr().out
    assert code == 1
    assert [r[0] for r in ran] == ["01_proto_cnns.ipynb", "02_bell_labs.ipynb", "04_lenet5.ipynb"]
    assert all(r[1] == "mnist" and r[2] and r[2].endswith("data") for r in ran)
    assert "2 of 3 notebooks ran clean" in out and "failed: 02_bell_labs.ipynb" in out
