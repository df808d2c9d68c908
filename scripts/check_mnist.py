"""Run every notebook on the full-MNIST path (`CONVNETS_DATA=mnist`) and report how each fared.

    python scripts/check_mnist.py            # the MNIST files in data/ (or CONVNETS_DATA_ROOT)
    python scripts/check_mnist.py --small    # a small MNIST-format folder written from the embedded digits
    make check-mnist  /  make check-mnist SMALL=1

The stored notebooks are never touched: executed copies go to build/mnist/ (build/mnist-small/ with
--small) and no figure is written to images/. With real MNIST files the headline figures are
recorded in results/mnist.json, which feeds the README's "full MNIST" column; the small folder
records into build/ instead, because its figures are not full MNIST's.

--small proves that the MNIST loading code (torchvision.datasets.MNIST reading IDX files) and every
notebook's derived sizes and asserts work end to end offline: the folder holds the 4,000 training
and 1,000 test digits of the default data, so the asserts meet the same digits they are tuned for.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from execute_notebooks import ROOT, execute_measured, notebook_paths  # noqa: E402

GIB = 1024**3


def write_small_folder(root: Path) -> Path:
    """Write the embedded train/test digits at 28x28 as MNIST IDX files under root; returns root."""
    from helpers.data import load_digits
    from mnist_files import write_mnist_folder  # scripts/mnist_files.py

    write_mnist_folder(root, load_digits("train", source="embedded"), load_digits("test", source="embedded"))
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--small", action="store_true", help="use a small MNIST-format folder made from the embedded digits")
    parser.add_argument("--root", type=Path, help="folder holding MNIST/raw (default: data/ or CONVNETS_DATA_ROOT)")
    args = parser.parse_args(argv)
    paths = args.notebooks or notebook_paths()
    out = ROOT / "build" / ("mnist-small" if args.small else "mnist")
    out.mkdir(parents=True, exist_ok=True)
    env = {"CONVNETS_DATA": "mnist", "CONVNETS_IMAGES": "0"}
    if args.small:
        env["CONVNETS_DATA_ROOT"] = str(write_small_folder(out / "data"))
        env["CONVNETS_RESULTS"] = str(out / "results.json")
    elif args.root is not None:
        env["CONVNETS_DATA_ROOT"] = str(args.root.resolve())
    failed = []
    total = 0.0
    for p in paths:
        print(f"executing {p.name} with CONVNETS_DATA=mnist ...", flush=True)
        try:
            seconds, peak = execute_measured(p, out / p.name, env)
        except subprocess.CalledProcessError:
            failed.append(p.name)
            print(f"  FAILED: {p.name} (the error is above)", flush=True)
            continue
        total += seconds
        print(f"  {p.name}: {seconds:.1f} s, peak memory {peak / GIB:.2f} GiB", flush=True)
    print(f"{len(paths) - len(failed)} of {len(paths)} notebooks ran clean in {total:.0f} s; copies in {out.relative_to(ROOT)}/")
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
