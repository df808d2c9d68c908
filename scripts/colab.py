"""Point the course at a fork (`make colab REPO=owner/name`): Colab badges, setup cells, pyproject.

    python scripts/colab.py owner/name [--root DIR]

The repository's address lives in one place, pyproject.toml's `[project.urls] Repository`; the
Colab badges (README.md, each notebook's first cell), the notebooks' setup cells and the docs are
derived from it. This script reads the current owner/name from there and replaces it by the new
one in every text file of the repository (files git tracks or would track; outside a git checkout,
every file except .git, .venv, build, data and caches). The replacement is done on the raw bytes,
so notebooks stay byte-identical apart from the address, and running it again changes nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GITHUB = "https://github.com/"

# GitHub's rules: an owner is 1-39 letters, digits or single inner hyphens; a repository name is up
# to 100 letters, digits, '.', '-' or '_' (not "." or "..", and not ending in ".git").
SLUG = re.compile(r"[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}/[A-Za-z0-9._-]{1,100}")
REPOSITORY_LINE = re.compile(r'^Repository = "https://github\.com/(?P<slug>[^"/]+/[^"/]+)"', re.M)

# Folders never rewritten when the root is not a git checkout (the same ones .gitignore names).
SKIPPED_DIRS = {".git", ".venv", "venv", "build", "data", "__pycache__", ".ipynb_checkpoints", ".pytest_cache",
                "node_modules"}


class UsageError(ValueError):
    """A bad REPO argument; its message is one sentence saying what to pass."""


def parse_repo(text: str) -> str:
    """The owner/name that `text` names: owner/name, or the fork's github.com address pasted
    whole (https://github.com/owner/name.git); UsageError otherwise."""
    slug = text.strip().removeprefix("https://").removeprefix("github.com/").removesuffix("/").removesuffix(".git")
    if not SLUG.fullmatch(slug) or slug.split("/")[1] in {".", ".."} or slug.endswith(".git"):
        raise UsageError(f"{text!r} is not a GitHub repository: pass your fork as owner/name, "
                         "for example `make colab REPO=jdoe/convnet-origins`.")
    return slug


def current_repo(root: Path) -> str:
    """The owner/name that pyproject.toml's Repository URL names now."""
    match = REPOSITORY_LINE.search((root / "pyproject.toml").read_text(encoding="utf-8"))
    if match is None:
        raise SystemExit(f"{root / 'pyproject.toml'} has no `Repository = \"{GITHUB}owner/name\"` line under [project.urls].")
    return match.group("slug")


def slug_pattern(slug: str) -> re.Pattern[bytes]:
    """Matches `slug` as a whole owner/name: not inside a longer owner (`xowner/name`) or name
    (`owner/name-2`), but followed by `.git`, a path, quotes, punctuation or the end of a sentence."""
    return re.compile(rb"(?<![A-Za-z0-9._-])" + re.escape(slug.encode()) + rb"(?![A-Za-z0-9_-]|\.(?!git\b)[A-Za-z0-9_-])")


def pages_address(slug: str) -> bytes:
    """Where GitHub Pages publishes owner/name's book: owner.github.io/name (host names are lower case)."""
    owner, name = slug.split("/")
    return f"{owner.lower()}.github.io/{name}".encode()


def text_files(root: Path) -> list[Path]:
    """The repository's files that may hold the address: what git tracks or would track
    (untracked but not ignored) in a checkout, else every file outside SKIPPED_DIRS."""
    try:
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=root, capture_output=True, text=True, check=True)
        if Path(top.stdout.strip()).resolve() == root.resolve():
            listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root,
                                    capture_output=True, text=True, check=True).stdout
            return sorted({root / name for name in listed.split("\0") if name and (root / name).is_file()})
    except (OSError, subprocess.CalledProcessError):
        pass  # not a git checkout (a downloaded zip, a test's copy): walk the folder instead
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.endswith(".egg-info")]
        found += [Path(folder) / f for f in files]
    return sorted(found)


def rewrite(root: Path, new: str) -> dict[Path, int]:
    """Replace the current owner/name by `new` in every text file under `root`.

    Returns {file: replacements} for the files changed. pyproject.toml is written last, so that
    if anything fails half way, a second run still knows the old address and finishes the job.
    """
    old = current_repo(root)
    if old == new:
        return {}
    pattern, replacement = slug_pattern(old), new.encode()
    old_pages, new_pages = pages_address(old), pages_address(new)  # the published book's address too
    changes: dict[Path, int] = {}
    pyproject = (root / "pyproject.toml").resolve()
    for path in sorted(text_files(root), key=lambda p: p.resolve() == pyproject):  # pyproject.toml last
        data = path.read_bytes()
        if (old.encode() not in data and old_pages not in data) or b"\0" in data:  # no address, or a binary file
            continue
        text, count = pattern.subn(replacement, data)
        count += text.count(old_pages)
        text = text.replace(old_pages, new_pages)
        if count:
            path.write_bytes(text)
            changes[path] = count
    return changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repo", nargs="?", help="your fork on GitHub, as owner/name")
    parser.add_argument("--root", type=Path, default=ROOT, help="the course's folder (default: this repository)")
    # a REPO starting with '-' is not an option but a bad repository: it is reported like any other
    args, unknown = parser.parse_known_args(argv)
    given = ([args.repo] if args.repo is not None else []) + unknown
    try:
        if len(given) != 1:
            raise UsageError(f"{len(given)} repositories given: pass your fork as owner/name, "
                             "for example `make colab REPO=jdoe/convnet-origins`.")
        new = parse_repo(given[0])
    except UsageError as error:
        print(f"make colab: {error}", file=sys.stderr)
        return 2
    root = args.root.resolve()
    old = current_repo(root)
    changes = rewrite(root, new)
    if not changes:
        print(f"make colab: the course already points at {new}; nothing changed.")
        return 0
    print(f"make colab: {old} -> {new}")
    for path, count in changes.items():
        print(f"  {path.relative_to(root).as_posix()}: {count} address{'es' if count > 1 else ''}")
    print(f"{len(changes)} files changed, {sum(changes.values())} addresses rewritten. "
          "Commit and push them to your fork, then its Colab badges open your notebooks.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
