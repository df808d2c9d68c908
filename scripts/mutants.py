"""Mutation testing of the plumbing every notebook relies on (`make mutants`).

mutmut (pinned below, installed into the running Python on first use) makes small changes
("mutants") to helpers/data.py, train.py, augment.py, anatomy.py, drawing.py, to 06's `output_map`
(sliding_window_reader.py) and `decode` (sliding_window.py, exported from the notebook), and to 03's operators
(pooling_zoo.py, exported from the notebook: `windows`, `max_pool`, `avg_pool`, `lp_pool`, `lse_pool`), then runs, for each mutant, the unit tests that
call the mutated function (mutmut's stats phase finds them). A mutant is killed when a test fails.
The score of a module is killed / non-equivalent mutants; the goal is GOAL percent for each module,
and the script exits 1 when a module falls below it.

Everything happens in a copy, build/mutants/ (mutmut's own work folder is build/mutants/mutants/):
helpers/ is never touched. Three things are done to the copy only, none of which changes behaviour:
- functions with a decorator mutmut cannot see through (`@torch.no_grad()`, `@functools.lru_cache`,
  `@property`) are written undecorated, followed by `name = decorator(name)`, so that `predict`,
  `output_map` and data's cached loaders get mutants too (mutmut skips decorated functions);
- its conftest.py imports once what torch and the tests import lazily (each mutant's worker would
  import it again), and in mutmut's stats phase empties helpers.data's in-memory caches before each
  test, so that every test that reads digits counts as covering the data functions (otherwise only
  the first test of the run would);
- mutmut's settings are appended to the copy's pyproject.toml (see MUTMUT_SETTINGS).

Mutants that change only an error message are not run: a change inside the message argument of a
`raise` (the first argument of the exception) or of `warnings.warn`. They are counted apart ("msg").
Survivors that cannot change behaviour are listed in EQUIVALENT with the reason; every other survivor
is printed with its change, for a test to kill it.

Usage: python scripts/mutants.py [--modules data,train] [--jobs 2] [--resume]
"""

from __future__ import annotations

import argparse
import ast
import difflib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "mutants"
MUTMUT_VERSION = "3.8.1"  # the script reads mutmut's work files, so the version is pinned
GOAL = 85.0  # percent killed of the non-equivalent mutants, per module

# module -> the functions to mutate (None: every function and method of the module)
SCOPE: dict[str, tuple[str, ...] | None] = {
    "data": None,
    "train": None,
    "augment": None,
    "anatomy": None,
    "drawing": None,
    "sliding_window_reader": ("output_map",),
    "sliding_window": ("decode",),
    "pooling_zoo": ("windows", "max_pool", "avg_pool", "lp_pool", "lse_pool"),
}

# The tests run against the mutants: each module's unit tests, the tests that check what the notebooks
# feed these modules (bad inputs, devices, the MNIST path, shapes, 06's decoder and reader), and the
# tests written to kill survivors. mutmut runs, for each mutant, only those of them that call its function.
TESTS = [
    "tests/test_data.py", "tests/test_train.py", "tests/test_augment.py", "tests/test_anatomy.py",
    "tests/test_drawing.py", "tests/test_sliding_window_reader.py", "tests/test_pooling_zoo_operators.py",
    "tests/test_bad_inputs.py", "tests/test_devices.py", "tests/test_check_mnist.py", "tests/test_shapes.py",
    "tests/test_sliding_window_canvas.py",
]

COPIED = ["helpers", "tests", "scripts", "notebooks", "conftest.py", "pyproject.toml"]
UNWRAPPED = re.compile(r"^(torch\.no_grad\(\)|functools\.lru_cache\(.*\)|functools\.cache|property)$")

