"""The course's widgets work in a real JupyterLab, in a real browser.

nbval runs the notebooks without a browser, so it cannot see a widget that breaks there (a missing
lab extension, a view that does not render, a click that never reaches the kernel). These tests
open notebooks in JupyterLab (one server for the module, see conftest.py) in headless Chromium,
run their cells through JupyterLab's own menus, and use the widgets as a learner would:

- 01: run every cell (Run > Run All Cells), no error output; write a 7 on the drawing pad by
  dragging the mouse, and read the nets' answer that the pad writes under the canvas; Undo and Clear.
- 04: run the cells up to the canvas, write a 7 with the mouse: LeNet5 answers 7.
- 06: run the cells up to the strip canvas, write "314" in four strokes: the reader answers 314.
- 03: run the cells up to the pooling sliders (Run > Run All Above Selected Cell), move the p slider
  with the keyboard, and check that both figures (PNG images) are redrawn with other pixels.
- 07: the same with the stroke slider of the feature-binding figure (one step, then to the end).

Full-page screenshots go to build/browser/ for a person to look at. Skipped, with the reason, when
Chromium or Playwright is missing; marked `browser` (deselect with `-m "not browser"`).
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from contextlib import contextmanager

import pytest
from support import NUMBER_314, SEVEN  # drawings the unit tests read with plain functions too

pytestmark = pytest.mark.browser

# Timeouts in milliseconds. Generous: the reference machine has two cores and is often busy
# (notebook 07's training cell alone takes 20 s on a quiet machine, two minutes beside another job).
LOAD_TIMEOUT = 180_000       # JupyterLab's page, the notebook and its kernel
RUN_TIMEOUT = 900_000        # running the cells
WIDGET_TIMEOUT = 120_000     # a click or a slider move, a round trip through the (idle) kernel

DRAWN_DIGIT = 7
ANSWER = re.compile(r"(\d+) of (\d+) nets read a (\d)\.")
BLANK = "Nothing is drawn yet"  # helpers.drawing.BLANK, the answer line of an empty canvas
CANVAS_APP = ".widget-vbox:has(.convnet-canvas)"  # helpers.canvas.DrawingApp: canvas, answer line, picture

# --- JavaScript run in the page (window.jupyterapp: the server runs with --LabApp.expose_app_in_browser)

KERNEL_READY = """async () => {
    const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    if (!panel || !panel.sessionContext || !panel.content || !panel.content.model) return false;
    await panel.sessionContext.ready;
    const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
    return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
}"""

# The state of the code cells 0..upto (all when upto is null), read from the notebook model; and
# whether any prompt still shows [*] (queued or running) and whether the kernel is idle.
CELL_STATE = """(upto) => {
    const panel = window.jupyterapp.shell.currentWidget;
    const cells = panel.content.model.cells;
    const end = upto === null ? cells.length : upto + 1;
    const state = {cells: cells.length, code: 0, missing: [], errors: [], counts: []};
    for (let i = 0; i < end; i++) {
        const cell = cells.get(i);
        if (cell.type !== 'code') continue;
        state.code += 1;
        state.counts.push(cell.executionCount);
        if (cell.executionCount === null) state.missing.push(i);
        const tags = (cell.getMetadata ? cell.getMetadata('tags') : (cell.metadata || {}).tags) || [];
        for (let j = 0; j < cell.outputs.length; j++) {
            const out = cell.outputs.get(j).toJSON();
            if (out.output_type === 'error') {
                state.errors.push({cell: i, expected: tags.includes('raises-exception'), ename: out.ename,
                                   evalue: String(out.evalue).slice(0, 300)});
            }
        }
    }
    const prompts = panel.content.node.querySelectorAll('.jp-CodeCell .jp-InputPrompt');
    state.pending = Array.from(prompts).some(p => p.textContent.includes('*'));
    const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
    state.idle = !!kernel && kernel.status === 'idle';
    return state;
}"""

RUN_FINISHED = "(upto) => { const s = (" + CELL_STATE + """)(upto);
    return s.idle && !s.pending && (s.missing.length === 0 || s.errors.some(e => !e.expected)); }"""

FIND_CELL = """(text) => {
    const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
    for (let i = 0; i < cells.length; i++) {
        if (cells.get(i).type === 'code' && cells.get(i).sharedModel.getSource().includes(text)) return i;
    }
    return -1;
}"""

TAG_CELL = """async (index) => {
    const notebook = window.jupyterapp.shell.currentWidget.content;
    const cell = notebook.widgets[index];
    if (notebook.scrollToItem) await notebook.scrollToItem(index, 'center');
    cell.node.setAttribute('data-browser-test-cell', String(index));
}"""

ACTIVE_CELL = "() => window.jupyterapp.shell.currentWidget.content.activeCellIndex"

# The bytes of an <img> (a blob: URL for an ipywidgets Image), base64-encoded.
IMAGE_BYTES = """async (img) => {
    const buf = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
    let s = ''; for (let i = 0; i < buf.length; i += 8192) s += String.fromCharCode.apply(null, buf.subarray(i, i + 8192));
    return {src: img.src, b64: btoa(s), shown: img.complete && img.naturalWidth > 0 && getComputedStyle(img).display !== 'none',
            width: img.naturalWidth, height: img.naturalHeight};
}"""


# --- helpers

class Phases:
    """Prints how long each phase of a test took (shown with `pytest -s`, and with a failure)."""

    def __init__(self, name: str) -> None:
        self.name, self.start = name, time.monotonic()

    def __call__(self, phase: str) -> None:
        now = time.monotonic()
        print(f"{self.name}: {phase} in {now - self.start:.1f} s", flush=True)
        self.start = now


# Times the answer line changes after the pointer lifts (for the figure in the note; nothing asserts
# on it: the benchmark is benchmarks/drawing_latency.py).
WATCH_ANSWER = """(canvas) => {
    const label = canvas.closest('.widget-vbox').querySelector('.convnet-answer');
    const old = window.__answerWatch;
    if (old) { old.observer.disconnect(); old.canvas.removeEventListener('pointerup', old.lifted, true); }
    window.__answerTimes = [];
    const lifted = () => { window.__liftedAt = performance.now(); };
    canvas.addEventListener('pointerup', lifted, true);
    const observer = new MutationObserver(() => window.__answerTimes.push(performance.now() - window.__liftedAt));
    observer.observe(label, {childList: true, characterData: true, subtree: true});
    window.__answerWatch = {observer, canvas, lifted};
}"""


READINGS = "(c) => Number(c.closest('.convnet-canvas').dataset.readings)"


def drag(page, canvas, strokes, *, wait: bool = True) -> None:
    """Write `strokes` (lists of (x, y) canvas pixels) on the canvas with the mouse: press, move in
    small steps along each segment, lift; one stroke at a time, as a learner writes. With `wait`,
    each stroke starts once the kernel has read and shown the drawing so far (the canvas's
    data-readings count, which helpers.canvas.DrawingApp raises after each answer and figure)."""
    readings = canvas.evaluate(READINGS)
    for stroke in strokes:
        # in view, and measured again: a figure drawn under the canvas after a stroke can scroll the page
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        assert box is not None, "the canvas is not on the page"
        (x0, y0), rest = stroke[0], stroke[1:]
        page.mouse.move(box["x"] + x0, box["y"] + y0)
        page.mouse.down()
        for x, y in rest:
            page.mouse.move(box["x"] + x, box["y"] + y, steps=6)
        page.mouse.up()
        if wait:  # a learner's next stroke comes later than the answer (tens of ms): so does ours
            readings += 1
            page.wait_for_function(f"([c, n]) => ({READINGS})(c) >= n", arg=[canvas.element_handle(), readings],
                                   timeout=WIDGET_TIMEOUT, polling=50)


def canvas_app(page, output, name: str):
    """The drawing app in the output area: (its box, the canvas element, the answer line, the picture)."""
    app = find_widget(page, output, CANVAS_APP, name)
    canvas = app.locator("canvas.convnet-canvas-surface")
    answer = app.locator(".convnet-answer")
    picture = app.locator("img.widget-image")
    assert canvas.count() == 1 and answer.count() == 1 and picture.count() == 1
    canvas.scroll_into_view_if_needed()
    return app, canvas, answer, picture


def wait_for_answer(page, answer, pattern: str) -> str:
    """Wait until the answer line matches the regular expression `pattern`; return its text."""
    page.wait_for_function("([el, p]) => new RegExp(p).test(el.textContent)", arg=[answer.element_handle(), pattern],
                           timeout=WIDGET_TIMEOUT, polling=100)
    return answer.inner_text()


def ink_pixels(canvas) -> int:
    """How many pixels of the canvas are not white (what the page has drawn)."""
    return canvas.evaluate("""c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 128) n++; return n; }""")


@contextmanager
def screenshot_on_failure(page, screenshots, name: str):
    try:
        yield
    except BaseException:
        try:
            page.screenshot(path=str(screenshots / f"{name}_failure.png"), full_page=True)
        except Exception:  # noqa: BLE001 - the original failure matters, not this one
            pass
        raise


def shot(page, screenshots, name: str, element=None) -> None:
    """A full-page screenshot, with `element` (a locator) scrolled into the middle of the view."""
    if element is not None:
        element.evaluate("e => e.scrollIntoView({block: 'center'})")
        page.wait_for_timeout(300)  # let JupyterLab's windowed notebook paint the cells now in view
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)


def open_notebook(page, lab_server, name: str) -> None:
    """Open notebooks/<name> in a fresh JupyterLab workspace; wait for its kernel; clear the stored
    outputs (Edit > Clear Outputs of All Cells), so that every execution count seen later is new."""
    assert (lab_server.notebook_dir / name).exists(), f"{name} is missing from the copy of notebooks/"
    page.set_default_timeout(60_000)
    page.goto(f"{lab_server.url}/lab/tree/{name}?reset", timeout=LOAD_TIMEOUT)
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=LOAD_TIMEOUT)
    page.wait_for_function(KERNEL_READY, timeout=LOAD_TIMEOUT, polling=500)
    menu(page, "Edit", "Clear Outputs of All Cells")
    state = page.evaluate(CELL_STATE, None)
    assert state["code"] > 0 and not any(c is not None for c in state["counts"]), (
        f"{name}: the stored execution counts were not cleared: {state['counts']}")


def menu(page, top: str, item: str) -> None:
    """Click JupyterLab's main menu `top`, then its entry `item` (exact labels)."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(top)}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()


