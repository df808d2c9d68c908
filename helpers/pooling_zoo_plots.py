"""Figures of one window and one feature map pooled, and sliders for Lp's p and LSE's b over them (03_pooling_zoo)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from helpers.plots import described_box, figure_png, finish
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
    """A window (kh, kw), how much each input moves its Lp and LSE values (their gradients), a bar per pooling."""
    vals = window_values(window, p, b)
    w, k = window[None, None], tuple(window.shape)
    fig, axes = plt.subplots(1, 4, figsize=(12, 2.8), gridspec_kw={"width_ratios": [1, 1, 1, 1.6]})
    panels = ((window, "window"), (input_gradient(w, lp_pool, k, p=p)[0, 0], f"Lp weights, p={p:.3g}"),
              (input_gradient(w, lse_pool, k, b=b)[0, 0], f"LSE weights = softmax(b x), b={b:.3g}"))
    for ax, (img, title) in zip(axes, panels):
        ax.imshow(img.detach().numpy(), cmap="viridis")
        lo, hi = float(img.min()), float(img.max())
        for n, v in enumerate(img.flatten().tolist()):
            bright = hi > lo and (v - lo) / (hi - lo) > 0.6  # dark text on the yellow end of viridis
            ax.text(n % img.shape[1], n // img.shape[1], f"{v:.2f}", ha="center", va="center", fontsize=8,
                    color="black" if bright else "white")
        ax.set_title(title, fontsize=9)
        ax.set(xticks=[], yticks=[])
    ax = axes[3]
    ax.barh(list(vals), list(vals.values()), color=["C3", "C0", "C1", "C2", "C4"])
    ax.axvline(vals["max"], color="C3", ls="--", lw=1)
    ax.axvline(vals["average"], color="C0", ls=":", lw=1)
    ax.invert_yaxis()
    ax.set_xlabel("pooled value")
    ax.set_title("Lp lies above max; LSE (1/n) between mean and max", fontsize=9)
    return finish(fig)


def plot_pooled_maps(fmap: torch.Tensor, p: float, b: float) -> Figure:
    """A feature map and its four pooled versions side by side, each on its own colour scale."""
    maps = pooled_maps(fmap, p, b)
    fig, axes = plt.subplots(1, 5, figsize=(12, 2.7))
    titles = {"Lp": f"Lp, p={p:.3g}", "LSE (1/n)": f"LSE (1/n), b={b:.3g}"}
    for ax, (name, img) in zip(axes, [("feature map", fmap), *maps.items()]):
        ax.imshow(img.detach().numpy(), cmap="magma")
        ax.set_title(titles.get(name, name), fontsize=9)
        ax.axis("off")
    return finish(fig, "2x2 pooling, stride 2")


def pooling_sliders(window: torch.Tensor, fmap: torch.Tensor, *, p: float = 2.0, b: float = 1.0):
    """Log-scale sliders for p in [1, 64] and b in [0.01, 100] above plot_window and plot_pooled_maps as images."""
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


SLIDERS_TEXT = "Pooling sliders: p (Lp) and b (log-sum-exp) redraw both figures (open the notebook in Jupyter to move them)."
