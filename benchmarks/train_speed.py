"""Training throughput: helpers.train.fit (tensors, batches by indexing, batched shifts) against a
conventional torch DataLoader whose Dataset converts every sample to a PIL image and applies
torchvision transforms (RandomCrop with padding 2 + ToTensor), on the same LeNet5 and the same data.

Prints samples per second of each and their ratio. Run with `make bench`.
"""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

from helpers.augment import shifter
from helpers.data import load_digits
from helpers.models import LeNet5
from helpers.train import fit, set_seed

EPOCHS = 2


class PilDigits(Dataset):
    """The conventional way: uint8 arrays, a PIL image and a transform pipeline per sample."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor) -> None:
        from torchvision import transforms

        self.arrays = (images[:, 0] * 255).round().to(torch.uint8).numpy()
        self.labels = labels.tolist()
        self.transform = transforms.Compose([transforms.RandomCrop(28, padding=2), transforms.ToTensor()])

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int):
        from PIL import Image

        return self.transform(Image.fromarray(self.arrays[i], mode="L")), self.labels[i]


def conventional(train, epochs: int) -> float:
    set_seed(0)
    model = LeNet5()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    loader = DataLoader(PilDigits(*train), batch_size=64, shuffle=True, num_workers=0,
                        generator=torch.Generator().manual_seed(0))
    start = time.perf_counter()
    for _ in range(epochs):
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return epochs * len(train[1]) / (time.perf_counter() - start)


def ours(train, epochs: int) -> float:
    set_seed(0)
    model = LeNet5()
    start = time.perf_counter()
    fit(model, train, epochs=epochs, lr=2e-3, optimizer="adam", augment=shifter(2), train_accuracy=False, progress=False)
    seconds = time.perf_counter() - start
    return epochs * len(train[1]) / seconds


def main() -> None:
    train = load_digits("train")
    print(f"LeNet5, {len(train[1]):,} digits, batch 64, {EPOCHS} epochs, {torch.get_num_threads()} threads")
    ours((train[0][:512], train[1][:512]), 1)  # warm-up: first calls pay one-off allocation costs
    b = conventional(train, EPOCHS)
    a = ours(train, EPOCHS)
    print(f"helpers.train.fit (tensors, batches by indexing, batched shifts): {a:8.0f} samples/s")
    print(f"DataLoader + per-sample PIL transforms:                      {b:8.0f} samples/s")
    print(f"ratio: {a / b:.2f}x")


if __name__ == "__main__":
    main()
