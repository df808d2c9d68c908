"""01's pixel pad: draw a digit and ask the proto-CNNs (01_proto_cnns; pure ipywidgets, 7 and 8).

The pixel pad (01_proto_cnns): a 16x16 grid of toggle buttons that the learner draws a digit
on, with Clear and Predict buttons and a bar chart of every net's answer. Its logic lives in
plain functions that need no browser (and are tested): `parse_drawing` and `pad_to_tensor`
(grid -> tensor), `centre_drawing`, `predict_drawing` (-> `PadAnswer`) and `plot_answer`.
Only `PixelPad` touches ipywidgets, and it is imported lazily, so importing this module needs
neither ipywidgets nor a running kernel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import torch
import torch.nn as nn
from matplotlib.figure import Figure

from helpers.augment import shift
from helpers.inputs import finite_range
from helpers.plots import figure_png

# ---------------------------------------------------------------- pixel pad (01_proto_cnns)

PAD_SIZE = 16
INK, PAPER = 1.0, -1.0  # pixel values of the 16x16 digits of small_digits: ink +1, background -1
BLANK_MESSAGE = "The pad is empty: click a few squares to draw a digit, then press Predict."
START_MESSAGE = "Draw a digit with strokes two squares wide (like the digits the nets learned from), then press Predict."
INK_CHARS = "#Xx*@1"


def parse_drawing(lines: Sequence[str], size: int = PAD_SIZE) -> torch.Tensor:
    """A drawing written as `size` strings of `size` characters ('#' = ink, '.' = paper) as a
    bool grid (size, size). Ink may be any of '#', 'X', 'x', '*', '@', '1'."""
    if isinstance(lines, str):
        lines = lines.strip("\n").splitlines()
    rows = [line.strip() for line in lines]
    if len(rows) != size or any(len(r) != size for r in rows):
        shape = f"{len(rows)} rows of lengths {sorted({len(r) for r in rows})}"
        raise ValueError(f"A drawing is {size} strings of {size} characters ('#' ink, '.' paper); got {shape}.")
    return torch.tensor([[ch in INK_CHARS for ch in r] for r in rows], dtype=torch.bool)


def pad_to_tensor(cells, size: int = PAD_SIZE) -> torch.Tensor:
    """The pad's cells (a (size, size) bool/0-1 tensor, nested lists, or strings for parse_drawing)
    as one input image (1, 1, size, size): ink +1, paper -1, like helpers.data.small_digits."""
    if isinstance(cells, str) or (isinstance(cells, (list, tuple)) and cells and isinstance(cells[0], str)):
        grid = parse_drawing(cells, size)
    else:
        grid = torch.as_tensor(cells)
    if grid.dim() == 4 and grid.shape[:2] == (1, 1):
        grid = grid[0, 0]
    if tuple(grid.shape) != (size, size):
        raise ValueError(f"The pad holds {size}x{size} cells, got a grid of shape {tuple(grid.shape)}; pass one row list per pad row.")
    on = grid > 0.5 if torch.is_floating_point(grid) else grid.bool()
    return torch.where(on, INK, PAPER).to(torch.float32).reshape(1, 1, size, size)


def is_blank(image: torch.Tensor) -> bool:
    """True when an image in [-1, 1] holds no ink (every pixel at the background value)."""
    return bool((image > PAPER + 1e-6).sum() == 0)


def centre_drawing(image: torch.Tensor) -> torch.Tensor:
    """Move the drawing by whole pixels so its centre of mass (of ink) sits at the field's centre,
    as MNIST centres its digits. Input and output (1, 1, H, W) in [-1, 1]; ink is never pushed off
    the edge (the shift stops at the border); a blank image comes back unchanged."""
    if image.dim() != 4 or image.shape[:2] != (1, 1):
        raise ValueError(f"centre_drawing expects one image of shape (1, 1, H, W), got {tuple(image.shape)}; use pad_to_tensor first.")
    ink = (image - PAPER) / (INK - PAPER)  # [0, 1]: 0 = paper
    if is_blank(image):
        return image.clone()
    h, w = ink.shape[-2:]
    mass = ink[0, 0]
    total = mass.sum()
    rows, cols = torch.arange(h, dtype=mass.dtype), torch.arange(w, dtype=mass.dtype)
    cy = (mass.sum(1) * rows).sum() / total
    cx = (mass.sum(0) * cols).sum() / total
    dy = int(torch.round((h - 1) / 2 - cy))
    dx = int(torch.round((w - 1) / 2 - cx))
    used_r = torch.nonzero(mass.sum(1) > 0).flatten()
    used_c = torch.nonzero(mass.sum(0) > 0).flatten()
    dy = max(-int(used_r[0]), min(dy, h - 1 - int(used_r[-1])))
    dx = max(-int(used_c[0]), min(dx, w - 1 - int(used_c[-1])))
    return shift(ink, dy, dx) * (INK - PAPER) + PAPER  # shift fills with 0, i.e. paper


@dataclass
class PadAnswer:
    """What the nets make of one drawing: the image they saw (1, 1, H, W), each net's class
    probabilities (10,), and a message (the friendly note for a blank pad, else a summary)."""

    image: torch.Tensor | None
    probabilities: dict[str, torch.Tensor] = field(default_factory=dict)
    message: str = ""

    @property
    def blank(self) -> bool:
        return not self.probabilities

    @property
    def predictions(self) -> dict[str, int]:
        """Each net's answer (the most probable digit)."""
        return {name: int(p.argmax()) for name, p in self.probabilities.items()}

    def __str__(self) -> str:
        if self.blank:
            return self.message
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
    """Refuse an image whose pixels are not on the pad's scale: paper -1, ink +1."""
    if not torch.is_floating_point(image):
        raise TypeError(f"predict_drawing reads images of floating-point pixels in [-1, 1], got {image.dtype}; convert raw 0-255 pixels with x.float() / 127.5 - 1.")
    low, high = finite_range(image, "predict_drawing got an image holding nan or inf pixels; draw on the pad, or pass pad_to_tensor(cells).")
    if low < -2.0 or high > 2.0:
        raise ValueError(f"predict_drawing reads pixels in [-1, 1] (paper -1, ink +1), got values in [{low:g}, {high:g}]; convert raw 0-255 pixels with x / 127.5 - 1.")
    if low > -0.5:
        raise ValueError(f"predict_drawing reads pixels with paper at -1 and ink at +1, but the smallest value is {low:g}; convert a [0, 1] image with 2 * x - 1.")
    return image


