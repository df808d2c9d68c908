"""A network's anatomy: its layers' outputs, connections, free parameters and receptive fields (introduced in 01_proto_cnns).

The one definition of each tool the lectures use to look inside a net; every helper and notebook uses these:

- `run_layers(model, x, names=None)`: run `model` once on a batch `x` (N, ...) with forward hooks and
  return its leaf layers' outputs (or the named layers') in call order. `helpers.shapes.trace`,
  `count_connections` and `helpers.shift_equivariance_measures` read layers through it.
- `count_connections(model, input_shape)`: one `LayerCount` row (units, connections, free parameters)
  per layer that computes weighted sums, counted as the papers count them (01, 02, 04); `totals` sums
  the rows, `format_counts` prints them. With `biases=False` the rows count multiply-adds proper (06).
- `free_parameters(module)`: the numbers training can change, as the papers count them;
  `count_parameters(model)`: every trainable number as PyTorch stores it (a masked kernel whole).
- `receptive_field(model or [(kernel, stride), ...])`: the `ReceptiveField` (size, stride, offset) of
  one output unit, in input pixels (06, 08); `window_layers(model)` lists the layers it reads.
- `zero_input(model, shape)`: the batch of one zero input those counts run on.
- `pair(value, name)`: a size given as an int or a pair of ints, as a checked pair (h, w).
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from typing import NamedTuple, Sequence

import torch
import torch.nn as nn

from helpers.inputs import model_device

__all__ = ["pair", "LayerOutput", "zero_input", "run_layers", "LayerCount", "free_parameters", "count_parameters",
           "layer_connections", "count_connections", "totals", "format_counts", "ReceptiveField", "Window",
           "window_layers", "receptive_field"]


def pair(value: int | Sequence[int], name: str) -> tuple[int, int]:
    """`value` as a pair (h, w) of positive ints: n gives (n, n), a pair (h, w) stays (kernel sizes, strides, map sizes)."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(items) != 2 or any(isinstance(v, bool) or not hasattr(v, "__index__") or operator.index(v) < 1 for v in items):
        raise ValueError(f"{name} must be a positive int or a pair of positive ints like (2, 2), got {value!r}.")
    return operator.index(items[0]), operator.index(items[1])


# ---------------------------------------------------------------------------------------------
# Running a model with forward hooks
# ---------------------------------------------------------------------------------------------

class LayerOutput(NamedTuple):
    """One layer's output in `run_layers`: its name in model.named_modules() ("" for the model itself),
    the layer, and what it returned for the batch, (N, ...)."""

    name: str
    layer: nn.Module
    output: torch.Tensor


def _is_leaf(module: nn.Module) -> bool:
    return next(module.children(), None) is None


def zero_input(model: nn.Module, shape: Sequence[int]) -> torch.Tensor:
    """A batch of one zero input (1, *shape) with the dtype and on the device of `model`'s first
    floating-point parameter or buffer (float32 on the CPU for a model without any)."""
    first = next((t for t in (*model.parameters(), *model.buffers()) if torch.is_floating_point(t)), None)
    return torch.zeros((1, *shape), dtype=first.dtype if first is not None else torch.float32, device=model_device(model))


