"""Build the course as a static website, the book, into build/book/ (`make book`).

    python scripts/build_book.py [--out DIR] [--work DIR] [--strict]

Jupyter Book 1.x (Sphinx, MyST-NB) renders the README as the landing page and the eight
notebooks, in order, from their **stored outputs**: nothing is executed, nothing is fetched.
The book's sources are generated here, into build/book-src/ (the --work folder):

- `_config.yml` and `_toc.yml`, with the repository named by pyproject.toml's
  `[project.urls] Repository` (the one place the address lives; `make colab` rewrites it for a
  fork) and the published address derived from it (https://OWNER.github.io/NAME/);
- `index.md`, the README, and copies of the notebooks and the README's pictures. Relative links
  to files that are not pages of the book (DEVELOPERS.md, ...) become links to the file on GitHub;
  the Colab badge picture, which Google serves, becomes a local copy, so that a page loads nothing
  from another site;
- MathJax 3 is served from the book itself, not from a CDN: the copy that the PyPI package
  sphinx-mathjax-offline ships (byte for byte the es5/ folder of MathJax 3.2.2 as npm has it).

Each lecture carries "open in Colab" (launch menu) and "show source" (GitHub menu) links in its
header, besides the notebook's own Colab badge. Sphinx writes the search page (search.html).
Files are rewritten only when their content changes, so a second build redoes only what changed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from colab import current_repo  # noqa: E402  (scripts/colab.py: the owner/name pyproject.toml names)

TITLE = "Convnet Origins"
BRANCH = "main"
COLAB = "https://colab.research.google.com"
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
BADGE_FILE = "colab-badge.svg"
# MathJax's other bundles (SVG output, MathML input, "full" variants), not needed beside tex-chtml.js
MATHJAX_UNUSED = re.compile(r"(tex-svg|tex-mml|tex-chtml-full|mml-|node-main|output/svg).*")
EXTENSIONS = ["sphinx_togglebutton", "sphinx_copybutton", "myst_nb", "jupyter_book", "sphinx_comments",
              "sphinx_external_toc", "sphinx_design", "sphinx_book_theme", "sphinx_multitoc_numbering", "build_book"]

# "Open in Colab", drawn here (the badge on GitHub is a picture that Google serves).
BADGE_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="117" height="20" viewBox="0 0 117 20" role="img" aria-label="Open In Colab">
<title>Open In Colab</title>
<rect width="117" height="20" rx="3" fill="#555"/>
<rect x="22" width="95" height="20" rx="3" fill="#f9ab00"/>
<rect x="22" width="6" height="20" fill="#f9ab00"/>
<circle cx="8" cy="10" r="4.5" fill="none" stroke="#f9ab00" stroke-width="2.5"/>
<circle cx="15" cy="10" r="4.5" fill="none" stroke="#e8710a" stroke-width="2.5"/>
<text x="69.5" y="14" fill="#fff" font-family="DejaVu Sans,Verdana,Geneva,sans-serif" font-size="11" text-anchor="middle">Open In Colab</text>
</svg>
"""

# The README's table shows a 220-pixel picture per lecture; the theme squeezed them to 50 pixels.
BOOK_CSS = """.bd-article td a.reference.internal > img { min-width: 160px; }
"""

# Markdown link or picture targets, [text](target) / ![alt](target "title"), and HTML src/href.
MD_TARGET = re.compile(r"(\]\(\s*<?)([^()\s<>]+)(>?(?:\s+\"[^\"]*\")?\s*\))")
HTML_TARGET = re.compile(r"(<(?:img|a)\b[^>]*?\b(?:src|href)\s*=\s*[\"'])([^\"']+)([\"'])", re.I)
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:|//")


def pages_url(slug: str) -> str:
    """Where GitHub Pages publishes owner/name: https://owner.github.io/name/ (a user site
    owner/owner.github.io is published at the root)."""
    owner, name = slug.split("/")
    host = f"{owner.lower()}.github.io"
    return f"https://{host}/" if name.lower() == host else f"https://{host}/{name}/"


