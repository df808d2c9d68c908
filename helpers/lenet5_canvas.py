"""04's drawing canvas: write a digit and see LeNet5's ten probabilities and first-layer maps (04_lenet5)."""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F
from matplotlib.figure import Figure

from helpers.anatomy import run_layers
from helpers.canvas import DrawingApp
from helpers.drawing import CANVAS, Drawing, drawn_digit

__all__ = ["DigitReading", "read_digit", "mosaic", "plot_digit_reading", "lenet5_pad"]


@dataclass
class DigitReading:
    """One drawing read by a LeNet5: the image it saw (1, 1, 28, 28), probabilities (10,), relu(conv1) (C, h, w)."""

    image: torch.Tensor
    probabilities: torch.Tensor
    maps: torch.Tensor

    @property
    def digit(self) -> int:
        return int(self.probabilities.argmax())

    @property
    def answer(self) -> str:
        return f"LeNet5 reads a {self.digit} ({100 * float(self.probabilities.max()):.0f}% sure)."

    def figure(self) -> Figure:
        return plot_digit_reading(self)


def _check_lenet(model: nn.Module, who: str) -> None:
    conv1 = getattr(model, "conv1", None)
    if not isinstance(conv1, nn.Conv2d) or conv1.in_channels != 1:
        raise TypeError(f"{who} needs a built net whose first layer is a one-channel nn.Conv2d named conv1, "
                        "as LeNet5() has; pass the LeNet5 you trained, not its class.")


def read_digit(model: nn.Module, strokes: Drawing, width: int, height: int) -> DigitReading:
    """A drawing read by `model`, a LeNet5: (N, 1, 28, 28) in [0, 1] -> (N, 10) logits or log-probabilities."""
    _check_lenet(model, "read_digit")
    image = drawn_digit(strokes, width, height)
    outputs = {out.name: out.output[0].float().cpu() for out in run_layers(model, image, ["conv1", ""])}
    return DigitReading(image=image, probabilities=torch.softmax(outputs[""], dim=0), maps=F.relu(outputs["conv1"]))


def mosaic(maps: torch.Tensor, ncols: int = 5) -> torch.Tensor:
    """Feature maps (C, h, w) tiled in rows of `ncols`, nan between them, each scaled to its maximum (or left all 0)."""
    c, h, w = maps.shape
    tiles = torch.full((-(-c // ncols) * ncols, h + 1, w + 1), float("nan"))
    tiles[:c, :h, :w] = maps / maps.flatten(1).amax(1).clamp(min=1e-8).view(-1, 1, 1)
    return tiles.reshape(-1, ncols, h + 1, w + 1).transpose(1, 2).flatten(0, 1).flatten(1)[:-1, :-1]


def plot_digit_reading(reading: DigitReading) -> Figure:
    """What LeNet5 saw, its ten probabilities (the answer in red) and its first-layer feature maps."""
    fig, axes = plt.subplots(1, 3, figsize=(9.6, 2.6), gridspec_kw={"width_ratios": [1, 1.5, 2.2]})
    axes[0].imshow(reading.image[0, 0].numpy(), cmap="gray_r", vmin=0, vmax=1)
    axes[0].set_title("what LeNet5 sees (28x28)", fontsize=9)
    axes[0].axis("off")
    colours = ["tab:red" if k == reading.digit else "tab:gray" for k in range(10)]
    axes[1].bar(range(10), reading.probabilities.numpy(), color=colours)
    axes[1].set(ylim=(0, 1), xticks=range(10))
    axes[1].tick_params(labelsize=7)
    axes[1].set_title("probabilities", fontsize=9)
    axes[2].imshow(mosaic(reading.maps).numpy(), cmap="magma", vmin=0, vmax=1)
    axes[2].set_title(f"conv1: {len(reading.maps)} feature maps (after ReLU)", fontsize=9)
    axes[2].axis("off")
    fig.suptitle(reading.answer, fontsize=10)
    fig.tight_layout()
    return fig


def lenet5_pad(model: nn.Module) -> DrawingApp:
    """04's canvas, whose digit `model` reads each time the pen lifts."""
    _check_lenet(model, "lenet5_pad")
    return DrawingApp(lambda strokes, w, h: read_digit(model, strokes, w, h), width=CANVAS, height=CANVAS,
                      stand_in="A canvas for LeNet5: draw a digit (open the notebook in Jupyter to draw).")
