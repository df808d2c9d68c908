"""`make execute` must never overwrite a notebook a learner edited without FORCE=1."""

import subprocess

import execute_notebooks


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


def test_drop_widget_views_keeps_the_text_stand_in(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    widget = nbformat.v4.new_output("execute_result", data={
        execute_notebooks.WIDGET_VIEW: {"model_id": "a7dbd88ded204e27b62677a4c3c0416f", "version_major": 2, "version_minor": 0},
        "text/plain": "A drawing pad read by 5 nets at 16x16 (open the notebook in Jupyter to draw)."}, execution_count=1)
    bare = nbformat.v4.new_output("display_data", data={execute_notebooks.WIDGET_VIEW: {"model_id": "x"}})
    printed = nbformat.v4.new_output("stream", name="stdout", text="accuracy 98.3%\n")
    nb.cells = [nbformat.v4.new_code_cell("pad", outputs=[widget, printed]), nbformat.v4.new_code_cell("w", outputs=[bare])]
    path = tmp_path / "01_x.ipynb"
    nbformat.write(nb, path)

    assert execute_notebooks.tidy_outputs(path) == 1
    text = path.read_text()
    assert "a7dbd88ded204e27b62677a4c3c0416f" not in text and "A drawing pad read by 5 nets" in text
    assert "accuracy 98.3%" in text
    assert '"model_id": "x"' in text  # no text stand-in: left alone rather than leaving an empty output
    before = path.stat().st_mtime_ns
    assert execute_notebooks.tidy_outputs(path) == 0 and path.stat().st_mtime_ns == before  # nothing left: not rewritten


def test_execute_measured_reports_time_and_peak_memory(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import os\nblock = bytearray(300 * 2**20)\nprint(os.environ['CONVNETS_DATA'])")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    src = tmp_path / "01_x.ipynb"
    nbformat.write(nb, src)
    seconds, peak = execute_notebooks.execute_measured(src, tmp_path / "out.ipynb", {"CONVNETS_DATA": "mnist"})
    assert seconds > 0
    assert peak >= 300 * 2**20  # the kernel's 300 MiB block is seen through nbconvert
    assert "mnist" in (tmp_path / "out.ipynb").read_text()


def test_coalesce_streams_joins_chunks_of_one_print(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    out = nbformat.v4.new_output
    nb.cells = [nbformat.v4.new_code_cell("print(x)", outputs=[
        out("stream", name="stdout", text="largest difference: 3.3e-07"), out("stream", name="stdout", text="\n"),
        out("stream", name="stderr", text="warning\n"), out("stream", name="stdout", text="after\n"),
        out("display_data", data={"text/plain": "fig"}), out("stream", name="stdout", text="end\n")])]
    path = tmp_path / "01_x.ipynb"
    nbformat.write(nb, path)
    assert execute_notebooks.tidy_outputs(path) == 1
    outputs = nbformat.read(path, as_version=4).cells[0].outputs
    assert [o.get("text") for o in outputs] == ["largest difference: 3.3e-07\n", "warning\n", "after\n", None, "end\n"]
    assert execute_notebooks.coalesce_streams(nbformat.read(path, as_version=4)) == 0


def test_check_cells_fold_and_leave_the_book_setup_cells_sit_behind_its_toggle():
    import nbformat

    nb = nbformat.v4.new_notebook()
    check = nbformat.v4.new_code_cell("assert acc > 90", metadata={"tags": ["check"]})
    setup = nbformat.v4.new_code_cell("import torch", metadata={"tags": ["setup"]})
    lesson = nbformat.v4.new_code_cell("fit(net)", metadata={"jupyter": {"source_hidden": True}})  # a stray fold
    nb.cells = [check, setup, lesson, nbformat.v4.new_markdown_cell("text")]
    assert execute_notebooks.fold_cells(nb) == 3
    assert check.metadata == {"tags": ["check", "remove-cell"], "jupyter": {"source_hidden": True}}
    assert setup.metadata == {"tags": ["setup", "hide-input"]}
    assert lesson.metadata == {}
    assert execute_notebooks.fold_cells(nb) == 0  # settled: a second pass changes nothing