def notebooks(root: Path) -> list[Path]:
    """The lectures, notebooks/NN_topic.ipynb, in order (as scripts/execute_notebooks.py lists them)."""
    return sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def inputs_digest(root: Path) -> str:
    """A digest of everything the book is built from: tests/browser/test_book.py reuses build/book when
    its recorded digest is this one, and builds a fresh copy otherwise."""
    import hashlib

    readme = (root / "README.md").read_text(encoding="utf-8")
    files = [root / "README.md", root / "pyproject.toml", Path(__file__).resolve(), *notebooks(root),
             *(root / p for p in sorted(readme_pictures(readme)) if (root / p).is_file())]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def write_if_changed(path: Path, data: bytes | str) -> bool:
    """Write `data` to `path` unless it already holds exactly that (keeps the mtime, so Sphinx
    does not rebuild an unchanged page). True when the file was written."""
    data = data.encode("utf-8") if isinstance(data, str) else data
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


class Linker:
    """Rewrites the link and picture targets of one document for the book.

    `doc` is the document's path in the repository (README.md, notebooks/01_x.ipynb); `pages` the
    repository paths that are pages of the book, `pictures` those copied into it."""

    def __init__(self, slug: str, root: Path, pages: set[str], pictures: set[str]) -> None:
        self.slug, self.root, self.pages, self.pictures = slug, root, pages, pictures

    def target(self, doc: str, target: str, badge: str) -> str:
        if target == COLAB_BADGE:
            return badge
        if SCHEME.match(target) or target.startswith("#"):
            return target
        path, _, anchor = target.partition("#")
        repo_path = os.path.normpath(os.path.join(os.path.dirname(doc), unquote(path))).replace(os.sep, "/")
        if repo_path in self.pages or repo_path in self.pictures or repo_path.startswith("../"):
            return target
        kind = "tree" if (self.root / repo_path).is_dir() else "blob"
        return f"https://github.com/{self.slug}/{kind}/{BRANCH}/{repo_path}" + (f"#{anchor}" if anchor else "")

    def markdown(self, doc: str, text: str) -> str:
        badge = os.path.relpath(BADGE_FILE, os.path.dirname(doc) or ".").replace(os.sep, "/")
        text = MD_TARGET.sub(lambda m: m.group(1) + self.target(doc, m.group(2), badge) + m.group(3), text)
        return HTML_TARGET.sub(lambda m: m.group(1) + self.target(doc, m.group(2), badge) + m.group(3), text)


def readme_pictures(readme: str) -> set[str]:
    """The repository's pictures that the README shows (relative targets ending in an image suffix)."""
    found = {m.group(2) for m in MD_TARGET.finditer(readme)} | {m.group(2) for m in HTML_TARGET.finditer(readme)}
    return {unquote(t) for t in found
            if not SCHEME.match(t) and t.lower().endswith((".png", ".gif", ".jpg", ".jpeg", ".svg"))}


def book_config(slug: str) -> dict:
    repo_url = f"https://github.com/{slug}"
    return {
        "title": TITLE,
        "author": "the Convnet Origins authors",
        "copyright": "",
        "only_build_toc_files": True,
        "exclude_patterns": ["_build", "**.ipynb_checkpoints"],
        # The notebooks are shown with the outputs they store; the book never runs them.
        "execute": {"execute_notebooks": "off"},
        "parse": {"myst_enable_extensions": ["colon_fence", "dollarmath", "html_image", "linkify"]},
        "html": {
            "baseurl": pages_url(slug),
            "use_repository_button": True,
            "use_issues_button": False,
            "use_edit_page_button": False,
            "home_page_in_navbar": True,
            "extra_footer": f'Built from the notebooks\' stored outputs. Source: <a href="{repo_url}">{slug}</a>.',
        },
        "latex": {"use_jupyterbook_latex": False},  # no PDF: the website only
        "launch_buttons": {"colab_url": COLAB, "notebook_interface": "jupyterlab"},
        "repository": {"url": repo_url, "path_to_book": "", "branch": BRANCH},
        "sphinx": {
            "local_extensions": {"build_book": str(Path(__file__).resolve().parent)},  # setup() below
            "recursive_update": True,  # merge html_theme_options below into Jupyter Book's own
            "config": {
                # Jupyter Book's extensions less sphinx_thebe (its settings script came twice on every
                # page: "Identifier 'THEBE_JS_URL' has already been declared"; the book runs no code),
                # plus this file's setup() below.
                "extensions": EXTENSIONS,
                "html_theme_options": {"use_source_button": True, "use_download_button": True},
                "html_static_path": ["_static"],
                "html_css_files": ["book.css"],
                # the course's figures are drawn on white (and an unset mode is a console error)
                "html_context": {"default_mode": "light"},
                "mathjax_path": "mathjax/tex-chtml.js",  # under _static/, copied there after the build
                "html_show_copyright": False,
                "suppress_warnings": ["myst.header"],  # notebooks' heading levels are theirs
            },
        },
    }


