"""Run every notebook as Google Colab would (`make colab-check`): a fresh runtime, the setup cell's own install.

    python scripts/check_colab.py [NOTEBOOK ...] [--keep]

Run it with .venv's python (it reads .venv's packages and runs nbval from there). Offline apart from
the package registry. Exit status 0 only if every step below passed.

1. A Colab-like environment in build/colab/env: a virtualenv holding ipywidgets 7.7.1 (Colab's
   major version 7, from the registry) and, through a .pth file placed after its own packages, what
   Colab preinstalls, borrowed from .venv without the rest of .venv: build/colab/preinstalled/ holds
   links to exactly the site-packages entries (packages, modules and their *.dist-info, so pip sees them
   installed) of the dependency closure of torch, torchvision, numpy, matplotlib, mlxtend, pillow, tqdm
   and ipykernel. Never the course's helpers, anywidget, psygnal, nbval or pytest: the check proves
   `import helpers` and `import anywidget` fail there before any notebook runs. The env's own pip and
   setuptools (setuptools at .venv's version: torch needs a recent one, as Colab has). Reused while .venv's
   package set is unchanged (a stamp file); what an earlier run installed into it is uninstalled first.
2. A stand-in for `google.colab` (build/colab/standin), imported when the kernel starts (an IPython
   startup file in build/colab/ipython), so the setup cell takes its Colab branch; its
   `output.enable_custom_widget_manager()` writes down each call and its caller (anywidget calls it too,
   once per kernel, when it sees google.colab.output): the setup cell must call it first, once.
3. The repository address of pyproject.toml rewritten by git (`url.<bare repo>.insteadOf`, in a
   GIT_CONFIG_GLOBAL file) to build/colab/repo.git, holding the commit under test as `main` (HEAD, or
   `git stash create` when tracked files have uncommitted changes). So the setup cell's own
   `!pip install -q "convnet-origins-helpers @ git+<address>"` is the install that runs. Before any
   notebook runs, pip's resolver is asked (`--dry-run --report`) what that line installs: never torch,
   torchvision, ipywidgets, numpy or matplotlib. After the runs, the distributions that appeared must
   be the helpers and exactly what that plan named.
4. Each notebook, as the commit under test holds it, copied alone into an empty temporary folder
   outside the repository (Colab's /content; the temporary folders of `tempfile`) and run
   there, top to bottom, by nbval (from .venv) through a kernel of the Colab-like python, compared with
   its stored outputs. 01 first, alone until its setup cell has installed the helpers, then two at a
   time, longest first (06 02 05 03 04 07 08): the later setup cells find the helpers installed and pip
   leaves them alone (checked), so no two installs race. The kernel: OMP_NUM_THREADS=1, CONVNETS_PROGRESS=0, figures inline
   (MPLBACKEND=Agg would drop every figure from the outputs), a fresh HOME per notebook (a fresh runtime:
   no cached digits, no pip cache; matplotlib's font cache warm, as in Colab's image), figures and
   results written as on Colab (CONVNETS_IMAGES and CONVNETS_RESULTS unset).
5. Afterwards: each folder holds the figures its notebook saves (images/) and results/embedded.json
   with the figures it records; nothing was written into the installed package's folder; the second
   and later setup cells did not reinstall the package; no kernel wrote inside the checkout (an audit hook
   in each kernel, which only watches, logs every write there), and `git status --porcelain` is compared
   before and after (a change there that no kernel made, another person's edits meanwhile, is printed).

Where Colab's path legitimately prints something else than the stored outputs, nbval is given a
sanitize file (SANITIZE below says which lines and why); notebooks' asserts are never weakened.
Logs: build/colab/logs/ (each notebook's pytest output and junit file, the resolver's report and log).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import venv
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BUILD = ROOT / "build" / "colab"
ENV = BUILD / "env"
PREINSTALLED = BUILD / "preinstalled"
STANDIN = BUILD / "standin"
IPYTHONDIR = BUILD / "ipython"
HOMES = BUILD / "home"
BARE_REPO = BUILD / "repo.git"
LOGS = BUILD / "logs"
STAMP = ENV / ".colab-stamp.json"

# What Colab preinstalls that the course uses (the kernel too), borrowed from .venv with their dependencies.
COLAB_PREINSTALLED = ("torch", "torchvision", "numpy", "matplotlib", "mlxtend", "pillow", "tqdm", "ipykernel")
IPYWIDGETS = "ipywidgets==7.7.1"  # Colab's ipywidgets (major version 7), from the registry
# Never borrowed: Colab's own ipywidgets 7 stack comes from the registry, the course's package and its
# widget dependencies are what the setup cell must install, pip and setuptools are the env's own.
NOT_BORROWED = ("ipywidgets", "widgetsnbextension", "jupyterlab-widgets", "anywidget", "psygnal",
                "convnet-origins-helpers", "nbval", "pytest", "pip", "setuptools", "wheel")
# Colab must never reinstall these: the setup cell's install may not touch them.
NEVER_REINSTALLED = ("torch", "torchvision", "ipywidgets", "numpy", "matplotlib")
PACKAGE = "convnet-origins-helpers"
KERNEL_NAME = "colab-check"
LONGEST_FIRST = ("06", "02", "05", "03", "04", "01", "07", "08")  # as `make test` orders them
FORMAT = 1  # bump to rebuild every env made by an earlier version of this script

# (regex, replacement, why) for outputs that Colab's path legitimately prints otherwise; nbval applies each
# (re.sub, per output string) to the stored and the new output alike. None is needed (2026-12-04, all eight
# notebooks): a successful `pip install -q` prints nothing, so the setup cell's stored output (none) holds;
# stored notebooks keep only a widget's text/plain stand-in, which ipywidgets 7 builds from the same repr
# as 8, and nbval skips the widget-view JSON (random model ids). A sanitize rule cannot help where a cell
# gains a new output (nbval compares which output fields exist before their text): the pip notice that
# would do so is turned off in kernel_environment instead.
SANITIZE: list[tuple[str, str, str]] = []


# ---------------------------------------------------------------- pure parts (tests/test_check_colab.py)

def canonical(name: str) -> str:
    """A distribution name as PEP 503 compares it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def repository_url(pyproject_text: str) -> str:
    """The course's repository address: pyproject.toml's `Repository = "..."` line (as tests/test_colab.py reads it)."""
    found = re.search(r'^Repository = "([^"]+)"', pyproject_text, re.M)
    if not found:
        raise ValueError("pyproject.toml has no `Repository = \"https://...\"` line under [project.urls].")
    return found.group(1)