MUTMUT_SETTINGS = """
[tool.mutmut]
source_paths = ["helpers"]
only_mutate = {only_mutate}
pytest_add_cli_args_test_selection = {tests}
# unraisableexception: its gc.collect() at exit costs each worker 0.6 s on a heap that holds torch
pytest_add_cli_args = ["-p", "no:nbval", "-p", "no:unraisableexception"]
also_copy = ["scripts", "conftest.py", "notebooks"]
# torch is not fork-safe once it has run: fork each mutant's worker from a server that only imported the tests
process_isolation = "forkserver"
# a worker gets (its tests' seconds + 2) x 10 CPU seconds before it counts as a timeout (mutmut: (s + 1) x 30)
timeout_multiplier = 5.0
timeout_constant = 2.0
"""

CONFTEST = '''

# Added by scripts/mutants.py to its copy only.
import gc as _mutants_gc
import importlib as _mutants_importlib
import os as _mutants_os

import pytest as _mutants_pytest

# mutmut forks a worker per mutant from a server that has imported the tests; modules that torch and the
# tests import lazily (torch._dynamo alone takes 2 s, at a net's first optimizer) are imported here once.
for _name in ("torch._dynamo", "torchvision.datasets", "mlxtend.data", "matplotlib.pyplot", "ipywidgets", "tqdm.auto"):
    try:
        _mutants_importlib.import_module(_name)
    except ImportError:
        pass
_mutants_gc.freeze()  # what is imported so far stays put: the workers' garbage collections skip it


@_mutants_pytest.fixture(autouse=True)
def _mutants_fresh_data_caches():
    """In mutmut's stats phase, every test reads the digits afresh, so that each test that covers
    helpers.data's loaders is seen, not only the first of the run. (A mutant's worker starts with empty
    caches, so there the first test to read the digits computes them with the mutant, for all the rest.)"""
    if _mutants_os.environ.get("MUTANT_UNDER_TEST") == "stats":
        from helpers import data

        for cached in (data._resized, data._native, data._embedded_all):
            cached.cache_clear()
    yield
'''

