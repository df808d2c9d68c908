"""Shift equivariance of ConvNets, measured layer by layer (introduced in 05_shift_equivariance).

A layer is shift-equivariant when shifting its input shifts its output: f(T_d x) = T_{d/s} f(x),
where s is the layer's cumulative stride (the product of the strides met so far). The helpers here
read any layer's output with forward hooks (helpers.anatomy.run_layers) and measure how far that
holds, how far a map really moves (the "half-pixel" effect of pooling), how stable a classifier's
answers are under shifts (Zhang 2019's consistency), and provide anti-aliased pooling (blur, then
subsample) as a remedy.

Shapes: images (N, C, H, W); feature maps (N, C', H', W'); shifts are whole pixels, dy down and
dx right, filled with zeros (helpers.augment.shift).
"""

from __future__ import annotations

import math
from typing import Iterable, NamedTuple, Sequence

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F
from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure

from helpers.anatomy import pair, run_layers, zero_input
from helpers.augment import random_shift, shift
from helpers.inputs import check_images
from helpers.lenet5 import LeNet5
from helpers.train import accuracy, check_data, predict

__all__ = ["Pair", "cumulative_strides", "overlap_mask", "equivariance_error", "MapShift", "map_shift", "consistency",
           "accuracy_vs_shift", "BlurPool2d", "MaxBlurPool2d", "AntiAliasedLeNet5", "sliding_frames",
           "feature_map_animation"]

Pair = tuple[int, int]


def _maps(model: nn.Module, images: torch.Tensor, layers: Sequence[str]) -> dict[str, torch.Tensor]:
    """The outputs of the named `layers` for `images`: {name: tensor (N, ...)} on the CPU."""
    maps = {name: out.cpu() for name, _, out in run_layers(model, images, layers)}
    missing = [name for name in layers if name not in maps]
    if missing:
        raise ValueError(f"Layer {missing[0]!r} of {type(model).__name__} gives no tensor for these images; pick a layer its forward pass calls.")
    return maps


def cumulative_strides(model: nn.Module, input_shape: Sequence[int] = (1, 28, 28)) -> dict[str, Pair | None]:
    """Each named module's cumulative stride (sy, sx): the product of the `stride` attributes of the
    leaf modules run up to and including it, on a zero input of `input_shape` (C, H, W).

    Modules with a non-spatial output (not 4-D, like Linear layers) get None. Strides come from
    modules only: a model that pools with functional calls (F.max_pool2d) needs explicit strides.
    """
    product = (1, 1)
    strides: dict[str, Pair | None] = {}
    names = [name for name, _ in model.named_modules() if name]
    for name, layer, out in run_layers(model, zero_input(model, tuple(input_shape)), names):
        if next(layer.children(), None) is None:
            sy, sx = pair(getattr(layer, "stride", 1), f"the stride of layer {name!r}")
            product = (product[0] * sy, product[1] * sx)
        strides[name] = product if out.dim() == 4 else None
    return strides


def overlap_mask(size: Pair, ky: int, kx: int, margin: int = 0) -> torch.Tensor:
    """A (H, W) boolean mask of the cells where a map shifted by (ky, kx) cells and the original are
    both defined, less `margin` cells at each edge of that overlap."""
    h, w = size
    rows = torch.arange(h)
    cols = torch.arange(w)
    my = (rows >= max(0, ky) + margin) & (rows < h + min(0, ky) - margin)
    mx = (cols >= max(0, kx) + margin) & (cols < w + min(0, kx) - margin)
    return my[:, None] & mx[None, :]


def _candidates(d: int, s: int) -> list[int]:
    return sorted({math.floor(d / s), math.ceil(d / s)})