def setup_requirement(url: str) -> str:
    """The requirement the notebooks' setup cell installs."""
    return f"{PACKAGE} @ git+{url}"


def git_config_text(bare_repo: Path, url: str) -> str:
    """A git config that sends `url` (and anything under it) to the local bare repository instead."""
    return f'[url "{bare_repo.resolve().as_uri()}"]\n\tinsteadOf = {url}\n'


def record_entries(record_paths: list[str]) -> set[str]:
    """The site-packages entries a distribution owns: first components of its RECORD paths, without
    ../ (scripts in bin/), bin/, __pycache__ and .pth files (which site would run)."""
    entries = set()
    for path in record_paths:
        first = path.replace("\\", "/").split("/")[0]
        if not first or first.startswith("..") or first in ("bin", "__pycache__") or first.endswith(".pth"):
            continue
        entries.add(first)
    return entries


def dependency_closure(roots: tuple[str, ...] | list[str], requires: dict[str, list[str]],
                       environment: dict[str, str] | None = None) -> tuple[set[str], set[str]]:
    """The distributions `roots` need, following `requires` (canonical name -> its Requires-Dist lines);
    markers are evaluated for `environment` (this interpreter if None), extras only where asked for.
    Returns (closure, names required but not installed)."""
    from packaging.requirements import Requirement

    seen: dict[str, set[str]] = {}
    missing: set[str] = set()
    todo: list[tuple[str, set[str]]] = [(canonical(r), set()) for r in roots]
    while todo:
        name, extras = todo.pop()
        if name not in requires:
            missing.add(name)
            continue
        if name in seen and extras <= seen[name]:
            continue
        seen[name] = seen.get(name, set()) | extras
        for line in requires[name]:
            req = Requirement(line)
            if req.marker is not None and not any(req.marker.evaluate({**(environment or {}), "extra": e})
                                                  for e in (seen[name] or {""})):
                continue
            todo.append((canonical(req.name), set(req.extras)))
    return set(seen), missing


@dataclass
class Inventory:
    """One distribution of .venv as importlib.metadata sees it."""
    name: str
    version: str
    requires: list[str]
    entries: set[str]
    editable: bool = False
    pth: list[str] = field(default_factory=list)


def borrowed_set(inventory: list[Inventory], roots=COLAB_PREINSTALLED, not_borrowed=NOT_BORROWED,
                 environment: dict[str, str] | None = None) -> tuple[dict[str, Inventory], set[str], set[str]]:
    """What build/colab/preinstalled links to: the dependency closure of `roots` in `inventory`, less
    `not_borrowed` and anything editable or installed through a .pth file.

    Returns ({canonical name: distribution}, the site-packages entries to link, the names left out)."""
    by_name = {canonical(d.name): d for d in inventory}
    closure, missing = dependency_closure(roots, {n: d.requires for n, d in by_name.items()}, environment)
    if missing & {canonical(r) for r in roots}:
        raise ValueError(f".venv lacks {', '.join(sorted(missing & {canonical(r) for r in roots}))}: run `make install`.")
    refused = {canonical(n) for n in not_borrowed}
    left_out = {n for n in closure if n in refused or by_name[n].editable or by_name[n].pth}
    chosen = {n: by_name[n] for n in sorted(closure - left_out)}
    entries: set[str] = set()
    for d in chosen.values():
        entries |= d.entries  # a namespace folder shared by several (nvidia/) is one entry, linked once
    return chosen, entries, left_out


def stamp_key(inventory: list[Inventory], python_version: str) -> str:
    """What the reused env depends on: .venv's package set, its Python, the ipywidgets pin and this script's format."""
    text = json.dumps({"format": FORMAT, "python": python_version, "ipywidgets": IPYWIDGETS,
                       "venv": sorted(f"{canonical(d.name)}=={d.version}" for d in inventory)})
    return hashlib.sha256(text.encode()).hexdigest()


def planned_installs(report: dict) -> dict[str, str]:
    """{canonical name: version} of what a `pip install --dry-run --report` would install."""
    return {canonical(item["metadata"]["name"]): item["metadata"]["version"] for item in report.get("install", [])}


def reinstall_problems(report: dict, pip_log: str = "", never=NEVER_REINSTALLED) -> list[str]:
    """What is wrong with the resolver's plan: it installs, or downloads, one of `never`."""
    problems = []
    planned = planned_installs(report)
    for name in never:
        if canonical(name) in planned:
            problems.append(f"pip would install {name} {planned[canonical(name)]}: Colab would replace its own {name}")
    file_name = re.compile(r"(?:Downloading|Using cached|Collecting|Obtaining)\s+(?:\S*/)?([A-Za-z0-9_.\-]+)")
    downloaded = set()
    for line in pip_log.splitlines():
        found = file_name.search(line)
        if found:
            token = found.group(1)
            for name in never:
                if re.match(rf"{re.escape(name)}(?:$|[-=<>~!\[ ]|-\d)", token, re.I) and canonical(name) not in planned:
                    downloaded.add(name)
    problems += [f"pip would download {name} (its log: {sorted(downloaded)})" for name in sorted(downloaded)]
    return problems


def new_distribution_problems(before: dict[str, str], after: dict[str, str], planned: dict[str, str],
                              never=NEVER_REINSTALLED) -> tuple[dict[str, str], list[str]]:
    """Compare the env's {name: version} before and after the notebooks ran. What appeared or changed must
    be exactly the helpers and the resolver's plan (at the planned versions), and none of `never`.
    Returns ({name: version} of what appeared or changed, problems)."""
    new = {n: v for n, v in after.items() if n not in before or before[n] != v}
    problems = []
    expected = set(planned) | {canonical(PACKAGE)}
    if set(new) != expected:
        extra, lacking = sorted(set(new) - expected), sorted(expected - set(new))
        problems.append("what the notebooks installed differs from the resolver's plan"
                        + (f"; not planned: {', '.join(f'{n} {new[n]}' for n in extra)}" if extra else "")
                        + (f"; planned but not installed: {', '.join(lacking)}" if lacking else ""))
    wrong = sorted(n for n in set(new) & set(planned) if new[n] != planned[n])
    if wrong:
        problems.append("installed at other versions than planned: " + ", ".join(f"{n} {new[n]} (planned {planned[n]})" for n in wrong))
    for name in never:
        if canonical(name) in new:
            problems.append(f"a notebook installed {name} {new[canonical(name)]}" +
                            (f" over {before[canonical(name)]}" if canonical(name) in before else ""))
    gone = sorted(n for n in before if n not in after)
    if gone:
        problems.append("uninstalled: " + ", ".join(gone))
    return new, problems


