"""Animations as GIFs: shown inline and saved under images/ (introduced in 05_shift_equivariance, reused in 07).

``save_gif(anim, "NN_name.gif", fps=...)`` renders a matplotlib animation once, as a looping GIF, keeps
a copy in images/ for the README (nothing is written when the environment variable CONVNETS_IMAGES
is 0, as `make test` sets it) and returns an ``AnimatedGif``. Make that the last value of a cell and
the notebook stores the GIF itself: an ``<img>`` with the GIF inline plus the ``image/gif`` data. A
stored GIF plays wherever the notebook is read (JupyterLab, Colab, VS Code, nbviewer, GitHub, an
exported HTML page offline), with no script and no network, which matplotlib's JavaScript player
needs (its buttons' icons come from a CDN).
"""

from __future__ import annotations

import base64
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

from matplotlib.animation import Animation, PillowWriter

from helpers.plots import images_dir, images_enabled

__all__ = ["MAX_MB", "AnimatedGif", "render_gif", "save_gif"]

MAX_MB = 2.0  # the course keeps every GIF under 2 MB so the repository and the notebooks stay light


@dataclass(frozen=True)
class AnimatedGif:
    """A rendered GIF (`data`, its bytes) that a notebook displays as a looping animation.

    `path` is where a copy was saved (None when images are off); `frames` and `size` (width,
    height in pixels) describe it.
    """

    data: bytes
    frames: int
    size: tuple[int, int]
    path: Path | None = None

    @property
    def kilobytes(self) -> float:
        return len(self.data) / 1e3

    def __repr__(self) -> str:
        w, h = self.size
        return f"AnimatedGif: {self.frames} frames, {w}x{h} px, {self.kilobytes:.0f} kB"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """The GIF as HTML (an inline <img>, which every notebook viewer and nbconvert show) and as
        image/gif (for front ends that prefer images), with a text line for plain consoles."""
        b64 = base64.b64encode(self.data).decode("ascii")
        w, h = self.size
        html = f'<img src="data:image/gif;base64,{b64}" width="{w}" height="{h}" alt="{self!r}"/>'
        return {"text/html": html, "image/gif": b64, "text/plain": repr(self)}


def render_gif(anim: Animation, fps: float = 4, *, dpi: int = 60, max_mb: float = MAX_MB) -> AnimatedGif:
    """Render `anim` (a matplotlib FuncAnimation) as a GIF that loops forever, in memory.

    `fps` frames per second; `dpi` sets the pixel size (a 6x2 inch figure at dpi 60 is 360x120 px).
    A GIF larger than `max_mb` megabytes raises ValueError: use fewer frames, a smaller figure or a
    lower dpi.
    """
    if not isinstance(anim, Animation):
        raise TypeError(f"render_gif expects a matplotlib Animation (e.g. FuncAnimation), got {type(anim).__name__}.")
    if not fps > 0 or not dpi > 0 or not max_mb > 0:
        raise ValueError(f"render_gif needs fps > 0, dpi > 0 and max_mb > 0, got fps={fps}, dpi={dpi}, max_mb={max_mb}.")
    with tempfile.TemporaryDirectory() as tmp:  # Pillow's writer wants a file name
        path = Path(tmp) / "animation.gif"
        anim.save(str(path), writer=PillowWriter(fps=fps), dpi=dpi)
        data = path.read_bytes()
    size_mb = len(data) / 1e6
    if size_mb > max_mb:
        raise ValueError(f"the GIF would be {size_mb:.1f} MB, over the {max_mb} MB limit; use fewer frames, a smaller figure or a lower dpi.")
    from PIL import Image

    with Image.open(io.BytesIO(data)) as gif:
        frames, size = gif.n_frames, gif.size
    return AnimatedGif(data=data, frames=frames, size=size)


def save_gif(anim: Animation, name: str, fps: float = 4, *, dpi: int = 60, max_mb: float = MAX_MB) -> AnimatedGif:
    """Render `anim` as a looping GIF (see render_gif), save it as images/<name>, and return it for display.

    The file is written only when env CONVNETS_IMAGES is not 0; the returned AnimatedGif's `path`
    says where (None when skipped). Make the result the last value of a cell to show it.
    """
    if not isinstance(name, str) or not name.lower().endswith(".gif") or Path(name).name != name or name.startswith("."):
        raise ValueError(f"save_gif needs a plain file name ending in .gif, like '05_sliding_digit.gif'; got {name!r}.")
    gif = render_gif(anim, fps, dpi=dpi, max_mb=max_mb)
    if not images_enabled():
        return gif
    path = images_dir() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gif.data)
    return AnimatedGif(data=gif.data, frames=gif.frames, size=gif.size, path=path)
