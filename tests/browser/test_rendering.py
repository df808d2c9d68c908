"""Every notebook renders its figures in a real browser.

Each notebook is exported to HTML with nbconvert and opened in headless Chromium (Debian's package,
driven by Playwright); the test checks that every stored figure arrives as a loaded, non-empty
image, and keeps a full-page screenshot under build/render/ for a person to look at. Skipped, with
the reason, when Chromium or Playwright is missing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
OUT = ROOT / "build" / "render"




@pytest.fixture(scope="module")
def browser(playwright_browser):
    """A page context on conftest's headless Chromium (skipped, saying why, when it is missing)."""
    ctx = playwright_browser.new_context(viewport={"width": 1100, "height": 900})
    yield ctx
    ctx.close()


def stored_figures(nb: dict) -> int:
    return sum("image/png" in o.get("data", {}) or "image/gif" in o.get("data", {})
               for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", []))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_renders_its_figures(browser, path):
    from nbconvert import HTMLExporter

    nb = json.loads(path.read_text(encoding="utf-8"))
    expected = stored_figures(nb)
    html, _ = HTMLExporter().from_filename(str(path))
    OUT.mkdir(parents=True, exist_ok=True)
    page_file = OUT / f"{path.stem}.html"
    page_file.write_text(html, encoding="utf-8")
    page = browser.new_page()
    try:
        page.goto(page_file.as_uri(), wait_until="load")
        images = page.evaluate(
            "() => Array.from(document.images).map(i => ({src: i.src.slice(0, 30), ok: i.complete,"
            " w: i.naturalWidth, h: i.naturalHeight}))"
        )
        page.screenshot(path=str(OUT / f"{path.stem}.png"), full_page=True)
        title = page.evaluate("() => (document.querySelector('h1') || {}).textContent || ''")
    finally:
        page.close()
    figures = [i for i in images if i["src"].startswith("data:image")]
    assert title.strip(), f"{path.name}: the page shows no title"
    assert len(figures) >= expected > 0, f"{path.name}: {len(figures)} figures on the page, {expected} stored"
    broken = [i for i in figures if not (i["ok"] and i["w"] > 10 and i["h"] > 10)]
    assert not broken, f"{path.name}: {len(broken)} figures did not render: {broken[:3]}"
