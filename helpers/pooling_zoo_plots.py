"""Figures and sliders for p (Lp pooling) and b (log-sum-exp pooling) over one window and one feature map
(03_pooling_zoo); the sliders draw into Image widgets, so that they also run under nbconvert and nbval.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from helpers.plots import described_box, figure_png
from helpers.pooling_zoo import avg_pool, lp_pool, lse_pool, max_pool
from helpers.pooling_zoo_operators import input_gradient

__all__ = ["NAMES", "window_values", "pooled_maps", "plot_window", "plot_pooled_maps",
           "pooling_sliders", "SLIDERS_TEXT"]

NAMES = ("max", "average", "Lp", "LSE (1/n)", "LSE (no 1/n)")


def _check_2d(t: torch.Tensor, name: str) -> torch.Tensor:
    if t.dim() != 2 or not torch.is_floating_point(t):
        raise ValueError(f"{name} must be a 2-D float tensor (H, W), got {tuple(t.shape)}; pass e.g. feature_maps[0, 0].float().")
    return t


def window_values(window: torch.Tensor, p: float, b: float) -> dict[str, float]:
    """Each pooling of one whole window (kh, kw) as a number, keyed by NAMES."""
    w = _check_2d(window, "window")[None, None]
    k = tuple(w.shape[-2:])
    outs = (max_pool(w, k), avg_pool(w, k), lp_pool(w, k, p=p), lse_pool(w, k, b=b, mean=True), lse_pool(w, k, b=b, mean=False))
    return {name: float(o) for name, o in zip(NAMES, outs)}


def pooled_maps(fmap: torch.Tensor, p: float, b: float) -> dict[str, torch.Tensor]:
    """A feature map (H, W) pooled 2x2 by max, average, Lp and LSE (with 1/n): (H // 2, W // 2) each."""
    x = _check_2d(fmap, "fmap")[None, None]
    return {"max": max_pool(x, 2)[0, 0], "average": avg_pool(x, 2)[0, 0],
            "Lp": lp_pool(x, 2, p=p)[0, 0], "LSE (1/n)": lse_pool(x, 2, b=b)[0, 0]}


def plot_window(window: torch.Tensor, p: float, b: float) -> Figure:
    """One window (kh, kw) with its values, how much each input moves the Lp and LSE values (their
    gradients; LSE's is softmax(b x)), and a bar per pooling."""
    vals = window_values(window, p, b)
    w, k = window[None, None], tuple(window.shape)
    lp_weights, lse_weights = input_gradient(w, lp_pool, k, p=p)[0, 0], input_gradient(w, lse_pool, k, b=b)[0, 0]
    fig, axes = plt.subplots(1, 4, figsize=(12, 2.8), gridspec_kw={"width_ratios": [1, 1, 1, 1.6]})
    panels = ((window, "window"), (lp_weights, f"Lp weights, p={p:.3g}"), (lse_weights, f"LSE weights = softmax(b x), b={b:.3g}"))
    for ax, (img, title) in zip(axes, panels):
        ax.imshow(img.detach().numpy(), cmap="viridis")
        lo, hi = float(img.min()), float(img.max())
        for i in range(img.shape[0]):
            for j in range(img.shape[1]):
                v = float(img[i, j])
                bright = hi > lo and (v - lo) / (hi - lo) > 0.6  # dark text on the yellow end of viridis
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8, color="black" if bright else "white")
        ax.set_title(title, fontsize=9)
        ax.set(xticks=[], yticks=[])
    ax = axes[3]
    names = list(vals)
    ax.barh(names, [vals[n] for n in names], color=["C3", "C0", "C1", "C2", "C4"])
    ax.axvline(vals["max"], color="C3", ls="--", lw=1)
    ax.axvline(vals["average"], color="C0", ls=":", lw=1)
    ax.invert_yaxis()
    ax.set_xlabel("pooled value")
    ax.set_title("Lp lies above max; LSE (1/n) between mean and max", fontsize=9)
    fig.tight_layout()
    return fig


def plot_pooled_maps(fmap: torch.Tensor, p: float, b: float) -> Figure:
    """A feature map and its four pooled versions side by side, each on its own colour scale."""
    maps = pooled_maps(fmap, p, b)
    fig, axes = plt.subplots(1, 5, figsize=(12, 2.7))
    titles = {"Lp": f"Lp, p={p:.3g}", "LSE (1/n)": f"LSE (1/n), b={b:.3g}"}
    for ax, (name, img) in zip(axes, [("feature map", fmap), *maps.items()]):
        ax.imshow(img.detach().numpy(), cmap="magma")
        ax.set_title(titles.get(name, name), fontsize=9)
        ax.axis("off")
    fig.suptitle("2x2 pooling, stride 2")
    fig.tight_layout()
    return fig


def pooling_sliders(window: torch.Tensor, fmap: torch.Tensor, *, p: float = 2.0, b: float = 1.0):
    """Two log-scale sliders (p in [1, 64], b in [0.01, 100]) in an HBox above plot_window and plot_pooled_maps,
    in an ipywidgets VBox; where no widget can be shown, SLIDERS_TEXT stands in for it."""
    import ipywidgets as widgets

    p_slider = widgets.FloatLogSlider(value=p, base=2, min=0, max=6, step=0.25, description="p", continuous_update=False)
    b_slider = widgets.FloatLogSlider(value=b, base=10, min=-2, max=2, step=0.1, description="b", continuous_update=False)
    window_image = widgets.Image(format="png")
    maps_image = widgets.Image(format="png")

    def draw(_change: object = None) -> None:
        window_image.value = figure_png(plot_window(window, p_slider.value, b_slider.value), tight=True)
        maps_image.value = figure_png(plot_pooled_maps(fmap, p_slider.value, b_slider.value), tight=True)

    p_slider.observe(draw, names="value")
    b_slider.observe(draw, names="value")
    draw()
    return described_box([widgets.HBox([p_slider, b_slider]), window_image, maps_image], SLIDERS_TEXT)


# What stands in for the sliders where no widget can be shown (GitHub, nbviewer, the stored notebook).
# At most 110 characters: ipywidgets cuts a widget's text/plain there.
SLIDERS_TEXT = "Pooling sliders: p (Lp) and b (log-sum-exp) redraw both figures (open the notebook in Jupyter to move them)."
