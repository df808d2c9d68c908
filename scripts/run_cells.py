"""Run every notebook's code cells in order, in an IPython shell without Jupyter (the GPU check).

    python scripts/run_cells.py [--jobs N] [--out DIR] [NOTEBOOK ...]

A machine lent with a GPU has PyTorch but no Jupyter server or kernel, and nothing can be installed
there from a registry. This runs each notebook in its own process: an IPython InteractiveShell
executes the code cells top to bottom, as a kernel would (magics, `display`, widgets without a
front end), so every assert of the notebook runs. A cell marked `# NBVAL_RAISES_EXCEPTION` must
raise; any other error stops that notebook. Figures and results stay out of the checkout
(CONVNETS_IMAGES=0; each notebook's results go to DIR/<notebook>-results.json).

It prints one line per notebook (passed or the failing cell, counted among code cells from 0 and
among all cells from 0, and the seconds it took) and writes DIR/summary.json and DIR/<notebook>.log.
The device is the notebooks' own choice (`helpers.train.pick_device`: CUDA when PyTorch sees it;
CONVNETS_DEVICE=cpu keeps everything on the CPU). Needs IPython, ipywidgets, anywidget, mlxtend and
matplotlib beside torch, and the helpers importable (this script puts the checkout on sys.path).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_one(path: Path, out: Path) -> dict:
    """Execute the code cells of `path` in this process; return what happened."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    sys.path.insert(0, str(ROOT))
    from IPython.core.interactiveshell import InteractiveShell

    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    shell = InteractiveShell.instance()
    report: dict = {"notebook": path.name, "passed": False, "cells": 0}
    start = time.perf_counter()
    code_index = -1
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        code_index += 1
        source = "".join(cell["source"])
        must_raise = "NBVAL_RAISES_EXCEPTION" in source or "raises-exception" in cell.get("metadata", {}).get("tags", [])
        print(f"\n### cell {index} (code cell {code_index})", flush=True)
        result = shell.run_cell(source, store_history=False)
        error = result.error_before_exec or result.error_in_exec
        report["cells"] = code_index + 1
        if must_raise and error is None:
            report.update(cell=index, code_cell=code_index, error="the cell should raise but ran without error")
            break
        if error is not None and not must_raise:
            report.update(cell=index, code_cell=code_index,
                          error="".join(traceback.format_exception_only(type(error), error)).strip())
            break
    else:
        report["passed"] = True
    report["seconds"] = round(time.perf_counter() - start, 1)
    import torch

    report["torch"] = torch.__version__
    report["cuda"] = torch.cuda.get_device_name() if torch.cuda.is_available() else None
    report["device"] = os.environ.get("CONVNETS_DEVICE") or ("cuda" if torch.cuda.is_available() else "cpu")
    (out / f"{path.stem}.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--jobs", type=int, default=2, help="notebooks run at a time (default 2)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "run-cells")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.one:
        return 0 if run_one(args.notebooks[0], args.out)["passed"] else 1
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

    def child(path: Path) -> dict:
        env = {**os.environ, "CONVNETS_IMAGES": "0", "CONVNETS_PROGRESS": "0",
               "CONVNETS_RESULTS": str((args.out / f"{path.stem}-results.json").resolve())}
        with open(args.out / f"{path.stem}.log", "w", encoding="utf-8") as log:
            subprocess.run([sys.executable, __file__, "--one", "--out", str(args.out), str(path.resolve())],
                           stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        report = args.out / f"{path.stem}.json"
        if report.exists():
            return json.loads(report.read_text(encoding="utf-8"))
        return {"notebook": path.name, "passed": False, "error": f"the process died; see {path.stem}.log"}

    start = time.perf_counter()
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        reports = list(pool.map(child, notebooks))
    for r in reports:
        where = "" if r["passed"] else f" at cell {r.get('cell')} (code cell {r.get('code_cell')}): {r.get('error')}"
        print(f"{r['notebook']:40s} {'passed' if r['passed'] else 'FAILED'} {r.get('seconds', '?')} s "
              f"on {r.get('device')} (torch {r.get('torch')}){where}")
    print(f"all: {time.perf_counter() - start:.0f} s, {sum(r['passed'] for r in reports)} of {len(reports)} passed")
    (args.out / "summary.json").write_text(json.dumps(reports, indent=1), encoding="utf-8")
    return 0 if all(r["passed"] for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
