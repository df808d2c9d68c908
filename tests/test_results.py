import json

import pytest

from helpers.results import load, record, results_path


def test_record_round_trip(tmp_path, monkeypatch):
    path = tmp_path / "r.json"
    monkeypatch.setenv("CONVNETS_RESULTS", str(path))
    record("lenet5_test_accuracy", 98.123456, paper=99.05, unit="%")
    record("other", 1)
    data = load(path)
    assert data["lenet5_test_accuracy"] == {"value": 98.1235, "paper": 99.05, "unit": "%", "source": "embedded"}
    assert data["other"]["value"] == 1.0
    record("other", 2.5)  # overwrite keeps the rest
    assert load(path)["other"]["value"] == 2.5 and "lenet5_test_accuracy" in load(path)


def test_path_follows_source(monkeypatch):
    assert results_path("mnist").name == "mnist.json"
    monkeypatch.setenv("CONVNETS_DATA", "mnist")
    assert results_path().name == "mnist.json"


def test_bad_inputs_are_clear(tmp_path):
    path = tmp_path / "r.json"
    with pytest.raises(ValueError, match="letters, digits and underscores"):
        record("bad key!", 1.0, path=path)
    with pytest.raises(TypeError, match="needs a number"):
        record("k", "high", path=path)
    with pytest.raises(ValueError, match="not a finite number"):
        record("k", float("nan"), path=path)
    path.write_text("{not json")
    with pytest.raises(ValueError, match="Cannot read the results file.*delete it"):
        record("k", 1.0, path=path)
    path.write_text(json.dumps([1, 2]))
    with pytest.raises(ValueError, match="JSON object"):
        load(path)


def test_notebooks_recording_side_by_side_lose_nothing(tmp_path):
    """`make test` runs two notebooks at once, each recording into the same file."""
    import subprocess
    import sys

    path = tmp_path / "r.json"
    # A barrier: each process says it is ready once it has imported the helpers, then waits for the others.
    code = ("import sys, time\nfrom pathlib import Path\nfrom helpers.results import record\n"
            "folder = Path(sys.argv[3]); (folder / f'ready-{sys.argv[1]}').touch()\n"
            "deadline = time.time() + 120\n"
            "while len(list(folder.glob('ready-*'))) < 3 and time.time() < deadline:\n    time.sleep(0.005)\n"
            "for i in range(150):\n    record(f'{sys.argv[1]}_{i}', i, path=sys.argv[2])\n")
    procs = [subprocess.Popen([sys.executable, "-c", code, name, str(path), str(tmp_path)]) for name in ("a", "b", "c")]
    assert [p.wait(timeout=180) for p in procs] == [0, 0, 0]
    data = load(path)
    assert len(data) == 450 and all(f"{n}_{i}" in data for n in "abc" for i in range(150))
    assert not list(tmp_path.glob("*.tmp"))
