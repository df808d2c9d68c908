"""The teacher's solutions (solutions/NN_slug.py, `make solutions`) fit the notebooks they answer.

Running every teacher's copy takes minutes, so `make solutions` does it (CI runs it: it fails unless every check
prints Right). These tests are the fast half: each notebook has its stub and answers cells, the solutions define what
the stubs ask for and answer every check the notebook offers, and the book and JupyterLab show the stubs.
"""

from __future__ import annotations

import ast
import importlib
import re

import nbformat
import pytest

from build_solutions import SOLUTIONS, sections, solution_notebook, tagged, verdicts
from execute_notebooks import notebook_paths

NOTEBOOKS = notebook_paths()
COMMENTED_CALL = re.compile(r"^# (check_\w+)\(", re.MULTILINE)


def defined(code: str) -> dict[str, list[str]]:
    """The functions and classes a cell defines at its top level, with their parameters."""
    return {node.name: ([a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs]
                        if isinstance(node, ast.FunctionDef) else [])
            for node in ast.parse(code).body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


@pytest.fixture(params=NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def notebook(request):
    path = request.param
    return path, nbformat.read(path, as_version=4), sections(SOLUTIONS / f"{path.stem}.py")


def test_every_notebook_has_a_solutions_file_and_nothing_else_does():
    assert sorted(p.stem for p in SOLUTIONS.glob("*.py")) == [p.stem for p in NOTEBOOKS]


def test_the_solutions_define_what_the_stubs_ask_for(notebook):
    path, nb, cells = notebook
    stubs = defined(tagged(nb, "stub").source)
    answers = defined(cells["stub"])
    assert stubs, f"{path.name}: its stub cell should define the function(s) the learner writes"
    for name, params in stubs.items():
        assert answers.get(name) == params, f"solutions/{path.stem}.py should define {name}({', '.join(params)})"
    assert "NotImplementedError" in tagged(nb, "stub").source and "NotImplementedError" not in cells["stub"]


def test_the_solutions_answer_every_check_the_notebook_offers(notebook):
    path, nb, cells = notebook
    offered = COMMENTED_CALL.findall(tagged(nb, "answers").source)
    module = importlib.import_module(f"helpers.exercises.{path.stem[3:]}")
    assert set(offered) == {n for n in module.__all__ if n.startswith("check_")}, \
        f"{path.name}'s answers cell should offer every check of helpers.exercises.{path.stem[3:]}"
    answered = re.findall(r"^(check_\w+)\(", cells["answers"], re.MULTILINE)
    assert answered == offered, f"solutions/{path.stem}.py should call the checks in the notebook's order"
    assert not re.search(r"^\s*#\s*check_", cells["answers"], re.MULTILINE)


def test_the_book_and_jupyterlab_show_the_stubs(notebook):
    _, nb, _ = notebook
    for tag in ("stub", "answers"):
        cell = tagged(nb, tag)
        assert not {"remove-cell", "remove-input", "hide-input", "check"} & set(cell.metadata.get("tags", []))
        assert not cell.metadata.get("jupyter", {}).get("source_hidden")


def test_the_teachers_copy_puts_the_answers_in_place(notebook):
    path, nb, cells = notebook
    copy = solution_notebook(path, SOLUTIONS / f"{path.stem}.py")
    assert len(copy.cells) == len(nb.cells) + 1 and "Teacher's copy" in copy.cells[0].source
    assert tagged(copy, "stub").source.strip() == cells["stub"].strip()
    assert tagged(copy, "answers").source.strip() == cells["answers"].strip()
    assert [c.source for c in copy.cells[1:] if not {"stub", "answers"} & set(c.metadata.get("tags", []))] == \
        [c.source for c in nb.cells if not {"stub", "answers"} & set(c.metadata.get("tags", []))]
    assert nbformat.read(path, as_version=4) == nb  # the learner's notebook is left as it was


def test_verdicts_count_the_checks_that_are_not_right():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("check_a(1)\nx = 2\ncheck_b(x)\n", metadata={"tags": ["answers"]})
    nb.cells = [cell]
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="Right: one.\nNot yet: two.\n")]
    assert verdicts(nb) == (["check_a", "check_b"], ["Not yet: two.", "2 checks called, 1 printed Right"])
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="Right: one.\nRight: two.\n")]
    assert verdicts(nb) == (["check_a", "check_b"], [])


def test_a_solutions_file_without_its_cells_is_refused_in_one_sentence(tmp_path):
    bad = tmp_path / "09_x.py"
    bad.write_text("# %% stub\ndef f():\n    pass\n")
    with pytest.raises(SystemExit, match="lacks the cell"):
        sections(bad)