def toc(pages: list[str]) -> dict:
    return {"format": "jb-book", "root": "index",
            "parts": [{"caption": "Lectures", "chapters": [{"file": p} for p in pages]}]}


def mathjax_folder() -> Path | None:
    """MathJax 3's es5/ folder as the sphinx-mathjax-offline package installs it, or None."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        folder = Path(distribution("sphinx-mathjax-offline").locate_file("sphinx-mathjax-offline/static/mathjax"))
    except PackageNotFoundError:
        return None
    return folder if (folder / "tex-chtml.js").is_file() else None


def missing_tools() -> str | None:
    """Why the book cannot be built with this Python (a sentence), or None when it can."""
    try:
        import jupyter_book
    except ImportError:
        return "Jupyter Book is not installed (pip install -r requirements-book.txt; `make book` does)"
    if not jupyter_book.__version__.startswith("1."):
        return f"Jupyter Book {jupyter_book.__version__} is installed; the book needs the 1.x line (requirements-book.txt)"
    if mathjax_folder() is None:
        return "sphinx-mathjax-offline (MathJax) is not installed (pip install -r requirements-book.txt; `make book` does)"
    return None


def sync_tree(src: Path, dst: Path, skip: re.Pattern[str] | None = None) -> None:
    """Copy the files of `src` into `dst` that are missing or differ in size or mtime, but those
    whose path under `src` matches `skip`."""
    for folder, _, files in os.walk(src):
        target = dst / Path(folder).relative_to(src)
        for name in files:
            rel = (Path(folder) / name).relative_to(src).as_posix()
            if skip is not None and skip.match(rel):
                continue
            target.mkdir(parents=True, exist_ok=True)
            s, d = Path(folder) / name, target / name
            st = s.stat()
            if not d.exists() or d.stat().st_size != st.st_size or int(d.stat().st_mtime) != int(st.st_mtime):
                shutil.copy2(s, d)


def prepare_sources(root: Path, work: Path) -> list[str]:
    """Write the book's sources into `work`; returns the lectures' page names (notebooks/NN_topic)."""
    slug = current_repo(root)
    lectures = notebooks(root)
    if not lectures:
        raise SystemExit(f"no notebooks/NN_topic.ipynb under {root}")
    readme = (root / "README.md").read_text(encoding="utf-8")
    pages = {p.relative_to(root).as_posix() for p in lectures}
    pictures = {p for p in readme_pictures(readme) if (root / p).is_file()}
    linker = Linker(slug, root, pages, pictures)

    wanted = {"_config.yml", "_toc.yml", "index.md", BADGE_FILE, "_static/book.css", *pages, *pictures}
    import yaml

    write_if_changed(work / "_config.yml", yaml.safe_dump(book_config(slug), sort_keys=False, allow_unicode=True))
    names = [p[: -len(".ipynb")] for p in sorted(pages)]
    write_if_changed(work / "_toc.yml", yaml.safe_dump(toc(names), sort_keys=False))
    write_if_changed(work / BADGE_FILE, BADGE_SVG)
    write_if_changed(work / "_static" / "book.css", BOOK_CSS)
    write_if_changed(work / "index.md", linker.markdown("README.md", readme))
    for rel in sorted(pictures):
        write_if_changed(work / rel, (root / rel).read_bytes())
    for path in lectures:
        rel = path.relative_to(root).as_posix()
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "markdown":
                source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
                cell["source"] = linker.markdown(rel, source)
        write_if_changed(work / rel, json.dumps(nb, indent=1, ensure_ascii=False) + "\n")

    # Drop what an earlier build wrote and this one did not (a renamed notebook, an old picture).
    keep = {"_build"}
    for path in sorted(work.rglob("*"), reverse=True):
        rel = path.relative_to(work).as_posix()
        if rel.split("/")[0] in keep:
            continue
        if path.is_file() and rel not in wanted:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return names


def build(root: Path = ROOT, out: Path | None = None, work: Path | None = None, strict: bool = False) -> Path:
    out = (out or root / "build" / "book").resolve()
    work = (work or root / "build" / "book-src").resolve()
    reason = missing_tools()
    if reason:
        raise SystemExit(f"make book: {reason}")
    mathjax = mathjax_folder()
    prepare_sources(root, work)
    from jupyter_book.sphinx import build_sphinx  # what `jupyter-book build` runs, with the output where we want it

    # the arguments `jupyter-book build` passes for a book (jupyter_book/cli/main.py)
    overrides = {"external_toc_path": (work / "_toc.yml").as_posix(), "latex_individualpages": False}
    result = build_sphinx(work, out, noconfig=True, path_config=str(work / "_config.yml"), confoverrides=overrides,
                          doctreedir=work / "_build" / "doctrees", quiet=True, warningiserror=strict, keep_going=strict)
    if result != 0:
        raise SystemExit(f"make book: Sphinx failed ({result!r}); the log above says why")
    sync_tree(mathjax, out / "_static" / "mathjax", skip=MATHJAX_UNUSED)
    write_if_changed(out / ".nojekyll", "")  # GitHub Pages: serve _static/ and _images/ as they are
    write_if_changed(out / ".book-inputs", inputs_digest(root) + "\n")
    return out


# ---------------------------------------------------------------------------------------------
# This file is also a Sphinx extension of the book (`local_extensions` in its _config.yml).


def _unescape_link_targets(app, doctree) -> None:
    """MyST-Parser 3 (the line Jupyter Book 1 pins) HTML-escapes a link's address and the HTML
    writer escapes it again: `watch?v=x&t=49s` reached the page as `&amp;amp;t=49s`, which drops
    the video's start time. Undo the first escaping."""
    from docutils import nodes

    for ref in doctree.findall(nodes.reference):
        uri = ref.get("refuri", "")
        if "&amp;" in uri:
            ref["refuri"] = uri.replace("&amp;", "&")


