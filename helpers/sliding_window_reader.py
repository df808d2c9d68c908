"""Sliding windows for free: a fully convolutional LeNet reads a line of digits (06_sliding_window).

- `LeNet32`: LeNet5 for 32x32 fields with 11 outputs (10 digits + "none of the above"), fc layers.
- `fully_convolutional(model)`: the same weights as a `FullyConvLeNet`, whose fc layers are
  convolutions (fc1 = a 5x5 convolution, fc2 = a 1x1 convolution), so it accepts any input of at
  least 32x32 and returns one 11-class answer per 32x32 window, every 4 pixels.
- `train_reader`, `output_map`, `read_digits` (with 06's own `decode`, exported to helpers.sliding_window): train the reader on strip fields
  (helpers.sliding_window_strips) and turn its output map into a digit string.
- `tiny_1d`, `output_length`, `feeding_inputs`: the lecture's 1-D example, from the receptive field
  (helpers.anatomy.receptive_field).
- `crop_windows`, `time_passes`: the cost of one pass vs cropping every window (multiply-adds:
  helpers.anatomy.count_connections(model, shape, biases=False)).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.anatomy import ReceptiveField, receptive_field
from helpers.inputs import finite_range, model_device
from helpers.sliding_window import decode
from helpers.sliding_window_strips import CLASSES, FAR, FIELD, NONE, Strip, make_fields
from helpers.train import check_data, check_values, predict, progress_enabled, set_seed

__all__ = ["WIDTHS", "tiny_1d", "unpadded_field", "output_length", "feeding_inputs", "LeNet32", "FullyConvLeNet",
           "fully_convolutional", "NONE_SHARE", "PART", "train_reader", "strip_image", "output_map", "decode_peaks",
           "read_digits", "edit_distance", "ReadingAccuracy", "reading_accuracy", "crop_windows", "Timing",
           "time_passes"]

WIDTHS = (8, 24, 128)  # conv1 maps, conv2 maps, fc1 units of the reader


# ---------------------------------------------------------------------------------------------
# The 1-D example and receptive fields
# ---------------------------------------------------------------------------------------------

def tiny_1d() -> nn.Sequential:
    """The lecture's 1-D net: conv (kernel 3) -> max-pool 2 -> conv 3 -> max-pool 2, one channel.

    Input (N, 1, L) with L >= 10; output (N, 1, (L - 6) // 4): 10 inputs give 1 output, 14 give 2.
    """
    return nn.Sequential(nn.Conv1d(1, 1, 3), nn.MaxPool1d(2), nn.Conv1d(1, 1, 3), nn.MaxPool1d(2))


def unpadded_field(model: nn.Module) -> ReceptiveField:
    """receptive_field(model) of a stack of unpadded convolutions and poolings, as the 1-D example is."""
    field = receptive_field(model)
    if field.offset:
        raise ValueError(f"The 1-D rules assume unpadded layers, but {type(model).__name__} pads its input "
                         f"(its first field starts at {field.offset}); remove the padding.")
    return field


def output_length(length: int, model: nn.Module) -> int:
    """How many outputs a stack of unpadded convolutions and poolings gives for `length` inputs:
    (length - size) // stride + 1 with size and stride from receptive_field(model); 0 when length < size."""
    field = unpadded_field(model)
    return 0 if length < field.size else (length - field.size) // field.stride + 1


def feeding_inputs(model: nn.Module, output: int) -> range:
    """The input positions that feed output number `output`: range(output * stride, output * stride + size)."""
    field = unpadded_field(model)
    return range(output * field.stride, output * field.stride + field.size)


# ---------------------------------------------------------------------------------------------
# LeNet for 32x32 fields, and the same weights as a fully convolutional net
# ---------------------------------------------------------------------------------------------

def _add_conv_stages(net: nn.Module, widths: Sequence[int]) -> tuple[int, int]:
    """Give `net` the two stages LeNet32 and FullyConvLeNet share, under the same names (so that one's
    weights load into the other): conv1 5x5 (c1 maps), pool1, conv2 5x5 (c2 maps), pool2, for
    widths = (c1, c2, hidden); returns (c2, hidden) for the layers that follow."""
    c1, c2, hidden = widths
    net.conv1 = nn.Conv2d(1, c1, 5)
    net.pool1 = nn.MaxPool2d(2)
    net.conv2 = nn.Conv2d(c1, c2, 5)
    net.pool2 = nn.MaxPool2d(2)
    return c2, hidden


class LeNet32(nn.Module):
    """LeNet5 for 32x32 fields with fully connected layers and 11 outputs (06_sliding_window).

    conv 5x5 (c1 maps) -> max-pool 2 -> conv 5x5 (c2 maps) -> max-pool 2 -> fc (hidden) -> fc (11).
    Input (N, 1, 32, 32); output (N, 11) log-probabilities, class 10 = "none of the above".
    """

    def __init__(self, widths: Sequence[int] = WIDTHS, classes: int = CLASSES) -> None:
        super().__init__()
        c2, hidden = _add_conv_stages(self, widths)
        self.fc1 = nn.Linear(c2 * 5 * 5, hidden)
        self.fc2 = nn.Linear(hidden, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool1(F.relu(self.conv1(x)))
        x = self.pool2(F.relu(self.conv2(x)))
        x = F.relu(self.fc1(x.flatten(1)))
        return F.log_softmax(self.fc2(x), dim=1)


class FullyConvLeNet(nn.Module):
    """LeNet32 with its fc layers written as convolutions: fc1 = conv 5x5, fc2 = conv 1x1 (06_sliding_window).

    Input (N, 1, H, W) with H, W >= 32; output (N, 11, (H - 32) // 4 + 1, (W - 32) // 4 + 1)
    log-probabilities over the 11 classes (dim 1): entry (i, j) is the answer for the 32x32
    window whose top-left corner is at (4i, 4j).
    """

    def __init__(self, widths: Sequence[int] = WIDTHS, classes: int = CLASSES) -> None:
        super().__init__()
        c2, hidden = _add_conv_stages(self, widths)
        self.fc1 = nn.Conv2d(c2, hidden, 5)
        self.fc2 = nn.Conv2d(hidden, classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool1(F.relu(self.conv1(x)))
        x = self.pool2(F.relu(self.conv2(x)))
        x = F.relu(self.fc1(x))
        return F.log_softmax(self.fc2(x), dim=1)


def fully_convolutional(model: LeNet32) -> FullyConvLeNet:
    """A FullyConvLeNet holding `model`'s weights: fc1's (hidden, c2*5*5) matrix reshaped to
    (hidden, c2, 5, 5) kernels and fc2's (11, hidden) to (11, hidden, 1, 1). On a 32x32 field both
    nets give the same answer; the new one also reads larger images."""
    if not isinstance(model, LeNet32):
        raise TypeError(f"fully_convolutional converts a LeNet32, got {type(model).__name__}; build the model with LeNet32().")
    widths = (model.conv1.out_channels, model.conv2.out_channels, model.fc1.out_features)
    conv = FullyConvLeNet(widths, model.fc2.out_features)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    state["fc1.weight"] = state["fc1.weight"].reshape(widths[2], widths[1], 5, 5)
    state["fc2.weight"] = state["fc2.weight"][:, :, None, None]
    conv.load_state_dict(state)
    return conv.train(model.training)


# ---------------------------------------------------------------------------------------------
# Training the reader
# ---------------------------------------------------------------------------------------------

NONE_SHARE = 0.3  # share of "none of the above" fields in the reader's training set
PART = 8192  # an epoch's digits are turned into fields this many at a time (bounds the memory on full MNIST)


def train_reader(train: tuple[torch.Tensor, torch.Tensor], *, epochs: int, seed: int = 0,
                 widths: Sequence[int] = WIDTHS, none_share: float = NONE_SHARE, far: float = FAR,
                 lr: float = 3e-3, batch_size: int = 128, progress: bool = True) -> FullyConvLeNet:
    """Train a LeNet32 on strip fields of the digits `train` = (images (N, 1, 28, 28), labels (N,))
    and return it as a FullyConvLeNet in eval mode, ready for `read_digits`.

    Each epoch draws fresh fields (helpers.sliding_window_strips.make_fields, PART digits at a time): every
    training digit once, centred (shifted, scaled, with its neighbours), plus a share `none_share`
    of "none" fields (blank gaps, margins, digits at least `far` pixels off-centre), so an epoch
    grows with the data. Adam with a cosine learning-rate decay over all steps; same seed, same
    model. (helpers.train.fit would measure the accuracy over all training fields after every
    epoch, which costs almost as much as the training itself when every epoch brings new fields,
    so the loop is written out here.)
    """
    images, labels = check_data(train, "train")
    if check_values((images, labels), "train")[1] >= NONE:
        raise ValueError(f"train_reader learns the digits 0 to {NONE - 1} (class {NONE} is its 'none of the above'), but the labels go up to "
                         f"{int(labels.max())}; pass digits from load_digits.")
    n = len(labels)
    parts = [min(PART, n - i) for i in range(0, n, PART)]  # digits per part of an epoch
    counts = [round(k / (1.0 - none_share)) for k in parts]  # fields per part
    steps = epochs * sum(-(-c // batch_size) for c in counts)
    gen = set_seed(seed)
    # channels_last (NHWC) memory: the same maths, about 1.5x faster on a CPU for this net (benchmarks/train_speed.py)
    model = LeNet32(widths).to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    bar = None
    if progress_enabled(progress):
        from tqdm.auto import tqdm

        bar = tqdm(total=steps, desc="train_reader", unit="batch")
    model.train()
    try:
        for _ in range(epochs):
            digits = torch.randperm(n, generator=gen)
            for part, count in zip(digits.split(PART), counts):
                fields_seed = int(torch.randint(2**31 - 1, (1,), generator=gen))
                fields = targets = None  # free the last part's fields before drawing new ones
                fields, targets = make_fields(images[part], labels[part], count=count, seed=fields_seed,
                                              none_share=none_share, far=far)  # already shuffled
                fields = fields.contiguous(memory_format=torch.channels_last)
                for i in range(0, count, batch_size):
                    loss = F.nll_loss(model(fields[i:i + batch_size]), targets[i:i + batch_size])
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    opt.step()
                    schedule.step()
                    if bar is not None:
                        bar.update(1)
                        bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
    finally:
        if bar is not None:
            bar.close()
    return fully_convolutional(model).eval()


# ---------------------------------------------------------------------------------------------
# Reading a strip
# ---------------------------------------------------------------------------------------------

def _check_pixels(image: torch.Tensor, who: str) -> None:
    """Refuse a strip whose pixels are far outside [0, 1] (below -1 or above 2) or not finite."""
    if not torch.is_floating_point(image):
        raise TypeError(f"{who} reads strips of floating-point pixels in [0, 1], got {image.dtype}; convert the strip with image.float() / 255.")
    low, high = finite_range(image, f"{who} got a strip holding nan or inf pixels; check how the strip was made and use pixels in [0, 1].")
    if low < -1.0 or high > 2.0:
        raise ValueError(f"{who} reads strips with pixels in [0, 1], got values in [{low:g}, {high:g}]; divide raw 0-255 pixels by 255.")


def strip_image(strip: Strip | torch.Tensor) -> torch.Tensor:
    """The image (1, H, W) of a Strip or of a strip image given as (1, H, W) or (H, W); anything else is refused."""
    image = strip.image if isinstance(strip, Strip) else strip
    if not isinstance(image, torch.Tensor):
        raise TypeError(f"expected a Strip or an image tensor (1, H, W) or (H, W), got {type(strip).__name__}; pass a Strip from make_strips or its .image.")
    if image.dim() == 2:
        image = image[None]
    if image.dim() != 3 or image.shape[0] != 1:
        raise ValueError(f"a strip image has shape (1, H, W) or (H, W), got {tuple(image.shape)}; pass strip.image.")
    return image


@torch.no_grad()
def output_map(model: FullyConvLeNet, strip: Strip | torch.Tensor) -> torch.Tensor:
    """Class probabilities (11, n) along a strip of shape (1, 32, W) (or a Strip), one column every 4 px.

    The strip is padded with FIELD // 2 blank columns on the left and FIELD // 2 to FIELD // 2 + 3
    on the right, so column j is the window centred on strip position x = 4j (between pixels
    4j - 1 and 4j) and n = ceil(W / 4) + 1 windows cover the whole strip, its edges included.

    A strip narrower than the reader's 32-pixel receptive field is refused: it cannot hold a whole
    window's worth of writing, so whatever the reader answered would be a guess dressed as a digit
    (make_strips pads every strip to at least 32 pixels). Pixels far outside [0, 1] (below -1 or above 2, as raw 0-255 pixels) or holding nan are refused with a
    ValueError rather than read: an error, not a warning, because the reader would answer such a
    strip with confident digits that mean nothing, and a returned string hides a warning above it.
    """
    image = strip_image(strip)
    if image.shape[1] != FIELD:
        raise ValueError(f"output_map reads strips {FIELD} pixels high, got height {image.shape[1]}; resize or pad the strip to {FIELD} rows.")
    if image.shape[-1] < FIELD:
        raise ValueError(f"A strip {image.shape[-1]} pixels wide is narrower than the reader's {FIELD}-pixel receptive field; "
                         f"pad it with blank columns to at least {FIELD} pixels, e.g. F.pad(image, (left, right)).")
    _check_pixels(image, "output_map")
    half = FIELD // 2
    w = image.shape[-1]
    padded = F.pad(image, (half, half + (-w) % 4))
    return predict(model, padded[None])[0, :, 0].exp()  # (11, n)


def decode_peaks(probs: torch.Tensor, *, threshold: float = 0.5, radius: int = 2) -> str:
    """The simpler rule, for comparison: a digit at every column where the digit score 1 - p(none)
    exceeds `threshold` and is the largest within `radius` columns on either side (non-maximum
    suppression); its class is the most probable digit at that column alone."""
    if probs.dim() != 2 or probs.shape[0] != CLASSES:
        raise ValueError(f"decode_peaks expects class probabilities of shape (11, n), got {tuple(probs.shape)}; pass output_map(model, strip).")
    score = 1.0 - probs[NONE]
    text = []
    for j in range(len(score)):
        near = score[max(0, j - radius): j + radius + 1]
        if score[j] > threshold and score[j] >= near.max():
            text.append(str(int(probs[:NONE, j].argmax())))
    return "".join(text)


def read_digits(model: FullyConvLeNet, strip: Strip | torch.Tensor) -> str:
    """The digits written on a strip (1, 32, W) (or a Strip), read in one pass: decode(output_map(model, strip))."""
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
    """Read every strip with `decoder(output_map(model, strip))` and score the readings against the
    strips' text. Pass the output maps as `maps` (then `model` is not used) to try several decoders
    without running the net again."""
    if maps is None:
        maps = [output_map(model, s) for s in strips]
    if len(maps) != len(strips):  # zip would quietly score fewer strips
        raise ValueError(f"got {len(maps)} output maps for {len(strips)} strips; pass one map per strip.")
    preds = [decoder(m) for m in maps]
    errors = [edit_distance(p, s.text) for p, s in zip(preds, strips)]
    total = sum(len(s.text) for s in strips)
    return ReadingAccuracy(100.0 * (1 - sum(errors) / total), 100.0 * sum(e == 0 for e in errors) / len(strips),
                   preds, [i for i, e in enumerate(errors) if e])


# ---------------------------------------------------------------------------------------------
# The cost of one pass vs cropping every window
# ---------------------------------------------------------------------------------------------

def crop_windows(image: torch.Tensor, *, size: int = FIELD, stride: int = 4) -> torch.Tensor:
    """Every size x size window of an image (1, size, W) at the given stride: (n, 1, size, size),
    n = (W - size) // stride + 1, window j starting at column stride * j."""
    image = strip_image(image)
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
    image = strip_image(image).to(model_device(model))
    model.eval()
    sync = torch.cuda.synchronize if image.is_cuda else (lambda: None)  # a GPU runs ahead of Python

    def best(fn) -> float:
        fn()  # warm up
        times = []
        for _ in range(repeats):
            sync()
            start = time.perf_counter()
            fn()
            sync()
            times.append(time.perf_counter() - start)
        return min(times)

    one = best(lambda: model(image[None]))
    batched = best(lambda: model(crop_windows(image)))
    looped = best(lambda: [model(w[None]) for w in crop_windows(image)])
    return Timing(one, batched, looped)
