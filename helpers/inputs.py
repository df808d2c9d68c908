"""What a course model accepts (introduced in 01_proto_cnns), checked where an entry point hands it its input."""

from __future__ import annotations

import contextlib
import itertools
import math
from typing import Iterator

import torch
import torch.nn as nn

__all__ = ["evaluating", "model_device", "finite_range", "error_reason", "run_model", "check_images"]


@contextlib.contextmanager
def evaluating(model: nn.Module) -> Iterator[nn.Module]:
    """Run the block in eval mode, then give every module back its own mode, also when the block raises."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield model
    finally:
        for module, mode in modes:
            module.training = mode


def model_device(model: nn.Module, default: torch.device | str = "cpu") -> torch.device:
    """The device of `model`'s first parameter or buffer; `default` for a model with neither (a pooling layer)."""
    first = next(itertools.chain(model.parameters(), model.buffers()), None)
    return first.device if first is not None else torch.device(default)


def finite_range(x: torch.Tensor, nonfinite: str) -> tuple[float, float]:
    """The smallest and largest value of `x`, read in one pass; ValueError(nonfinite) when `x` holds nan or inf."""
    low, high = (float(v) for v in torch.aminmax(x.detach()))
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(nonfinite)
    return low, high


def error_reason(err: BaseException) -> str:
    """An exception's first line without its full stop, to quote in a sentence; its name when it has no message."""
    text = str(err).strip()
    return text.splitlines()[0].rstrip(".") if text else type(err).__name__


def run_model(model: nn.Module, x: torch.Tensor, who: str) -> torch.Tensor:
    """model(x), where PyTorch's refusal of a shape the net was not built for becomes one sentence naming it."""
    try:
        return model(x)
    except torch.OutOfMemoryError:
        raise
    except (RuntimeError, IndexError) as err:  # IndexError: a missing axis, as in amax(2) of a 2-D batch
        raise ValueError(f"{who}: {type(model).__name__} cannot read images of shape {tuple(x.shape)} ({error_reason(err)}); "
                         "pass images of the size and channels it was built for.") from err


def check_images(x: torch.Tensor, who: str, *, dims: int | None = 4) -> torch.Tensor:
    """The entry points' one image check: a float tensor (N, C, H, W), or (N, ...) with dims=None, N >= 1; returns x."""
    if not (isinstance(x, torch.Tensor) and torch.is_floating_point(x)):
        got = x.dtype if isinstance(x, torch.Tensor) else type(x).__name__
        raise TypeError(f"{who} needs the images as one floating-point tensor (N, ...), got {got}; convert them with "
                        "torch.as_tensor(...), and raw 0-255 pixels with x.float() / 255.")
    if (dims is not None and x.dim() != dims) or len(x) == 0:
        shape = "(N, ...)" if dims is None else "(N, C, H, W)"
        raise ValueError(f"{who} expects a batch of at least one image, of shape {shape}, got {tuple(x.shape)}; "
                         "pass one image or more, adding any missing axes with x.unsqueeze(...).")
    return x