def sanitize_text(rules=None) -> str:
    """nbval's --nbval-sanitize-with file: `regex:`/`replace:` line pairs, each after a comment saying why."""
    lines = ["# written by scripts/check_colab.py: what Colab's path legitimately prints otherwise"]
    for regex, replace, why in (SANITIZE if rules is None else rules):
        lines += [f"# {why}", f"regex: {regex}", f"replace: {replace}"]
    return "\n".join(lines) + "\n"


def apply_sanitize(text: str, rules=None) -> str:
    """What nbval does with the sanitize file (tests check the rules this way)."""
    for regex, replace, _ in (SANITIZE if rules is None else rules):
        text = re.sub(regex, replace, text)
    return text


_SAVE = re.compile(r"\bsave_(?:figure|gif)\(\s*[^,()]+,\s*[\"']([^\"']+)[\"']")
_RECORD = re.compile(r"\brecord\(\s*(f?)([\"'])([^\"']+)\2|\brecord\(\s*([A-Za-z_]\w*)\s*,")


def expected_outputs(sources: list[str]) -> tuple[set[str], list[str], list[str], int]:
    """What a notebook's code cells `sources` write on Colab: (image names under images/, result keys given
    literally, key patterns from f-strings as regexes, how many record() calls name their key by a variable)."""
    images, keys, patterns, variable = set(), [], [], 0
    for source in sources:
        images |= set(_SAVE.findall(source))
        for is_f, _, key, name in _RECORD.findall(source):
            if name:
                variable += 1
            elif is_f:
                patterns.append("^" + re.sub(r"\\\{[^}]*\\\}", ".+", re.escape(key).replace(r"\{", r"\{").replace(r"\}", r"\}")) + "$")
            else:
                keys.append(key)
    return images, keys, patterns, variable


def results_problems(data: dict, keys: list[str], patterns: list[str], variable: int, source: str = "embedded") -> list[str]:
    """What is missing from a results file written by one notebook."""
    problems = [f"result {k} not recorded" for k in keys if k not in data]
    for p in patterns:
        if not any(re.match(p, k) for k in data):
            problems.append(f"no result matches {p}")
    if variable:
        others = [k for k in data if k not in keys and not any(re.match(p, k) for p in patterns)]
        if not others:
            problems.append(f"the {variable} record() call(s) with a computed key recorded nothing")
    wrong = sorted(k for k, v in data.items() if not isinstance(v, dict) or v.get("source") != source)
    if wrong:
        problems.append(f"results not from the {source} source: {', '.join(wrong)}")
    return problems


def checkout_changes(before: str, after: str, output_names: set[str]) -> tuple[list[str], list[str]]:
    """The lines of `git status --porcelain` that differ between `before` and `after`, split into (those a
    notebook could have written: under images/, results/ or data/, or named like a figure or results file a
    notebook writes; the rest, which only another process editing the checkout meanwhile explains)."""
    changed = sorted(set(before.splitlines()) ^ set(after.splitlines()))
    ours, others = [], []
    for line in changed:
        path = line[3:].split(" -> ")[-1].strip('"')
        top, name = path.split("/")[0], path.rsplit("/", 1)[-1]
        (ours if top in ("images", "results", "data") or name in output_names else others).append(line)
    return ours, others


def ordered(paths: list[Path]) -> list[Path]:
    """Longest notebooks first (as `make test`), any others after, in name order."""
    rank = {n: i for i, n in enumerate(LONGEST_FIRST)}
    return sorted(paths, key=lambda p: (rank.get(p.name[:2], len(rank)), p.name))


def kernel_environment(base: dict[str, str], home: Path, git_config: Path, jupyter_path: Path) -> dict[str, str]:
    """The environment of nbval and of the kernel it starts: the machine's own (registry access), without
    .venv, the course's settings or Python overrides; the env's bin/ first on PATH (so `!pip` is its pip)."""
    drop = ("CONVNETS_", "PYTHON", "VIRTUAL_ENV", "JUPYTER", "IPYTHON", "MPLBACKEND", "MPLCONFIGDIR", "GIT_", "XDG_",
            "OMP_", "MKL_", "CONDA", "PIP_REQUIRE_VIRTUALENV", "PIP_TARGET", "PIP_PREFIX", "PIP_USER")
    env = {k: v for k, v in base.items() if not k.startswith(drop)}
    venv_bin = str(VENV / "bin")
    path = [p for p in base.get("PATH", os.defpath).split(os.pathsep) if p and os.path.realpath(p) != os.path.realpath(venv_bin)]
    env.update(PATH=os.pathsep.join([str(ENV / "bin"), *path]), HOME=str(home), IPYTHONDIR=str(IPYTHONDIR),
               GIT_CONFIG_GLOBAL=str(git_config), JUPYTER_PATH=str(jupyter_path),
               OMP_NUM_THREADS="1", CONVNETS_PROGRESS="0",
               # the env's pip is ensurepip's: its "[notice] A new release of pip is available" would add a stderr
               # output to the setup cell, which stores none (Colab keeps its own pip current)
               PIP_DISABLE_PIP_VERSION_CHECK="1",
               # Colab's kernel draws figures inline (as ipykernel does when MPLBACKEND is unset); Agg would drop
               # every figure from the outputs, and nbval would miss them all
               MPLBACKEND="module://matplotlib_inline.backend_inline")
    return env


# ---------------------------------------------------------------- the environment

def env_python() -> Path:
    return ENV / "bin" / "python"


def venv_python() -> Path:
    return VENV / "bin" / "python"


_INVENTORY = r"""
import csv, importlib.metadata as md, io, json, sys, sysconfig
site = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
out = []
for d in md.distributions():
    path = getattr(d, "_path", None)
    if path is None or str(path.parent) not in site:
        continue
    record = d.read_text("RECORD") or ""
    direct = d.read_text("direct_url.json")
    paths = [row[0] for row in csv.reader(io.StringIO(record)) if row]
    if not paths:
        paths = [path.name] + (d.read_text("top_level.txt") or "").split()
    out.append({"name": d.metadata["Name"], "version": d.version, "requires": d.requires or [],
                "location": str(path.parent), "paths": paths,
                "editable": bool(direct and json.loads(direct).get("dir_info", {}).get("editable"))})
print(json.dumps({"site": sorted(site), "python": sys.version.split()[0], "dists": out}))
"""


