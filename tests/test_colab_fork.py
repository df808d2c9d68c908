"""A teacher's fork: `make colab REPO=owner/name` (scripts/colab.py) moves every Colab badge, setup
cell and mention of the repository to the fork, changing nothing else, byte for byte.

Each test works on a copy of the repository's files (what git tracks or would track) in tmp_path.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import colab
import test_colab  # the checks a fork must still pass: setup cell and badges agree with pyproject.toml

ROOT = Path(__file__).resolve().parent.parent
OLD = test_colab.SLUG  # the repository pyproject.toml names now
NEW = f"a-teacher/{OLD.split('/')[1]}"  # a fork keeps the name (built here, so no file holds it)
OLD_PAGES, NEW_PAGES = colab.pages_address(OLD), colab.pages_address(NEW)  # the published book's address


def forked(data: bytes) -> bytes:
    """What a file should hold after the fork: both forms of the address swapped, nothing else."""
    return data.replace(OLD.encode(), NEW.encode()).replace(OLD_PAGES, NEW_PAGES)


def addresses(data: bytes) -> int:
    return data.count(OLD.encode()) + data.count(OLD_PAGES)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root`, by relative path."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def course(tmp_path) -> Path:
    """A copy of the course's files (no .git, .venv or build), as a downloaded zip would hold them."""
    root = tmp_path / "course"
    for path in colab.text_files(ROOT):
        target = root / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return root


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    """`python scripts/colab.py ARGS`, as `make colab` runs it."""
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "colab.py"), *args], capture_output=True, text=True,
                          timeout=60)


def assert_points_at(root: Path, slug: str) -> None:
    """pyproject.toml, every notebook's setup cell and badge, and README's badges name `slug`."""
    url = f"https://github.com/{slug}"
    assert colab.current_repo(root) == slug
    notebooks = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert [p.name for p in notebooks] == [p.name for p in test_colab.NOTEBOOKS]
    readme = (root / "README.md").read_text(encoding="utf-8")
    for path in notebooks:
        assert test_colab.first_code_cell(path) == test_colab.setup_cell().replace(test_colab.REPO_URL, url), path.name
        badge = f"https://colab.research.google.com/github/{slug}/blob/main/notebooks/{path.name}"
        first_md = "".join(json.loads(path.read_text(encoding="utf-8"))["cells"][0]["source"])
        assert badge in first_md, path.name
        assert f"({badge})" in readme, path.name


# ---------------------------------------------------------------------------------------------
# the rewrite


def test_fork_rewrites_every_address_and_nothing_else(course):
    before = snapshot(course)
    expected_count = sum(addresses(data) for data in before.values())
    assert expected_count > 0 and not any(NEW.encode() in data for data in before.values())

    changes = colab.rewrite(course, NEW)

    after = snapshot(course)
    assert after.keys() == before.keys()
    # every file equals its original with the slug swapped (binary files and the rest: unchanged)
    for name, data in before.items():
        assert after[name] == forked(data), f"{name} changed beyond the address"
        assert OLD_PAGES not in after[name], f"{name} still names the book at {OLD_PAGES.decode()}"
        assert OLD.encode() not in after[name], f"{name} still names {OLD}"
    changed = {p.relative_to(course).as_posix(): n for p, n in changes.items()}
    assert changed == {name: addresses(data) for name, data in before.items() if addresses(data)}
    assert sum(changed.values()) == expected_count
    assert {"pyproject.toml", "README.md", "DEVELOPERS.md"} <= changed.keys()
    assert {f"notebooks/{p.name}" for p in test_colab.NOTEBOOKS} <= changed.keys()
    assert list(changed)[-1] == "pyproject.toml"  # written last: an interrupted run can be resumed

    assert_points_at(course, NEW)
    for path in (course / "notebooks").glob("*.ipynb"):
        nbformat.validate(nbformat.reads(path.read_text(encoding="utf-8"), as_version=4))  # still a valid notebook


def test_second_run_is_a_no_op_and_the_way_back_restores_the_originals(course):
    original = snapshot(course)
    assert colab.rewrite(course, NEW)
    forked = snapshot(course)
    mtimes = {p: p.stat().st_mtime_ns for p in course.rglob("*") if p.is_file()}
    assert colab.rewrite(course, NEW) == {}
    assert snapshot(course) == forked
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes  # not even rewritten with the same bytes
    assert colab.rewrite(course, OLD)
    assert snapshot(course) == original


