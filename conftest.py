"""Repository-wide pytest hooks: notebooks run under pytest leave the checkout as it was, and the time
each notebook took under nbval is printed."""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent

_notebook_seconds: dict[str, float] = defaultdict(float)


def pytest_configure(config):
    """A test run must not rewrite files a learner keeps (`make test` sets the same; the README's plain
    `pytest --nbval notebooks/` gets it here): nbval's kernels inherit this environment, so the
    notebooks save no figures into images/ and record their results in build/, not results/."""
    os.environ.setdefault("CONVNETS_IMAGES", "0")
    os.environ.setdefault("CONVNETS_RESULTS", str(ROOT / "build" / "test-results.json"))
    os.environ.setdefault("CONVNETS_PROGRESS", "0")


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _notebook_seconds[path] += report.duration


def pytest_terminal_summary(terminalreporter):
    if not _notebook_seconds:
        return
    terminalreporter.section("notebook times")
    for path, seconds in sorted(_notebook_seconds.items()):
        terminalreporter.write_line(f"{seconds:7.1f} s  {path}")
    terminalreporter.write_line(f"{sum(_notebook_seconds.values()):7.1f} s  all notebooks")
