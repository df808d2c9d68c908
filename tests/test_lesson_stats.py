"""scripts/lesson_stats.py counts what a learner reads, and the lessons stay lean: the goals of the "lean lessons"
issue, held by every notebook (DEVELOPERS.md, "Check cells")."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

import lesson_stats

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WORDS_EACH, WORDS_ALL = 2_500, 18_000
SCAFFOLDING_SHARE = 8.0  # percent of the code lines a learner sees
IMPORT_NAMES = 15
PREDICT = 2
DIAGRAMS = {"01": 5, "02": 1, "04": 2, "06": 1}  # the five 1989 nets, the zip-code net, LeNet5 and LeNet-5, the reader


def write(tmp_path, cells) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    path = tmp_path / "01_x.ipynb"
    nbformat.write(nb, path)
    return path


def test_counts_only_what_a_learner_sees(tmp_path):
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    path = write(tmp_path, [
        md("One two three.\n\n**Predict:** four?"),
        code("from helpers.train import fit, predict\nimport torch\n\nnet = make()\nassert net\nrecord('x', 1)"),
        code("assert a\nsave_figure(fig, 'x.png')", metadata={"tags": ["check", "remove-cell"],
                                                          "jupyter": {"source_hidden": True}}),
        md("hidden words here", metadata={"tags": ["remove-cell"]}),
        code("draw_net(net, (1, 28, 28))\n# NBVAL_IGNORE_OUTPUT\nx = 1", metadata={"tags": ["setup", "hide-input"]}),
    ])
    s = lesson_stats.stats(path)
    assert (s.words, s.cells, s.code_lines, s.scaffolding) == (5, 5, 8, 3)  # the check cell and the removed one unseen
    assert (s.import_names, s.diagrams, s.predict) == (3, 1, 1)
    assert s.share == pytest.approx(37.5)
    assert "| all |" in lesson_stats.table([path])


def test_a_cell_that_does_not_parse_imports_nothing():
    assert lesson_stats.imported_names("import (") == 0


@pytest.fixture(scope="module")
def stats():
    return {p.stem[:2]: lesson_stats.stats(p) for p in NOTEBOOKS}


def test_each_notebook_tells_one_story_in_few_words(stats):
    assert {k: s.words for k, s in stats.items() if s.words > WORDS_EACH} == {}
    assert sum(s.words for s in stats.values()) <= WORDS_ALL


def test_scaffolding_stays_out_of_the_learners_way(stats):
    assert {k: round(s.share, 1) for k, s in stats.items() if s.share > SCAFFOLDING_SHARE} == {}


def test_import_cells_are_short(stats):
    assert {k: s.import_names for k, s in stats.items() if s.import_names > IMPORT_NAMES} == {}


def test_each_notebook_asks_the_reader_to_predict(stats):
    assert {k: s.predict for k, s in stats.items() if s.predict < PREDICT} == {}


def test_every_net_the_course_builds_is_drawn(stats):
    assert {k: stats[k].diagrams for k, n in DIAGRAMS.items() if stats[k].diagrams < n} == {}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem[:2])
def test_check_cells_are_folded_and_setup_cells_toggle(path):
    for i, cell in enumerate(json.loads(path.read_text())["cells"]):
        tags = cell["metadata"].get("tags", [])
        if "check" in tags:
            assert "remove-cell" in tags and cell["metadata"]["jupyter"]["source_hidden"], f"cell {i}: run make execute"
        if "setup" in tags:
            assert "hide-input" in tags, f"cell {i}: run make execute"