def equivariance_error(model: nn.Module, images: torch.Tensor, dy: int, dx: int, layers: Sequence[str], *,
                       margin: int = 0, batch_size: int = 500,
                       strides: dict[str, Pair | None] | None = None) -> dict[str, float]:
    """Relative equivariance error of each layer for an input shift of (dy, dx) whole pixels.

    For a spatial layer of cumulative stride (sy, sx), the output for the shifted images is compared
    with the output for the originals shifted by (dy/sy, dx/sx) cells, on the cells where both exist
    (less `margin`): error = ||f(T x) - T' f(x)|| / ||T' f(x)|| summed over the batch. When d/s is not
    a whole number of cells, T' is the best of the two nearest whole shifts, so a non-zero error
    means no shift of the map reproduces it. For a non-spatial layer (N, F) the error is the
    invariance error ||f(T x) - f(x)|| / ||f(x)||. Returns {layer: error}; 0 means exact.
    """
    check_images(images, "equivariance_error")
    if strides is None:
        strides = cumulative_strides(model, tuple(images.shape[1:]))
    num: dict[str, dict[Pair, float]] = {name: {} for name in layers}
    den: dict[str, dict[Pair, float]] = {name: {} for name in layers}
    for start in range(0, len(images), batch_size):
        x = images[start:start + batch_size]
        plain = _maps(model, x, layers)
        moved = _maps(model, shift(x, dy, dx), layers)
        for name in layers:
            a, b = moved[name], plain[name]
            s = strides.get(name)
            if s is None or a.dim() != 4:
                combos = {(0, 0): (a - b, b)}
            else:
                combos = {}
                for ky in _candidates(dy, s[0]):
                    for kx in _candidates(dx, s[1]):
                        mask = overlap_mask(tuple(a.shape[-2:]), ky, kx, margin)
                        if not mask.any():
                            raise ValueError(f"A shift of ({dy}, {dx}) px leaves no overlap in layer {name!r} of size {tuple(a.shape[-2:])}; use a smaller shift or margin.")
                        ref = shift(b, ky, kx)
                        combos[(ky, kx)] = ((a - ref) * mask, ref * mask)
            for key, (diff, ref) in combos.items():
                num[name][key] = num[name].get(key, 0.0) + float(diff.pow(2).sum())
                den[name][key] = den[name].get(key, 0.0) + float(ref.pow(2).sum())
    return {name: min(math.sqrt(num[name][k] / max(den[name][k], 1e-30)) for k in num[name]) for name in layers}


class MapShift(NamedTuple):
    """How far a layer's map moved (in cells of that map) and the relative error left by that fit."""

    cells: float
    residual: float


def map_shift(model: nn.Module, images: torch.Tensor, d: int, layers: Sequence[str], axis: str = "x", *,
              margin: int = 0, batch_size: int = 500,
              strides: dict[str, Pair | None] | None = None) -> dict[str, MapShift]:
    """How many cells each layer's map moves when the input moves `d` pixels along `axis` ("x" or "y").

    With k = floor(d / s) for the layer's stride s, the output for the shifted images is fitted as the
    blend (1 - a) * T_k f(x) + a * T_{k+1} f(x) of the two nearest whole-cell shifts (least squares
    over the batch, on the cells where all three exist, less `margin`; when s divides d, T_k alone). Returns {layer: MapShift(k + a,
    residual)}, the residual being ||f(T x) - blend|| / ||f(T x)||. The ideal move is d / s: a 1-pixel
    input shift after one 2x2/stride-2 pooling moves the map by half a cell.
    """
    check_images(images, "map_shift")
    if strides is None:
        strides = cumulative_strides(model, tuple(images.shape[1:]))
    for name in layers:
        if strides.get(name) is None:
            raise ValueError(f"Layer {name!r} has no spatial output (or no stride could be read); pick a conv or pooling layer.")
    ks = {name: math.floor(d / strides[name][1 if axis == "x" else 0]) for name in layers}
    sums = {name: [0.0, 0.0, 0.0, 0.0] for name in layers}  # <r, v>, <v, v>, <r, r>, <a, a>
    for start in range(0, len(images), batch_size):
        x = images[start:start + batch_size]
        moved = _maps(model, shift(x, *((0, d) if axis == "x" else (d, 0))), layers)
        plain = _maps(model, x, layers)
        for name in layers:
            a, b, k = moved[name], plain[name], ks[name]
            whole = d % strides[name][1 if axis == "x" else 0] == 0  # then T_k alone should fit: a = 0
            cells = [(0, j) if axis == "x" else (j, 0) for j in ((k, k) if whole else (k, k + 1))]
            size = tuple(a.shape[-2:])
            mask = overlap_mask(size, *cells[0], margin) & overlap_mask(size, *cells[1], margin)
            if not mask.any():
                raise ValueError(f"A shift of {d} px leaves no overlap in layer {name!r} of size {size}; use a smaller shift or margin.")
            lo, hi = shift(b, *cells[0]), shift(b, *cells[1])
            r, v = (a - lo) * mask, (hi - lo) * mask
            acc = sums[name]
            acc[0] += float((r * v).sum())
            acc[1] += float((v * v).sum())
            acc[2] += float((r * r).sum())
            acc[3] += float((a * mask).pow(2).sum())
    out = {}
    for name in layers:
        rv, vv, rr, aa = sums[name]
        alpha = rv / vv if vv > 0 else 0.0
        left = max(rr - 2 * alpha * rv + alpha * alpha * vv, 0.0)  # ||r - alpha v||^2
        out[name] = MapShift(ks[name] + alpha, math.sqrt(left / aa) if aa > 0 else 0.0)
    return out


