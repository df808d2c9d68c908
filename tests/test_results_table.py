"""The README's results table is generated from results/*.json and must be current."""

import subprocess
from pathlib import Path

import pytest

import results_table

ROOT = Path(__file__).resolve().parent.parent


def local_changes(*paths: str) -> bool:
    """Whether `paths` differ from git's HEAD here (False outside a git checkout)."""
    try:
        done = subprocess.run(["git", "status", "--porcelain", "--", *paths], cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return False
    return bool(done.stdout.strip())


def test_readme_table_matches_the_recorded_results():
    if local_changes("results", "README.md"):
        pytest.skip("results/ or README.md has local changes (notebooks were run here): "
                    "`make results` refreshes the table; CI checks the committed files")
    shown = results_table.readme_table((ROOT / "README.md").read_text(encoding="utf-8"))
    assert shown is not None, "README.md lost its results markers"
    assert shown == results_table.current_table(), "README.md's results table is stale: run `make results`"


def test_table_rows_units_and_missing_runs():
    embedded = {"lenet5_test_accuracy": {"value": 98.3, "unit": "%", "source": "embedded"},
                "zipcode_1989_test_error": {"value": 5.3, "paper": 5.0, "unit": "%", "source": "embedded"}}
    mnist = {"lenet5_test_accuracy": {"value": 99.32, "unit": "%", "source": "mnist"}}
    rows = results_table.table(embedded, mnist).splitlines()
    assert rows[0].startswith("| figure | paper |") and len(rows) == 4
    assert rows[2] == "| 02 Zip-code net, 1989 recipe, test error | 5.0% | LeCun et al. 1989 | 5.30% | not run |"
    assert rows[3] == "| 04 The lecture's LeNet5 listing (20/50/500), test accuracy |  | no paper figure (not the 1998 net) | 98.30% | 99.32% |"
    assert "proto_net1" not in "\n".join(rows) and len(results_table.table({}, {}).splitlines()) == 2


def test_check_mode_reports_a_stale_table(tmp_path, monkeypatch, capsys):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "embedded.json").write_text('{"lenet5_test_accuracy": {"value": 98.3, "paper": 99.05, "unit": "%"}}')
    (tmp_path / "README.md").write_text("# x\n<!-- results:start -->\nold\n<!-- results:end -->\nend\n")
    monkeypatch.setattr(results_table, "ROOT", tmp_path)
    monkeypatch.setattr(results_table, "current_table", lambda root=tmp_path: results_table.table(
        results_table.load(tmp_path / "results" / "embedded.json"), {}))
    assert results_table.main(["--check"]) == 1 and "make results" in capsys.readouterr().err
    assert results_table.main([]) == 0
    assert results_table.main(["--check"]) == 0
    assert (tmp_path / "README.md").read_text().endswith("<!-- results:end -->\nend\n")