@torch.no_grad()
def predict_drawing(models: Mapping[str, nn.Module], cells, *, centre: bool = True) -> PadAnswer:
    """Ask every model in `models` (name -> net taking (N, 1, 16, 16), returning logits (N, 10))
    what the drawing `cells` shows. A blank drawing gets BLANK_MESSAGE and no prediction.

    `cells` is anything pad_to_tensor accepts, or an image (1, 1, 16, 16) on the pad's scale (paper
    -1, ink +1). An image off that scale (0-255 or [0, 1] pixels, nan) is refused with a ValueError,
    not a warning: every net would still answer, confidently and meaninglessly, and the bar chart
    would draw those answers beside a message nobody reads.
    """
    _check_models(models, "predict_drawing")
    image = _check_pad_image(cells) if isinstance(cells, torch.Tensor) and cells.dim() == 4 else pad_to_tensor(cells)
    if is_blank(image):
        return PadAnswer(image=None, message=BLANK_MESSAGE)
    if centre:
        image = centre_drawing(image)
    probs = {}
    for name, model in models.items():
        was_training = model.training
        model.eval()
        try:
            device = next(model.parameters()).device
            probs[name] = torch.softmax(model(image.to(device)).float(), dim=1)[0].cpu()
        finally:
            model.train(was_training)
    votes = [int(p.argmax()) for p in probs.values()]
    best = max(set(votes), key=lambda d: (votes.count(d), -d))
    message = f"{votes.count(best)} of {len(votes)} nets read a {best}."
    return PadAnswer(image=image, probabilities=probs, message=message)


def plot_answer(answer: PadAnswer, *, title: str | None = None) -> Figure:
    """The image the nets saw and one bar chart of class probabilities per net (answer in red)."""
    if answer.blank:
        fig, ax = plt.subplots(figsize=(6, 1.2))
        ax.axis("off")
        ax.text(0.5, 0.5, answer.message, ha="center", va="center", wrap=True)
        return fig
    n = len(answer.probabilities)
    fig, axes = plt.subplots(1, n + 1, figsize=(1.9 * (n + 1), 2.3), gridspec_kw={"width_ratios": [1.2] + [1] * n})
    axes[0].imshow(answer.image[0, 0].numpy(), cmap="gray_r", vmin=PAPER, vmax=INK)
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
    fig.suptitle(title or answer.message, fontsize=10)
    fig.tight_layout()
    return fig


