"""The drawing canvas of 01_proto_cnns, 04_lenet5 and 06_sliding_window (an anywidget with Clear and Undo whose
`strokes` the page sends when the pen lifts), and the app that reads each drawing and shows the answer and a figure."""

from __future__ import annotations

import time
from typing import Any, Callable

import anywidget
import IPython.display
import ipywidgets as widgets
import traitlets

from helpers.drawing import BLANK, PEN_SHARE, Drawing, DrawingProblem
from helpers.plots import described_box, figure_png

__all__ = ["DrawingCanvas", "DrawingApp"]

_ESM = r"""
function render({ model, el }) {
  function element(tag, className, text = "") {
    return Object.assign(document.createElement(tag), { className, textContent: text });
  }
  const root = element("div", "convnet-canvas");
  const canvas = element("canvas", "convnet-canvas-surface");
  canvas.style.touchAction = "none";  // a finger draws instead of scrolling the page
  const bar = element("div", "convnet-canvas-buttons");
  const undo = element("button", "convnet-canvas-undo", "Undo");
  const clear = element("button", "convnet-canvas-clear", "Clear");
  bar.append(undo, clear);
  root.append(canvas, bar);
  el.append(root);

  const ctx = canvas.getContext("2d");
  let strokes = [];
  let current = null;

  function copy(list) { return (list || []).map((s) => s.map((p) => [p[0], p[1]])); }

  function paint() {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const pen = model.get("pen");
    Object.assign(ctx, { strokeStyle: "#000", fillStyle: "#000", lineWidth: pen, lineCap: "round", lineJoin: "round" });
    for (const s of strokes.filter((s) => s.length > 0)) {
      ctx.beginPath();
      if (s.length === 1) {
        ctx.arc(s[0][0], s[0][1], pen / 2, 0, 2 * Math.PI);
        ctx.fill();
      } else {
        ctx.moveTo(s[0][0], s[0][1]);
        for (const p of s.slice(1)) ctx.lineTo(p[0], p[1]);
        ctx.stroke();
      }
    }
    undo.disabled = clear.disabled = strokes.length === 0;
  }

  function resize() {
    canvas.width = model.get("width");
    canvas.height = model.get("height");
    canvas.style.width = canvas.width + "px";
    canvas.style.height = canvas.height + "px";
    paint();
  }

  function point(ev) {  // canvas pixels, kept on the canvas, to a tenth of a pixel
    const r = canvas.getBoundingClientRect();
    const x = Math.min(Math.max((ev.clientX - r.left) * canvas.width / r.width, 0), canvas.width);
    const y = Math.min(Math.max((ev.clientY - r.top) * canvas.height / r.height, 0), canvas.height);
    return [Math.round(10 * x) / 10, Math.round(10 * y) / 10];
  }

  function send() {
    model.set("strokes", copy(strokes));
    model.save_changes();
  }

  canvas.addEventListener("pointerdown", (ev) => {
    if (ev.pointerType === "mouse" && ev.button !== 0) return;
    ev.preventDefault();
    canvas.setPointerCapture(ev.pointerId);
    current = [point(ev)];
    strokes.push(current);
    paint();
  });
  canvas.addEventListener("pointermove", (ev) => {
    if (current === null) return;
    ev.preventDefault();
    const events = ev.getCoalescedEvents ? ev.getCoalescedEvents() : [];
    for (const e of (events.length ? events : [ev])) current.push(point(e));
    paint();
  });
  function lift() {
    if (current === null) return;
    current = null;
    send();
  }
  for (const name of ["pointerup", "pointercancel"]) canvas.addEventListener(name, lift);
  undo.addEventListener("click", () => { strokes.pop(); paint(); send(); });
  clear.addEventListener("click", () => { strokes = []; paint(); send(); });

  model.on("change:strokes", () => { if (current === null) { strokes = copy(model.get("strokes")); paint(); } });
  for (const name of ["change:width", "change:height"]) model.on(name, resize);
  model.on("change:pen", paint);
  const mark = () => { root.dataset.readings = String(model.get("readings")); };  // drawings read: pages wait on it
  model.on("change:readings", mark);
  mark();
  strokes = copy(model.get("strokes"));
  resize();
}
export default { render };
"""

