"""Output sizes of convolutions and pooling, and a layer-by-layer shape trace (introduced in 01_proto_cnns)."""

from __future__ import annotations

from dataclasses import dataclass

import torch.nn as nn

from helpers.anatomy import format_table, free_parameters, run_layers, zero_input

__all__ = ["conv_out", "pool_out", "Row", "trace"]


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
    """One line of a trace: layer name, its type, output shape (without batch) and free parameters."""

    name: str
    kind: str
    shape: tuple[int, ...]
    params: int


def trace(model: nn.Module, input_shape: tuple[int, ...], *, show: bool = True) -> list[Row]:
    """Each leaf layer's output shape and free parameters, in call order, for a zero input of `input_shape`
    ((C, H, W), (C, L), or (N, C, H, W) whose batch is ignored); prints the table unless show=False."""
    sample = tuple(input_shape)[1:] if len(input_shape) == 4 else tuple(input_shape)
    rows = [Row("input", "", sample, 0)]
    for name, layer, out in run_layers(model, zero_input(model, sample)):
        kind = type(layer).__name__
        rows.append(Row(name or kind, kind, tuple(out.shape[1:]), free_parameters(layer)))
    if show:
        cells = [(r.name, r.kind, " x ".join(map(str, r.shape)), r.params) for r in rows]
        print(format_table(["layer", "type", "output shape", "params"], [12, 17, 18, 10], cells))
    return rows
