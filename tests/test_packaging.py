"""The wheel that Colab's setup cell installs holds every module the notebooks import.

Colab installs the helpers with `pip install "convnet-origins-helpers @ git+..."`, a normal (not
editable) install: only what the wheel holds exists there. An explicit package list once left
`helpers.exercises` out, and every notebook stopped at its import cell on Colab, while the editable
install of a checkout hid it. This builds the wheel and finds in it every helpers module any notebook
names; `make colab-check` then installs it as Colab does and runs every notebook.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def notebook_imports(path: Path) -> set[str]:
    """The helpers modules a notebook's code cells import (`from helpers.x import ...`, `import helpers.x`)."""
    from IPython.core.inputtransformer2 import TransformerManager

    modules: set[str] = set()
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse(TransformerManager().transform_cell("".join(cell["source"])))  # `!pip` lines become calls
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "helpers":
                modules.add(node.module)
            elif isinstance(node, ast.Import):
                modules.update(a.name for a in node.names if a.name.split(".")[0] == "helpers")
    return modules


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a clean copy of the sources: a build in the checkout would reuse whatever
    an earlier build left in build/lib, and could hold modules the package list no longer finds."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "helpers", source / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "-w", str(out), str(source)], check=True, capture_output=True)
    (found,) = out.glob("convnet_origins_helpers-*.whl")
    return found


def test_every_notebook_imports_helpers():
    assert all(notebook_imports(p) for p in NOTEBOOKS)
    assert any(m.startswith("helpers.exercises.") for p in NOTEBOOKS for m in notebook_imports(p))


def test_the_wheel_holds_every_module_of_the_package(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    source = {p.relative_to(ROOT).as_posix() for p in (ROOT / "helpers").rglob("*.py")}
    assert source and source <= names, f"missing from the wheel: {sorted(source - names)}"
    assert "helpers/py.typed" in names
    assert not any(n.startswith(("tests/", "scripts/", "notebooks/")) for n in names)


def test_every_module_a_notebook_imports_is_in_the_wheel(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = sorted(set().union(*(notebook_imports(p) for p in NOTEBOOKS)))
    missing = [m for m in modules
               if m.replace(".", "/") + ".py" not in names and m.replace(".", "/") + "/__init__.py" not in names]
    assert not missing, f"modules the notebooks import but the wheel lacks: {missing}"
    # every package on the way holds its __init__.py, so `import helpers.exercises.x` works once installed
    packages = {m.rsplit(".", 1)[0] for m in modules if "." in m}
    assert all(p.replace(".", "/") + "/__init__.py" in names for p in packages)
