"""Figures, an animation and a slider of one stroke moving through a digit (07_feature_binding), from its sweeps."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure

from helpers.feature_binding_strokes import VIEWS, StrokePath, Sweep, switches
from helpers.plots import described_box, figure_png, finish, panels
from helpers.raster import placed

__all__ = ["CLASS_COLOURS", "tile", "frame_text", "draw_strokes", "plot_paths", "plot_sweeps", "plot_layers",
           "plot_progress", "frame_figure", "animate", "binding_slider", "SLIDER_TEXT"]

CLASS_COLOURS = plt.get_cmap("tab10").colors  # class c is drawn in colour c everywhere
_MAPS_CMAP = plt.get_cmap("magma_r").with_extremes(bad="white")  # light = silent, dark = active; tile's NaN gaps white
_TILES = {"pool1": 5, "pool2": 10}  # columns of the tiled maps


def tile(maps: torch.Tensor, ncols: int) -> torch.Tensor:
    """Feature maps (C, H, W) in a grid of `ncols` columns, a one-pixel NaN gap (background) between them."""
    c, h, w = maps.shape
    rows = (c + ncols - 1) // ncols
    grid = torch.full((rows * ncols, h + 1, w + 1), float("nan"))
    grid[:c, :h, :w] = maps
    return grid.reshape(rows, ncols, h + 1, w + 1).transpose(1, 2).reshape(rows * (h + 1), -1)[:-1, :-1]


def frame_text(sweep: Sweep, step: int) -> str:
    """One line about step `step` of a sweep: position, the answer and its probability."""
    c = int(sweep.predictions[step])
    return f"{sweep.path.name}, position {float(sweep.t[step]):.2f}: reads {c} (p = {float(sweep.confidence[step]):.2f})"


def draw_strokes(ax, path: StrokePath, t: float, *, lw: float = 1.2, alpha: float = 0.8) -> dict:
    """The centre lines of a path's strokes at position t over an image axis (the moving one red, the rest blue)."""
    strokes = placed(path.drawings(torch.tensor([float(t)]))[0])
    return {name: ax.plot(pts[:, 0].numpy(), pts[:, 1].numpy(), color="tab:red" if name == path.moving else "tab:blue",
                          lw=lw, alpha=alpha)[0] for name, pts in strokes.items()}


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
    return finish(fig, "One stroke (red) moves; the others (blue) stay put")


def plot_sweeps(sweeps: Sequence[Sweep], *, threshold: float = 0.8, min_prob: float = 0.1) -> Figure:
    """A panel per sweep: the probability of each class that reaches `min_prob`, a dotted line at `threshold`."""
    fig, axes = panels(len(sweeps), 2, 4.4, 2.6)
    for ax, s in zip(axes, sweeps):
        for c in torch.nonzero(s.probabilities.amax(0) >= min_prob).flatten().tolist():
            ax.plot(s.t.numpy(), s.probabilities[:, c].numpy(), color=CLASS_COLOURS[c], lw=2, label=f"p({c})")
        ax.axhline(threshold, color="grey", ls=":", lw=1)
        order = [int(s.predictions[0])] + [new for _, _, new in switches(s.predictions)]
        ax.set_title(f"{s.path.name}: the net reads " + " -> ".join(map(str, order)), fontsize=10)
        ax.set(xlabel="position of the moving stroke", ylabel="probability", ylim=(-0.03, 1.03))
        ax.legend(fontsize=8, loc="center left")
    return finish(fig)


def plot_layers(views: Mapping[str, torch.Tensor], t: torch.Tensor, steps: Sequence[int], *, title: str = "") -> Figure:
    """What each stage (a row, on one colour scale) sees at some steps of a path (columns); fc1 as a 20x25 grid."""
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
    return finish(fig, title)


def plot_progress(curves: Mapping[str, Mapping[str, torch.Tensor]], t: torch.Tensor) -> Figure:
    """A panel per path: how far each layer has moved from the start digit towards the end digit (progress)."""
    fig, axes = panels(len(curves), 4, 3.2, 2.9, sharey=True)
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
    return finish(fig, "Every hidden layer changes gradually; only the output jumps")


def _frame(sweep: Sweep, views: Mapping[str, torch.Tensor]) -> tuple[Figure, Callable[[int], list]]:
    """A sweep's frame (input and strokes, pool1, pool2, probabilities) and the function showing a step in it."""
    fig, (ax_img, ax_p1, ax_p2, ax_bar) = plt.subplots(1, 4, figsize=(9.0, 2.4),
                                                       gridspec_kw={"width_ratios": [1, 1.15, 1.4, 1.3]})
    img = ax_img.imshow(sweep.images[0, 0].numpy(), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    lines = draw_strokes(ax_img, sweep.path, float(sweep.t[0]), lw=1, alpha=0.7)
    ax_img.set(xlim=(-0.5, 27.5), ylim=(27.5, -0.5))
    maps = [ax.imshow(tile(views[n][0], c).numpy(), cmap=_MAPS_CMAP, vmin=0, vmax=float(views[n].max()),
                      interpolation="nearest") for ax, (n, c) in zip((ax_p1, ax_p2), _TILES.items())]
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
        for m, (n, c) in zip(maps, _TILES.items()):
            m.set_data(tile(views[n][step], c).numpy())
        for bar, p in zip(bars, sweep.probabilities[step].tolist()):
            bar.set_height(p)
        title.set_text(frame_text(sweep, step))
        return [img, *maps, *bars, title, *lines.values()]

    return fig, show


def frame_figure(sweep: Sweep, views: Mapping[str, torch.Tensor], step: int) -> Figure:
    """One step of a sweep as a figure (its input, pool1, pool2, probabilities); `views` = lenet_views(sweep.images)."""
    fig, show = _frame(sweep, views)
    show(step)
    return fig


def animate(sweep: Sweep, views: Mapping[str, torch.Tensor], *, bounce: bool = True) -> FuncAnimation:
    """The stroke moving along a sweep (there and back when `bounce`): show it with helpers.animation.save_gif."""
    fig, show = _frame(sweep, views)
    steps = list(range(len(sweep.t)))
    return FuncAnimation(fig, show, frames=steps + steps[-2:0:-1] if bounce else steps, interval=150, blit=False)


def binding_slider(sweeps: Mapping[str, Sweep], views: Mapping[str, Mapping[str, torch.Tensor]]):
    """A box of a path menu, a slider that moves the stroke, the step's frame_text and its frame_figure as an image."""
    import ipywidgets as widgets

    names = list(sweeps)
    menu = widgets.Dropdown(options=names, value=names[0], description="path")
    slider = widgets.IntSlider(value=0, min=0, max=len(sweeps[names[0]].t) - 1, step=1, description="stroke",
                               continuous_update=True, readout=False)
    text = widgets.Label()
    image = widgets.Image(format="png")

    def redraw(_change=None) -> None:
        s = sweeps[menu.value]
        slider.max = len(s.t) - 1  # a shorter path pulls the slider back within it
        text.value = frame_text(s, slider.value)
        image.value = figure_png(frame_figure(s, views[menu.value], slider.value))

    menu.observe(redraw, names="value")
    slider.observe(redraw, names="value")
    redraw()
    return described_box([menu, slider, text, image], SLIDER_TEXT)


SLIDER_TEXT = "Stroke slider: pick a path and move its stroke; the figure follows (open the notebook in Jupyter to move it)."
