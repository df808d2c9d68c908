"""A canvas to write on with the mouse or a finger, and the small app around it (01_proto_cnns,
04_lenet5 and 06_sliding_window).

`DrawingCanvas` is an anywidget: a plain JavaScript module (below, in `_ESM`) that draws on an
HTML canvas with pointer events (mouse, pen and touch alike), with Clear and Undo buttons. Its
one synced value is `strokes`, the drawing as a list of strokes, each a list of [x, y] points in
canvas pixels; the page sends it when the pointer lifts (not while it moves), so the kernel reads
a drawing once per stroke. Python can set `strokes` too (a stored example drawing), and the page
redraws. anywidget runs on ipywidgets 7 and 8, in JupyterLab, Notebook 7, VS Code and Colab (where
the setup cell calls `google.colab.output.enable_custom_widget_manager()`).

`DrawingApp` puts a canvas above a one-line answer and a picture: each time the drawing changes it
calls a plain function `read(strokes, width, height)` (helpers.proto_cnns_canvas, helpers.lenet5_canvas,
helpers.sliding_window_canvas), writes the reading's `answer` first, so that it shows at once, then the
reading's figure. A drawing the nets cannot read (helpers.drawing.DrawingProblem: nothing drawn, a
dot, a scribble) shows its one-sentence message instead. Without a browser (nbval, GitHub) the app
stores a line of text, and `app.draw(strokes)` reads a stored drawing through the same path.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Protocol

import anywidget
import ipywidgets as widgets
import traitlets
from matplotlib.figure import Figure

from helpers.drawing import BLANK, PEN_SHARE, Drawing, DrawingProblem
from helpers.plots import described_box, figure_png

__all__ = ["DrawingCanvas", "Reading", "Reader", "DrawingApp"]

_ESM = r"""
function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "convnet-canvas";
  const canvas = document.createElement("canvas");
  canvas.className = "convnet-canvas-surface";
  canvas.style.touchAction = "none";  // a finger draws instead of scrolling the page
  const bar = document.createElement("div");
  bar.className = "convnet-canvas-buttons";
  const undo = document.createElement("button");
  undo.textContent = "Undo";
  undo.className = "convnet-canvas-undo";
  const clear = document.createElement("button");
  clear.textContent = "Clear";
  clear.className = "convnet-canvas-clear";
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
    ctx.strokeStyle = "#000";
    ctx.fillStyle = "#000";
    ctx.lineWidth = model.get("pen");
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    for (const s of strokes) {
      if (s.length === 0) continue;
      ctx.beginPath();
      if (s.length === 1) {
        ctx.arc(s[0][0], s[0][1], model.get("pen") / 2, 0, 2 * Math.PI);
        ctx.fill();
        continue;
      }
      ctx.moveTo(s[0][0], s[0][1]);
      for (let i = 1; i < s.length; i++) ctx.lineTo(s[i][0], s[i][1]);
      ctx.stroke();
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
  function lift(ev) {
    if (current === null) return;
    current = null;
    send();
  }
  canvas.addEventListener("pointerup", lift);
  canvas.addEventListener("pointercancel", lift);
  undo.addEventListener("click", () => { strokes.pop(); paint(); send(); });
  clear.addEventListener("click", () => { strokes = []; paint(); send(); });

  model.on("change:strokes", () => { if (current === null) { strokes = copy(model.get("strokes")); paint(); } });
  model.on("change:width", resize);
  model.on("change:height", resize);
  model.on("change:pen", paint);
  // how many drawings the kernel has read and shown: lets a page (or a test) wait for the last one
  const mark = () => { root.dataset.readings = String(model.get("readings")); };
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
    """A `width` x `height` canvas (pixels) to write on; `strokes` holds what is drawn.

    The pen is `PEN_SHARE` of the canvas's height wide (an MNIST digit's stroke, on a digit as tall
    as the canvas). Setting `strokes` from Python draws it; `clear()` and `undo()` do what the
    buttons do.
    """

    _esm = _ESM
    _css = _CSS
    width = traitlets.Int(280).tag(sync=True)
    height = traitlets.Int(280).tag(sync=True)
    pen = traitlets.Float(20.0).tag(sync=True)
    strokes = traitlets.List(traitlets.List()).tag(sync=True)
    readings = traitlets.Int(0).tag(sync=True)  # drawings read and shown so far (DrawingApp counts them)

    def __init__(self, width: int = 280, height: int = 280, *, pen: float | None = None, **kwargs: Any) -> None:
        for name, side in (("width", width), ("height", height)):
            if not isinstance(side, int) or isinstance(side, bool) or not 32 <= side <= 2000:
                raise ValueError(f"DrawingCanvas needs a {name} of 32 to 2000 pixels, got {side!r}.")
        super().__init__(width=width, height=height, pen=float(pen if pen is not None else round(PEN_SHARE * height, 1)), **kwargs)

    def clear(self) -> None:
        self.strokes = []

    def undo(self) -> None:
        self.strokes = self.strokes[:-1]

    def __repr__(self) -> str:  # the text/plain ipywidgets stores where no widget can be shown
        return f"DrawingCanvas: a {self.width}x{self.height} canvas (open the notebook in Jupyter to draw)."


class Reading(Protocol):
    """What a read function returns: a one-line answer and a figure of the details."""

    answer: str

    def figure(self) -> Figure: ...


Reader = Callable[[Drawing, int, int], Reading]


class DrawingApp:
    """A canvas, the answer under it and a picture, updated each time the pointer lifts.

    `read(strokes, width, height)` turns a drawing into a reading (an `answer` string and a
    `figure()`); a DrawingProblem it raises is shown as its message. `widget` is what a notebook
    displays (the app itself displays as it, too); `stand_in` is the line stored where no widget can
    be shown. `draw(strokes)` sets a drawing from code and returns its reading (None for a drawing
    that could not be read); `reading`, `problem` and `seconds` hold the last result, and the time
    the kernel took to read it and show the answer.
    """

    def __init__(self, read: Reader, *, width: int, height: int, stand_in: str, start: str = BLANK) -> None:
        self.read = read
        self.canvas = DrawingCanvas(width, height)
        self.answer = widgets.Label(value=start)
        self.answer.add_class("convnet-answer")
        # The picture is a PNG in an Image widget: plain widget state, the same in JupyterLab,
        # Notebook, Colab and a headless runner (no output capture). It keeps its own size
        # (align_self), where a box would stretch it to the width of the output area.
        self.picture = widgets.Image(value=b"", format="png", layout=widgets.Layout(display="none", align_self="flex-start"))
        self.widget = described_box([self.canvas, self.answer, self.picture], stand_in)
        self.reading: Reading | None = None
        self.problem: str | None = None
        self.seconds: float | None = None  # strokes in -> answer shown
        self.canvas.observe(self._update, names="strokes")

    def _update(self, change: dict | None = None) -> None:
        start = time.perf_counter()
        try:
            reading = self.read(self.canvas.strokes, self.canvas.width, self.canvas.height)
        except DrawingProblem as problem:
            self.reading, self.problem = None, str(problem)
            self.answer.value = self.problem
            # hidden, keeping its place while it has one, so that the canvas does not move under the pen
            self.picture.layout.visibility = "hidden"
            self.seconds = time.perf_counter() - start
            self.canvas.readings += 1
            return
        self.reading, self.problem = reading, None
        self.answer.value = reading.answer  # first, so that the page shows it before the figure is drawn
        self.seconds = time.perf_counter() - start
        self.picture.value = figure_png(reading.figure())
        self.picture.layout.display = ""
        self.picture.layout.visibility = "visible"
        self.canvas.readings += 1

    def draw(self, strokes: Drawing) -> Reading | None:
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
        """Whether the page shows the figure (not before the first reading, nor with a problem)."""
        return self.picture.layout.display != "none" and self.picture.layout.visibility != "hidden"

    def _ipython_display_(self) -> None:
        # Shown as its widget (ipywidgets 8 gives a widget _repr_mimebundle_, 7 an _ipython_display_).
        from IPython.display import display

        display(self.widget)
