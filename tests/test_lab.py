"""`make lab` (scripts/lab.py) starts JupyterLab for every user, root included, on localhost only.

The unit tests check the command line `server_command` builds; one test starts that very command,
fetches the JupyterLab page from it and stops it again (about 7 s on the 2-core machine).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from support import free_port

import lab

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 30  # JupyterLab answers in about 7 s on the busy 2-core machine
IP_OPTION = f"--ServerApp.ip={lab.LOCALHOST}"


def isolated_env(home: Path) -> dict[str, str]:
    """The environment with every Jupyter/IPython directory under `home`, so the server writes
    nothing to the user's config, data or runtime folders (nor to the repository)."""
    dirs = {"HOME": home, "JUPYTER_CONFIG_DIR": home / "config", "JUPYTER_DATA_DIR": home / "data",
            "JUPYTER_RUNTIME_DIR": home / "runtime", "IPYTHONDIR": home / "ipython",
            "JUPYTERLAB_SETTINGS_DIR": home / "lab-settings", "JUPYTERLAB_WORKSPACES_DIR": home / "lab-workspaces"}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    return dict(os.environ, **{k: str(v) for k, v in dirs.items()})


def process_uid(pid: int) -> int | None:
    """The real uid a running process has (Linux /proc), or None where /proc is missing."""
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return None
    line = next(ln for ln in status.read_text().splitlines() if ln.startswith("Uid:"))
    return int(line.split()[1])


def refused(host: str, port: int) -> bool:
    """True when nothing accepts a TCP connection on host:port."""
    try:
        with socket.create_connection((host, port), timeout=2):
            return False
    except OSError:
        return True


# ---------------------------------------------------------------------------------------------
# the command line


@pytest.mark.parametrize("as_root", [True, False])
def test_allow_root_only_for_root(as_root):
    command = lab.server_command(ROOT / "notebooks", as_root=as_root)
    assert ("--allow-root" in command) is as_root


@pytest.mark.parametrize("as_root", [True, False])
def test_root_is_asked_of_the_os_by_default(monkeypatch, as_root):
    monkeypatch.setattr(lab, "running_as_root", lambda: as_root)
    assert ("--allow-root" in lab.server_command()) is as_root


@pytest.mark.parametrize("kwargs", [{}, {"port": 8890}, {"open_browser": False}, {"as_root": True}, {"as_root": False}])
def test_always_listens_on_localhost(kwargs):
    command = lab.server_command(ROOT / "notebooks", **kwargs)
    assert command[:4] == [sys.executable, "-m", "jupyter", "lab"]
    assert [c for c in command if c.startswith(("--ServerApp.ip=", "--ip="))] == [IP_OPTION] == ["--ServerApp.ip=127.0.0.1"]
    assert f"--ServerApp.root_dir={(ROOT / 'notebooks').resolve()}" in command


def test_port_browser_and_extra_options():
    command = lab.server_command(ROOT / "notebooks", port=8890, open_browser=False, as_root=False, extra=["--x=1", "--y"])
    assert "--ServerApp.port=8890" in command and "--ServerApp.open_browser=False" in command
    assert command[-2:] == ["--x=1", "--y"]  # passed through, last
    default = lab.server_command(ROOT / "notebooks", as_root=False)
    assert not any(c.startswith(("--ServerApp.port=", "--ServerApp.open_browser=")) for c in default)


@pytest.mark.parametrize("port", [0, -1, 65536, 10**6, "8888", 8888.0])
def test_bad_port_raises(port):
    with pytest.raises(ValueError, match="port must be a whole number from 1 to 65535"):
        lab.server_command(ROOT / "notebooks", port=port)


# ---------------------------------------------------------------------------------------------
# main: `python scripts/lab.py`, with os.execv captured instead of replacing the test process


def run_main(monkeypatch, tmp_path, capsys, *, root: bool, argv: list[str]) -> tuple[list[str], str]:
    """Run lab.main as `root` or not; returns (the command it would exec, what it printed)."""
    monkeypatch.setattr(lab, "running_as_root", lambda: root)
    monkeypatch.chdir(tmp_path)  # main changes directory; monkeypatch changes back afterwards
    execs: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(lab.os, "execv", lambda path, args: execs.append((path, list(args))))
    assert lab.main(argv) == 0
    assert len(execs) == 1
    path, command = execs[0]
    assert path == command[0] == sys.executable
    assert Path.cwd() == ROOT  # JupyterLab runs from the repository root, as `make lab` does
    return command, capsys.readouterr().out


def test_main_as_root_says_so_in_one_line(monkeypatch, tmp_path, capsys):
    command, out = run_main(monkeypatch, tmp_path, capsys, root=True, argv=["--port", "8891", "--no-browser", "--debug"])
    assert out == "make lab: you are root, so JupyterLab starts with --allow-root (listening on localhost only).\n"
    assert command == lab.server_command(port=8891, open_browser=False, as_root=True, extra=["--debug"])


def test_main_as_a_user_prints_nothing(monkeypatch, tmp_path, capsys):
    command, out = run_main(monkeypatch, tmp_path, capsys, root=False, argv=[])
    assert out == ""
    assert "--allow-root" not in command and IP_OPTION in command


# ---------------------------------------------------------------------------------------------
# the real server


def test_the_command_starts_jupyterlab_on_localhost(tmp_path):
    port = free_port()
    env = isolated_env(tmp_path / "home")
    # no token, so the test fetches the page without logging in; no update checks (no network)
    extra = ["--IdentityProvider.token=", "--ServerApp.password=",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    command = lab.server_command(ROOT / "notebooks", port=port, open_browser=False, extra=extra)
    assert ("--allow-root" in command) is lab.running_as_root()  # JupyterLab refuses root without it
    log = tmp_path / "server.log"
    url = f"http://{lab.LOCALHOST}:{port}/lab"
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        page, status = "", None
        deadline = time.monotonic() + STARTUP_SECONDS
        while status != 200:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with code {proc.returncode} before answering:\n{log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer {url} within {STARTUP_SECONDS} s:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    status, page = response.status, response.read().decode("utf-8", "replace")
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.25)

        assert "<title>JupyterLab</title>" in page and 'id="jupyter-config-data"' in page
        config = json.loads(page.split('id="jupyter-config-data" type="application/json">', 1)[1].split("</script>", 1)[0])
        assert config["appName"] == "JupyterLab"
        # localhost only: another loopback address (Linux routes all of 127/8 to lo) finds nobody
        assert refused("127.0.0.2", port), "the server also listens beyond 127.0.0.1"
        # the server runs as whoever started it: really as root when the test runs as root (thanks to
        # --allow-root), as the user otherwise
        uid = process_uid(proc.pid)
        assert uid is None or uid == os.geteuid()
        # it wrote its runtime file into the temporary folder, not the user's
        runtime = json.loads(next((tmp_path / "home" / "runtime").glob("jpserver-*.json")).read_text())
        assert runtime["port"] == port and runtime["hostname"] == lab.LOCALHOST
        assert Path(runtime["root_dir"]) == (ROOT / "notebooks").resolve()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