# Survivors that cannot change behaviour: (module, function, change) -> reason. The change is the mutated
# source lines as the report prints them ("before -> after"); an entry no longer matches when the function
# is edited, and its mutant is then reported as a survivor again, to be judged afresh.
EQUIVALENT: dict[tuple[str, str, str], str] = {
    ('data', 'load_digits',
     'where = str(data_root(root).resolve()) if src == "mnist" else "" -> where = str(data_root(root).resolve()) if src == "mnist" else "XXXX"'):
        "any constant does as the embedded digits' cache key",
    ('data', 'resize',
     'return F.interpolate(images, size=(16, 16), mode="area").clamp_(0.0, 1.0) -> return F.interpolate(images, size=(16, 16), mode="area").clamp_(None, 1.0)'):
        'an area average of pixels in [0, 1] stays in [0, 1], rounding included: the clamp never acts on digits',
    ('data', 'resize',
     'return F.interpolate(images, size=(16, 16), mode="area").clamp_(0.0, 1.0) -> return F.interpolate(images, size=(16, 16), mode="area").clamp_(0.0, None)'):
        'an area average of pixels in [0, 1] stays in [0, 1], rounding included: the clamp never acts on digits',
    ('data', 'resize',
     'return F.interpolate(images, size=(16, 16), mode="area").clamp_(0.0, 1.0) -> return F.interpolate(images, size=(16, 16), mode="area").clamp_(0.0, )'):
        'an area average of pixels in [0, 1] stays in [0, 1], rounding included: the clamp never acts on digits',
    ('data', 'resize',
     'return F.interpolate(images, size=(16, 16), mode="area").clamp_(0.0, 1.0) -> return F.interpolate(images, size=(16, 16), mode="area").clamp_(0.0, 2.0)'):
        'an area average of pixels in [0, 1] stays in [0, 1], rounding included: the clamp never acts on digits',
    ('data', '_embedded_all',
     'return pixels.reshape(-1, 1, 28, 28).to(torch.float32) / 255.0, labels -> return pixels.reshape(-1, 1, 28, 28).to(None) / 255.0, labels'):
        "uint8 pixels / 255.0 are float32 anyway (torch's default dtype, which no notebook changes)",
    ('train', 'progress_enabled',
     'return bool(progress) and os.environ.get("CONVNETS_PROGRESS", "1").strip().lower() not in ("0", "false", "no", "off") -> return bool(progress) and os.environ.get("CONVNETS_PROGRESS", "XX1XX").strip().lower() not in ("0", "false", "no", "off")'):
        'any default outside the off words turns progress bars on',
    ('train', 'fit',
     'xb, yb = xb.to(dev, non_blocking=True), y[idx].to(dev, non_blocking=True) -> xb, yb = xb.to(dev, ), y[idx].to(dev, non_blocking=True)'):
        'the same tensors: non_blocking only lets a copy to a GPU overlap with the computation',
    ('train', 'fit',
     'xb, yb = xb.to(dev, non_blocking=True), y[idx].to(dev, non_blocking=True) -> xb, yb = xb.to(dev, non_blocking=False), y[idx].to(dev, non_blocking=True)'):
        'the same tensors: non_blocking only lets a copy to a GPU overlap with the computation',
    ('train', 'fit',
     'xb, yb = xb.to(dev, non_blocking=True), y[idx].to(dev, non_blocking=True) -> xb, yb = xb.to(dev, non_blocking=True), y[idx].to(dev, )'):
        'the same tensors: non_blocking only lets a copy to a GPU overlap with the computation',
    ('train', 'fit',
     'xb, yb = xb.to(dev, non_blocking=True), y[idx].to(dev, non_blocking=True) -> xb, yb = xb.to(dev, non_blocking=True), y[idx].to(dev, non_blocking=False)'):
        'the same tensors: non_blocking only lets a copy to a GPU overlap with the computation',
    ('train', 'fit',
     'history.train_accuracy.append(accuracy(model, (x, y), device=dev)) -> history.train_accuracy.append(accuracy(model, (x, y), device=None))'):
        "the model sits on dev while it trains, and accuracy runs on the model's own device by default",
    ('train', 'fit',
     'history.train_accuracy.append(accuracy(model, (x, y), device=dev)) -> history.train_accuracy.append(accuracy(model, (x, y), ))'):
        "the model sits on dev while it trains, and accuracy runs on the model's own device by default",
    ('train', 'fit',
     'history.test_accuracy.append(accuracy(model, test, device=dev)) -> history.test_accuracy.append(accuracy(model, test, device=None))'):
        "the model sits on dev while it trains, and accuracy runs on the model's own device by default",
    ('train', 'fit',
     'history.test_accuracy.append(accuracy(model, test, device=dev)) -> history.test_accuracy.append(accuracy(model, test, ))'):
        "the model sits on dev while it trains, and accuracy runs on the model's own device by default",
    ('train', 'fit',
     'opt.zero_grad(set_to_none=True) -> opt.zero_grad(set_to_none=None)'):
        "every parameter of a net gets a gradient in every batch, so zeroed and dropped old gradients give the same step",
    ('train', 'fit',
     'opt.zero_grad(set_to_none=True) -> opt.zero_grad(set_to_none=False)'):
        "every parameter of a net gets a gradient in every batch, so zeroed and dropped old gradients give the same step",
    ('anatomy', 'count_connections',
     'bias_only = {n for n, _ in layer.named_parameters(recurse=False)} == {"bias"} -> bias_only = {n for n, _ in layer.named_parameters(recurse=True)} == {"bias"}'):
        "only leaf layers get this far (layer_connections knows no container), and a leaf's parameters are its own either way",
    ('drawing', '_check_ink',
     'ys, xs = torch.meshgrid(torch.arange(step / 2, height, step), torch.arange(step / 2, width, step), indexing="ij") -> ys, xs = torch.meshgrid(torch.arange(step / 2, height, step), torch.arange(step / 2, width, step), )'):
        'torch.meshgrid indexes "ij" when not told (it adds a warning, not a difference)',
    ('train', '_warn_at_learners_line',
     'frame, here = sys._getframe(1), os.path.dirname(__file__) -> frame, here = sys._getframe(2), os.path.dirname(__file__)'):
        "its one caller, check_values, lives in helpers/ too, so the walk out of helpers/ ends at the same frame",
    ('augment', 'shift',
     'm = int(max(dy.abs().max().item(), dx.abs().max().item(), 0)) -> m = int(max(dy.abs().max().item(), dx.abs().max().item(), ))'):
        'the other two terms are >= 0 already',
    ('augment', 'shift',
     'm = int(max(dy.abs().max().item(), dx.abs().max().item(), 0)) -> m = int(max(dy.abs().max().item(), dx.abs().max().item(), 1))'):
        'when every shift is 0 the images are padded by one pixel and the same pixels gathered back: the same values (in the standard memory layout, which shift does not promise to keep)',
    ('anatomy', 'free_parameters',
     'return (sum(p.numel() for p in module.parameters(recurse=False) if p.requires_grad) -> return (sum(p.numel() for p in module.parameters(recurse=None) if p.requires_grad)'):
        'None is false: the same as recurse=False',
    ('anatomy', 'layer_connections',
     'own = dict(module.named_parameters(recurse=False)) -> own = dict(module.named_parameters(recurse=None))'):
        'None is false: the same as recurse=False',
    ('anatomy', 'count_connections',
     'bias_only = {n for n, _ in layer.named_parameters(recurse=False)} == {"bias"} -> bias_only = {n for n, _ in layer.named_parameters(recurse=None)} == {"bias"}'):
        'None is false: the same as recurse=False',
    ('drawing', '_check_ink',
     'ys, xs = torch.meshgrid(torch.arange(step / 2, height, step), torch.arange(step / 2, width, step), indexing="ij") -> ys, xs = torch.meshgrid(torch.arange(step / 2, height, step), torch.arange(step / 2, width, step), indexing=None)'):
        'torch.meshgrid indexes "ij" by default',
}


