"""Sliding windows for free: a fully convolutional LeNet reads a line of digits (06_sliding_window).

- `LeNet32`: LeNet5 for 32x32 fields with 11 outputs (10 digits + "none of the above"), fc layers.
- `fully_convolutional(model)`: the same weights as a `FullyConvLeNet`, whose fc layers are
  convolutions (fc1 = a 5x5 convolution, fc2 = a 1x1 convolution), so it accepts any input of at
  least 32x32 and returns one 11-class answer per 32x32 window, every 4 pixels.
- `train_reader`, `output_map`, `decode`, `read_digits`: train the reader on strip fields
  (helpers.strips) and turn its output map into a digit string.
- `tiny_1d`, `output_length`, `receptive_field`, `feeding_inputs`: the lecture's 1-D example.
- `crop_windows`, `time_passes`, `multiply_adds`: the cost of one pass vs cropping every window.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Sequence

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F
from matplotlib.figure import Figure

from helpers.strips import CLASSES, FAR, FIELD, NONE, Strip, make_fields
from helpers.train import progress_enabled, set_seed

WIDTHS = (8, 24, 128)  # conv1 maps, conv2 maps, fc1 units of the reader


# ---------------------------------------------------------------------------------------------
# The 1-D example and receptive fields
# ---------------------------------------------------------------------------------------------

def tiny_1d() -> nn.Sequential:
    """The lecture's 1-D net: conv (kernel 3) -> max-pool 2 -> conv 3 -> max-pool 2, one channel.

    Input (N, 1, L) with L >= 10; output (N, 1, (L - 6) // 4): 10 inputs give 1 output, 14 give 2.
    """
    return nn.Sequential(nn.Conv1d(1, 1, 3), nn.MaxPool1d(2), nn.Conv1d(1, 1, 3), nn.MaxPool1d(2))


_WINDOWS = (nn.Conv1d, nn.Conv2d, nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d, nn.AvgPool2d)


def _window_layers(model: nn.Module) -> list[tuple[nn.Module, int, int]]:
    """(layer, kernel, stride) of every convolution and pooling of `model`, in the order they were
    defined (which is the order they run in the course's models); square kernels, no padding."""
    if any(isinstance(m, nn.Linear) for m in model.modules()):
        raise ValueError("receptive_field needs a fully convolutional stack, but the model has nn.Linear layers; "
                         "convert it first (fully_convolutional(model) for a LeNet32).")
    layers = []
    for m in model.modules():
        if isinstance(m, _WINDOWS):
            k, s = m.kernel_size, m.stride
            k = k[0] if isinstance(k, tuple) else k
            s = s[0] if isinstance(s, tuple) else s
            pad = m.padding[0] if isinstance(m.padding, tuple) else m.padding
            dilation = getattr(m, "dilation", 1)
            if pad or (dilation[0] if isinstance(dilation, tuple) else dilation) != 1:
                raise ValueError(f"receptive_field assumes unpadded, undilated layers, but {type(m).__name__} has "
                                 f"padding {m.padding} and dilation {dilation}; remove them.")
            layers.append((m, int(k), int(s)))
    if not layers:
        raise ValueError("the model has no convolution or pooling layer, so it has no receptive field to compute.")
    return layers


def receptive_field(model: nn.Module) -> tuple[int, int]:
    """(size, stride) of one output of a stack of unpadded convolutions and poolings.

    size = 1 + sum_l (k_l - 1) * (product of the strides before l); stride = product of all strides.
    The 1-D example: (10, 4); LeNet on 32x32: (32, 4).
    """
    size, jump = 1, 1
    for _, k, s in _window_layers(model):
        size += (k - 1) * jump
        jump *= s
    return size, jump


def output_length(length: int, model: nn.Module) -> int:
    """How many outputs a stack of unpadded convolutions and poolings gives for `length` inputs:
    (length - size) // stride + 1 with (size, stride) = receptive_field(model); 0 when length < size."""
    size, stride = receptive_field(model)
    return 0 if length < size else (length - size) // stride + 1


def feeding_inputs(model: nn.Module, output: int) -> range:
    """The input positions that feed output number `output`: range(output * stride, output * stride + size)."""
    size, stride = receptive_field(model)
    return range(output * stride, output * stride + size)


# ---------------------------------------------------------------------------------------------
# LeNet for 32x32 fields, and the same weights as a fully convolutional net
# ---------------------------------------------------------------------------------------------

def _check_image(x: torch.Tensor, model: str, minimum: int) -> None:
    if not isinstance(x, torch.Tensor) or x.dim() != 4 or x.shape[1] != 1:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"{model} expects images of shape (N, 1, H, W), got {shape}; add the batch and channel axes with x[None, None] or x.unsqueeze(0).")
    h, w = x.shape[-2:]
    if h < minimum or w < minimum:
        raise ValueError(
            f"{model} needs an input of at least {minimum}x{minimum} pixels (its receptive field), got {h}x{w}; "
            f"pad the image with zeros to at least {minimum} rows and {minimum} columns."
        )
    if not torch.is_floating_point(x):
        raise TypeError(f"{model} expects floating-point input, got {x.dtype}; convert with x.float() (values in [0, 1]).")


class LeNet32(nn.Module):
    """LeNet5 for 32x32 fields with fully connected layers and 11 outputs (06_sliding_window).

    conv 5x5 (c1 maps) -> max-pool 2 -> conv 5x5 (c2 maps) -> max-pool 2 -> fc (hidden) -> fc (11).
    Input (N, 1, 32, 32); output (N, 11) log-probabilities, class 10 = "none of the above".
    """

    def __init__(self, widths: Sequence[int] = WIDTHS, classes: int = CLASSES) -> None:
        super().__init__()
        c1, c2, hidden = widths
        self.conv1 = nn.Conv2d(1, c1, 5)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(c1, c2, 5)
        self.pool2 = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(c2 * 5 * 5, hidden)
        self.fc2 = nn.Linear(hidden, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_image(x, "LeNet32", FIELD)
        if tuple(x.shape[-2:]) != (FIELD, FIELD):
            raise ValueError(f"LeNet32 has fully connected layers and takes exactly 32x32 fields, got {tuple(x.shape[-2:])}; "
                             "convert it with fully_convolutional(model) to read larger images.")
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
        c1, c2, hidden = widths
        self.conv1 = nn.Conv2d(1, c1, 5)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(c1, c2, 5)
        self.pool2 = nn.MaxPool2d(2)
        self.fc1 = nn.Conv2d(c2, hidden, 5)
        self.fc2 = nn.Conv2d(hidden, classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_image(x, "FullyConvLeNet", FIELD)
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

    Each epoch draws fresh fields (helpers.strips.make_fields, PART digits at a time): every
    training digit once, centred (shifted, scaled, with its neighbours), plus a share `none_share`
    of "none" fields (blank gaps, margins, digits at least `far` pixels off-centre), so an epoch
    grows with the data. Adam with a cosine learning-rate decay over all steps; same seed, same
    model. (helpers.train.fit would measure the accuracy over all training fields after every
    epoch, which costs almost as much as the training itself when every epoch brings new fields,
    so the loop is written out here.)
    """
    images, labels = train
    if epochs < 1 or batch_size < 1 or lr <= 0 or not 0.0 <= none_share < 1.0:
        raise ValueError(f"train_reader needs epochs >= 1, batch_size >= 1, lr > 0 and 0 <= none_share < 1, "
                         f"got epochs={epochs}, batch_size={batch_size}, lr={lr}, none_share={none_share}.")
    n = len(labels)
    parts = [min(PART, n - i) for i in range(0, n, PART)]  # digits per part of an epoch
    counts = [round(k / (1.0 - none_share)) for k in parts]  # fields per part
    steps = epochs * sum(-(-c // batch_size) for c in counts)
    gen = set_seed(seed)
    model = LeNet32(widths)
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

def _as_image(strip: Strip | torch.Tensor) -> torch.Tensor:
    image = strip.image if isinstance(strip, Strip) else strip
    if not isinstance(image, torch.Tensor):
        raise TypeError(f"expected a Strip or an image tensor (1, H, W) or (H, W), got {type(strip).__name__}.")
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
    """
    image = _as_image(strip)
    if image.shape[1] != FIELD:
        raise ValueError(f"output_map reads strips {FIELD} pixels high, got height {image.shape[1]}; resize or pad the strip to {FIELD} rows.")
    half = FIELD // 2
    w = image.shape[-1]
    padded = F.pad(image, (half, half + (-w) % 4))
    was_training = model.training
    model.eval()
    try:
        logp = model(padded[None])[0, :, 0]  # (11, n)
    finally:
        model.train(was_training)
    return logp.exp()


def decode(probs: torch.Tensor, *, threshold: float = 0.5) -> str:
    """Turn an output map (11, n) of class probabilities into a digit string.

    The rule: a column is "on" when p(none) < threshold, i.e. the window centred there sees a
    digit. Every maximal run of consecutive "on" columns is one digit (the windows between two
    digits answer "none" and so cut the runs apart); its class is the digit with the largest
    probability summed over the run's columns (the windows that see it vote).
    """
    if probs.dim() != 2 or probs.shape[0] != CLASSES:
        raise ValueError(f"decode expects class probabilities of shape (11, n), got {tuple(probs.shape)}; pass output_map(model, strip).")
    on = (probs[NONE] < threshold).tolist()
    text, j = [], 0
    while j < len(on):
        if not on[j]:
            j += 1
            continue
        k = j
        while k < len(on) and on[k]:
            k += 1
        text.append(str(int(probs[:NONE, j:k].sum(1).argmax())))
        j = k
    return "".join(text)


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
class Reading:
    """How well a reader read a list of strips: percentages and the strips it got wrong (by index)."""

    digit_accuracy: float  # 100 * (1 - total edit distance / total digits)
    string_accuracy: float  # 100 * share of strips read exactly
    predictions: list[str]
    wrong: list[int]


def reading_accuracy(model: FullyConvLeNet | None, strips: Sequence[Strip], *, decoder=decode,
                     maps: Sequence[torch.Tensor] | None = None) -> Reading:
    """Read every strip with `decoder(output_map(model, strip))` and score the readings against the
    strips' text. Pass the output maps as `maps` (then `model` is not used) to try several decoders
    without running the net again."""
    if len(strips) == 0:
        raise ValueError("reading_accuracy needs at least one strip; build some with helpers.strips.make_strips.")
    if maps is None:
        if model is None:
            raise ValueError("reading_accuracy needs a model, or the output maps of the strips as maps=...")
        maps = [output_map(model, s) for s in strips]
    if len(maps) != len(strips):
        raise ValueError(f"got {len(maps)} output maps for {len(strips)} strips; pass one map per strip.")
    preds = [decoder(m) for m in maps]
    errors = [edit_distance(p, s.text) for p, s in zip(preds, strips)]
    total = sum(len(s.text) for s in strips)
    return Reading(100.0 * (1 - sum(errors) / total), 100.0 * sum(e == 0 for e in errors) / len(strips),
                   preds, [i for i, e in enumerate(errors) if e])


# ---------------------------------------------------------------------------------------------
# The cost of one pass vs cropping every window
# ---------------------------------------------------------------------------------------------

def crop_windows(image: torch.Tensor, *, size: int = FIELD, stride: int = 4) -> torch.Tensor:
    """Every size x size window of an image (1, size, W) at the given stride: (n, 1, size, size),
    n = (W - size) // stride + 1, window j starting at column stride * j."""
    image = _as_image(image)
    if image.shape[1] != size or image.shape[2] < size:
        raise ValueError(f"crop_windows expects an image of {size} rows and at least {size} columns, got {tuple(image.shape[1:])}.")
    return image.unfold(2, size, stride).permute(2, 0, 1, 3).contiguous()


@torch.no_grad()
def layer_multiply_adds(model: nn.Module, x: torch.Tensor) -> dict[str, int]:
    """Multiply-adds done by each convolution and linear layer of `model` on input `x`, by layer name."""
    counts: dict[str, int] = {}

    def hook(name: str):
        def count(mod, inp, out):
            if isinstance(mod, nn.Conv2d):
                per_output = (mod.in_channels // mod.groups) * mod.kernel_size[0] * mod.kernel_size[1]
            else:
                per_output = mod.in_features
            counts[name] = counts.get(name, 0) + out.numel() * per_output
        return count

    handles = [m.register_forward_hook(hook(n)) for n, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    was_training = model.training
    model.eval()
    try:
        model(x)
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    return counts


def multiply_adds(model: nn.Module, x: torch.Tensor) -> int:
    """Multiply-adds done by the convolutions and linear layers of `model` on input `x`."""
    return sum(layer_multiply_adds(model, x).values())


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
    image = _as_image(image)
    model.eval()

    def best(fn) -> float:
        fn()  # warm up
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return min(times)

    one = best(lambda: model(image[None]))
    batched = best(lambda: model(crop_windows(image)))
    looped = best(lambda: [model(w[None]) for w in crop_windows(image)])
    return Timing(one, batched, looped)


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------

def plot_one_d(net: nn.Module, length: int = 14, base: int = 10) -> Figure:
    """The units of a 1-D stack of convolutions and poolings for `length` inputs, each drawn above the
    centre of the inputs it sees, lines to the units it reads; green: the units a `base`-long input
    already has, pink: the units the extra inputs add (the lecture's figure of the 1-D example)."""
    layers = _window_layers(net)
    sizes, jumps, lengths = [1], [1], [length]
    for _, k, s in layers:
        sizes.append(sizes[-1] + (k - 1) * jumps[-1])
        jumps.append(jumps[-1] * s)
        lengths.append((lengths[-1] - k) // s + 1)
    names = ["input"] + [f"{'conv' if isinstance(m, (nn.Conv1d, nn.Conv2d)) else 'pool'} {k}" for m, k, _ in layers]
    fig, ax = plt.subplots(figsize=(8, 3.6))
    pos = [[i * jumps[l] + (sizes[l] - 1) / 2 for i in range(lengths[l])] for l in range(len(lengths))]
    for l in range(1, len(lengths)):
        _, k, s = layers[l - 1]
        for i, x in enumerate(pos[l]):
            for src in range(i * s, i * s + k):
                ax.plot([pos[l - 1][src], x], [l - 1, l], color="0.75", lw=0.8, zorder=1)
    for l, xs in enumerate(pos):
        for i, x in enumerate(xs):
            old = i * jumps[l] + sizes[l] <= base
            ax.scatter([x], [l], s=160, color="#5cb85c" if old else "#f08cb4", edgecolor="black", zorder=2)
        ax.text(-1.2, l, f"{names[l]}: {lengths[l]}", ha="right", va="center", fontsize=9)
    ax.set_xlim(-5.5, length)
    ax.set_ylim(-0.6, len(lengths) - 0.4)
    ax.axis("off")
    ax.set_title(f"{base} inputs give 1 output (green); {length - base} more inputs (pink) give "
                 f"{lengths[-1] - 1} more", fontsize=10)
    fig.tight_layout()
    return fig


def plot_output_maps(images: Sequence[torch.Tensor], maps: Sequence[torch.Tensor], *, first_centre: float = 0.0,
                     titles: Sequence[str] | None = None, suptitle: str | None = None) -> Figure:
    """Each image (1, 32, W) above its output map (11, n) as a heat map, column j drawn under the
    window centre x = first_centre + 4j (0 for output_map's padded strips, 16 for an unpadded pass)."""
    if len(images) != len(maps) or not images:
        raise ValueError("plot_output_maps needs one output map per image, and at least one image.")
    widths = [int(im.shape[-1]) for im in images]
    span = max(max(widths), first_centre + 4 * max(p.shape[1] for p in maps)) + 4
    inch = min(14.0, 1.0 + span / 14) - 1.0  # width of the axes: 14 pixels per inch, at most 13 inches
    image_h, map_h = 32 * inch / span, 1.3
    fig = plt.figure(figsize=(inch + 1.0, len(images) * (image_h + map_h + 0.7) + (0.4 if suptitle else 0)))
    grid = fig.add_gridspec(2 * len(images), 1, height_ratios=[image_h, map_h] * len(images), hspace=0.3,
                            left=0.8 / (inch + 1.0), right=1 - 0.2 / (inch + 1.0))
    for r, (im, p) in enumerate(zip(images, maps)):
        top = fig.add_subplot(grid[2 * r])
        bottom = fig.add_subplot(grid[2 * r + 1], sharex=top)
        n = p.shape[1]
        top.imshow(_as_image(im)[0].numpy(), cmap="gray_r", vmin=0, vmax=1, extent=(0, widths[r], 32, 0), aspect="auto")
        top.set_yticks([])
        top.tick_params(labelbottom=False)
        if titles is not None:
            top.set_title(titles[r], fontsize=10)
        bottom.imshow(p.numpy(), cmap="viridis", vmin=0, vmax=1, aspect="auto", interpolation="nearest",
                      extent=(first_centre - 2, first_centre + 4 * (n - 1) + 2, CLASSES - 0.5, -0.5))
        bottom.set_yticks(range(CLASSES), [str(c) for c in range(NONE)] + ["none"], fontsize=7)
        bottom.set_xlim(-4, span - 4)
        bottom.set_xlabel("window centre (pixels)" if r == len(images) - 1 else "", fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def plot_window_labels(strip: Strip, targets: torch.Tensor) -> Figure:
    """A strip with, under it, the training class of the window centred at each position:
    the digit (green), none of the above (grey) or left out (white)."""
    inch = strip.width / 14
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(inch + 0.6, 32 / 14 + 1.6), sharex=True,
                                      gridspec_kw={"height_ratios": [32 / 14, 0.5]})
    top.imshow(strip.image[0].numpy(), cmap="gray_r", vmin=0, vmax=1, extent=(0, strip.width, 32, 0), aspect="auto")
    top.set_yticks([])
    top.set_title(f"which window teaches what: strip '{strip.text}'", fontsize=10)
    colours = {NONE: "0.6", -1: "white"}
    for x, t in enumerate(targets.tolist()):
        bottom.bar(x, 1, width=1.0, color=colours.get(t, "#5cb85c"), edgecolor="none")
    for c, d in zip(strip.centres.tolist(), strip.text):
        bottom.text(c, 0.5, d, ha="center", va="center", fontsize=9, color="black")
    bottom.set_yticks([])
    bottom.set_xlim(-0.5, strip.width + 0.5)
    bottom.set_xlabel("window centre x (green: the digit, grey: none of the above, white: left out)", fontsize=8)
    fig.tight_layout()
    return fig
