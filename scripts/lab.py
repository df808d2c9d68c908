"""Start JupyterLab on the course's notebooks (`make lab`), for every user, root included.

    python scripts/lab.py [--port N] [--no-browser] [jupyter lab options ...]

JupyterLab refuses to start as root unless told `--allow-root` (Docker containers and many cloud
machines run as root); this script passes it when the user is root, says so in one line, and
always listens on localhost only (127.0.0.1), so nobody else on the network reaches the server.
tests/test_lab.py starts the very command `server_command` builds.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALHOST = "127.0.0.1"


def running_as_root() -> bool:
    """True for the root user (uid 0); False where there are no uids (Windows)."""
    getuid = getattr(os, "geteuid", None)
    return getuid is not None and getuid() == 0


def server_command(notebook_dir: Path = ROOT / "notebooks", *, port: int | None = None, open_browser: bool = True,
                   as_root: bool | None = None, extra: list[str] | None = None) -> list[str]:
    """The `jupyter lab` command line `make lab` runs: localhost only, `--allow-root` for root.

    `port` None lets JupyterLab pick (8888 or the next free one); `extra` appends more options
    (tests pass a token, for example). `as_root` None asks the operating system.
    """
    root = running_as_root() if as_root is None else as_root
    command = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.ip={LOCALHOST}",
               f"--ServerApp.root_dir={Path(notebook_dir).resolve()}"]
    if port is not None:
        if not (isinstance(port, int) and 0 < port < 65536):
            raise ValueError(f"port must be a whole number from 1 to 65535, got {port!r}.")
        command.append(f"--ServerApp.port={port}")
    if not open_browser:
        command.append("--ServerApp.open_browser=False")
    if root:
        command.append("--allow-root")
    return command + list(extra or [])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=None, help="port to listen on (default: 8888 or the next free one)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser window")
    args, extra = parser.parse_known_args(argv)
    command = server_command(port=args.port, open_browser=not args.no_browser, extra=extra)
    if running_as_root():
        print("make lab: you are root, so JupyterLab starts with --allow-root (listening on localhost only).", flush=True)
    os.chdir(ROOT)
    os.execv(command[0], command)  # replaces this process: Ctrl-C stops JupyterLab as usual
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
