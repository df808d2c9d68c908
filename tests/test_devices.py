"""The device rule on a machine without a GPU: every helper that runs a model sends its inputs to the
device the model's weights are on, and `fit` hands the model back where it found it.

CI has no GPU, so a net whose weights sit on PyTorch's `meta` device stands in for a net on a GPU:
`meta` tensors have shapes but no data, so the stand-in records where each input arrived and answers
with zeros on the CPU. A helper that sent its inputs to `pick_device()` (the CPU here) instead of the
model's device would hand it CPU tensors, which these tests catch; on a real GPU that mix-up stops
the notebook with "Expected all tensors to be on the same device".
"""

from __future__ import annotations

from typing import Callable

import pytest
import torch
import torch.nn as nn

import helpers.train as train
from helpers.anatomy import run_layers, zero_input
from helpers.feature_binding_strokes import digit_paths, sweep
from helpers.inputs import model_device
from helpers.proto_cnns_canvas import predict_drawing
from helpers.shift_equivariance import consistency
from helpers.shift_equivariance_measures import accuracy_vs_shift
from helpers.sliding_window_reader import output_map, time_passes
from helpers.train import accuracy, fit, predict

META = torch.device("meta")


class StandIn(nn.Module):
    """A net whose weights report the meta device (a GPU's stand-in); it records the device of every
    input and answers with zeros of shape `out(x)` on the CPU."""

    def __init__(self, out: Callable[[torch.Tensor], tuple[int, ...]] = lambda x: (len(x), 10)) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(1, device=META))
        self.out = out
        self.seen: list[str] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen.append(x.device.type)
        return torch.zeros(self.out(x))


def images(n: int = 6, size: int = 28) -> torch.Tensor:
    return torch.rand(n, 1, size, size, generator=torch.Generator().manual_seed(0))


def test_model_device_is_where_the_weights_are():
    assert model_device(StandIn()) == META
    assert model_device(nn.Linear(2, 2)) == torch.device("cpu")
    assert model_device(nn.MaxPool2d(2)) == torch.device("cpu")  # no weights: the default
    assert model_device(nn.MaxPool2d(2), META) == META
    with_buffer = nn.BatchNorm2d(3, affine=False).to(META)  # buffers only
    assert model_device(with_buffer) == META
    assert zero_input(StandIn(), (1, 4, 4)).device == META


def test_predict_and_accuracy_send_every_batch_to_the_models_device():
    net = StandIn()
    out = predict(net, images(5), batch_size=2)
    assert net.seen == ["meta"] * 3 and out.device.type == "cpu" and out.shape == (5, 10)
    net.seen.clear()
    accuracy(net, (images(5), torch.zeros(5, dtype=torch.long)))
    assert net.seen == ["meta"]


def test_shift_measures_run_on_the_models_device():
    net = StandIn()
    consistency(net, images(), 2, generator=torch.Generator().manual_seed(0))
    accuracy_vs_shift(net, (images(), torch.zeros(6, dtype=torch.long)), [0, 2])
    assert net.seen and set(net.seen) == {"meta"}


def test_layer_outputs_run_on_the_models_device():
    net = StandIn()
    run_layers(net, images(2))
    assert net.seen == ["meta"]


def test_the_strip_reader_runs_on_the_models_device():
    # FullyConvLeNet's output map: (1, 11, 1, n) for n window positions 4 px apart
    net = StandIn(out=lambda x: (1, 11, 1, (x.shape[-1] - 32) // 4 + 1))
    probs = output_map(net, torch.rand(1, 32, 64))
    assert net.seen == ["meta"] and probs.device.type == "cpu" and probs.shape[0] == 11
    net.seen.clear()
    time_passes(net, torch.rand(1, 32, 64), repeats=1)
    assert net.seen and set(net.seen) == {"meta"}


def test_drawings_are_read_on_each_models_device():
    net = StandIn()
    predict_drawing({"stand-in": net}, torch.full((1, 1, 16, 16), -1.0).index_fill_(2, torch.tensor([8]), 1.0))
    assert net.seen == ["meta"]
    net = StandIn()
    sweep(net, digit_paths()["1-7-4"], steps=3)
    assert net.seen == ["meta"]


def test_fit_trains_on_its_device_and_hands_the_model_back(monkeypatch):
    """fit with the GPU's stand-in: every batch goes to the device, and the model goes there for
    training and back where it was afterwards, also when training stops with an error."""

    class Spy(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = nn.Parameter(torch.ones(1))
            self.moves: list[str] = []
            self.seen: list[str] = []

        def to(self, *args, **kwargs):  # records the move and stays on the CPU (meta has no data)
            device = args[0] if args else kwargs.get("device")
            if device is not None:
                self.moves.append(torch.device(device).type)
            return self

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            self.seen.append(x.device.type)
            return self.w * torch.zeros(len(x), 10)

    monkeypatch.setattr(train, "pick_device", lambda device="auto": META)
    data = (images(8), torch.zeros(8, dtype=torch.long))
    spy = Spy()
    fit(spy, data, epochs=2, lr=0.1, batch_size=4, loss_fn=lambda out, y: out.sum() + 1.0,
        train_accuracy=False, progress=False)
    assert spy.seen == ["meta"] * 4 and spy.moves == ["meta", "cpu"]

    spy = Spy()
    with pytest.raises(train.TrainingDiverged):
        fit(spy, data, epochs=1, lr=0.1, batch_size=4, loss_fn=lambda out, y: out.sum() + float("nan"),
            train_accuracy=False, progress=False)
    assert spy.moves == ["meta", "cpu"]


def test_fit_on_the_cpu_leaves_a_cpu_model_on_the_cpu():
    net = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10))
    fit(net, (images(8), torch.arange(8) % 10), epochs=1, lr=0.01, device="cpu", progress=False)
    assert model_device(net) == torch.device("cpu")
