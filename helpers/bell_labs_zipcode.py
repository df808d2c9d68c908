"""The Bell Labs nets of 02_bell_labs: the 1989 zip-code net with its connection tables, the 1990
subsampling layer, and the lecture's walk with a choice of downsampling. Their units, connections and
free parameters are counted by helpers.anatomy.count_connections, through each layer's connections(out_shape).
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.data import BACKGROUND

__all__ = ["DOWNSAMPLING", "cyclic_table", "format_table", "TableConv2d", "ZipCodeNet1989",
           "pm1_targets", "mse_pm1", "paper_sized", "Subsampling1990", "SubsamplingLeNet"]

DOWNSAMPLING = ("subsampling", "max", "average", "stride")


def cyclic_table(out_maps: int, in_maps: int, fan_in: int) -> torch.Tensor:
    """A connection table (out_maps, in_maps) of bools: output map j sees input maps j, j+1, ..., j+fan_in-1 (mod in_maps).
    The 1989 paper does not publish its 8-of-12 scheme; this cyclic one is our choice."""
    return (torch.arange(in_maps) - torch.arange(out_maps)[:, None]) % in_maps < fan_in


def format_table(table: torch.Tensor) -> str:
    """The table as text: one row per output map, an X where it sees an input map (columns)."""
    width = len(str(table.shape[1] - 1))
    head = " " * 7 + " ".join(f"{i:>{width}}" for i in range(table.shape[1]))
    marks = [" ".join(f"{'X' if v else '.':>{width}}" for v in row) for row in table.tolist()]
    rows = [f"out {j:>2} {m}" for j, m in enumerate(marks)]
    return "\n".join([head + "   <- input maps", *rows])


class TableConv2d(nn.Module):
    """A convolution where output map j sees only the input maps with table[j, i] True, its border padded
    with `pad_value` (1989's "virtual background plane" of -1). `weight` holds one k x k kernel per True
    entry; `bias="map"` gives one bias per output map, `bias="unit"` one per unit, (out_maps, *out_size)."""

    def __init__(self, table: torch.Tensor, kernel_size: int = 5, stride: int = 1, padding: int = 0,
                 pad_value: float = 0.0, bias: str | None = "map", out_size: tuple[int, int] | None = None) -> None:
        super().__init__()
        if not (isinstance(table, torch.Tensor) and table.dtype == torch.bool and table.dim() == 2
                and bool(table.any(1).all())):
            raise ValueError("A connection table is a bool tensor (out_maps, in_maps) with at least one True per row; "
                             "build one with cyclic_table or torch.ones(out, in, dtype=torch.bool).")
        self.kernel_size, self.stride, self.padding, self.pad_value = kernel_size, stride, padding, float(pad_value)
        self.bias_mode = bias
        self.register_buffer("table", table.clone(), persistent=False)
        self.weight = nn.Parameter(torch.empty(int(table.sum()), kernel_size, kernel_size))
        shape = (table.shape[0],) if bias == "map" else (table.shape[0], *out_size) if bias == "unit" else None
        self.bias = nn.Parameter(torch.zeros(shape)) if shape is not None else None
        self.reset_parameters()

    @property
    def fan_in(self) -> torch.Tensor:
        """Inputs (weights) of one unit of each output map, shape (out_maps,): maps seen x k x k."""
        return self.table.sum(dim=1) * self.kernel_size**2

    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """The 1989 initialisation: weights uniform in +-2.4 / sqrt(fan-in), biases zero."""
        bound = (2.4 / self.fan_in.float().sqrt()).repeat_interleave(self.table.sum(1))  # per kernel
        with torch.no_grad():
            self.weight.copy_((torch.rand(self.weight.shape, generator=generator) * 2 - 1) * bound[:, None, None])
            if self.bias is not None:
                self.bias.zero_()

    def full_weight(self) -> torch.Tensor:
        """The kernels as a dense conv2d weight (out_maps, in_maps, k, k), zero where the table says no."""
        w = self.weight.new_zeros(*self.table.shape, self.kernel_size, self.kernel_size)
        return w.index_put((self.table,), self.weight)

    def connections(self, out_shape: tuple[int, ...]) -> int:
        """Multiply-adds of one forward pass for an output of shape (out_maps, H', W'): per unit, its weights plus 1 bias."""
        per_unit = self.fan_in + (1 if self.bias is not None else 0)
        return int(per_unit.sum()) * int(out_shape[-2] * out_shape[-1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p = self.padding
        x = F.pad(x, (p, p, p, p), value=self.pad_value)
        y = F.conv2d(x, self.full_weight(), stride=self.stride)
        if self.bias is None:
            return y
        return y + (self.bias if self.bias_mode == "unit" else self.bias[:, None, None])

    def extra_repr(self) -> str:
        out_maps, in_maps = self.table.shape
        return (f"{in_maps} -> {out_maps} maps, {int(self.table.sum())} map-to-map connections, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, pad_value={self.pad_value}, bias={self.bias_mode}")


class ZipCodeNet1989(nn.Module):
    """The 1989 zip-code net (LeCun et al., Neural Computation 1(4), 1989): (N, 1, 16, 16) in [0, 1] -> (N, 10);
    H1 12x8x8, H2 12x4x4 (each map sees 8 of H1's 12, `table`), H3 30, output 10. `activation` "tanh" or "relu";
    `output` "tanh" (the 1989 net, for +-1 targets with MSE) or "linear" (logits)."""

    def __init__(self, activation: str = "tanh", output: str = "tanh", table: torch.Tensor | None = None) -> None:
        super().__init__()
        self.activation, self.output = activation, output
        table = cyclic_table(12, 12, 8) if table is None else table
        # hidden maps are padded with the activation's resting state: -1 for tanh (as in 1989), 0 for ReLU
        hidden_pad = BACKGROUND if activation == "tanh" else 0.0
        self.h1 = TableConv2d(torch.ones(12, 1, dtype=torch.bool), 5, stride=2, padding=2, pad_value=BACKGROUND, bias="unit", out_size=(8, 8))
        self.h2 = TableConv2d(table, 5, stride=2, padding=2, pad_value=hidden_pad, bias="unit", out_size=(4, 4))
        self.h3 = nn.Linear(12 * 4 * 4, 30)
        self.out = nn.Linear(30, 10)
        self.reset_parameters()

    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """Weights uniform in +-2.4 / sqrt(fan-in) (the paper's rule, read with a square root), biases zero."""
        self.h1.reset_parameters(generator)
        self.h2.reset_parameters(generator)
        for layer in (self.h3, self.out):
            bound = 2.4 / math.sqrt(layer.in_features)
            with torch.no_grad():
                layer.weight.copy_((torch.rand(layer.weight.shape, generator=generator) * 2 - 1) * bound)
                layer.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = {"tanh": torch.tanh, "relu": F.relu}[self.activation]
        x = 2.0 * x - 1.0  # [0, 1] -> [-1, 1]: background -1, ink +1
        x = f(self.h1(x))
        x = f(self.h2(x))
        x = f(self.h3(x.flatten(1)))
        x = self.out(x)
        return torch.tanh(x) if self.output == "tanh" else x


def pm1_targets(labels: torch.Tensor, num_classes: int = 10) -> torch.Tensor:
    """The 1989 targets (N, num_classes): +1 for the right class, -1 for the others."""
    return 2.0 * F.one_hot(labels, num_classes).float() - 1.0


def mse_pm1(outputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """The 1989 cost: mean squared error between outputs (N, C) and +-1 targets; a loss_fn for helpers.train.fit."""
    return F.mse_loss(outputs, pm1_targets(labels, outputs.shape[1]))


def paper_sized(data: tuple[torch.Tensor, torch.Tensor], n: int, seed: int = 1989) -> tuple[torch.Tensor, torch.Tensor]:
    """A random subset of min(n, len(data)) pairs (the 1989 protocol: n = 7,291 train, 2,007 test), reproducible for a seed."""
    x, y = data
    if n >= len(y):
        return x, y
    idx = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))[:n]
    return x[idx], y[idx]


class Subsampling1990(nn.Module):
    """The 1990 subsampling layer: y = tanh(a_c * mean of a 2x2 window + b_c), stride 2, a_c and b_c trained
    per map; (N, C, H, W) -> (N, C, H // 2, W // 2), 5 connections per unit."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.channels, self.kernel_size = channels, 2
        self.coefficient = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def connections(self, out_shape: tuple[int, ...]) -> int:
        """Multiply-adds of one forward pass: k*k inputs plus 1 bias per output unit."""
        return (self.kernel_size**2 + 1) * math.prod(out_shape[-3:])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.avg_pool2d(x, self.kernel_size) * self.coefficient[:, None, None] + self.bias[:, None, None]
        return torch.tanh(y)

    def extra_repr(self) -> str:
        return f"channels={self.channels}"


class SubsamplingLeNet(nn.Module):
    """The lecture's walk, conv 5x5 (4 maps), conv 5x5 (16), conv 5x5 (10), each of the first two followed by
    `downsample` (one of DOWNSAMPLING; "stride": the convolutions step by 2 instead, as in 1989).
    (N, 1, 32, 32) in [0, 1] -> (N, 10) logits; a larger input gives (N, 10, H', W')."""

    def __init__(self, downsample: str = "subsampling") -> None:
        super().__init__()
        pool = {"subsampling": Subsampling1990, "max": lambda c: nn.MaxPool2d(2), "average": lambda c: nn.AvgPool2d(2),
                "stride": lambda c: nn.Identity()}[downsample]
        stride = 2 if downsample == "stride" else 1
        self.conv1 = nn.Conv2d(1, 4, 5, stride=stride)
        self.pool1 = pool(4)
        self.conv2 = nn.Conv2d(4, 16, 5, stride=stride)
        self.pool2 = pool(16)
        self.conv3 = nn.Conv2d(16, 10, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = 2.0 * x - 1.0
        x = self.pool1(torch.tanh(self.conv1(x)))  # the 1990 layer applies its own tanh
        x = self.pool2(torch.tanh(self.conv2(x)))
        x = self.conv3(x)
        return x.flatten(1) if x.shape[-2:] == (1, 1) else x