def run_layers(model: nn.Module, x: torch.Tensor, names: Sequence[str] | None = None) -> list[LayerOutput]:
    """Run `model` once on the batch `x` (N, ...) and return the outputs of its leaf layers, or of
    the layers called `names` (names from model.named_modules(), containers allowed), in call order.

    The model runs in eval mode without gradients, `x` moved to the model's device; every module's
    training mode is restored and the hooks are removed afterwards, also when the model fails. A
    layer called twice appears twice; layers that do not run, or return no tensor, do not appear.
    An input that does not fit raises a ValueError naming the last layer that ran.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"run_layers needs a batch tensor (N, ...), got {type(x).__name__}; make one with zero_input(model, shape) or x.unsqueeze(0).")
    named = dict(model.named_modules())
    if names is None:
        chosen = {name: module for name, module in named.items() if _is_leaf(module)}
    else:
        missing = [name for name in names if name not in named]
        if missing:
            known = ", ".join(n for n in named if n)
            raise ValueError(f"No layer named {missing[0]!r} in {type(model).__name__}; pick one of: {known}.")
        chosen = {name: named[name] for name in names}
    outputs: list[LayerOutput] = []

    def recorder(name: str):
        def record(layer: nn.Module, _inputs, output) -> None:
            if isinstance(output, torch.Tensor):
                outputs.append(LayerOutput(name, layer, output))
        return record

    handles = [module.register_forward_hook(recorder(name)) for name, module in chosen.items()]
    modes = [(module, module.training) for module in model.modules()]
    device = model_device(model, x.device)
    model.eval()
    try:
        with torch.no_grad():
            model(x.to(device))
    except RuntimeError as err:
        where = (f"after layer {outputs[-1].name!r} (output {tuple(outputs[-1].output.shape[1:])})" if outputs
                 else "at its first layer")
        raise ValueError(f"An input of shape {tuple(x.shape[1:])} does not fit this model {where}: "
                         f"{str(err).splitlines()[0]}; use a larger input or check the layer sizes.") from None
    finally:
        for handle in handles:
            handle.remove()
        for module, mode in modes:
            module.training = mode
    return outputs


# ---------------------------------------------------------------------------------------------
# Counting connections, multiply-adds and free parameters
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LayerCount:
    """One row of `count_connections`: a layer's name, type, output shape for one input (no batch
    axis), units, connections and free parameters."""

    name: str
    kind: str
    shape: tuple[int, ...]
    units: int
    connections: int
    parameters: int


def free_parameters(module: nn.Module) -> int:
    """The numbers training can change in `module` and its sublayers: the elements of parameters
    with requires_grad, or what a layer's own free_parameters() says (lenet1998.MaskedConv2d counts
    only the kernels its table keeps)."""
    own = getattr(module, "free_parameters", None)
    if callable(own):
        return int(own())
    return (sum(p.numel() for p in module.parameters(recurse=False) if p.requires_grad)
            + sum(free_parameters(child) for child in module.children()))


def count_parameters(model: nn.Module) -> int:
    """Every number training changes in `model`: the elements of its parameters with requires_grad,
    as PyTorch stores them (introduced in 01_proto_cnns). A masked kernel counts whole; the papers'
    count of free parameters, which leaves out masked weights, is `free_parameters` (04 shows both)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def layer_connections(module: nn.Module, out_shape: Sequence[int], *, biases: bool = True) -> int | None:
    """Connections of `module` in one forward pass for one input whose output has `out_shape` (no
    batch axis): every output unit times the inputs it multiplies, plus one for its bias.

    Knows nn.Linear; nn.Conv1d, Conv2d and Conv3d (any groups); locally connected layers (a 6-D
    `weight` (out_channels, H_out, W_out, in_channels, kh, kw), one kernel per unit); per-unit bias
    layers (a module whose only parameter is `bias`, one link per unit); and any module with a method
    connections(out_shape) -> int (biases included). Returns None for layers without parameters
    (activations, max or plain average pooling, flatten, padding). With biases=False the bias links
    are left out: multiply-adds proper, as FLOP counters count them.
    """
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
    """Units, connections and free parameters of every layer that computes weighted sums, for one
    input of `input_shape` (C, H, W) (or (F,), (C, L): one sample, no batch axis), in call order.

    The first row is the input: its pixels count as units, as in the papers. A connection is one
    input line of a unit, its bias included (a link from an always-on unit, as the 1989-1998 papers
    count): one multiply-add of the forward pass. Padded border inputs count too, since every unit
    has its full set of input lines. With biases=False the bias links are left out, so the rows count
    multiply-adds only (06_sliding_window). Layers without weights (activations, max pooling) are
    left out; a layer that runs twice is listed twice, its parameters once; a per-unit bias layer
    adds connections and parameters but no units (they are the layer's before it). `totals` sums the rows.
    """
    shape = tuple(input_shape)
    if not shape or any(isinstance(s, bool) or not hasattr(s, "__index__") or operator.index(s) < 1 for s in shape):
        raise ValueError(f"input_shape is one input's shape without the batch axis, like (1, 16, 16); got {input_shape!r}.")
    shape = tuple(operator.index(s) for s in shape)
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


