"""Each lecture's headline figures in results/<source>.json (introduced in 01_proto_cnns), for the README's table."""

from __future__ import annotations

import json
import math
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from helpers.data import checkout_path, data_source
from helpers.inputs import error_reason

__all__ = ["results_path", "load", "record"]


def results_path(source: str | None = None) -> Path:
    """The results file: env CONVNETS_RESULTS, else results/<source>.json in the course folder."""
    name = f"results/{data_source(source)}.json"
    return checkout_path("CONVNETS_RESULTS", name) or Path.cwd() / name


def load(path: str | os.PathLike | None = None, *, source: str | None = None) -> dict[str, dict[str, Any]]:
    """All recorded figures of one file, as {key: {"value", "paper", "unit", "source"}}; {} if absent."""
    p = Path(path) if path is not None else results_path(source)
    _check_not_folder(p)
    if not p.exists():
        return {}
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:  # unreadable, or not JSON
        raise ValueError(f"Cannot read the results file {p} ({error_reason(err)}); check it, or delete it and rerun "
                         "the notebooks to record it again.") from None
    if not isinstance(data, dict):
        raise ValueError(f"{p} should hold a JSON object of figures; delete it and rerun the notebooks to record it again.")
    return data


def record(key: str, value: float, *, paper: float | str | None = None, unit: str = "",
           source: str | None = None, path: str | os.PathLike | None = None) -> dict[str, Any]:
    """Store one headline figure (rounded to 4 decimals) and return the stored entry."""
    if not isinstance(key, str) or not key.replace("_", "").isalnum():
        raise ValueError(f"A results key is letters, digits and underscores, like 'lenet5_test_accuracy'; got {key!r}.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"record({key!r}, ...) needs a number, got {type(value).__name__}; pass a float such as accuracy(...).") from None
    if not math.isfinite(number):
        raise ValueError(f"record({key!r}, ...) got {number}, which is not a finite number; check the computation that produced it.")
    src = data_source(source)
    p = Path(path) if path is not None else results_path(src)
    entry = {"value": round(number, 4), "unit": unit, "source": src, **({"paper": paper} if paper is not None else {})}
    _check_not_folder(p)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        with _locked(p):  # notebooks run side by side (`make test`) record into the same file
            data = load(p)
            data[key] = entry
            tmp = p.with_name(f"{p.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
            tmp.replace(p)
    except OSError as err:
        raise ValueError(f"Cannot write the results file {p} ({err.strerror}); pass a path in a folder you can write to, "
                         "or set CONVNETS_RESULTS to one.") from None
    return entry


def _check_not_folder(path: Path) -> None:
    if path.is_dir():
        raise ValueError(f"The results path {path} is a folder, not a file; pass a file path such as {path / 'embedded.json'}.")


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path`.lock (POSIX; Windows, where notebooks run one at a time, gets none)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(path.with_name(path.name + ".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
        yield
