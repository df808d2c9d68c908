"""Handwriting-like strips of digits and the 11-class fields that teach a net to read them (06_sliding_window).

A *strip* is a line of k digits, 32 pixels high, built from any split of `load_digits(size=28)`:
each digit is cropped tight to its ink, scaled to a random ink height (16 to 24 rows), placed at a
random height, with 3 to 8 blank columns between neighbours and 2 to 6 blank columns of margin, so
it looks like a written number rather than a row of MNIST boxes. `make_strips` returns the images
and, for each digit, its label and the columns its ink covers.

A *field* is a 32x32 window cut from such a strip and labelled the way the lecture's LeNet5 was
trained (`window_targets`): the digit whose ink centre is within CENTRE_TOLERANCE pixels of the
window's centre (so the digit is shifted, scaled, and has parts of its neighbours at the sides), or
class 10, "none of the above", when the window's centre falls on blank columns (between two
digits, in the margins, beside a strip: blank and nearly blank fields) or at least FAR pixels from
every ink centre (off-centre digits). Windows in between are ambiguous and left out.

Everything is drawn from a torch.Generator seeded by the caller: same seed, same strips and fields.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

__all__ = ["HEIGHT", "FIELD", "NONE", "CLASSES", "INK_THRESHOLD", "INK_HEIGHT", "GAP", "MARGIN", "CENTRE_TOLERANCE",
           "FAR", "CHUNK", "Strip", "ink_boxes", "make_strips", "window_targets", "make_fields", "strip_of_width"]

HEIGHT = 32  # rows of a strip and of a field
FIELD = 32  # the reader's input window (and receptive field) is FIELD x FIELD
NONE = 10  # the 11th class, "none of the above"
CLASSES = 11
INK_THRESHOLD = 0.2  # a 28x28 pixel at or above this counts as ink when cropping a digit
INK_HEIGHT = (16, 24)  # rows of ink of a placed digit, inclusive range (MNIST's own is about 20)
GAP = (3, 8)  # blank columns between neighbouring digits, inclusive range
MARGIN = (2, 6)  # blank columns before the first and after the last digit, inclusive range
CENTRE_TOLERANCE = 2.0  # a window centred this close to a digit's ink centre shows that digit
FAR = 5.0  # a window centred at least this far from every ink centre shows "none of the above"
CHUNK = 1024  # digits resampled and placed at once (bounds the memory used)


@dataclass
class Strip:
    """One line of digits.

    image: (1, HEIGHT, W) float32 in [0, 1]; text: the digits, e.g. "30417";
    left, right: (k,) int64, the first and one-past-last column of each digit's ink.
    """

    image: torch.Tensor
    text: str
    left: torch.Tensor
    right: torch.Tensor

    @property
    def centres(self) -> torch.Tensor:
        """(k,) float: the centre of each digit's ink, in pixel coordinates (column j spans [j, j + 1))."""
        return (self.left + self.right).float() / 2

    @property
    def width(self) -> int:
        return int(self.image.shape[-1])


def _check_digits(images: torch.Tensor, labels: torch.Tensor) -> None:
    if not isinstance(images, torch.Tensor) or images.dim() != 4 or tuple(images.shape[1:]) != (1, 28, 28):
        shape = tuple(images.shape) if isinstance(images, torch.Tensor) else type(images).__name__
        raise ValueError(f"strips are built from digits of shape (N, 1, 28, 28), got {shape}; pass images from load_digits(split, size=28).")
    if not isinstance(labels, torch.Tensor) or labels.dim() != 1 or len(labels) != len(images):
        raise ValueError(f"labels must have shape ({len(images)},) to match the images; pass the labels from the same load_digits call.")


