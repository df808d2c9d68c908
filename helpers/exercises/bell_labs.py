"""Self-checks for the exercises of 02_bell_labs: `check_bell_labs` (exercises 1-4) and `check_table_conv`
(exercise 5: a convolution that follows a table of connections, run against `TableConv2d`).

Each prints "Right: ..." or "Not yet: ..." with a hint, never the solution, and returns True or False.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
import torch.nn.functional as F

from helpers.bell_labs import TableConv2d
from helpers.bell_labs_zipcode import SubsamplingLeNet
from helpers.exercises import verdict
from helpers.shapes import conv_out

__all__ = ["check_bell_labs", "check_table_conv"]


def _karpathy_table() -> torch.Tensor:
    """karpathy/lecun1989-repro's H1 -> H2 table (12, 12): H2 maps 0-3 read H1 maps 0-7, maps 4-7
    read 4-11, maps 8-11 read 0-3 and 8-11."""
    t = torch.zeros(12, 12, dtype=torch.bool)
    t[0:4, 0:8] = True
    t[4:8, 4:12] = True
    t[8:12, 0:4] = True
    t[8:12, 8:12] = True
    return t


def _bell_labs_h1(answer: Any) -> bool:
    try:
        size, connections = (int(a) for a in answer)
    except (TypeError, ValueError):
        return verdict(False, "", "give a pair (size, connections), for example (7, 1000).")
    truth = conv_out(16, 5, 2, 0)
    if size != truth:
        if size == 8:
            return verdict(False, "", "8x8 is H1 with the frame of -1; without it, apply (in + 2p - k) // s + 1 with p = 0.")
        if size == (16 - 5) // 2:
            return verdict(False, "", "the +1 matters: (in + 2p - k) // s + 1 counts the first position of the kernel too.")
        if size == 16 - 5 + 1:
            return verdict(False, "", "H1's kernels move 2 pixels at a time: the stride s is 2.")
        return verdict(False, "", "the size: apply (in + 2p - k) // s + 1 with in = 16, k = 5, s = 2 and no padding.")
    units = 12 * truth * truth
    if connections == units * 26:
        return verdict(True, f"12 maps of {size}x{size} units, each with 5x5 weights and a bias: 26 connections per unit.", "")
    if connections == units * 25:
        return verdict(False, "", "the size is right; almost: every unit also has a connection from its bias.")
    if connections == truth * truth * 26:
        return verdict(False, "", "the size is right; H1 has 12 maps of that size.")
    return verdict(False, "", "the size is right; connections = units x (5x5 weights + 1 bias), over H1's 12 maps.")


def _bell_labs_biases(answer: Any) -> bool:
    total, h1, h2 = 9760, 12 * 8 * 8, 12 * 4 * 4  # the net's free parameters, H1's and H2's per-unit biases
    truth = total - h1 - h2 + 2 * 12
    if answer == truth:
        return verdict(True, "the 960 per-unit biases of H1 and H2 become 24, one per map.", "")
    if answer == total:
        return verdict(False, "", "that is the net as it is, with one bias per unit; give each map a single bias instead.")
    if answer == total - h1 - h2:
        return verdict(False, "", "almost: each of the 24 maps of H1 and H2 still keeps one bias.")
    if answer == total - h1 + 12:
        return verdict(False, "", "the units of H2 (12 maps of 4x4) have their own biases too.")
    if answer == total - h2 + 12:
        return verdict(False, "", "the units of H1 (12 maps of 8x8) have their own biases too.")
    return verdict(False, "", "start from 9,760: only the biases of H1 (12 maps of 8x8) and H2 (12 maps of 4x4) change; H3 and the outputs keep theirs.")


def _bell_labs_positions(answer: Callable[[int], int]) -> bool:
    net = SubsamplingLeNet()
    for w in (32, 35, 36, 64, 101):
        with torch.no_grad():
            out = net(torch.zeros(1, 1, 32, w))
        truth = out.shape[-1] if out.dim() == 4 else 1
        try:
            got = float(answer(w))
        except Exception as err:  # the learner's function may fail in any way
            return verdict(False, "", f"positions({w}) raised {type(err).__name__}: {err}.")
        if got == truth:
            continue
        if not got.is_integer():
            return verdict(False, "", f"positions({w}) gives {got:g}: positions are whole windows, so round down with //.")
        if w == 32:
            return verdict(False, "", f"positions(32) gives {got:g}: a 32x32 input walks down to exactly one position (1x1); start from there.")
        if got > truth:
            return verdict(False, "", f"positions({w}) gives {got:g}, too many: a position needs a whole 32-pixel window.")
        return verdict(False, "", f"positions({w}) gives {got:g}, too few: the window moves 4 pixels per position (two poolings of 2), and windows overlap.")
    return verdict(True, "one position for 32 pixels, one more for every further 4 pixels, windows that do not fit dropped.", "")


def _bell_labs_table(answer: Any) -> bool:
    try:
        t = torch.as_tensor(answer)
    except (TypeError, ValueError, RuntimeError):
        return verdict(False, "", "give a (12, 12) bool tensor, e.g. start from torch.zeros(12, 12, dtype=torch.bool).")
    if tuple(t.shape) != (12, 12):
        return verdict(False, "", f"the table is (12, 12), one row per H2 map and one column per H1 map; got {tuple(t.shape)}.")
    if t.dtype != torch.bool:
        return verdict(False, "", "make it a bool tensor (dtype=torch.bool), True where an H2 map reads an H1 map.")
    truth = _karpathy_table()
    if torch.equal(t, truth):
        return verdict(True, "every H2 map reads 8 of H1's 12 maps, and the net keeps its 9,760 free parameters; now train it.", "")
    if torch.equal(t.T, truth):
        return verdict(False, "", "rows are H2's maps (outputs) and columns H1's (inputs): this is the transpose.")
    if not bool((t.sum(1) == 8).all()):
        return verdict(False, "", "every row needs 8 True: each H2 map reads 8 of H1's maps (a slice a:b stops before b).")
    return verdict(False, "", "8 maps per row, but not this scheme: rows 0-3 read columns 0-7, rows 4-7 columns 4-11, rows 8-11 columns 0-3 and 8-11.")


def check_bell_labs(exercise: int, answer: Any) -> bool:
    """02, exercises 1 to 4:

    1: (H1 map size, H1 connections) without the frame of -1; 2: free parameters with one bias per
    map in H1 and H2; 3: a function W -> number of output positions of SubsamplingLeNet on a 32 x W
    input; 4: karpathy/lecun1989-repro's H1 -> H2 connection table as a (12, 12) bool tensor.
    """
    checks: dict[int, Callable[[Any], bool]] = {1: _bell_labs_h1, 2: _bell_labs_biases, 3: _bell_labs_positions,
                                                 4: _bell_labs_table}
    if exercise not in checks:
        raise ValueError(f"There are exercises 1 to 4, got {exercise!r}.")
    return checks[exercise](answer)


# ---- exercise 5: a convolution that follows a table of connections ----------------------------------------------------

def _reference_table_conv(x, weight, table, stride, padding, pad_value):
    """02's own `TableConv2d`, given the kernels of `weight` that the table keeps."""
    layer = TableConv2d(table, weight.shape[-1], stride=stride, padding=padding, pad_value=pad_value, bias=None)
    with torch.no_grad():
        layer.weight.copy_(weight[table])
    return layer(x)


