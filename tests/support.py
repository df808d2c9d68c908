"""What several test files share: finding Debian's Chromium, the flags it runs with here, what the
browser checks lack on this machine, a free port.

Importable as `support` (pyproject.toml puts tests/ on pytest's pythonpath).
"""

from __future__ import annotations

import importlib.util
import os
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


# CONVNETS_REQUIRE_BROWSER=1 (CI sets it for `make browser`): a browser check that would skip fails
# instead (tests/browser/conftest.py turns every skip under tests/browser into a failure). Unset or 0,
# as in a learner's `make browser`, the checks skip, saying what is missing. Only this variable
# switches it on, not CI=true.
REQUIRE_BROWSER = "CONVNETS_REQUIRE_BROWSER"


def browser_required() -> bool:
    """Whether CONVNETS_REQUIRE_BROWSER is on (set to anything but empty or 0)."""
    return os.environ.get(REQUIRE_BROWSER, "").strip() not in ("", "0")


def browser_missing() -> str | None:
    """What the browser checks need and this machine lacks, saying how to install it, or None:
    Debian's Chromium, then the playwright package that drives it."""
    if chromium_path() is None:
        return "Chromium is not installed (apt-get install chromium; .ci/run does)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing (pip install -r requirements.txt)"
    return None


def jupyterlab_missing() -> str | None:
    """Why the JupyterLab checks cannot start a server (JupyterLab is not installed), or None."""
    if importlib.util.find_spec("jupyterlab") is None:
        return "JupyterLab is not installed (pip install -r requirements.txt; `make browser` does)"
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
    from pathlib import Path

    import nbformat

    path = Path(__file__).resolve().parents[1] / "notebooks" / notebook
    cells = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code" and definition in c.source]
    assert len(cells) == 1, f"{notebook} should write `{definition}` in exactly one code cell, found {len(cells)}"
    name = definition.split()[1].rstrip("(")
    exec(compile(cells[0], f"{notebook}:{name}", "exec"), namespace)
    namespace["__cell__"] = cells[0]  # the cell's source, for tests that check what else it holds
    return namespace[name]


def verdict_of(check, capsys, answer):
    """What a self-check says of `answer`: its True or False, and the text it printed."""
    ok = check(answer)
    return ok, capsys.readouterr().out


def solution(notebook: str):
    """The teacher's answers to a notebook's build exercises: the names that the `# %% stub` cell of
    solutions/`notebook`.py defines (`make solutions` puts that cell into the teacher's copy), as attributes."""
    from types import SimpleNamespace

    from build_solutions import SOLUTIONS, sections  # scripts/build_solutions.py (pytest's pythonpath holds scripts/)

    path = SOLUTIONS / f"{notebook}.py"
    namespace: dict = {}
    exec(compile(sections(path)["stub"], str(path), "exec"), namespace)
    return SimpleNamespace(**{k: v for k, v in namespace.items() if not k.startswith("__")})


# Drawings as a canvas records them: strokes of (x, y) points in canvas pixels. SEVEN is a 7 on a
# 280x280 canvas (a bar and a slanted stem; a 7, not a 1, so that a drawing read transposed or
# mirrored would fail), NUMBER_314 is "314" on 06's 600x150 strip canvas. The unit tests read them
# with plain functions; the browser tests drag the mouse along them in JupyterLab. Checked first in
# Python: LeNet5 trained as in 04 reads SEVEN as a 7, the reader trained as in 06 reads "314".
SEVEN = [[(80, 60), (200, 60)], [(200, 60), (170, 150), (130, 230)]]
NUMBER_314 = [
    [(40, 25), (100, 25), (70, 70), (110, 95), (70, 125), (40, 120)],  # 3
    [(200, 25), (200, 125)],  # 1
    [(330, 25), (300, 95), (370, 95)], [(350, 60), (350, 125)],  # 4
]


def stroke_sweeps(keys: tuple[str, ...], steps: int):
    """07's set-up for a test: an untrained LeNet5 (seed 0), the digit paths, a sweep of `steps`
    positions along each path in `keys`, and each sweep's layer views: (model, paths, sweeps, views)."""
    import torch

    from helpers.feature_binding_strokes import digit_paths, lenet_views, sweep
    from helpers.lenet5 import LeNet5

    torch.manual_seed(0)
    model = LeNet5()
    paths = digit_paths()
    sweeps = {k: sweep(model, paths[k], steps) for k in keys}
    views = {k: lenet_views(model, s.images) for k, s in sweeps.items()}
    return model, paths, sweeps, views


def widget_bundle(widget) -> dict:
    """The output Jupyter stores for `widget` (text/plain and the view's model id), on ipywidgets 8
    (a _repr_mimebundle_) and 7 (an _ipython_display_ that displays the same data raw)."""
    if hasattr(widget, "_repr_mimebundle_"):
        return widget._repr_mimebundle_()
    import ipywidgets.widgets.widget as module

    shown: list[dict] = []
    original = module.display
    module.display = lambda data, raw=False, **kwargs: shown.append(data)
    try:
        widget._ipython_display_()
    finally:
        module.display = original
    assert len(shown) == 1, f"{type(widget).__name__} displayed {len(shown)} outputs"
    return shown[0]