@torch.no_grad()
def consistency(model: nn.Module, images: torch.Tensor, max_shift: int, *, pairs: int = 1,
                generator: torch.Generator | None = None) -> float:
    """Classification consistency (Zhang 2019), in percent: how often the predicted class is the same
    for two independent random shifts of the same image, each of up to `max_shift` px on both axes,
    averaged over `pairs` draws of the two shifts."""
    check_images(images, "consistency")
    same = 0.0
    for _ in range(pairs):
        a = predict(model, random_shift(images, max_shift, generator)).argmax(1)
        b = predict(model, random_shift(images, max_shift, generator)).argmax(1)
        same += (a == b).float().mean().item()
    return 100.0 * same / pairs


def accuracy_vs_shift(model: nn.Module, data: tuple[torch.Tensor, torch.Tensor], shifts: Iterable[int],
                      axis: str = "x") -> list[float]:
    """Test accuracy (percent) of `model` on `data` = (images, labels) with every image shifted by d
    pixels along `axis` ("x", "y", or "xy" for the diagonal), one figure per d in `shifts`."""
    x, y = check_data(data)
    out = []
    for d in shifts:
        dy = d if "y" in axis else 0
        dx = d if "x" in axis else 0
        out.append(accuracy(model, (shift(x, dy, dx), y)))
    return out


class BlurPool2d(nn.Module):
    """Blur, then subsample: a fixed binomial low-pass filter applied to each channel with stride 2
    (Zhang 2019). `taps` (1, 2, 1) is the 3x3 "Tri-3" filter; padding reflects the border so that an
    input of size n gives ceil(n / stride). Input (N, C, H, W) -> (N, C, H', W'); no parameters."""

    def __init__(self, stride: int = 2, taps: Sequence[float] = (1.0, 2.0, 1.0)) -> None:
        super().__init__()
        t = torch.tensor(taps, dtype=torch.float32)
        kernel = t[:, None] * t[None, :]
        self.register_buffer("kernel", (kernel / kernel.sum())[None, None], persistent=False)
        self.stride = stride
        self.pad = len(taps) // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = x.shape[1]
        y = F.pad(x, (self.pad,) * 4, mode="reflect")
        weight = self.kernel.to(y.dtype).expand(c, 1, -1, -1)
        return F.conv2d(y, weight, stride=self.stride, groups=c)  # the same filter on every channel

    def extra_repr(self) -> str:
        return f"stride={self.stride}, size={self.kernel.shape[-1]}"