@dataclass
class Mutant:
    key: str  # mutmut's name, e.g. helpers.augment.x_shift__mutmut_9
    module: str
    function: str  # e.g. shift, History.epochs
    change: str = ""
    message: bool = False
    status: str = "not run"


@dataclass
class Row:
    module: str
    total: int = 0  # mutants run (message mutants left out)
    messages: int = 0
    killed: int = 0
    timeout: int = 0
    survived: list[Mutant] = field(default_factory=list)
    equivalent: list[tuple[Mutant, str]] = field(default_factory=list)
    other: list[Mutant] = field(default_factory=list)  # no tests, suspicious, not run

    @property
    def caught(self) -> int:
        return self.killed + self.timeout

    @property
    def non_equivalent(self) -> int:
        return self.total - len(self.equivalent)

    @property
    def score(self) -> float:
        return 100.0 * self.caught / self.non_equivalent if self.non_equivalent else 100.0


# ---------------------------------------------------------------------------------------------
# The tool and the copy
# ---------------------------------------------------------------------------------------------

def ensure_mutmut() -> Path:
    """The mutmut command of this Python, installing mutmut MUTMUT_VERSION with pip when it is missing."""
    try:
        have = importlib.metadata.version("mutmut")
    except importlib.metadata.PackageNotFoundError:
        have = None
    if have != MUTMUT_VERSION:
        print(f"installing mutmut=={MUTMUT_VERSION} into {sys.prefix} (found {have or 'none'})", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        f"mutmut=={MUTMUT_VERSION}"], check=True)
    return Path(sys.executable).parent / "mutmut"


