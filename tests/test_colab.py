"""The Colab setup cell: it installs the helpers only on Colab, from the repository that
pyproject.toml names (the one place the address lives), and every notebook carries it word for word."""

from __future__ import annotations

import json
import re
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PYPROJECT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # parsed by hand: tomllib needs Python 3.11
REPO_URL = re.search(r'^Repository = "([^"]+)"', PYPROJECT, re.M).group(1)
SLUG = REPO_URL.removeprefix("https://github.com/")


def setup_cell() -> str:
    """The canonical setup cell, built from the repository address."""
    return (
        "# Setup: on Colab, install the course's helpers (Colab already has torch and the rest)\n"
        "# and turn on the custom widgets that the drawing canvas is.\n"
        "import sys\n"
        'if "google.colab" in sys.modules:\n'
        f'    !pip install -q "convnet-origins-helpers @ git+{REPO_URL}"\n'
        "    from google.colab import output\n"
        "    output.enable_custom_widget_manager()"
    )


def first_code_cell(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return next("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


def run_cell(source: str, on_colab: bool, monkeypatch) -> list[str]:
    """Run the cell as IPython would (the `!` line becomes get_ipython().system) and return what it
    did: the shell commands, and "custom widget manager" for each call that turns Colab's on."""
    from IPython.core.inputtransformer2 import TransformerManager

    done: list[str] = []
    shell = types.SimpleNamespace(system=done.append)
    if on_colab:
        colab = types.ModuleType("google.colab")
        colab.output = types.SimpleNamespace(enable_custom_widget_manager=lambda: done.append("custom widget manager"))
        monkeypatch.setitem(sys.modules, "google.colab", colab)
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    code = TransformerManager().transform_cell(source)
    exec(compile(code, "<setup cell>", "exec"), {"get_ipython": lambda: shell})
    return done


def test_setup_cell_installs_only_on_colab(monkeypatch):
    assert run_cell(setup_cell(), on_colab=False, monkeypatch=monkeypatch) == []
    commands = run_cell(setup_cell(), on_colab=True, monkeypatch=monkeypatch)
    assert len(commands) == 2 and commands[1] == "custom widget manager"  # anywidget's canvas needs it on Colab
    cmd = commands[0]
    assert cmd.startswith("pip install -q") and f"git+{REPO_URL}" in cmd
    # nothing Colab already has: no torch, torchvision, ipywidgets or matplotlib on the command line
    assert not re.search(r"\b(torch|torchvision|ipywidgets|matplotlib)\b", cmd.replace("convnet-origins-helpers", ""))


def test_package_requirements_do_not_force_colab_reinstalls():
    deps = re.search(r"^dependencies = \[(.*?)\]", PYPROJECT, re.M).group(1)
    for dep in re.findall(r'"([^"]+)"', deps):
        assert "==" not in dep and "<" not in dep, f"{dep}: an upper bound or pin would make Colab reinstall it"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_notebook_has_the_setup_cell_and_its_badge(path):
    assert first_code_cell(path) == setup_cell(), f"{path.name}: the first code cell must be the setup cell, word for word"
    nb = json.loads(path.read_text(encoding="utf-8"))
    first_md = "".join(nb["cells"][0]["source"])
    badge = f"https://colab.research.google.com/github/{SLUG}/blob/main/notebooks/{path.name}"
    assert first_md.startswith("# ") and badge in first_md, f"{path.name}: title and Colab badge ({badge}) must open the notebook"


def test_readme_badges_point_at_the_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f"colab.research.google.com/github/{SLUG}/blob/main/notebooks/{path.name}" in readme
