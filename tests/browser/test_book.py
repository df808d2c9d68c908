"""The course as a book (`make book`, scripts/build_book.py), read in a real browser.

Two kinds of checks:

- the book's sources (no Jupyter Book needed, always run): the repository and the published
  address come from pyproject.toml, also for a fork; the README's links work in the book;
- the built website in headless Chromium (Debian's package, driven by Playwright, as in
  tests/browser/test_rendering.py), served over HTTP from 127.0.0.1 with every other address blocked:
  every page loads with no console error and asks nothing of another site, every formula is
  typeset, every picture on it is a decoded, non-blank image, the navigation reaches the eight lectures in order from the
  landing page, each lecture has its figures and its "open in Colab" and "show source" links,
  and the search page finds "LeNet". Screenshots go to build/book-screenshots/.

The website is build/book/ when `make book` built it from the current sources (its recorded
digest matches), else a fresh build into a temporary folder. Skipped, with the reason, when
Chromium, Playwright or the book's tooling (requirements-book.txt) is missing (a failure under
CONVNETS_REQUIRE_BROWSER=1, see conftest.py); build/book-screenshots/ is emptied only after that check.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import threading
import warnings
from pathlib import Path

import pytest
from support import CHROMIUM_FLAGS as FLAGS, browser_missing, chromium_path

import build_book  # scripts/build_book.py (pytest's pythonpath holds scripts/)

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = build_book.notebooks(ROOT)
LECTURES = [f"notebooks/{p.stem}" for p in NOTEBOOKS]
PAGES = ["index", *LECTURES, "search", "genindex"]
SCREENSHOTS = ROOT / "build" / "book-screenshots"
SLUG = build_book.current_repo(ROOT)


# ---------------------------------------------------------------------------------------------
# the sources: no Jupyter Book needed


def test_published_address_follows_the_repository():
    # (no real repository named here: `make colab` would rewrite it in this file for a fork)
    assert build_book.pages_url("octo-org/octo-course") == "https://octo-org.github.io/octo-course/"
    assert build_book.pages_url("JDoe/my-course") == "https://jdoe.github.io/my-course/"
    assert build_book.pages_url("jdoe/jdoe.github.io") == "https://jdoe.github.io/"


def test_links_are_rewritten_for_the_book():
    linker = build_book.Linker(SLUG, ROOT, pages={"notebooks/01_a.ipynb"}, pictures={"images/01_a.png"})
    text = ("[01](notebooks/01_a.ipynb) <img src=\"images/01_a.png\" width=\"220\"> [dev](DEVELOPERS.md#layout) "
            "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/x) "
            "[web](https://example.org/a) [here](#anchor) [folder](helpers)")
    assert linker.markdown("README.md", text) == (
        "[01](notebooks/01_a.ipynb) <img src=\"images/01_a.png\" width=\"220\"> "
        f"[dev](https://github.com/{SLUG}/blob/main/DEVELOPERS.md#layout) "
        "[![Open In Colab](colab-badge.svg)](https://colab.research.google.com/x) "
        f"[web](https://example.org/a) [here](#anchor) [folder](https://github.com/{SLUG}/tree/main/helpers)")
    # from a notebook: siblings are pages, the badge is one folder up
    assert linker.markdown("notebooks/08_b.ipynb", "[01](01_a.ipynb) ![c](https://colab.research.google.com/assets/colab-badge.svg)") \
        == "[01](01_a.ipynb) ![c](../colab-badge.svg)"


def test_sources_name_the_repository_that_pyproject_names(tmp_path):
    """A fork (`make colab REPO=...` rewrote pyproject.toml) gets a book about the fork."""
    pytest.importorskip("yaml", reason="PyYAML is missing (pip install -r requirements.txt; JupyterLab needs it)")
    import yaml

    root = tmp_path / "fork"
    (root / "notebooks").mkdir(parents=True)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8").replace(f"github.com/{SLUG}\"", "github.com/jdoe/my-course\"")
    (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    (root / "README.md").write_text("# Course\n[01](notebooks/01_a.ipynb) and [dev](DEVELOPERS.md)\n", encoding="utf-8")
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": [
        "# 01 A\n", "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](x)"]}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (root / "notebooks" / "01_a.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    work = tmp_path / "work"
    assert build_book.prepare_sources(root, work) == ["notebooks/01_a"]
    config = yaml.safe_load((work / "_config.yml").read_text(encoding="utf-8"))
    assert config["repository"]["url"] == "https://github.com/jdoe/my-course"
    assert config["html"]["baseurl"] == "https://jdoe.github.io/my-course/"
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert config["execute"]["execute_notebooks"] == "off"
    assert yaml.safe_load((work / "_toc.yml").read_text(encoding="utf-8"))["parts"][0]["chapters"] == [{"file": "notebooks/01_a"}]
    assert "https://github.com/jdoe/my-course/blob/main/DEVELOPERS.md" in (work / "index.md").read_text(encoding="utf-8")
    staged = json.loads((work / "notebooks" / "01_a.ipynb").read_text(encoding="utf-8"))
    assert "../colab-badge.svg" in staged["cells"][0]["source"]
    # a second run leaves unchanged files alone (Sphinx then rebuilds nothing)
    mtimes = {p: p.stat().st_mtime_ns for p in work.rglob("*") if p.is_file()}
    build_book.prepare_sources(root, work)
    assert {p: p.stat().st_mtime_ns for p in work.rglob("*") if p.is_file()} == mtimes


def test_every_readme_link_works_in_the_book(tmp_path):
    """The landing page's relative links are pages or pictures of the book; the rest became
    addresses on GitHub; the Colab badge picture is the book's own."""
    pytest.importorskip("yaml", reason="PyYAML is missing (pip install -r requirements.txt; JupyterLab needs it)")
    work = tmp_path / "work"
    pages = build_book.prepare_sources(ROOT, work)
    assert pages == LECTURES and len(pages) >= 8
    index = (work / "index.md").read_text(encoding="utf-8")
    assert build_book.COLAB_BADGE not in index
    targets = [m.group(2) for m in build_book.MD_TARGET.finditer(index)] + \
              [m.group(2) for m in build_book.HTML_TARGET.finditer(index)]
    relative = [t for t in targets if not build_book.SCHEME.match(t) and not t.startswith("#")]
    assert relative, "the README has no relative link"
    for target in relative:
        assert (work / target.partition("#")[0]).is_file(), f"{target}: not a file of the book"
    for page in LECTURES:
        assert f"{page}.ipynb" in relative, f"the landing page does not link {page}"


