"""Wall time and peak memory of every notebook, executed as `make execute` runs it (part of `make bench`).

    python benchmarks/notebooks.py [notebooks...]

Each notebook runs top to bottom in its own kernel (nbconvert), into build/bench/, so the stored
notebooks, images/ and results/ are untouched. Peak memory is the largest resident set of the
kernel (and nbconvert), as Linux reports it for finished child processes. The course's goals: at
most 60 s and 2 GiB per notebook, at most 5 minutes for all of them. Timings depend on the machine
and on what else it is doing: run this on a quiet machine, and read the figures as measurements,
not as pass/fail tests (the exit status is 0 unless a notebook fails to run).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from execute_notebooks import execute_measured, notebook_paths  # noqa: E402

GIB = 1024**3
GOAL_SECONDS, GOAL_GIB, GOAL_TOTAL_SECONDS = 60, 2.0, 300


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    paths = args.notebooks or notebook_paths()
    out = ROOT / "build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    env = {"CONVNETS_IMAGES": "0", "CONVNETS_RESULTS": str(out / "results.json")}
    print(f"{'notebook':<44} {'wall s':>7} {'peak GiB':>9}   goal <= {GOAL_SECONDS} s, <= {GOAL_GIB} GiB")
    total = 0.0
    for p in paths:
        seconds, peak = execute_measured(p, out / p.name, env)
        total += seconds
        flag = "" if seconds <= GOAL_SECONDS and peak / GIB <= GOAL_GIB else "   over the goal"
        print(f"{p.name:<44} {seconds:7.1f} {peak / GIB:9.2f}{flag}", flush=True)
    print(f"{'all notebooks':<44} {total:7.1f}            goal <= {GOAL_TOTAL_SECONDS} s"
          + ("" if total <= GOAL_TOTAL_SECONDS else "   over the goal"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
