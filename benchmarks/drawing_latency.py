"""How soon the answer appears after the pen lifts, on the drawing canvas of 01, 04 and 06 (part of `make bench`).

    python benchmarks/drawing_latency.py [--repeats 10] [--no-browser]

Two measurements, with untrained nets (the time does not depend on the weights):

1. In the kernel: from the strokes arriving to the answer line being set (helpers.canvas.DrawingApp
   sets the answer before it draws the figure), and the figure after it; median and worst of
   `--repeats` readings of the course's stored drawings (tests/support.py).
2. In a real JupyterLab in headless Chromium (skipped, saying so, without Chromium or Playwright):
   a notebook that shows 04's canvas and 06's strip canvas; on the cleared canvas Playwright writes
   the first stroke of a stored drawing with the mouse, and the page records the time from the
   pointer lifting to the answer line changing (a MutationObserver): the round trip through the
   kernel and the page's redraw.

The course's goal: the answer within 200 ms of the pointer lifting. The figures depend on the
machine and on what else it does: read them as measurements, not pass/fail (exit status 0 unless
something fails to run).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "tests"), str(ROOT / "tests" / "browser")]

import nbformat  # noqa: E402
import torch  # noqa: E402

from helpers.lenet5 import LeNet5  # noqa: E402
from helpers.lenet5_canvas import lenet5_pad  # noqa: E402
from helpers.proto_cnns import Net1, Net2, Net3, Net4, Net5  # noqa: E402
from helpers.proto_cnns_canvas import proto_pad  # noqa: E402
from helpers.sliding_window_canvas import strip_pad  # noqa: E402
from helpers.sliding_window import LeNet32, fully_convolutional  # noqa: E402
from helpers.train import set_seed  # noqa: E402

from support import NUMBER_314, SEVEN  # noqa: E402

GOAL_MS = 200

# The notebook the browser measurement opens: 04's canvas and 06's strip canvas, untrained nets.
NOTEBOOK_CELLS = [
    "import torch\nfrom helpers.lenet5 import LeNet5\nfrom helpers.lenet5_canvas import lenet5_pad\n"
    "from helpers.sliding_window import LeNet32, fully_convolutional\nfrom helpers.sliding_window_canvas import strip_pad\n"
    "torch.set_num_threads(1)\ntorch.manual_seed(0)",
    "lenet5_pad(LeNet5())",
    "strip_pad(fully_convolutional(LeNet32()))",
]


def summary(ms: list[float]) -> str:
    return f"median {statistics.median(ms):6.1f} ms, worst {max(ms):6.1f} ms ({len(ms)} readings)"


def kernel_side(repeats: int) -> None:
    set_seed(0)
    torch.set_num_threads(1)
    apps = {
        "01 pad (five nets)": (proto_pad({n.__name__: n() for n in (Net1, Net2, Net3, Net4, Net5)}), SEVEN),
        "04 canvas (LeNet5)": (lenet5_pad(LeNet5()), SEVEN),
        "06 strip (reader)": (strip_pad(fully_convolutional(LeNet32())), NUMBER_314),
    }
    print("In the kernel: strokes in -> answer line set, then the figure drawn")
    for name, (app, strokes) in apps.items():
        answer_ms, total_ms = [], []
        for _ in range(repeats + 1):  # the first reading warms up, and is not counted
            start = time.perf_counter()
            app.draw(strokes)
            total = time.perf_counter() - start
            answer_ms.append(1000 * app.seconds)
            total_ms.append(1000 * total)
        print(f"  {name:20s} answer: {summary(answer_ms[1:])}; with figure: {summary(total_ms[1:])}")


def browser_side(repeats: int) -> None:
    try:
        import playwright.sync_api  # noqa: F401

        from support import chromium_path
    except ImportError:
        print("In the browser: skipped (Playwright is missing: pip install -r requirements.txt)")
        return
    if chromium_path() is None:
        print("In the browser: skipped (Chromium is missing: apt-get install chromium)")
        return
    import importlib.util

    spec = importlib.util.spec_from_file_location("browser_conftest", ROOT / "tests" / "browser" / "conftest.py")
    lab = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lab)  # the browser tests' JupyterLab server: temporary HOME, settings, a free port
    from playwright.sync_api import sync_playwright
    from test_jupyterlab_widgets import (CANVAS_APP, WATCH_ANSWER, drag, menu, open_notebook, wait_for_answer,
                                         wait_for_cells)

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        notebook_dir = tmp / "notebooks"
        notebook_dir.mkdir()
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in NOTEBOOK_CELLS])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, notebook_dir / "latency.ipynb")
        server = lab._start(tmp, notebook_dir, lab._environment(tmp), 0)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium_path(), args=lab.FLAGS)
                page = browser.new_page(viewport={"width": 1280, "height": 1000})
                open_notebook(page, server, "latency.ipynb")
                menu(page, "Run", "Run All Cells")
                wait_for_cells(page, "latency.ipynb")
                print("In JupyterLab (Chromium): pointer lifted after the first stroke -> answer line changed in the page")
                apps = page.locator(CANVAS_APP)
                for k, (name, strokes) in enumerate([("04 canvas (LeNet5)", SEVEN), ("06 strip (reader)", NUMBER_314)]):
                    app = apps.nth(k)
                    canvas = app.locator("canvas.convnet-canvas-surface")
                    answer = app.locator(".convnet-answer")
                    canvas.scroll_into_view_if_needed()
                    times: list[float] = []
                    for _ in range(repeats):
                        clear = app.locator("button", has_text="Clear")
                        if clear.is_enabled():  # disabled on an empty canvas
                            clear.click()
                        wait_for_answer(page, answer, "^Nothing is drawn")
                        canvas.evaluate(WATCH_ANSWER)
                        drag(page, canvas, strokes[:1], wait=False)
                        page.wait_for_function("() => window.__answerTimes.length > 0", timeout=60_000, polling=20)
                        times.append(page.evaluate("window.__answerTimes")[0])
                    print(f"  {name:20s} {summary(times)}")
                browser.close()
        finally:
            lab._stop(server)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--no-browser", action="store_true", help="measure in the kernel only")
    args = parser.parse_args(argv)
    print(f"The goal: the answer within {GOAL_MS} ms of the pointer lifting.")
    kernel_side(args.repeats)
    if not args.no_browser:
        browser_side(max(1, args.repeats // 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
