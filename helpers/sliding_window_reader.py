"""Sliding windows for free: a fully convolutional LeNet reads a line of digits in one pass (06_sliding_window)."""

from __future__ import annotations

import timeit
from dataclasses import dataclass
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.anatomy import ReceptiveField, receptive_field
from helpers.inputs import finite_range, model_device
from helpers.sliding_window import FullyConvLeNet, LeNet32, decode, fully_convolutional, train_step
from helpers.sliding_window_strips import FAR, FIELD, NONE, Strip, make_fields
from helpers.train import check_data, check_values, predict, progress_bar, set_seed

__all__ = ["tiny_1d", "unpadded_field", "output_length", "feeding_inputs", "NONE_SHARE", "PART", "train_reader",
           "output_map", "decode_peaks", "read_digits", "edit_distance", "ReadingAccuracy", "reading_accuracy",
           "crop_windows", "Timing", "time_passes"]


def tiny_1d() -> nn.Sequential:
    """The lecture's 1-D net: (N, 1, L), L >= 10 -> (N, 1, (L - 6) // 4): 10 inputs give 1 output, 14 give 2."""
    return nn.Sequential(nn.Conv1d(1, 1, 3), nn.MaxPool1d(2), nn.Conv1d(1, 1, 3), nn.MaxPool1d(2))


def unpadded_field(model: nn.Module) -> ReceptiveField:
    """receptive_field(model), refused for a padded stack: the 1-D rules below assume none."""
    field = receptive_field(model)
    if field.offset:
        raise ValueError(f"The 1-D rules assume unpadded layers, but {type(model).__name__} pads its input "
                         f"(its first field starts at {field.offset}); remove the padding.")
    return field


def output_length(length: int, model: nn.Module) -> int:
    """How many outputs an unpadded stack gives for `length` inputs (0 when shorter than its field)."""
    field = unpadded_field(model)
    return 0 if length < field.size else (length - field.size) // field.stride + 1


def feeding_inputs(model: nn.Module, output: int) -> range:
    """The input positions that feed output number `output`."""
    field = unpadded_field(model)
    return range(output * field.stride, output * field.stride + field.size)


NONE_SHARE = 0.3  # share of "none of the above" fields in the reader's training set
PART = 8192  # an epoch's digits are turned into fields this many at a time (bounds the memory on full MNIST)


