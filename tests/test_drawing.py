"""Tests for helpers.drawing: strokes drawn on a canvas become the tensors the nets read."""

from __future__ import annotations

import pytest
import torch

from helpers.drawing import BLANK, DOT, SCRIBBLE, STRIP_INK, DrawingProblem, drawn_digit, drawn_strip
from helpers.strips import HEIGHT
from helpers.strokes import centre_of_mass, draw, line
from support import SEVEN  # a 7 on a 280x280 canvas, as the canvas records it (the browser tests drag it)


def moved(strokes, scale, dx, dy):
    return [[(x * scale + dx, y * scale + dy) for x, y in s] for s in strokes]


def test_a_digit_is_placed_like_mnist():
    image = drawn_digit(SEVEN, 280, 280)
    assert image.shape == (1, 1, 28, 28) and image.dtype == torch.float32
    assert 0 <= float(image.min()) and float(image.max()) <= 1 and float(image.max()) > 0.99
    cx, cy = centre_of_mass(image)[0].tolist()
    assert abs(cx - 14) < 0.5 and abs(cy - 14) < 0.5  # MNIST's digits have their centre of mass at pixel 14
    rows = torch.nonzero(image[0, 0].amax(1) > 0.5).flatten()
    assert 17 <= int(rows.max() - rows.min()) + 1 <= 21  # the longer side fills MNIST's 20-pixel box


def test_it_is_07s_rasteriser_on_the_same_strokes():
    as_07 = draw({f"s{k}": torch.tensor(s, dtype=torch.float32) for k, s in enumerate(SEVEN)})
    assert torch.allclose(drawn_digit(SEVEN, 280, 280), as_07, atol=1e-5)


def test_where_and_how_large_it_is_drawn_does_not_matter():
    large = drawn_digit(SEVEN, 280, 280)
    small_in_a_corner = drawn_digit(moved(SEVEN, 0.4, 150, 10), 280, 280)
    assert float((large - small_in_a_corner).abs().max()) < 0.05
    assert drawn_digit(SEVEN, 280, 280, size=16).shape == (1, 1, 16, 16)


def test_drawings_that_are_not_digits_get_a_message_to_show():
    for blank in ([], [[]], [[], []]):
        with pytest.raises(DrawingProblem, match="Nothing is drawn"):
            drawn_digit(blank, 280, 280)
    with pytest.raises(DrawingProblem) as dot:
        drawn_digit([[(140, 140)], [(141, 142), (143, 141)]], 280, 280)
    assert str(dot.value) == DOT
    zigzag = [[(x, 0 if i % 2 else 280) for i, x in enumerate(range(0, 281, 6))]]
    with pytest.raises(DrawingProblem) as scribble:
        drawn_digit(zigzag, 280, 280)
    assert str(scribble.value) == SCRIBBLE
    assert BLANK.endswith(".") and DOT.endswith(".") and SCRIBBLE.endswith(".")
    assert isinstance(scribble.value, ValueError)


@pytest.mark.parametrize("call, message", [
    (lambda: drawn_digit([[(10, 10), (300, 20)]], 280, 280), r"\(300, 20\) outside the 280x280 canvas"),
    (lambda: drawn_digit([[(-1, 10)]], 280, 280), "outside"),
    (lambda: drawn_digit(SEVEN, 10, 10), "at least 16x16"),
    (lambda: drawn_digit(SEVEN, 280.0, 280), "whole pixels"),
    (lambda: drawn_digit(torch.zeros(2, 2), 280, 280), "list of strokes"),
    (lambda: drawn_digit([[(1, float("nan"))]], 280, 280), "finite"),
    (lambda: drawn_digit([["ab"]], 280, 280), "not a list of"),
    (lambda: drawn_digit(SEVEN, 280, 280, size=8), "at least 16"),
    (lambda: drawn_strip(SEVEN, 280, 20), "at least 32x32"),
])
def test_mistakes_in_the_calling_code_are_clear(call, message):
    with pytest.raises(ValueError, match=message) as err:
        call()
    assert not isinstance(err.value, DrawingProblem)