def venv_inventory() -> tuple[list[Inventory], Path, str]:
    """.venv's distributions (importlib.metadata in .venv's python), its site-packages and Python version."""
    raw = json.loads(subprocess.run([str(venv_python()), "-c", _INVENTORY], check=True, capture_output=True,
                                    text=True, cwd=tempfile.gettempdir()).stdout)
    inventory = []
    for d in raw["dists"]:
        entries = record_entries(d["paths"])
        pth = [p for p in d["paths"] if p.endswith(".pth") and "/" not in p]
        inventory.append(Inventory(d["name"], d["version"], d["requires"], entries, d["editable"], pth))
    site = Path(raw["site"][0])
    return inventory, site, raw["python"]


_ENV_DISTS = r"""
import importlib.metadata as md, json
seen = {}
for d in md.distributions():
    path = getattr(d, "_path", None)
    seen.setdefault(d.metadata["Name"], {"version": d.version, "location": str(path.parent) if path else ""})
print(json.dumps(seen))
"""


def env_distributions() -> dict[str, dict[str, str]]:
    """{canonical name: {version, location}} of what the env's python sees (its own and the borrowed)."""
    out = subprocess.run([str(env_python()), "-c", _ENV_DISTS], check=True, capture_output=True, text=True,
                         cwd=tempfile.gettempdir()).stdout
    return {canonical(n): v for n, v in json.loads(out).items()}


