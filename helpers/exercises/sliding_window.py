"""Self-checks for the exercises of 06_sliding_window: `check_one_d`, `check_narrowest_strip`,
`check_decoder`.

Each prints "Right: ..." or "Not yet: ..." with a hint, never the solution, and returns True or False.
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch

from helpers.exercises import verdict
from helpers.sliding_window import FullyConvLeNet
from helpers.sliding_window_reader import feeding_inputs, output_length, reading_accuracy, tiny_1d
from helpers.sliding_window_strips import FIELD, Strip

__all__ = ["check_one_d", "check_narrowest_strip", "check_decoder"]


def check_one_d(length: int, outputs: int, feeds_last: tuple[int, int]) -> bool:
    """06, exercise 1: for the 1-D net with `length` inputs, the number of outputs and the first and
    last input that feed the last output."""
    net = tiny_1d()
    n = output_length(length, net)
    if outputs != n:
        return verdict(False, "", "use out = (L - receptive field) // stride + 1 with the receptive field 10 and the stride 4.")
    inputs = feeding_inputs(net, n - 1)
    if tuple(feeds_last) != (inputs[0], inputs[-1]):
        return verdict(False, "", f"{n} outputs is right; output j sees 10 inputs starting at 4j (count from 0, last included).")
    return verdict(True, f"{n} outputs; the last one sees inputs {inputs[0]} to {inputs[-1]}, and inputs beyond {inputs[-1]} feed no output.", "")


def check_narrowest_strip(columns: int, answer: int) -> bool:
    """06, exercise 2: the narrowest input (in pixels, no padding) for which a FullyConvLeNet gives `columns` output columns."""
    truth = FIELD + 4 * (columns - 1)
    if answer == truth:
        return verdict(True, f"{answer} pixels: the first window takes 32, every further column 4 more.", "")
    if answer == 4 * columns or answer == FIELD + 4 * columns:
        return verdict(False, "", "almost: the first column needs a whole 32-pixel window, each further one 4 more pixels.")
    return verdict(False, "", "solve (W - 32) // 4 + 1 = columns for the smallest W.")


def check_decoder(decoder: Callable[[torch.Tensor], str], model: FullyConvLeNet, strips: Sequence[Strip], *,
                  baseline: float) -> bool:
    """06, exercise 3: does `decoder` (probabilities (11, n) -> str) read `strips` at least as well as
    the string accuracy `baseline` of the notebook's rule?"""
    r = reading_accuracy(model, strips, decoder=decoder)
    ok = r.string_accuracy >= baseline
    message = (f"your rule reads {r.digit_accuracy:.1f}% of digits and {r.string_accuracy:.1f}% of strings "
               f"({'at least' if ok else 'below'} the {baseline:.1f}% of the notebook's rule).")
    return verdict(ok, message, message)
