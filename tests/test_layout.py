"""helpers/ as a map of the course: notebook NN_slug finds its code in helpers/<slug>*.py, its self-checks in
helpers/exercises/<slug>.py and its tests in tests/test_<slug>*.py; shared plumbing is named for its job.
Every module says what it exports (`__all__`) and names the notebook that introduces it."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SLUGS = [p.stem.split("_", 1)[1] for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))]
# shared plumbing, named for its job (DEVELOPERS.md, "Map of the course")
PLUMBING = {"__init__", "anatomy", "animation", "augment", "canvas", "claims", "data", "diagram", "drawing", "inputs", "plots", "raster",
            "results", "shapes", "train"}
MODULES = sorted(p for p in (ROOT / "helpers").rglob("*.py") if "__pycache__" not in p.parts)


def slug_of(stem: str) -> str | None:
    """The notebook slug a module's name starts with (the longest that fits), or None."""
    fits = [s for s in SLUGS if stem == s or stem.startswith(s + "_")]
    return max(fits, key=len) if fits else None


def test_there_are_eight_notebooks_with_distinct_slugs():
    assert len(SLUGS) == len(set(SLUGS)) == 8


@pytest.mark.parametrize("path", [p for p in MODULES if p.parent.name == "helpers"], ids=lambda p: p.stem)
def test_each_module_is_plumbing_or_belongs_to_one_notebook(path):
    assert path.stem in PLUMBING or slug_of(path.stem), (
        f"helpers/{path.name}: name it for its job (and add it to PLUMBING and DEVELOPERS.md) or start it with "
        f"its notebook's slug, one of {', '.join(SLUGS)}")


@pytest.mark.parametrize("path", [p for p in MODULES if p.parent.name == "exercises" and p.stem != "__init__"],
                         ids=lambda p: p.stem)
def test_each_notebooks_self_checks_carry_its_slug(path):
    assert path.stem in SLUGS


# tests that cut across the course: every learner mistake, devices, the self-checks, the layout itself, the package,
# the stored outputs, the widgets' stand-ins, the browser's skips, the CI workflows, the README's links
CROSS_CUTTING = {"bad_inputs", "devices", "exercises", "layout", "packaging", "stored_outputs", "widget_stand_ins",
                 "browser_skips", "workflows", "readme_links", "execute_script"}


@pytest.mark.parametrize("path", sorted((ROOT / "tests").glob("test_*.py")), ids=lambda p: p.stem)
def test_each_test_file_is_named_for_what_it_tests(path):
    """tests/test_<x>.py tests a helpers module <x>, a notebook (<x> starts with its slug), a script <x> (or one
    of its uses, <x> = <script>_<use>), or is one of the few that cut across the course."""
    stem = path.stem[len("test_"):]
    helpers_modules = {p.stem for p in MODULES}
    scripts = {p.stem for p in (ROOT / "scripts").glob("*.py")}
    of_a_script = any(stem.startswith(name + "_") for name in scripts)  # test_colab_fork: scripts/colab.py on a fork
    assert stem in helpers_modules | scripts | CROSS_CUTTING or slug_of(stem) or of_a_script, (
        f"tests/{path.name}: name it test_<module>, test_<slug>_..., test_<script>, or add it to CROSS_CUTTING")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(ROOT / "helpers").with_suffix("").as_posix())
def test_each_module_exports_what_it_defines_and_names_its_notebook(path):
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    module = importlib.import_module(name)
    assert hasattr(module, "__all__"), f"{name} has no __all__"
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what it does not define: {missing}"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not n.name.startswith("_")}
    assert defined <= set(module.__all__), f"{name} defines but does not export {sorted(defined - set(module.__all__))}"
    doc = ast.get_docstring(tree) or ""
    assert re.search(r"\b0[1-8]_[a-z_]+", doc), f"{name}'s docstring names no notebook (NN_slug)"
