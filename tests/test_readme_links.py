"""Every picture and link in README.md (and DEVELOPERS.md) exists: relative targets are files of the
repository (and their #anchors headings of them), pictures are real PNG/GIF/JPEG files of a sensible
size, Colab badges open notebooks that exist, and web addresses are well-formed https URLs on hosts
listed here (they cannot be fetched offline, but a typo'd host fails)."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ["README.md", "DEVELOPERS.md"]
SLUG = re.search(r'^Repository = "https://github\.com/([^"]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"),
                 re.M).group(1)

# The hosts the documents may link to; add one here when a new kind of link is meant.
ALLOWED_HOSTS = {"github.com", "colab.research.google.com", "www.youtube.com", "convnet-origins.github.io"}

# Pictures: the formats GitHub shows inline, by their first bytes, and the bounds of a sensible figure.
MAGIC = {"png": [b"\x89PNG\r\n\x1a\n"], "gif": [b"GIF87a", b"GIF89a"], "jpeg": [b"\xff\xd8\xff"]}
EXTENSIONS = {".png": "png", ".gif": "gif", ".jpg": "jpeg", ".jpeg": "jpeg"}
MAX_BYTES = 2 * 1024 * 1024  # a README picture above 2 MB makes the page slow; the largest is 190 kB
MIN_PIXELS, MAX_PIXELS = 64, 4096  # per side


@dataclass(frozen=True)
class Ref:
    """One link or picture: the document it is in, its line, and where it points."""

    doc: str
    line: int
    kind: str  # "link" or "image"
    target: str

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}:{self.target}"


# ---------------------------------------------------------------------------------------------
# parsing

FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,}).*?^\1\2[`~]*[ \t]*$", re.M | re.S)  # fenced code blocks
CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)  # inline code spans
# [text](target "title") and ![alt](target), the text allowing one level of nested brackets (badges)
MD_LINK = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?([^()\s<>]*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
REF_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?", re.M)  # [label]: target
HTML_IMG = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']([^\"']+)[\"']", re.I)
HTML_A = re.compile(r"<a\b[^>]*?\bhref\s*=\s*[\"']([^\"']+)[\"']", re.I)
AUTOLINK = re.compile(r"<(https?://[^\s>]+)>")
BARE_URL = re.compile(r"https?://[^\s<>()\[\]\"'`]+")


def blank(m: re.Match[str]) -> str:
    """The match as spaces, newlines kept (so offsets and line numbers stay right)."""
    return re.sub(r"[^\n]", " ", m.group(0))


def blank_code(text: str) -> str:
    """`text` with code blocks and spans blanked: what is inside code is not a link."""
    return CODE_SPAN.sub(blank, FENCE.sub(blank, text))


def md_links(text: str, offset: int = 0):
    """(offset, is_image, target) of every markdown link and picture, nested ones included."""
    for m in MD_LINK.finditer(text):
        yield offset + m.start(), m.group(1) == "!", m.group(3)
        yield from md_links(m.group(2), offset + m.start(2))


def parse(doc: str, text: str) -> list[Ref]:
    """Every link and picture of a markdown document, in order, code excluded."""
    text = blank_code(text)
    found: list[tuple[int, str, str]] = [(at, "image" if image else "link", target) for at, image, target in md_links(text)]
    found += [(m.start(), "link", m.group(1)) for m in REF_DEF.finditer(text)]
    found += [(m.start(), "image", m.group(1)) for m in HTML_IMG.finditer(text)]
    found += [(m.start(), "link", m.group(1)) for m in HTML_A.finditer(text) if m.group(1)]
    found += [(m.start(), "link", m.group(1)) for m in AUTOLINK.finditer(text)]
    refs = {Ref(doc, text.count("\n", 0, at) + 1, kind, target) for at, kind, target in found}
    # bare addresses (GitHub links them too), without the sentence's closing punctuation; those that
    # are the target of a link or picture found above are that link or picture
    known = {(r.line, r.target) for r in refs}
    for m in BARE_URL.finditer(text):
        line, target = text.count("\n", 0, m.start()) + 1, m.group(0).rstrip(".,;:!?*_")
        if (line, target) not in known:
            refs.add(Ref(doc, line, "link", target))
    return sorted(refs, key=lambda r: (r.line, r.target, r.kind))


def refs_of(doc: str) -> list[Ref]:
    return parse(doc, (ROOT / doc).read_text(encoding="utf-8"))


REFS = [ref for doc in DOCS for ref in refs_of(doc)]


def is_absolute(target: str) -> bool:
    return bool(re.match(r"[A-Za-z][A-Za-z0-9+.-]*:|//", target))


def heading_anchors(path: Path) -> set[str]:
    """The anchors GitHub gives a markdown file's headings (lower case, punctuation dropped,
    spaces as hyphens, -1, -2 ... for repeats), plus explicit <a name=...> / id=... anchors."""
    text = FENCE.sub(blank, path.read_text(encoding="utf-8"))  # code spans in a heading count by their text
    anchors: set[str] = set(re.findall(r"<a\s+(?:name|id)\s*=\s*[\"']([^\"']+)[\"']", text, re.I))
    seen: dict[str, int] = {}
    for title in re.findall(r"^ {0,3}#{1,6}[ \t]+(.+?)[ \t#]*$", text, re.M):
        title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title)  # a link in a heading counts by its text
        slug = re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")
        anchors.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
        seen[slug] = seen.get(slug, 0) + 1
    return anchors


def picture_format(data: bytes) -> str | None:
    """png, gif or jpeg by the file's first bytes; None for anything else."""
    return next((fmt for fmt, magics in MAGIC.items() if any(data.startswith(m) for m in magics)), None)


