"""Tests for helpers.windows: the 1-D example, the fully convolutional LeNet, decoding and costs."""

from __future__ import annotations

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.anatomy import count_connections, totals
from helpers.strips import NONE, make_strips
from helpers.windows import (FullyConvLeNet, LeNet32, crop_windows, decode, decode_peaks, edit_distance,
                             feeding_inputs, fully_convolutional, output_length, output_map, read_digits,
                             reading_accuracy, tiny_1d, train_reader)
from helpers.windows_plots import plot_one_d
from tests.test_strips import blob_digits


def seeded(model: nn.Module, seed: int = 0) -> nn.Module:
    """`model` with PyTorch's default initialisation drawn from a fixed seed, in eval mode."""
    torch.manual_seed(seed)
    for m in model.modules():
        if hasattr(m, "reset_parameters"):
            m.reset_parameters()
    return model.eval()


def test_one_d_example_sizes_follow_the_formula():
    net = tiny_1d()
    for length in range(10, 80):
        out = net(torch.randn(1, 1, length))
        assert out.shape[-1] == output_length(length, net) == (length - 10) // 4 + 1 == (length - 6) // 4
    assert [output_length(n, net) for n in (9, 10, 13, 14, 18)] == [0, 1, 1, 2, 3]
    assert list(feeding_inputs(net, 1)) == list(range(4, 14))


def test_only_the_feeding_inputs_reach_an_output():
    net = seeded(tiny_1d())
    x = torch.randn(1, 1, 30)
    base = net(x)[0, 0]
    for j in range(len(base)):
        inside = torch.zeros(30, dtype=torch.bool)
        inside[list(feeding_inputs(net, j))] = True
        noisy = torch.where(inside, x, torch.randn(1, 1, 30) * 10)
        assert net(noisy)[0, 0, j] == base[j]


def test_the_1d_rules_refuse_padded_and_fully_connected_stacks():
    padded = nn.Sequential(nn.Conv1d(1, 1, 3, padding=1), nn.MaxPool1d(2))
    for rule in (lambda: output_length(20, padded), lambda: feeding_inputs(padded, 0), lambda: plot_one_d(padded)):
        with pytest.raises(ValueError, match="assume unpadded layers.*starts at -1"):
            rule()
    with pytest.raises(ValueError, match="fully_convolutional"):
        output_length(40, LeNet32())


