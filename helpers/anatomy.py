"""A net's anatomy, written once (introduced in 01_proto_cnns): layer outputs (hooks), counts, receptive fields."""

from __future__ import annotations

import functools
import math
import operator
from dataclasses import dataclass
from typing import NamedTuple, Sequence

import torch
import torch.nn as nn

from helpers.inputs import evaluating, model_device

__all__ = ["pair", "LayerOutput", "zero_input", "run_layers", "LayerCount", "free_parameters", "count_parameters",
           "layer_connections", "count_connections", "totals", "format_table", "format_counts", "ReceptiveField",
           "Window", "window_layers", "receptive_field"]


def pair(value: int | Sequence[int], name: str) -> tuple[int, int]:
    """`value` as a pair (h, w) of positive ints: n gives (n, n), a pair (h, w) stays."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(items) != 2 or any(isinstance(v, bool) or not hasattr(v, "__index__") or operator.index(v) < 1 for v in items):
        raise ValueError(f"{name} must be a positive int or a pair of positive ints like (2, 2), got {value!r}.")
    return operator.index(items[0]), operator.index(items[1])


class LayerOutput(NamedTuple):
    """One output of `run_layers`: the layer's name in named_modules() ("" for the model), the layer, its output."""

    name: str
    layer: nn.Module
    output: torch.Tensor


def _is_leaf(module: nn.Module) -> bool:
    return next(module.children(), None) is None


def zero_input(model: nn.Module, shape: Sequence[int]) -> torch.Tensor:
    """A batch of one zero input (1, *shape) in the dtype and on the device of `model`'s first float tensor."""
    first = next((t for t in (*model.parameters(), *model.buffers()) if torch.is_floating_point(t)), None)
    return torch.zeros((1, *shape), dtype=first.dtype if first is not None else torch.float32, device=model_device(model))


def run_layers(model: nn.Module, x: torch.Tensor, names: Sequence[str] | None = None) -> list[LayerOutput]:
    """Run `model` once, in eval mode without gradients, on the batch `x` (N, ...) and return the outputs of its
    leaf layers, or of the layers called `names` (containers allowed), in call order (a layer called twice, twice)."""
    named = dict(model.named_modules())
    for name in names or ():
        if name not in named:
            known = ", ".join(filter(None, named))
            raise ValueError(f"No layer named {name!r} in {type(model).__name__}; pick one of: {known}.")
    chosen = [(n, named[n]) for n in names] if names is not None else [(n, m) for n, m in named.items() if _is_leaf(m)]
    outputs: list[LayerOutput] = []

    def record(name: str, layer: nn.Module, _inputs, output) -> None:
        if isinstance(output, torch.Tensor):
            outputs.append(LayerOutput(name, layer, output))

    handles = [module.register_forward_hook(functools.partial(record, name)) for name, module in chosen]
    try:
        with evaluating(model), torch.no_grad():
            model(x.to(model_device(model, x.device)))
    except RuntimeError as err:
        where = (f"after layer {outputs[-1].name!r} (output {tuple(outputs[-1].output.shape[1:])})" if outputs
                 else "at its first layer")
        raise ValueError(f"An input of shape {tuple(x.shape[1:])} does not fit this model {where}: "
                         f"{str(err).splitlines()[0]}; use a larger input or check the layer sizes.") from None
    finally:
        for handle in handles:
            handle.remove()
    return outputs


@dataclass(frozen=True)
class LayerCount:
    """One row of `count_connections`; `shape` is the output's for one input, without the batch axis."""

    name: str
    kind: str
    shape: tuple[int, ...]
    units: int
    connections: int
    parameters: int


def free_parameters(module: nn.Module) -> int:
    """The numbers training can change in `module`, as the papers count them (a layer's own free_parameters() first)."""
    own = getattr(module, "free_parameters", None)
    if callable(own):
        return int(own())
    return (sum(p.numel() for p in module.parameters(recurse=False) if p.requires_grad)
            + sum(free_parameters(child) for child in module.children()))


