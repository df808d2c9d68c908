"""Output-size arithmetic of convolutions and pooling, and a layer-by-layer shape trace (02, 04).

The rule every layer follows is out = (in + 2*padding - dilation*(kernel-1) - 1) // stride + 1,
which for dilation 1 is the lecture's (in + 2p - k) // s + 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn


def conv_out(size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """Output length of a convolution (or pooling) along one axis: (size + 2p - d(k-1) - 1) // s + 1."""
    for name, v, low in (("size", size, 1), ("kernel", kernel, 1), ("stride", stride, 1), ("padding", padding, 0), ("dilation", dilation, 1)):
        if int(v) != v or v < low:
            raise ValueError(f"conv_out needs a whole {name} >= {low}, got {v!r}.")
    span = dilation * (kernel - 1) + 1
    if size + 2 * padding < span:
        raise ValueError(f"An input of {size} (padding {padding}) is smaller than the kernel's span {span}; use an input of at least {span - 2 * padding}.")
    return (size + 2 * padding - span) // stride + 1


def pool_out(size: int, kernel: int, stride: int | None = None, padding: int = 0) -> int:
    """Output length of a pooling window along one axis; stride defaults to the kernel, as in torch."""
    return conv_out(size, kernel, kernel if stride is None else stride, padding)


@dataclass
class Row:
    """One line of a trace: layer name, its type, output shape (without batch) and parameter count."""

    name: str
    kind: str
    shape: tuple[int, ...]
    params: int


def trace(model: nn.Module, input_shape: tuple[int, ...], *, show: bool = True) -> list[Row]:
    """Run a zero input of `input_shape` ((C, H, W) or (N, C, H, W)) through `model` and list each
    leaf layer's output shape and parameter count, in call order; prints the table unless show=False.
    """
    shape = tuple(input_shape)
    if len(shape) < 2:
        raise ValueError(f"input_shape must include channels, like (1, 28, 28); got {shape}.")
    x = torch.zeros((1, *shape) if len(shape) in (2, 3) else shape)
    rows: list[Row] = [Row("input", "", tuple(x.shape[1:]), 0)]
    handles = []
    for name, module in model.named_modules():
        if name and not list(module.children()):
            def hook(mod, _inp, out, name=name):
                if isinstance(out, torch.Tensor):
                    n = sum(p.numel() for p in mod.parameters(recurse=False))
                    rows.append(Row(name, type(mod).__name__, tuple(out.shape[1:]), n))
            handles.append(module.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(x)
    except RuntimeError as err:
        last = rows[-1]
        raise ValueError(
            f"An input of shape {shape} does not fit this model after layer {last.name!r} (output {last.shape}): "
            f"{str(err).splitlines()[0]}; use a larger input or check the layer sizes."
        ) from None
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    if show:
        print(format_trace(rows))
    return rows


def format_trace(rows: list[Row]) -> str:
    """A fixed-width table of a trace, with the total parameter count on the last line."""
    lines = [f"{'layer':<12}{'type':<17}{'output shape':<18}{'params':>10}"]
    for r in rows:
        shape = " x ".join(map(str, r.shape))
        lines.append(f"{r.name:<12}{r.kind:<17}{shape:<18}{r.params:>10,}")
    lines.append(f"{'total':<47}{sum(r.params for r in rows):>10,}")
    return "\n".join(lines)
