import pytest
import torch
import torch.nn as nn

from helpers.lenet5 import LeNet5
from helpers.shapes import conv_out, pool_out, trace


@pytest.mark.parametrize("size,k,s,p,d", [(32, 5, 1, 0, 1), (28, 2, 2, 0, 1), (16, 5, 2, 2, 1), (17, 3, 2, 1, 1), (20, 3, 1, 0, 2), (9, 4, 3, 1, 1)])
def test_conv_out_matches_torch(size, k, s, p, d):
    layer = nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d)
    assert layer(torch.zeros(1, 1, size, size)).shape[-1] == conv_out(size, k, s, p, d)


@pytest.mark.parametrize("size,k,s", [(28, 2, None), (27, 2, 2), (10, 3, 1), (8, 3, 3)])
def test_pool_out_matches_torch(size, k, s):
    out = nn.MaxPool2d(k, s)(torch.zeros(1, 1, size, size))
    assert out.shape[-1] == pool_out(size, k, s)


def test_conv_out_rejects_too_small_input():
    with pytest.raises(ValueError, match="smaller than the kernel's span 5; use an input of at least 5"):
        conv_out(4, 5)
    with pytest.raises(ValueError, match="whole stride >= 1"):
        conv_out(10, 3, 0)


def test_trace_lenet5_28():
    rows = trace(LeNet5(), (1, 28, 28), show=False)
    shapes = {r.name: r.shape for r in rows}
    assert shapes == {"input": (1, 28, 28), "conv1": (20, 24, 24), "pool1": (20, 12, 12), "conv2": (50, 8, 8),
                      "pool2": (50, 4, 4), "fc1": (500,), "fc2": (10,)}
    assert sum(r.params for r in rows) == 431_080


def test_trace_prints_table(capsys):
    trace(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU()), (1, 5, 5))
    out = capsys.readouterr().out
    assert "0           Conv2d           2 x 3 x 3" in out and out.strip().endswith("20")


def test_trace_reports_too_small_input():
    net = nn.Sequential(nn.Conv2d(1, 2, 5), nn.MaxPool2d(2), nn.Conv2d(2, 2, 5))
    with pytest.raises(ValueError, match="does not fit this model after layer '1'"):
        trace(net, (1, 10, 10), show=False)
