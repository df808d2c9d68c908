"""What several test files share: finding Debian's Chromium, the flags it runs with here, a free port.

Importable as `support` (pyproject.toml puts tests/ on pytest's pythonpath).
"""

from __future__ import annotations

import shutil
import socket

# Headless Chromium as root in a sandbox with no network: these flags keep it from trying Google's hosts.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-quic"]


def chromium_path() -> str | None:
    """The Chromium executable on PATH (Debian's `chromium`), or None."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
