"""The browser checks cannot vanish: with CONVNETS_REQUIRE_BROWSER=1 (CI sets it for `make browser`)
a browser check that would skip fails, saying what is missing; without it (a learner's `make browser`)
it skips with the reason; and a skipped run deletes no screenshots.

No browser is started. pytest runs in a subprocess over a copy of tests/browser/ and tests/support.py
in a temporary checkout (scripts/ and notebooks/ linked, pyproject.toml copied), with a PATH that holds
no Chromium, so the real build/ folders are never touched. Beside the real tests the copy gets a few
that skip in every way pytest offers (in a module's import, `importorskip`, a mark, in a test's body),
and one outside tests/browser, which must go on skipping.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import support

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))  # test_rendering's parameters

# one cheap test from each browser module (each stops at its first fixture: Chromium is missing)
SELECTED = [
    "tests/browser/test_rendering.py",
    "tests/browser/test_jupyterlab_widgets.py::test_04_lenet5_reads_a_written_seven",
    "tests/browser/test_book.py::test_search_finds_lenet",
    "tests/browser/test_zz_module_skip.py",
    "tests/browser/test_zz_importorskip.py",
    "tests/browser/test_zz_skips.py",
    "tests/test_outside_browser.py",
]
EXTRA = {
    "browser/test_zz_module_skip.py":
        'import pytest\npytest.skip("module skipped on import", allow_module_level=True)\n\n\ndef test_never():\n    pass\n',
    "browser/test_zz_importorskip.py":
        'import pytest\npytest.importorskip("convnets_no_such_module")\n\n\ndef test_never():\n    pass\n',
    "browser/test_zz_skips.py":
        "import pytest\n\n\n@pytest.mark.skip(reason='marked skip')\ndef test_marked():\n    pass\n\n\n"
        "@pytest.mark.skipif(True, reason='skipif mark')\ndef test_skipif():\n    pass\n\n\n"
        "def test_body_skip():\n    pytest.skip('skipped in the body')\n\n\n"
        "def test_body_importorskip():\n    pytest.importorskip('convnets_no_such_module')\n",
    "test_outside_browser.py":
        "import pytest\n\n\ndef test_elsewhere():\n    pytest.skip('a skip outside tests/browser')\n",
}
OUTPUTS = ["build/book-screenshots", "build/browser", "build/render"]  # what the browser checks write


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """A checkout in a temporary folder, with the real browser tests and a screenshot in each output folder."""
    root = tmp_path_factory.mktemp("checkout")
    shutil.copy2(ROOT / "pyproject.toml", root / "pyproject.toml")
    for name in ("scripts", "notebooks"):
        (root / name).symlink_to(ROOT / name, target_is_directory=True)
    shutil.copytree(ROOT / "tests" / "browser", root / "tests" / "browser", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "tests" / "support.py", root / "tests" / "support.py")
    for rel, text in EXTRA.items():
        (root / "tests" / rel).write_text(text, encoding="utf-8")
    for rel in OUTPUTS:
        (root / rel).mkdir(parents=True)
        (root / rel / "kept.png").write_bytes(b"a developer's screenshot")
    (root / "bin").mkdir()  # the whole PATH: no chromium on it
    return root


def run_pytest(root: Path, require: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "CONVNETS_")) and k not in ("PATH", "CI", "PYTHONPATH")}
    env.update(PATH=str(root / "bin"), PYTHONDONTWRITEBYTECODE="1", CI="true")  # CI=true alone switches nothing on
    if require is not None:
        env[support.REQUIRE_BROWSER] = require
    assert shutil.which("chromium", path=env["PATH"]) is None and shutil.which("chromium-browser", path=env["PATH"]) is None
    # no:nbval: the plugin plays no part in tests/browser, and its import (jsonschema's) costs seconds
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:nbval", "-q", "-rA", "--color=no",
                           "--continue-on-collection-errors", *SELECTED],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def skipped_run(checkout) -> subprocess.CompletedProcess:
    return run_pytest(checkout, require=None)


@pytest.fixture(scope="module")
def required_run(checkout) -> subprocess.CompletedProcess:
    return run_pytest(checkout, require="1")


def summary(result: subprocess.CompletedProcess, word: str) -> list[str]:
    """The short test summary's lines that start with `word` (SKIPPED, ERROR, FAILED, PASSED)."""
    return [line for line in result.stdout.splitlines() if line.startswith(word + " ")]