def format_counts(rows: Sequence[LayerCount]) -> str:
    """A fixed-width table of `count_connections` rows, with a total line."""
    name_w = max([8, *(len(r.name) + 2 for r in rows)])
    kind_w = max([18, *(len(r.kind) + 2 for r in rows)])
    lines = [f"{'layer':<{name_w}}{'type':<{kind_w}}{'output':<12}{'units':>8}{'connections':>14}{'parameters':>12}"]
    for r in rows:
        lines.append(f"{r.name:<{name_w}}{r.kind:<{kind_w}}{'x'.join(map(str, r.shape)):<12}"
                     f"{r.units:>8,}{r.connections:>14,}{r.parameters:>12,}")
    t = totals(rows)
    lines.append(f"{'total':<{name_w + kind_w + 12}}{t['units']:>8,}{t['connections']:>14,}{t['parameters']:>12,}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Receptive fields
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReceptiveField:
    """Where a unit at (row, col) of a feature map looks in the input: the square of side `size` whose
    top-left corner is at (row * stride + offset, col * stride + offset). A negative offset means the
    fields of the border units reach into the padding."""

    size: int
    stride: int
    offset: int = 0


@dataclass(frozen=True)
class Window:
    """One layer of `window_layers`, along either axis: its name, type, kernel span in its input's
    positions (dilation included), stride and padding before its first window."""

    name: str
    kind: str
    kernel: int
    stride: int
    padding: int


_PADS = (nn.ConstantPad1d, nn.ConstantPad2d, nn.ZeroPad2d, nn.ReflectionPad1d, nn.ReflectionPad2d,
         nn.ReplicationPad1d, nn.ReplicationPad2d)


def _square(value: int | Sequence[int], what: str, name: str) -> int:
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if any(isinstance(v, str) for v in values):
        raise ValueError(f"receptive_field needs sizes in pixels, but layer {name!r} has {what} {value!r}; give the layer a number instead.")
    if len(set(values)) != 1:
        raise ValueError(f"receptive_field computes square fields, but layer {name!r} has {what} {value!r}; "
                         "use the same number along both axes.")
    return int(values[0])


def window_layers(model: nn.Module) -> list[Window]:
    """The layers of `model` that move or widen a receptive field, in the order they are defined
    (the order the course's models run them): leaf layers with a `kernel_size` (convolutions,
    poolings, the course's layers built like them; `stride` defaults to the kernel, `padding` to 0,
    `dilation` to 1) and padding layers. Refuses a model with nn.Linear layers."""
    windows = []
    for name, m in model.named_modules():
        if isinstance(m, nn.Linear):
            raise ValueError(f"receptive_field needs a fully convolutional stack, but layer {name!r} is an nn.Linear; "
                             "write it as a convolution first (fully_convolutional(model) does it for a LeNet32).")
        if isinstance(m, _PADS):
            left, top = m.padding[0], (m.padding[2] if len(m.padding) == 4 else m.padding[0])
            windows.append(Window(name, type(m).__name__, 1, 1, _square((left, top), "padding", name)))
        elif _is_leaf(m) and hasattr(m, "kernel_size"):
            kernel = _square(m.kernel_size, "kernel_size", name)
            stride = getattr(m, "stride", None)
            dilation = _square(getattr(m, "dilation", 1), "dilation", name)
            windows.append(Window(name, type(m).__name__, dilation * (kernel - 1) + 1,
                                  kernel if stride is None else _square(stride, "stride", name),
                                  _square(getattr(m, "padding", 0), "padding", name)))
    return windows


def receptive_field(layers: nn.Module | Sequence[tuple[int, int]]) -> ReceptiveField:
    """The receptive field of one output unit of a stack of convolutions and poolings, in input pixels.

    `layers` is a model (read with `window_layers`, padding and dilation included) or a list of
    unpadded (kernel, stride) layers in the order they run. size = 1 + sum_l (k_l - 1) * (product of
    the strides before l); stride = the product of all strides; offset = -sum_l p_l * (product of the
    strides before l). The 1-D example of 06: size 10, stride 4; SmallConvNet's conv2 (08),
    [(5, 1), (2, 2), (5, 1)]: size 14, stride 2.
    """
    if isinstance(layers, nn.Module):
        steps = [(w.kernel, w.stride, w.padding) for w in window_layers(layers)]
        if not steps:
            raise ValueError(f"{type(layers).__name__} has no convolution or pooling layer, so it has no receptive field to compute.")
    else:
        steps = []
        for layer in layers:
            kernel, stride = layer
            if kernel < 1 or stride < 1:
                raise ValueError(f"Every layer needs kernel >= 1 and stride >= 1, got ({kernel}, {stride}).")
            steps.append((kernel, stride, 0))
    size, stride, offset = 1, 1, 0
    for k, s, p in steps:
        offset -= p * stride
        size += (k - 1) * stride
        stride *= s
    return ReceptiveField(size, stride, offset)
