"""The course's widgets on ipywidgets 7, the version Google Colab ships (`make widgets7`; CI runs it).

    python scripts/check_ipywidgets7.py [pytest options ...]

.venv holds ipywidgets 8. This makes build/ipywidgets7/, a virtualenv holding only ipywidgets 7 and
anywidget (from the package index, about 10 MB), which sees everything else (torch, the helpers,
pytest) in .venv through a .pth file placed after its own packages, so its ipywidgets 7 wins. Then it
runs the widget tests with it: the drawing canvas and its apps (tests/test_canvas.py and the three
`*_canvas` tests), and the sliders' stand-ins (tests/test_widget_stand_ins.py). The page side of
ipywidgets 7 (Colab's own widget manager) cannot run here; tests/browser checks the page on 8.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = ROOT / "build" / "ipywidgets7"
REQUIREMENTS = ["ipywidgets>=7.6,<8", "anywidget>=0.9"]  # the bounds of requirements.txt, held to 7
TESTS = ["tests/test_canvas.py", "tests/test_proto_cnns_canvas.py", "tests/test_lenet5_canvas.py",
         "tests/test_sliding_window_canvas.py", "tests/test_widget_stand_ins.py"]


def python_of(env: Path) -> Path:
    return env / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def make_env() -> Path:
    python = python_of(ENV)
    stamp = ENV / ".installed"
    if not stamp.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(ENV)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *REQUIREMENTS],
                       check=True)
        site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              check=True, capture_output=True, text=True).stdout.strip()
        # after the env's own packages ("zz" sorts last): torch, pytest and the helpers from .venv
        Path(site, "zz_course_venv.pth").write_text(f"{sysconfig.get_paths()['purelib']}\n{ROOT}\n", encoding="utf-8")
        stamp.touch()
    return python


def main(argv: list[str] | None = None) -> int:
    python = make_env()
    version = subprocess.run([str(python), "-c", "import ipywidgets, anywidget; print(ipywidgets.__version__, anywidget.__version__)"],
                             check=True, capture_output=True, text=True).stdout.split()
    if not version[0].startswith("7."):
        print(f"build/ipywidgets7 holds ipywidgets {version[0]}, not 7: delete build/ipywidgets7 and run again.", file=sys.stderr)
        return 1
    print(f"ipywidgets {version[0]}, anywidget {version[1]}: the widget tests", flush=True)
    done = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning",
                           *TESTS, *(argv if argv is not None else sys.argv[1:])], cwd=ROOT)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