class MaxBlurPool2d(nn.Module):
    """Anti-aliased max pooling (Zhang 2019's MaxBlurPool): a max over k x k windows at stride 1,
    then BlurPool2d with stride 2. (N, C, H, W) -> (N, C, ceil((H - k + 1) / 2), ceil((W - k + 1) / 2)):
    for k = 2 and even H, W the same size as nn.MaxPool2d(2, 2)."""

    def __init__(self, kernel_size: int = 2, stride: int = 2, taps: Sequence[float] = (1.0, 2.0, 1.0)) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.blur = BlurPool2d(stride, taps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # channels-last memory makes the stride-1 max about twice as fast on a CPU; same numbers
        m = F.max_pool2d(x.contiguous(memory_format=torch.channels_last), self.kernel_size, stride=1)
        return self.blur(m).contiguous()

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, max at stride 1 then blur"


class AntiAliasedLeNet5(LeNet5):
    """LeNet5 with both max poolings replaced by MaxBlurPool2d: same shapes (N, 1, 28, 28) -> (N, 10),
    same 431,080 parameters and state_dict keys, so the weights of one fit the other."""

    def __init__(self) -> None:
        super().__init__()
        self.pool1 = MaxBlurPool2d()
        self.pool2 = MaxBlurPool2d()


def sliding_frames(model: nn.Module, image: torch.Tensor, layers: Sequence[str], shifts: Sequence[int],
                   channels: dict[str, int] | None = None) -> dict[str, torch.Tensor]:
    """The frames of a digit sliding horizontally: for each dx in `shifts`, the shifted image and one
    channel of each layer's map. `image` is (1, H, W) or (1, 1, H, W); `channels` picks the channel
    per layer (default: the one most active on the unshifted image). Returns {"input": (F, H, W),
    layer: (F, h, w) for each layer, "probs": (F, K) class probabilities, "shifts": (F,)}."""
    x = image.unsqueeze(0) if image.dim() == 3 else image
    check_images(x, "sliding_frames")
    dx = torch.tensor(list(shifts))
    batch = shift(x.expand(len(dx), -1, -1, -1), torch.zeros_like(dx), dx)
    outs = _maps(model, torch.cat([x, batch]), layers)  # the unshifted image first
    frames = {"input": batch[:, 0], "shifts": dx}
    for name in layers:
        if outs[name].dim() != 4:
            raise ValueError(f"Layer {name!r} has no spatial map to animate (output {tuple(outs[name].shape)}); pick conv or pooling layers.")
        k = channels[name] if channels is not None else int(outs[name][0].flatten(1).mean(1).argmax())
        frames[name] = outs[name][1:, k]
    frames["probs"] = predict(model, batch).exp()
    return frames


def feature_map_animation(frames: dict[str, torch.Tensor], layers: Sequence[str], *, interval: int = 250,
                          title: str = "", dpi: int = 72) -> tuple[Figure, FuncAnimation]:
    """A FuncAnimation of sliding_frames' output: the input, each layer's map (fixed colour scale over
    all frames, so the motion shows) and the class probabilities as bars. `dpi` sets the figure's
    resolution (save_gif can override it). Returns (figure, animation)."""
    panels = ["input", *layers]
    n = len(frames["input"])
    fig, axes = plt.subplots(1, len(panels) + 1, figsize=(1.5 * (len(panels) + 1) + 0.6, 2.0),
                             gridspec_kw={"width_ratios": [1] * len(panels) + [1.4]}, dpi=dpi)
    images = []
    for ax, name in zip(axes, panels):
        data = frames[name]
        im = ax.imshow(data[0].numpy(), cmap="gray_r" if name == "input" else "viridis",
                       vmin=float(data.min()), vmax=float(data.max()))
        size = tuple(data.shape[-2:])
        ax.set_title(f"{name} {size[0]}x{size[1]}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
        images.append(im)
    bar_ax = axes[-1]
    probs = frames["probs"]
    bars = bar_ax.bar(range(probs.shape[1]), probs[0].numpy(), color="tab:blue")
    bar_ax.set_ylim(0, 1)
    bar_ax.set_xticks(range(probs.shape[1]))
    bar_ax.tick_params(labelsize=6)
    bar_ax.set_title("class probability", fontsize=8)
    label = fig.suptitle("", fontsize=9)
    fig.tight_layout()

    def update(i: int):
        for im, name in zip(images, panels):
            im.set_data(frames[name][i].numpy())
        for b, p in zip(bars, probs[i].tolist()):
            b.set_height(p)
        label.set_text(f"{title}shift {int(frames['shifts'][i]):+d} px, predicted {int(probs[i].argmax())}")
        return [*images, *bars, label]

    update(0)
    anim = FuncAnimation(fig, update, frames=n, interval=interval, blit=False)
    return fig, anim
