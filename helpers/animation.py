"""Animations as GIFs (from 05_shift_equivariance): stored in the notebook, they play in any viewer, offline."""

from __future__ import annotations

import base64
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

from matplotlib.animation import Animation, PillowWriter
from PIL import Image

from helpers.plots import images_dir, images_enabled

__all__ = ["MAX_MB", "AnimatedGif", "save_gif"]

MAX_MB = 2.0  # the course keeps every GIF under 2 MB so the repository and the notebooks stay light


@dataclass(frozen=True)
class AnimatedGif:
    """A GIF a notebook shows as a looping animation: its size (width, height) in pixels, its copy's path or None."""

    data: bytes
    frames: int
    size: tuple[int, int]
    path: Path | None

    @property
    def kilobytes(self) -> float:
        return len(self.data) / 1e3

    def __repr__(self) -> str:
        return f"AnimatedGif: {self.frames} frames, {self.size[0]}x{self.size[1]} px, {self.kilobytes:.0f} kB"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:  # an <img> every notebook viewer shows
        b64 = base64.b64encode(self.data).decode("ascii")
        w, h = self.size
        html = f'<img src="data:image/gif;base64,{b64}" width="{w}" height="{h}" alt="{self!r}"/>'
        return {"text/html": html, "image/gif": b64, "text/plain": repr(self)}


def save_gif(anim: Animation, name: str, fps: float = 4, *, dpi: int = 60) -> AnimatedGif:
    """`anim` rendered once as a looping GIF (a 6x2 inch figure at dpi 60 is 360x120 px), kept as images/<name>."""
    with tempfile.TemporaryDirectory() as tmp:  # Pillow's writer wants a file name
        path = Path(tmp) / "animation.gif"
        anim.save(str(path), writer=PillowWriter(fps=fps), dpi=dpi)
        data = path.read_bytes()
    if len(data) / 1e6 > MAX_MB:
        raise ValueError(f"the GIF would be {len(data) / 1e6:.1f} MB, over the {MAX_MB} MB limit; "
                         "use fewer frames, a smaller figure or a lower dpi.")
    with Image.open(io.BytesIO(data)) as gif:
        frames, size = gif.n_frames, gif.size
    path = images_dir() / name if images_enabled() else None
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return AnimatedGif(data=data, frames=frames, size=size, path=path)
