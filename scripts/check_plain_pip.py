"""The README's plain-pip commands, run as written in a fresh clone (`make check-pip`; CI runs it).

    python scripts/check_plain_pip.py [--keep]

The README offers, beside `make lab` and `make test`, the same in plain pip ("Without `make`"). This
reads that block from README.md, clones the commit under test (HEAD, plus uncommitted changes to
tracked files) into build/plain-pip/clone, and runs each line there with bash, unchanged:

1. the venv and `pip install -r requirements.txt` (pip's cache makes a second install quick);
2. `jupyter lab notebooks/`: started, answered on its /lab page, then stopped (a server does not
   end by itself). The environment gives it a free port, no browser and, for root, `allow_root`,
   which the README tells root users to add;
3. the two pytest runs (unit tests, then every notebook under nbval). The environment adds
   PYTEST_ADDOPTS="-n 2 --dist loadfile" and one thread per kernel, as `make test` runs, to halve
   the time; the commands themselves are the README's.

Then the clone's `git status` must be empty: the commands leave the working tree as they found it
(figures and results from the notebooks go to build/ under pytest, see conftest.py). Exit 0 only if
every line passed and the tree is unchanged.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from check_colab import commit_under_test  # scripts/ is on the path (this script's folder, pytest's pythonpath)

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "plain-pip"
STARTUP_SECONDS = 120


def readme_commands(readme: str) -> list[str]:
    """The command lines of the README's "Without `make`" block, comments stripped."""
    match = re.search(r"Without `make`.*?```bash\n(.*?)```", readme, re.S)
    if match is None:
        raise SystemExit("README.md has no ```bash block after \"Without `make`\"; the check has nothing to run.")
    lines = [re.sub(r"\s+#.*$", "", line).strip() for line in match.group(1).splitlines()]
    return [line for line in lines if line]


def fresh_clone(root: Path, dest: Path) -> str:
    sha, _ = commit_under_test()  # HEAD, plus uncommitted changes to tracked files
    if dest.exists():
        shutil.rmtree(dest)
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(root), str(dest)], check=True)
    subprocess.run(["git", "push", "--quiet", str(dest), f"{sha}:refs/heads/under-test"], cwd=root, check=True)
    subprocess.run(["git", "checkout", "--quiet", "under-test"], cwd=dest, check=True)
    return sha


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lab_config(folder: Path, port: int) -> Path:
    """A Jupyter config folder: this port, no browser, no token, root allowed (as the README says)."""
    folder.mkdir(parents=True, exist_ok=True)
    config = {"ServerApp": {"port": port, "port_retries": 0, "open_browser": False, "ip": "127.0.0.1",
                            "allow_root": True, "token": "", "password": ""},
              "IdentityProvider": {"token": ""},
              "LabApp": {"check_for_updates_class": "jupyterlab.NeverCheckForUpdate"}}
    (folder / "jupyter_server_config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


def run_line(line: str, clone: Path, env: dict[str, str]) -> bool:
    start = time.perf_counter()
    print(f"\n$ {line}", flush=True)
    done = subprocess.run(["bash", "-c", line], cwd=clone, env=env)
    print(f"-> exit {done.returncode} in {time.perf_counter() - start:.0f} s", flush=True)
    return done.returncode == 0


def run_server_line(line: str, clone: Path, env: dict[str, str]) -> bool:
    """Start the server line, wait until its /lab page answers, then stop it."""
    port = free_port()
    env = {**env, "JUPYTER_CONFIG_DIR": str(lab_config(clone.parent / "jupyter-config", port)), "BROWSER": "true"}
    print(f"\n$ {line}   (until http://127.0.0.1:{port}/lab answers)", flush=True)
    start = time.perf_counter()
    with open(clone.parent / "lab.log", "wb") as log:
        proc = subprocess.Popen(["bash", "-c", f"exec {line}"], cwd=clone, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        while time.perf_counter() - start < STARTUP_SECONDS:
            if proc.poll() is not None:
                print((clone.parent / "lab.log").read_text(errors="replace")[-3000:])
                print(f"-> JupyterLab exited with code {proc.returncode} before answering")
                return False
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab", timeout=5) as page:
                    if page.status == 200 and "JupyterLab" in page.read().decode(errors="replace"):
                        print(f"-> the /lab page answered in {time.perf_counter() - start:.0f} s", flush=True)
                        return True
            except OSError:
                time.sleep(1)
        print(f"-> no answer from JupyterLab within {STARTUP_SECONDS} s")
        return False
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep build/plain-pip/ afterwards (it holds a 6 GB venv)")
    args = parser.parse_args(argv)
    commands = readme_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    start = time.perf_counter()
    clone = WORK / "clone"
    sha = fresh_clone(ROOT, clone)
    print(f"fresh clone of {sha[:12]} in {clone}; the README's {len(commands)} lines:", *commands, sep="\n  ")
    home = Path(tempfile.mkdtemp(prefix="home-", dir=WORK))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONVNETS_", "PYTEST_", "VIRTUAL_ENV", "JUPYTER"))}
    env.update(HOME=str(home), OMP_NUM_THREADS="1", PYTEST_ADDOPTS="-n 2 --dist loadfile",
               PIP_CACHE_DIR=os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip")))
    ok = True
    for line in commands:
        server = "jupyter lab" in line or "jupyter notebook" in line
        ok = (run_server_line if server else run_line)(line, clone, env) and ok
        if not ok:
            break
    status = subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True, check=True).stdout
    if status.strip():
        print("The commands changed the working tree:\n" + status)
        ok = False
    elif ok:
        print("\nThe working tree is as the clone left it (git status is empty).")
    print(f"check-pip: {'passed' if ok else 'FAILED'} in {time.perf_counter() - start:.0f} s")
    if not args.keep:
        shutil.rmtree(WORK, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
