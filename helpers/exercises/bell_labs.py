"""Self-checks for the exercises of 02_bell_labs: `check_bell_labs` (exercises 1-4) and `check_table_conv` (exercise 5,
a build exercise: a convolution that follows a table of connections, against `TableConv2d`)."""

from __future__ import annotations

from typing import Any, Callable

import torch
import torch.nn.functional as F

from helpers.bell_labs import TableConv2d
from helpers.bell_labs_zipcode import SubsamplingLeNet
from helpers.exercises import compare, gradients_match, graded, learner_result, not_yet, verdict
from helpers.shapes import conv_out

__all__ = ["check_bell_labs", "check_table_conv"]


def _bell_labs_h1(answer: Any) -> bool:
    try:
        size, connections = (int(a) for a in answer)
    except (TypeError, ValueError):
        return not_yet("give a pair (size, connections), for example (7, 1000).")
    truth = conv_out(16, 5, 2, 0)
    size_hints = {8: "8x8 is H1 with the frame of -1; without it, apply (in + 2p - k) // s + 1 with p = 0.",
                  (16 - 5) // 2: "the +1 matters: (in + 2p - k) // s + 1 counts the first position of the kernel too.",
                  16 - 5 + 1: "H1's kernels move 2 pixels at a time: the stride s is 2."}
    if size != truth:
        return not_yet(size_hints.get(size, "the size: apply (in + 2p - k) // s + 1 with in = 16, k = 5, s = 2 and no padding."))
    units = 12 * truth * truth
    return graded(connections, units * 26, f"12 maps of {size}x{size} units, each with 5x5 weights and a bias: 26 connections per unit.",
                  {units * 25: "the size is right; almost: every unit also has a connection from its bias.",
                   truth * truth * 26: "the size is right; H1 has 12 maps of that size."},
                  "the size is right; connections = units x (5x5 weights + 1 bias), over H1's 12 maps.")


def _bell_labs_biases(answer: Any) -> bool:
    total, h1, h2 = 9760, 12 * 8 * 8, 12 * 4 * 4  # the net's free parameters, H1's and H2's per-unit biases
    return graded(answer, total - h1 - h2 + 2 * 12, "the 960 per-unit biases of H1 and H2 become 24, one per map.",
                  {total: "that is the net as it is, with one bias per unit; give each map a single bias instead.",
                   total - h1 - h2: "almost: each of the 24 maps of H1 and H2 still keeps one bias.",
                   total - h1 + 12: "the units of H2 (12 maps of 4x4) have their own biases too.",
                   total - h2 + 12: "the units of H1 (12 maps of 8x8) have their own biases too."},
                  "start from 9,760: only the biases of H1 (12 maps of 8x8) and H2 (12 maps of 4x4) change; H3 and the outputs keep theirs.")


def _bell_labs_positions(answer: Callable[[int], int]) -> bool:
    net = SubsamplingLeNet()
    for w in (32, 35, 36, 64, 101):
        with torch.no_grad():
            out = net(torch.zeros(1, 1, 32, w))
        truth = out.shape[-1] if out.dim() == 4 else 1
        got = learner_result(answer, "positions", (w,), f"for W = {w}", returns="a number", convert=float)
        if got is None:
            return False
        if got == truth:
            continue
        if not got.is_integer():
            return not_yet(f"positions({w}) gives {got:g}: positions are whole windows, so round down with //.")
        if w == 32:
            return not_yet(f"positions(32) gives {got:g}: a 32x32 input walks down to exactly one position (1x1); start from there.")
        if got > truth:
            return not_yet(f"positions({w}) gives {got:g}, too many: a position needs a whole 32-pixel window.")
        return not_yet(f"positions({w}) gives {got:g}, too few: the window moves 4 pixels per position (two poolings of 2), and windows overlap.")
    return verdict(True, "one position for 32 pixels, one more for every further 4 pixels, windows that do not fit dropped.", "")


def _bell_labs_table(answer: Any) -> bool:
    try:
        t = torch.as_tensor(answer)
    except (TypeError, ValueError, RuntimeError):
        return not_yet("give a (12, 12) bool tensor, e.g. start from torch.zeros(12, 12, dtype=torch.bool).")
    if tuple(t.shape) != (12, 12):
        return not_yet(f"the table is (12, 12), one row per H2 map and one column per H1 map; got {tuple(t.shape)}.")
    if t.dtype != torch.bool:
        return not_yet("make it a bool tensor (dtype=torch.bool), True where an H2 map reads an H1 map.")
    # karpathy/lecun1989-repro's H1 -> H2 table: H2 maps 0-3 read H1 maps 0-7, 4-7 read 4-11, 8-11 read 0-3 and 8-11
    reads = [range(0, 8)] * 4 + [range(4, 12)] * 4 + [[*range(0, 4), *range(8, 12)]] * 4
    truth = torch.tensor([[i in r for i in range(12)] for r in reads])
    if torch.equal(t, truth):
        return verdict(True, "every H2 map reads 8 of H1's 12 maps, and the net keeps its 9,760 free parameters; now train it.", "")
    if torch.equal(t.T, truth):
        return not_yet("rows are H2's maps (outputs) and columns H1's (inputs): this is the transpose.")
    if not bool((t.sum(1) == 8).all()):
        return not_yet("every row needs 8 True: each H2 map reads 8 of H1's maps (a slice a:b stops before b).")
    return not_yet("8 maps per row, but not this scheme: rows 0-3 read columns 0-7, rows 4-7 columns 4-11, rows 8-11 columns 0-3 and 8-11.")


