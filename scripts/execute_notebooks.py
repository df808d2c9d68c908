"""Re-execute notebooks in place, storing their outputs (`make execute`).

Refuses to overwrite a notebook that has uncommitted changes (a learner's edits) unless --force
is given (FORCE=1 in make). Progress bars are turned off so the stored outputs are stable.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def uncommitted(paths: list[Path], repo: Path = ROOT) -> list[Path]:
    """The notebooks among `paths` that differ from git's HEAD or are not tracked."""
    try:
        out = subprocess.run(["git", "status", "--porcelain", "--", *map(str, paths)], cwd=repo,
                             capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []  # not a git checkout: nothing to compare against
    changed = set()
    for line in out.splitlines():
        name = line[3:].strip().strip('"')
        changed.add((repo / name).resolve())
    return [p for p in paths if p.resolve() in changed]


def execute(path: Path, output: Path | None = None) -> float:
    """Run one notebook top to bottom, in place or into `output`; returns the seconds it took."""
    env = dict(os.environ, CONVNETS_PROGRESS="0", PYTHONHASHSEED="0")
    src = path.resolve()
    target = ["--inplace"] if output is None else ["--output", str(output.resolve())]
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", *target,
                    "--log-level=ERROR", "--ExecutePreprocessor.timeout=600", "--ExecutePreprocessor.record_timing=False",
                    "--ExecutePreprocessor.store_widget_state=False", str(src)], check=True, env=env, cwd=src.parent)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--force", action="store_true", help="overwrite notebooks with uncommitted edits")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    dirty = uncommitted(paths)
    if dirty and not args.force:
        names = ", ".join(p.name for p in dirty)
        print(f"Refusing to overwrite notebooks with uncommitted edits ({names}): commit or stash them, or run `make execute FORCE=1`.", file=sys.stderr)
        return 2
    for p in paths:
        print(f"executing {p.name} ...", flush=True)
        print(f"  {p.name}: {execute(p):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
