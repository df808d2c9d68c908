"""Pictures, an animation and a slider for moving one stroke of a digit (07_feature_binding), drawn from
sweeps and layer views (helpers.feature_binding_strokes); nothing here trains or changes a model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure

from helpers.feature_binding_strokes import VIEWS, StrokePath, Sweep, switches
from helpers.plots import described_box, figure_png
from helpers.raster import placed

__all__ = ["CLASS_COLOURS", "FIXED_COLOUR", "MOVING_COLOUR", "tile", "frame_text", "draw_strokes", "plot_paths",
           "plot_sweeps", "plot_layers", "plot_progress", "frame_figure", "animate", "binding_slider", "SLIDER_TEXT"]

CLASS_COLOURS = plt.get_cmap("tab10").colors  # class c is drawn in colour c everywhere
FIXED_COLOUR, MOVING_COLOUR = "tab:blue", "tab:red"
_MAPS_CMAP = plt.get_cmap("magma_r").with_extremes(bad="white")  # light = silent, dark = active; tile's NaN gaps white


def tile(maps: torch.Tensor, ncols: int) -> torch.Tensor:
    """Feature maps (C, H, W) side by side in a grid of `ncols` columns with a one-pixel NaN gap
    between them (drawn as background): (rows * (H + 1) - 1, ncols * (W + 1) - 1)."""
    c, h, w = maps.shape
    rows = (c + ncols - 1) // ncols
    out = torch.full((rows * (h + 1) - 1, ncols * (w + 1) - 1), float("nan"))
    for k in range(c):
        r, q = divmod(k, ncols)
        out[r * (h + 1): r * (h + 1) + h, q * (w + 1): q * (w + 1) + w] = maps[k]
    return out


def frame_text(sweep: Sweep, step: int) -> str:
    """One line about step `step` of a sweep: position, the answer and its probability."""
    c = int(sweep.predictions[step])
    return f"{sweep.path.name}, position {float(sweep.t[step]):.2f}: reads {c} (p = {float(sweep.confidence[step]):.2f})"


def draw_strokes(ax, path: StrokePath, t: float, *, lw: float = 1.2, alpha: float = 0.8) -> dict:
    """The centre lines of a path's strokes at position t over an image axis (moving one in red), by name."""
    drawing = path.drawings(torch.tensor([float(t)]))[0]
    lines = {}
    for name, pts in placed(drawing).items():
        colour = MOVING_COLOUR if name == path.moving else FIXED_COLOUR
        lines[name], = ax.plot(pts[:, 0].numpy(), pts[:, 1].numpy(), color=colour, lw=lw, alpha=alpha)
    return lines


def _panels(n: int, ncols: int, width: float, height: float, **kwargs) -> tuple[Figure, list]:
    """A grid of at most `ncols` columns for n panels, the unused cells blank; returns the figure and the n axes."""
    ncols = min(ncols, n)
    nrows = (n + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False, **kwargs)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    return fig, list(axes.flat)[:n]


def plot_paths(paths: Sequence[StrokePath], positions: Sequence[float] = (0.0, 0.25, 0.5, 0.75, 1.0)) -> Figure:
    """Each path (a row) drawn at some positions (columns), its centre lines (draw_strokes) over the ink."""
    t = torch.tensor([float(p) for p in positions])
    fig, axes = plt.subplots(len(paths), len(t), figsize=(1.25 * len(t) + 1.0, 1.25 * len(paths)), squeeze=False)
    for r, path in enumerate(paths):
        images = path.images(t)
        for j, ax in enumerate(axes[r]):
            ax.imshow(images[j, 0].numpy(), cmap="gray_r", vmin=0, vmax=1)
            draw_strokes(ax, path, float(t[j]))
            ax.set(xticks=[], yticks=[], xlim=(-0.5, 27.5), ylim=(27.5, -0.5))
            if r == 0:
                ax.set_title(f"position {float(t[j]):.2f}", fontsize=8)
        axes[r, 0].set_ylabel(path.name, fontsize=9)
    fig.suptitle("One stroke (red) moves; the others (blue) stay put")
    fig.tight_layout()
    return fig


