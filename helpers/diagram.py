"""A net's diagram drawn from the model object, a box per layer that ran on a blank input (from 01_proto_cnns)."""

from __future__ import annotations

from typing import NamedTuple, Sequence

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from helpers.anatomy import run_layers
from helpers.inputs import model_device
from helpers.plots import save_figure

__all__ = ["Box", "describe", "net_boxes", "draw_net"]

ACTIVATIONS = (nn.ReLU, nn.Tanh, nn.Sigmoid, nn.LogSoftmax, nn.Softmax, nn.Hardtanh)
KINDS = {"local": ("local",), "conv": ("conv",), "pool": ("pool", "subsampl")}
COLOURS = {"conv": "#cfe2f3", "local": "#d9ead3", "pool": "#fce5cd", "fc": "#ead1dc", "other": "#eeeeee"}


class Box(NamedTuple):
    """One box of a diagram: the kind of layer (its colour), its label, the shape it hands on, its parameters."""

    kind: str
    label: str
    shape: str
    params: int


def _pair(value) -> str:
    a, b = (value, value) if isinstance(value, int) else tuple(value)
    return f"{a}" if a == b else f"{a}×{b}"


def describe(layer: nn.Module) -> tuple[str, str]:
    """(kind, label) of a layer: conv 5×5 with its maps and stride, max-pool 2, fully connected 400→120, ..."""
    if isinstance(layer, nn.modules.conv._ConvNd):
        extra = "".join([f", stride {_pair(layer.stride)}" if set(layer.stride) != {1} else "",
                         f", groups {layer.groups}" if layer.groups > 1 else ""])
        size = "×".join(map(str, layer.kernel_size))
        return "conv", f"conv {size}{extra}\n{layer.in_channels}→{layer.out_channels} maps"
    if isinstance(layer, nn.Linear):
        return "fc", f"fully connected\n{layer.in_features}→{layer.out_features}"
    if isinstance(layer, (nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d, nn.AvgPool2d)):
        kind = "max" if isinstance(layer, (nn.MaxPool1d, nn.MaxPool2d)) else "average"
        return "pool", f"{kind}-pool {_pair(layer.kernel_size)}"
    if isinstance(layer, nn.Flatten):
        return "other", "flatten"
    name = type(layer).__name__
    kind = next((k for k, words in KINDS.items() if any(w in name.lower() for w in words)), "other")
    if hasattr(layer, "kernel_size"):  # a layer of the course's own: LocallyConnected2d, TableConv2d, ...
        k, stride = layer.kernel_size, _pair(getattr(layer, "stride", 1))
        size = f"{k}×{k}" if isinstance(k, int) else "×".join(map(str, k))
        return kind, f"{name}\n{size} kernels" + (f", stride {stride}" if stride != "1" else "")
    return kind, name


def _shape(output: torch.Tensor) -> str:
    channels, *size = output.shape[1:]
    return f"{channels}@{'×'.join(str(s) for s in size)}" if size else f"{channels}"


def net_boxes(model: nn.Module, input_shape: Sequence[int]) -> list[Box]:
    """The input's box, then each leaf layer's as it ran on one input (C, H, W) or (C, L); unit-wise ones join the last."""
    x = torch.zeros(1, *input_shape, device=model_device(model))
    boxes = [Box("input", "input", _shape(x), 0)]
    for out in run_layers(model, x):
        params = sum(p.numel() for p in out.layer.parameters(recurse=False))
        kind, label = describe(out.layer)
        shape = _shape(out.output)
        elementwise = isinstance(out.layer, ACTIVATIONS) or (kind == "other" and not hasattr(out.layer, "kernel_size"))
        if elementwise and len(boxes) > 1 and shape == boxes[-1].shape:  # tanh, a bias per unit: part of the box before
            before = boxes.pop()
            joined = label.lower() if isinstance(out.layer, ACTIVATIONS) else label
            kind, label, params = before.kind, f"{before.label}\n+ {joined}", before.params + params
        boxes.append(Box(kind, label, shape, params))
    return boxes


def draw_net(model: nn.Module, input_shape: Sequence[int], *, title: str | None = None, save: str | None = None) -> Figure:
    """`model`'s boxes left to right, the shape each hands on ("6@28×28") above, its parameters below; `save`: a file."""
    boxes = net_boxes(model, input_shape)
    width, gap = 1.5, 0.55
    fig, ax = plt.subplots(figsize=(0.4 + len(boxes) * (width + gap) * 0.82, 2.1))
    for i, box in enumerate(boxes):
        x = i * (width + gap)
        ax.add_patch(FancyBboxPatch((x, 0.0), width, 1.0, boxstyle="round,pad=0.02,rounding_size=0.08",
                                    facecolor=COLOURS.get(box.kind, "#ffffff"), edgecolor="#444444", linewidth=0.8))
        ax.text(x + width / 2, 0.5, box.label, ha="center", va="center", fontsize=7.5)
        ax.text(x + width / 2, 1.12, box.shape, ha="center", va="bottom", fontsize=8, fontweight="bold")
        if box.params:
            ax.text(x + width / 2, -0.1, f"{box.params:,} params", ha="center", va="top", fontsize=7, color="#555555")
        if i:
            ax.add_patch(FancyArrowPatch((x - gap + 0.04, 0.5), (x - 0.04, 0.5), arrowstyle="-|>", mutation_scale=8,
                                         color="#444444"))
    ax.set_title(f"{title or type(model).__name__}: {sum(p.numel() for p in model.parameters()):,} parameters", fontsize=9)
    ax.set(xlim=(-0.1, len(boxes) * (width + gap) - gap + 0.1), ylim=(-0.35, 1.4))
    ax.axis("off")
    if save:
        save_figure(fig, save)
    return fig