def test_fully_convolutional_gives_the_same_answers():
    fc = seeded(LeNet32())
    conv = fully_convolutional(fc)
    x = torch.rand(16, 1, 32, 32)
    a, b = fc(x), conv(x)
    assert b.shape == (16, 11, 1, 1)
    assert (a - b[:, :, 0, 0]).abs().max() <= 1e-5
    for w in (32, 36, 64, 100, 256):
        assert conv(torch.rand(1, 1, 32, w)).shape == (1, 11, 1, (w - 32) // 4 + 1)
    assert conv(torch.rand(1, 1, 64, 64)).shape == (1, 11, 9, 9)


def test_one_pass_equals_every_crop():
    conv = seeded(FullyConvLeNet())
    strip = torch.rand(1, 32, 256)
    crops = crop_windows(strip)
    assert crops.shape == (57, 1, 32, 32) and torch.equal(crops[3, 0], strip[0, :, 12:44])
    one = conv(strip[None])[0, :, 0]
    each = conv(crops)[:, :, 0, 0].T
    assert (one - each).abs().max() <= 1e-5


def test_too_small_inputs_get_a_clear_error():
    conv = FullyConvLeNet()
    with pytest.raises(ValueError, match="at least 32x32"):
        conv(torch.rand(1, 1, 28, 100))
    with pytest.raises(ValueError, match="N, 1, H, W"):
        conv(torch.rand(32, 64))
    with pytest.raises(ValueError, match="fully_convolutional"):
        LeNet32()(torch.rand(1, 1, 32, 64))
    with pytest.raises(TypeError):
        fully_convolutional(FullyConvLeNet())


def probs_from(labels: list[int], p: float = 0.9) -> torch.Tensor:
    """An output map (11, n) that gives probability p to labels[j] at column j."""
    out = torch.full((11, len(labels)), (1 - p) / 10)
    out[labels, torch.arange(len(labels))] = p
    return out


def test_decode_reads_runs_between_none_columns():
    assert decode(probs_from([NONE, 3, 3, NONE, 1, NONE, 1, 1, NONE, NONE, 7])) == "3117"
    assert decode(probs_from([NONE] * 5)) == ""
    votes = probs_from([NONE, 4, 4, 9, NONE])
    assert decode(votes) == "4", "one run is one digit; the columns vote"
    with pytest.raises(ValueError, match="11, n"):
        decode(torch.rand(10, 5))


def test_decode_peaks_uses_local_maxima():
    p = probs_from([NONE, 2, NONE, NONE, NONE, 5, NONE])
    assert decode_peaks(p) == "25"
    p[NONE, 1] = 0.6  # a weak column: score 0.4 < 0.5
    assert decode_peaks(p) == "5"


def test_edit_distance():
    assert edit_distance("12345", "12345") == 0
    assert edit_distance("12345", "1245") == 1
    assert edit_distance("12345", "123456") == 1
    assert edit_distance("12345", "12945") == 1
    assert edit_distance("", "123") == 3
    assert edit_distance("kitten", "sitting") == 3


def test_output_map_columns_are_windows_centred_every_4_pixels():
    conv = seeded(FullyConvLeNet())
    strip = torch.rand(1, 32, 50)
    probs = output_map(conv, strip)
    assert probs.shape == (11, -(-50 // 4) + 1)  # windows centred at 0, 4, .., 52
    assert torch.allclose(probs.sum(0), torch.ones(probs.shape[1]), atol=1e-5)
    padded = F.pad(strip, (16, 16 + 2))
    for j in (0, 5, 12):
        window = padded[:, :, 4 * j:4 * j + 32]  # centred on strip position 4j
        assert torch.allclose(conv(window[None]).exp()[0, :, 0, 0], probs[:, j], atol=1e-6)
    with pytest.raises(ValueError, match="32"):
        output_map(conv, torch.rand(1, 28, 64))


def test_train_reader_is_reproducible_and_reads():
    images, labels = blob_digits(60)
    a = train_reader((images, labels), epochs=1, seed=0, progress=False)
    b = train_reader((images, labels), epochs=1, seed=0, progress=False)
    assert isinstance(a, FullyConvLeNet) and not a.training
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))
    strips = make_strips(images, labels, count=3, length=4, seed=0)
    text = read_digits(a, strips[0])
    assert isinstance(text, str) and set(text) <= set("0123456789")
    r = reading_accuracy(a, strips)
    assert len(r.predictions) == 3 and 0 <= r.string_accuracy <= 100 and r.digit_accuracy <= 100
    maps = [output_map(a, s) for s in strips]
    again = reading_accuracy(None, strips, maps=maps)
    assert again.predictions == r.predictions and again.digit_accuracy == r.digit_accuracy
    perfect = reading_accuracy(None, strips, maps=maps, decoder=lambda p, texts=iter(s.text for s in strips): next(texts))
    assert perfect.digit_accuracy == 100 and perfect.string_accuracy == 100 and perfect.wrong == []
    with pytest.raises(ValueError, match="one map per strip"):
        reading_accuracy(None, strips, maps=maps[:2])


def test_one_pass_over_a_strip_costs_less_than_its_crops():
    # 06's arithmetic: the 57 crops of a 32x256 strip against one pass over the strip, biases left out
    conv = FullyConvLeNet()
    one = totals(count_connections(conv, (1, 32, 256), biases=False))["connections"]
    crop = totals(count_connections(conv, (1, 32, 32), biases=False))["connections"]
    assert one == 11_725_056 and 57 * crop == 40_755_456 and 3 < 57 * crop / one < 4