def wait_for_cells(page, name: str, upto: int | None = None) -> dict:
    """Wait until cells 0..upto (all when None) have run or one failed; assert none failed."""
    page.wait_for_function(RUN_FINISHED, arg=upto, timeout=RUN_TIMEOUT, polling=1000)
    state = page.evaluate(CELL_STATE, upto)
    errors = [e for e in state["errors"] if not e["expected"]]
    assert not errors, f"{name}: cells raised errors in JupyterLab: {errors}"
    assert not state["missing"], f"{name}: cells {state['missing']} did not run"
    return state


def run_up_to(page, name: str, source: str) -> int:
    """Run every cell up to and including the code cell whose source holds `source`, as a learner
    would: select the cell below it and choose Run > Run All Above Selected Cell. Returns its index."""
    index = page.evaluate(FIND_CELL, source)
    assert index >= 0, f"{name}: no code cell contains {source!r}"
    cell_node(page, index + 1).locator(".jp-InputPrompt").click()
    assert page.evaluate(ACTIVE_CELL) == index + 1, f"{name}: clicking cell {index + 1} did not select it"
    menu(page, "Run", "Run All Above Selected Cell")
    state = wait_for_cells(page, name, upto=index)
    assert state["counts"][-1] is not None
    return index


def cell_node(page, index: int):
    """Cell `index` of the notebook in the page (a locator), scrolled into view. Found through the
    notebook widget (whatever JupyterLab's windowing keeps in the page) and marked for the locator."""
    page.evaluate(TAG_CELL, index)
    node = page.locator(f".jp-Cell[data-browser-test-cell='{index}']")
    node.wait_for(state="attached")
    node.scroll_into_view_if_needed()
    return node


