"""Training throughput: helpers.train.fit (tensors, batches by indexing, batched shifts) against a
conventional torch DataLoader whose Dataset converts every sample to a PIL image and applies
torchvision transforms (RandomCrop with padding 2 + ToTensor), on the same LeNet5 and the same data.

Prints samples per second of each and their ratio. Run with `make bench`.

Also measures the channels-last memory layout: fit(channels_last=True) on the same LeNet5, with the
shifts and without them (shifted batches already take PyTorch's fast path), and one
training step of 06's reader as helpers.sliding_window_reader.train_reader runs it
(LeNet32, batch 128) in PyTorch's default NCHW layout and in channels_last (NHWC), and their ratio.
"""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

from helpers.augment import shifter
from helpers.data import load_digits
from helpers.lenet5 import LeNet5
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


def ours(train, epochs: int, channels_last: bool = False, augment: bool = True) -> float:
    set_seed(0)
    model = LeNet5()
    start = time.perf_counter()
    fit(model, train, epochs=epochs, lr=2e-3, optimizer="adam", augment=shifter(2) if augment else None,
        train_accuracy=False, channels_last=channels_last, progress=False)
    seconds = time.perf_counter() - start
    return epochs * len(train[1]) / seconds


def reader_step_ms(channels_last: bool, steps: int = 20) -> float:
    """Milliseconds per training step of 06's reader on a batch of 128 random fields."""
    from helpers.sliding_window import WIDTHS, LeNet32

    set_seed(0)
    model, x = LeNet32(WIDTHS), torch.rand(128, 1, 32, 32)
    y = torch.randint(0, 11, (128,))
    if channels_last:
        model, x = model.to(memory_format=torch.channels_last), x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for i in range(steps + 3):  # three warm-up steps
        if i == 3:
            start = time.perf_counter()
        loss = F.nll_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return (time.perf_counter() - start) / steps * 1e3


def main() -> None:
    train = load_digits("train")
    print(f"LeNet5, {len(train[1]):,} digits, batch 64, {EPOCHS} epochs, {torch.get_num_threads()} threads")
    ours((train[0][:512], train[1][:512]), 1)  # warm-up: first calls pay one-off allocation costs
    b = conventional(train, EPOCHS)
    a = ours(train, EPOCHS)
    print(f"helpers.train.fit (tensors, batches by indexing, batched shifts): {a:8.0f} samples/s")
    print(f"DataLoader + per-sample PIL transforms:                      {b:8.0f} samples/s")
    print(f"ratio: {a / b:.2f}x")
    c = ours(train, EPOCHS, channels_last=True)
    print(f"helpers.train.fit with channels_last=True:                  {c:8.0f} samples/s, {c / a:.2f}x the default layout")
    plain, plain_cl = ours(train, EPOCHS, augment=False), ours(train, EPOCHS, channels_last=True, augment=False)
    print(f"the same without shifts: default layout {plain:.0f} samples/s, channels_last {plain_cl:.0f} samples/s, "
          f"{plain_cl / plain:.2f}x")
    nchw, nhwc = reader_step_ms(False), reader_step_ms(True)
    print(f"06's reader, one step of 128 fields: NCHW {nchw:.1f} ms, channels_last {nhwc:.1f} ms, ratio {nchw / nhwc:.2f}x")


if __name__ == "__main__":
    main()
