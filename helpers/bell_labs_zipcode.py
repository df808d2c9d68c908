"""The Bell Labs nets: the 1989 zip-code net and the 1990 subsampling layer (02_bell_labs).

* `TableConv2d`: a convolution whose output maps see only the input maps a boolean table allows,
  padded with a constant background, with one bias per map or one bias per unit (as in 1989).
* `ZipCodeNet1989`: LeCun et al. (1989), "Backpropagation applied to handwritten zip code
  recognition": 16x16 input, H1 12x8x8, H2 12x4x4 (each map sees 8 of H1's 12), H3 30, 10 outputs.
* `Subsampling1990`: 2x2 average, times a trainable coefficient, plus a trainable bias, through tanh.
* `SubsamplingLeNet`: the lecture's walk 32 -> 28 -> 14 -> 10 -> 5 -> 1x1, with a choice of
  downsampling (1990 subsampling, max pooling, plain average, or stride-2 convolutions as in 1989).

Their units, connections and free parameters are counted by helpers.anatomy.count_connections, as
the papers count them; `TableConv2d` and `Subsampling1990` say how with a method connections(out_shape).
"""

from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.data import BACKGROUND

__all__ = ["DOWNSAMPLING", "ACTIVATIONS", "cyclic_table", "format_table", "TableConv2d", "ZipCodeNet1989",
           "pm1_targets", "mse_pm1", "paper_sized", "Subsampling1990", "SubsamplingLeNet"]

DOWNSAMPLING = ("subsampling", "max", "average", "stride")


ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "tanh": torch.tanh,
    "relu": F.relu,
}


def cyclic_table(out_maps: int, in_maps: int, fan_in: int) -> torch.Tensor:
    """A connection table (out_maps, in_maps) of bools: output map j sees input maps j, j+1, ..., j+fan_in-1 (mod in_maps).

    The 1989 paper does not publish its 8-of-12 scheme; this cyclic one is our choice: every output
    map sees `fan_in` inputs and, when out_maps == in_maps, every input map feeds `fan_in` outputs.
    """
    if not (1 <= fan_in <= in_maps) or out_maps < 1:
        raise ValueError(f"cyclic_table needs out_maps >= 1 and 1 <= fan_in <= in_maps, got out_maps={out_maps}, in_maps={in_maps}, fan_in={fan_in}.")
    table = torch.zeros(out_maps, in_maps, dtype=torch.bool)
    for j in range(out_maps):
        for i in range(fan_in):
            table[j, (j + i) % in_maps] = True
    return table


def format_table(table: torch.Tensor) -> str:
    """The table as text: one row per output map, an X where it sees an input map (columns)."""
    t = _check_table(table)
    width = len(str(t.shape[1] - 1))
    head = " " * 7 + " ".join(f"{i:>{width}}" for i in range(t.shape[1]))
    rows = [f"out {j:>2}" + " " + " ".join(f"{'X' if v else '.':>{width}}" for v in t[j].tolist()) for j in range(t.shape[0])]
    return "\n".join([head + "   <- input maps", *rows])


def _check_table(table: torch.Tensor) -> torch.Tensor:
    if not isinstance(table, torch.Tensor) or table.dim() != 2 or table.dtype != torch.bool:
        raise ValueError("A connection table is a bool tensor of shape (out_maps, in_maps); build one with cyclic_table or torch.ones(out, in, dtype=torch.bool).")
    if not bool(table.any(dim=1).all()):
        raise ValueError("Every output map of a connection table must see at least one input map; give each row at least one True.")
    return table