def plot_sweeps(sweeps: Sequence[Sweep], *, threshold: float = 0.8, min_prob: float = 0.1) -> Figure:
    """The class probabilities along each path (one panel per sweep): every class that reaches
    `min_prob` somewhere, in its own colour; the dotted line marks `threshold`."""
    fig, axes = _panels(len(sweeps), 2, 4.4, 2.6)
    for ax, s in zip(axes, sweeps):
        for c in torch.nonzero(s.probabilities.amax(0) >= min_prob).flatten().tolist():
            ax.plot(s.t.numpy(), s.probabilities[:, c].numpy(), color=CLASS_COLOURS[c], lw=2, label=f"p({c})")
        ax.axhline(threshold, color="grey", ls=":", lw=1)
        order = [int(s.predictions[0])] + [new for _, _, new in switches(s.predictions)]
        ax.set_title(f"{s.path.name}: the net reads " + " -> ".join(map(str, order)), fontsize=10)
        ax.set(xlabel="position of the moving stroke", ylabel="probability", ylim=(-0.03, 1.03))
        ax.legend(fontsize=8, loc="center left")
    fig.tight_layout()
    return fig


def plot_layers(views: Mapping[str, torch.Tensor], t: torch.Tensor, steps: Sequence[int], *, title: str = "") -> Figure:
    """What each stage sees at some steps of a path (columns): the input, the 20 maps after pool1,
    the 50 maps after pool2, the 500 fc1 units (as a 20x25 grid) and the 10 probabilities.
    Each row shares one colour scale across steps, so a change means a real change."""
    pictures = {"input": lambda a: a[0], "pool1": lambda a: tile(a, 5), "pool2": lambda a: tile(a, 10),
                "fc1": lambda a: a.reshape(20, 25)}
    fig, axes = plt.subplots(len(VIEWS), len(steps), figsize=(1.75 * len(steps) + 0.8, 8.2), squeeze=False,
                             gridspec_kw={"height_ratios": [1.0, 1.1, 0.6, 0.9, 0.8]})
    for r, name in enumerate(VIEWS):
        vmax = float(views[name][list(steps)].max()) or 1.0
        for j, i in enumerate(steps):
            ax = axes[r, j]
            if name == "probabilities":
                ax.bar(range(10), views[name][i].numpy(), color=CLASS_COLOURS[:10])
                ax.set(ylim=(0, 1), xticks=range(10))
                ax.tick_params(labelsize=6)
                ax.set_xlabel(f"reads {int(views[name][i].argmax())}", fontsize=8)
                if j:
                    ax.set_yticklabels([])
            else:
                ax.imshow(pictures[name](views[name][i]).numpy(), cmap="gray_r" if name == "input" else _MAPS_CMAP,
                          vmin=0, vmax=vmax, interpolation="nearest")
                ax.set(xticks=[], yticks=[])
            if r == 0:
                ax.set_title(f"position {float(t[i]):.2f}", fontsize=8)
        axes[r, 0].set_ylabel(name, fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_progress(curves: Mapping[str, Mapping[str, torch.Tensor]], t: torch.Tensor) -> Figure:
    """For each path (a panel), how far each layer's activations have moved from the start digit
    towards the end digit (helpers.feature_binding_strokes.progress), against the stroke's position."""
    fig, axes = _panels(len(curves), 4, 3.2, 2.9, sharey=True)
    shades = plt.get_cmap("viridis")
    for ax, (name, layers) in zip(axes, curves.items()):
        for k, (layer, c) in enumerate(layers.items()):
            last = layer == "probabilities"
            ax.plot(t.numpy(), c.numpy(), lw=2.5 if last else 1.3, color="black" if last else shades(k / max(1, len(layers) - 1)),
                    label=layer)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("position of the moving stroke")
    axes[0].set_ylabel("progress from start to end digit")
    axes[0].legend(fontsize=7)
    fig.suptitle("Every hidden layer changes gradually; only the output jumps")
    fig.tight_layout()
    return fig


def _frame(sweep: Sweep, views: Mapping[str, torch.Tensor]) -> tuple[Figure, Callable[[int], list]]:
    """The frame picture of a sweep (the input with its strokes, pool1 and pool2 maps, probabilities) and
    the function that shows a step in it, returning the artists it changed."""
    fig, (ax_img, ax_p1, ax_p2, ax_bar) = plt.subplots(1, 4, figsize=(9.0, 2.4),
                                                       gridspec_kw={"width_ratios": [1, 1.15, 1.4, 1.3]})
    img = ax_img.imshow(sweep.images[0, 0].numpy(), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    lines = draw_strokes(ax_img, sweep.path, float(sweep.t[0]), lw=1, alpha=0.7)
    ax_img.set(xlim=(-0.5, 27.5), ylim=(27.5, -0.5))
    p1 = ax_p1.imshow(tile(views["pool1"][0], 5).numpy(), cmap=_MAPS_CMAP, vmin=0, vmax=float(views["pool1"].max()),
                      interpolation="nearest")
    p2 = ax_p2.imshow(tile(views["pool2"][0], 10).numpy(), cmap=_MAPS_CMAP, vmin=0, vmax=float(views["pool2"].max()),
                      interpolation="nearest")
    for ax, title in ((ax_img, "input"), (ax_p1, "pool1: 20 maps 12x12"), (ax_p2, "pool2: 50 maps 4x4")):
        ax.set(xticks=[], yticks=[])
        ax.set_title(title, fontsize=8)
    bars = ax_bar.bar(range(10), sweep.probabilities[0].numpy(), color=CLASS_COLOURS[:10])
    ax_bar.set(ylim=(0, 1), xticks=range(10))
    ax_bar.set_title("probabilities", fontsize=8)
    ax_bar.tick_params(labelsize=7)
    title = fig.suptitle("", fontsize=10)
    fig.tight_layout()

    def show(step: int) -> list:
        img.set_data(sweep.images[step, 0].numpy())
        for name, pts in placed(sweep.path.drawings(sweep.t[step:step + 1])[0]).items():
            lines[name].set_data(pts[:, 0].numpy(), pts[:, 1].numpy())
        p1.set_data(tile(views["pool1"][step], 5).numpy())
        p2.set_data(tile(views["pool2"][step], 10).numpy())
        for bar, p in zip(bars, sweep.probabilities[step].tolist()):
            bar.set_height(p)
        title.set_text(frame_text(sweep, step))
        return [img, p1, p2, *bars, title, *lines.values()]

    return fig, show


def frame_figure(sweep: Sweep, views: Mapping[str, torch.Tensor], step: int) -> Figure:
    """One step of a sweep as a figure (its input, pool1, pool2, probabilities); `views` = lenet_views(sweep.images)."""
    fig, show = _frame(sweep, views)
    show(step)
    return fig


def animate(sweep: Sweep, views: Mapping[str, torch.Tensor], *, interval: int = 150,
            bounce: bool = True) -> FuncAnimation:
    """The stroke moving along a sweep, frame by frame (there and back when `bounce`), as a
    FuncAnimation: save and show it as a GIF with helpers.animation.save_gif."""
    fig, show = _frame(sweep, views)
    steps = list(range(len(sweep.t)))
    if bounce:
        steps = steps + steps[-2:0:-1]
    return FuncAnimation(fig, show, frames=steps, interval=interval, blit=False)


def binding_slider(sweeps: Mapping[str, Sweep], views: Mapping[str, Mapping[str, torch.Tensor]]):
    """A path menu and a slider that moves the stroke; below them a line of text (frame_text) and
    the frame picture of that step (frame_figure) as an image, so that it also runs under nbconvert.
    Returns the box; its `.children` are (menu, slider, text, image). Where no widget can be shown,
    SLIDER_TEXT stands in for it."""
    import ipywidgets as widgets

    names = list(sweeps)
    first = sweeps[names[0]]
    menu = widgets.Dropdown(options=names, value=names[0], description="path")
    slider = widgets.IntSlider(value=0, min=0, max=len(first.t) - 1, step=1, description="stroke",
                               continuous_update=True, readout=False)
    text = widgets.Label(value=frame_text(first, 0))
    image = widgets.Image(format="png")

    def redraw(_change=None) -> None:
        s = sweeps[menu.value]
        step = min(slider.value, len(s.t) - 1)
        text.value = frame_text(s, step)
        image.value = figure_png(frame_figure(s, views[menu.value], step))

    def new_path(_change=None) -> None:
        slider.max = len(sweeps[menu.value].t) - 1
        redraw()

    menu.observe(new_path, names="value")
    slider.observe(redraw, names="value")
    redraw()
    return described_box([menu, slider, text, image], SLIDER_TEXT)


# What stands in for the slider where no widget can be shown (GitHub, nbviewer, the stored notebook).
# At most 110 characters: ipywidgets cuts a widget's text/plain there.
SLIDER_TEXT = "Stroke slider: pick a path and move its stroke; the figure follows (open the notebook in Jupyter to move it)."