def output_of(page, index: int):
    """The output area of cell `index` (a locator)."""
    return cell_node(page, index).locator(".jp-OutputArea")


# The widget's view is in the output area, or the output shows that it will not come: an ipywidgets
# error message, or only the text stand-in (what JupyterLab shows when the widget manager, the
# jupyterlab_widgets extension, is missing).
WIDGET_OR_FAILURE = """([area, selector]) => !!area.querySelector(selector)
    || /Error displaying widget|Error rendering/.test(area.textContent)
    || (!!area.querySelector('.jp-RenderedText[data-mime-type="text/plain"]') && !area.querySelector('.jupyter-widgets'))"""


def find_widget(page, output, selector: str, name: str):
    """The widget view matching `selector` in the output area `output`; a clear failure if JupyterLab
    shows an error or the text stand-in instead."""
    page.wait_for_function(WIDGET_OR_FAILURE, arg=[output.element_handle(), selector], timeout=WIDGET_TIMEOUT,
                           polling=200)
    widget = output.locator(selector).first
    if widget.count() == 0:
        pytest.fail(f"{name}: the widget did not render in JupyterLab; its output shows {output.inner_text()[:500]!r}")
    text = output.inner_text()
    assert "Error displaying widget" not in text and "Error rendering" not in text, f"{name}: {text[:500]}"
    return widget


