"""02_bell_labs beside its #@save cells (helpers.bell_labs): connection tables, the 1989 targets and cost, the 1990
subsampling layer and the lecture's walk with a choice of downsampling."""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["DOWNSAMPLING", "cyclic_table", "format_table", "pm1_targets", "mse_pm1", "paper_sized", "Subsampling1990",
           "SubsamplingLeNet"]

DOWNSAMPLING = ("subsampling", "max", "average", "stride")


def cyclic_table(out_maps: int, in_maps: int, fan_in: int) -> torch.Tensor:
    """Table (out_maps, in_maps): output j sees inputs j..j+fan_in-1 mod in_maps (our choice; 1989's is unpublished)."""
    return (torch.arange(in_maps) - torch.arange(out_maps)[:, None]) % in_maps < fan_in


def format_table(table: torch.Tensor) -> str:
    """The table as text: one row per output map, an X where it sees an input map (columns)."""
    width = len(str(table.shape[1] - 1))
    head = " " * 7 + " ".join(f"{i:>{width}}" for i in range(table.shape[1]))
    rows = [f"out {j:>2} " + " ".join(f"{'X' if v else '.':>{width}}" for v in r) for j, r in enumerate(table.tolist())]
    return "\n".join([head + "   <- input maps", *rows])


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
    """The 1990 subsampling layer: tanh(a_c * mean of a 2x2 window + b_c), stride 2, a_c and b_c trained per map c."""

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
    """The lecture's walk, conv 5x5 (4 maps), conv 5x5 (16), conv 5x5 (10), the first two followed by `downsample` (of
    DOWNSAMPLING; "stride": they step by 2, as in 1989): (N, 1, 32, 32) -> logits (N, 10), (N, 10, H', W') if larger."""

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
