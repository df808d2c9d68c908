"""The five proto-CNNs of LeCun 1989 and the pieces they are built from (01_proto_cnns).

Y. LeCun, "Generalization and network design strategies", Technical Report CRG-TR-89-4,
University of Toronto, 1989 (also in Connectionism in Perspective, Elsevier, 1989). All five
nets read a 16x16 digit (N, 1, 16, 16) with values in [-1, 1] (background -1) and return
10 logits (N, 10). Their link and weight counts match the paper's, as tabled in Hastie,
Tibshirani & Friedman, The Elements of Statistical Learning (2nd ed.), Table 11.1:

    net     links  weights  test % (1989)
    Net1     2570     2570   80.0   one fully connected layer 256 -> 10
    Net2     3214     3214   87.0   256 -> 12 -> 10, fully connected
    Net3     1226     1226   88.5   locally connected 8x8 (3x3 fields) -> 4x4 (5x5 fields) -> 10
    Net4     2266     1132   94.0   two 8x8 maps, shared 3x3 kernels -> locally connected 4x4 -> 10
    Net5     5194     1060   98.4   two 8x8 maps, shared 3x3 -> four 4x4 maps, shared 5x5 -> 10

A "link" (connection) is one multiplication in the forward pass; as in the paper, a bias is a
link from a unit that is always on, so each bias adds one link (helpers.anatomy.count_connections
counts them, and knows the two layers below by their parameters). In Net4 and Net5 only kernels
are shared: every unit keeps its own bias (that is what makes the weight counts come out).

Notebook 01 writes these nets (and the locally connected layer) out in its cells; the copies here
serve the exercise checks, and tests/test_notebook_models_01_08.py keeps the two equal.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.anatomy import pair
from helpers.data import BACKGROUND
from helpers.inputs import check_input

PAPER = {  # (links, weights, test % correct) from LeCun 1989, as tabled in ESL Table 11.1
    "Net1": (2570, 2570, 80.0),
    "Net2": (3214, 3214, 87.0),
    "Net3": (1226, 1226, 88.5),
    "Net4": (2266, 1132, 94.0),
    "Net5": (5194, 1060, 98.4),
}
_HINT = "pass 16x16 digits from helpers.data.small_digits(), shape (N, 1, 16, 16)"


class LocallyConnected2d(nn.Module):
    """A convolution without weight sharing: every output position has its own kernel and bias.

    Input (N, in_channels, H, W) with (H, W) = `in_size`; output (N, out_channels, H_out, W_out)
    with H_out = (H - kh) // stride + 1 (no padding: pad the input first if you need it).
    Weight (out_channels, H_out, W_out, in_channels, kh, kw); bias (out_channels, H_out, W_out).
    Written with F.unfold: the patches (N, in_channels*kh*kw, H_out*W_out) are multiplied by each
    position's own kernel and summed.
    """

    def __init__(self, in_channels: int, out_channels: int, in_size: int | Sequence[int],
                 kernel_size: int | Sequence[int], stride: int | Sequence[int] = 1, bias: bool = True) -> None:
        super().__init__()
        if in_channels < 1 or out_channels < 1:
            raise ValueError(f"LocallyConnected2d needs at least one input and one output channel, got {in_channels} and {out_channels}.")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.in_size = pair(in_size, "in_size")
        self.kernel_size = pair(kernel_size, "kernel_size")
        self.stride = pair(stride, "stride")
        (h, w), (kh, kw), (sh, sw) = self.in_size, self.kernel_size, self.stride
        if kh > h or kw > w:
            raise ValueError(f"A {kh}x{kw} kernel does not fit a {h}x{w} input; pad the input or use a smaller kernel.")
        self.out_size = ((h - kh) // sh + 1, (w - kw) // sw + 1)
        ho, wo = self.out_size
        fan_in = in_channels * kh * kw
        bound = 1.0 / math.sqrt(fan_in)  # the same default range as nn.Conv2d
        self.weight = nn.Parameter(torch.empty(out_channels, ho, wo, in_channels, kh, kw).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(out_channels, ho, wo).uniform_(-bound, bound)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, (self.in_channels, *self.in_size), "LocallyConnected2d",
                    f"this layer was built for in_channels={self.in_channels} and in_size={self.in_size}", self)
        ho, wo = self.out_size
        patches = F.unfold(x, self.kernel_size, stride=self.stride)  # (N, C*kh*kw, L), L = ho*wo
        w = self.weight.reshape(self.out_channels, ho * wo, -1)  # (O, L, C*kh*kw)
        out = torch.einsum("ncl,olc->nol", patches, w)  # (N, O, L)
        if self.bias is not None:
            out = out + self.bias.reshape(self.out_channels, ho * wo)
        return out.reshape(len(x), self.out_channels, ho, wo)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, in_size={self.in_size}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, bias={self.bias is not None}")


class UnitBias(nn.Module):
    """Adds a separate bias to every unit of a feature map: (N, C, H, W) + bias (C, H, W).

    nn.Conv2d shares one bias per map; the 1989 constrained nets shared the kernels only.
    """

    def __init__(self, shape: Sequence[int]) -> None:
        super().__init__()
        self.shape = tuple(int(s) for s in shape)
        if len(self.shape) != 3 or min(self.shape) < 1:
            raise ValueError(f"UnitBias needs a shape (C, H, W) of positive ints, got {shape!r}.")
        self.bias = nn.Parameter(torch.empty(self.shape).uniform_(-0.1, 0.1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, self.shape, "UnitBias", "its shape (C, H, W) must match the feature maps it follows", self)
        return x + self.bias

    def extra_repr(self) -> str:
        return f"shape={self.shape}"


class ProtoNet(nn.Module):
    """Base of Net1..Net5: checks the input is (N, 1, 16, 16) and runs `self.layers` to logits (N, 10)."""

    layers: nn.Sequential

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, (1, 16, 16), type(self).__name__, _HINT, self)
        return self.layers(x)


def _pad_input() -> nn.Module:
    # 16 -> 17 with one background row/column on top and left: 3x3 windows at stride 2 give 8 positions.
    return nn.ConstantPad2d((1, 0, 1, 0), BACKGROUND)


def _pad_hidden() -> nn.Module:
    # 8 -> 11 with zeros (tanh's resting value), one before and two after: 5x5 windows at stride 2 give 4.
    return nn.ConstantPad2d((1, 2, 1, 2), 0.0)


class Net1(ProtoNet):
    """Net-1: one fully connected layer, 256 pixels -> 10 outputs (2,570 links and weights)."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Flatten(), nn.Linear(256, 10))


