"""Bad input across the helpers: each case fails (or, where the input may be meant, warns) with one
sentence that says what to do.

The table lists the mistakes learners make most; every message must be a single line that names
the problem and a remedy (a verb such as use, pass, load, add, delete, copy, ask, draw, connect).
A case whose kind is a Warning subclass must warn exactly once and raise nothing.
"""

from __future__ import annotations

import re
import warnings

import pytest
import torch
import torch.nn as nn

from helpers.augment import shifter
from helpers.bell_labs import ZipCodeNet1989
from helpers.bell_labs_zipcode import SubsamplingLeNet
from helpers.data import DataError, load_digits
from helpers.drawing import drawn_digit, drawn_strip
from helpers.feature_binding_strokes import digit_paths, sweep
from helpers.lenet5 import LeNet5
from helpers.lenet5_canvas import read_digit
from helpers.pooling_zoo import PoolingNet
from helpers.proto_cnns import Net1
from helpers.proto_cnns_canvas import predict_drawing, proto_pad
from helpers.results import load, record
from helpers.shapes import conv_out, trace
from helpers.sliding_window import LeNet32, fully_convolutional
from helpers.sliding_window_reader import output_map, read_digits, train_reader
from helpers.train import TrainingDiverged, accuracy, fit, pick_device, predict
from helpers.what_convnets_are_good_for_locality import MotifConvNet, MotifFCNet

REMEDY = re.compile(r"\b(use|pass|load|add|delete|copy|ask|draw|connect|convert|check|give|build|make|run|put|train|commit"
                    r"|divide|pad|lower|write|press)\b", re.I)


def case_corrupt_results(tmp_path):
    p = tmp_path / "r.json"
    p.write_text("{oops")
    load(p)


def case_offline(tmp_path, monkeypatch):
    from torchvision.datasets import MNIST

    monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/"])
    load_digits(source="mnist", root=tmp_path / "empty")


def case_partial_mnist(tmp_path, mnist_root):
    import shutil

    shutil.copytree(mnist_root, tmp_path / "m")
    (tmp_path / "m" / "MNIST" / "raw" / "t10k-labels-idx1-ubyte").unlink()
    load_digits("test", source="mnist", root=tmp_path / "m")


def case_cuda_without_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv("CONVNETS_DEVICE", "cuda")
    pick_device()


def digits(n: int = 8, size: int = 28) -> tuple[torch.Tensor, torch.Tensor]:
    """n random images (n, 1, size, size) in [0, 1] and labels 0, 1, ..., 9, 0, ... (no data loading)."""
    return torch.rand(n, 1, size, size, generator=torch.Generator().manual_seed(0)), torch.arange(n) % 10


def train(model: nn.Module, data: tuple[torch.Tensor, torch.Tensor], **kwargs) -> None:
    fit(model, data, **{"epochs": 1, "lr": 0.01, "progress": False, **kwargs})


def with_nan() -> tuple[torch.Tensor, torch.Tensor]:
    x, y = digits()
    x[3, 0, 5, 5] = float("nan")
    return x, y


def reader() -> nn.Module:
    return fully_convolutional(LeNet32()).eval()


