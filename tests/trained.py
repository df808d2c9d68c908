"""Trained nets for the drawing readers' tests (01, 04, 06), as session fixtures, and the drawings the
notebooks store, read from the notebooks themselves.

A test module gets a fixture by importing it (`from trained import trained_lenet5`); under
`--dist loadfile` each file runs on one worker, so each net is made once, by the worker that needs it.

- `trained_lenet5`: 04's LeNet5 after the lecture's one-epoch `fit` (Adam, lr 2e-3, batches of 64,
  seed 0) over the 4,000 embedded training digits, in channels-last memory: about 2 s on one core.
  It reads 04's stored 7 with p > 0.98 (seeds 0, 1, 2 alike), an untrained LeNet5 with p about 0.1.
- `trained_proto_nets`: 01's five nets, each fitted as 01 fits them (40 passes over the 320 small
  digits, SGD with lr 0.1 and momentum 0.9, batches of 64, seed 0): 2-4 s on one core in all.
- `trained_reader`: 06's strip reader as 06 trains it (`train_reader` on the 4,000 embedded training
  digits, 25 epochs, seed 0, one thread). That takes 30 s on one core, too long for `make test`, and a
  reader trained for 5 s (4 epochs) reads the stored "314" for some seeds only ("316" for others), so
  its weights are stored: tests/weights/reader_06.pt (330 KB), with the recipe that made them.
  `python tests/trained.py` trains the reader again and rewrites the file (readers of seeds 0 to 4
  all read "314"); the tests check that the stored reader names test fields as 06 asserts.

Nets are made on the CPU with the embedded digits whatever CONVNETS_DEVICE and CONVNETS_DATA say,
and leave the global random state and thread count as they found them.
"""

from __future__ import annotations

import ast
import contextlib
import json
from pathlib import Path

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
READER_WEIGHTS = Path(__file__).resolve().parent / "weights" / "reader_06.pt"
READER_RECIPE = {"digits": "embedded train, 4000", "epochs": 25, "seed": 0, "threads": 1}  # 06's reader


def notebook_drawing(notebook: str, name: str) -> list[list[tuple[int, int]]]:
    """The drawing a notebook stores as `NAME = [...]` in one of its code cells (strokes of (x, y)
    canvas points), read with ast from notebooks/`notebook`, so the tests read what the lecture draws."""
    cells = json.loads((ROOT / "notebooks" / notebook).read_text(encoding="utf-8"))["cells"]
    found = []
    for cell in cells:
        if cell["cell_type"] != "code" or f"{name} = [" not in "".join(cell["source"]):
            continue
        tree = ast.parse("".join(line for line in "".join(cell["source"]).splitlines(True) if not line.lstrip().startswith(("!", "%"))))
        found += [ast.literal_eval(node.value) for node in tree.body
                  if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == [name]]
    assert len(found) == 1, f"{notebook} should assign {name} = [...] in exactly one code cell, found {len(found)}"
    return found[0]


@contextlib.contextmanager
def _one_thread_seeded(seed: int):
    """Train on one thread (small nets train faster so on a busy machine, and the sums keep one order)
    from torch's global generator seeded with `seed`; thread count and random state restored after."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            yield
    finally:
        torch.set_num_threads(threads)


def train_lenet5(seed: int = 0) -> nn.Module:
    """04's LeNet5 after one epoch of `fit` as the lecture runs it (cell "fit: ... batch losses")."""
    from helpers.data import load_digits
    from helpers.lenet5 import LeNet5
    from helpers.train import fit

    train = load_digits("train", size=28, source="embedded")
    with _one_thread_seeded(seed):
        model = LeNet5()
        fit(model, train, epochs=1, lr=2e-3, optimizer="adam", loss_fn=F.nll_loss, batch_size=64, seed=seed,
            train_accuracy=False, channels_last=True, device="cpu", progress=False)
    return model.eval()


def train_proto_nets(seed: int = 0) -> dict[str, nn.Module]:
    """01's five nets, each fitted as 01's `train_all` fits them on the centred digits of `seed`."""
    from helpers.data import small_digits
    from helpers.proto_cnns import NETS
    from helpers.train import fit

    train = small_digits("train", seed=seed, source="embedded")
    epochs = max(1, round(12_800 / len(train[1])))  # 01's EPOCHS: 40 passes over 320 digits
    nets = {}
    for name, Net in NETS.items():
        with _one_thread_seeded(seed):
            net = Net()
            fit(net, train, epochs=epochs, lr=0.1, batch_size=64, seed=seed, momentum=0.9, train_accuracy=False,
                device="cpu", progress=False)
        nets[name] = net.eval()
    return nets


def load_reader(path: Path = READER_WEIGHTS) -> nn.Module:
    """06's reader (a FullyConvLeNet in eval mode) with the weights stored at `path`."""
    from helpers.sliding_window import LeNet32, fully_convolutional

    stored = torch.load(path, weights_only=True)
    assert stored["recipe"] == READER_RECIPE, (f"{path.name} was made by {stored['recipe']}, not {READER_RECIPE}; "
                                               "run `python tests/trained.py` to train the reader again")
    reader = fully_convolutional(LeNet32())
    reader.load_state_dict(stored["state_dict"])  # strict: a changed architecture fails here, loudly
    return reader.eval()


def train_reader_06() -> nn.Module:
    """06's reader trained as 06 trains it (READER_RECIPE): 30 s on one core, so the tests load it."""
    from helpers.data import load_digits
    from helpers.sliding_window_reader import train_reader

    train = load_digits("train", size=28, source="embedded")
    assert f"embedded train, {len(train[1])}" == READER_RECIPE["digits"]
    assert round(100_000 / len(train[1])) == READER_RECIPE["epochs"]  # 06's epochs: 100,000 digits in all
    with _one_thread_seeded(READER_RECIPE["seed"]):
        return train_reader(train, epochs=READER_RECIPE["epochs"], seed=READER_RECIPE["seed"], progress=False)


@pytest.fixture(scope="session")
def trained_lenet5() -> nn.Module:
    return train_lenet5()


@pytest.fixture(scope="session")
def trained_proto_nets() -> dict[str, nn.Module]:
    return train_proto_nets()


@pytest.fixture(scope="session")
def trained_reader() -> nn.Module:
    return load_reader()


if __name__ == "__main__":  # python tests/trained.py: train 06's reader again and store its weights
    import sys
    import time

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from helpers.sliding_window_canvas import CANVAS_HEIGHT, CANVAS_WIDTH, read_number

    from support import NUMBER_314

    start = time.process_time()
    reader = train_reader_06()
    print(f"trained in {time.process_time() - start:.0f} s of CPU time; reads the stored number as "
          f"{read_number(reader, NUMBER_314, CANVAS_WIDTH, CANVAS_HEIGHT).text!r}")
    READER_WEIGHTS.parent.mkdir(exist_ok=True)
    state = {k: v.detach().contiguous().clone() for k, v in reader.state_dict().items()}
    torch.save({"recipe": READER_RECIPE, "state_dict": state}, READER_WEIGHTS)
    print(f"wrote {READER_WEIGHTS.relative_to(ROOT)} ({READER_WEIGHTS.stat().st_size / 1024:.0f} KB)")