_CSS = """
.convnet-canvas { display: inline-flex; flex-direction: column; gap: 4px; }
.convnet-canvas-surface { border: 1px solid #888; border-radius: 2px; cursor: crosshair; background: #fff; }
.convnet-canvas-buttons { display: flex; gap: 6px; }
.convnet-canvas-buttons button { min-width: 70px; padding: 2px 10px; }
"""


class DrawingCanvas(anywidget.AnyWidget):
    """A canvas to write on: `strokes` holds its strokes, lists of [x, y] pixels; the pen is PEN_SHARE of its height."""

    _esm = _ESM
    _css = _CSS
    width = traitlets.Int(280).tag(sync=True)
    height = traitlets.Int(280).tag(sync=True)
    pen = traitlets.Float(20.0).tag(sync=True)
    strokes = traitlets.List(traitlets.List()).tag(sync=True)
    readings = traitlets.Int(0).tag(sync=True)  # drawings read and shown so far (DrawingApp counts them)

    def __init__(self, width: int = 280, height: int = 280) -> None:
        super().__init__(width=width, height=height, pen=round(PEN_SHARE * height, 1))

    def __repr__(self) -> str:  # the text/plain ipywidgets stores where no widget can be shown
        return f"DrawingCanvas: a {self.width}x{self.height} canvas (open the notebook in Jupyter to draw)."


class DrawingApp:
    """A canvas, the answer under it and a picture, updated each time the pointer lifts: `read(strokes, width,
    height)` returns a reading (its `answer` line and `figure()`) or raises a DrawingProblem, whose message is shown."""

    def __init__(self, read: Callable[[Drawing, int, int], Any], *, width: int, height: int, stand_in: str) -> None:
        self.read = read
        self.canvas = DrawingCanvas(width, height)
        self.answer = widgets.Label(value=BLANK)
        self.answer.add_class("convnet-answer")
        # a PNG: plain widget state in every front end; align_self keeps its size (a box would stretch it)
        self.picture = widgets.Image(value=b"", format="png", layout=widgets.Layout(display="none", align_self="flex-start"))
        self.widget = described_box([self.canvas, self.answer, self.picture], stand_in)
        self.reading: Any = None
        self.problem: str | None = None
        self.seconds: float | None = None
        self.canvas.observe(self._update, names="strokes")

    def _update(self, change: dict | None = None) -> None:
        start = time.perf_counter()
        try:
            self.reading, self.problem = self.read(self.canvas.strokes, self.canvas.width, self.canvas.height), None
        except DrawingProblem as problem:
            self.reading, self.problem = None, str(problem)
        self.answer.value = self.problem or self.reading.answer  # first, so that the page shows it before the figure
        self.seconds = time.perf_counter() - start
        if self.reading is not None:
            self.picture.value = figure_png(self.reading.figure())
            self.picture.layout.display = ""
        # hidden, not removed, with a problem: the canvas does not move under the pen
        self.picture.layout.visibility = "hidden" if self.reading is None else "visible"
        self.canvas.readings += 1

    def draw(self, strokes: Drawing) -> Any:
        """Put `strokes` on the canvas, as if drawn, and return the reading (None with a problem)."""
        try:
            new = [[[float(x), float(y)] for x, y in stroke] for stroke in strokes]
        except (TypeError, ValueError):
            raise ValueError("draw takes a list of strokes, each a list of (x, y) points in canvas pixels, "
                             "like [[(80, 60), (200, 60)]]; pass the strokes in that form.") from None
        if new == self.canvas.strokes:
            self._update()
        else:
            self.canvas.strokes = new
        return self.reading

    def clear(self) -> None:
        self.draw([])

    @property
    def showing_picture(self) -> bool:
        return self.picture.layout.display != "none" and self.picture.layout.visibility != "hidden"

    def _ipython_display_(self) -> None:
        IPython.display.display(self.widget)  # ipywidgets 8 gives a widget _repr_mimebundle_, 7 _ipython_display_