def image_state(img) -> dict:
    out = img.evaluate(IMAGE_BYTES)
    data = base64.b64decode(out.pop("b64"))
    out.update(size=len(data), sha=hashlib.sha256(data).hexdigest(), png=data[:8] == b"\x89PNG\r\n\x1a\n")
    return out


def wait_for_new_image(page, img, old_src: str) -> None:
    """Wait until the <img> shows another blob (ipywidgets makes a new object URL for a new value)."""
    handle = img.element_handle()
    page.wait_for_function("([img, old]) => img.src !== old && img.complete && img.naturalWidth > 0",
                           arg=[handle, old_src], timeout=WIDGET_TIMEOUT, polling=200)


def move_slider(page, slider, key: str = "ArrowRight") -> None:
    """Focus the slider's handle (noUiSlider in ipywidgets 8, jQuery UI in 7) and press `key` once."""
    handle = slider.locator(".noUi-handle, .ui-slider-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    page.keyboard.press(key)


# --- tests

def test_01_drawing_pad_reads_a_written_seven(lab_page, lab_server, screenshots):
    page, name = lab_page, "01_proto_cnns.ipynb"
    phase = Phases("01")
    with screenshot_on_failure(page, screenshots, "01"):
        open_notebook(page, lab_server, name)
        phase("JupyterLab, notebook and kernel ready")
        menu(page, "Run", "Run All Cells")
        state = wait_for_cells(page, name)
        phase("Run All Cells")
        assert state["code"] > 20 and state["counts"] == list(range(1, state["code"] + 1)), state["counts"]

        index = page.evaluate(FIND_CELL, "proto_pad(")
        assert index >= 0, f"{name}: no cell makes the drawing pad"
        app, canvas, answer, picture = canvas_app(page, output_of(page, index), name)
        # The notebook's last cells drew a dot on the pad and cleared it: the page says so.
        assert answer.inner_text().startswith(BLANK), answer.inner_text()
        assert not picture.is_visible() and ink_pixels(canvas) == 0

        drag(page, canvas, SEVEN)
        message = wait_for_answer(page, answer, r"nets read a \d\.")
        picture.wait_for(state="visible", timeout=WIDGET_TIMEOUT)
        page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=picture.element_handle(),
                               timeout=WIDGET_TIMEOUT, polling=200)
        phase("a 7 written and read")
        shot(page, screenshots, "01_answer", app)
        found = ANSWER.search(message)
        assert found, f"the pad's answer line is not an answer: {message!r}"
        votes, nets, digit = map(int, found.groups())
        assert digit == DRAWN_DIGIT and 2 * votes > nets, f"wrote a {DRAWN_DIGIT}, the pad says: {message!r}"
        figure = image_state(picture)
        assert figure["png"] and figure["width"] > 300 and figure["height"] > 100, figure
        drawn = ink_pixels(canvas)
        assert drawn > 500, f"the canvas shows {drawn} inked pixels after two strokes"

        app.locator("button", has_text="Undo").click()  # the stem goes; the bar alone is read again
        page.wait_for_function("([c, n]) => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                               " let k = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 128) k++; return k < n; }",
                               arg=[canvas.element_handle(), drawn], timeout=WIDGET_TIMEOUT, polling=100)
        assert 0 < ink_pixels(canvas) < drawn
        app.locator("button", has_text="Clear").click()
        wait_for_answer(page, answer, "^" + BLANK)
        assert ink_pixels(canvas) == 0
        picture.wait_for(state="hidden", timeout=WIDGET_TIMEOUT)
        phase("Undo and Clear")


