"""Tests for helpers.sliding_window_strips: handwriting-like strips and the reader's 11-class fields."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from helpers.sliding_window_strips import (CENTRE_TOLERANCE, FAR, FIELD, GAP, HEIGHT, INK_THRESHOLD, MARGIN, NONE,
                                           Strip, ink_boxes, make_fields, make_strips, window_targets)


def blob_digits(n: int = 40) -> tuple[torch.Tensor, torch.Tensor]:
    """Fake 28x28 digits: a filled rectangle whose width depends on the label, at a random place."""
    gen = torch.Generator().manual_seed(0)
    images = torch.zeros(n, 1, 28, 28)
    labels = torch.arange(n) % 10
    for i in range(n):
        w = 3 + int(labels[i])
        top, left = int(torch.randint(2, 6, (1,), generator=gen)), int(torch.randint(2, 28 - w - 2, (1,), generator=gen))
        images[i, 0, top:top + 20, left:left + w] = 1.0
    return images, labels


def test_ink_boxes_finds_the_rectangle_and_handles_blank_images():
    images = torch.zeros(2, 1, 28, 28)
    images[0, 0, 4:24, 10:17] = 1.0
    images[0, 0, 3, 12] = INK_THRESHOLD / 2  # too faint to count
    assert ink_boxes(images).tolist() == [[4, 24, 10, 17], [0, 0, 0, 0]]


def test_strips_look_like_handwriting():
    images, labels = blob_digits()
    strips = make_strips(images, labels, count=8, length=5, seed=3)
    assert len(strips) == 8
    for s in strips:
        assert isinstance(s, Strip) and s.image.shape[:2] == (1, HEIGHT) and len(s.text) == 5
        assert 0.0 <= float(s.image.min()) and float(s.image.max()) <= 1.0
        ink = (s.image[0] >= INK_THRESHOLD / 2).any(0)
        assert MARGIN[0] <= int(s.left[0]) <= MARGIN[1]
        assert MARGIN[0] <= s.width - int(s.right[-1]) <= MARGIN[1]
        assert not ink[: int(s.left[0])].any() and not ink[int(s.right[-1]):].any()
        for a, b in zip(s.right[:-1].tolist(), s.left[1:].tolist()):
            assert GAP[0] <= b - a <= GAP[1], "3 to 8 blank columns between neighbours"
            assert float(s.image[0, :, a:b].abs().max()) == 0.0
        for a, b in zip(s.left.tolist(), s.right.tolist()):
            assert ink[a] and ink[b - 1], "each digit is cropped tight to its ink"
            assert 0 < b - a
        rows = (s.image[0] >= INK_THRESHOLD / 2).any(1)
        assert not rows[0] and not rows[-1], "a blank row above and below"


def test_strips_are_reproducible_and_use_each_digit_once():
    images, labels = blob_digits(10)  # one digit of each class
    a = make_strips(images, labels, count=2, length=5, seed=7)
    b = make_strips(images, labels, count=2, length=5, seed=7)
    c = make_strips(images, labels, count=2, length=5, seed=8)
    assert all(torch.equal(x.image, y.image) and x.text == y.text for x, y in zip(a, b))
    assert any(x.text != y.text or not torch.equal(x.image, y.image) for x, y in zip(a, c))
    assert sorted(a[0].text + a[1].text) == list("0123456789"), "10 digits from a split of 10 use each once"


def test_strip_lengths_can_vary():
    images, labels = blob_digits()
    lengths = {len(s.text) for s in make_strips(images, labels, count=30, length=(1, 4), seed=0)}
    assert lengths == {1, 2, 3, 4}


def test_window_targets_follow_the_rule():
    images, labels = blob_digits()
    s = make_strips(images, labels, count=1, length=4, seed=1)[0]
    t = window_targets(s)
    assert t.shape == (s.width + 1,)
    x = torch.arange(s.width + 1).float()
    d = (x[:, None] - s.centres[None]).abs()
    nearest, which = d.min(1)
    digits = torch.tensor([int(c) for c in s.text])
    pos = nearest <= CENTRE_TOLERANCE
    assert torch.equal(t[pos], digits[which[pos]])
    assert (t[nearest >= FAR] == NONE).all()
    assert t[0] == NONE and t[-1] == NONE, "windows centred on the margins see none of the above"
    for a, b in zip(s.right[:-1].tolist(), s.left[1:].tolist()):
        assert (t[a + 1:b] == NONE).all(), "windows centred in a gap between digits are none"
    assert set(t.tolist()) <= set(range(11)) | {-1}
    ink = (s.image[0] >= INK_THRESHOLD / 2).any(0)
    centre_on_ink = F.pad(ink[None].float(), (1, 1))[0].bool()
    centre_on_ink = centre_on_ink[:-1] | centre_on_ink[1:]
    t_inf = window_targets(s, far=float("inf"))
    assert not (t_inf[centre_on_ink] == NONE).any(), "with far=inf only blank-centred windows are none"
    assert torch.equal(t_inf[~centre_on_ink], t[~centre_on_ink])


def test_make_fields_shapes_shares_and_reproducibility():
    images, labels = blob_digits()
    x, y = make_fields(images, labels, count=500, seed=2, none_share=0.3)
    assert x.shape == (500, 1, FIELD, FIELD) and y.shape == (500,) and y.dtype == torch.int64
    assert int((y == NONE).sum()) == 150
    assert set(y.tolist()) <= set(range(11)) and len(set(y.tolist())) == 11
    x2, y2 = make_fields(images, labels, count=500, seed=2, none_share=0.3)
    assert torch.equal(x, x2) and torch.equal(y, y2)
    assert (x[y == NONE].flatten(1).amax(1) == 0).any(), "some none fields are blank"
    centre = x[y < NONE][:, 0, :, FIELD // 2 - 2:FIELD // 2 + 2]
    assert (centre.flatten(1).amax(1) > 0).all(), "a digit field has ink at its centre"


def test_bad_input_gives_clear_errors():
    with pytest.raises(ValueError, match="load_digits"):
        make_strips(torch.zeros(4, 28, 28), torch.zeros(4, dtype=torch.long), count=1)
    images, labels = blob_digits()
    with pytest.raises(ValueError, match="labels"):
        make_fields(images, labels[:3], count=10)


def test_one_digit_strips_are_one_field_wide_with_the_digit_where_it_says():
    images, labels = blob_digits()
    narrow = torch.zeros_like(images)
    narrow[:, :, 4:24, 12:16] = 1.0  # 4-pixel-wide "ones": a one-digit strip would be far narrower than a field
    strips = make_strips(narrow, labels, count=10, length=1, seed=4)
    for s in strips:
        assert s.image.shape[-1] == FIELD, "padded to the reader's receptive field"
        columns = torch.nonzero(s.image[0].amax(0) > 0).flatten()
        assert int(s.left[0]) <= int(columns.min()) and int(columns.max()) < int(s.right[0]) + 1
    wide = make_strips(images, labels, count=3, length=5, seed=4)
    assert all(s.image.shape[-1] > FIELD for s in wide)
