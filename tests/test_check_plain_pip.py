"""The pure parts of scripts/check_plain_pip.py (`make check-pip`): which README lines it runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import check_plain_pip as check

ROOT = Path(__file__).resolve().parent.parent


def test_it_runs_the_readmes_three_plain_pip_lines_without_their_comments():
    lines = check.readme_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(lines) == 3 and not any("#" in line for line in lines)
    assert lines[0].startswith("python3 -m venv .venv") and "pip install -r requirements.txt" in lines[0]
    assert lines[1] == ".venv/bin/jupyter lab notebooks/"
    assert "pytest" in lines[2] and "--nbval" in lines[2] and "notebooks/" in lines[2] and "tests" in lines[2]


def test_a_readme_without_the_block_is_refused_in_one_sentence():
    with pytest.raises(SystemExit, match="has no ```bash block"):
        check.readme_commands("# Course\n\nmake lab\n")


def test_the_server_gets_a_port_no_browser_and_root_allowed(tmp_path):
    config = json.loads((check.lab_config(tmp_path, 8123) / "jupyter_server_config.json").read_text())
    server = config["ServerApp"]
    assert server["port"] == 8123 and server["port_retries"] == 0 and server["open_browser"] is False
    assert server["allow_root"] is True and server["ip"] == "127.0.0.1"