def test_a_written_number_becomes_a_strip():
    # "314" written left to right on a 600 x 150 canvas, each digit about 100 pixels tall
    three = [[(40, 25), (100, 25), (70, 70), (110, 95), (70, 125), (40, 120)]]
    one = [[(200, 25), (200, 125)]]
    four = [[(330, 25), (300, 95), (370, 95)], [(350, 60), (350, 125)]]
    image = drawn_strip(three + one + four, 600, 150)
    assert image.shape[:2] == (1, HEIGHT) and image.shape[2] >= HEIGHT
    rows = torch.nonzero(image[0].amax(1) > 0.5).flatten()
    assert abs((int(rows.max() - rows.min()) + 1) - STRIP_INK) <= 2  # as tall as a strip's digits
    cols = torch.nonzero(image[0].amax(0) > 0.5).flatten()
    assert 3 <= int(cols.min()) <= 6 and 3 <= image.shape[2] - 1 - int(cols.max()) <= 6  # margins as make_strips leaves
    ink_width = int(cols.max() - cols.min()) + 1
    assert abs(ink_width / (int(rows.max() - rows.min()) + 1) - 330 / 100) < 0.4  # proportions kept
    narrow = drawn_strip([[(300, 20), (300, 130)]], 600, 150)  # a single 1
    assert narrow.shape[2] == HEIGHT
    with pytest.raises(DrawingProblem, match="Nothing is drawn"):
        drawn_strip([], 600, 150)


def test_line_helper_strokes_are_accepted_too():
    strokes = [line((80, 60), (200, 60)).tolist(), line((200, 60), (170, 150), (130, 230)).tolist()]
    assert torch.equal(drawn_digit(strokes, 280, 280), drawn_digit(SEVEN, 280, 280))


# Written against mutmut's survivors (`make mutants`, DEVELOPERS.md "Mutation testing").

def test_a_larger_field_holds_the_same_digit_at_a_larger_scale():
    from helpers.strokes import centre_of_mass

    small, large = drawn_digit(SEVEN, 280, 280), drawn_digit(SEVEN, 280, 280, size=56)
    assert large.shape == (1, 1, 56, 56)
    cx, cy = centre_of_mass(large)[0].tolist()
    assert abs(cx - 28) < 0.01 and abs(cy - 28) < 0.01  # the centre of mass exactly at the field's centre
    assert abs(float(large.sum()) / float(small.sum()) - 4) < 0.1  # twice as long, twice as wide strokes
    rows = torch.nonzero(large[0, 0].amax(1) > 0.5).flatten()
    assert 2 * 17 <= int(rows.max() - rows.min()) + 1 <= 2 * 21  # twice the extent it has in 28x28


def test_a_canvas_hatched_at_pen_width_is_a_scribble():
    # lines a pen's width apart (the pen is 1/14 of the canvas: 20 pixels) cover it all
    hatched = [[(0, y), (280, y)] for y in range(10, 280, 20)]
    with pytest.raises(DrawingProblem, match="covers most of the canvas"):
        drawn_digit(hatched, 280, 280)
    spaced = [[(0, y), (280, y)] for y in range(10, 280, 60)]  # a third covered: not a scribble
    assert drawn_digit(spaced, 280, 280).shape == (1, 1, 28, 28)


def test_a_mistake_names_the_function_that_was_called():
    with pytest.raises(ValueError, match="^drawn_digit needs a canvas of at least 16x16"):
        drawn_digit(SEVEN, 10, 10)
    with pytest.raises(ValueError, match="^drawn_digit expects a list of strokes"):
        drawn_digit(torch.zeros(2, 2), 280, 280)
    with pytest.raises(ValueError, match="^drawn_strip needs a canvas of at least 32x32"):
        drawn_strip(SEVEN, 280, 20)
    with pytest.raises(ValueError, match="^drawn_strip expects a list of strokes"):
        drawn_strip("314", 600, 150)