def _masked(weight, mask):
    return weight * mask[:, :, None, None].to(weight.dtype)


# (name, the mistaken output, its hint), tried in order against the learner's output
_TABLE_CONV_MISTAKES: list[tuple[str, Callable[..., torch.Tensor], str]] = [
    ("transposed", lambda x, w, t, s, p, v: F.conv2d(F.pad(x, (p,) * 4, value=v), _masked(w, t.T), stride=s),
     "you used the table's transpose: table[j, i] is True when output map j reads input map i (rows are outputs)."),
    ("no mask", lambda x, w, t, s, p, v: F.conv2d(F.pad(x, (p,) * 4, value=v), w, stride=s),
     "every kernel still counts: zero the kernels weight[j, i] whose table[j, i] is False."),
    ("inverted", lambda x, w, t, s, p, v: F.conv2d(F.pad(x, (p,) * 4, value=v), _masked(w, ~t), stride=s),
     "the mask is inverted: keep the kernels where the table is True, zero the others."),
    ("zero border", lambda x, w, t, s, p, v: F.conv2d(x, _masked(w, t), stride=s, padding=p),
     "the border reads 0, not pad_value: conv2d's padding= pads with zeros; pad x yourself with "
     "F.pad(x, (padding,) * 4, value=pad_value) (the 1989 frame of -1)."),
    ("no stride", lambda x, w, t, s, p, v: F.conv2d(F.pad(x, (p,) * 4, value=v), _masked(w, t)),
     "the kernels move 1 pixel at a time: pass stride= to the convolution."),
]


