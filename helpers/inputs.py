"""What a course model accepts (introduced in 01_proto_cnns): a float batch of the right shape, in
the dtype of the model's weights.

One rule for every course model: input must have the dtype of its weights. float64 images into a
float32 net are refused with the fix (x.float()), never cast silently, so that a learner's float64
data (NumPy's default) cannot slow training down or hide where the data came from.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn


def model_device(model: nn.Module, default: torch.device | str = "cpu") -> torch.device:
    """Where `model` computes: the device of its first parameter or buffer (`default` for a model with
    neither, such as a lone pooling layer). Every helper that runs a course model sends its inputs
    there, so a net trained on a GPU reads CPU tensors and a net on the CPU is never handed GPU ones."""
    for t in model.parameters():
        return t.device
    for t in model.buffers():
        return t.device
    return torch.device(default)


def finite_range(x: torch.Tensor, nonfinite: str) -> tuple[float, float]:
    """The smallest and largest value of `x`, read in one pass; a ValueError saying `nonfinite` (one
    sentence with the fix) when `x` holds nan or inf. fit, the strip reader and the drawing pad judge
    their inputs' scale from it."""
    low, high = (float(v) for v in torch.aminmax(x.detach()))
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(nonfinite)
    return low, high


def check_dtype(x: torch.Tensor, module: nn.Module, model: str) -> None:
    """Raise a one-sentence TypeError unless `x` has the dtype of `module`'s weights (float32 for a
    module without any): float64 images into a float32 net are refused, not cast."""
    weight = next((p for p in module.parameters() if torch.is_floating_point(p)), None)
    dtype = weight.dtype if weight is not None else torch.float32
    if not torch.is_floating_point(x):
        raise TypeError(f"{model} expects floating-point input, got {x.dtype}; convert raw 0-255 pixels with x.float() / 255.")
    if x.dtype != dtype:
        raise TypeError(f"{model} holds {dtype} weights but got {x.dtype} input; convert the images with x.to({dtype}) (or the model with .to({x.dtype})).")


def run_model(model: nn.Module, x: torch.Tensor, who: str) -> torch.Tensor:
    """model(x) at an entry point (predict, fit's first batch): a RuntimeError of the forward pass, which is
    how PyTorch refuses images of a size or a channel count the net was not built for, becomes one sentence
    naming the images' shape, with PyTorch's reason kept (and chained)."""
    try:
        return model(x)
    except torch.OutOfMemoryError:
        raise
    except RuntimeError as err:
        reason = str(err).strip().splitlines()[0].rstrip(".") if str(err).strip() else type(err).__name__
        raise ValueError(f"{who}: {type(model).__name__} cannot read images of shape {tuple(x.shape)} ({reason}); "
                         "pass images of the size and channels it was built for.") from err


def check_input(x: torch.Tensor, shape: tuple[int, ...], model: str, hint: str, module: nn.Module | None = None) -> None:
    """Raise a one-sentence ValueError unless `x` is a float batch (N, *shape); with `module`, also
    a TypeError unless `x` has the dtype of its weights (check_dtype)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{model} expects a torch.Tensor of shape (N, {', '.join(map(str, shape))}), got {type(x).__name__}; {hint}.")
    if x.dim() != len(shape) + 1 or tuple(x.shape[1:]) != tuple(shape):
        raise ValueError(
            f"{model} expects input of shape (N, {', '.join(map(str, shape))}), got {tuple(x.shape)}; {hint}."
        )
    if not torch.is_floating_point(x):
        raise TypeError(f"{model} expects floating-point input, got {x.dtype}; convert with x.float() (values in [0, 1]).")
    if module is not None:
        check_dtype(x, module, model)