def env_site() -> Path:
    out = subprocess.run([str(env_python()), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         check=True, capture_output=True, text=True).stdout.strip()
    return Path(out)


def pip_env(home: Path, git_config: Path | None = None) -> dict[str, str]:
    """The environment for the env's own pip (outside the notebooks)."""
    return kernel_environment(dict(os.environ), home, git_config or Path(os.devnull), Path(os.devnull))


def build_env(inventory: list[Inventory], site: Path, python_version: str) -> None:
    """Create build/colab/env and build/colab/preinstalled afresh."""
    print("  building build/colab/env (stale or absent)", flush=True)
    for path in (ENV, PREINSTALLED):
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.exists():
            shutil.rmtree(path)  # never follows the links into .venv
    chosen, entries, left_out = borrowed_set(inventory)
    PREINSTALLED.mkdir(parents=True)
    for entry in sorted(entries):
        if (site / entry).exists():
            (PREINSTALLED / entry).symlink_to(site / entry)
    print(f"  borrowed from .venv: {len(chosen)} distributions, {len(entries)} entries "
          f"(left out of the closure: {', '.join(sorted(left_out)) or 'nothing'})", flush=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(ENV)
    version = subprocess.run([str(env_python()), "-c", "import sys; print(sys.version.split()[0])"], check=True,
                             capture_output=True, text=True).stdout.strip()
    if version != python_version:
        raise RuntimeError(f"build/colab/env got Python {version}, .venv has {python_version}: the borrowed packages need "
                           "the same one; run this script with .venv/bin/python")
    own_site = env_site()
    if not own_site.is_dir():
        raise RuntimeError(f"{own_site} is not the env's site-packages")
    # after the env's own packages ("zz" sorts last): the google.colab stand-in, then what Colab preinstalls
    (own_site / "zz_colab_preinstalled.pth").write_text(f"{STANDIN}\n{PREINSTALLED}\n", encoding="utf-8")
    env = pip_env(Path(os.environ.get("HOME") or Path.home()))  # the machine's pip cache may serve ipywidgets 7.7.1
    # the env's own setuptools at .venv's version: torch needs a recent one (>=77.0.3), which Colab has; left at
    # ensurepip's, the setup cell's pip would upgrade it, which Colab's does not
    setuptools = [f"setuptools=={d.version}" for d in inventory if canonical(d.name) == "setuptools"]
    done = subprocess.run([str(env_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", IPYWIDGETS,
                           *setuptools], env=env, cwd=tempfile.gettempdir(), capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise RuntimeError(f"could not install {IPYWIDGETS} into build/colab/env")
    base = env_distributions()
    STAMP.write_text(json.dumps({"key": stamp_key(inventory, python_version), "base": base}, indent=1), encoding="utf-8")


def ensure_env() -> tuple[dict[str, dict[str, str]], list[str]]:
    """The Colab-like env, built or reused, with what a previous run installed taken out again.
    Returns (its distributions, notes)."""
    inventory, site, python_version = venv_inventory()
    key = stamp_key(inventory, python_version)
    notes = []
    stamp = json.loads(STAMP.read_text(encoding="utf-8")) if STAMP.exists() else {}
    if stamp.get("key") != key or not env_python().exists() or not PREINSTALLED.is_dir():
        build_env(inventory, site, python_version)
        stamp = json.loads(STAMP.read_text(encoding="utf-8"))
    else:
        notes.append("reused build/colab/env (.venv's package set unchanged)")
    base: dict[str, dict[str, str]] = stamp["base"]
    now = env_distributions()
    own = str(env_site())
    extra = sorted(n for n in now if n not in base)
    stale = sorted(n for n in base if n not in now or now[n]["version"] != base[n]["version"])
    if any(now[n]["location"] != own for n in extra) or stale:
        notes.append(f"rebuilt build/colab/env: it changed ({', '.join(stale or extra)})")
        build_env(inventory, site, python_version)
        base = json.loads(STAMP.read_text(encoding="utf-8"))["base"]
    elif extra:
        print(f"  uninstalling what the last run installed: {', '.join(extra)}", flush=True)
        subprocess.run([str(env_python()), "-m", "pip", "uninstall", "--yes", "--quiet", "--disable-pip-version-check", *extra],
                       check=True, env=pip_env(Path(os.environ.get("HOME") or Path.home())), cwd=tempfile.gettempdir())
        now = env_distributions()
        if set(now) != set(base):
            raise RuntimeError(f"build/colab/env still differs from its first state: {sorted(set(now) ^ set(base))}")
    return env_distributions(), notes


_PROBE = r"""
import importlib, json, sys
out = {"python": sys.executable, "prefix": sys.prefix}
for name in ("helpers", "anywidget", "psygnal", "nbval", "pytest", "ipywidgets", "torch", "torchvision", "numpy",
             "matplotlib", "mlxtend", "PIL", "tqdm", "ipykernel", "google.colab.output"):
    try:
        module = importlib.import_module(name)
        out[name] = {"file": getattr(module, "__file__", None) or "", "version": getattr(module, "__version__", "")}
    except ImportError as err:
        out[name] = {"error": f"{type(err).__name__}: {err}"}
print(json.dumps(out))
"""


def probe_env(cwd: Path) -> dict:
    return json.loads(subprocess.run([str(env_python()), "-c", _PROBE], check=True, capture_output=True, text=True,
                                     cwd=cwd, env=pip_env(cwd)).stdout)


def verify_env() -> list[str]:
    """Problems with the env as Colab's: anything of the course importable, ipywidgets not 7, a preinstalled package missing."""
    with tempfile.TemporaryDirectory(prefix="colab-probe-") as tmp:
        found = probe_env(Path(tmp))
    problems = []
    for name in ("helpers", "anywidget", "psygnal", "nbval", "pytest"):
        if "error" not in found[name]:
            problems.append(f"`import {name}` works in the env before any notebook ran ({found[name]['file']})")
    for name in ("torch", "torchvision", "numpy", "matplotlib", "mlxtend", "PIL", "tqdm", "ipykernel", "ipywidgets",
                 "google.colab.output"):
        if "error" in found[name]:
            problems.append(f"`import {name}` fails in the env: {found[name]['error']}")
    version = found["ipywidgets"].get("version", "")
    if not version.startswith("7."):
        problems.append(f"the env's ipywidgets is {version or 'missing'}, not 7.x")
    print(f"  env: python {found['python']}; ipywidgets {version}, torch {found['torch'].get('version')}; "
          f"helpers: {found['helpers'].get('error', 'importable!')}; anywidget: {found['anywidget'].get('error', 'importable!')}",
          flush=True)
    return problems


MANAGER_URL = "https://colab-check.invalid/custom-widget-manager.js"  # where Colab's manager would load from


def write_standin(log: Path, writes_log: Path) -> None:
    """google.colab, as far as the notebooks and anywidget touch it, and the IPython startup file that imports it.

    Colab's google.colab imports its submodules, output among them, and anywidget takes
    `"google.colab.output" in sys.modules` for Colab: it then calls enable_custom_widget_manager() itself
    (once per kernel) and reads `google.colab.output._widgets._installed_url`. Each call is written to
    `log` as a JSON line with the calling file, so the check can tell the setup cell's call from
    anywidget's. `google` stays a namespace package (no google/__init__.py): protobuf may provide google/ too.
    """
    if STANDIN.exists():
        shutil.rmtree(STANDIN)
    output = STANDIN / "google" / "colab" / "output"
    output.mkdir(parents=True)
    (output.parent / "__init__.py").write_text(
        '"""A stand-in for Google Colab\'s google.colab (scripts/check_colab.py), imported when the kernel starts:\n'
        'the notebooks\' setup cell looks for `"google.colab" in sys.modules`."""\n'
        "from google.colab import output  # noqa: F401  (as Colab's own imports its submodules)\n", encoding="utf-8")
    (output / "__init__.py").write_text(
        '"""google.colab.output: what the setup cell and anywidget call."""\n'
        "from google.colab.output._widgets import disable_custom_widget_manager, enable_custom_widget_manager  # noqa: F401\n",
        encoding="utf-8")
    (output / "_widgets.py").write_text(
        '"""Colab\'s custom widget manager, reduced to writing down each call (one JSON line, with its caller)."""\n'
        "import json\nimport os\nimport sys\nimport time\n\n"
        f"_LOG = {str(log)!r}\n"
        "_installed_url = None  # anywidget reads it: the manager's address once enabled\n\n\n"
        "def enable_custom_widget_manager(version=None):\n"
        "    global _installed_url\n"
        f"    _installed_url = {MANAGER_URL!r}\n"
        "    caller = sys._getframe(1).f_code.co_filename\n"
        "    with open(_LOG, 'a', encoding='utf-8') as handle:\n"
        "        handle.write(json.dumps({'cwd': os.getcwd(), 'pid': os.getpid(), 'time': time.time(), 'caller': caller}) + '\\n')\n\n\n"
        "def disable_custom_widget_manager():\n"
        "    global _installed_url\n"
        "    _installed_url = None\n", encoding="utf-8")
    if IPYTHONDIR.exists():
        shutil.rmtree(IPYTHONDIR)
    startup = IPYTHONDIR / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-google-colab.py").write_text("# Colab's kernel has google.colab imported before any cell runs\n"
                                                "import google.colab  # noqa: F401\n", encoding="utf-8")
    (startup / "01-colab-check-writes.py").write_text(WRITES_HOOK.format(root=str(ROOT), build=str(BUILD), log=str(writes_log)),
                                                      encoding="utf-8")


# An audit hook in each kernel (it only watches): every file or folder the kernel creates, opens for writing,
# renames or removes inside the checkout (but outside build/colab, where its HOME and IPython's history are)
# is written to a log, so the check can tell its kernels' writes from another process's edits meanwhile.
WRITES_HOOK = '''# scripts/check_colab.py: write down what this kernel writes inside the course checkout (not Colab's)
import os as _os
import sys as _sys


def _colab_check_writes(root={root!r}, build={build!r}, log={log!r}):
    writing = _os.O_WRONLY | _os.O_RDWR | _os.O_CREAT | _os.O_APPEND | _os.O_TRUNC
    events = {{"os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.symlink", "os.link", "shutil.rmtree"}}

    def inside(path):
        try:
            path = _os.path.abspath(_os.fsdecode(path))
        except (TypeError, ValueError):
            return None
        if path.startswith(root + _os.sep) and not path.startswith(build + _os.sep):
            return path
        return None

    def hook(event, args):
        if event == "open" and len(args) >= 3 and isinstance(args[2], int) and args[2] & writing:
            paths = [args[0]]
        elif event in events:
            paths = [a for a in args[:2] if isinstance(a, (str, bytes, _os.PathLike))]
        else:
            return
        found = [p for p in map(inside, paths) if p]
        if found:
            with open(log, "a", encoding="utf-8") as handle:
                handle.write(f"{{event}} {{' '.join(found)}} (from {{_os.getcwd()}})\\n")

    _sys.addaudithook(hook)


_colab_check_writes()
del _colab_check_writes
'''


def from_a_cell(call: dict) -> bool:
    """True when a logged enable_custom_widget_manager() call came from notebook code, not from a package."""
    caller = call.get("caller", "")
    return not any(part in caller for part in ("site-packages", "dist-packages", str(PREINSTALLED)))


def widget_manager_problems(calls: list[dict], content: Path) -> list[str]:
    """The setup cell must turn Colab's custom widget manager on exactly once, before anything else does."""
    mine = [c for c in calls if c["cwd"] == str(content)]
    from_cells = [c for c in mine if from_a_cell(c)]
    if len(from_cells) != 1:
        return [f"the notebook turned the custom widget manager on {len(from_cells)} times, not once (its setup cell)"]
    if mine[0] is not from_cells[0]:
        return [f"{mine[0]['caller']} turned the custom widget manager on before the setup cell did"]
    return []


# ---------------------------------------------------------------- the repository Colab clones

def git(*args: str, cwd: Path = ROOT, check: bool = True) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=check, capture_output=True, text=True).stdout


def commit_under_test() -> tuple[str, str]:
    """(commit, how it was chosen): `git stash create` when tracked files have uncommitted changes, else HEAD."""
    stashed = git("stash", "create").strip()
    if stashed:
        return stashed, "HEAD plus the uncommitted changes to tracked files (git stash create)"
    return git("rev-parse", "HEAD").strip(), "HEAD"


def notebook_at(commit: str, path: Path) -> bytes:
    """The notebook as the commit under test holds it (what Colab opens from GitHub); a file git does not
    track is read as it is."""
    try:
        rel = path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return path.read_bytes()
    done = subprocess.run(["git", "show", f"{commit}:{rel}"], cwd=ROOT, capture_output=True)
    return done.stdout if done.returncode == 0 else path.read_bytes()


def make_bare_repo(commit: str) -> None:
    if BARE_REPO.exists():
        shutil.rmtree(BARE_REPO)
    subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(BARE_REPO)], check=True)
    # as GitHub does, serve partial clones: pip clones with --filter=blob:none
    subprocess.run(["git", "config", "--file", str(BARE_REPO / "config"), "uploadpack.allowFilter", "true"], check=True)
    git("push", "--quiet", "--force", str(BARE_REPO), f"{commit}:refs/heads/main")


