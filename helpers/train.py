"""A small, fast training loop over tensors (introduced in 04_lenet5).

Data stay as tensors: a batch is `images[idx]` for a shuffled index, never a per-sample Python
transform. Progress bars come from tqdm.auto and are off when `progress=False` or when the
environment variable CONVNETS_PROGRESS is 0.
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

Data = tuple[torch.Tensor, torch.Tensor]
OptimizerSpec = Union[str, Callable[[Sequence[nn.Parameter]], torch.optim.Optimizer]]


def set_seed(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy (when present) and torch; returns a torch.Generator seeded the same way."""
    random.seed(seed)
    torch.manual_seed(seed)
    try:
        import numpy as np

        np.random.seed(seed % 2**32)
    except ImportError:  # pragma: no cover
        pass
    return torch.Generator().manual_seed(seed)


def pick_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` gives env CONVNETS_DEVICE if set, else CUDA when available, else the CPU; anything else
    is passed to torch.device. A device torch cannot use is refused with a sentence saying what to do."""
    if str(device) == "auto":
        wanted = os.environ.get("CONVNETS_DEVICE", "").strip().lower()
        if not wanted or wanted == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        device = wanted
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"Unknown device {device!r}: use 'cpu', 'cuda' (or 'cuda:1'), 'mps' or 'auto' "
                         "(CONVNETS_DEVICE sets the default).") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"Device {device!r} asked for, but this torch sees no CUDA GPU: install a CUDA build of torch "
                         "(on Colab: Runtime > Change runtime type > GPU), or use 'cpu' / unset CONVNETS_DEVICE.")
    if dev.type == "mps" and not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
        raise ValueError(f"Device {device!r} asked for, but this torch has no Apple-silicon GPU (MPS) here: use 'cpu' or unset CONVNETS_DEVICE.")
    return dev


def progress_enabled(progress: bool = True) -> bool:
    """Whether to draw progress bars: `progress` and not env CONVNETS_PROGRESS=0."""
    return bool(progress) and os.environ.get("CONVNETS_PROGRESS", "1").strip().lower() not in ("0", "false", "no", "off")


@dataclass
class History:
    """Per-epoch figures of one `fit`: mean training loss over the epoch's batches, then train and test
    accuracy (percent, measured in eval mode after the epoch) and the epoch's seconds; `batch_loss`
    holds the loss of every batch, in the order they were trained (epochs * batches per epoch)."""

    loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    batch_loss: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        return len(self.loss)

    @property
    def total_seconds(self) -> float:
        return float(sum(self.seconds))

    def __str__(self) -> str:
        lines = ["epoch   loss  train %   test %"]
        for i in range(self.epochs):
            train = f"{self.train_accuracy[i]:8.2f}" if i < len(self.train_accuracy) else "       -"
            test = f"{self.test_accuracy[i]:8.2f}" if i < len(self.test_accuracy) else "       -"
            lines.append(f"{i + 1:5d} {self.loss[i]:6.3f} {train} {test}")
        return "\n".join(lines)


def check_data(data: Data, name: str = "data") -> Data:
    """Validate an (images, labels) pair: same length, float images (N, ...), int64 labels (N,)."""
    if not (isinstance(data, (tuple, list)) and len(data) == 2):
        raise TypeError(f"{name} must be a pair (images, labels) of tensors, as load_digits returns.")
    x, y = data
    if not (isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor)):
        raise TypeError(f"{name} must hold two tensors (images, labels), got {type(x).__name__} and {type(y).__name__}.")
    if y.dim() != 1 or len(x) != len(y):
        raise ValueError(f"{name}: images {tuple(x.shape)} and labels {tuple(y.shape)} must have the same first dimension N and labels shape (N,).")
    if len(y) == 0:
        raise ValueError(f"{name} is empty; pass at least one (image, label) pair.")
    if not torch.is_floating_point(x):
        raise TypeError(f"{name}: images must be floating point, got {x.dtype}; use images.float() / 255 for raw pixels.")
    return x, y


def _optimizer(spec: OptimizerSpec, params, lr: float, momentum: float, weight_decay: float) -> torch.optim.Optimizer:
    if callable(spec):
        return spec(params)
    name = str(spec).lower()
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay if weight_decay else 1e-2)
    raise ValueError(f"Unknown optimizer {spec!r}: use 'sgd', 'adam', 'adamw', or a function params -> optimizer.")


@torch.no_grad()
def predict(model: nn.Module, images: torch.Tensor, *, batch_size: int = 1000, device: str | torch.device = "auto") -> torch.Tensor:
    """The model's outputs for `images`, evaluated in batches in eval mode, returned on the CPU."""
    dev = pick_device(device)
    was_training = model.training
    model.eval()
    try:
        outs = [model(images[i : i + batch_size].to(dev)).cpu() for i in range(0, len(images), batch_size)]
    finally:
        model.train(was_training)
    return torch.cat(outs)


def accuracy(model: nn.Module, data: Data, *, batch_size: int = 1000, device: str | torch.device = "auto") -> float:
    """Percentage of `data` = (images, labels) that `model` classifies right (argmax of its outputs)."""
    x, y = check_data(data)
    return 100.0 * (predict(model, x, batch_size=batch_size, device=device).argmax(1) == y).float().mean().item()


def fit(
    model: nn.Module,
    train: Data,
    test: Data | None = None,
    *,
    epochs: int,
    lr: float,
    batch_size: int = 64,
    optimizer: OptimizerSpec = "sgd",
    momentum: float = 0.9,
    weight_decay: float = 0.0,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None,
    schedule: str = "constant",
    train_accuracy: bool = True,
    seed: int = 0,
    device: str | torch.device = "auto",
    progress: bool = True,
) -> History:
    """Train `model` in place on `train` = (images, labels) and return its History.

    The loss defaults to cross-entropy on the outputs (right for logits and for log-probabilities);
    `augment(batch, generator)` may transform each batch of images. `schedule` is "constant" or
    "cosine" (the learning rate decays to 0 over all steps, per batch). `train_accuracy=False` skips
    the pass over the training set that measures its accuracy after each epoch. Shuffling uses a
    torch.Generator seeded with `seed`, so the same call gives the same result on the same machine.
    """
    x, y = check_data(train, "train")
    if test is not None:
        check_data(test, "test")
    if epochs < 1 or batch_size < 1 or lr <= 0:
        raise ValueError(f"fit needs epochs >= 1, batch_size >= 1 and lr > 0, got epochs={epochs}, batch_size={batch_size}, lr={lr}.")
    dev = pick_device(device)
    model.to(dev)
    opt = _optimizer(optimizer, [p for p in model.parameters() if p.requires_grad], lr, momentum, weight_decay)
    loss_fn = loss_fn or F.cross_entropy
    if schedule not in ("constant", "cosine"):
        raise ValueError(f"Unknown schedule {schedule!r}: use 'constant' or 'cosine'.")
    gen = torch.Generator().manual_seed(seed)
    history = History()
    n = len(y)
    steps = (n + batch_size - 1) // batch_size
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * steps) if schedule == "cosine" else None
    show = progress_enabled(progress)
    bar = None
    if show:
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs * steps, desc=type(model).__name__, unit="batch", leave=True)
    try:
        for _ in range(epochs):
            start = time.perf_counter()
            model.train()
            order = torch.randperm(n, generator=gen)
            total = 0.0
            for i in range(0, n, batch_size):
                idx = order[i : i + batch_size]
                xb, yb = x[idx], y[idx]
                if augment is not None:
                    xb = augment(xb, gen)
                xb, yb = xb.to(dev, non_blocking=True), yb.to(dev, non_blocking=True)
                out = model(xb)
                loss = loss_fn(out, yb)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                if sched is not None:
                    sched.step()
                history.batch_loss.append(loss.item())
                total += history.batch_loss[-1] * len(idx)
                if bar is not None:
                    bar.update(1)
            history.loss.append(total / n)
            if train_accuracy:
                history.train_accuracy.append(accuracy(model, (x, y), device=dev))
            if test is not None:
                history.test_accuracy.append(accuracy(model, test, device=dev))
            history.seconds.append(time.perf_counter() - start)
            if bar is not None:
                post = {"loss": f"{history.loss[-1]:.3f}"}
                if test is not None:
                    post["test"] = f"{history.test_accuracy[-1]:.1f}%"
                bar.set_postfix(post)
    finally:
        if bar is not None:
            bar.close()
    return history