# ---------------------------------------------------------------------------------------------
# the website in a browser


def _skip_reason() -> str | None:
    """Why the website cannot be checked here (Chromium, Playwright or the book's tooling missing), or None.
    Under CONVNETS_REQUIRE_BROWSER=1 the skip is a failure (tests/browser/conftest.py)."""
    reason = browser_missing() or build_book.missing_tools()
    return f"the book check cannot run: {reason}" if reason else None


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    built = ROOT / "build" / "book"
    stamp = built / ".book-inputs"
    if stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == build_book.inputs_digest(ROOT):
        return built
    tmp = tmp_path_factory.mktemp("book")
    with warnings.catch_warnings():  # Sphinx's extensions' deprecation notices are not this course's
        warnings.simplefilter("ignore")
        return build_book.build(ROOT, out=tmp / "html", work=tmp / "src", strict=True)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def site(book):
    """The book served over HTTP on a free port of 127.0.0.1 (as GitHub Pages would serve it)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(book)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser(site, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh user-data-dir
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(str(profile), executable_path=chromium_path(), headless=True,
                                                   args=FLAGS, viewport={"width": 1280, "height": 900})
        ctx.set_default_timeout(60_000)
        try:
            yield ctx
        finally:
            ctx.close()


@pytest.fixture(scope="module")
def screenshots(book) -> Path:
    """build/book-screenshots/, emptied only once `book` has found everything the check needs: a
    skipped run deletes nothing."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


