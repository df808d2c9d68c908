"""Save matplotlib animations as GIFs under images/ (introduced in 05_shift_equivariance, reused in 07).

Notebooks show an animation inline with ``inline_html(anim, "name")`` (matplotlib's JavaScript player,
with stable element ids so a stored notebook is the same on every run) and keep a copy for the README
with ``save_gif(anim, "NN_name.gif")``. Like helpers.plots.save_figure, nothing is written when the
environment variable CONVNETS_IMAGES is 0 (as `make test` sets it).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from matplotlib.animation import Animation, PillowWriter

from helpers.plots import images_dir

MAX_MB = 2.0  # the course keeps every GIF under 2 MB so the repository stays light


def inline_html(anim: Animation, name: str, **to_jshtml_args):
    """`anim` as matplotlib's inline JavaScript player (IPython HTML), its element ids built from `name`.

    matplotlib names the player's elements with a random id, so the same animation would store
    differently on every run; `name` (letters, digits, underscores; unique in the notebook) replaces it.
    Keyword arguments go to Animation.to_jshtml (fps, default_mode, ...).
    """
    from IPython.display import HTML

    if not isinstance(anim, Animation):
        raise TypeError(f"inline_html expects a matplotlib Animation (e.g. FuncAnimation), got {type(anim).__name__}.")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"inline_html needs a name of letters, digits and underscores, like 'sliding_digit'; got {name!r}.")
    html = anim.to_jshtml(**to_jshtml_args)
    ids = set(re.findall(r"_anim_img([0-9a-f]{32})", html))
    for random_id in ids:
        html = html.replace(random_id, name)
    return HTML(html)


def images_enabled() -> bool:
    """Whether notebooks may write images/: false when env CONVNETS_IMAGES is 0."""
    return os.environ.get("CONVNETS_IMAGES", "1").strip() != "0"


def save_gif(anim: Animation, name: str, fps: float = 4, *, dpi: int = 60, max_mb: float = MAX_MB) -> Path | None:
    """Save `anim` (a matplotlib FuncAnimation) as images/<name> with the Pillow writer, looping forever.

    `fps` frames per second; `dpi` sets the pixel size (a 6x2 inch figure at dpi 60 is 360x120 px).
    Returns the path, or None when env CONVNETS_IMAGES is 0. A file larger than `max_mb` megabytes
    is deleted and raises ValueError, so an oversized GIF never reaches the repository.
    """
    if not isinstance(anim, Animation):
        raise TypeError(f"save_gif expects a matplotlib Animation (e.g. FuncAnimation), got {type(anim).__name__}.")
    if not isinstance(name, str) or not name.lower().endswith(".gif") or Path(name).name != name or name.startswith("."):
        raise ValueError(f"save_gif needs a plain file name ending in .gif, like '05_sliding_digit.gif'; got {name!r}.")
    if not fps > 0 or not dpi > 0 or not max_mb > 0:
        raise ValueError(f"save_gif needs fps > 0, dpi > 0 and max_mb > 0, got fps={fps}, dpi={dpi}, max_mb={max_mb}.")
    if not images_enabled():
        return None
    path = images_dir() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    anim.save(str(path), writer=PillowWriter(fps=fps), dpi=dpi)
    size_mb = path.stat().st_size / 1e6
    if size_mb > max_mb:
        path.unlink()
        raise ValueError(f"{name} would be {size_mb:.1f} MB, over the {max_mb} MB limit; use fewer frames, a smaller figure or a lower dpi.")
    return path