def widget_of_notebook(page, lab_server, name: str, marker: str, selector: str, phase) -> tuple:
    """Open notebook `name`, run its cells up to the one whose source holds `marker`, as a learner
    would, and return (that cell's index, the widget matching `selector` in its output)."""
    open_notebook(page, lab_server, name)
    phase("JupyterLab, notebook and kernel ready")
    index = run_up_to(page, name, marker)
    phase(f"cells 1-{index + 1} run")
    return index, find_widget(page, output_of(page, index), selector, name)


def canvas_of_notebook(page, lab_server, name: str, marker: str, phase):
    """widget_of_notebook for a drawing app: returned as canvas_app does, its canvas still empty."""
    index, _ = widget_of_notebook(page, lab_server, name, marker, CANVAS_APP, phase)
    app, canvas, answer, picture = canvas_app(page, output_of(page, index), name)
    assert answer.inner_text().startswith(BLANK), answer.inner_text()
    return app, canvas, answer, picture


def shown_picture(page, picture) -> dict:
    """The app's figure once the page has loaded it (image_state)."""
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=picture.element_handle(),
                           timeout=WIDGET_TIMEOUT, polling=200)
    return image_state(picture)


def test_04_lenet5_reads_a_written_seven(lab_page, lab_server, screenshots):
    page, phase = lab_page, Phases("04")
    with screenshot_on_failure(page, screenshots, "04"):
        app, canvas, answer, picture = canvas_of_notebook(page, lab_server, "04_lenet5.ipynb", "lenet5_pad(", phase)
        canvas.evaluate(WATCH_ANSWER)
        drag(page, canvas, SEVEN)
        message = wait_for_answer(page, answer, r"^LeNet5 reads a \d \(\d+% sure\)\.$")
        figure = shown_picture(page, picture)
        times = page.evaluate("window.__answerTimes")
        phase(f"a 7 written and read; answer line changed {[round(t) for t in times]} ms after each lift")
        shot(page, screenshots, "04_answer", app)
        assert message.startswith(f"LeNet5 reads a {DRAWN_DIGIT} "), f"wrote a {DRAWN_DIGIT}, the canvas says: {message!r}"
        assert figure["png"] and figure["shown"] and figure["width"] > 400, figure