# ---------------------------------------------------------------- running the notebooks

@dataclass
class Run:
    notebook: Path
    content: Path
    home: Path
    log: Path
    junit: Path
    process: subprocess.Popen | None = None
    started: float = 0.0
    seconds: float = 0.0
    returncode: int | None = None


def start(run: Run, git_config: Path, jupyter_path: Path, ini: Path, sanitize: Path) -> None:
    env = kernel_environment(dict(os.environ), run.home, git_config, jupyter_path)
    command = [str(venv_python()), "-m", "pytest", "--nbval", "--nbval-kernel-name", KERNEL_NAME, "-p", "no:cacheprovider",
               "--rootdir", str(run.content), "-c", str(ini), "--nbval-sanitize-with", str(sanitize),
               "--junitxml", str(run.junit), "-q", "-W", "ignore::DeprecationWarning", run.notebook.name]
    run.started = time.perf_counter()
    handle = open(run.log, "w", encoding="utf-8")
    run.process = subprocess.Popen(command, cwd=run.content, env=env, stdout=handle, stderr=subprocess.STDOUT)
    handle.close()


def widget_manager_calls(log: Path) -> list[dict]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]


def run_notebooks(runs: list[Run], git_config: Path, jupyter_path: Path, ini: Path, sanitize: Path, calls_log: Path,
                  on_installed) -> None:
    """The first notebook alone until its setup cell has installed the helpers (its call to
    enable_custom_widget_manager comes right after the pip line), then two at a time."""
    queue = list(runs)
    running: list[Run] = []
    installed, slots = False, 1
    while queue or running:
        for r in list(running):
            if r.process.poll() is not None:
                r.returncode = r.process.returncode
                r.seconds = time.perf_counter() - r.started
                running.remove(r)
                print(f"  {r.notebook.name}: {'passed' if r.returncode == 0 else 'FAILED'} in {r.seconds:.0f} s", flush=True)
        if not installed and any(c["cwd"] == str(runs[0].content) and from_a_cell(c) for c in widget_manager_calls(calls_log)):
            installed, slots = True, 2
            on_installed()
        if not installed and runs[0].returncode is not None:
            installed = True  # its setup cell never got that far: the others install one at a time
            print(f"  {runs[0].notebook.name} ended before its setup cell had installed the helpers: "
                  "the rest run one at a time", flush=True)
        while queue and len(running) < slots:
            r = queue.pop(0)
            start(r, git_config, jupyter_path, ini, sanitize)
            running.append(r)
            print(f"  {r.notebook.name}: started in {r.content}", flush=True)
        time.sleep(0.2)


def failed_cells(junit: Path) -> list[tuple[str, str]]:
    """(cell, first lines of the failure) for each failed or erroring test in a junit file."""
    if not junit.exists():
        return [("(no report)", "pytest wrote no junit file")]
    out = []
    colour = re.compile(r"(?:#x1B|\x1b)\[[0-9;]*m")  # terminal colours, as junit escapes them
    for case in ET.parse(junit).getroot().iter("testcase"):
        for bad in list(case.findall("failure")) + list(case.findall("error")):
            out.append((case.get("name", "?"), colour.sub("", bad.text or bad.get("message") or "")))
    return out


