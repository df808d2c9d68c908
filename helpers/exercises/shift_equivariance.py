"""Self-checks for the exercises of 05_shift_equivariance; `check_map_error` is the build exercise (a map's
equivariance error, against the reference on random conv stacks and images)."""

from __future__ import annotations

from typing import Any, Callable, Iterable

import torch
import torch.nn as nn

from helpers.augment import shift
from helpers.exercises import first_mistake, graded, learner_result, not_yet, same, verdict
from helpers.shift_equivariance import consistency

__all__ = ["check_map_move", "check_exact_shifts", "check_consistency", "check_map_error"]


def check_map_move(d: int, answer: float) -> bool:
    """05, exercise 1: how many cells LeNet5's pool2 map moves for an input shift of `d` pixels."""
    return graded(float(answer), d / 4, f"pool2 has a cumulative stride of 2 x 2 = 4, so {d} px is {d / 4:g} cells.",
                  {d / 2: "that is the move after pool1; pool2 halves it once more."},
                  "divide the input shift by the product of the strides met up to pool2.")


def check_exact_shifts(answer: Iterable[int], up_to: int = 12) -> bool:
    """05, exercise 2: the shifts in 0..up_to px for which pool2's map is an exact shifted copy."""
    return graded({int(a) for a in answer}, set(range(0, up_to + 1, 4)), "exactly the multiples of the cumulative stride 4.",
                  {frozenset(range(0, up_to + 1, 2)): "even shifts are exact up to conv2, but pool2 halves the resolution once more."},
                  "the shift must be a whole number of cells at every pooling: which multiples survive two halvings?")


def check_consistency(answer: float, model: nn.Module, images: torch.Tensor, max_shift: int, seed: int = 0) -> bool:
    """05, exercise 3: consistency(model, images, max_shift, generator=torch.Generator().manual_seed(seed)), within 0.05 points."""
    truth = consistency(model, images, max_shift, generator=torch.Generator().manual_seed(seed))
    if abs(float(answer) - truth) <= 0.05:
        return verdict(True, f"{truth:.1f}% of the digits keep their class under two random shifts of up to {max_shift} px.", "")
    if 0 < float(answer) <= 1 and abs(100 * float(answer) - truth) <= 5:
        return not_yet("consistency is a percentage here: multiply the share by 100.")
    return not_yet(f"measure it with consistency(model, images, {max_shift}, generator=torch.Generator().manual_seed({seed})).")


def _map_error(f: Callable[[torch.Tensor], torch.Tensor], images: torch.Tensor, d: int, s: int, *,
               per_stride: bool = True, relative: bool = True, shared: bool = True, backwards: bool = False) -> torch.Tensor:
    """The reference equivariance error of exercise 4 and, through the keywords, the usual mistakes."""
    k = d // s if per_stride else d
    with torch.no_grad():
        a, b = f(shift(images, 0, d)), f(images)
    if backwards:  # the maps compared the wrong way round
        a, b = a[..., : a.shape[-1] - k], b[..., k:]
    elif shared:   # the columns both maps have: from column k on
        a, b = a[..., k:], b[..., : b.shape[-1] - k]
    else:          # the whole map, zeros moved in on the left included
        b = shift(b, 0, k)
    gap = (a - b).norm()
    return gap / b.norm() if relative else gap


def _stage(channels_in: int, channels_out: int, gen: torch.Generator, pool: bool) -> list[nn.Module]:
    conv = nn.Conv2d(channels_in, channels_out, 5, padding=2)  # padded: the borders break equivariance a little
    with torch.no_grad():
        conv.weight.copy_(torch.randn(conv.weight.shape, generator=gen) / 5)
        conv.bias.copy_(torch.randn(conv.bias.shape, generator=gen) / 5)
    return [conv, nn.ReLU()] + ([nn.MaxPool2d(2)] if pool else [])


_MAP_ERROR_MISTAKES = (
    (dict(per_stride=False), "you moved the maps d cells; a layer of stride s moves d // s cells for a shift of d pixels."),
    (dict(relative=False), "that is the size of the difference; divide it by the norm of the moved original maps."),
    (dict(shared=False), "compare only the columns both maps have (from column d // s on): the zeros moved in on the left are not the layer's output."),
    (dict(backwards=True), "the maps are compared the wrong way round: the shifted input's map, from column d // s on, against the original map's first columns."),
)


def check_map_error(fn: Any) -> bool:
    """05, exercise 4: `fn(f, images, d, s)` must return ||f(T_d x) - T_k f(x)|| / ||T_k f(x)||, k = d // s, on the
    columns both maps share, for maps f of cumulative stride s; run on random padded conv stacks and images."""
    gen = torch.Generator().manual_seed(5)
    f1 = nn.Sequential(*_stage(1, 3, gen, pool=False)).eval()
    f2 = nn.Sequential(*_stage(1, 3, gen, pool=True)).eval()
    f4 = nn.Sequential(*_stage(1, 3, gen, pool=True), *_stage(3, 4, gen, pool=True)).eval()
    images = torch.rand(6, 1, 28, 28, generator=gen)
    for f, d, s in ((f2, 4, 2), (f4, 8, 4), (f1, 3, 1), (f2, 3, 2), (f4, 6, 4)):
        where = f"for d={d}, s={s}"
        got = learner_result(fn, "map_error", (f, images.clone(), d, s), where, returns="one number (a float)", convert=lambda v: torch.tensor(float(v)))
        if got is None:
            return False
        if not torch.isfinite(got):
            return not_yet(f"{where} it returned {float(got)}; check that you divide by the norm of the moved maps.")
        truth = _map_error(f, images, d, s)
        if not same(got, truth):
            hint = first_mistake(got, truth, [(lambda o=o: _map_error(f, images, d, s, **o), h) for o, h in _MAP_ERROR_MISTAKES])
            return not_yet(f"{where} you get {float(got):.4f}" + (f"; {hint}" if hint else f", not {float(truth):.4f}; move the input with "
                           "shift(images, 0, d), the original maps d // s cells, and divide the norm of the difference by the moved maps' norm."))
    return verdict(True, "your equivariance error agrees with the reference on 5 random maps and shifts.", "")
