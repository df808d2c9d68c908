"""Shift equivariance measured layer by layer, and anti-aliased pooling as a remedy (05_shift_equivariance)."""

from __future__ import annotations

import math
from typing import Iterable, Iterator, NamedTuple, Sequence

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F
from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure

from helpers.anatomy import pair, run_layers, zero_input
from helpers.augment import shift
from helpers.inputs import check_images
from helpers.lenet5 import LeNet5
from helpers.train import accuracy, check_data, predict

__all__ = ["Pair", "cumulative_strides", "overlap_mask", "equivariance_error", "MapShift", "map_shift", "accuracy_vs_shift", "BlurPool2d", "MaxBlurPool2d", "AntiAliasedLeNet5", "sliding_frames",
           "feature_map_animation"]

Pair = tuple[int, int]


def _maps(model: nn.Module, images: torch.Tensor, layers: Sequence[str]) -> dict[str, torch.Tensor]:
    return {name: out.cpu() for name, _, out in run_layers(model, images, layers)}


def _pairs(model: nn.Module, images: torch.Tensor, dy: int, dx: int, layers: Sequence[str],
           batch_size: int) -> Iterator[tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]]:
    """Batch by batch, the layers' outputs for the images shifted by (dy, dx) and for the originals."""
    for x in images.split(batch_size):
        yield _maps(model, shift(x, dy, dx), layers), _maps(model, x, layers)


def cumulative_strides(model: nn.Module, input_shape: Sequence[int] = (1, 28, 28)) -> dict[str, Pair | None]:
    """Each module's cumulative stride (sy, sx), its leaf modules' `stride`s multiplied; None for non-spatial output."""
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
    """(H, W) mask of the cells where a map shifted by (ky, kx) cells and the original both exist, less `margin`."""
    (h, w), rows, cols = size, torch.arange(size[0]), torch.arange(size[1])
    my = (rows >= max(0, ky) + margin) & (rows < h + min(0, ky) - margin)
    mx = (cols >= max(0, kx) + margin) & (cols < w + min(0, kx) - margin)
    if not (my.any() and mx.any()):
        raise ValueError(f"A shift of ({ky}, {kx}) cells leaves no overlap in a map of size {size}; "
                         "use a smaller shift or margin.")
    return my[:, None] & mx[None, :]


def equivariance_error(model: nn.Module, images: torch.Tensor, dy: int, dx: int, layers: Sequence[str], *,
                       margin: int = 0, batch_size: int = 500,
                       strides: dict[str, Pair | None] | None = None) -> dict[str, float]:
    """{layer: ||f(T x) - T' f(x)|| / ||T' f(x)||} for an input shift T of (dy, dx) pixels, T' the best whole-cell shift
    near (dy/sy, dx/sx) for stride (sy, sx), where both maps exist (less `margin`); none for a non-spatial layer."""
    check_images(images, "equivariance_error")
    strides = cumulative_strides(model, tuple(images.shape[1:])) if strides is None else strides
    sums: dict[str, dict[Pair | None, list[float]]] = {name: {} for name in layers}  # per map shift: [num, den]
    for moved, plain in _pairs(model, images, dy, dx, layers, batch_size):
        for name in layers:
            a, b, s = moved[name], plain[name], strides.get(name)
            cells = [None]  # a non-spatial layer: the invariance error
            if s is not None and a.dim() == 4:
                cells = [(ky, kx) for ky in {math.floor(dy / s[0]), math.ceil(dy / s[0])}
                         for kx in {math.floor(dx / s[1]), math.ceil(dx / s[1])}]
            for key in cells:
                ref = b if key is None else shift(b, *key)
                mask = 1.0 if key is None else overlap_mask(tuple(a.shape[-2:]), *key, margin)
                acc = sums[name].setdefault(key, [0.0, 0.0])
                acc[0] += float(((a - ref) * mask).pow(2).sum())
                acc[1] += float((ref * mask).pow(2).sum())
    return {name: min(math.sqrt(num / max(den, 1e-30)) for num, den in sums[name].values()) for name in layers}


MapShift = NamedTuple("MapShift", [("cells", float), ("residual", float)])  # map_shift's answer for one layer


