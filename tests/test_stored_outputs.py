"""What the stored notebooks show needs no network and no script: every viewer displays it.

GitHub, nbviewer and other static viewers run no JavaScript, and a learner offline reaches no CDN.
So no stored output may hold a script, a JavaScript output, or a reference to a remote file, and
every animation is stored as a GIF (helpers.animation.save_gif), not as a scripted player.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
REMOTE = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|@import|url\(\s*["']?(?:https?:)?//""", re.I)
SCRIPTED = ("application/javascript", "text/javascript", "application/vnd.jupyter.widget-view+json")


def outputs(path: Path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            yield index, out


def as_text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_stored_output_needs_a_script_or_the_network(path):
    problems = []
    for index, out in outputs(path):
        data = out.get("data", {})
        for mime in SCRIPTED:
            if mime in data:
                problems.append(f"cell {index}: a {mime} output")
        for mime in ("text/html", "image/svg+xml", "text/markdown"):
            text = as_text(data.get(mime, ""))
            if re.search(r"<\s*script|<\s*link|<\s*iframe", text, re.I):
                problems.append(f"cell {index}: {mime} holds a script, link or iframe")
            if REMOTE.search(text):
                problems.append(f"cell {index}: {mime} loads something from the network: {REMOTE.search(text).group(0)!r}")
    assert not problems, f"{path.name}: " + "; ".join(problems)


def animations(path: Path) -> list[tuple[int, bytes]]:
    """Every stored animation: (cell index, GIF bytes) from its image/gif data."""
    found = []
    for index, out in outputs(path):
        data = out.get("data", {})
        if "image/gif" in data:
            found.append((index, base64.b64decode(as_text(data["image/gif"]))))
    return found


@pytest.mark.parametrize("name, at_least", [("05_shift_equivariance", 1), ("07_feature_binding", 1)])
def test_animations_are_stored_as_gifs_every_viewer_plays(name, at_least):
    from PIL import Image
    import io

    path = ROOT / "notebooks" / f"{name}.ipynb"
    gifs = animations(path)
    assert len(gifs) >= at_least, f"{path.name}: no animation stored as a GIF (use helpers.animation.save_gif)"
    for index, data in gifs:
        with Image.open(io.BytesIO(data)) as gif:
            assert gif.format == "GIF" and gif.n_frames > 5, f"{path.name} cell {index}: not an animated GIF"
            assert gif.info.get("loop") == 0, f"{path.name} cell {index}: the GIF does not loop"
        html = next(as_text(o["data"].get("text/html", "")) for i, o in outputs(path) if i == index and "image/gif" in o.get("data", {}))
        assert html.startswith('<img src="data:image/gif;base64,'), f"{path.name} cell {index}: no inline <img> for HTML viewers"


def test_the_checks_catch_a_cdn_player(tmp_path):
    """The pattern above finds what matplotlib's JavaScript player stores (its icons come from a CDN)."""
    player = '<link rel="stylesheet" href="https://cdnjs.cloudflare.com/ajax/libs/font-awesome/4.4.0/css/font-awesome.min.css">'
    assert REMOTE.search(player) and re.search(r"<\s*link", player)
    assert not REMOTE.search('<img src="data:image/gif;base64,R0lGOD"/>')


def test_every_picture_in_images_is_made_by_a_notebook():
    """`make execute` rewrites images/ from the notebooks: a picture no notebook saves any more (a
    widget or a figure that went away) would stay behind, stale, and could still be linked."""
    sources = "\n".join("".join(c["source"]) for p in NOTEBOOKS
                        for c in json.loads(p.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code")
    stale = [p.name for p in sorted((ROOT / "images").iterdir()) if f'"{p.name}"' not in sources]
    assert not stale, f"no notebook saves {stale}: delete them (git rm) or save them again"
