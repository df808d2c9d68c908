"""Prove the stored outputs are the same on other CPUs: nbval over every notebook with perturbed numerics
(`make portable`; CI runs it after `make test`).

    python scripts/check_portable.py            # every combination this CPU can run
    python scripts/check_portable.py --list     # only say which combinations, and why
    python scripts/check_portable.py --only generic [notebooks ...]

Another CPU sums floats in another order: PyTorch picks its kernels by instruction set
(ATEN_CPU_CAPABILITY: default, avx2, avx512), oneDNN, which runs the convolutions, picks its own
(DNNL_MAX_CPU_ISA), MKL, the BLAS, too (MKL_ENABLE_INSTRUCTIONS), and more threads split sums
differently (OMP_NUM_THREADS, for the notebooks that do not pin one thread). Each of these can be
forced down on this one machine, so each combination below re-runs nbval as a learner's machine
with that CPU would. Every output that nbval compares exactly must survive all of them; training
results are not compared (NBVAL_IGNORE_OUTPUT) but their asserts must hold.

The combinations differ from each other in every setting at once (a generic x86-64 CPU on one
thread; an AVX2 CPU on three threads; an AVX-512 CPU where this one has it), which keeps the run
short: each takes as long as `make test`'s notebooks or up to twice that (the generic kernels are
slower). On a CPU with AVX-512 the avx512 combination is `make test`'s own path (native kernels,
one thread): CI, which has just run `make test`, passes `--skip-native` and saves that run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from execute_notebooks import notebook_paths

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Combination:
    name: str
    why: str
    env: dict[str, str] = field(default_factory=dict)


def native_capability() -> str:
    """The instruction set PyTorch uses on this CPU unless told otherwise: DEFAULT, AVX2 or AVX512.

    Asked in a child process with ATEN_CPU_CAPABILITY unset (an explicit setting would be echoed back
    even where the CPU cannot run it)."""
    env = {k: v for k, v in os.environ.items() if k != "ATEN_CPU_CAPABILITY"}
    out = subprocess.run([sys.executable, "-c", "import torch; print(torch.backends.cpu.get_cpu_capability())"],
                         env=env, capture_output=True, text=True, check=True).stdout
    return out.strip().upper()


def combinations(capability: str) -> list[Combination]:
    """The perturbations to run on a CPU whose native PyTorch capability is `capability`."""
    combos = [Combination(
        "generic", "a CPU without AVX: PyTorch's default kernels, oneDNN's SSE4.1 path, MKL's SSE4.2 path, 1 thread",
        {"ATEN_CPU_CAPABILITY": "default", "DNNL_MAX_CPU_ISA": "SSE41", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",
         "OMP_NUM_THREADS": "1"})]
    if capability in ("AVX2", "AVX512"):
        combos.append(Combination(
            "avx2", "an AVX2 CPU (as most AMD and older Intel machines): AVX2 kernels everywhere, 3 threads",
            {"ATEN_CPU_CAPABILITY": "avx2", "DNNL_MAX_CPU_ISA": "AVX2", "MKL_ENABLE_INSTRUCTIONS": "AVX2",
             "OMP_NUM_THREADS": "3"}))
    if capability == "AVX512":
        combos.append(Combination(
            "avx512", "an AVX-512 CPU: AVX-512 kernels everywhere, 1 thread",
            {"ATEN_CPU_CAPABILITY": "avx512", "DNNL_MAX_CPU_ISA": "AVX512_CORE", "MKL_ENABLE_INSTRUCTIONS": "AVX512",
             "OMP_NUM_THREADS": "1"}))
    return combos


def is_native(combo: Combination, capability: str) -> bool:
    """True when `combo` is what `make test` already runs here: this CPU's own kernels, one thread."""
    return combo.env.get("ATEN_CPU_CAPABILITY", "").upper() == capability and combo.env.get("OMP_NUM_THREADS") == "1"


def nbval_command(paths: list[Path], workers: int) -> list[str]:
    """nbval over `paths`; with workers > 1, pytest-xdist runs whole notebooks side by side (--dist loadfile
    keeps every cell of a notebook in one kernel, in order)."""
    command = [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider", "-q"]
    if workers > 1:
        command += ["-n", str(workers), "--dist", "loadfile"]
    return command + [str(p) for p in paths]


def run(combo: Combination, paths: list[Path], workers: int) -> tuple[bool, float]:
    """nbval under `combo`; returns (passed, seconds). Writes nothing into the repository."""
    build = ROOT / "build" / "portable"
    build.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, CONVNETS_PROGRESS="0", CONVNETS_IMAGES="0",
               CONVNETS_RESULTS=str(build / f"results-{combo.name}.json"), **combo.env)
    start = time.perf_counter()
    done = subprocess.run(nbval_command(paths, workers), env=env, cwd=ROOT)
    return done.returncode == 0, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--list", action="store_true", help="print the combinations and exit")
    parser.add_argument("--only", action="append", default=[], help="run only this combination (repeatable)")
    parser.add_argument("--skip-native", action="store_true",
                        help="skip the combination that is this CPU's own path at one thread: `make test` has just run it "
                             "(CI's .ci/run does this; on an AVX-512 CPU that is the avx512 combination)")
    parser.add_argument("--workers", type=int, default=2, help="notebooks run side by side on one thread each (default 2; combinations with more threads run one at a time)")
    args = parser.parse_args(argv)
    capability = native_capability()
    combos = combinations(capability)
    unknown = set(args.only) - {c.name for c in combos}
    if unknown:
        print(f"Unknown combination {', '.join(sorted(unknown))}: this CPU ({capability}) can run "
              f"{', '.join(c.name for c in combos)}.", file=sys.stderr)
        return 2
    if args.only:
        combos = [c for c in combos if c.name in args.only]
    if args.skip_native:
        native = [c for c in combos if is_native(c, capability)]
        combos = [c for c in combos if c not in native]
        for c in native:
            print(f"Skipping {c.name}: `make test` runs this CPU's own {capability} kernels at one thread, the same path.")
    print(f"This CPU runs PyTorch's {capability} kernels natively; `make test` checks that path.")
    for c in combos:
        print(f"  {c.name:8s} {c.why}\n           {' '.join(f'{k}={v}' for k, v in c.env.items())}")
    if args.list:
        return 0
    paths = args.notebooks or notebook_paths()
    results = []
    for c in combos:
        # several threads per kernel beside another busy kernel slow both down many times over: one worker then
        workers = args.workers if c.env.get("OMP_NUM_THREADS", "1") == "1" else 1
        print(f"\n== {c.name} ({workers} notebook{'s' if workers > 1 else ''} at a time): "
              f"{' '.join(f'{k}={v}' for k, v in c.env.items())}", flush=True)
        results.append((c, *run(c, paths, workers)))
    print("\nperturbed numerics:")
    for c, ok, seconds in results:
        print(f"  {c.name:8s} {'passed' if ok else 'FAILED'} in {seconds:.0f} s")
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