def unwrap_decorators(source: str) -> str:
    """`@deco` + `def f` (deco in UNWRAPPED, alone on its line) -> `def f` + `f = deco(f)`, at module level
    and in top-level classes: the same objects, but mutmut mutates plain functions only."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    found = []
    for node in tree.body:
        for f in [node, *(node.body if isinstance(node, ast.ClassDef) else [])]:
            if isinstance(f, ast.FunctionDef) and len(f.decorator_list) == 1:
                deco = f.decorator_list[0]
                text = ast.get_source_segment(source, deco)
                if text and UNWRAPPED.match(text) and deco.lineno == deco.end_lineno == f.lineno - 1:
                    found.append((f, text))
    for f, text in sorted(found, key=lambda item: -item[0].lineno):
        indent = " " * f.col_offset
        lines.insert(f.end_lineno, f"{indent}{f.name} = {text}({f.name})\n")
        del lines[f.lineno - 2]
    return "".join(lines)


def prepare(modules: list[str]) -> None:
    """A fresh copy of the project in WORK, ready for mutmut."""
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "browser")
    for name in COPIED:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, WORK / name, ignore=ignore)
        else:
            shutil.copy2(src, WORK / name)
    for module in modules:
        path = WORK / "helpers" / f"{module}.py"
        path.write_text(unwrap_decorators(path.read_text(encoding="utf-8")), encoding="utf-8")
    tests = TESTS + sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("test_mutants_*.py"))
    settings = MUTMUT_SETTINGS.format(only_mutate=json.dumps([f"helpers/{m}.py" for m in modules]),
                                      tests=json.dumps(tests))
    with open(WORK / "pyproject.toml", "a", encoding="utf-8") as f:
        f.write(settings)
    with open(WORK / "conftest.py", "a", encoding="utf-8") as f:
        f.write(CONFTEST)


GENERATE = """
from pathlib import Path
from mutmut.__main__ import (copy_also_copy_files, copy_src_dir, create_mutants, makedirs,
                             set_mutant_under_test, setup_source_paths, store_lines_covered_by_tests)
set_mutant_under_test("mutant_generation")
makedirs(Path("mutants"), exist_ok=True)
copy_src_dir(); copy_also_copy_files(); setup_source_paths(); store_lines_covered_by_tests()
create_mutants(2)
"""


def generate() -> None:
    """mutmut's generation step alone (what `mutmut run` does first), so that the mutants can be sorted
    before any is run; `mutmut run` then finds them made and does not make them again."""
    subprocess.run([sys.executable, "-c", GENERATE], cwd=WORK, check=True, stdout=subprocess.DEVNULL)


# ---------------------------------------------------------------------------------------------
# Reading the mutants
# ---------------------------------------------------------------------------------------------

def _function_name(key: str) -> str:
    mangled = key.partition("__mutmut_")[0].rpartition(".")[2]
    if mangled.startswith("x_"):
        return mangled[2:]
    _, cls, name = mangled.split("ǁ")
    return f"{cls}.{name}"


def _functions(tree: ast.AST) -> dict[str, ast.FunctionDef]:
    return {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and "__mutmut_" in n.name}


def _differences(a, b, path=()):
    """The paths (parent node, field, index) at which two syntax trees differ."""
    if type(a) is not type(b):
        return [path]
    if isinstance(a, ast.AST):
        out = []
        for name in a._fields:
            va, vb = getattr(a, name, None), getattr(b, name, None)
            if isinstance(va, list) and isinstance(vb, list):
                if len(va) != len(vb):
                    out.append(path + ((a, name, None),))
                else:
                    for i, (x, y) in enumerate(zip(va, vb)):
                        out += _differences(x, y, path + ((a, name, i),))
            else:
                out += _differences(va, vb, path + ((a, name, None),))
        return out
    return [] if a == b else [path]


def _is_warn(func: ast.expr) -> bool:
    return isinstance(func, ast.Attribute) and func.attr == "warn" and isinstance(func.value, ast.Name) and func.value.id == "warnings"


def _in_message(path) -> bool:
    """Whether a difference lies in the message of a raised exception or of warnings.warn."""
    for i, (node, name, index) in enumerate(path):
        if isinstance(node, ast.Raise) and name == "exc" and i + 1 < len(path):
            call, name2, index2 = path[i + 1]
            if isinstance(call, ast.Call) and name2 == "args" and index2 == 0:
                return True
        if isinstance(node, ast.Call) and _is_warn(node.func) and name == "args" and index == 0:
            return True
    return False


def _plain_name(line: str) -> str:
    return re.sub(r"\bx[_ǁ](?:\w+ǁ)?(\w+?)__mutmut_orig\b", r"\1", line)


def _change(original: str, mutated: str) -> str:
    """The mutated lines, "before -> after", each side's lines joined with " / " (the functions' names,
    which mutmut makes differ, read as the original's)."""
    a = original.splitlines()
    b = [re.sub(r"__mutmut_\d+\b", "__mutmut_orig", line) for line in mutated.splitlines()]
    before, after = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            before += [_plain_name(line.strip()) for line in a[i1:i2]]
            after += [_plain_name(line.strip()) for line in b[j1:j2]]
    return f"{' / '.join(before)} -> {' / '.join(after)}"