def test_script_prints_files_and_counts_and_then_nothing(course):
    counts = {name: addresses(data) for name, data in snapshot(course).items() if addresses(data)}
    done = run_script(NEW, "--root", str(course))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"make colab: {OLD} -> {NEW}"
    listed = dict(line.strip().rsplit(": ", 1) for line in lines[1:-1])
    assert listed == {name: f"{n} address{'es' if n > 1 else ''}" for name, n in counts.items()}
    assert listed["pyproject.toml"] == "1 address"
    assert lines[-1].startswith(f"{len(counts)} files changed, {sum(counts.values())} addresses rewritten.")
    assert_points_at(course, NEW)

    again = run_script(NEW, "--root", str(course))
    assert again.returncode == 0 and again.stdout == f"make colab: the course already points at {NEW}; nothing changed.\n"


def test_the_fork_passes_test_colab(course):
    """The fork's own tests/test_colab.py (setup cells and badges agree with pyproject.toml) passes."""
    assert colab.rewrite(course, NEW)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "--noconftest", "-p", "no:cacheprovider",
                           "tests/test_colab.py"], cwd=course, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout and "failed" not in done.stdout


def test_only_whole_slugs_are_rewritten(tmp_path):
    (tmp_path / "pyproject.toml").write_text(f'[project.urls]\nRepository = "https://github.com/{OLD}"\n')
    owner, name = OLD.split("/")
    kept = [f"{OLD}-2", f"x{OLD}", f"{owner}/{name}.github.io", f"{owner}/{name}_old", f"my.{OLD}"]
    moved = [f"git+https://github.com/{OLD}.git", f"https://github.com/{OLD}/blob/main/x.ipynb", f"({OLD})",
             f"clone {OLD}.", f'"{OLD}"']
    (tmp_path / "notes.md").write_text("\n".join(kept + moved) + "\n")
    assert colab.rewrite(tmp_path, NEW)[tmp_path / "notes.md"] == len(moved)
    assert (tmp_path / "notes.md").read_text() == "\n".join(kept + [m.replace(OLD, NEW) for m in moved]) + "\n"


def test_folders_outside_the_course_are_left_alone(tmp_path):
    (tmp_path / "pyproject.toml").write_text(f'[project.urls]\nRepository = "https://github.com/{OLD}"\n')
    for folder in (".venv/lib", "build", ".git", "x.egg-info", "notebooks/.ipynb_checkpoints"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "PKG-INFO").write_text(f"https://github.com/{OLD}\n")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\0" + OLD.encode())  # binary: never touched
    changes = colab.rewrite(tmp_path, NEW)
    assert list(changes) == [tmp_path / "pyproject.toml"]
    assert (tmp_path / "image.png").read_bytes().endswith(OLD.encode())


def test_the_repository_files_are_the_ones_git_knows():
    files = {p.relative_to(ROOT).as_posix() for p in colab.text_files(ROOT)}
    assert {"pyproject.toml", "README.md", "DEVELOPERS.md", "scripts/colab.py"} <= files
    assert {f"notebooks/{p.name}" for p in test_colab.NOTEBOOKS} <= files
    assert not any(f.startswith((".git/", ".venv/", "build/")) or ".egg-info/" in f for f in files)


# ---------------------------------------------------------------------------------------------
# the argument


@pytest.mark.parametrize("text, slug", [
    ("jdoe/course", "jdoe/course"), (" jdoe/course\n", "jdoe/course"), ("J-Doe2/my.course_v2", "J-Doe2/my.course_v2"),
    ("https://github.com/jdoe/course", "jdoe/course"), ("https://github.com/jdoe/course.git", "jdoe/course"),
    ("github.com/jdoe/course/", "jdoe/course")])
def test_accepts_owner_name_or_its_address(text, slug):
    assert colab.parse_repo(text) == slug


@pytest.mark.parametrize("text", ["nope", "a/b/c", "", "/name", "owner/", "-owner/x", "owner-/x", "a--b/x",
                                  "o" * 40 + "/x", "owner/..", "owner/x.git.git", "owner/a b", "http://gitlab.com/a/b"])
def test_bad_repo_exits_2_with_one_sentence(tmp_path, capsys, text):
    (tmp_path / "pyproject.toml").write_text(f'[project.urls]\nRepository = "https://github.com/{OLD}"\n')
    before = snapshot(tmp_path)
    assert colab.main([text, "--root", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "pass your fork as owner/name" in err and repr(text) in err
    assert snapshot(tmp_path) == before


def test_one_repository_exactly(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text(f'[project.urls]\nRepository = "https://github.com/{OLD}"\n')
    for argv in ([], ["a/b", "c/d"]):
        assert colab.main([*argv, "--root", str(tmp_path)]) == 2
        assert f"{len(argv)} repositories given: pass your fork as owner/name" in capsys.readouterr().err


def test_bad_repo_through_the_command_line(course):
    done = run_script("a/b/c", "--root", str(course))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == ("make colab: 'a/b/c' is not a GitHub repository: pass your fork as owner/name, "
                           "for example `make colab REPO=jdoe/convnet-origins`.\n")