class PixelPad:
    """A 16x16 drawing pad for a notebook: click squares to ink them, then press Predict to see
    every net's answer as a bar chart; Clear wipes the pad.

    `models` maps names to nets taking (N, 1, 16, 16) in [-1, 1]. Display it by making it the
    last value of a cell (or `display(pad)`). Its state is reachable without a browser:
    `cells` (bool (16, 16)), `set_drawing(...)`, `clear()`, `predict()` and `status.value`.
    Uses only widgets and attributes that ipywidgets 7 and 8 share.
    """

    def __init__(self, models: Mapping[str, nn.Module], *, size: int = PAD_SIZE, cell_px: int = 20, centre: bool = True) -> None:
        try:
            import ipywidgets as widgets
        except ImportError as err:  # pragma: no cover - depends on the environment
            raise ImportError("The pixel pad needs ipywidgets: run `pip install ipywidgets` (or `make lab`).") from err
        _check_models(models, "PixelPad")
        self.models = dict(models)
        self.size = size
        self.centre = centre
        self.last_answer: PadAnswer | None = None
        cell_layout = widgets.Layout(width=f"{cell_px}px", height=f"{cell_px}px", padding="0px", margin="0px")
        self.buttons = [widgets.ToggleButton(value=False, description="", layout=cell_layout) for _ in range(size * size)]
        for b in self.buttons:
            b.observe(self._paint, names="value")
        self.grid = widgets.GridBox(self.buttons, layout=widgets.Layout(
            grid_template_columns=f"repeat({size}, {cell_px}px)", grid_gap="1px", width="max-content"))
        self.clear_button = widgets.Button(description="Clear", layout=widgets.Layout(width="90px"))
        self.predict_button = widgets.Button(description="Predict", layout=widgets.Layout(width="90px"))
        self.clear_button.on_click(lambda _b: self.clear())
        self.predict_button.on_click(lambda _b: self.predict())
        self.status = widgets.Label(value=START_MESSAGE)
        # The chart is a PNG in an Image widget: plain widget state, no output capture, so the pad
        # behaves the same in JupyterLab, classic Notebook, Colab and a headless notebook runner.
        self.chart = widgets.Image(value=b"", format="png", layout=widgets.Layout(display="none"))
        self.widget = widgets.VBox([
            widgets.HBox([self.grid, widgets.VBox([self.predict_button, self.clear_button])]),
            self.status, self.chart,
        ])

    @staticmethod
    def _paint(change) -> None:
        change["owner"].button_style = "primary" if change["new"] else ""

    @property
    def cells(self) -> torch.Tensor:
        """The pad's cells as a bool grid (size, size), True = ink."""
        return torch.tensor([b.value for b in self.buttons], dtype=torch.bool).reshape(self.size, self.size)

    def set_drawing(self, cells) -> None:
        """Ink the pad with a drawing (anything pad_to_tensor accepts)."""
        image = pad_to_tensor(cells, self.size)
        for b, v in zip(self.buttons, (image.flatten() > 0).tolist()):
            b.value = bool(v)

    def clear(self) -> None:
        """Wipe the pad and the answer."""
        for b in self.buttons:
            b.value = False
        self.last_answer = None
        self.status.value = START_MESSAGE
        self._show_chart(None)

    def predict(self) -> PadAnswer:
        """Ask every net about the drawing; show the message and the bar chart; return the answer."""
        answer = predict_drawing(self.models, self.cells, centre=self.centre)
        self.last_answer = answer
        self.status.value = answer.message
        self._show_chart(None if answer.blank else answer)
        return answer

    def _show_chart(self, answer: PadAnswer | None) -> None:
        if answer is None:
            self.chart.layout.display = "none"
            self.chart.value = b""
            return
        self.chart.value = figure_png(plot_answer(answer))
        self.chart.layout.display = ""

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        # The live widget for Jupyter, and a short text for GitHub and text-only viewers.
        return {
            "text/plain": f"PixelPad: a {self.size}x{self.size} drawing pad for {len(self.models)} nets (open the notebook in Jupyter to draw).",
            "application/vnd.jupyter.widget-view+json": {"version_major": 2, "version_minor": 0, "model_id": self.widget.model_id},
        }