def picture_size(fmt: str, data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR or a GIF's screen descriptor; None for JPEG (not parsed)."""
    if fmt == "png":
        return struct.unpack(">II", data[16:24])
    if fmt == "gif":
        return struct.unpack("<HH", data[6:10])
    return None


# ---------------------------------------------------------------------------------------------
# the parser itself


def test_parser_finds_every_kind_and_ignores_code():
    text = (
        "# Title\n"
        "A [link](notebooks/01.ipynb), a ![picture](images/a.png \"title\") and <img src='images/b.gif' width=9>.\n"
        "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/o/n/blob/main/x.ipynb)\n"
        "See <https://github.com/o/n> or https://www.youtube.com/watch?v=x. <a href=\"DEVELOPERS.md#layout\">dev</a>\n"
        "[ref]: images/c.jpg\n"
        "`[not](a-link.md)` and `<img src=\"no.png\">`\n"
        "```\n[nor](this.md) https://not.checked\n```\n"
    )
    got = {(r.line, r.kind, r.target) for r in parse("X.md", text)}
    assert got == {
        (2, "link", "notebooks/01.ipynb"), (2, "image", "images/a.png"), (2, "image", "images/b.gif"),
        (3, "link", "https://colab.research.google.com/github/o/n/blob/main/x.ipynb"),
        (3, "image", "https://colab.research.google.com/assets/colab-badge.svg"),
        (4, "link", "https://github.com/o/n"), (4, "link", "https://www.youtube.com/watch?v=x"),
        (4, "link", "DEVELOPERS.md#layout"), (5, "link", "images/c.jpg"),
    }


def test_readme_has_what_the_course_promises():
    """The parser really sees the README: a picture, a notebook link and a Colab badge per notebook."""
    readme = [r for r in REFS if r.doc == "README.md"]
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert len(notebooks) >= 8
    for name in notebooks:
        prefix = name[:2]
        assert any(r.kind == "link" and r.target == f"notebooks/{name}" for r in readme), f"README does not link {name}"
        assert any(r.kind == "link" and r.target.startswith("https://colab.research.google.com/")
                   and r.target.endswith(f"/notebooks/{name}") for r in readme), f"README has no Colab badge for {name}"
        assert any(r.kind == "image" and r.target.startswith(f"images/{prefix}_") for r in readme), \
            f"README shows no picture of {name}"


def test_anchors_follow_github(tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text("# Convnet Origins\n## Set up: two commands\n### On a GPU\n## Notes\n## Notes\n"
                   "## See [DEVELOPERS.md](DEVELOPERS.md) `code`\n<a name=\"custom\"></a>\n```\n# not a heading\n```\n")
    assert heading_anchors(doc) == {"convnet-origins", "set-up-two-commands", "on-a-gpu", "notes", "notes-1",
                                    "see-developersmd-code", "custom"}


# ---------------------------------------------------------------------------------------------
# relative targets: files of the repository, and pictures that are pictures

RELATIVE = [r for r in REFS if not is_absolute(r.target)]
PICTURES = [r for r in RELATIVE if r.kind == "image"]
ABSOLUTE = [r for r in REFS if is_absolute(r.target)]


@pytest.mark.parametrize("ref", RELATIVE, ids=[r.id for r in RELATIVE])
def test_relative_target_exists(ref):
    path_part, _, anchor = ref.target.partition("#")
    doc = ROOT / ref.doc
    path = (doc.parent / unquote(path_part)).resolve() if path_part else doc
    assert path.is_relative_to(ROOT), f"{ref.id}: points outside the repository"
    assert path.exists(), f"{ref.id}: {path.relative_to(ROOT)} does not exist"
    if anchor and path.suffix == ".md":
        assert anchor in heading_anchors(path), f"{ref.id}: {path.name} has no heading #{anchor}"


@pytest.mark.parametrize("ref", PICTURES, ids=[r.id for r in PICTURES])
def test_picture_is_a_real_image(ref):
    path = (ROOT / ref.doc).parent / unquote(ref.target)
    assert path.is_file(), f"{ref.id}: {ref.target} does not exist"
    data = path.read_bytes()
    assert 0 < len(data) <= MAX_BYTES, f"{ref.id}: {len(data)} bytes"
    fmt = picture_format(data)
    assert fmt is not None, f"{ref.id}: not a PNG, GIF or JPEG (first bytes {data[:8]!r})"
    assert EXTENSIONS.get(path.suffix.lower()) == fmt, f"{ref.id}: a {fmt} file named {path.suffix}"
    size = picture_size(fmt, data)
    assert size is None or all(MIN_PIXELS <= side <= MAX_PIXELS for side in size), f"{ref.id}: {size} pixels"


# ---------------------------------------------------------------------------------------------
# web addresses: well-formed, on a listed host, and pointing at files that exist where we can tell


@pytest.mark.parametrize("ref", ABSOLUTE, ids=[r.id for r in ABSOLUTE])
def test_web_address_is_well_formed(ref):
    url = urlsplit(ref.target)
    assert url.scheme == "https", f"{ref.id}: only https addresses"
    assert url.hostname in ALLOWED_HOSTS, f"{ref.id}: host {url.hostname!r} is not one of {sorted(ALLOWED_HOSTS)}"
    assert url.netloc == url.hostname, f"{ref.id}: no port or user in the address"
    assert not re.search(r"[\s\"'<>\\]", ref.target), f"{ref.id}: characters that do not belong in a URL"
    assert url.path not in ("", "/") or url.query, f"{ref.id}: points at a site, not a page"
    if url.hostname == "www.youtube.com" and url.path == "/watch":
        assert re.fullmatch(r"v=[\w-]{11}(&t=\d+s?)?", url.query), f"{ref.id}: not a YouTube video address"
    own = re.match(rf"/{re.escape(SLUG)}/(?:blob|tree)/main/(.+)", url.path) if url.hostname == "github.com" else None
    if own:  # a page of this repository on GitHub: the file must exist here
        assert (ROOT / unquote(own.group(1))).exists(), f"{ref.id}: {own.group(1)} does not exist in the repository"


COLAB = [r for r in ABSOLUTE if r.target.startswith("https://colab.research.google.com/github/")]


@pytest.mark.parametrize("ref", COLAB, ids=[r.id for r in COLAB])
def test_colab_badge_opens_a_notebook_that_exists(ref):
    m = re.fullmatch(r"https://colab\.research\.google\.com/github/([^/]+/[^/]+)/blob/main/(.+\.ipynb)", ref.target)
    assert m, f"{ref.id}: a Colab link is colab.research.google.com/github/<owner>/<name>/blob/main/<notebook>.ipynb"
    assert m.group(1) == SLUG, f"{ref.id}: opens {m.group(1)}, not the course's repository {SLUG} (pyproject.toml)"
    assert (ROOT / unquote(m.group(2))).is_file(), f"{ref.id}: {m.group(2)} does not exist"