class TableConv2d(nn.Module):
    """A convolution where output map j sees only the input maps with table[j, i] True (02_bell_labs).

    Input (N, in_maps, H, W) -> output (N, out_maps, H', W'), H' = (H + 2p - k) // s + 1. The border is
    padded with the constant `pad_value` (the 1989 net's "virtual background plane" of -1). Only the
    kernels the table allows are parameters: `weight` has shape (connections, k, k), one k x k kernel
    per True entry of the table. `bias="map"` gives one bias per output map (today's convention),
    `bias="unit"` one bias per output unit, shape (out_maps, H', W'), as in 1989 (needs `out_size`).
    """

    def __init__(self, table: torch.Tensor, kernel_size: int = 5, stride: int = 1, padding: int = 0,
                 pad_value: float = 0.0, bias: str | None = "map", out_size: tuple[int, int] | None = None) -> None:
        super().__init__()
        table = _check_table(table)
        if bias == "unit" and (out_size is None or len(out_size) != 2):
            raise ValueError("bias='unit' needs out_size=(H', W'), the output map size, because every unit has its own bias.")
        self.kernel_size, self.stride, self.padding, self.pad_value = kernel_size, stride, padding, float(pad_value)
        self.bias_mode = bias
        self.register_buffer("table", table.clone(), persistent=False)
        rows, cols = torch.nonzero(table, as_tuple=True)
        self.register_buffer("rows", rows, persistent=False)
        self.register_buffer("cols", cols, persistent=False)
        self.weight = nn.Parameter(torch.empty(len(rows), kernel_size, kernel_size))
        shape = (table.shape[0],) if bias == "map" else (table.shape[0], *out_size) if bias == "unit" else None
        self.bias = nn.Parameter(torch.zeros(shape)) if shape is not None else None
        self.reset_parameters()

    @property
    def fan_in(self) -> torch.Tensor:
        """Inputs (weights) of one unit of each output map, shape (out_maps,): maps seen x k x k."""
        return self.table.sum(dim=1) * self.kernel_size**2

    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """The 1989 initialisation: weights uniform in +-2.4 / sqrt(fan-in), biases zero."""
        bound = (2.4 / self.fan_in.float().sqrt())[self.rows]  # (connections,)
        with torch.no_grad():
            u = torch.rand(self.weight.shape, generator=generator) * 2 - 1
            self.weight.copy_(u * bound[:, None, None])
            if self.bias is not None:
                self.bias.zero_()

    def full_weight(self) -> torch.Tensor:
        """The kernels as a dense conv2d weight (out_maps, in_maps, k, k), zero where the table says no."""
        out_maps, in_maps = self.table.shape
        w = self.weight.new_zeros(out_maps, in_maps, self.kernel_size, self.kernel_size)
        return w.index_put((self.rows, self.cols), self.weight)

    def connections(self, out_shape: tuple[int, ...]) -> int:
        """Multiply-adds of one forward pass for an output of shape (out_maps, H', W'): per unit, its weights plus 1 bias."""
        per_unit = self.fan_in + (1 if self.bias is not None else 0)
        return int(per_unit.sum()) * int(out_shape[-2] * out_shape[-1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p = self.padding
        x = F.pad(x, (p, p, p, p), value=self.pad_value) if p else x
        y = F.conv2d(x, self.full_weight(), stride=self.stride)
        if self.bias is None:
            return y
        if self.bias_mode == "unit":
            return y + self.bias
        return y + self.bias[:, None, None]

    def extra_repr(self) -> str:
        out_maps, in_maps = self.table.shape
        return (f"{in_maps} -> {out_maps} maps, {int(self.table.sum())} map-to-map connections, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, pad_value={self.pad_value}, bias={self.bias_mode}")


class ZipCodeNet1989(nn.Module):
    """The 1989 zip-code net (LeCun et al., Neural Computation 1(4), 1989), introduced in 02_bell_labs.

    Input (N, 1, 16, 16) in [0, 1] (load_digits(size=16)); forward scales it to [-1, 1] as the paper
    did (background -1, ink +1). H1: 12 maps 8x8, 5x5 kernels, stride 2; H2: 12 maps 4x4, 5x5
    kernels, stride 2, each map seeing 8 of H1's 12 maps (`table`, cyclic by default); both pad with
    the background -1 and have one bias per unit. H3: 30 units, fully connected; output: 10 units.
    `activation` "tanh" or "relu"; `output` "tanh" (the 1989
    net, trained towards +-1 targets with MSE) or "linear" (logits for cross-entropy).
    Output (N, 10). 1,256 units, 64,660 connections, 9,760 free parameters.
    """

    def __init__(self, activation: str = "tanh", output: str = "tanh", table: torch.Tensor | None = None, dropout: float = 0.0) -> None:
        super().__init__()
        self.dropout = dropout
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
        f = ACTIVATIONS[self.activation]
        x = 2.0 * x - 1.0  # [0, 1] -> [-1, 1]: background -1, ink +1
        x = f(self.h1(x))
        x = f(self.h2(x))
        x = F.dropout(x, self.dropout, self.training)
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
    """The 1990 subsampling layer: y = tanh(a_c * mean of a 2x2 window + b_c), stride 2 (02_bell_labs).

    Input (N, C, H, W) -> output (N, C, H // 2, W // 2): every map c has its own trainable coefficient
    a_c and bias b_c (2 free parameters per map); each output unit has 4 inputs and a bias, so 5
    connections. `activation` "tanh", "relu" or None (no squashing).
    """

    def __init__(self, channels: int, kernel_size: int = 2, activation: str | None = "tanh") -> None:
        super().__init__()
        self.channels, self.kernel_size, self.activation = channels, kernel_size, activation
        self.coefficient = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def connections(self, out_shape: tuple[int, ...]) -> int:
        """Multiply-adds of one forward pass: k*k inputs plus 1 bias per output unit."""
        return (self.kernel_size**2 + 1) * math.prod(out_shape[-3:])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.avg_pool2d(x, self.kernel_size) * self.coefficient[:, None, None] + self.bias[:, None, None]
        return ACTIVATIONS[self.activation](y) if self.activation else y

    def extra_repr(self) -> str:
        return f"channels={self.channels}, kernel_size={self.kernel_size}, activation={self.activation}"


class SubsamplingLeNet(nn.Module):
    """The lecture's walk, fully convolutional (02_bell_labs): input (N, 1, H, W) in [0, 1], H, W >= 32.

    conv 5x5 (maps[0]) -> downsample -> conv 5x5 (maps[1]) -> downsample -> conv 5x5 (10 class maps).
    A 32x32 input walks 32 -> 28 -> 14 -> 10 -> 5 -> 1x1 and the output is (N, 10) scores; a larger
    input gives (N, 10, H', W'), one score map per class. `downsample`: "subsampling" (the 1990
    layer), "max" (2x2 max pooling), "average" (plain 2x2 average, nothing trained), or "stride"
    (no pooling layer, the convolutions step by 2 as in 1989; same map sizes). Hidden units use the
    tanh; the class maps are linear (logits).
    """

    def __init__(self, downsample: str = "subsampling", maps: tuple[int, int] = (4, 16), num_classes: int = 10) -> None:
        super().__init__()
        self.downsample = downsample
        stride = 2 if downsample == "stride" else 1
        self.conv1 = nn.Conv2d(1, maps[0], 5, stride=stride)
        self.pool1 = self._pool(maps[0])
        self.conv2 = nn.Conv2d(maps[0], maps[1], 5, stride=stride)
        self.pool2 = self._pool(maps[1])
        self.conv3 = nn.Conv2d(maps[1], num_classes, 5)

    def _pool(self, channels: int) -> nn.Module:
        if self.downsample == "subsampling":
            return Subsampling1990(channels)
        if self.downsample == "max":
            return nn.MaxPool2d(2)
        if self.downsample == "average":
            return nn.AvgPool2d(2)
        return nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = 2.0 * x - 1.0
        x = torch.tanh(self.conv1(x))
        x = self.pool1(x)  # the 1990 layer applies its own tanh; max and average pooling keep the values in range
        x = torch.tanh(self.conv2(x))
        x = self.pool2(x)
        x = self.conv3(x)
        return x.flatten(1) if x.shape[-2:] == (1, 1) else x