def test_06_reader_reads_a_written_number(lab_page, lab_server, screenshots):
    page, phase = lab_page, Phases("06")
    with screenshot_on_failure(page, screenshots, "06"):
        app, canvas, answer, picture = canvas_of_notebook(page, lab_server, "06_sliding_window.ipynb", "strip_pad(", phase)
        drag(page, canvas, NUMBER_314[:1])
        first = answer.inner_text()
        drag(page, canvas, NUMBER_314[1:])  # the line is read again as each stroke ends
        message = answer.inner_text()
        figure = shown_picture(page, picture)
        phase(f"'314' written and read (after the first stroke: {first!r})")
        shot(page, screenshots, "06_answer", app)
        assert message == "The reader reads 314.", f"wrote 314, the canvas says: {message!r}"
        assert figure["png"] and figure["shown"] and figure["width"] > 400, figure


def test_03_pooling_slider_redraws_the_figures(lab_page, lab_server, screenshots):
    page, name = lab_page, "03_pooling_zoo.ipynb"
    phase = Phases("03")
    with screenshot_on_failure(page, screenshots, "03"):
        _, box = widget_of_notebook(page, lab_server, name, "pooling_sliders(", ".widget-vbox:has(.widget-slider)", phase)
        sliders = box.locator(".widget-slider")
        assert sliders.count() == 2
        p_slider = sliders.filter(has=page.locator(".widget-label", has_text=re.compile(r"^p$")))
        assert p_slider.count() == 1, "no slider labelled p"
        images = box.locator("img.widget-image")
        assert images.count() == 2
        before = [shown_picture(page, images.nth(i)) for i in range(2)]
        readout = p_slider.locator(".widget-readout").inner_text()
        shot(page, screenshots, "03_slider_before", box)

        move_slider(page, p_slider)  # p: 2 -> 2 ** 1.25 (one step of 0.25 in log2 p)
        for i in range(2):
            wait_for_new_image(page, images.nth(i), before[i]["src"])
        after = [image_state(images.nth(i)) for i in range(2)]
        phase("slider moved, figures redrawn")
        shot(page, screenshots, "03_slider_after", box)

        new_readout = p_slider.locator(".widget-readout").inner_text()
        assert new_readout != readout and float(new_readout) > float(readout), (readout, new_readout)
        for i, (b, a) in enumerate(zip(before, after)):
            assert b["png"] and a["png"] and a["shown"], (i, a)
            assert a["sha"] != b["sha"], f"figure {i + 1} of the pooling sliders did not change when p moved"


def test_07_stroke_slider_redraws_the_figure(lab_page, lab_server, screenshots):
    page, name = lab_page, "07_feature_binding.ipynb"
    phase = Phases("07")
    with screenshot_on_failure(page, screenshots, "07"):
        _, box = widget_of_notebook(page, lab_server, name, "binding_slider(", ".widget-vbox:has(.widget-slider)", phase)
        slider = box.locator(".widget-slider")
        assert slider.count() == 1
        image = box.locator("img.widget-image")
        text = box.locator(":scope > .widget-label")
        before, caption = shown_picture(page, image), text.inner_text()
        shot(page, screenshots, "07_slider_before", box)

        move_slider(page, slider)  # the stroke moves one step along the path
        wait_for_new_image(page, image, before["src"])
        step = image_state(image)
        assert before["png"] and step["png"] and step["shown"], step
        assert step["sha"] != before["sha"], "the feature-binding figure did not change when the stroke slider moved"
        assert text.inner_text() != caption, f"the caption did not change: {caption!r}"

        move_slider(page, slider, "End")  # to the end of the path, where the 1 has become a 4
        wait_for_new_image(page, image, step["src"])
        after = image_state(image)
        phase("slider moved twice, figure redrawn")
        shot(page, screenshots, "07_slider_after", box)
        assert after["png"] and after["shown"] and after["sha"] not in (before["sha"], step["sha"]), after
        assert "position 1.00" in text.inner_text(), f"End did not move the stroke to the end: {text.inner_text()!r}"