class Net2(ProtoNet):
    """Net-2: 256 -> 12 hidden tanh units -> 10, fully connected (3,214 links and weights)."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Flatten(), nn.Linear(256, 12), nn.Tanh(), nn.Linear(12, 10))


class Net3(ProtoNet):
    """Net-3: locally connected, no sharing (1,226 links and weights).

    H1: 8x8 units, each sees a 3x3 patch of the input, fields 2 pixels apart.
    H2: 4x4 units, each sees a 5x5 patch of H1, fields 2 units apart. Then 16 -> 10.
    """

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            _pad_input(), LocallyConnected2d(1, 1, 17, 3, stride=2), nn.Tanh(),   # (N, 1, 8, 8)
            _pad_hidden(), LocallyConnected2d(1, 1, 11, 5, stride=2), nn.Tanh(),  # (N, 1, 4, 4)
            nn.Flatten(), nn.Linear(16, 10),
        )


class Net4(ProtoNet):
    """Net-4, "constrained network 1": 2,266 links, 1,132 weights.

    H1: two 8x8 feature maps; all units of a map share one 3x3 kernel (each keeps its own bias).
    H2: 4x4 locally connected units, each sees a 5x5 patch of both maps. Then 16 -> 10.
    """

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            _pad_input(), nn.Conv2d(1, 2, 3, stride=2, bias=False), UnitBias((2, 8, 8)), nn.Tanh(),
            _pad_hidden(), LocallyConnected2d(2, 1, 11, 5, stride=2), nn.Tanh(),
            nn.Flatten(), nn.Linear(16, 10),
        )

    @property
    def kernels(self) -> torch.Tensor:
        """The shared first-layer kernels, (2, 1, 3, 3)."""
        return self.layers[1].weight


class Net5(ProtoNet):
    """Net-5, "constrained network 2": 5,194 links, 1,060 weights; two levels of sharing.

    H1: two 8x8 maps with shared 3x3 kernels (as in Net4).
    H2: four 4x4 maps; each map shares one 5x5 kernel over both H1 maps (units keep own biases).
    Then 64 -> 10.
    """

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            _pad_input(), nn.Conv2d(1, 2, 3, stride=2, bias=False), UnitBias((2, 8, 8)), nn.Tanh(),
            _pad_hidden(), nn.Conv2d(2, 4, 5, stride=2, bias=False), UnitBias((4, 4, 4)), nn.Tanh(),
            nn.Flatten(), nn.Linear(64, 10),
        )

    @property
    def kernels(self) -> torch.Tensor:
        """The shared first-layer kernels, (2, 1, 3, 3)."""
        return self.layers[1].weight

    @property
    def kernels2(self) -> torch.Tensor:
        """The shared second-layer kernels, (4, 2, 5, 5)."""
        return self.layers[5].weight


NETS: dict[str, type[ProtoNet]] = {"Net1": Net1, "Net2": Net2, "Net3": Net3, "Net4": Net4, "Net5": Net5}

