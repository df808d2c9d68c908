"""LeNet-5 as published in 1998, layer by layer, with the paper's counts (04_lenet5): LeCun, Bottou, Bengio and Haffner,
"Gradient-Based Learning Applied to Document Recognition", Proc. IEEE 86(11), 1998 (II.B net, II.C loss, Appendix A)."""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["A", "S", "WHITE_LEVEL", "BLACK_LEVEL", "LAYERS", "C3_INPUTS", "C3_TABLE",
           "PAPER_COUNTS", "PAPER_TOTALS", "squash", "pad_to_32", "Subsampling", "MaskedConv2d", "EuclideanRBF",
           "init_appendix_a", "mse_loss"]

A = 1.7159  # amplitude of the squashing function (section II.B, eq. 6; Appendix A)
S = 2.0 / 3.0  # its slope at the origin (Appendix A): f(1) = 1 and f(-1) = -1
WHITE_LEVEL, BLACK_LEVEL = -0.1, 1.175  # paper and ink (section II.B), not the 1989-1990 nets' -1 (data.BACKGROUND)
LAYERS = ("C1", "S2", "C3", "S4", "C5", "F6", "output")

# Table I (page 2285): the S2 maps each C3 map reads. C3_TABLE (16, 6) is the paper's table transposed, like a conv
# weight: C3_TABLE[j, i] is True when C3 map j reads S2 map i.
C3_INPUTS: tuple[tuple[int, ...], ...] = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (0, 4, 5), (0, 1, 5),  # 6 maps: 3 contiguous S2 maps
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (0, 3, 4, 5), (0, 1, 4, 5), (0, 1, 2, 5),  # 6 maps: 4 contiguous
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),  # 3 maps: 4 discontinuous
    (0, 1, 2, 3, 4, 5),  # 1 map: all six
)
C3_TABLE = torch.tensor([[i in maps for i in range(6)] for maps in C3_INPUTS])

# The paper's figures, quoted, with their journal page. It prints none for the output layer (10 units x 84 inputs,
# fixed weights), C5's as connections and F6's as parameters: derived, they make the printed totals add up.
PAPER_COUNTS: dict[str, dict] = {
    layer: {"parameters": parameters, "connections": connections, "page": page, "says": says}
    for layer, parameters, connections, page, says in (
        ("C1", 156, 122_304, 2284, "C1 contains 156 trainable parameters and 122,304 connections."),
        ("S2", 12, 5_880, 2284, "Layer S2 has 12 trainable parameters and 5,880 connections."),
        ("C3", 1_516, 151_600, 2285, "Layer C3 has 1,516 trainable parameters and 151,600 connections."),
        ("S4", 32, 2_000, 2285, "Layer S4 has 32 trainable parameters and 2,000 connections."),
        ("C5", 48_120, 48_120, 2285, "Layer C5 has 48,120 trainable connections."),
        ("F6", 10_164, 10_164, 2285, "It has 10,164 trainable parameters."),
        ("output", 0, 840, 2285, "The output layer is composed of Euclidean Radial Basis Function units (RBF), one for each class, with 84 inputs each."),
    )
}
PAPER_TOTALS: dict = {
    "parameters": 60_000, "connections": 340_908, "page": 2284,
    "says": "The network in figure 2 contains 340,908 connections, but only 60,000 trainable free parameters because of the weight sharing.",
}


def squash(a: torch.Tensor) -> torch.Tensor:
    """The paper's squashing function f(a) = A tanh(S a), A = 1.7159, S = 2/3, elementwise (any shape)."""
    return A * torch.tanh(S * a)


def pad_to_32(x: torch.Tensor) -> torch.Tensor:
    """MNIST digits (N, 1, 28, 28) in [0, 1] -> (N, 1, 32, 32): a 2-pixel frame of background (0) on every side."""
    if x.dim() != 4 or tuple(x.shape[1:]) != (1, 28, 28):
        raise ValueError(f"pad_to_32 expects digits of shape (N, 1, 28, 28), got {tuple(x.shape)}; load them with load_digits(size=28), or add the channel axis with x.unsqueeze(1).")
    return F.pad(x, (2, 2, 2, 2), value=0.0)