def count_parameters(model: nn.Module) -> int:
    """Every number training changes in `model` as PyTorch stores them (a masked kernel whole)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def layer_connections(module: nn.Module, out_shape: Sequence[int], *, biases: bool = True) -> int | None:
    """Connections of `module` whose output has `out_shape`: per unit, the inputs it multiplies and, unless biases=False
    (multiply-adds), its bias; None without parameters. A locally connected weight is (out, H, W, in, kh, kw)."""
    units = math.prod(out_shape)
    own = dict(module.named_parameters(recurse=False))
    bias = units if getattr(module, "bias", None) is not None else 0
    method = getattr(module, "connections", None)
    if callable(method):
        return int(method(tuple(out_shape))) - (0 if biases else bias)
    if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        per_unit = module.in_channels // module.groups * math.prod(module.kernel_size)
    elif isinstance(module, nn.Linear):
        per_unit = module.in_features
    elif set(own) <= {"weight", "bias"} and "weight" in own and own["weight"].dim() == 6:
        per_unit = math.prod(own["weight"].shape[3:])  # in_channels x kh x kw: what one unit multiplies
    elif set(own) == {"bias"}:
        per_unit = 0
    elif own:
        raise TypeError(f"count_connections does not know how {type(module).__name__} multiplies; give it a method "
                        "connections(out_shape) -> int, or build the net from Linear, Conv1d/2d/3d, locally connected and bias layers.")
    else:
        return None
    return per_unit * units + (bias if biases else 0)


def _counted_layers(module: nn.Module, prefix: str = "") -> list[str]:
    """Names of the layers count_connections reads: a module with a connections method as a whole, else the leaves."""
    if callable(getattr(module, "connections", None)) or _is_leaf(module):
        return [prefix]
    return [name for child_name, child in module.named_children()
            for name in _counted_layers(child, f"{prefix}.{child_name}" if prefix else child_name)]


def count_connections(model: nn.Module, input_shape: Sequence[int], *, biases: bool = True) -> list[LayerCount]:
    """Units, connections (a unit's input lines, its bias included, as the 1989-1998 papers count) and free parameters
    (once per layer) of each layer that computes weighted sums, in call order after the input, for one `input_shape`."""
    shape = tuple(input_shape)
    rows = [LayerCount("input", "", shape, math.prod(shape), 0, 0)]
    named = dict(model.named_modules())
    layers = [name for name in _counted_layers(model) if name in named]  # a layer shared under two names, once
    seen: set[int] = set()
    for name, layer, output in run_layers(model, zero_input(model, shape), layers):
        out_shape = tuple(output.shape[1:])
        connections = layer_connections(layer, out_shape, biases=biases)
        if connections is None:
            continue
        parameters = 0 if id(layer) in seen else free_parameters(layer)
        seen.add(id(layer))
        bias_only = {n for n, _ in layer.named_parameters(recurse=False)} == {"bias"}
        units = 0 if bias_only else math.prod(out_shape)  # a per-unit bias adds to the units before it
        kind = type(layer).__name__
        rows.append(LayerCount(name or kind, kind, out_shape, units, connections, parameters))
    return rows


def totals(rows: Sequence[LayerCount]) -> dict[str, int]:
    """Sums of `count_connections` rows: {"units": ..., "connections": ..., "parameters": ...}."""
    return {key: sum(getattr(r, key) for r in rows) for key in ("units", "connections", "parameters")}


def format_table(header: Sequence[str], widths: Sequence[int], rows: Sequence[Sequence]) -> str:
    """Layers' rows (name, type, shape, numbers) in fixed-width columns, numbers right-aligned, and a total line."""
    sums = ["total", "", "", *(sum(row[i] for row in rows) for i in range(3, len(widths)))]
    return "\n".join("".join(f"{v:<{w}}" if i < 3 else f"{v:>{w}{',' if isinstance(v, int) else ''}}"
                             for i, (v, w) in enumerate(zip(line, widths))) for line in [header, *rows, sums])


def format_counts(rows: Sequence[LayerCount]) -> str:
    """A fixed-width table of `count_connections` rows, with a total line."""
    widths = [max([8, *(len(r.name) + 2 for r in rows)]), max([18, *(len(r.kind) + 2 for r in rows)]), 12, 8, 14, 12]
    cells = [(r.name, r.kind, "x".join(map(str, r.shape)), r.units, r.connections, r.parameters) for r in rows]
    return format_table(["layer", "type", "output", "units", "connections", "parameters"], widths, cells)


@dataclass(frozen=True)
class ReceptiveField:
    """Unit (row, col) sees the square of side `size` at (row, col) * stride + offset (negative: in the padding)."""

    size: int
    stride: int
    offset: int = 0


@dataclass(frozen=True)
class Window:
    """A layer of `window_layers`, along either axis: `kernel` is its span (dilated), `padding` precedes its windows."""

    name: str
    kind: str
    kernel: int
    stride: int
    padding: int


_PADS = (nn.ConstantPad1d, nn.ConstantPad2d, nn.ZeroPad2d, nn.ReflectionPad1d, nn.ReflectionPad2d,
         nn.ReplicationPad1d, nn.ReplicationPad2d)


def _square(value: int | Sequence[int], what: str, name: str) -> int:
    values = set(value) if isinstance(value, (tuple, list)) else {value}
    if len(values) != 1 or isinstance(value, str):
        raise ValueError(f"receptive_field computes square fields in pixels, but layer {name!r} has {what} {value!r}; "
                         "use the same number of pixels along both axes.")
    return int(values.pop())


def window_layers(model: nn.Module) -> list[Window]:
    """In definition order, padding layers and leaf layers with a kernel_size (stride defaults to it, padding to 0)."""
    windows = []
    for name, m in model.named_modules():
        if isinstance(m, nn.Linear):
            raise ValueError(f"receptive_field needs a fully convolutional stack, but layer {name!r} is an nn.Linear; "
                             "write it as a convolution first (fully_convolutional(model) does it for a LeNet32).")
        if isinstance(m, _PADS):
            windows.append(Window(name, type(m).__name__, 1, 1, _square(m.padding[::2], "padding", name)))  # left, top
        elif _is_leaf(m) and hasattr(m, "kernel_size"):
            kernel = _square(m.kernel_size, "kernel_size", name)
            stride = _square(getattr(m, "stride", None) or kernel, "stride", name)
            dilation = _square(getattr(m, "dilation", 1), "dilation", name)
            windows.append(Window(name, type(m).__name__, dilation * (kernel - 1) + 1, stride,
                                  _square(getattr(m, "padding", 0), "padding", name)))
    return windows


def receptive_field(layers: nn.Module | Sequence[tuple[int, int]]) -> ReceptiveField:
    """The receptive field of one output unit of a model or of unpadded (kernel, stride) layers, in input pixels:
    size = 1 + sum_l (k_l - 1) S_l, stride = all strides' product, offset = -sum_l p_l S_l (S_l: strides before l)."""
    if isinstance(layers, nn.Module):
        steps = [(w.kernel, w.stride, w.padding) for w in window_layers(layers)]
        if not steps:
            raise ValueError(f"{type(layers).__name__} has no convolution or pooling layer, so it has no receptive field to compute.")
    else:
        steps = [(kernel, stride, 0) for kernel, stride in layers]
        bad = [(k, s) for k, s, _ in steps if k < 1 or s < 1]
        if bad:
            raise ValueError(f"Every layer needs kernel >= 1 and stride >= 1, got {bad[0]}.")
    size, stride, offset = 1, 1, 0
    for k, s, p in steps:
        offset -= p * stride
        size += (k - 1) * stride
        stride *= s
    return ReceptiveField(size, stride, offset)