def check_bell_labs(exercise: int, answer: Any) -> bool:
    """02, exercises 1 to 4: 1, (H1 map size, H1 connections) without the frame of -1; 2, free parameters with one bias
    per map in H1 and H2; 3, a function W -> output positions of SubsamplingLeNet on a 32 x W input; 4,
    karpathy/lecun1989-repro's H1 -> H2 connection table, a (12, 12) bool tensor."""
    if exercise not in (1, 2, 3, 4):
        raise ValueError(f"There are exercises 1 to 4, got {exercise!r}.")
    return (_bell_labs_h1, _bell_labs_biases, _bell_labs_positions, _bell_labs_table)[exercise - 1](answer)


def _reference_table_conv(x, weight, table, stride, padding, pad_value):
    """02's own `TableConv2d`, given the kernels of `weight` that the table keeps."""
    layer = TableConv2d(table, weight.shape[-1], stride=stride, padding=padding, pad_value=pad_value, bias=None)
    with torch.no_grad():
        layer.weight.copy_(weight[table])
    return layer(x)


def _masked_conv(x, weight, table, stride, padding, pad_value):
    """The table as a mask on a dense weight: `TableConv2d`'s numbers, with gradients for the dense weight."""
    return F.conv2d(F.pad(x, (padding,) * 4, value=pad_value), weight * table[:, :, None, None], stride=stride)


# the output of a usual mistake and its hint, for x, weight, table, stride, padding, pad_value
_TABLE_CONV_MISTAKES: list[tuple[Callable[..., torch.Tensor], str]] = [
    (lambda x, w, t, s, p, v: _masked_conv(x, w, t.T, s, p, v),
     "you used the table's transpose: table[j, i] is True when output map j reads input map i (rows are outputs)."),
    (lambda x, w, t, s, p, v: _masked_conv(x, w, torch.ones_like(t), s, p, v),
     "every kernel still counts: zero the kernels weight[j, i] whose table[j, i] is False."),
    (lambda x, w, t, s, p, v: _masked_conv(x, w, ~t, s, p, v),
     "the mask is inverted: keep the kernels where the table is True, zero the others."),
    (lambda x, w, t, s, p, v: _masked_conv(x, w, t, s, p, 0.0),
     "the border reads 0, not pad_value: conv2d's padding= pads with zeros; pad x yourself with F.pad(x, (padding,) * 4, value=pad_value) "
     "(the 1989 frame of -1)."),
    (lambda x, w, t, s, p, v: _masked_conv(x, w, t, 1, p, v),
     "the kernels move 1 pixel at a time: pass stride= to the convolution."),
]


def check_table_conv(fn: Any) -> bool:
    """02, exercise 5: `fn(x, weight, table, stride=1, padding=0, pad_value=0.0)` must give `TableConv2d`'s output (no bias) and
    gradients for x (N, in, H, W), a dense weight (out, in, k, k) and an (out, in) bool table."""
    g = torch.Generator().manual_seed(1989)
    # a square table (a transposed one still runs), then H2's setting on a non-square table: 2 pixels of -1 around
    for out_maps, in_maps, size, k, stride, padding, pad_value in [(6, 6, 9, 3, 1, 0, 0.0), (5, 3, 8, 5, 2, 2, -1.0)]:
        table = torch.rand(out_maps, in_maps, generator=g) < 0.5
        table[torch.arange(out_maps), torch.arange(out_maps) % in_maps] = True        # every output map reads one map
        table[0] = torch.arange(in_maps) < in_maps - 1                                # and not every map reads all
        x = torch.randn(2, in_maps, size, size, generator=g)
        w = torch.randn(out_maps, in_maps, k, k, generator=g)
        case = (x, w, table, stride, padding, pad_value)
        where = f"with a {tuple(table.shape)} table, {k}x{k} kernels, stride {stride}, padding {padding} (value {pad_value:g})"
        with torch.no_grad():
            truth = _reference_table_conv(*case)
        mistakes = [(lambda m=m: m(*case), hint) for m, hint in _TABLE_CONV_MISTAKES]
        xs, ws = x.clone().requires_grad_(), w.clone().requires_grad_()
        got = learner_result(fn, "table_conv", (xs, ws, table.clone()), where, stride=stride, padding=padding, pad_value=pad_value, errors=[
            ("in-?place", "do not change weight in place (weight[...] = 0): multiply it by the mask into a new tensor."),
            ("must match the size|broadcast", "the (out, in) table does not broadcast against the (out, in, k, k) weight: give it two trailing "
                                              "axes, table[:, :, None, None].")])
        if got is None or not (
                compare(got, truth, where, mistakes, "each output map j adds, over the input maps i with table[j, i] True, their convolution "
                        "with weight[j, i].", "TableConv2d", axes=("image", "output map", "row", "column"))
                and gradients_match(got, {"x": xs, "weight": ws}, lambda x, weight: _masked_conv(x, weight, *case[2:]),
                                    "build the masked weight from weight itself, with tensor operations (no .detach(), .data or .item()).", seed=5)):
            return False
    return verdict(True, "each output map adds only the input maps its row of the table allows, the frame reads "
                         "pad_value, and removed kernels get no gradient: TableConv2d's numbers.", "")
