"""A teacher's copy of the course, every exercise answered (`make solutions`).

For each notebook, solutions/NN_slug.py holds two cells: `# %% stub`, the functions the learner writes, and
`# %% answers`, the check calls with their answers. This script copies the notebook into build/solutions/, puts
those cells in place of the notebook's cells tagged `stub` and `answers`, runs it top to bottom, and fails unless
every check printed Right. The solutions never enter notebooks/: learners see them only if they build them.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from execute_notebooks import ROOT, execute_measured, notebook_paths  # noqa: E402

SOLUTIONS = ROOT / "solutions"
OUT = ROOT / "build" / "solutions"
TAGS = ("stub", "answers")
BANNER = ("**Teacher's copy, with the solutions.** Made by `make solutions` from solutions/{name}.py; "
          "every exercise below is answered and checked. Do not hand this copy to learners.")
CALL = re.compile(r"^(check_\w+)\(", re.MULTILINE)


def sections(path: Path) -> dict[str, str]:
    """The cells of a solutions file, by name: the code after each `# %% name` line, up to the next one."""
    parts = re.split(r"^# %% (\w+)\n", path.read_text(), flags=re.MULTILINE)
    found = {name: code.strip() + "\n" for name, code in zip(parts[1::2], parts[2::2])}
    missing = [t for t in TAGS if t not in found]
    if missing:
        raise SystemExit(f"{path.name} lacks the cell(s) {', '.join(missing)}: begin each with a line "
                         "'# %% stub' or '# %% answers'.")
    return found


def tagged(nb, tag: str):
    """The one cell of `nb` tagged `tag`."""
    cells = [c for c in nb.cells if tag in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise SystemExit(f"expected one cell tagged {tag!r}, found {len(cells)}")
    return cells[0]


def solution_notebook(notebook: Path, solution: Path):
    """The notebook with its `stub` and `answers` cells replaced by the solution's, and a banner on top."""
    nb = copy.deepcopy(nbformat.read(notebook, as_version=4))
    for tag, code in sections(solution).items():
        cell = tagged(nb, tag)
        cell.source, cell.outputs, cell.execution_count = code.rstrip("\n"), [], None
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(BANNER.format(name=notebook.stem)))
    return nb


def verdicts(nb) -> tuple[list[str], list[str]]:
    """The check functions called in the `answers` cell, and the lines they printed that are not Right."""
    cell = tagged(nb, "answers")
    calls = CALL.findall(cell.source)
    printed = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
    rights = [line for line in printed.splitlines() if line.startswith("Right:")]
    wrong = [line for line in printed.splitlines() if line.startswith("Not yet:")]
    if len(rights) != len(calls):
        wrong.append(f"{len(calls)} checks called, {len(rights)} printed Right")
    return calls, wrong


def build(notebook: Path) -> tuple[str, float, int, list[str]]:
    """Write, run and judge one teacher's copy; returns (name, seconds, checks, problems)."""
    solution = SOLUTIONS / f"{notebook.stem}.py"
    if not solution.exists():
        return notebook.name, 0.0, 0, [f"no solutions file {solution.relative_to(ROOT)}"]
    target = OUT / notebook.name
    nbformat.write(solution_notebook(notebook, solution), target)
    env = {"CONVNETS_IMAGES": "0", "CONVNETS_RESULTS": str(OUT / f"{notebook.stem}.results.json"),
           "OMP_NUM_THREADS": "1"}
    try:
        seconds, _ = execute_measured(target, env=env)
    except Exception as err:  # a cell failed: nbconvert has printed which and why
        return notebook.name, 0.0, 0, [f"did not run to the end ({err})"]
    calls, problems = verdicts(nbformat.read(target, as_version=4))
    return notebook.name, seconds, len(calls), problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="notebooks run at once (default 2)")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    start, failed = time.perf_counter(), 0
    with ThreadPoolExecutor(args.jobs) as pool:
        for name, seconds, checks, problems in pool.map(build, args.notebooks or notebook_paths()):
            print(f"{name:40s} {checks:2d} checks  {seconds:5.1f} s  {'every check Right' if not problems else 'FAILED'}",
                  flush=True)
            for problem in problems:
                print(f"    {problem}")
            failed += bool(problems)
    print(f"teacher's copies in {OUT.relative_to(ROOT)}/, {time.perf_counter() - start:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
