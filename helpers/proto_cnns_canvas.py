"""01's drawing pad: write a digit with the mouse and ask the five proto-CNNs (01_proto_cnns)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
from matplotlib.figure import Figure

from helpers.canvas import DrawingApp
from helpers.data import BACKGROUND, resize
from helpers.drawing import CANVAS, Drawing, drawn_digit
from helpers.inputs import check_images, finite_range
from helpers.train import predict

__all__ = ["PAD_SIZE", "INK", "pad_image", "PadAnswer", "predict_drawing", "plot_answer", "proto_pad"]

PAD_SIZE = 16  # the side of the 1989 digits the five nets read
INK = 1.0  # the pixel value of ink in small_digits (the background is helpers.data.BACKGROUND, -1)


def pad_image(strokes: Drawing, width: int, height: int) -> torch.Tensor:
    """drawn_digit's image as small_digits makes digits: resampled by area to (1, 1, 16, 16), paper -1, ink up to +1."""
    return resize(drawn_digit(strokes, width, height), PAD_SIZE) * (INK - BACKGROUND) + BACKGROUND


@dataclass
class PadAnswer:
    """What the nets make of one drawing: the image they saw (1, 1, 16, 16) and each net's class probabilities (10,)."""

    image: torch.Tensor
    probabilities: dict[str, torch.Tensor]

    @property
    def predictions(self) -> dict[str, int]:
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
    if not isinstance(models, Mapping) or not models or not all(isinstance(m, nn.Module) for m in models.values()):
        raise TypeError(f"{who} takes the nets as a non-empty dict of names to built models; "
                        "pass a dict like {'Net1': net1} of models such as Net1(), not a single net or a class.")


def predict_drawing(models: Mapping[str, nn.Module], image: torch.Tensor) -> PadAnswer:
    """Each net's class probabilities for one image (1, 1, 16, 16) of paper -1 and ink +1 (off that scale: refused)."""
    _check_models(models, "predict_drawing")
    check_images(image, "predict_drawing", dims=None)
    if tuple(image.shape) != (1, 1, PAD_SIZE, PAD_SIZE):
        raise ValueError(f"predict_drawing reads one 16x16 image of shape (1, 1, 16, 16), got {tuple(image.shape)}; make it with pad_image(strokes, width, height).")
    low, high = finite_range(image, "predict_drawing got an image holding nan or inf pixels; make it with pad_image(strokes, width, height).")
    if low < -2.0 or high > 2.0 or low > -0.5:
        raise ValueError(f"predict_drawing reads pixels with paper at -1 and ink at +1, got values in [{low:g}, "
                         f"{high:g}]; convert 0-255 pixels with x / 127.5 - 1 and [0, 1] pixels with 2 * x - 1.")
    probs = {name: torch.softmax(predict(model, image).float(), dim=1)[0] for name, model in models.items()}
    return PadAnswer(image=image, probabilities=probs)


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
        ax.set(ylim=(0, 1), xticks=range(len(p)))
        ax.tick_params(labelsize=7)
        ax.set_title(f"{name}: {best}", fontsize=9)
        if ax is not axes[1]:
            ax.set_yticklabels([])
    axes[1].set_ylabel("probability", fontsize=8)
    fig.suptitle(title or answer.answer, fontsize=10)
    fig.tight_layout()
    return fig


def proto_pad(models: Mapping[str, nn.Module]) -> DrawingApp:
    """01's drawing pad: a canvas whose digit every net in `models` reads each time the pen lifts."""
    _check_models(models, "proto_pad")
    nets = dict(models)
    return DrawingApp(lambda s, w, h: predict_drawing(nets, pad_image(s, w, h)), width=CANVAS, height=CANVAS,
                      stand_in=f"A drawing pad read by {len(nets)} nets at 16x16 (open the notebook in Jupyter to draw).")
