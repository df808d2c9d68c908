"""What several test files share: finding Debian's Chromium, the flags it runs with here, a free port.

Importable as `support` (pyproject.toml puts tests/ on pytest's pythonpath).
"""

from __future__ import annotations

import shutil
import socket

# Headless Chromium as root in a sandbox with no network: these flags keep it from trying Google's hosts.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-quic"]


def chromium_path() -> str | None:
    """The Chromium executable on PATH (Debian's `chromium`), or None."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def from_notebook(notebook: str, definition: str, namespace: dict):
    """Run the one code cell of notebooks/`notebook` that holds `def NAME(` or `class NAME(` (given as
    `definition`, e.g. "def decode("), in `namespace` (the names the notebook imports), and return NAME.

    Tests use it to prove that what a lecture writes in the open equals its helper's copy.
    """
    import nbformat
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "notebooks" / notebook
    cells = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code" and definition in c.source]
    assert len(cells) == 1, f"{notebook} should write `{definition}` in exactly one code cell, found {len(cells)}"
    name = definition.split()[1].rstrip("(")
    exec(compile(cells[0], f"{notebook}:{name}", "exec"), namespace)
    namespace["__cell__"] = cells[0]  # the cell's source, for tests that check what else it holds
    return namespace[name]


# A 7 on the 16x16 pad, strokes two squares wide: a bar across the top and a slanted stem. Checked in
# Python first: predict_drawing(centred_nets, SEVEN) after running notebook 01 (embedded digits, CPU)
# gives 7 from all five nets. A 7, not a 1, so that a pad read transposed or mirrored would fail.
SEVEN = """
................
................
....########....
....########....
..........##....
..........##....
..........##....
.........##.....
.........##.....
........##......
........##......
.......##.......
.......##.......
......##........
................
................
"""


def stroke_sweeps(keys: tuple[str, ...], steps: int):
    """07's set-up for a test: an untrained LeNet5 (seed 0), the digit paths, a sweep of `steps`
    positions along each path in `keys`, and each sweep's layer views: (model, paths, sweeps, views)."""
    import torch

    from helpers.lenet5 import LeNet5
    from helpers.strokes import digit_paths, lenet_views, sweep

    torch.manual_seed(0)
    model = LeNet5()
    paths = digit_paths()
    sweeps = {k: sweep(model, paths[k], steps) for k in keys}
    views = {k: lenet_views(model, s.images) for k, s in sweeps.items()}
    return model, paths, sweeps, views
