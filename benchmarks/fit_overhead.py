"""What helpers.train.fit costs over the plainest loop that trains the same net on the same batches.

Both train 04's LeNet5 for one epoch, from the same initial weights, in batches of 64 drawn by indexing
one shuffled order of in-memory tensors, with SGD and momentum: the minimal loop does only that; fit adds
its entry checks, the History, the first batch's label check and its finally-block (no progress bar, no
accuracy pass). The data are the embedded digits tiled to MNIST's 60,000 training images (the pixels do
not change the arithmetic's cost). Runs alternate, minimal first, and each side keeps its fastest run.

Prints the seconds of each and fit's ratio over the minimal loop. Run with `make bench` (or alone:
.venv/bin/python benchmarks/fit_overhead.py [images] [rounds]).
"""

from __future__ import annotations

import sys
import time

import torch
import torch.nn.functional as F

from helpers.data import load_digits
from helpers.lenet5 import LeNet5
from helpers.train import fit, set_seed


def minimal(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, seed: int) -> None:
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    model.train()
    for i in range(0, len(y), 64):
        idx = order[i:i + 64]
        loss = F.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 60_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    x, y = load_digits("train", size=28)
    reps = -(-n // len(y))
    x, y = x.repeat(reps, 1, 1, 1)[:n].contiguous(), y.repeat(reps)[:n].contiguous()
    best = {"minimal": float("inf"), "fit": float("inf")}
    for _ in range(rounds):
        for name in ("minimal", "fit"):
            set_seed(0)
            model = LeNet5()
            start = time.perf_counter()
            if name == "minimal":
                minimal(model, x, y, seed=0)
            else:
                fit(model, (x, y), epochs=1, lr=0.01, seed=0, device="cpu", progress=False, train_accuracy=False)
            best[name] = min(best[name], time.perf_counter() - start)
    print(f"LeNet5, one epoch of {n:,} images, batches of 64, {torch.get_num_threads()} threads, best of {rounds}:")
    print(f"  minimal loop {best['minimal']:.1f} s, fit {best['fit']:.1f} s: fit costs {best['fit'] / best['minimal']:.3f}x")


if __name__ == "__main__":
    main()
