"""`make execute` must never overwrite a notebook a learner edited without FORCE=1."""

import importlib.util
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("execute_notebooks", ROOT / "scripts" / "execute_notebooks.py")
execute_notebooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(execute_notebooks)


def git(repo, *args):
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def test_refuses_to_overwrite_uncommitted_notebook(tmp_path, monkeypatch, capsys):
    git(tmp_path, "init", "-q")
    nb = tmp_path / "01_x.ipynb"
    nb.write_text('{"cells": []}')
    git(tmp_path, "add", "01_x.ipynb")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x")
    assert execute_notebooks.uncommitted([nb], tmp_path) == []
    nb.write_text('{"cells": [1]}')  # a learner's edit
    assert execute_notebooks.uncommitted([nb], tmp_path) == [nb]
    new = tmp_path / "02_y.ipynb"
    new.write_text("{}")
    assert execute_notebooks.uncommitted([new], tmp_path) == [new]

    monkeypatch.setattr(execute_notebooks, "ROOT", tmp_path)
    ran = []
    monkeypatch.setattr(execute_notebooks, "execute", lambda p: ran.append(p) or 0.0)
    monkeypatch.setattr(execute_notebooks, "uncommitted", lambda paths: [nb])
    assert execute_notebooks.main([str(nb)]) == 2
    assert ran == [] and nb.read_text() == '{"cells": [1]}'
    assert "make execute FORCE=1" in capsys.readouterr().err
    assert execute_notebooks.main(["--force", str(nb)]) == 0 and ran == [nb]
