"""What a course model accepts (introduced in 01_proto_cnns): a float batch of the right shape, in
the dtype of the model's weights.

One rule for every course model: input must have the dtype of its weights. float64 images into a
float32 net are refused with the fix (x.float()), never cast silently, so that a learner's float64
data (NumPy's default) cannot slow training down or hide where the data came from.
"""

from __future__ import annotations

import contextlib
import math
from typing import Iterator

import torch
import torch.nn as nn

__all__ = ["evaluating", "model_device", "finite_range", "check_dtype", "error_reason", "run_model", "check_images"]


@contextlib.contextmanager
def evaluating(model: nn.Module) -> Iterator[nn.Module]:
    """`with evaluating(model):` runs the block in eval mode (dropout off, batch statistics frozen) and gives
    the model back in the mode it was in, also when the block raises."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


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


def error_reason(err: BaseException) -> str:
    """The first line of an exception's message without its full stop, to quote inside a sentence of ours;
    the exception's name when it has no message."""
    text = str(err).strip()
    return text.splitlines()[0].rstrip(".") if text else type(err).__name__


def run_model(model: nn.Module, x: torch.Tensor, who: str) -> torch.Tensor:
    """model(x) at an entry point (predict, fit's first batch): a RuntimeError of the forward pass, which is
    how PyTorch refuses images of a size or a channel count the net was not built for, becomes one sentence
    naming the images' shape, with PyTorch's reason kept (and chained)."""
    try:
        return model(x)
    except torch.OutOfMemoryError:
        raise
    except (RuntimeError, IndexError) as err:  # IndexError: a missing axis, as in amax(2) of a 2-D batch
        raise ValueError(f"{who}: {type(model).__name__} cannot read images of shape {tuple(x.shape)} ({error_reason(err)}); "
                         "pass images of the size and channels it was built for.") from err


def check_images(x: torch.Tensor, who: str, *, dims: int | None = 4) -> torch.Tensor:
    """The one check of a batch of images at a learner's entry point (predict, the shift measures):
    a floating-point tensor (N, C, H, W) (any (N, ...) with dims=None) holding at least one image.
    Anything else gets one sentence that says what to do; returns `x`."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{who} needs the images as one tensor (N, ...), got {type(x).__name__}; convert them with torch.stack(...) or torch.as_tensor(...).")
    if dims is not None and x.dim() != dims:
        raise ValueError(f"{who} expects float images of shape (N, C, H, W), got {tuple(x.shape)}; add the missing axes with x.unsqueeze(...).")
    if len(x) == 0:
        raise ValueError(f"{who} got no images (a tensor of length 0); pass at least one image.")
    if not torch.is_floating_point(x):
        raise TypeError(f"{who} expects floating-point images, got {x.dtype}; convert raw 0-255 pixels with x.float() / 255.")
    return x
