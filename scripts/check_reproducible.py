"""Prove that executing a notebook twice gives byte-identical files (`make reproducible`).

Each notebook is executed twice into build/reproducible/ exactly as `make execute` would, and the
two files are compared byte for byte, and with the stored notebook (use --stored-only-warn to
report a stale stored copy without failing). Exits non-zero on any difference.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from execute_notebooks import ROOT, execute, notebook_paths  # noqa: E402


def first_difference(a: bytes, b: bytes) -> str:
    diff = difflib.unified_diff(a.decode().splitlines(), b.decode().splitlines(), lineterm="", n=0)
    return "\n".join(list(diff)[2:8])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--stored-only-warn", action="store_true")
    args = parser.parse_args(argv)
    paths = args.notebooks or notebook_paths()
    out = ROOT / "build" / "reproducible"
    out.mkdir(parents=True, exist_ok=True)
    failed = False
    for p in paths:
        runs = []
        for k in (1, 2):
            target = out / f"{p.stem}.run{k}.ipynb"
            seconds = execute(p, target)
            runs.append(target.read_bytes())
            print(f"{p.name} run {k}: {seconds:.1f} s", flush=True)
        if runs[0] != runs[1]:
            failed = True
            print(f"DIFFERENT: {p.name} changed between two runs:\n{first_difference(runs[0], runs[1])}")
        elif runs[0] != p.read_bytes():
            print(f"stale: {p.name} runs reproducibly but differs from the stored copy; run `make execute`")
            failed = failed or not args.stored_only_warn
        else:
            print(f"identical: {p.name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
