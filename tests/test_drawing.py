"""Tests for helpers.drawing: strokes drawn on a canvas become the tensors the nets read."""

from __future__ import annotations

import pytest
import torch

from helpers.drawing import BLANK, DOT, SCRIBBLE, STRIP_INK, DrawingProblem, drawn_digit, drawn_strip
from helpers.raster import centre_of_mass, draw, line
from helpers.sliding_window_strips import HEIGHT

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
    (lambda: drawn_digit([[(1, float("nan"))]], 280, 280), r"\(1, nan\) outside"),
    (lambda: drawn_digit([["ab"]], 280, 280), "list of strokes"),
    (lambda: drawn_digit([[(1, 2, 3)]], 280, 280), "list of strokes"),
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

def test_the_centre_of_mass_is_at_the_fields_centre_to_a_hundredth():
    cx, cy = centre_of_mass(drawn_digit(SEVEN, 280, 280))[0].tolist()
    assert abs(cx - 14) < 0.01 and abs(cy - 14) < 0.01  # placement refines the sampled centre of mass


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


THREE_ONE_FOUR = ([[(40, 25), (100, 25), (70, 70), (110, 95), (70, 125), (40, 120)]] + [[(200, 25), (200, 125)]]
                  + [[(330, 25), (300, 95), (370, 95)], [(350, 60), (350, 125)]])  # on a 600 x 150 canvas


def test_a_strip_frames_the_ink_with_4_blank_columns_and_centres_it():
    image = drawn_strip(THREE_ONE_FOUR, 600, 150)
    cols = torch.nonzero(image[0].amax(0) > 0).flatten()
    rows = torch.nonzero(image[0].amax(1) > 0).flatten()
    assert (int(cols.min()), image.shape[2] - 1 - int(cols.max())) == (4, 4)  # blank columns left and right
    assert int(rows.min()) == HEIGHT - 1 - int(rows.max())  # as much paper above as below
    assert abs(int(rows.max() - rows.min()) + 1 - STRIP_INK) <= 1  # all the ink, soft edges included
    one = drawn_strip([[(300, 20), (300, 130)]], 600, 150)
    cols = torch.nonzero(one[0].amax(0) > 0).flatten()
    assert int(cols.min()) == one.shape[2] - 1 - int(cols.max())


def test_a_strip_canvas_hatched_at_pen_width_is_a_scribble():
    hatched = [[(0, y), (600, y)] for y in range(5, 150, 10)]  # the pen is 150 / 14 = 10.7 pixels wide
    with pytest.raises(DrawingProblem, match="covers most of the canvas"):
        drawn_strip(hatched, 600, 150)


def test_how_much_of_the_canvas_the_pen_covers_decides_a_scribble():
    def lines(spacing, vertical=False, upto=280):
        return [[(v, 0), (v, 280)] if vertical else [(0, v), (280, v)] for v in range(10, upto, spacing)]

    for scribble in (lines(40), lines(40, vertical=True)):  # bands of 2 x 12 pixels every 40: 60% covered
        with pytest.raises(DrawingProblem, match="covers most of the canvas"):
            drawn_digit(scribble, 280, 280)
    for digit in (lines(60), lines(20, upto=80), lines(20, vertical=True, upto=80)):  # 40% covered, the top or left third
        assert drawn_digit(digit, 280, 280).shape == (1, 1, 28, 28)


def test_canvas_size_limits_are_inclusive_and_sizes_are_whole_numbers():
    assert drawn_digit(moved(SEVEN, 16 / 280, 0, 0), 16, 16).shape == (1, 1, 28, 28)
    assert drawn_strip([[(10, 2), (10, 30)]], 100, 32).shape[1] == HEIGHT
    with pytest.raises(ValueError, match="whole pixels"):
        drawn_digit(SEVEN, True, 280)
    with pytest.raises(ValueError, match="whole pixels"):
        drawn_digit(SEVEN, 280, True)


def test_empty_strokes_are_skipped_not_the_end():
    assert torch.equal(drawn_digit([[]] + SEVEN + [[]], 280, 280), drawn_digit(SEVEN, 280, 280))


def test_a_line_is_a_dot_only_when_short_both_ways():
    for stroke in ([(40, 140), (240, 140)], [(140, 40), (140, 240)]):  # a dash and a bar: long one way
        assert drawn_digit([stroke], 280, 280).shape == (1, 1, 28, 28)
    # exactly MIN_EXTENT of the canvas (0.08 x 250 = 20 pixels) one way is not smaller than it: no dot
    for stroke in ([(100, 100), (120, 100)], [(100, 100), (100, 120)]):
        assert drawn_digit([stroke], 250, 250).shape == (1, 1, 28, 28)
    with pytest.raises(DrawingProblem, match="single dot"):
        drawn_digit([[(100, 100), (119, 119)]], 250, 250)


def test_a_point_below_or_right_of_the_canvas_is_outside_too():
    with pytest.raises(ValueError, match=r"\(20, 300\) outside the 280x280 canvas"):
        drawn_digit([[(10, 10), (20, 300)]], 280, 280)


def test_a_dot_is_a_dot_anywhere_on_the_canvas():
    for x, y in ((10, 200), (200, 10)):  # near the left edge low down, near the top edge on the right
        with pytest.raises(DrawingProblem, match="single dot"):
            drawn_digit([[(x, y)], [(x + 2, y + 1), (x + 1, y + 2)]], 280, 280)


def test_reading_a_drawing_raises_no_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        drawn_digit(SEVEN, 280, 280)
        drawn_strip(THREE_ONE_FOUR, 600, 150)
