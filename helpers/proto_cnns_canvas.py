"""01's drawing pad: write a digit with the mouse and ask the five proto-CNNs (01_proto_cnns).

The pad is a DrawingCanvas (helpers.canvas); what it does with a drawing is plain, tested Python:
`pad_image` (strokes -> the 16x16 image the nets read, placed like MNIST by helpers.drawing, then
area-resampled to 16x16 and scaled to [-1, 1] exactly as `small_digits` makes its digits),
`predict_drawing` (image -> every net's probabilities, a `PadAnswer`), `read_pad` (both) and
`plot_answer` (the image and a bar chart per net). `proto_pad(models)` wires them to a canvas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
from matplotlib.figure import Figure

from helpers.data import BACKGROUND, resize
from helpers.drawing import CANVAS, Drawing, drawn_digit
from helpers.inputs import finite_range
from helpers.train import predict

if TYPE_CHECKING:
    from helpers.canvas import DrawingApp

__all__ = ["PAD_SIZE", "INK", "pad_image", "PadAnswer", "predict_drawing", "read_pad", "plot_answer", "proto_pad"]

PAD_SIZE = 16  # the side of the 1989 digits the five nets read
INK = 1.0  # the pixel value of ink in small_digits (the background is helpers.data.BACKGROUND, -1)


def pad_image(strokes: Drawing, width: int, height: int) -> torch.Tensor:
    """A drawing as the five nets read digits: (1, 1, 16, 16), paper -1, ink up to +1.

    The drawing is placed the MNIST way on a 28x28 field (helpers.drawing.drawn_digit: ink fitted to
    20x20, centre of mass in the middle), then resampled to 16x16 by area, as `small_digits` does.
    A blank canvas, a dot or a scribble raises helpers.drawing.DrawingProblem with a message.
    """
    return resize(drawn_digit(strokes, width, height), PAD_SIZE) * (INK - BACKGROUND) + BACKGROUND


@dataclass
class PadAnswer:
    """What the nets make of one drawing: the image they saw (1, 1, 16, 16) and each net's class
    probabilities (10,); `answer` is one line (how many nets read which digit)."""

    image: torch.Tensor
    probabilities: dict[str, torch.Tensor] = field(default_factory=dict)

    @property
    def predictions(self) -> dict[str, int]:
        """Each net's answer (the most probable digit)."""
        return {name: int(p.argmax()) for name, p in self.probabilities.items()}

    @property
    def answer(self) -> str:
        votes = list(self.predictions.values())
        best = max(set(votes), key=lambda d: (votes.count(d), -d))
        return f"{votes.count(best)} of {len(votes)} nets read a {best}."

    def figure(self) -> Figure:
        return plot_answer(self)

    def __str__(self) -> str:
        return "\n".join(f"{name}: {int(p.argmax())} ({100 * float(p.max()):.0f}% sure)" for name, p in self.probabilities.items())


def _check_models(models: Mapping[str, nn.Module], who: str) -> None:
    """Refuse anything but a non-empty dict of names to built nets."""
    if isinstance(models, nn.Module) or not isinstance(models, Mapping):
        raise TypeError(f"{who} takes the nets as a dict of names to models, got {type(models).__name__}; pass a dict like {{'Net1': net1}}.")
    if not models:
        raise ValueError(f"{who} needs at least one model, as a dict like {{'Net1': net1}}.")
    for name, model in models.items():
        if not isinstance(model, nn.Module):
            raise TypeError(f"{who}: {name!r} maps to a {type(model).__name__}, not a built net; pass a model such as Net1(), not the class or its outputs.")


