"""Handwriting-like strips of digits, and the 32x32 fields cut from them that teach the reader (06_sliding_window)."""

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
    """One line of digits."""

    image: torch.Tensor  # (1, HEIGHT, W) float32 in [0, 1]
    text: str  # the digits, e.g. "30417"
    left: torch.Tensor  # (k,) int64: the first column of each digit's ink
    right: torch.Tensor  # (k,) int64: one past its last column

    @property
    def centres(self) -> torch.Tensor:
        """(k,) float: the centre of each digit's ink (column j spans [j, j + 1))."""
        return (self.left + self.right).float() / 2

    @property
    def width(self) -> int:
        return int(self.image.shape[-1])


def _extent(mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """First and one-past-last True index along dim 1 of a (N, L) mask; (0, 0) for an all-False row."""
    found = mask.any(1)
    return mask.int().argmax(1) * found, (mask.shape[1] - mask.flip(1).int().argmax(1)) * found


def ink_boxes(images: torch.Tensor, threshold: float = INK_THRESHOLD) -> torch.Tensor:
    """(N, 4) boxes (top, bottom, left, right), ends exclusive, around the ink (>= threshold) of images (N, 1, H, W)."""
    ink = images[:, 0] >= threshold
    top, bottom = _extent(ink.any(2))
    left, right = _extent(ink.any(1))
    return torch.stack([top, bottom, left, right], 1)


def _resample(images: torch.Tensor, heights: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Digits (n, 1, 28, 28) cropped to their ink, scaled to `heights` rows, in (n, Hmax, Wmax); their ink columns."""
    top, bottom, left, right = ink_boxes(images).float().unbind(1)
    scale = heights.float() / (bottom - top)
    widths = ((right - left) * scale).round().clamp(min=1)
    rows, cols = torch.arange(int(heights.max())).float(), torch.arange(int(widths.max())).float()
    src_y = top[:, None] + (rows[None] + 0.5) / scale[:, None] - 0.5  # (n, Hc) source rows
    src_x = left[:, None] + (cols[None] + 0.5) / scale[:, None] - 0.5  # (n, Wc) source columns
    gy, gx = torch.broadcast_tensors(((2 * src_y + 1) / 28 - 1)[:, :, None], ((2 * src_x + 1) / 28 - 1)[:, None, :])
    pieces = F.grid_sample(images, torch.stack([gx, gy], -1), mode="bilinear", padding_mode="zeros",
                           align_corners=False)[:, 0]
    inside = (rows[None, :, None] < heights[:, None, None]) & (cols[None, None, :] < widths[:, None, None])
    pieces = (pieces * inside).clamp_(0.0, 1.0)
    first, last = _extent((pieces >= INK_THRESHOLD / 2).any(1))
    return pieces, first, last


def _line(images: torch.Tensor, labels: torch.Tensor, count: int, length: tuple[int, int], generator: torch.Generator,
          digits: int | None = None) -> tuple[Strip, torch.Tensor, torch.Tensor, torch.Tensor]:
    """`count` strips (or, with `digits`, as many as hold that many digits) of random lengths in `length` on one
    line, FIELD blank columns apart, and per strip its first column, one past its last and its first digit's index."""
    shapes = [tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__ for t in (images, labels)]
    fits = shapes[0][1:] == (1, 28, 28) and shapes[1] == shapes[0][:1]
    usable = torch.nonzero(ink_boxes(images)[:, 1] > 0).flatten() if fits else ()  # the digits with ink
    if len(usable) == 0:
        raise ValueError(f"strips are built from digits (N, 1, 28, 28) with ink and labels (N,), got {shapes[0]} "
                         f"and {shapes[1]}; pass the images and labels of load_digits(split, size=28).")
    lo, hi = length
    lengths = torch.randint(lo, hi + 1, (count if digits is None else digits // lo + 1,), generator=generator)
    if digits is not None:  # just enough strips to hold `digits` digits
        lengths = lengths[: int((torch.cumsum(lengths, 0) < digits).sum()) + 1]
    n, k = int(lengths.sum()), len(lengths)
    rounds = -(-n // len(usable))
    picks = torch.cat([usable[torch.randperm(len(usable), generator=generator)] for _ in range(rounds)])[:n]
    heights = torch.randint(INK_HEIGHT[0], INK_HEIGHT[1] + 1, (n,), generator=generator)
    tops = 1 + (torch.rand(n, generator=generator) * (HEIGHT - 1 - heights)).long()  # ink rows within 1 .. HEIGHT - 2
    gaps = torch.randint(GAP[0], GAP[1] + 1, (n,), generator=generator)
    margins = torch.randint(MARGIN[0], MARGIN[1] + 1, (k, 2), generator=generator)
    # first pass: only the width of every digit's ink (the pieces are made again when placed, to save memory)
    ends = [_resample(images[picks[i:i + CHUNK]], heights[i:i + CHUNK])[1:] for i in range(0, n, CHUNK)]
    widths = torch.cat([last - first for first, last in ends])
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
    for i in range(0, n, CHUNK):
        pieces, f, last = _resample(images[picks[i:i + CHUNK]], heights[i:i + CHUNK])
        m, hc, wc = pieces.shape
        cols = torch.arange(wc)[None, None, :]
        y = tops[i:i + m, None, None] + torch.arange(hc)[None, :, None]
        x = (left[i:i + m] - f)[:, None, None] + cols
        keep = (cols >= f[:, None, None]) & (cols < last[:, None, None]) & (y < HEIGHT)
        image.view(-1)[(y * total + x)[keep]] = pieces[keep]
    line = Strip(image[None], "".join(map(str, labels[picks].tolist())), left, right)
    return line, left[first_digit] - margins[:, 0], right[last_of_strip] + margins[:, 1], first_digit


def make_strips(images: torch.Tensor, labels: torch.Tensor, *, count: int, length: int | tuple[int, int] = 5,
                seed: int = 0) -> list[Strip]:
    """`count` strips of `length` digits (or an inclusive (min, max) range) from one split (N, 1, 28, 28), (N,);
    a strip narrower than FIELD, the reader's receptive field, gets blank columns on both sides."""
    length = (length, length) if isinstance(length, int) else length
    line, starts, ends, first_digit = _line(images, labels, count, length, torch.Generator().manual_seed(seed))
    strips = []
    bounds = first_digit.tolist() + [len(line.text)]
    for x0, x1, a, b in zip(starts.tolist(), ends.tolist(), bounds[:-1], bounds[1:]):
        extra = max(0, FIELD - (x1 - x0))  # blank columns that make the strip one field wide
        image = F.pad(line.image[:, :, x0:x1], (extra // 2, extra - extra // 2))
        shift = extra // 2 - x0
        strips.append(Strip(image, line.text[a:b], line.left[a:b] + shift, line.right[a:b] + shift))
    return strips


def window_targets(strip: Strip, *, far: float = FAR) -> torch.Tensor:
    """(W + 1,) int64: the class of the window centred at each x = 0 .. W: the digit whose ink centre is within
    CENTRE_TOLERANCE of x; NONE when columns x - 1 and x are blank or all are `far` away; -1 (not trained on) else."""
    x = torch.arange(strip.width + 1).float()
    centres = strip.centres  # ascending
    which = torch.bucketize(x, (centres[:-1] + centres[1:]) / 2)  # the nearest ink centre, the left one on a tie
    nearest = (x - centres[which]).abs()
    ink = F.pad((strip.image[0] >= INK_THRESHOLD / 2).any(0)[None].float(), (1, 1))[0].bool()  # ink[j + 1]: column j
    blank_centre = ~(ink[:-1] | ink[1:])  # columns x - 1 and x both blank
    target = torch.full((len(x),), -1, dtype=torch.long)
    target[blank_centre | (nearest >= far)] = NONE
    positive = nearest <= CENTRE_TOLERANCE
    target[positive] = torch.tensor([int(c) for c in strip.text])[which[positive]]
    return target


def make_fields(images: torch.Tensor, labels: torch.Tensor, *, count: int, seed: int = 0, none_share: float = 0.3,
                far: float = FAR, length: tuple[int, int] = (1, 7)) -> tuple[torch.Tensor, torch.Tensor]:
    """`count` fields (count, 1, 32, 32) cut from strips of `length` digits and their classes (count,): one per
    digit, centred on it within CENTRE_TOLERANCE, and a share `none_share` of NONE windows near a strip."""
    gen = torch.Generator().manual_seed(seed)
    n_digits = count - round(count * none_share)
    line, starts, ends, _ = _line(images, labels, 0, length, gen, digits=max(n_digits, 1))
    low, high = (line.centres - CENTRE_TOLERANCE).ceil(), (line.centres + CENTRE_TOLERANCE).floor()
    positives = (low + torch.rand(len(low), generator=gen) * (high - low + 1)).floor().long()
    positives = torch.minimum(positives, high.long())[:n_digits]
    target = window_targets(line, far=far)
    near = torch.zeros(len(target) + 1)  # near[x] > 0 after the cumsum: x is within 16 columns of a strip
    near.index_add_(0, (starts - FIELD // 2).clamp(min=0), torch.ones(len(starts)))
    near.index_add_(0, (ends + FIELD // 2 + 1).clamp(max=len(target)), -torch.ones(len(ends)))
    candidates = torch.nonzero((target == NONE) & (torch.cumsum(near, 0)[:-1] > 0)).flatten()
    nones = candidates[torch.randint(len(candidates), (count - len(positives),), generator=gen)]
    at = torch.cat([positives, nones])[torch.randperm(count, generator=gen)]
    windows = line.image[0].unfold(1, FIELD, 1).permute(1, 0, 2)  # (T - 31, HEIGHT, FIELD): window j is centred at j + 16
    fields = torch.index_select(windows, 0, at - FIELD // 2).unsqueeze(1)  # one copy, in the shuffled order
    return fields, target[at]


def strip_of_width(images: torch.Tensor, labels: torch.Tensor, width: int, *, seed: int = 0) -> Strip:
    """One strip exactly `width` columns wide (06's 32x256 strip), the digits that do not fit whole dropped."""
    strip = make_strips(images, labels, count=1, length=max(1, width // 8), seed=seed)[0]
    keep = int((strip.right <= width - MARGIN[0]).sum())
    image = strip.image[:, :, : int(strip.right[keep - 1]) + MARGIN[0]]
    image = F.pad(image, (0, width - image.shape[-1]))
    return Strip(image, strip.text[:keep], strip.left[:keep], strip.right[:keep])
