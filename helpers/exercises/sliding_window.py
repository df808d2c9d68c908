"""Self-checks for the exercises of 06_sliding_window; `check_field_labels` is the build exercise (labelling the
training windows of a strip, against `window_targets` on random strips)."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import torch

from helpers.exercises import first_mistake, graded, learner_result, not_yet, verdict
from helpers.sliding_window import FullyConvLeNet
from helpers.sliding_window_reader import feeding_inputs, output_length, reading_accuracy, tiny_1d
from helpers.sliding_window_strips import CENTRE_TOLERANCE, FAR, FIELD, HEIGHT, NONE, Strip, window_targets

__all__ = ["check_one_d", "check_narrowest_strip", "check_decoder", "check_field_labels"]


def check_one_d(length: int, outputs: int, feeds_last: tuple[int, int]) -> bool:
    """06, exercise 1: the number of outputs of the 1-D net on `length` inputs, and the first and last input of the last."""
    net = tiny_1d()
    n = output_length(length, net)
    if outputs != n:
        return not_yet("use out = (L - receptive field) // stride + 1 with the receptive field 10 and the stride 4.")
    inputs = feeding_inputs(net, n - 1)
    if tuple(feeds_last) != (inputs[0], inputs[-1]):
        return not_yet(f"{n} outputs is right; output j sees 10 inputs starting at 4j (count from 0, last included).")
    return verdict(True, f"{n} outputs; the last one sees inputs {inputs[0]} to {inputs[-1]}, and inputs beyond {inputs[-1]} feed no output.", "")


def check_narrowest_strip(columns: int, answer: int) -> bool:
    """06, exercise 2: the narrowest input (in pixels, no padding) for which a FullyConvLeNet gives `columns` output columns."""
    almost = "almost: the first column needs a whole 32-pixel window, each further one 4 more pixels."
    return graded(answer, FIELD + 4 * (columns - 1), f"{answer} pixels: the first window takes 32, every further column 4 more.",
                  {4 * columns: almost, FIELD + 4 * columns: almost}, "solve (W - 32) // 4 + 1 = columns for the smallest W.")


def check_decoder(decoder: Callable[[torch.Tensor], str], model: FullyConvLeNet, strips: Sequence[Strip], *,
                  baseline: float) -> bool:
    """06, exercise 3: does `decoder` (probabilities (11, n) -> str) read `strips` as well as the notebook's rule
    (string accuracy `baseline`)?"""
    r = reading_accuracy(model, strips, decoder=decoder)
    ok = r.string_accuracy >= baseline
    message = (f"your rule reads {r.digit_accuracy:.1f}% of digits and {r.string_accuracy:.1f}% of strings "
               f"({'at least' if ok else 'below'} the {baseline:.1f}% of the notebook's rule).")
    return verdict(ok, message, message)


def _random_strip(gen: torch.Generator) -> Strip:
    """2 to 6 ink blocks, 3 to 12 columns wide, 3 to 8 apart: some centres fall on whole columns, so windows at exactly
    CENTRE_TOLERANCE and `far` from a centre occur."""
    k = int(torch.randint(2, 7, (1,), generator=gen))
    widths = torch.randint(3, 13, (k,), generator=gen)
    gaps = torch.randint(3, 9, (k + 1,), generator=gen)
    left = torch.cumsum(torch.cat([gaps[:1], (widths + gaps[1:])[:-1]]), 0)
    right = left + widths
    image = torch.zeros(1, HEIGHT, int(right[-1] + gaps[-1]))
    for a, b in zip(left.tolist(), right.tolist()):
        image[0, 8:24, a:b] = 1.0
    text = "".join(str(int(c)) for c in torch.randint(0, 10, (k,), generator=gen))
    return Strip(image, text, left, right)


def _field_labels(x: torch.Tensor, centres: torch.Tensor, digits: torch.Tensor, blank: torch.Tensor, far: float, *,
                  tolerance_strict: bool = False, far_strict: bool = False, none: int = NONE,
                  use_blank: bool = True, ambiguous: int = -1) -> torch.Tensor:
    """The usual mistakes of exercise 4 (the reference is window_targets)."""
    distance = (x[:, None] - centres[None, :]).abs()
    nearest, which = distance.min(1)
    target = torch.full(x.shape, ambiguous, dtype=torch.long)
    target[((blank if use_blank else torch.zeros_like(blank)) | ((nearest > far) if far_strict else (nearest >= far)))] = none
    positive = (nearest < CENTRE_TOLERANCE) if tolerance_strict else (nearest <= CENTRE_TOLERANCE)
    target[positive] = digits[which[positive]]
    return target


_FIELD_MISTAKES = (
    (dict(tolerance_strict=True), "a window exactly 2 pixels from a digit's centre is still that digit (at most 2, not under 2)."),
    (dict(far_strict=True), "a window exactly `far` pixels from every centre is already 'none' (at least `far`, not more than)."),
    (dict(none=0), f"'none of the above' is class {NONE}, the 11th output; 0 is the digit zero."),
    (dict(use_blank=False), "a window whose centre is on blank columns is 'none' whatever its distance to the digits."),
    (dict(ambiguous=NONE), "a window between 2 and `far` pixels from the nearest centre, on ink, is left out: give it -1, not 'none'."),
)


def check_field_labels(fn: Any) -> bool:
    """06, exercise 4: `fn(x, centres, digits, blank, far)` must label the windows centred at x (float (m,)) of a strip with ink
    centres `centres` (float (k,)) of classes `digits` (int64 (k,)), `blank` (bool (m,)) those centred on blank columns: the digit
    within CENTRE_TOLERANCE, NONE when blank or at least `far` from every centre, else -1 (int64 (m,)), as window_targets does."""
    gen = torch.Generator().manual_seed(6)
    for case in range(12):
        strip, far = _random_strip(gen), (FAR, 7.0, float("inf"))[case % 3]
        truth = window_targets(strip, far=far)
        x = torch.arange(strip.width + 1).float()
        ink = torch.nn.functional.pad(strip.image[0].amax(0) > 0, (1, 1))  # ink[j + 1]: column j has ink
        blank = ~(ink[:-1] | ink[1:])  # columns x - 1 and x both blank
        digits = torch.tensor([int(c) for c in strip.text])
        args = (x, strip.centres, digits, blank, far)
        where = f"on strip '{strip.text}' (far={far})"
        got = learner_result(fn, "field_labels", (x.clone(), strip.centres.clone(), digits.clone(), blank.clone(), far), where,
                             returns="a tensor of classes, one per window", convert=lambda labels: torch.as_tensor(labels).long())
        if got is None:
            return False
        if got.shape != truth.shape:
            return not_yet(f"{where} it returned shape {tuple(got.shape)} for {len(x)} windows; return one class per window, shape ({len(x)},).")
        if not torch.equal(got, truth):
            j = int((got != truth).nonzero()[0])
            hint = first_mistake(got, truth, [(lambda o=o: _field_labels(*args, **o), h) for o, h in _FIELD_MISTAKES], atol=0)
            return not_yet(f"{where}, the window centred at x={j} ({float((x[j] - strip.centres).abs().min()):g} px from the nearest centre) "
                           f"gets {int(got[j])}; " + (hint or f"digit within {CENTRE_TOLERANCE:g} px of a centre, {NONE} when blank or at "
                                                      "least `far` from every centre, -1 in between."))
    return verdict(True, "your labels agree with window_targets on 12 random strips.", "")