class Subsampling(nn.Module):
    """S2 and S4: squash(coefficient * the sum of a 2x2 window + bias), both trained per map, halving H and W (section
    II.A averages the window instead: the factor 4 only rescales the coefficient)."""

    def __init__(self, maps: int) -> None:
        super().__init__()
        self.maps = maps
        self.coefficient = nn.Parameter(torch.ones(maps))
        self.bias = nn.Parameter(torch.zeros(maps))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        total = 4 * F.avg_pool2d(x, 2)  # the sum of each 2x2 window
        return squash(total * self.coefficient[:, None, None] + self.bias[:, None, None])

    def connections(self, out_shape: tuple[int, ...]) -> int:
        """Multiply-adds of one sample whose output has shape (maps, H', W'): 4 inputs + 1 bias per unit."""
        return 5 * math.prod(out_shape[-3:])

    def extra_repr(self) -> str:
        return f"maps={self.maps}"


class MaskedConv2d(nn.Conv2d):
    """C3: a convolution whose output map j reads only the input maps i with table[j, i] True (C3_TABLE); the kernels
    left out stay zero (masked in `forward`) and, as in the paper, free_parameters and connections leave them out."""

    def __init__(self, table: torch.Tensor, kernel_size: int = 5) -> None:
        super().__init__(table.shape[1], table.shape[0], kernel_size)
        self.register_buffer("table", table.clone(), persistent=False)
        with torch.no_grad():
            self.weight.mul_(self.kernel_mask())

    def kernel_mask(self) -> torch.Tensor:
        """The table broadcast over the kernels: (out_maps, in_maps, 1, 1) bool."""
        return self.table[:, :, None, None]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.kernel_mask(), self.bias)

    def fan_in(self) -> torch.Tensor:
        """Inputs of one unit of each output map, (out_maps,): maps read x k x k (75, 100 or 150 in C3)."""
        return self.table.sum(1) * self.kernel_size[0] * self.kernel_size[1]

    def free_parameters(self) -> int:
        """Kernel weights the table keeps, plus one bias per output map (1,516 in C3)."""
        return int(self.fan_in().sum()) + self.out_channels

    def connections(self, out_shape: tuple[int, ...]) -> int:
        """Multiply-adds of one sample whose output has shape (out_maps, H', W'): per unit, its fan-in + 1 bias."""
        return int((self.fan_in() + 1).sum()) * out_shape[-2] * out_shape[-1]


class EuclideanRBF(nn.Module):
    """The output layer: penalties y_i = sum_j (x_j - w_ij)^2 (eq. 7), (N, in_features) -> (N, classes); its fixed
    prototypes are random +-1 codes from `seed` (an option the paper names: its 7x12 bitmaps cannot be copied)."""

    def __init__(self, in_features: int = 84, classes: int = 10, seed: int = 1998) -> None:
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        codes = torch.randint(0, 2, (classes, in_features), generator=gen).float() * 2 - 1
        self.register_buffer("prototypes", codes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ((x[:, None, :] - self.prototypes) ** 2).sum(-1)

    def connections(self, out_shape: tuple[int, ...]) -> int:
        """One connection per input of each unit, no bias: 84 x 10 = 840."""
        return self.prototypes.shape[1] * math.prod(out_shape)


def init_appendix_a(model: nn.Module, generator: torch.Generator | None = None) -> None:
    """Appendix A's initialisation, in place, of a model with layers C1, S2, C3, S4, C5 and F6 (04's LeNet1998): each
    weight and bias uniform in +-2.4 / F_i, F_i the fan-in of its unit; C3's left-out kernels stay zero."""
    with torch.no_grad():
        c3 = model.C3.fan_in().to(model.C3.weight.dtype)  # 75, 100 or 150 per C3 map
        for layer, fan_in in ((model.C1, 25), (model.C5, 400), (model.F6, 120), (model.C3, c3), (model.S2, 4),
                              (model.S4, 4)):
            for t in layer.parameters():  # weight (S2, S4: coefficient), then bias; fan_in per output map
                bound = 2.4 / torch.as_tensor(fan_in, dtype=t.dtype).reshape(-1, *[1] * (t.dim() - 1))
                t.copy_((torch.rand(t.shape, generator=generator, dtype=t.dtype) * 2 - 1) * bound)
        model.C3.weight.mul_(model.C3.kernel_mask())


def mse_loss(scores: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """The paper's simplest criterion (eq. 8): the mean penalty of the right class, scores (N, 10) being minus the
    penalties. It pulls F6 to the right +-1 prototype and no further, away from the squashing function's flat ends."""
    return -scores.gather(1, labels[:, None]).mean()