def listing(folder: Path) -> dict[str, tuple[int, int]]:
    """{relative path: (size, mtime_ns)} of every file under `folder`."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*")) if p.is_file()}


def installed_files(site: Path) -> tuple[Path | None, set[str]]:
    """The helpers' dist-info in the env's site-packages and the files its RECORD lists under helpers/."""
    infos = sorted(site.glob("convnet_origins_helpers-*.dist-info"))
    if not infos:
        return None, set()
    rows = csv.reader(io.StringIO((infos[0] / "RECORD").read_text(encoding="utf-8")))
    return infos[0], {row[0] for row in rows if row and row[0].startswith("helpers/")}


def package_problems(site: Path, before: dict[str, tuple[int, int]]) -> list[str]:
    """Anything the notebooks wrote into (or changed in) the installed helpers package."""
    info, recorded = installed_files(site)
    if info is None:
        return ["the helpers are not installed in the env"]
    after = {f"helpers/{k}": v for k, v in listing(site / "helpers").items()}
    problems = []
    unrecorded = sorted(set(after) - recorded)
    if unrecorded:
        problems.append(f"files in the installed package that pip did not install: {', '.join(unrecorded[:10])}")
    changed = sorted(k for k in after if k in before and before[k] != after[k])
    if changed:
        problems.append(f"files of the installed package changed while notebooks ran: {', '.join(changed[:10])}")
    if before and set(after) != set(before):
        problems.append(f"the installed package's files changed: {sorted(set(after) ^ set(before))[:10]}")
    return problems


def notebook_sources(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def content_problems(run: Run) -> tuple[list[str], list[str]]:
    """(problems, notes) about what a notebook left in its working folder."""
    images, keys, patterns, variable = expected_outputs(notebook_sources(run.content / run.notebook.name))
    folder = run.content
    problems, notes = [], []
    present = {p.name for p in (folder / "images").glob("*") if p.is_file() and p.stat().st_size > 0}
    missing = sorted(images - present)
    if missing:
        problems.append(f"figures not written to ./images: {', '.join(missing)}")
    if present - images:
        notes.append(f"also in ./images: {', '.join(sorted(present - images))}")
    results = folder / "results" / "embedded.json"
    if keys or patterns or variable:
        if not results.exists():
            problems.append("./results/embedded.json was not written")
        else:
            data = json.loads(results.read_text(encoding="utf-8"))
            problems += results_problems(data, keys, patterns, variable)
            notes.append(f"./results/embedded.json: {len(data)} figures")
    others = sorted(str(p.relative_to(folder)) for p in folder.iterdir()
                    if p.name not in (run.notebook.name, "images", "results"))
    if others:
        notes.append(f"also in the working folder: {', '.join(others)}")
    notes.insert(0, f"./images: {len(present)} of {len(images)} expected figures")
    return problems, notes


# ---------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: every notebooks/NN_*.ipynb)")
    parser.add_argument("--keep", action="store_true", help="keep the working folders (printed) instead of deleting them")
    args = parser.parse_args(argv)
    notebooks = [p.resolve() for p in args.notebooks] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    lost = [p for p in notebooks if not p.is_file()]
    if lost:
        print(f"no such notebook: {', '.join(map(str, lost))}", file=sys.stderr)
        return 2
    if not venv_python().exists():
        print("no .venv: run `make install` first", file=sys.stderr)
        return 2
    # the notebook whose setup cell installs first: 01 when it runs (it is short), else the first in order
    notebooks = ordered(notebooks)
    first = next((p for p in notebooks if p.name.startswith("01")), notebooks[0])
    notebooks = [first] + [p for p in notebooks if p != first]

    phases: list[tuple[str, float]] = []
    problems: list[str] = []
    total = time.perf_counter()

    def times() -> str:
        return ("wall time: " + ", ".join(f"{name} {s:.0f} s" for name, s in phases)
                + f"; total {time.perf_counter() - total:.0f} s")

    def stopped(problems: list[str]) -> int:
        for p in problems:
            print(f"  PROBLEM: {p}")
        print(times())
        return 1

    status_before = git("status", "--porcelain", "--untracked-files=all")
    started_at = time.time()

    BUILD.mkdir(parents=True, exist_ok=True)
    lock = open(BUILD / ".lock", "w")
    try:
        import fcntl
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except ImportError:
        pass
    except OSError:
        print("another check_colab.py run is using build/colab: wait for it to end", file=sys.stderr)
        return 2

    print("== 1. the Colab-like environment (build/colab/env)", flush=True)
    t = time.perf_counter()
    LOGS.mkdir(parents=True, exist_ok=True)
    before, notes = ensure_env()
    for n in notes:
        print(f"  {n}")
    calls_log, writes_log = LOGS / "custom-widget-manager.jsonl", LOGS / "writes-in-checkout.log"
    calls_log.unlink(missing_ok=True)
    writes_log.unlink(missing_ok=True)
    write_standin(calls_log, writes_log)
    env_problems = verify_env()
    phases.append(("environment", time.perf_counter() - t))
    if env_problems:
        return stopped(env_problems)

    print("== 2. the repository Colab clones (build/colab/repo.git)", flush=True)
    t = time.perf_counter()
    url = repository_url((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    commit, how = commit_under_test()
    make_bare_repo(commit)
    untracked = git("ls-files", "--others", "--exclude-standard", "helpers").split()
    if untracked:
        print(f"  WARNING: untracked files in helpers/ are not part of the commit under test: {', '.join(untracked)}")
    git_config = BUILD / "gitconfig"
    git_config.write_text(git_config_text(BARE_REPO, url), encoding="utf-8")
    print(f"  {url} -> {BARE_REPO} at {commit[:12]} ({how})")
    sources = {nb: notebook_at(commit, nb) for nb in notebooks}  # what Colab opens: the notebook of that commit
    phases.append(("repository", time.perf_counter() - t))

    print("== 3. what the setup cell's pip line would install (pip install --dry-run --report)", flush=True)
    t = time.perf_counter()
    if HOMES.exists():
        shutil.rmtree(HOMES)
    HOMES.mkdir(parents=True)
    report_path, pip_log = LOGS / "resolver-report.json", LOGS / "resolver.log"
    report_path.unlink(missing_ok=True)
    pip_log.unlink(missing_ok=True)
    home = HOMES / "_resolver"
    home.mkdir()
    with tempfile.TemporaryDirectory(prefix="colab-resolver-") as tmp:
        done = subprocess.run([str(ENV / "bin" / "pip"), "install", "--dry-run", "--report", str(report_path), "--log", str(pip_log),
                               "--quiet", setup_requirement(url)], cwd=tmp, env=pip_env(home, git_config),
                              capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stdout + done.stderr)
        print("  PROBLEM: pip's resolver failed on the setup cell's requirement")
        print(times())
        return 1
    report = json.loads(report_path.read_text(encoding="utf-8"))
    planned = planned_installs(report)
    print("  the resolver plans: " + ", ".join(f"{n} {v}" for n, v in sorted(planned.items())))
    plan_problems = reinstall_problems(report, pip_log.read_text(encoding="utf-8"))
    replaced = sorted(n for n in planned if n in before and n != canonical(PACKAGE))
    if replaced:
        print(f"  note: it would replace what Colab has: {', '.join(replaced)}")
    phases.append(("resolver plan", time.perf_counter() - t))
    if plan_problems:
        return stopped(plan_problems)

    print(f"== 4. the notebooks, each alone in an empty folder ({first.name} first, then two at a time)", flush=True)
    t = time.perf_counter()
    # a fresh runtime has matplotlib's font cache (it comes with Colab's image), not the course's digits
    fonts = HOMES / "_image"
    subprocess.run([str(env_python()), "-c", "import matplotlib.font_manager"], check=True, cwd=tempfile.gettempdir(),
                   env=pip_env(fonts), capture_output=True)
    scratch = Path(tempfile.mkdtemp(prefix="colab-check-"))
    jupyter_path = scratch / "jupyter"
    spec = jupyter_path / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(env_python()), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (Colab stand-in)", "language": "python"}, indent=1), encoding="utf-8")
    ini = scratch / "pytest.ini"
    ini.write_text("", encoding="utf-8")
    sanitize = scratch / "colab-sanitize.cfg"
    sanitize.write_text(sanitize_text(), encoding="utf-8")
    shutil.copy2(sanitize, LOGS / "colab-sanitize.cfg")
    runs = []
    for nb in notebooks:
        stem = nb.stem
        home = HOMES / stem
        shutil.copytree(fonts, home, symlinks=True)
        content = Path(tempfile.mkdtemp(prefix=f"colab-content-{stem[:2]}-"))
        (content / nb.name).write_bytes(sources[nb])
        runs.append(Run(nb, content, home, LOGS / f"{stem}.log", LOGS / f"{stem}.xml"))
    site = env_site()
    snapshot: dict[str, object] = {}

    def on_installed() -> None:
        info, _ = installed_files(site)
        snapshot["listing"] = {f"helpers/{k}": v for k, v in listing(site / "helpers").items()}
        snapshot["dist_info"] = (info, info.stat().st_ino if info else None, listing(info) if info else {})
        print(f"  {first.name}'s setup cell installed the helpers ({info.name if info else 'no dist-info!'}): "
              "the rest start, two at a time", flush=True)

    run_notebooks(runs, git_config, jupyter_path, ini, sanitize, calls_log, on_installed)
    phases.append(("notebooks", time.perf_counter() - t))

    print("== 5. afterwards", flush=True)
    t = time.perf_counter()
    for r in runs:
        if r.returncode != 0:
            cells = failed_cells(r.junit)
            problems.append(f"{r.notebook.name}: nbval failed ({len(cells)} cell(s)); log {r.log.relative_to(ROOT)}")
            for name, text in cells:
                lines = text.strip().splitlines()
                print(f"  {r.notebook.name} {name} (code cells counted from 0, the setup cell):\n    "
                      + "\n    ".join(lines[:60]) + (f"\n    [{len(lines) - 60} more lines in the log]" if len(lines) > 60 else ""))
    after = env_distributions()
    new, dist_problems = new_distribution_problems({n: v["version"] for n, v in before.items()},
                                                   {n: v["version"] for n, v in after.items()}, planned)
    print("  planned by the resolver: " + ", ".join(f"{n} {v}" for n, v in sorted(planned.items())))
    print("  installed by the notebooks: " + (", ".join(f"{n} {v}" for n, v in sorted(new.items())) or "nothing"))
    problems += dist_problems
    calls = widget_manager_calls(calls_log)
    for r in runs:
        problems += [f"{r.notebook.name}: {p}" for p in widget_manager_problems(calls, r.content)]
        also = [c["caller"] for c in calls if c["cwd"] == str(r.content) and not from_a_cell(c)]
        if also:
            print(f"  {r.notebook.name}: the custom widget manager also turned on by {', '.join(sorted(set(also)))}")
    if "listing" not in snapshot:
        problems.append(f"{first.name}'s setup cell never installed the helpers")
    else:
        found = package_problems(site, snapshot["listing"])  # type: ignore[arg-type]
        problems += found
        if not found:
            print(f"  the installed package (site-packages/helpers): {len(snapshot['listing'])} files, as pip installed "
                  "them (its RECORD), none added or changed while the notebooks ran")
        info, inode, info_listing = snapshot["dist_info"]  # type: ignore[misc]
        if info is None or not info.exists() or info.stat().st_ino != inode or listing(info) != info_listing:
            problems.append("a later setup cell reinstalled the helpers (their dist-info changed after the first install)")
        elif len(runs) > 1:
            print(f"  the {len(runs) - 1} later setup cells found the helpers installed and left them alone "
                  "(pip does not reinstall a git requirement it has at the same version)")
    for r in runs:
        found, notes = content_problems(r)
        print(f"  {r.notebook.name}: " + "; ".join(notes))
        problems += [f"{r.notebook.name}: {p}" for p in found]
    # the checkout: what the kernels wrote there (their audit hook), and what changed there meanwhile
    wrote = writes_log.read_text(encoding="utf-8").splitlines() if writes_log.exists() else []
    if wrote:
        problems.append(f"kernels wrote inside the checkout ({len(wrote)} times; {writes_log.relative_to(ROOT)}): "
                        + "; ".join(wrote[:10]))
    touched = sorted(str(p.relative_to(ROOT)) for d in ("images", "results", "data") if (ROOT / d).is_dir()
                     for p in (ROOT / d).rglob("*") if p.is_file() and p.stat().st_mtime > started_at)
    names = {"embedded.json", "mnist.json"}
    for r in runs:
        names |= expected_outputs(notebook_sources(r.content / r.notebook.name))[0]
    ours, others = checkout_changes(status_before, git("status", "--porcelain", "--untracked-files=all"), names)
    if (ours or touched) and not wrote:
        print("  NOTE: files where notebooks write changed in the checkout during the check, but no kernel of this "
              "check wrote inside the checkout (their audit log is empty): another process wrote "
              f"{', '.join(touched) or '; '.join(ours)}")
    elif not wrote:
        print("  the kernels wrote nothing inside the checkout (their audit log is empty); "
              + ("`git status --porcelain` unchanged" if not others else "`git status --porcelain` unchanged where notebooks write"))
    if others:
        print(f"  NOTE: `git status --porcelain` changed during the check where no notebook writes (another process "
              f"editing the checkout): {'; '.join(others)}")
    if args.keep:
        print("  working folders kept:\n" + "\n".join(f"    {r.content}" for r in runs))
    else:
        for r in runs:
            shutil.rmtree(r.content, ignore_errors=True)
    shutil.rmtree(scratch, ignore_errors=True)
    phases.append(("checks", time.perf_counter() - t))

    print("\n" + times())
    print("notebooks: " + ", ".join(f"{r.notebook.name[:2]} {r.seconds:.0f} s" for r in runs))
    if problems:
        print("\nFAILED:\n" + "\n".join(f"  {p}" for p in problems))
        return 1
    print("\nEvery notebook ran as on Colab: passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