def _check_pad_image(image: torch.Tensor) -> torch.Tensor:
    """Refuse an image that is not one 16x16 digit with paper at -1 and ink at +1."""
    if not isinstance(image, torch.Tensor):
        raise TypeError(f"predict_drawing reads one image tensor (1, 1, 16, 16), got {type(image).__name__}; make it with pad_image(strokes, width, height).")
    if tuple(image.shape) != (1, 1, PAD_SIZE, PAD_SIZE):
        raise ValueError(f"predict_drawing reads one 16x16 image of shape (1, 1, 16, 16), got {tuple(image.shape)}; make it with pad_image(strokes, width, height).")
    if not torch.is_floating_point(image):
        raise TypeError(f"predict_drawing reads images of floating-point pixels in [-1, 1], got {image.dtype}; convert raw 0-255 pixels with x.float() / 127.5 - 1.")
    low, high = finite_range(image, "predict_drawing got an image holding nan or inf pixels; make it with pad_image(strokes, width, height).")
    if low < -2.0 or high > 2.0:
        raise ValueError(f"predict_drawing reads pixels in [-1, 1] (paper -1, ink +1), got values in [{low:g}, {high:g}]; convert raw 0-255 pixels with x / 127.5 - 1.")
    if low > -0.5:
        raise ValueError(f"predict_drawing reads pixels with paper at -1 and ink at +1, but the smallest value is {low:g}; convert a [0, 1] image with 2 * x - 1.")
    return image


def predict_drawing(models: Mapping[str, nn.Module], image: torch.Tensor) -> PadAnswer:
    """Ask every model in `models` (name -> net taking (N, 1, 16, 16), returning logits (N, 10))
    what the image (1, 1, 16, 16), paper -1 and ink +1, shows.

    An image off that scale (0-255 or [0, 1] pixels, nan) is refused with a ValueError, not a
    warning: every net would still answer, confidently and meaninglessly.
    """
    _check_models(models, "predict_drawing")
    image = _check_pad_image(image)
    probs = {name: torch.softmax(predict(model, image).float(), dim=1)[0]
             for name, model in models.items()}  # each net in eval mode on its own device, its mode kept
    return PadAnswer(image=image, probabilities=probs)


def read_pad(models: Mapping[str, nn.Module], strokes: Drawing, width: int, height: int) -> PadAnswer:
    """A drawing read by every net: pad_image, then predict_drawing (which checks the nets)."""
    return predict_drawing(models, pad_image(strokes, width, height))


def plot_answer(answer: PadAnswer, *, title: str | None = None) -> Figure:
    """The image the nets saw and one bar chart of class probabilities per net (answer in red)."""
    n = len(answer.probabilities)
    fig, axes = plt.subplots(1, n + 1, figsize=(1.9 * (n + 1), 2.3), gridspec_kw={"width_ratios": [1.2] + [1] * n})
    axes[0].imshow(answer.image[0, 0].numpy(), cmap="gray_r", vmin=BACKGROUND, vmax=INK)
    axes[0].set_title("what the nets see", fontsize=9)
    axes[0].axis("off")
    for ax, (name, p) in zip(axes[1:], answer.probabilities.items()):
        best = int(p.argmax())
        ax.bar(range(len(p)), p.numpy(), color=["tab:red" if k == best else "tab:gray" for k in range(len(p))])
        ax.set_ylim(0, 1)
        ax.set_xticks(range(len(p)))
        ax.tick_params(labelsize=7)
        ax.set_title(f"{name}: {best}", fontsize=9)
        if ax is not axes[1]:
            ax.set_yticklabels([])
    axes[1].set_ylabel("probability", fontsize=8)
    fig.suptitle(title or answer.answer, fontsize=10)
    fig.tight_layout()
    return fig


def proto_pad(models: Mapping[str, nn.Module], *, side: int = CANVAS) -> DrawingApp:
    """01's drawing pad: a `side` x `side` canvas whose digit every net in `models` reads (as a
    16x16 image, see pad_image) each time the pen lifts, with a bar chart per net."""
    from helpers.canvas import DrawingApp

    _check_models(models, "proto_pad")
    nets = dict(models)
    return DrawingApp(lambda strokes, w, h: read_pad(nets, strokes, w, h), width=side, height=side,
                      stand_in=f"A drawing pad read by {len(nets)} nets at 16x16 (open the notebook in Jupyter to draw).")
