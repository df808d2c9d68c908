"""fit, predict and accuracy over tensors (introduced in 01_proto_cnns): a batch is images[idx], no per-sample loop."""

from __future__ import annotations

import math
import numbers
import os
import random
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable, Sequence, Union

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.inputs import check_images, evaluating, finite_range, model_device, run_model

__all__ = ["Data", "OptimizerSpec", "INPUT_LIMIT", "TrainingDiverged", "set_seed", "pick_device", "progress_enabled",
           "progress_bar", "History", "check_data", "check_values", "check_model", "predict", "accuracy", "fit"]

Data = tuple[torch.Tensor, torch.Tensor]
OptimizerSpec = Union[str, Callable[[Sequence[nn.Parameter]], torch.optim.Optimizer]]

# fit warns beyond +-INPUT_LIMIT: the course's images reach 1 (standardised MNIST 2.8, 08's signals 3.5), raw pixels 255
INPUT_LIMIT = 10.0


class TrainingDiverged(RuntimeError):
    """fit's error at the first batch whose loss is not finite (its step not taken); .history holds what came before."""

    def __init__(self, message: str, history: "History") -> None:
        super().__init__(message)
        self.history = history


def set_seed(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and torch; returns a torch.Generator seeded the same way."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def pick_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"``: env CONVNETS_DEVICE if set, else CUDA when available, else the CPU; else torch.device(device)."""
    if str(device) == "auto":
        device = os.environ.get("CONVNETS_DEVICE", "").strip().lower() or "auto"
        if device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"Unknown device {device!r}: use 'cpu', 'cuda' (or 'cuda:1'), 'mps' or 'auto' "
                         "(CONVNETS_DEVICE sets the default).") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        fix = "sees no CUDA GPU: install a CUDA build of torch (on Colab: Runtime > Change runtime type > GPU), or"
    elif dev.type == "mps" and not torch.backends.mps.is_available():
        fix = "has no Apple-silicon GPU (MPS) here:"
    else:
        return dev
    raise ValueError(f"Device {device!r} asked for, but this torch {fix} use 'cpu' or unset CONVNETS_DEVICE.")


def progress_enabled(progress: bool = True) -> bool:
    """Whether to draw progress bars: `progress` and not env CONVNETS_PROGRESS=0."""
    return bool(progress) and os.environ.get("CONVNETS_PROGRESS", "1").strip().lower() not in ("0", "false", "no", "off")


def progress_bar(progress: bool, total: int, name: str):
    """A tqdm bar of `total` batches, which does nothing when progress is off."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=name, unit="batch", leave=True, disable=not progress_enabled(progress))


@dataclass
class History:
    """Per epoch of one fit: mean loss, train and test accuracy (% after the epoch), seconds; and every batch's loss."""

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
        for i, loss in enumerate(self.loss):
            cells = [f"{a[i]:8.2f}" if i < len(a) else "       -" for a in (self.train_accuracy, self.test_accuracy)]
            lines.append(f"{i + 1:5d} {loss:6.3f} {' '.join(cells)}")
        return "\n".join(lines)


def check_data(data: Data, name: str = "data") -> Data:
    """Check an (images, labels) pair: float images (N, ...), int64 labels (N,), N >= 1. Reads no values."""
    if not (isinstance(data, (tuple, list)) and len(data) == 2 and all(isinstance(t, torch.Tensor) for t in data)):
        raise TypeError(f"{name} must be a pair (images, labels) of tensors, as load_digits returns.")
    x, y = data
    if y.dim() != 1 or len(x) != len(y) or len(y) == 0:
        raise ValueError(f"{name}: images {tuple(x.shape)} and labels {tuple(y.shape)} must have the same first "
                         "dimension N >= 1 and labels shape (N,); pass one label per image.")
    if not torch.is_floating_point(x) or y.dtype != torch.long:
        raise TypeError(f"{name}: images must be floating point and labels int64 class indices, got {x.dtype} and "
                        f"{y.dtype}; use images.float() / 255 for raw pixels and labels.long() for labels.")
    return x, y


def _warn_at_learners_line(message: str) -> None:
    """A UserWarning attributed to the first frame outside helpers/ (the learner's own line)."""
    frame, here = sys._getframe(1), os.path.dirname(__file__)
    while frame.f_back is not None and os.path.dirname(frame.f_code.co_filename) == here:
        frame = frame.f_back
    warnings.warn_explicit(message, UserWarning, frame.f_code.co_filename, frame.f_lineno)


def check_values(data: Data, name: str = "data") -> tuple[int, int]:
    """A checked pair's smallest and largest label; refuses nan or inf images and negative labels, warns beyond
    +-INPUT_LIMIT (raw 0-255 pixels, perhaps meant)."""
    x, y = data
    low, high = finite_range(x, f"{name}: the images hold nan or inf values; check which with "
                                "(~images.isfinite()).flatten(1).any(1).nonzero() and drop or fix them.")
    if max(-low, high) > INPUT_LIMIT:
        _warn_at_learners_line(f"{name}: the images range over [{low:g}, {high:g}], far outside the [0, 1] or [-1, 1] the course's nets expect, "
                               "which makes training unstable; divide raw pixels by 255.")
    first, last = (int(v) for v in torch.aminmax(y))
    if first < 0:
        raise ValueError(f"{name}: labels must be class indices 0, 1, ..., got {first}; check how the labels were made.")
    return first, last


def _check_classes(outputs: torch.Tensor, last: int, name: str) -> None:
    """Refuse labels up to `last` that a net with outputs.shape[1] outputs cannot output."""
    if outputs.dim() >= 2 and last >= outputs.shape[1]:
        raise ValueError(f"{name}: the labels go up to {last} but the net has {outputs.shape[1]} outputs (classes 0 to "
                         f"{outputs.shape[1] - 1}); give the net's last layer {last + 1} outputs or check the labels.")


def check_model(model: nn.Module, x: torch.Tensor | None, who: str) -> None:
    """Refuse anything but a model, and images `x` (when given) of another dtype than its weights, never cast."""
    if not isinstance(model, nn.Module):
        got = (f"the class {model.__name__}; build one first, as in {model.__name__}()" if isinstance(model, type)
               else f"{type(model).__name__}; pass the net as the first argument")
        raise TypeError(f"{who} needs a torch.nn.Module such as LeNet5(), got {got}.")
    weight = next((p for p in model.parameters() if torch.is_floating_point(p)), None)
    if x is not None and weight is not None and x.dtype != weight.dtype:
        raise TypeError(f"{who} holds {weight.dtype} weights but got {x.dtype} input; convert the images with "
                        f"x.to({weight.dtype}) (or the model with .to({x.dtype})).")


def _optimizer(spec: OptimizerSpec, params, lr: float, momentum: float, weight_decay: float) -> torch.optim.Optimizer:
    if callable(spec):
        return spec(params)
    makers = {"sgd": lambda: torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay),
              "adam": lambda: torch.optim.Adam(params, lr=lr, weight_decay=weight_decay),
              "adamw": lambda: torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay if weight_decay else 1e-2)}
    if str(spec).lower() not in makers:
        raise ValueError(f"Unknown optimizer {spec!r}: use 'sgd', 'adam', 'adamw', or a function params -> optimizer.")
    return makers[str(spec).lower()]()