def read_mutants(modules: list[str]) -> list[Mutant]:
    """Every mutant in SCOPE, with its change and whether it touches only a message."""
    out = []
    for module in modules:
        path = WORK / "mutants" / "helpers" / f"{module}.py"
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        funcs = _functions(ast.parse(source))
        keys = json.loads(path.with_name(path.name + ".meta").read_text(encoding="utf-8"))["exit_code_by_key"]
        for key in keys:
            function = _function_name(key)
            if SCOPE[module] is not None and function not in SCOPE[module]:
                continue
            name = key.rpartition(".")[2]
            mutant, original = funcs[name], funcs[name.partition("__mutmut_")[0] + "__mutmut_orig"]
            diffs = _differences(ast.Module([*mutant.body], []), ast.Module([*original.body], []))
            diffs += _differences(mutant.args, original.args)
            m = Mutant(key, module, function)
            m.change = _change(*("\n".join(lines[f.lineno - 1:f.end_lineno]) for f in (original, mutant)))
            m.message = bool(diffs) and all(_in_message(d) for d in diffs)
            out.append(m)
    return out


def read_results(mutants: list[Mutant]) -> None:
    from mutmut.stats import status_by_exit_code

    codes = {}
    for module in {m.module for m in mutants}:
        meta = WORK / "mutants" / "helpers" / f"{module}.py.meta"
        codes.update(json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"])
    for m in mutants:
        if not m.message:
            m.status = status_by_exit_code[codes.get(m.key)]


# ---------------------------------------------------------------------------------------------
# Running and reporting
# ---------------------------------------------------------------------------------------------

def run_mutmut(mutmut: Path, names: list[str], jobs: int) -> None:
    """`mutmut run` on the given mutants, its output in WORK/mutmut.log, a progress line a minute."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "CONVNETS_PROGRESS": "0", "CONVNETS_IMAGES": "0"}
    env.pop("CONVNETS_DATA", None)
    log = WORK / "mutmut.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(mutmut), "run", "--max-children", str(jobs), *names], cwd=WORK, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
        start = last = time.monotonic()
        while proc.poll() is None:
            time.sleep(2)
            if time.monotonic() - last >= 60:
                last = time.monotonic()
                tail = log.read_bytes()[-4000:].decode("utf-8", "replace")
                done = re.findall(r"(\d+)/(\d+)\s", tail)
                where = f"{done[-1][0]}/{done[-1][1]} mutants" if done else "stats and clean run"
                print(f"  {(last - start) / 60:4.1f} min: {where}", flush=True)
    if proc.returncode != 0:
        print(log.read_text(encoding="utf-8", errors="replace")[-3000:])
        raise SystemExit(f"mutmut run failed (exit {proc.returncode}); its output is in {log}. "
                         "`python scripts/mutants.py --resume` tests the mutants left.")


def score(modules: list[str], mutants: list[Mutant]) -> list[Row]:
    rows = {m: Row(m) for m in modules}
    for m in mutants:
        row = rows[m.module]
        if m.message:
            row.messages += 1
            continue
        row.total += 1
        if m.status == "killed":
            row.killed += 1
        elif m.status in ("timeout", "segfault"):  # a mutant that hangs or crashes the tests is caught
            row.timeout += 1
        elif m.status == "survived":
            reason = EQUIVALENT.get((m.module, m.function, m.change))
            if reason:
                row.equivalent.append((m, reason))
            else:
                row.survived.append(m)
        else:
            row.other.append(m)
    return list(rows.values())


def report(rows: list[Row], seconds: float) -> str:
    lines = []
    for row in rows:
        for m in row.survived + row.other:
            lines.append(f"  {m.status:9s} {m.module}.{m.function}: {m.change}")
    if lines:
        lines.insert(0, "Survivors not judged equivalent (add a test that kills each, or an EQUIVALENT entry with its reason):")
    lines += ["", f"{'module':10s}{'mutants':>9s}{'msg':>6s}{'killed':>8s}{'timeout':>9s}{'survived':>10s}"
                  f"{'equiv':>7s}{'other':>7s}{'score':>10s}"]
    for r in rows:
        lines.append(f"{r.module:10s}{r.total:9d}{r.messages:6d}{r.killed:8d}{r.timeout:9d}{len(r.survived):10d}"
                     f"{len(r.equivalent):7d}{len(r.other):7d}{r.score:9.1f}%")
    lines.append(f"score = (killed + timeout) / (mutants - equivalent); goal {GOAL:.0f}% per module; "
                 f"msg = message-only mutants, not run; {seconds / 60:.1f} min")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modules", default=",".join(SCOPE), help="comma-separated subset of: " + ", ".join(SCOPE))
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--resume", action="store_true",
                        help=f"go on with an interrupted run: keep {WORK.relative_to(ROOT)} and test only the mutants without a result")
    args = parser.parse_args(argv)
    modules = [m for m in args.modules.split(",") if m]
    unknown = [m for m in modules if m not in SCOPE]
    if unknown:
        parser.error(f"unknown module {unknown[0]!r}: use some of {', '.join(SCOPE)}")
    start = time.monotonic()
    mutmut = ensure_mutmut()
    if not (args.resume and (WORK / "mutants").is_dir()):
        prepare(modules)
        generate()
    mutants = read_mutants(modules)
    names = [m.key for m in mutants if not m.message]
    if args.resume:
        read_results(mutants)
        names = [m.key for m in mutants if not m.message and m.status == "not checked"]
    print(f"mutmut {MUTMUT_VERSION}: {len(names)} mutants of {', '.join(modules)} "
          f"({sum(m.message for m in mutants)} message-only mutants not run); {args.jobs} at a time, in {WORK}", flush=True)
    if names:
        run_mutmut(mutmut, names, args.jobs)
    read_results(mutants)
    rows = score(modules, mutants)
    text = report(rows, time.monotonic() - start)
    (WORK / "report.txt").write_text(text + "\n", encoding="utf-8")
    (WORK / "report.json").write_text(json.dumps([
        {"module": r.module, "mutants": r.total, "message_only": r.messages, "killed": r.killed, "timeout": r.timeout,
         "survived": [[m.function, m.change] for m in r.survived], "other": [[m.status, m.function, m.change] for m in r.other],
         "equivalent": [[m.function, m.change, why] for m, why in r.equivalent], "score": round(r.score, 1)}
        for r in rows], indent=1), encoding="utf-8")
    print(text)
    low = [r.module for r in rows if r.score < GOAL]
    if low:
        print(f"below {GOAL:.0f}%: {', '.join(low)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
