"""Self-checks for the exercises of 05_shift_equivariance: `check_map_move`, `check_exact_shifts`,
`check_consistency`, `check_map_error` (a build exercise: the learner's equivariance error, run against the
reference on random maps and images).

Each prints "Right: ..." or "Not yet: ..." with a hint, never the solution, and returns True or False.
"""

from __future__ import annotations

import math
from typing import Callable, Iterable

import torch
import torch.nn as nn

from helpers.augment import shift
from helpers.exercises import verdict
from helpers.shift_equivariance import consistency

__all__ = ["check_map_move", "check_exact_shifts", "check_consistency", "check_map_error"]


def check_map_move(d: int, answer: float) -> bool:
    """05, exercise 1: how many cells LeNet5's pool2 map moves for an input shift of `d` pixels."""
    truth = d / 4
    if math.isclose(float(answer), truth, abs_tol=1e-9):
        return verdict(True, f"pool2 has a cumulative stride of 2 x 2 = 4, so {d} px is {truth:g} cells.", "")
    if math.isclose(float(answer), d / 2, abs_tol=1e-9):
        return verdict(False, "", "that is the move after pool1; pool2 halves it once more.")
    return verdict(False, "", "divide the input shift by the product of the strides met up to pool2.")


def check_exact_shifts(answer: Iterable[int], up_to: int = 12) -> bool:
    """05, exercise 2: the shifts in 0..up_to px for which pool2's map is an exact shifted copy."""
    truth = set(range(0, up_to + 1, 4))
    given = {int(a) for a in answer}
    if given == truth:
        return verdict(True, "exactly the multiples of the cumulative stride 4.", "")
    if given == set(range(0, up_to + 1, 2)):
        return verdict(False, "", "even shifts are exact up to conv2, but pool2 halves the resolution once more.")
    return verdict(False, "", "the shift must be a whole number of cells at every pooling: which multiples survive two halvings?")


def check_consistency(answer: float, model: nn.Module, images: torch.Tensor, max_shift: int, seed: int = 0) -> bool:
    """05, exercise 3: a consistency figure measured with consistency(model, images, max_shift,
    generator=torch.Generator().manual_seed(seed)) (pairs=1), within 0.05 points."""
    truth = consistency(model, images, max_shift, generator=torch.Generator().manual_seed(seed))
    if abs(float(answer) - truth) <= 0.05:
        return verdict(True, f"{truth:.1f}% of the digits keep their class under two random shifts of up to {max_shift} px.", "")
    if 0 < float(answer) <= 1 and abs(100 * float(answer) - truth) <= 5:
        return verdict(False, "", "consistency is a percentage here: multiply the share by 100.")
    return verdict(False, "", f"measure it with consistency(model, images, {max_shift}, generator=torch.Generator().manual_seed({seed})).")


def _map_error(f: Callable[[torch.Tensor], torch.Tensor], images: torch.Tensor, d: int, s: int, *,
               cells: int | None = None, relative: bool = True, shared: bool = True, backwards: bool = False) -> float:
    """The reference equivariance error of exercise 4 and, through the keywords, the usual mistakes."""
    k = d // s if cells is None else cells
    with torch.no_grad():
        a, b = f(shift(images, 0, d)), f(images)
    if backwards:  # the maps compared the wrong way round
        a, b = a[..., : a.shape[-1] - k], b[..., k:]
    elif shared:   # the columns both maps have: from column k on
        a, b = a[..., k:], b[..., : b.shape[-1] - k]
    else:          # the whole map, zeros moved in on the left included
        b = shift(b, 0, k)
    gap = (a - b).norm()
    return float(gap / b.norm() if relative else gap)


def _stage(channels_in: int, channels_out: int, gen: torch.Generator, pool: bool) -> list[nn.Module]:
    conv = nn.Conv2d(channels_in, channels_out, 5, padding=2)  # padded: the borders break equivariance a little
    with torch.no_grad():
        conv.weight.copy_(torch.randn(conv.weight.shape, generator=gen) / 5)
        conv.bias.copy_(torch.randn(conv.bias.shape, generator=gen) / 5)
    return [conv, nn.ReLU()] + ([nn.MaxPool2d(2)] if pool else [])


_MAP_ERROR_MISTAKES = (
    (dict(cells="d"), "you moved the maps d cells; a layer of stride s moves d // s cells for a shift of d pixels."),
    (dict(relative=False), "that is the size of the difference; divide it by the norm of the moved original maps."),
    (dict(shared=False), "compare only the columns both maps have (from column d // s on): the zeros moved in on the left are not the layer's output."),
    (dict(backwards=True), "the maps are compared the wrong way round: the shifted input's map, from column d // s on, against the original map's first columns."),
)


def check_map_error(fn: Callable[..., object]) -> bool:
    """05, exercise 4: `fn(f, images, d, s)` must return ||f(T_d x) - T_k f(x)|| / ||T_k f(x)||, k = d // s, on the
    columns both maps share, for maps f of cumulative stride s; run on random padded conv stacks and images."""
    if not callable(fn):
        return verdict(False, "", f"pass your function itself, map_error, not {type(fn).__name__}.")
    gen = torch.Generator().manual_seed(5)
    f1 = nn.Sequential(*_stage(1, 3, gen, pool=False)).eval()
    f2 = nn.Sequential(*_stage(1, 3, gen, pool=True)).eval()
    f4 = nn.Sequential(*_stage(1, 3, gen, pool=True), *_stage(3, 4, gen, pool=True)).eval()
    images = torch.rand(6, 1, 28, 28, generator=gen)
    for f, d, s in ((f2, 4, 2), (f4, 8, 4), (f1, 3, 1), (f2, 3, 2), (f4, 6, 4)):
        truth = _map_error(f, images, d, s)
        try:
            got = fn(f, images.clone(), d, s)
        except Exception as err:  # the learner's code may fail in any way
            return verdict(False, "", f"your function raised {type(err).__name__} for d={d}, s={s}: {err}.")
        try:
            got = float(got)  # a float, or a tensor with one element
        except (TypeError, ValueError, RuntimeError):
            return verdict(False, "", f"for d={d}, s={s} it returned {type(got).__name__}; return one number (a float).")
        if math.isnan(got) or math.isinf(got):
            return verdict(False, "", f"for d={d}, s={s} it returned {got}; check that you divide by the norm of the moved maps.")
        if abs(got - truth) > 1e-4 * max(1.0, truth):
            for options, hint in _MAP_ERROR_MISTAKES:
                options = {key: (d if value == "d" else value) for key, value in options.items()}
                if abs(got - _map_error(f, images, d, s, **options)) <= 1e-4 * max(1.0, abs(got)):
                    return verdict(False, "", f"for d={d}, s={s} you get {got:.4f}; {hint}")
            return verdict(False, "", f"for d={d}, s={s} you get {got:.4f}, not {truth:.4f}; move the input with shift(images, 0, d), "
                                      "the original maps d // s cells, and divide the norm of the difference by the moved maps' norm.")
    return verdict(True, "your equivariance error agrees with the reference on 5 random maps and shifts.", "")