def _extent(mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """First and one-past-last True index along dim 1 of a (N, L) mask; (0, 0) for an all-False row."""
    idx = torch.arange(mask.shape[1]).expand_as(mask)
    first = torch.where(mask, idx, mask.shape[1]).min(1).values
    last = torch.where(mask, idx, -1).max(1).values + 1
    empty = ~mask.any(1)
    return first.masked_fill(empty, 0), last.masked_fill(empty, 0)


def ink_boxes(images: torch.Tensor, threshold: float = INK_THRESHOLD) -> torch.Tensor:
    """(N, 4) int64 boxes (top, bottom, left, right), bottom and right exclusive, around each
    image's ink (pixels >= threshold). images: (N, 1, H, W). A blank image gets (0, 0, 0, 0)."""
    ink = images[:, 0] >= threshold
    top, bottom = _extent(ink.any(2))
    left, right = _extent(ink.any(1))
    return torch.stack([top, bottom, left, right], 1)


def _resample(images: torch.Tensor, boxes: torch.Tensor, heights: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Crop each digit (n, 1, 28, 28) to its ink box and scale it to `heights` rows, aspect kept.

    Returns pieces (n, max height, max width) with each digit at the top left (zeros elsewhere),
    and the first and one-past-last column holding ink of each piece, (n,) each.
    """
    n = len(images)
    box = boxes.float()
    top, bottom, left, right = box.unbind(1)
    scale = heights.float() / (bottom - top)
    widths = ((right - left) * scale).round().clamp(min=1)
    rows, cols = torch.arange(int(heights.max())).float(), torch.arange(int(widths.max())).float()
    src_y = top[:, None] + (rows[None] + 0.5) / scale[:, None] - 0.5  # (n, Hc) source rows
    src_x = left[:, None] + (cols[None] + 0.5) / scale[:, None] - 0.5  # (n, Wc) source columns
    gy = ((2 * src_y + 1) / 28 - 1)[:, :, None].expand(n, len(rows), len(cols))
    gx = ((2 * src_x + 1) / 28 - 1)[:, None, :].expand(n, len(rows), len(cols))
    pieces = F.grid_sample(images, torch.stack([gx, gy], -1), mode="bilinear", padding_mode="zeros",
                           align_corners=False)[:, 0]
    inside = (rows[None, :, None] < heights[:, None, None]) & (cols[None, None, :] < widths[:, None, None])
    pieces = (pieces * inside).clamp_(0.0, 1.0)
    first, last = _extent((pieces >= INK_THRESHOLD / 2).any(1))
    return pieces, first, last


@dataclass
class _Line:
    """Many strips side by side on one long line, FIELD blank columns between two strips and at both ends."""

    image: torch.Tensor  # (1, HEIGHT, T)
    left: torch.Tensor  # (n,) first ink column of every digit
    right: torch.Tensor  # (n,) one past its last ink column
    digits: torch.Tensor  # (n,) labels
    start: torch.Tensor  # (k,) first column of every strip (its left margin included)
    end: torch.Tensor  # (k,) one past its last column (its right margin included)
    first_digit: torch.Tensor  # (k,) index of every strip's first digit


def _line(images: torch.Tensor, labels: torch.Tensor, picks: torch.Tensor, lengths: torch.Tensor,
          generator: torch.Generator) -> _Line:
    """Lay out strips of `lengths` digits (the digits `picks`, in order) on one line."""
    n, k = len(picks), len(lengths)
    heights = torch.randint(INK_HEIGHT[0], INK_HEIGHT[1] + 1, (n,), generator=generator)
    tops = 1 + (torch.rand(n, generator=generator) * (HEIGHT - 1 - heights)).long()  # ink rows within 1 .. HEIGHT - 2
    gaps = torch.randint(GAP[0], GAP[1] + 1, (n,), generator=generator)
    margins = torch.randint(MARGIN[0], MARGIN[1] + 1, (k, 2), generator=generator)
    def resampled(i: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        chunk = images[picks[i:i + CHUNK]]
        return _resample(chunk, ink_boxes(chunk), heights[i:i + CHUNK])

    # first pass: only the width of every digit's ink (the pieces are made again when placed, to save memory)
    ends = [resampled(i)[1:] for i in range(0, n, CHUNK)]
    first = torch.cat([e[0] for e in ends])
    widths = torch.cat([e[1] for e in ends]) - first
    last_of_strip = torch.cumsum(lengths, 0) - 1
    first_digit = last_of_strip - lengths + 1
    # after each digit: a gap, or at the end of a strip its right margin, FIELD blank columns and the next left margin
    after = gaps.clone()
    next_margin = torch.cat([margins[1:, 0], torch.zeros(1, dtype=torch.long)])
    after[last_of_strip] = margins[:, 1] + FIELD + next_margin
    advance = widths + after
    left = FIELD + margins[0, 0] + torch.cumsum(advance, 0) - advance
    right = left + widths
    total = int(right[-1] + margins[-1, 1] + FIELD)
    image = torch.zeros(HEIGHT, total)
    flat = image.view(-1)
    for i in range(0, n, CHUNK):
        pieces, f, last = resampled(i)
        m, hc, wc = pieces.shape
        rows = torch.arange(hc)[None, :, None]
        cols = torch.arange(wc)[None, None, :]
        keep = (cols >= f[:, None, None]) & (cols < last[:, None, None])
        y = tops[i:i + m, None, None] + rows
        x = (left[i:i + m] - f)[:, None, None] + cols
        keep = keep & (y < HEIGHT)
        index = (y * total + x)[keep]
        flat[index] = pieces[keep]
    start = left[first_digit] - margins[:, 0]
    end = right[last_of_strip] + margins[:, 1]
    return _Line(image[None], left, right, labels[picks], start, end, first_digit)


def _draw(images: torch.Tensor, labels: torch.Tensor, count: int, length: tuple[int, int],
          generator: torch.Generator, digits: int | None = None) -> _Line:
    """`count` strips (or, with `digits`, as many as hold that many digits) of random lengths in `length`."""
    usable = torch.nonzero(ink_boxes(images)[:, 1] > 0).flatten()
    if len(usable) == 0:
        raise ValueError("no digit has any ink; pass real digits from load_digits.")
    lo, hi = length
    if digits is None:
        lengths = torch.randint(lo, hi + 1, (count,), generator=generator)
    else:
        lengths = torch.randint(lo, hi + 1, (digits // lo + 1,), generator=generator)
        lengths = lengths[: int((torch.cumsum(lengths, 0) < digits).sum()) + 1]
    need = int(lengths.sum())
    rounds = -(-need // len(usable))
    order = torch.cat([usable[torch.randperm(len(usable), generator=generator)] for _ in range(rounds)])[:need]
    return _line(images, labels, order, lengths, generator)


def make_strips(images: torch.Tensor, labels: torch.Tensor, *, count: int, length: int | tuple[int, int] = 5,
                seed: int = 0) -> list[Strip]:
    """`count` strips of `length` digits (an int, or an inclusive (min, max) range) from one split.

    images (N, 1, 28, 28), labels (N,), e.g. load_digits("test", size=28). Digits are drawn without
    replacement, going through the split in a fresh random order each time it is used up, so
    `count * length <= N` uses every digit at most once. Same seed, same strips. A strip is at least
    FIELD pixels wide, the reader's receptive field: a narrower one (a single narrow digit) gets blank
    columns on both sides.
    """
    _check_digits(images, labels)
    lo, hi = (length, length) if isinstance(length, int) else length
    line = _draw(images, labels, count, (lo, hi), torch.Generator().manual_seed(seed))
    strips = []
    bounds = torch.cat([line.first_digit, torch.tensor([len(line.digits)])]).tolist()
    for s, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
        x0, x1 = int(line.start[s]), int(line.end[s])
        text = "".join(str(int(d)) for d in line.digits[a:b])
        extra = max(0, FIELD - (x1 - x0))  # blank columns that make the strip one field wide
        image = F.pad(line.image[:, :, x0:x1], (extra // 2, extra - extra // 2))
        shift = extra // 2 - x0
        strips.append(Strip(image, text, line.left[a:b] + shift, line.right[a:b] + shift))
    return strips


def _targets(image: torch.Tensor, left: torch.Tensor, right: torch.Tensor, digits: torch.Tensor,
             far: float = FAR) -> torch.Tensor:
    """The class of the window centred at every position x = 0 .. W of an image (1, HEIGHT, W): (W + 1,)."""
    w = image.shape[-1]
    x = torch.arange(w + 1).float()
    centres = (left + right).float() / 2  # ascending
    at = torch.searchsorted(centres, x).clamp(1, len(centres)) if len(centres) > 1 else torch.ones(w + 1, dtype=torch.long)
    near_left = (x - centres[at - 1]).abs()
    near_right = (centres[at.clamp(max=len(centres) - 1)] - x).abs()
    which = torch.where(near_left <= near_right, at - 1, at.clamp(max=len(centres) - 1))
    nearest = torch.minimum(near_left, near_right)
    ink = F.pad((image[0] >= INK_THRESHOLD / 2).any(0)[None].float(), (1, 1))[0].bool()  # ink[j + 1]: column j
    blank_centre = ~(ink[:-1] | ink[1:])  # columns x - 1 and x both blank
    target = torch.full((w + 1,), -1, dtype=torch.long)
    target[blank_centre | (nearest >= far)] = NONE
    positive = nearest <= CENTRE_TOLERANCE
    target[positive] = digits[which[positive]]
    return target


def window_targets(strip: Strip, *, far: float = FAR) -> torch.Tensor:
    """(W + 1,) int64: the training class of the window centred at each position x = 0 .. W of the
    strip (it covers strip columns x - 16 .. x + 15, blank beyond the strip's edges): the digit whose
    ink centre is within CENTRE_TOLERANCE of x; NONE when columns x - 1 and x are both blank or every
    ink centre is at least `far` away; -1 (left out of training) otherwise."""
    digits = torch.tensor([int(c) for c in strip.text])
    return _targets(strip.image, strip.left, strip.right, digits, far)


def make_fields(images: torch.Tensor, labels: torch.Tensor, *, count: int, seed: int = 0,
                none_share: float = 0.3, far: float = FAR,
                length: tuple[int, int] = (1, 7)) -> tuple[torch.Tensor, torch.Tensor]:
    """`count` labelled 32x32 fields (count, 1, 32, 32) and their classes (count,) in 0 .. 10.

    They are cut from strips of `length` digits built from one split (images (N, 1, 28, 28),
    labels (N,)): each digit gives one field centred within CENTRE_TOLERANCE of its ink centre, and
    a share `none_share` of the fields are "none of the above" windows drawn at random among the
    positions labelled NONE (by `window_targets` with `far`) within 16 columns of a strip (between
    two digits, in the margins, beside a strip, beside a digit). Every digit of the split is used
    once before any is used again. Same seed, same fields.
    """
    _check_digits(images, labels)
    gen = torch.Generator().manual_seed(seed)
    n_digits = count - round(count * none_share)
    line = _draw(images, labels, 0, length, gen, digits=max(n_digits, 1))
    centres = (line.left + line.right).float() / 2
    low, high = (centres - CENTRE_TOLERANCE).ceil(), (centres + CENTRE_TOLERANCE).floor()
    positives = (low + torch.rand(len(centres), generator=gen) * (high - low + 1)).floor().long()
    positives = torch.minimum(positives, high.long())[:n_digits]
    target = _targets(line.image, line.left, line.right, line.digits, far)
    near = torch.zeros(len(target) + 1)
    near.index_add_(0, (line.start - FIELD // 2).clamp(min=0), torch.ones(len(line.start)))
    near.index_add_(0, (line.end + FIELD // 2 + 1).clamp(max=len(target)), -torch.ones(len(line.end)))
    candidates = torch.nonzero((target == NONE) & (torch.cumsum(near, 0)[:-1] > 0)).flatten()
    nones = candidates[torch.randint(len(candidates), (count - len(positives),), generator=gen)]
    at = torch.cat([positives, nones])[torch.randperm(count, generator=gen)]
    windows = line.image[0].unfold(1, FIELD, 1).permute(1, 0, 2)  # (T - 31, HEIGHT, FIELD): window j is centred at j + 16
    fields = torch.index_select(windows, 0, at - FIELD // 2).unsqueeze(1)  # one copy, in the shuffled order
    return fields, target[at]


def strip_of_width(images: torch.Tensor, labels: torch.Tensor, width: int, *, seed: int = 0) -> Strip:
    """One strip exactly `width` columns wide (e.g. the 32x256 strip of 06): enough digits laid out,
    then the digits that do not fit whole dropped and blank columns added on the right."""
    _check_digits(images, labels)
    strip = make_strips(images, labels, count=1, length=max(1, width // 8), seed=seed)[0]
    keep = int((strip.right <= width - MARGIN[0]).sum())
    if keep == 0:
        raise ValueError(f"no digit of the drawn strip fits in {width} columns; try another seed or a wider strip.")
    image = strip.image[:, :, : int(strip.right[keep - 1]) + MARGIN[0]]
    image = F.pad(image, (0, width - image.shape[-1]))
    return Strip(image, strip.text[:keep], strip.left[:keep], strip.right[:keep])
