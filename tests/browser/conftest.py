"""Fixtures for the browser tests: one JupyterLab server on a copy of the notebooks, and Chromium.

The server is started with the very command `make lab` runs (`scripts/lab.py`'s `server_command`),
on a free port of 127.0.0.1, over a temporary copy of `notebooks/`, with a temporary HOME and
Jupyter config/runtime/data folders, so a run writes nothing into the repository or the user's
settings. JupyterLab still finds the extensions installed in the virtualenv (`sys.prefix/share/jupyter`,
where ipywidgets' `@jupyter-widgets/jupyterlab-manager` lives): JUPYTER_PATH is left alone.
Announcements, update checks and the PyPI extension manager are switched off, so nothing tries
the network. Everything is skipped, with the reason, when Chromium or Playwright is missing.

With CONVNETS_REQUIRE_BROWSER=1 (CI sets it; a learner's `make browser` does not) no test under
tests/browser may skip: the hooks below turn every skip there into a failure that says what is
missing (a fixture's or a test's `pytest.skip`, `pytest.importorskip`, a skip mark, and a
module-level skip at collection alike), so the browser checks cannot vanish from a green CI run.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from support import (CHROMIUM_FLAGS as FLAGS, REQUIRE_BROWSER, browser_missing, browser_required, chromium_path,
                     free_port, jupyterlab_missing)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "browser"
SERVER_START_TIMEOUT = 180  # s; JupyterLab starts in a few seconds on a quiet machine

# JupyterLab user settings written into the temporary settings folder before the server starts:
# no "Would you like to receive official Jupyter news?" popup, no update check.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser: drives a real JupyterLab in headless Chromium (slow; deselect with -m 'not browser')")


# ---------------------------------------------------------------------------------------------
# CONVNETS_REQUIRE_BROWSER=1: a skip under tests/browser is a failure. These hooks live in this
# conftest, so pytest calls them for the items and modules of tests/browser only.


def _required_failure(reason: str) -> str:
    """The failure's one sentence: the skip's reason (what is missing, how to install it) and why it fails."""
    reason = reason.removeprefix("Skipped: ").strip().rstrip(".")
    return f"{reason}, and {REQUIRE_BROWSER}=1 turns a skipped browser check into a failure (unset it to skip)"


@contextmanager
def _skips_fail():
    """Under CONVNETS_REQUIRE_BROWSER=1, a skip raised inside this block is raised as a failure instead."""
    try:
        yield
    except pytest.skip.Exception as skip:
        if not browser_required():
            raise
        raise pytest.fail.Exception(_required_failure(skip.msg), pytrace=False) from None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    # skips in fixtures (Chromium, Playwright, JupyterLab, the book's tooling) and skip/skipif marks
    with _skips_fail():
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    # pytest.skip / pytest.importorskip in a test's body
    with _skips_fail():
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    with _skips_fail():
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    # a module that skips itself while it is imported (`pytest.skip(allow_module_level=True)`,
    # a module-level `pytest.importorskip`) is reported as a collection error
    report = yield
    if report.skipped and browser_required():
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        try:
            raise pytest.fail.Exception(_required_failure(reason), pytrace=False)
        except pytest.fail.Exception:
            excinfo = pytest.ExceptionInfo.from_current()
        report.outcome = "failed"
        report.longrepr = collector.repr_failure(excinfo)
    return report


def _get(url: str, timeout: float = 5.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 - local server only
        return r.read()


class LabServer:
    """A running JupyterLab: its base `url`, the copied `notebook_dir`, its `log` file and process."""

    def __init__(self, url: str, notebook_dir: Path, log: Path, process: subprocess.Popen) -> None:
        self.url, self.notebook_dir, self.log, self.process = url, notebook_dir, log, process

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return ""

    def shutdown_kernels(self) -> None:
        """Stop every kernel (frees the CPU and memory of a notebook that is done with). The server
        wants an XSRF token with a DELETE when there is no auth token: it sets one as a cookie."""
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        try:
            opener.open(f"{self.url}/lab", timeout=30).read()
            xsrf = next((c.value for c in jar if c.name == "_xsrf"), "")
            kernels = json.loads(opener.open(f"{self.url}/api/kernels", timeout=30).read())
            for kernel in kernels:
                req = urllib.request.Request(f"{self.url}/api/kernels/{kernel['id']}", method="DELETE",
                                             headers={"X-XSRFToken": xsrf})
                opener.open(req, timeout=30).read()
        except (OSError, ValueError):
            pass


def _environment(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    for var in ("CONVNETS_DATA_ROOT", "JUPYTER_TOKEN", "JUPYTER_CONFIG_PATH", "JUPYTERLAB_SETTINGS_DIR",
                "JUPYTERLAB_WORKSPACES_DIR", "JUPYTERLAB_DIR"):
        env.pop(var, None)
    home = tmp / "home"
    dirs = {"HOME": home, "JUPYTER_CONFIG_DIR": tmp / "jupyter-config", "JUPYTER_RUNTIME_DIR": tmp / "jupyter-runtime",
            "JUPYTER_DATA_DIR": tmp / "jupyter-data", "IPYTHONDIR": tmp / "ipython", "MPLCONFIGDIR": tmp / "matplotlib",
            "XDG_CACHE_HOME": home / ".cache", "XDG_CONFIG_HOME": home / ".config", "XDG_DATA_HOME": home / ".local/share"}
    for name, path in dirs.items():
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    env.update({
        "CONVNETS_IMAGES": "0", "CONVNETS_PROGRESS": "0", "CONVNETS_RESULTS": str(tmp / "results.json"),
        # The digits the tests draw were checked against the nets trained on the embedded digits, on the CPU.
        "CONVNETS_DATA": "embedded", "CONVNETS_DEVICE": "cpu",
        "JUPYTER_PLATFORM_DIRS": "0", "PYTHONDONTWRITEBYTECODE": "1",
    })
    # No build check (it only costs CPU here: the venv's JupyterLab is prebuilt, nothing can be rebuilt).
    labconfig = dirs["JUPYTER_CONFIG_DIR"] / "labconfig"
    labconfig.mkdir(parents=True, exist_ok=True)
    (labconfig / "page_config.json").write_text(json.dumps({"buildCheck": False, "buildAvailable": False}), encoding="utf-8")
    settings = dirs["JUPYTER_CONFIG_DIR"] / "lab" / "user-settings"
    for rel, values in LAB_SETTINGS.items():
        path = settings / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    return env


def _start(tmp: Path, notebook_dir: Path, env: dict[str, str], attempt: int) -> LabServer:
    from lab import server_command  # scripts/lab.py (pytest's pythonpath holds scripts/)

    port = free_port()
    extra = [
        "--IdentityProvider.token=", "--PasswordIdentityProvider.hashed_password=",
        "--ServerApp.port_retries=0", "--ServerApp.log_level=WARN", "--ServerApp.terminals_enabled=False",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: the tests read the notebook model through it
    ]
    command = server_command(notebook_dir, port=port, open_browser=False, extra=extra)
    log = tmp / f"server-{attempt}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    server = LabServer(f"http://127.0.0.1:{port}", notebook_dir, log, process)
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with code {process.returncode}:\n{server.log_tail()}")
        try:
            json.loads(_get(f"{server.url}/api/status"))
            _get(f"{server.url}/lab", timeout=30)
            return server
        except (OSError, ValueError):
            time.sleep(0.5)
    _stop(server)
    raise RuntimeError(f"JupyterLab did not answer on {server.url} within {SERVER_START_TIMEOUT} s:\n{server.log_tail()}")


def _stop(server: LabServer) -> None:
    process = server.process
    if process.poll() is None:
        server.shutdown_kernels()
        process.send_signal(signal.SIGTERM)  # jupyter server stops its kernels on SIGTERM
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
    # Whatever is left of this server's own process group (a kernel that did not stop): kill it.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if process.poll() is None:
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory, playwright_browser):
    """JupyterLab serving a temporary copy of notebooks/, on a free port of 127.0.0.1."""
    reason = jupyterlab_missing()
    if reason:
        pytest.skip(f"the JupyterLab checks cannot run: {reason}")
    tmp = tmp_path_factory.mktemp("lab")
    notebook_dir = tmp / "notebooks"
    shutil.copytree(ROOT / "notebooks", notebook_dir, ignore=shutil.ignore_patterns("build", ".ipynb_checkpoints"))
    env = _environment(tmp)
    server = None
    for attempt in range(3):  # the free port may be taken between choosing and binding it
        try:
            server = _start(tmp, notebook_dir, env, attempt)
            break
        except RuntimeError:
            if attempt == 2:
                raise
    try:
        yield server
    finally:
        _stop(server)


@pytest.fixture(scope="module")
def playwright_browser():
    """Headless Chromium (Debian's package, driven by Playwright), with a fresh profile."""
    reason = browser_missing()
    if reason:
        pytest.skip(f"the browser checks cannot run: {reason}")
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, headless=True, args=FLAGS)  # a fresh temporary profile
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def lab_page(lab_server, playwright_browser):
    """A new browser context and page for one test; the server's kernels are stopped afterwards."""
    context = playwright_browser.new_context(viewport={"width": 1280, "height": 1000})
    # Offline and hermetic: only the local server is reached (the notebooks' Colab badges are not).
    context.route(re.compile(r"^https?://(?!" + re.escape(lab_server.url[len("http://"):]) + "/)"),
                  lambda route: route.abort())
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
        lab_server.shutdown_kernels()


@pytest.fixture(scope="module")
def screenshots(playwright_browser) -> Path:
    """build/browser/, made once Chromium has started (a skipped run leaves build/ as it was)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