class Visit:
    """One page opened in the browser, with what went wrong while it loaded."""

    def __init__(self, ctx, site: str) -> None:
        self.site, self.errors, self.outside = site, [], []
        self.page = page = ctx.new_page()
        page.route("**/*", self._route)
        page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: self.errors.append(f"exception: {e}"))
        page.on("requestfailed", lambda r: r.url.startswith(site) and self.errors.append(f"failed: {r.url}"))
        page.on("response", lambda r: r.status >= 400 and self.errors.append(f"HTTP {r.status}: {r.url}"))

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(self.site) or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:  # the book must not need another site: record and refuse
            self.outside.append(url)
            route.abort()

    def open(self, path: str) -> None:
        self.page.goto(self.site + path, wait_until="load")
        self.page.wait_for_load_state("networkidle")

    def close(self) -> None:
        self.page.close()


@pytest.fixture
def visit(browser, site):
    opened: list[Visit] = []

    def make() -> Visit:
        opened.append(Visit(browser, site))
        return opened[-1]

    yield make
    for v in opened:
        v.close()


# Every picture: loaded, a size, and pixels that are not all one colour (drawn into a canvas).
PICTURES_JS = """async () => {
  const imgs = Array.from(document.images);
  for (const i of imgs) i.loading = 'eager';
  await Promise.all(imgs.map(i => i.complete ? null : new Promise(r => { i.onload = r; i.onerror = r; })));
  return imgs.map(i => {
    let colours = 0;
    if (i.complete && i.naturalWidth > 0) {
      const c = document.createElement('canvas');
      c.width = Math.min(i.naturalWidth, 400); c.height = Math.min(i.naturalHeight, 400);
      const g = c.getContext('2d'); g.drawImage(i, 0, 0, c.width, c.height);
      const d = g.getImageData(0, 0, c.width, c.height).data, seen = new Set();
      for (let k = 0; k < d.length && seen.size < 3; k += 4 * 7) seen.add(d[k] + ',' + d[k+1] + ',' + d[k+2] + ',' + d[k+3]);
      colours = seen.size;
    }
    return {src: (i.getAttribute('src') || '').slice(0, 80), ok: i.complete, w: i.naturalWidth, h: i.naturalHeight, colours};
  });
}"""