def _source_links_to_the_repository(app, pagename, templatename, context, doctree) -> None:
    """The header's "Show source" opens the page's file as GitHub shows it: README.md for the landing
    page (its source here is a generated index.md), the notebook, rendered, for a lecture."""
    repo = app.config.html_theme_options.get("repository_url", "").rstrip("/")
    suffix = context.get("page_source_suffix") or ""
    original = "README.md" if pagename == "index" else f"{pagename}{suffix}"

    def fix(buttons: list) -> None:
        for button in buttons:
            if button.get("label") == "source-file-button":
                button["url"] = f"{repo}/blob/{BRANCH}/{original}"
            fix(button.get("buttons", []))

    fix(context.get("header_buttons", []))


def setup(app):
    app.connect("doctree-read", _unescape_link_targets)
    app.connect("html-page-context", _source_links_to_the_repository, priority=900)  # after the theme's buttons
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="where the website goes (default: build/book)")
    parser.add_argument("--work", type=Path, help="where its generated sources go (default: build/book-src)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the course's folder (default: this repository)")
    parser.add_argument("--strict", action="store_true", help="fail on any Sphinx warning")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    out = build(args.root.resolve(), args.out, args.work, args.strict)
    index = out / "index.html"
    print(f"make book: {index.relative_to(ROOT) if index.is_relative_to(ROOT) else index} "
          f"in {time.perf_counter() - start:.1f} s (open it in a browser; published at {pages_url(current_repo(args.root))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