def test_chromium_missing_is_said_in_one_sentence(monkeypatch):
    monkeypatch.setattr(support, "chromium_path", lambda: None)
    assert support.browser_missing() == "Chromium is not installed (apt-get install chromium; .ci/run does)"


def test_only_the_variable_switches_it_on(monkeypatch):
    monkeypatch.setenv("CI", "true")
    for value, on in ((None, False), ("", False), ("0", False), ("1", True)):
        if value is None:
            monkeypatch.delenv(support.REQUIRE_BROWSER, raising=False)
        else:
            monkeypatch.setenv(support.REQUIRE_BROWSER, value)
        assert support.browser_required() is on, value


def test_without_the_variable_the_browser_checks_skip_saying_why(skipped_run):
    out = skipped_run.stdout + skipped_run.stderr
    assert skipped_run.returncode == 0, out
    skipped = summary(skipped_run, "SKIPPED")
    # "SKIPPED [8] tests/browser/test_rendering.py:36: the browser checks cannot run: Chromium is not ...",
    # a line for 04's widget test, and the book's search: "the book check cannot run: Chromium is not ..."
    chromium = "Chromium is not installed (apt-get install chromium; .ci/run does)"
    counts = [int(re.match(r"SKIPPED \[(\d+)\]", line).group(1)) for line in skipped
              if f"the browser checks cannot run: {chromium}" in line]
    assert sum(counts) == len(NOTEBOOKS) + 1, out
    assert any(f"the book check cannot run: {chromium}" in line for line in skipped), out
    assert "a skip outside tests/browser" in out and "marked skip" in out and "module skipped on import" in out, out
    assert not summary(skipped_run, "ERROR") and not summary(skipped_run, "FAILED"), out


def test_with_the_variable_every_skip_under_tests_browser_fails(required_run):
    out = required_run.stdout + required_run.stderr
    assert required_run.returncode != 0, out
    failed = summary(required_run, "ERROR") + summary(required_run, "FAILED")

    def failing(node: str) -> list[str]:
        return [line for line in failed if node in line]

    nodes = ["test_rendering.py::test_notebook_renders_its_figures", "test_04_lenet5_reads_a_written_seven",
             "test_search_finds_lenet"]
    for node in nodes:  # what is missing, how to install it, and why a skip fails
        lines = failing(node)
        assert lines, f"{node} did not fail:\n{out}"
        for line in lines:
            assert "Chromium is not installed (apt-get install chromium; .ci/run does)" in line, line
            assert f"{support.REQUIRE_BROWSER}=1 turns a skipped browser check into a failure" in line, line
    assert len(failing("test_rendering.py::")) == len(NOTEBOOKS), out
    # every way of skipping fails too: at import (a collection error), by a mark, in the body
    for node in ("test_zz_module_skip.py", "test_zz_importorskip.py", "test_marked", "test_skipif",
                 "test_body_skip", "test_body_importorskip"):
        assert failing(node), f"{node} did not fail:\n{out}"
    assert "module skipped on import" in out and "convnets_no_such_module" in out, out
    # only tests/browser is concerned: the skip elsewhere still skips
    assert any("a skip outside tests/browser" in line for line in summary(required_run, "SKIPPED")), out
    assert not [line for line in summary(required_run, "SKIPPED") if re.match(r"SKIPPED \[\d+\] tests/browser/", line)], out


@pytest.mark.parametrize("rel", OUTPUTS)
def test_a_skipped_run_deletes_no_screenshots(checkout, skipped_run, required_run, rel):
    folder = checkout / rel
    assert (folder / "kept.png").read_bytes() == b"a developer's screenshot"
    assert sorted(p.name for p in folder.iterdir()) == ["kept.png"], f"{rel} changed in a run that could not check anything"