def _first_result_row() -> str:
    """The first cell of the README results table's first row (`make results` writes the table)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- results:start -->", 1)[1].split("<!-- results:end -->", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("|") and not set(line) <= set("|-: ")]
    return rows[1].strip("|").split("|")[0].strip()  # rows[0] is the header


def _stored_figures(path: Path) -> int:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return sum("image/png" in o.get("data", {}) or "image/gif" in o.get("data", {})
               for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", []))


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_cleanly_with_its_pictures(visit, screenshots, name):
    v = visit()
    v.open(f"{name}.html")
    math = v.page.locator("span.math, div.math").count()
    if math:  # typeset by the book's own MathJax, every formula
        v.page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise"
                                 " && MathJax.startup.document && MathJax.startup.document.processed !== undefined")
        v.page.evaluate("() => MathJax.startup.promise")
        typeset = v.page.locator("span.math mjx-container, div.math mjx-container").count()
        assert typeset == math, f"{name}: {typeset} of {math} formulas typeset"
        assert v.page.locator("mjx-merror").count() == 0, f"{name}: MathJax could not typeset a formula"
    pictures = v.page.evaluate(PICTURES_JS)
    # the whole landing page; a lecture's first screen (a whole lecture costs 5 s of CPU to encode;
    # tests/browser/test_rendering.py keeps whole-notebook screenshots under build/render/)
    v.page.screenshot(path=str(screenshots / f"{name.replace('/', '_')}.png"), full_page=name not in LECTURES)
    assert v.page.title().strip(), f"{name}: no title"
    assert not v.errors, f"{name}: {v.errors[:5]}"
    assert not v.outside, f"{name}: asked another site for {v.outside[:5]}"
    blank = [p for p in pictures if not (p["ok"] and p["w"] > 0 and p["h"] > 0 and p["colours"] > 1)]
    assert not blank, f"{name}: {len(blank)} of {len(pictures)} pictures empty or blank: {blank[:3]}"
    if name == "index":
        assert len(pictures) >= 2 * len(LECTURES), f"index: {len(pictures)} pictures (a figure and a badge per lecture)"
        row = _first_result_row()
        assert v.page.locator("table").filter(has_text=row).count() == 1, f"index: no results table (row {row!r})"
    if name in LECTURES:
        expected = _stored_figures(ROOT / f"{name}.ipynb")
        figures = [p for p in pictures if "_images/" in p["src"] and "colab-badge" not in p["src"] or p["src"].startswith("data:image")]
        assert len(figures) >= expected > 0, f"{name}: {len(figures)} figures on the page, {expected} stored"


@pytest.mark.parametrize("name", LECTURES)
def test_lecture_links_to_colab_and_its_source(visit, name):
    v = visit()
    v.open(f"{name}.html")
    hrefs = v.page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
    colab = f"https://colab.research.google.com/github/{SLUG}/blob/main/{name}.ipynb"
    source = f"https://github.com/{SLUG}/blob/main/{name}.ipynb"
    assert colab in hrefs, f"{name}: no 'open in Colab' link"
    assert v.page.locator(f'a[href="{colab}"]').filter(has_text="Colab").count() >= 1, f"{name}: no Colab launch button"
    assert v.page.locator(f'a[href="{source}"]').filter(has_text="source").count() == 1, f"{name}: no 'show source' link"


def test_navigation_reaches_every_lecture_from_the_landing_page(visit):
    v = visit()
    v.open("index.html")
    sidebar = v.page.eval_on_selector_all("nav.bd-docs-nav a.reference.internal", "as => as.map(a => a.href)")
    lectures = [re.sub(r"^.*?/(notebooks/[^/#]+)\.html$", r"\1", h) for h in sidebar if "/notebooks/" in h]
    assert lectures == LECTURES, sidebar
    # and page by page, with the "next" link at the bottom of each page
    visited = []
    while v.page.locator("a.right-next").count():
        v.page.locator("a.right-next").click()
        v.page.wait_for_load_state("load")
        visited.append(re.sub(r"^.*?/(notebooks/[^/#]+)\.html.*$", r"\1", v.page.url))
        heading = v.page.locator("h1").first.inner_text()
        assert heading.strip()[:2] == visited[-1].split("/")[1][:2], f"{visited[-1]}: heading {heading!r}"
        assert len(visited) <= len(LECTURES)
    assert visited == LECTURES
    assert not v.errors and not v.outside, (v.errors[:5], v.outside[:5])


def test_search_finds_lenet(visit, screenshots):
    v = visit()
    v.open("index.html")
    assert v.page.locator("form[action$='search.html']").count() >= 1, "the landing page has no search form"
    v.open("search.html?q=LeNet")
    results = v.page.locator("#search-results ul.search li")
    results.first.wait_for(state="visible", timeout=60_000)
    found = v.page.eval_on_selector_all("#search-results ul.search li a", "as => as.map(a => a.href)")
    v.page.screenshot(path=str(screenshots / "search_LeNet.png"), full_page=False)
    assert any("notebooks/04_lenet5.html" in h for h in found), found
    assert not v.errors and not v.outside, (v.errors[:5], v.outside[:5])


@pytest.mark.parametrize("name", LECTURES)
def test_lecture_shows_its_exercise_stubs_and_checks(visit, name):
    """The book shows what a learner fills in: the cell tagged `stub` and the commented checks (tagged `answers`)."""
    nb = json.loads((ROOT / f"{name}.ipynb").read_text(encoding="utf-8"))
    tagged = {tag: "".join(c["source"]) for c in nb["cells"] for tag in c.get("metadata", {}).get("tags", [])
              if tag in ("stub", "answers")}
    v = visit()
    v.open(f"{name}.html")
    shown = v.page.locator("div.cell").all_inner_texts()
    for tag, source in tagged.items():
        first = source.splitlines()[0].strip()
        assert any(first in text for text in shown), f"{name}: the {tag} cell ({first!r}) is not on the page"
    assert set(tagged) == {"stub", "answers"}, f"{name}: tagged cells {sorted(tagged)}"
