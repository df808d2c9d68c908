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


def notebook_paths() -> list[Path]:
    """The course's notebooks, notebooks/NN_topic.ipynb, in order."""
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


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


# Runs nbconvert in a child Python and prints the peak resident memory of everything it waited for
# (nbconvert and the kernel it started): Linux passes a reaped child's peak up to its parent.
_MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def execute_measured(path: Path, output: Path | None = None, env: dict[str, str] | None = None) -> tuple[float, int]:
    """Run one notebook top to bottom, in place or into `output`; returns (seconds, peak bytes of the kernel).

    `env` adds to (or overrides) the environment, for example CONVNETS_DATA=mnist.
    """
    full_env = dict(os.environ, CONVNETS_PROGRESS="0", PYTHONHASHSEED="0", **(env or {}))
    src = path.resolve()
    target = ["--inplace"] if output is None else ["--output", str(output.resolve())]
    command = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", *target,
               "--log-level=ERROR", "--ExecutePreprocessor.timeout=1800", "--ExecutePreprocessor.record_timing=False",
               "--ExecutePreprocessor.store_widget_state=False", str(src)]
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _MEASURE, *command], env=full_env, cwd=src.parent,
                          stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    *messages, last = (done.stderr or "0").rstrip().splitlines() or ["0"]
    if done.returncode != 0:
        sys.stderr.write("\n".join(messages) + "\n")
        raise subprocess.CalledProcessError(done.returncode, command)
    tidy_outputs(output if output is not None else src)
    return seconds, int(last) if last.isdigit() else 0


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def tidy_outputs(path: Path) -> int:
    """Make a freshly executed notebook store the same on every run (see the two steps below);
    rewrites the file only if something changed, and returns how many outputs were touched."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    touched = drop_widget_views(nb) + coalesce_streams(nb) + fold_cells(nb)
    if touched:
        nbformat.write(nb, path)
    return touched


CHECK, SETUP = "check", "setup"  # the two tags of cells kept out of a learner's way (DEVELOPERS.md, "Check cells")


def fold_cells(nb) -> int:
    """Give the tagged cells the metadata that keeps them out of a learner's way; returns how many changed.

    A `check` cell holds CI's bookkeeping (asserts that only guard CI, record, save_figure, the canvas's
    error-message checks): JupyterLab shows it collapsed (`jupyter.source_hidden`) and the book leaves it out
    (`remove-cell`). A `setup` cell (the Colab install, the imports) stays open in JupyterLab and sits behind
    the book's toggle (`hide-input`).
    """
    changed = 0
    for cell in nb.cells:
        tags = list(cell.metadata.get("tags", []))
        wanted = tags + [t for t in (["remove-cell"] if CHECK in tags else ["hide-input"] if SETUP in tags else [])
                         if t not in tags]
        hidden = CHECK in tags
        if wanted != tags or bool(cell.metadata.get("jupyter", {}).get("source_hidden")) != hidden:
            if wanted != tags:
                cell.metadata["tags"] = wanted
            if hidden:
                cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
            else:
                cell.metadata.get("jupyter", {}).pop("source_hidden", None)
                if cell.metadata.get("jupyter") == {}:
                    del cell.metadata["jupyter"]
            changed += 1
    return changed


def coalesce_streams(nb) -> int:
    """Join consecutive stdout (or stderr) outputs of each cell into one; returns how many were joined.

    The kernel sends printed text in chunks whose boundaries depend on timing (one print can arrive
    as its text and then its newline), so without this the same run could store differently.
    """
    joined = 0
    for cell in nb.cells:
        if "outputs" not in cell:
            continue
        merged: list = []
        for out in cell["outputs"]:
            prev = merged[-1] if merged else None
            if (prev is not None and out.get("output_type") == "stream" and prev.get("output_type") == "stream"
                    and out.get("name") == prev.get("name")):
                prev["text"] = prev["text"] + out["text"]
                joined += 1
            else:
                merged.append(out)
        cell["outputs"] = merged
    return joined


def drop_widget_views(nb) -> int:
    """Remove live-widget references from the outputs, keeping their text/plain stand-in; returns how many.

    A widget output names a model by a random id whose state is not stored, so it cannot be shown
    from the file anyway (JupyterLab says "model not found", GitHub shows nothing); the text stand-in
    says what the widget is, and the file is the same on every run.
    """
    removed = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_VIEW in data and "text/plain" in data:
                del data[WIDGET_VIEW]
                removed += 1
    return removed


def execute(path: Path, output: Path | None = None) -> float:
    """Run one notebook top to bottom, in place or into `output`; returns the seconds it took."""
    return execute_measured(path, output)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--force", action="store_true", help="overwrite notebooks with uncommitted edits")
    args = parser.parse_args(argv)
    paths = args.notebooks or notebook_paths()
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
