"""Write digits as MNIST's own IDX files, to test the full-MNIST path offline (tests/conftest.py,
`make check-mnist SMALL=1`).

`write_mnist_folder(root, train, test)` creates root/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte
exactly as torchvision.datasets.MNIST reads them, from (images, labels) pairs as load_digits returns.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import torch

FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def write_idx_images(path: Path, images: torch.Tensor) -> None:
    """Images (N, 1, 28, 28) or (N, 28, 28) in [0, 1] as an IDX3 file of unsigned bytes."""
    x = images.reshape(-1, 28, 28)
    data = (x.clamp(0, 1) * 255).round().to(torch.uint8).numpy().tobytes()
    path.write_bytes(struct.pack(">IIII", 0x00000803, len(x), 28, 28) + data)


def write_idx_labels(path: Path, labels: torch.Tensor) -> None:
    """Labels (N,) as an IDX1 file of unsigned bytes."""
    path.write_bytes(struct.pack(">II", 0x00000801, len(labels)) + labels.to(torch.uint8).numpy().tobytes())


def write_mnist_folder(root: str | os.PathLike, train: tuple[torch.Tensor, torch.Tensor],
                       test: tuple[torch.Tensor, torch.Tensor]) -> Path:
    """Write `train` and `test` (images, labels) as root/MNIST/raw IDX files; returns the raw folder."""
    raw = Path(root) / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for split, (images, labels) in (("train", train), ("test", test)):
        img_name, lab_name = FILES[split]
        write_idx_images(raw / img_name, images)
        write_idx_labels(raw / lab_name, labels)
    return raw