def train_reader(train: tuple[torch.Tensor, torch.Tensor], *, epochs: int, seed: int = 0, far: float = FAR,
                 none_share: float = NONE_SHARE, batch_size: int = 128, progress: bool = True) -> FullyConvLeNet:
    """A LeNet32 trained with 06's train_step on fresh fields (make_fields) of `train` every epoch, as a FullyConvLeNet
    in eval mode; not fit, whose accuracy over all the fields after each epoch would cost almost as much as training."""
    images, labels = check_data(train, "train")
    if check_values((images, labels), "train")[1] >= NONE:
        raise ValueError(f"train_reader learns the digits 0 to {NONE - 1} (class {NONE} is its 'none of the above'), but the labels go up to "
                         f"{int(labels.max())}; pass digits from load_digits.")
    n = len(labels)
    counts = [round(min(PART, n - i) / (1.0 - none_share)) for i in range(0, n, PART)]  # fields per part
    steps = epochs * sum(-(-c // batch_size) for c in counts)
    gen = set_seed(seed)
    # channels_last (NHWC) memory: the same maths, about 1.5x faster on a CPU for this net (benchmarks/train_speed.py)
    model = LeNet32().to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    with progress_bar(progress, steps, "train_reader") as bar:
        for _ in range(epochs):
            digits = torch.randperm(n, generator=gen)
            for part, count in zip(digits.split(PART), counts):
                fields = targets = None  # free the last part's fields before drawing new ones
                fields, targets = make_fields(images[part], labels[part], count=count, none_share=none_share, far=far,
                                              seed=int(torch.randint(2**31 - 1, (1,), generator=gen)))  # shuffled
                fields = fields.contiguous(memory_format=torch.channels_last)
                for i in range(0, count, batch_size):
                    loss = train_step(model, opt, fields[i:i + batch_size], targets[i:i + batch_size])
                    schedule.step()
                    bar.update(1)
                    bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
    return fully_convolutional(model).eval()


@torch.no_grad()
def output_map(model: FullyConvLeNet, strip: Strip | torch.Tensor) -> torch.Tensor:
    """Class probabilities (11, n), n = ceil(W / 4) + 1, along a strip (1, 32, W) or a Strip: column j is the window
    centred on x = 4j. Bad strips raise, not warn: the reader would answer them with digits that mean nothing."""
    image = strip.image if isinstance(strip, Strip) else strip
    if not isinstance(image, torch.Tensor):
        raise TypeError(f"expected a Strip or an image tensor (1, H, W) or (H, W), got {type(strip).__name__}; pass a Strip from make_strips or its .image.")
    image = image[None] if image.dim() == 2 else image
    if image.dim() != 3 or image.shape[:2] != (1, FIELD):
        raise ValueError(f"output_map reads strips of shape (1, {FIELD}, W), got {tuple(image.shape)}; "
                         f"pass strip.image, resized or padded to {FIELD} rows.")
    if image.shape[-1] < FIELD:
        raise ValueError(f"A strip {image.shape[-1]} pixels wide is narrower than the reader's {FIELD}-pixel receptive field; "
                         f"pad it with blank columns to at least {FIELD} pixels, e.g. F.pad(image, (left, right)).")
    if not torch.is_floating_point(image):
        raise TypeError(f"output_map reads strips of floating-point pixels in [0, 1], got {image.dtype}; convert the strip with image.float() / 255.")
    low, high = finite_range(image, "output_map got a strip holding nan or inf pixels; check how the strip was made and use pixels in [0, 1].")
    if low < -1.0 or high > 2.0:
        raise ValueError(f"output_map reads strips with pixels in [0, 1], got values in [{low:g}, {high:g}]; divide raw 0-255 pixels by 255.")
    return predict(model, F.pad(image, (FIELD // 2, FIELD // 2 + (-image.shape[-1]) % 4))[None])[0, :, 0].exp()


def decode_peaks(probs: torch.Tensor, *, threshold: float = 0.5, radius: int = 2) -> str:
    """The simpler rule, for comparison: a digit wherever the digit score 1 - p(none) exceeds `threshold`
    and is the largest within `radius` columns (non-maximum suppression); its class is that column's best digit."""
    score = 1.0 - probs[NONE]
    near = F.max_pool1d(score[None, None], 2 * radius + 1, stride=1, padding=radius)[0, 0]
    peaks = (score > threshold) & (score >= near)
    return "".join(str(int(d)) for d in probs[:NONE, peaks].argmax(0))


def read_digits(model: FullyConvLeNet, strip: Strip | torch.Tensor) -> str:
    """The digits written on a strip (1, 32, W) (or a Strip), read in one pass."""
    return decode(output_map(model, strip))


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: the fewest insertions, deletions and substitutions that turn a into b."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        diag, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            diag, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diag + (ca != cb))
    return row[len(b)]


@dataclass
class ReadingAccuracy:
    """How well a reader read a list of strips: percentages and the strips it got wrong (by index)."""

    digit_accuracy: float  # 100 * (1 - total edit distance / total digits)
    string_accuracy: float  # 100 * share of strips read exactly
    predictions: list[str]
    wrong: list[int]


def reading_accuracy(model: FullyConvLeNet | None, strips: Sequence[Strip], *, decoder=decode,
                     maps: Sequence[torch.Tensor] | None = None) -> ReadingAccuracy:
    """`decoder(output_map(model, strip))` of every strip (or of `maps`, then without `model`), scored by its text."""
    if maps is None:
        maps = [output_map(model, s) for s in strips]
    preds = [decoder(m) for m in maps]
    errors = [edit_distance(p, s.text) for p, s in zip(preds, strips, strict=True)]
    return ReadingAccuracy(100.0 * (1 - sum(errors) / sum(len(s.text) for s in strips)),
                           100.0 * errors.count(0) / len(strips), preds, [i for i, e in enumerate(errors) if e])


def crop_windows(image: torch.Tensor, *, size: int = FIELD, stride: int = 4) -> torch.Tensor:
    """Every size x size window of an image (1, size, W), window j starting at column stride * j: (n, 1, size, size)."""
    return image.unfold(2, size, stride).permute(2, 0, 1, 3).contiguous()


@dataclass
class Timing:
    """Best-of-`repeats` seconds for reading one strip three ways."""

    one_pass: float  # the fully convolutional net over the whole strip
    crops_batched: float  # every window cropped, all in one batch
    crops_looped: float  # every window cropped, one model call per window

    def ratio(self, which: str = "crops_looped") -> float:
        return getattr(self, which) / self.one_pass


@torch.no_grad()
def time_passes(model: FullyConvLeNet, image: torch.Tensor, *, repeats: int = 20) -> Timing:
    """Time the three ways of computing the same output map over `image` (1, 32, W)."""
    image = image.to(model_device(model))
    model.eval()
    sync = torch.cuda.synchronize if image.is_cuda else (lambda: None)  # a GPU runs ahead of Python

    def best(fn) -> float:
        fn()  # warm up
        return min(timeit.repeat(lambda: (fn(), sync()), repeat=repeats, number=1))

    return Timing(best(lambda: model(image[None])), best(lambda: model(crop_windows(image))),
                  best(lambda: [model(w[None]) for w in crop_windows(image)]))