def map_shift(model: nn.Module, images: torch.Tensor, d: int, layers: Sequence[str], axis: str = "x", *,
              strides: dict[str, Pair | None] | None = None) -> dict[str, MapShift]:
    """How many cells each layer's map moves when the input moves `d` pixels along `axis` ("x" or "y"): f(T x) fitted
    as (1 - a) T_k f(x) + a T_{k+1} f(x), k = d // stride, gives MapShift(k + a, ||f(T x) - fit|| / ||f(T x)||)."""
    check_images(images, "map_shift")
    strides = cumulative_strides(model, tuple(images.shape[1:])) if strides is None else strides
    for name in layers:
        if strides.get(name) is None:
            raise ValueError(f"Layer {name!r} has no spatial output (or no stride could be read); pick a conv or pooling layer.")
    steps = {name: strides[name][1 if axis == "x" else 0] for name in layers}
    sums = {name: [0.0, 0.0, 0.0, 0.0] for name in layers}  # <r, v>, <v, v>, <r, r>, <a, a>
    for moved, plain in _pairs(model, images, *((0, d) if axis == "x" else (d, 0)), layers, 500):
        for name in layers:
            a, b, k = moved[name], plain[name], d // steps[name]
            cells = [(0, j) if axis == "x" else (j, 0) for j in ((k, k) if d % steps[name] == 0 else (k, k + 1))]
            size = tuple(a.shape[-2:])
            mask = overlap_mask(size, *cells[0]) & overlap_mask(size, *cells[1])
            lo, hi = shift(b, *cells[0]), shift(b, *cells[1])
            r, v = (a - lo) * mask, (hi - lo) * mask
            for i, product in enumerate((r * v, v * v, r * r, (a * mask).pow(2))):
                sums[name][i] += float(product.sum())
    out = {}
    for name, (rv, vv, rr, aa) in sums.items():
        alpha = rv / vv if vv > 0 else 0.0
        left = max(rr - 2 * alpha * rv + alpha * alpha * vv, 0.0)  # ||r - alpha v||^2
        out[name] = MapShift(d // steps[name] + alpha, math.sqrt(left / aa) if aa > 0 else 0.0)
    return out


def accuracy_vs_shift(model: nn.Module, data: tuple[torch.Tensor, torch.Tensor], shifts: Iterable[int],
                      axis: str = "x") -> list[float]:
    """The accuracy (percent) on `data` with every image shifted d pixels along `axis` ("x", "y" or "xy"), per d."""
    x, y = check_data(data)
    return [accuracy(model, (shift(x, d if "y" in axis else 0, d if "x" in axis else 0), y)) for d in shifts]


class BlurPool2d(nn.Module):
    """Blur, then subsample (Zhang 2019): the binomial "Tri-3" filter on each channel, stride 2, border reflected."""

    def __init__(self) -> None:
        super().__init__()
        taps = torch.tensor([1.0, 2.0, 1.0])
        self.register_buffer("kernel", (torch.outer(taps, taps) / 16)[None, None], persistent=False)
        self.stride = 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = x.shape[1]
        weight = self.kernel.to(x.dtype).expand(c, 1, -1, -1)  # the same filter on every channel
        return F.conv2d(F.pad(x, (1, 1, 1, 1), mode="reflect"), weight, stride=self.stride, groups=c)

    def extra_repr(self) -> str:
        return f"stride={self.stride}, size={self.kernel.shape[-1]}"


class MaxBlurPool2d(nn.Module):
    """Anti-aliased max pooling (Zhang 2019's MaxBlurPool): a 2x2 max at stride 1, then BlurPool2d."""

    def __init__(self) -> None:
        super().__init__()
        self.kernel_size = 2
        self.blur = BlurPool2d()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # channels-last memory makes the stride-1 max about twice as fast on a CPU; same numbers
        m = F.max_pool2d(x.contiguous(memory_format=torch.channels_last), self.kernel_size, stride=1)
        return self.blur(m).contiguous()

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, max at stride 1 then blur"


class AntiAliasedLeNet5(LeNet5):
    """LeNet5 with MaxBlurPool2d for both poolings: the same shapes and state_dict, so one's weights fit the other."""

    def __init__(self) -> None:
        super().__init__()
        self.pool1 = MaxBlurPool2d()
        self.pool2 = MaxBlurPool2d()


def sliding_frames(model: nn.Module, image: torch.Tensor, layers: Sequence[str],
                   shifts: Sequence[int]) -> dict[str, torch.Tensor]:
    """The frames of a digit (1, H, W) sliding by each dx in `shifts`: {"input": (F, H, W), "shifts": (F,),
    "probs": (F, K) class probabilities, and per layer (F, h, w), its channel most active on the unshifted digit}."""
    x = check_images(image.unsqueeze(0) if image.dim() == 3 else image, "sliding_frames")
    dx = torch.tensor(list(shifts))
    batch = shift(x.expand(len(dx), -1, -1, -1), torch.zeros_like(dx), dx)
    outs = _maps(model, torch.cat([x, batch]), layers)  # the unshifted image first
    frames = {"input": batch[:, 0], "shifts": dx, "probs": predict(model, batch).exp()}
    for name in layers:
        if outs[name].dim() != 4:
            raise ValueError(f"Layer {name!r} has no spatial map to animate (output {tuple(outs[name].shape)}); pick conv or pooling layers.")
        frames[name] = outs[name][1:, int(outs[name][0].flatten(1).mean(1).argmax())]
    return frames


def feature_map_animation(frames: dict[str, torch.Tensor], layers: Sequence[str], *, title: str = "",
                          dpi: int = 72) -> tuple[Figure, FuncAnimation]:
    """(figure, animation) of sliding_frames' output, each map on one colour scale over all frames."""
    panels = ["input", *layers]
    fig, axes = plt.subplots(1, len(panels) + 1, figsize=(1.5 * (len(panels) + 1) + 0.6, 2.0),
                             gridspec_kw={"width_ratios": [1] * len(panels) + [1.4]}, dpi=dpi)
    for ax, name in zip(axes, panels):
        data = frames[name]
        ax.imshow(data[0].numpy(), cmap="gray_r" if name == "input" else "viridis", vmin=float(data.min()),
                  vmax=float(data.max()))
        ax.set_title(f"{name} {data.shape[-2]}x{data.shape[-1]}", fontsize=8)
        ax.set(xticks=[], yticks=[])
    probs = frames["probs"]
    bars = axes[-1].bar(range(probs.shape[1]), probs[0].numpy(), color="tab:blue")
    axes[-1].set(ylim=(0, 1), xticks=range(probs.shape[1]))
    axes[-1].tick_params(labelsize=6)
    axes[-1].set_title("class probability", fontsize=8)
    label = fig.suptitle("", fontsize=9)
    fig.tight_layout()

    def update(i: int) -> None:
        for ax, name in zip(axes, panels):
            ax.images[0].set_data(frames[name][i].numpy())
        for b, p in zip(bars, probs[i].tolist()):
            b.set_height(p)
        label.set_text(f"{title}shift {int(frames['shifts'][i]):+d} px, predicted {int(probs[i].argmax())}")

    update(0)
    return fig, FuncAnimation(fig, update, frames=len(frames["input"]), interval=250, blit=False)