def case_results_unwritable(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    record("k", 1.0, path=tmp_path / "file" / "r.json")


CASES = {
    "lenet5 on 32x32 images": (lambda **_: predict(LeNet5(), torch.rand(2, 1, 32, 32)), ValueError),
    "lenet5 without channel axis": (lambda **_: predict(LeNet5(), torch.rand(2, 28, 28)), ValueError),
    "lenet5 on uint8 pixels": (lambda **_: predict(LeNet5(), torch.zeros(2, 1, 28, 28, dtype=torch.uint8)), TypeError),
    "lenet5 on a list": (lambda **_: predict(LeNet5(), [[0.0]]), TypeError),
    "lenet5 trained on 32x32 images": (lambda **_: train(LeNet5(), digits(size=32)), ValueError),
    "a proto net on 28x28 digits": (lambda **_: predict(Net1(), torch.rand(2, 1, 28, 28)), ValueError),
    "size 20": (lambda **_: load_digits(size=20), ValueError),
    "unknown source": (lambda **_: load_digits(source="kaggle"), ValueError),
    "unknown split": (lambda **_: load_digits("validation"), ValueError),
    "labels of another length": (lambda **_: fit(LeNet5(), (torch.rand(4, 1, 28, 28), torch.zeros(3, dtype=torch.long)), epochs=1, lr=0.1, progress=False), ValueError),
    "unknown optimizer": (lambda **_: fit(LeNet5(), (torch.rand(4, 1, 28, 28), torch.zeros(4, dtype=torch.long)), epochs=1, lr=0.1, optimizer="lbfgs", progress=False), ValueError),
    "input smaller than the kernel": (lambda **_: conv_out(3, 5), ValueError),
    "trace of an input too small": (lambda **_: trace(torch.nn.Sequential(torch.nn.Conv2d(1, 1, 5), torch.nn.Conv2d(1, 1, 5)), (1, 6, 6), show=False), ValueError),
    "results file that is not JSON": (lambda tmp_path, **_: case_corrupt_results(tmp_path), ValueError),
    "recording a non-number": (lambda tmp_path, **_: record("k", "high", path=tmp_path / "r.json"), TypeError),
    "no network for full MNIST": (lambda tmp_path, monkeypatch, **_: case_offline(tmp_path, monkeypatch), DataError),
    "unknown device": (lambda **_: pick_device("gpu0"), ValueError),
    "CONVNETS_DEVICE=cuda without a GPU": (lambda monkeypatch, **_: case_cuda_without_gpu(monkeypatch), ValueError),
    "partial MNIST folder": (lambda tmp_path, mnist_root, **_: case_partial_mnist(tmp_path, mnist_root), DataError),
    # training that diverges: fit stops at the first non-finite loss
    "learning rate far too high": (lambda **_: train(LeNet5(), digits(64), lr=1e6, batch_size=8), TrainingDiverged),
    "loss function that gives nan": (lambda **_: train(LeNet5(), digits(), loss_fn=lambda out, y: out.sum() * float("nan")), TrainingDiverged),
    "learning rate nan": (lambda **_: train(LeNet5(), digits(), lr=float("nan")), ValueError),
    "learning rate as a string": (lambda **_: train(LeNet5(), digits(), lr="0.01"), ValueError),
    "epochs as a float": (lambda **_: train(LeNet5(), digits(), epochs=2.5), ValueError),
    "batch size 0": (lambda **_: train(LeNet5(), digits(), batch_size=0), ValueError),
    "a loss function's name instead of the function": (lambda **_: train(LeNet5(), digits(), loss_fn="mse"), TypeError),
    # pixels on the wrong scale, nan pixels
    "0-255 pixels into fit": (lambda **_: train(LeNet5(), (digits()[0] * 255, digits()[1])), UserWarning),
    "an image holding nan into fit": (lambda **_: train(LeNet5(), with_nan()), ValueError),
    "a test image holding nan into fit": (lambda **_: fit(LeNet5(), digits(), with_nan(), epochs=1, lr=0.01, progress=False), ValueError),
    "0-255 pixels into train_reader": (lambda **_: train_reader((digits()[0] * 255, digits()[1]), epochs=1, progress=False), UserWarning),
    "0-255 strip into the reader": (lambda **_: read_digits(reader(), torch.rand(1, 32, 64) * 255), ValueError),
    "strip holding nan into the reader": (lambda **_: output_map(reader(), torch.full((1, 32, 64), float("nan"))), ValueError),
    "uint8 strip into the reader": (lambda **_: read_digits(reader(), torch.zeros(1, 32, 64, dtype=torch.uint8)), TypeError),
    "strip narrower than the reader's field": (lambda **_: read_digits(reader(), torch.zeros(1, 32, 20)), ValueError),
    "0-255 image on the pad": (lambda **_: predict_drawing({"Net1": Net1()}, torch.rand(1, 1, 16, 16) * 255), ValueError),
    "[0, 1] image on the pad": (lambda **_: predict_drawing({"Net1": Net1()}, torch.rand(1, 1, 16, 16)), ValueError),
    "image holding nan on the pad": (lambda **_: predict_drawing({"Net1": Net1()}, torch.full((1, 1, 16, 16), float("nan"))), ValueError),
    # labels that do not fit the net
    "label 10 for a 10-class net": (lambda **_: train(LeNet5(), (digits()[0], torch.full((8,), 10))), ValueError),
    "test label 10 for a 10-class net": (lambda **_: fit(LeNet5(), digits(), (digits()[0], torch.full((8,), 10)), epochs=1, lr=0.01, progress=False), ValueError),
    "label 11 for the 11-class reader": (lambda **_: train(LeNet32(), (digits(size=32)[0], torch.full((8,), 11)), loss_fn=nn.functional.nll_loss), ValueError),
    "negative labels": (lambda **_: train(LeNet5(), (digits()[0], -torch.ones(8, dtype=torch.long))), ValueError),
    "float labels": (lambda **_: train(LeNet5(), (digits()[0], digits()[1].float())), TypeError),
    "int32 labels": (lambda **_: train(LeNet5(), (digits()[0], digits()[1].int())), TypeError),
    "label 10 into accuracy": (lambda **_: accuracy(LeNet5(), (digits()[0], torch.full((8,), 10))), ValueError),
    "label 12 into train_reader": (lambda **_: train_reader((digits()[0], torch.full((8,), 12)), epochs=1, progress=False), ValueError),
    # float64 images: refused by every course model, with the fix
    "float64 images into fit": (lambda **_: train(LeNet5(), (digits()[0].double(), digits()[1])), TypeError),
    "float64 into LeNet5": (lambda **_: predict(LeNet5(), torch.rand(2, 1, 28, 28, dtype=torch.float64)), TypeError),
    "float64 into ZipCodeNet1989": (lambda **_: predict(ZipCodeNet1989(), torch.rand(2, 1, 16, 16, dtype=torch.float64)), TypeError),
    "float64 into SubsamplingLeNet": (lambda **_: predict(SubsamplingLeNet("max"), torch.rand(2, 1, 32, 32, dtype=torch.float64)), TypeError),
    "float64 into PoolingNet": (lambda **_: predict(PoolingNet(), torch.rand(2, 1, 28, 28, dtype=torch.float64)), TypeError),
    "float64 into MotifConvNet": (lambda **_: predict(MotifConvNet(), torch.rand(2, 1, 64, dtype=torch.float64)), TypeError),
    "float64 into MotifFCNet": (lambda **_: predict(MotifFCNet(), torch.rand(2, 1, 64, dtype=torch.float64)), TypeError),
    "float64 into LeNet32": (lambda **_: predict(LeNet32(), torch.rand(2, 1, 32, 32, dtype=torch.float64)), TypeError),
    "float64 into the reader": (lambda **_: predict(reader(), torch.rand(1, 1, 32, 64, dtype=torch.float64)), TypeError),
    "uint8 into PoolingNet": (lambda **_: predict(PoolingNet(), torch.zeros(2, 1, 28, 28, dtype=torch.uint8)), TypeError),
    # results paths
    "results path that is a folder": (lambda tmp_path, **_: record("k", 1.0, path=tmp_path), ValueError),
    "loading results from a folder": (lambda tmp_path, **_: load(tmp_path), ValueError),
    "results path that cannot be written": (lambda tmp_path, **_: case_results_unwritable(tmp_path), ValueError),
    # wrong type, empty input, the class instead of a model
    "the model class instead of a model": (lambda **_: train(LeNet5, digits()), TypeError),
    "a layer's output instead of a model": (lambda **_: train(torch.zeros(3), digits()), TypeError),
    "the class into sweep": (lambda **_: sweep(LeNet5, next(iter(digit_paths().values()))), TypeError),
    "predict on a list": (lambda **_: predict(LeNet5(), [torch.rand(1, 28, 28)]), TypeError),
    "predict on no images": (lambda **_: predict(LeNet5(), torch.rand(0, 1, 28, 28)), ValueError),
    "fit on images and labels as two arguments": (lambda **_: fit(LeNet5(), *digits(), epochs=1, lr=0.01, progress=False), TypeError),
    "a single net into the pad": (lambda **_: predict_drawing(Net1(), torch.full((1, 1, 16, 16), -1.0)), TypeError),
    "a net class in the pad's dict": (lambda **_: predict_drawing({"Net1": Net1}, torch.full((1, 1, 16, 16), -1.0)), TypeError),
    "a single net into the drawing pad": (lambda **_: proto_pad(Net1()), TypeError),
    "a 28x28 image on the 16x16 pad": (lambda **_: predict_drawing({"Net1": Net1()}, torch.full((1, 1, 28, 28), -1.0)), ValueError),
    # drawings (helpers.drawing): what the canvas's widget shows, and what code that calls it gets
    "a blank canvas": (lambda **_: drawn_digit([], 280, 280), ValueError),
    "a single dot": (lambda **_: drawn_digit([[(140, 140), (141, 141)]], 280, 280), ValueError),
    "a scribble over the canvas": (lambda **_: drawn_digit([[(x, y) for y in range(0, 281, 10) for x in (0, 280)]], 280, 280), ValueError),
    "a point off the canvas": (lambda **_: drawn_digit([[(10, 10), (300, 10)]], 280, 280), ValueError),
    "a canvas too low for a strip": (lambda **_: drawn_strip([[(10, 10), (20, 10)]], 600, 20), ValueError),
    "a canvas size in floats": (lambda **_: drawn_digit([[(10, 10), (200, 10)]], 280.0, 280), ValueError),
    "one stroke instead of a list of strokes": (lambda **_: drawn_digit([(10, 10), (200, 10)], 280, 280), ValueError),
    "a net without conv1 on the LeNet5 canvas": (lambda **_: read_digit(nn.Sequential(nn.Flatten(), nn.Linear(784, 10)), [[(10, 10), (200, 10)]], 280, 280), TypeError),
    "PoolingNet on a list": (lambda **_: predict(PoolingNet(), [[0.0]]), TypeError),
    "MotifConvNet on a 2-D batch": (lambda **_: predict(MotifConvNet(), torch.rand(2, 64)), ValueError),
    "negative shift for augmentation": (lambda **_: shifter(-1), ValueError),
    "fractional shift for augmentation": (lambda **_: shifter(2.5), ValueError),
    "a strip as a list": (lambda **_: read_digits(reader(), [[0.0] * 64] * 32), TypeError),
}


@pytest.mark.parametrize("name", list(CASES))
def test_one_clear_sentence(name, tmp_path, monkeypatch, mnist_root):
    call, kind = CASES[name]
    if issubclass(kind, Warning):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call(tmp_path=tmp_path, monkeypatch=monkeypatch, mnist_root=mnist_root)
        ours = [w for w in caught if issubclass(w.category, kind)]
        assert len(ours) == 1, f"{name}: expected one {kind.__name__}, got {[str(w.message) for w in caught]}"
        message = str(ours[0].message)
    else:
        with pytest.raises(kind) as info:
            call(tmp_path=tmp_path, monkeypatch=monkeypatch, mnist_root=mnist_root)
        message = str(info.value)
    assert "\n" not in message and message.endswith("."), f"{name}: not one sentence: {message!r}"
    assert REMEDY.search(message), f"{name}: the message says no remedy: {message!r}"
    assert len(message) < 300, f"{name}: too long to read at a glance: {message!r}"