def _table_conv_cases() -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor, int, int, float]]:
    """Random inputs: a square table (12 -> 12-like, where a transposed table still runs), then H2's setting on a
    non-square table: kernel 5, stride 2, 2 pixels of padding that read -1."""
    g = torch.Generator().manual_seed(1989)
    cases = []
    for out_maps, in_maps, size, k, stride, padding, pad_value in [(6, 6, 9, 3, 1, 0, 0.0), (5, 3, 8, 5, 2, 2, -1.0)]:
        table = torch.rand(out_maps, in_maps, generator=g) < 0.5
        table[torch.arange(out_maps), torch.arange(out_maps) % in_maps] = True        # every output map reads one map
        table[0] = torch.arange(in_maps) < in_maps - 1                                # and not every map reads all
        x = torch.randn(2, in_maps, size, size, generator=g)
        w = torch.randn(out_maps, in_maps, k, k, generator=g)
        cases.append((x, w, table, stride, padding, pad_value))
    return cases


def check_table_conv(fn: Any) -> bool:
    """02, exercise 5: `fn(x, weight, table, stride=1, padding=0, pad_value=0.0)` must give `TableConv2d`'s output
    (no bias) for x (N, in, H, W), a dense weight (out, in, k, k) and an (out, in) bool table, and its gradients."""
    if not callable(fn):
        return verdict(False, "", "give your function itself, check_table_conv(table_conv), not its result.")
    for x, w, table, stride, padding, pad_value in _table_conv_cases():
        truth = _reference_table_conv(x, w, table, stride, padding, pad_value)
        xs, ws = x.clone().requires_grad_(), w.clone().requires_grad_()
        k = w.shape[-1]
        setting = f"a {tuple(table.shape)} table, {k}x{k} kernels, stride {stride}, padding {padding} (value {pad_value:g})"
        try:
            got = fn(xs, ws, table.clone(), stride=stride, padding=padding, pad_value=pad_value)
        except Exception as err:  # the learner's code may fail in any way
            text = str(err)
            if "in-place" in text or "inplace" in text:
                return verdict(False, "", "do not change weight in place (weight[...] = 0): multiply it by the mask into a new tensor.")
            if "must match the size" in text or "broadcast" in text:
                return verdict(False, "", "the (out, in) table does not broadcast against the (out, in, k, k) weight: "
                                          "give it two trailing axes, table[:, :, None, None].")
            return verdict(False, "", f"table_conv raised {type(err).__name__} with {setting}: {err}.")
        if not isinstance(got, torch.Tensor):
            return verdict(False, "", f"table_conv should return a tensor (N, out_maps, H', W'), got {type(got).__name__}.")
        for _, mistake, hint in _TABLE_CONV_MISTAKES:
            try:
                with torch.no_grad():
                    wrong = mistake(x, w, table, stride, padding, pad_value)
            except RuntimeError:  # a transposed non-square table does not even run
                continue
            differs = wrong.shape != truth.shape or not torch.allclose(wrong, truth, atol=1e-4)
            if differs and got.shape == wrong.shape and torch.allclose(got.detach().float(), wrong, atol=1e-4):
                return verdict(False, "", f"with {setting}: {hint}")
        if got.shape != truth.shape:
            return verdict(False, "", f"with {setting} the output is (N, out_maps, H', W') = {tuple(truth.shape)}, "
                                      f"got {tuple(got.shape)}.")
        diff = (got.detach().float() - truth.detach()).abs()
        if not bool(diff.max() < 1e-4):
            per_map = diff.amax(dim=(0, 2, 3))
            j = int((per_map >= 1e-4).nonzero()[0])
            return verdict(False, "", f"with {setting}, output map {j} differs first (by up to {float(per_map[j]):.3g}): "
                                      f"it should add, over the input maps i with table[{j}, i] True, their convolution "
                                      f"with weight[{j}, i].")
        # gradients: the learner's against the reference's, for one random direction
        r = torch.randn(truth.shape, generator=torch.Generator().manual_seed(5))
        if not got.requires_grad:
            return verdict(False, "", "no gradient flows back through your output: build it from x and weight with "
                                      "tensor operations (no .detach(), .data or .item()).")
        got.backward(r)
        xr, wr = x.clone().requires_grad_(), w.clone().requires_grad_()
        F.conv2d(F.pad(xr, (padding,) * 4, value=pad_value), _masked(wr, table), stride=stride).backward(r)
        for name, mine, ref in (("x", xs.grad, xr.grad), ("weight", ws.grad, wr.grad)):
            if mine is None or not torch.allclose(mine.float(), ref, atol=1e-4):
                return verdict(False, "", f"the outputs are right but the gradient with respect to {name} is not: "
                                          "build the masked weight from weight itself (no .detach() or .data).")
    return verdict(True, "each output map adds only the input maps its row of the table allows, the frame reads "
                         "pad_value, and removed kernels get no gradient: TableConv2d's numbers.", "")