@torch.no_grad()
def predict(model: nn.Module, images: torch.Tensor, *, batch_size: int = 1000, device: str | torch.device | None = None) -> torch.Tensor:
    """The outputs of `model` (in eval mode, in batches, on its device or `device`) for `images`, on the CPU."""
    check_images(images, "predict", dims=None)
    check_model(model, images, "predict")
    dev = model_device(model, images.device) if device is None else pick_device(device)
    with evaluating(model):
        outs = [run_model(model, images[:batch_size].to(dev), "predict").cpu()]  # the first batch: a clear error if the net cannot read it
        outs += [model(images[i : i + batch_size].to(dev)).cpu() for i in range(batch_size, len(images), batch_size)]
    return torch.cat(outs)


def accuracy(model: nn.Module, data: Data, *, batch_size: int = 1000, device: str | torch.device | None = None) -> float:
    """Percent of `data` = (images, labels) that `model` gets right (argmax); refuses labels it cannot output."""
    x, y = check_data(data)
    outputs = predict(model, x, batch_size=batch_size, device=device)
    _check_classes(outputs, int(y.max()), "accuracy")
    return 100.0 * (outputs.argmax(1) == y).float().mean().item()


def fit(model: nn.Module, train: Data, test: Data | None = None, *, epochs: int, lr: float, batch_size: int = 64,
        optimizer: OptimizerSpec = "sgd", momentum: float = 0.9, weight_decay: float = 0.0,
        loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
        augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None, schedule: str = "constant",
        train_accuracy: bool = True, channels_last: bool = False, seed: int = 0, device: str | torch.device = "auto",
        progress: bool = True) -> History:
    """Train `model` in place on `train` = (images, labels) with 01's loop, shuffled by a generator seeded with `seed`,
    on `device`, and hand it back where it was (also on an error) with its History. `augment(batch, generator)` may
    transform each batch; schedule="cosine" decays lr to 0; a loss that is not finite raises TrainingDiverged."""
    x, y = check_data(train, "train")
    check_model(model, x, "fit")
    for arg, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"fit needs {arg} to be a whole number >= 1, got {value!r}; pass for example {arg}=2.")
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"fit needs a learning rate lr that is a finite number > 0, got {lr!r}; pass for example lr=0.01.")
    for arg, fn in (("loss_fn", loss_fn), ("augment", augment)):
        if fn is not None and not callable(fn):
            raise TypeError(f"fit needs {arg} to be a function, got {type(fn).__name__} {fn!r}; pass for example loss_fn=F.nll_loss or augment=shifter(2).")
    if schedule not in ("constant", "cosine"):
        raise ValueError(f"Unknown schedule {schedule!r}: use 'constant' or 'cosine'.")
    last = check_values((x, y), "train")[1]
    last_test = check_values(check_data(test, "test"), "test")[1] if test is not None else -1
    loss_fn = loss_fn or F.cross_entropy
    gen = torch.Generator().manual_seed(seed)
    history, n = History(), len(y)
    steps = epochs * -(-n // batch_size)
    dev, home = pick_device(device), model_device(model)
    bar = progress_bar(progress, steps, type(model).__name__)
    try:
        model.to(dev, memory_format=torch.channels_last if channels_last else torch.preserve_format)
        opt = _optimizer(optimizer, [p for p in model.parameters() if p.requires_grad], lr, momentum, weight_decay)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps) if schedule == "cosine" else None
        for epoch in range(epochs):
            start, total = time.perf_counter(), 0.0
            model.train()
            order = torch.randperm(n, generator=gen)
            for i in range(0, n, batch_size):
                idx = order[i : i + batch_size]
                xb = x[idx] if augment is None else augment(x[idx], gen)
                xb, yb = xb.to(dev, non_blocking=True), y[idx].to(dev, non_blocking=True)
                if channels_last and xb.dim() == 4:
                    xb = xb.contiguous(memory_format=torch.channels_last)
                if history.batch_loss:
                    out = model(xb)
                else:  # the first batch: can the net read the images, and output every label?
                    out = run_model(model, xb, "train")
                    _check_classes(out, last, "train")
                    _check_classes(out, last_test, "test")
                loss = loss_fn(out, yb)
                value = loss.item()  # the one sync per batch, which the History needs anyway
                if not math.isfinite(value):
                    raise TrainingDiverged(
                        f"Training stopped at epoch {epoch + 1}, batch {i // batch_size + 1}: the loss became {value}, so lower "
                        f"the learning rate (lr={lr:g}), check that the images are scaled to [0, 1] and hold no nan, "
                        "and train again (err.history and the model keep what was learned before).", history)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                if sched is not None:
                    sched.step()
                history.batch_loss.append(value)
                total += value * len(idx)
                bar.update(1)
            history.loss.append(total / n)
            if train_accuracy:
                history.train_accuracy.append(accuracy(model, (x, y), device=dev))
            if test is not None:
                history.test_accuracy.append(accuracy(model, test, device=dev))
            history.seconds.append(time.perf_counter() - start)
            bar.set_postfix({"loss": f"{history.loss[-1]:.3f}", **({"test": f"{history.test_accuracy[-1]:.1f}%"} if test is not None else {})})
    finally:
        bar.close()
        model.to(home)
    return history
