"""scripts/check_colab.py (`make colab-check`): its pure parts, without building an env or running a notebook."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import check_colab as cc
from check_colab import Inventory

ROOT = Path(__file__).resolve().parent.parent


def dist(name, requires=(), entries=None, editable=False, pth=(), version="1.0"):
    top = name.lower().replace("-", "_")
    return Inventory(name, version, list(requires), set(entries or {top, f"{top}-{version}.dist-info"}), editable, list(pth))


# A small .venv: what Colab has, the course's own packages, and what only the course's tooling needs.
INVENTORY = [
    dist("torch", ["filelock", "typing-extensions>=4", "setuptools>=77", "nvidia-cublas; platform_system == 'Linux'",
                   "opt-einsum>=3.3; extra == 'opt-einsum'", "cuda-toolkit[cublas]==13.0; platform_system == 'Linux'"]),
    dist("torchvision", ["torch==2.14", "numpy", "pillow>=5.3"]),
    dist("numpy"), dist("pillow", entries={"PIL", "pillow-1.0.dist-info", "pillow.libs"}),
    dist("matplotlib", ["numpy>=1.23", "pillow>=8", "pyparsing>=3"], entries={"matplotlib", "mpl_toolkits", "pylab.py",
                                                                              "matplotlib-1.0.dist-info"}),
    dist("mlxtend", ["scipy", "numpy", "matplotlib"]), dist("tqdm"), dist("scipy", ["numpy"]), dist("pyparsing"),
    dist("ipykernel", ["ipython>=7", "comm>=0.1", "traitlets"]), dist("ipython", ["traitlets"], entries={"IPython", "ipython-1.0.dist-info"}),
    dist("comm", ["traitlets"]), dist("traitlets"), dist("filelock"), dist("typing-extensions", entries={"typing_extensions.py", "typing_extensions-1.0.dist-info"}),
    dist("setuptools", entries={"setuptools", "_distutils_hack", "setuptools-1.0.dist-info"}, pth=["distutils-precedence.pth"]),
    dist("nvidia-cublas", entries={"nvidia", "nvidia_cublas-1.0.dist-info"}),
    dist("cuda-toolkit", ["nvidia-cublas; extra == 'cublas'", "nvidia-cufft; extra == 'cufft'"]),
    dist("nvidia-cufft", entries={"nvidia", "nvidia_cufft-1.0.dist-info"}),
    dist("opt-einsum"),
    # never borrowed, though something in the closure may name them
    dist("ipywidgets", ["ipykernel", "widgetsnbextension", "jupyterlab-widgets"]), dist("widgetsnbextension"), dist("jupyterlab-widgets"),
    dist("anywidget", ["ipywidgets", "psygnal"]), dist("psygnal"),
    dist("convnet-origins-helpers", ["torch", "anywidget"], entries={"convnet_origins_helpers-0.1.0.dist-info",
                                                                       "__editable___convnet_origins_helpers_finder.py"},
         editable=True, pth=["__editable__.convnet_origins_helpers-0.1.0.pth"]),
    dist("nbval", ["ipykernel", "pytest"]), dist("pytest"), dist("jupyterlab", ["ipykernel"]),
]


def test_borrowed_set_is_the_closure_of_what_colab_preinstalls_and_no_more():
    chosen, entries, left_out = cc.borrowed_set(INVENTORY, roots=cc.COLAB_PREINSTALLED + ("ipywidgets",))
    assert {"torch", "torchvision", "numpy", "matplotlib", "mlxtend", "pillow", "tqdm", "ipykernel", "ipython", "comm",
            "scipy", "filelock", "typing-extensions", "nvidia-cublas", "cuda-toolkit"} <= set(chosen)
    # what Colab must get from the registry or the setup cell, and the course's tooling, never
    for name in ("ipywidgets", "widgetsnbextension", "jupyterlab-widgets", "anywidget", "psygnal",
                 "convnet-origins-helpers", "nbval", "pytest", "jupyterlab"):
        assert name not in chosen
    assert {"ipywidgets", "setuptools"} <= left_out  # in the closure, but refused (setuptools brings a .pth)
    # extras only where a requirement asks for them; markers of other platforms' extras stay out
    assert "opt-einsum" not in chosen and "nvidia-cufft" not in chosen
    assert {"torch", "PIL", "mpl_toolkits", "pylab.py", "typing_extensions.py", "nvidia", "IPython",
            "torch-1.0.dist-info", "pillow-1.0.dist-info"} <= entries
    assert not any(e.endswith(".pth") or e.startswith("ipywidgets") or e.startswith("anywidget") or "helpers" in e
                   or e.startswith("_distutils_hack") for e in entries)
    assert "nvidia_cufft-1.0.dist-info" not in entries  # the shared nvidia/ folder is linked, not its unborrowed dist


def test_an_editable_or_pth_distribution_is_never_borrowed_even_if_required():
    inventory = [dist("torch", ["helpers-dep"]), dist("helpers-dep", editable=True), dist("numpy", pth=["numpy.pth"])]
    chosen, entries, left_out = cc.borrowed_set(inventory, roots=("torch", "numpy"))
    assert set(chosen) == {"torch"} and left_out == {"helpers-dep", "numpy"}


def test_a_missing_root_says_make_install():
    with pytest.raises(ValueError, match="make install"):
        cc.borrowed_set([dist("numpy")], roots=("torch",))


def test_record_entries_keep_top_level_names_only():
    record = ["torch/__init__.py", "torch-2.14.1.dist-info/RECORD", "../../../bin/torchrun", "bin/tool",
              "__pycache__/six.cpython-311.pyc", "six.py", "distutils-precedence.pth", "nvidia/cublas/lib/x.so"]
    assert cc.record_entries(record) == {"torch", "torch-2.14.1.dist-info", "six.py", "nvidia"}


def test_git_config_sends_the_repository_address_to_the_bare_repo(tmp_path):
    url = cc.repository_url((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    bare = tmp_path / "repo.git"
    config = tmp_path / "gitconfig"
    config.write_text(cc.git_config_text(bare, url), encoding="utf-8")
    got = subprocess.run(["git", "config", "--file", str(config), "--get", f"url.{bare.as_uri()}.insteadof"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert got == url and bare.as_uri().startswith("file:///")


def test_the_requirement_is_the_one_every_setup_cell_installs():
    from test_colab import setup_cell

    url = cc.repository_url((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert f'!pip install -q "{cc.setup_requirement(url)}"' in setup_cell()


def report(*names):
    return {"version": "1", "install": [{"metadata": {"name": n, "version": v}, "download_info": {"url": f"https://x/{n}"}}
                                         for n, v in names]}


def test_the_resolver_check_flags_torch_and_passes_the_widget_stack():
    ok = report(("convnet-origins-helpers", "0.1.0"), ("anywidget", "0.11.0"), ("psygnal", "0.16.1"))
    assert cc.planned_installs(ok) == {"convnet-origins-helpers": "0.1.0", "anywidget": "0.11.0", "psygnal": "0.16.1"}
    assert cc.reinstall_problems(ok, "Requirement already satisfied: torch>=2.2 in /x (2.14.1)\n") == []
    bad = report(("convnet-origins-helpers", "0.1.0"), ("torch", "2.5.0"), ("IPyWidgets", "8.1.0"))
    problems = cc.reinstall_problems(bad)
    assert len(problems) == 2 and "torch 2.5.0" in problems[0] and "ipywidgets 8.1.0" in problems[1]


def test_the_resolver_check_flags_a_download_of_numpy_even_if_not_installed():
    log = "Collecting numpy>=2.5 (from convnet-origins-helpers)\n  Downloading numpy-2.5.0-cp311.whl (16 MB)\n"
    assert any("download numpy" in p for p in cc.reinstall_problems(report(), log))
    # the build environment's setuptools, or a package merely named like one, is no problem
    log = "Collecting setuptools>=61\n  Downloading setuptools-84.2.1-py3-none-any.whl\nCollecting torchmetrics\n"
    assert cc.reinstall_problems(report(), log) == []


def test_new_distributions_must_be_exactly_the_plan():
    before = {"torch": "2.14.1", "numpy": "2.4.6", "ipywidgets": "7.7.1"}
    planned = {"convnet-origins-helpers": "0.1.0", "anywidget": "0.11.0", "psygnal": "0.16.1"}
    after = {**before, **planned}
    assert cc.new_distribution_problems(before, after, planned) == (planned, [])
    new, problems = cc.new_distribution_problems(before, {**after, "ipywidgets": "8.1.9", "tqdm": "4.0"}, planned)
    assert new["ipywidgets"] == "8.1.9" and any("not planned" in p and "tqdm" in p for p in problems)
    assert any("installed ipywidgets 8.1.9 over 7.7.1" in p for p in problems)
    _, problems = cc.new_distribution_problems(before, {**before, "convnet-origins-helpers": "0.1.0"}, planned)
    assert any("planned but not installed: anywidget, psygnal" in p for p in problems)


def test_sanitize_file_is_what_nbval_reads():
    from nbval.plugin import get_sanitize_patterns

    rules = [(r"\d+ s\b", "N s", "a time"), (r"^WARNING: x.*\n", "", "a warning")]
    text = cc.sanitize_text(rules)
    assert get_sanitize_patterns(text) == [(r, p) for r, p, _ in rules]
    assert cc.apply_sanitize("took 12 s", rules) == "took N s"
    assert get_sanitize_patterns(cc.sanitize_text()) == [(r, p) for r, p, _ in cc.SANITIZE]


def test_sanitize_rules_leave_outputs_nbval_compares_alone():
    # whatever the rules are, they must not hide a changed number, shape or assert message in an ordinary output
    for text in ("torch.Size([1, 6, 28, 28])\n", "parameters: 61,706\n", "equal to within 1e-5: True\n",
                 "AssertionError: expected 10 classes\n"):
        assert cc.apply_sanitize(text) == text


def test_expected_outputs_read_from_the_code():
    sources = ['save_figure(fig, "01_small_digits.png")\nsave_gif(anim, "05_sliding_digit.gif", fps=4)',
               'record("lenet5_test_accuracy", acc, unit="%")\nrecord(f"proto_net{i}_test_accuracy", x)',
               'for key in keys:\n    record(key, m[key])']
    images, keys, patterns, variable = cc.expected_outputs(sources)
    assert images == {"01_small_digits.png", "05_sliding_digit.gif"}
    assert keys == ["lenet5_test_accuracy"] and variable == 1
    assert cc.results_problems({"lenet5_test_accuracy": {"source": "embedded"}, "proto_net1_test_accuracy": {"source": "embedded"},
                                "cnn_test": {"source": "embedded"}}, keys, patterns, variable) == []
    problems = cc.results_problems({"proto_netX_test_accuracy": {"source": "mnist"}}, keys, patterns, variable)
    assert any("lenet5_test_accuracy" in p for p in problems) and any("mnist" not in p and "source" in p for p in problems)


def test_every_notebook_saves_figures_and_records_results():
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        images, keys, patterns, variable = cc.expected_outputs(cc.notebook_sources(path))
        assert images and all(name.startswith(path.name[:3]) for name in images), path.name
        assert keys or patterns or variable, path.name


def test_kernel_environment_is_colab_like(tmp_path):
    base = {"PATH": f"{cc.VENV / 'bin'}:/usr/bin", "HOME": "/root", "CONVNETS_IMAGES": "0", "CONVNETS_RESULTS": "x.json",
            "PYTHONPATH": "/work/main", "VIRTUAL_ENV": str(cc.VENV), "MPLBACKEND": "Agg", "PIP_FIND_LINKS": "/opt/wheels"}
    env = cc.kernel_environment(base, tmp_path / "home", tmp_path / "gitconfig", tmp_path / "jupyter")
    assert env["PATH"].split(":") == [str(cc.ENV / "bin"), "/usr/bin"]
    assert env["HOME"] == str(tmp_path / "home") and env["GIT_CONFIG_GLOBAL"] == str(tmp_path / "gitconfig")
    assert env["OMP_NUM_THREADS"] == "1" and env["CONVNETS_PROGRESS"] == "0" and env["IPYTHONDIR"] == str(cc.IPYTHONDIR)
    assert not {"CONVNETS_IMAGES", "CONVNETS_RESULTS", "PYTHONPATH", "VIRTUAL_ENV"} & set(env)
    assert env["MPLBACKEND"].endswith("backend_inline")  # figures inline, as on Colab
    assert env["PIP_FIND_LINKS"] == "/opt/wheels"  # the machine's way to the registry stays


def test_widget_manager_must_be_turned_on_by_the_setup_cell_first(tmp_path):
    cell = {"cwd": str(tmp_path), "caller": "/tmp/ipykernel_12/3456.py"}
    anywidget = {"cwd": str(tmp_path), "caller": str(cc.ENV / "lib/python3.11/site-packages/anywidget/_util.py")}
    assert cc.widget_manager_problems([cell, anywidget], tmp_path) == []
    assert cc.widget_manager_problems([anywidget, cell], tmp_path)
    assert cc.widget_manager_problems([cell, cell], tmp_path)
    assert cc.widget_manager_problems([{**cell, "cwd": "/elsewhere"}], tmp_path)


def test_checkout_changes_split_what_notebooks_write_from_other_edits():
    before = " M pyproject.toml\n"
    after = " M pyproject.toml\n M images/01_small_digits.png\n?? notes.txt\n M helpers/train.py\n?? 04_confusion.png\n"
    ours, others = cc.checkout_changes(before, after, {"04_confusion.png"})
    assert ours == [" M images/01_small_digits.png", "?? 04_confusion.png"]
    assert others == [" M helpers/train.py", "?? notes.txt"]


def test_longest_notebooks_first_as_make_test():
    names = [Path(f"notebooks/{n}_x.ipynb") for n in ("01", "02", "03", "04", "05", "06", "07", "08", "09")]
    assert [p.name[:2] for p in cc.ordered(names)] == ["06", "02", "05", "03", "04", "01", "07", "08", "09"]


def test_stamp_changes_with_the_venv_package_set():
    a = cc.stamp_key(INVENTORY, "3.11.7")
    assert a == cc.stamp_key(list(reversed(INVENTORY)), "3.11.7")
    assert a != cc.stamp_key(INVENTORY[:-1], "3.11.7") and a != cc.stamp_key(INVENTORY, "3.12.1")
    json.dumps(a)


def test_the_kernels_audit_hook_logs_writes_inside_the_checkout_only(tmp_path):
    root, log = tmp_path / "checkout", tmp_path / "writes.log"
    (root / "build" / "colab").mkdir(parents=True)
    hook = cc.WRITES_HOOK.format(root=str(root), build=str(root / "build" / "colab"), log=str(log))
    code = hook + (
        "import os\n"
        f"open({str(root / 'pyproject.toml')!r}, 'w').write('x')\n"  # written: logged
        f"open({str(root / 'pyproject.toml')!r}).read()\n"  # read: not logged
        f"os.replace({str(root / 'pyproject.toml')!r}, {str(root / 'moved.toml')!r})\n"
        f"open({str(root / 'build' / 'colab' / 'history.sqlite')!r}, 'w').write('x')\n"  # the check's own folder
        f"open({str(tmp_path / 'content.png')!r}, 'w').write('x')\n")  # the working folder, outside
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path)
    lines = log.read_text(encoding="utf-8").splitlines()
    assert [line.split()[0] for line in lines] == ["open", "os.rename"]
    assert all(str(root / "build" / "colab") not in line and "content.png" not in line for line in lines)
