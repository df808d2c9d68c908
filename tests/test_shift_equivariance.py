"""Tests for helpers.shift_equivariance_measures and 05's consistency (helpers.shift_equivariance): hooks, strides,
equivariance error, map shift, consistency, accuracy vs shift, blur pooling and the animation frames."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from matplotlib.animation import FuncAnimation

from helpers.anatomy import count_parameters, run_layers
from helpers.augment import shift
from helpers.lenet5 import LeNet5
from helpers.shift_equivariance import consistency
from helpers.shift_equivariance_measures import (AntiAliasedLeNet5, BlurPool2d, MaxBlurPool2d, accuracy_vs_shift,
                                                 cumulative_strides, equivariance_error, feature_map_animation,
                                                 map_shift, overlap_mask, sliding_frames)
from helpers.train import accuracy

LAYERS = ["conv1", "pool1", "conv2", "pool2", "fc1", "fc2"]


@pytest.fixture(scope="module")
def digits():
    """12 smooth random 'digits': blobs inside the 20x20 centre of a 28x28 field, zero border."""
    gen = torch.Generator().manual_seed(0)
    x = torch.zeros(12, 1, 28, 28)
    x[:, :, 4:24, 4:24] = torch.rand(12, 1, 20, 20, generator=gen)
    return F.avg_pool2d(x, 3, stride=1, padding=1)


@pytest.fixture(scope="module")
def lenet():
    torch.manual_seed(0)
    return LeNet5().eval()


def maps(model: nn.Module, images: torch.Tensor, layers: list[str]) -> dict[str, torch.Tensor]:
    return {name: out for name, _, out in run_layers(model, images, layers)}


def test_unknown_layer_names_the_known_ones(lenet, digits):
    with pytest.raises(ValueError, match="No layer named 'conv3'.*conv1, pool1"):
        equivariance_error(lenet, digits, 0, 1, ["conv3"])
    with pytest.raises(ValueError, match="no spatial output"):
        map_shift(lenet, digits, 1, ["conv3"])


def test_bad_images_are_refused(lenet):
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        equivariance_error(lenet, torch.zeros(28, 28), 0, 1, ["conv1"])


def test_cumulative_strides_of_lenet5_and_its_anti_aliased_twin():
    s = cumulative_strides(LeNet5())
    assert [s[k] for k in LAYERS] == [(1, 1), (2, 2), (2, 2), (4, 4), None, None]
    a = cumulative_strides(AntiAliasedLeNet5())
    assert a["pool1"] == (2, 2) and a["pool1.blur"] == (2, 2) and a["pool2"] == (4, 4)


def test_overlap_mask_counts_the_shared_cells():
    m = overlap_mask((6, 5), 2, -1)
    assert m.shape == (6, 5) and int(m.sum()) == 4 * 4
    assert bool(m[2, 0]) and not bool(m[1, 0]) and not bool(m[2, 4])
    assert int(overlap_mask((6, 6), 0, 0, margin=1).sum()) == 16
    with pytest.raises(ValueError, match="no overlap"):
        overlap_mask((4, 4), 4, 0)


def naive_error(a: torch.Tensor, b: torch.Tensor, ky: int, kx: int) -> float:
    """||a[i, j] - b[i - ky, j - kx]|| / ||b[i - ky, j - kx]|| over the cells where both exist, by loops."""
    h, w = a.shape[-2:]
    num = den = 0.0
    for i in range(h):
        for j in range(w):
            if 0 <= i - ky < h and 0 <= j - kx < w:
                num += float((a[..., i, j] - b[..., i - ky, j - kx]).pow(2).sum())
                den += float(b[..., i - ky, j - kx].pow(2).sum())
    return math.sqrt(num / den)


def test_equivariance_error_matches_a_loop(lenet, digits):
    moved = maps(lenet, shift(digits, 1, -2), ["conv1", "pool1"])
    plain = maps(lenet, digits, ["conv1", "pool1"])
    err = equivariance_error(lenet, digits, 1, -2, ["conv1", "pool1"])
    assert err["conv1"] == pytest.approx(naive_error(moved["conv1"], plain["conv1"], 1, -2), abs=1e-9)
    # pool1 (stride 2): dy = 1 is half a cell, so the best of 0 and 1 cells down, and 1 cell left
    best = min(naive_error(moved["pool1"], plain["pool1"], ky, -1) for ky in (0, 1))
    assert err["pool1"] == pytest.approx(best, rel=1e-6)


@pytest.mark.parametrize("d", [1, 2, 3, 4])
def test_lenet5_is_exact_where_the_stride_divides_the_shift(lenet, digits, d):
    for dy, dx in ((0, d), (d, 0), (-d, d)):
        err = equivariance_error(lenet, digits, dy, dx, LAYERS)
        assert err["conv1"] < 1e-5  # stride 1: exact for every shift
        assert (err["pool1"] < 1e-5) == (d % 2 == 0)  # stride 2
        assert (err["conv2"] < 1e-5) == (d % 2 == 0)
        assert (err["pool2"] < 1e-5) == (d % 4 == 0)  # stride 4
        assert err["fc2"] > 1e-3  # no spatial map left: the output changes


def test_batching_does_not_change_the_error(lenet, digits):
    a = equivariance_error(lenet, digits, 1, 3, LAYERS)
    b = equivariance_error(lenet, digits, 1, 3, LAYERS, batch_size=7)
    for k in LAYERS:
        assert a[k] == pytest.approx(b[k], rel=1e-5)


def test_map_shift_is_the_input_shift_over_the_stride(lenet, digits):
    for d in (-3, 1, 4):
        for axis in ("x", "y"):
            got = map_shift(lenet, digits, d, ["conv1", "pool1", "pool2"], axis)
            assert got["conv1"].cells == pytest.approx(d, abs=1e-4) and got["conv1"].residual < 1e-5
    got = map_shift(lenet, digits, 2, ["pool1", "pool2"])
    assert got["pool1"] == pytest.approx((1.0, 0.0), abs=1e-4)  # stride 2 divides 2: exact
    assert got["pool2"].residual > 1e-3  # stride 4 does not divide 2: no whole-cell shift fits
    # a blend, near the ideal d / s = half a cell; how near is derived in the next test (measured 0.499, 0.504)
    assert got["pool2"].cells == pytest.approx(0.5, abs=0.02)
    got = map_shift(lenet, digits, 1, ["pool1"])
    assert got["pool1"].cells == pytest.approx(0.5, abs=0.02)  # half a cell
    with pytest.raises(ValueError, match="no spatial output"):
        map_shift(lenet, digits, 1, ["fc1"])


def mirror_image(model: LeNet5, dim: int) -> LeNet5:
    """The same net with its convolution kernels flipped along `dim` (-1: left-right, -2: up-down). No
    layer pads and every map before pool2 has an even size (24, 8), so flipping the input flips every map
    up to pool2 exactly: the mirrored net on mirrored digits sees what the net sees, mirrored."""
    mirrored = LeNet5().eval()
    mirrored.load_state_dict(model.state_dict())
    with torch.no_grad():
        for conv in (mirrored.conv1, mirrored.conv2):
            conv.weight.copy_(conv.weight.flip(dim))
    return mirrored


@pytest.mark.parametrize("axis", ["x", "y"])
def test_half_a_cell_is_exact_on_average_over_a_net_and_its_mirror_image(lenet, digits, axis):
    # Why map_shift reads about 0.5 cell for a d = s/2 shift, s the layer's stride:
    # 1. moving the input by a whole stride moves the map by exactly one cell, so cells(d) = cells(d - s) + 1;
    # 2. mirroring digits and kernels turns a shift of -d into +d and mirrors the map: cells'(d) = -cells(-d).
    # Hence cells(d) + cells'(d) = cells(d) - cells(d - s) = 1 when d = s / 2: the mean of the net and its
    # mirror image is exactly half a cell, and each one alone is off by half their difference.
    dim = -1 if axis == "x" else -2
    mirrored, flipped = mirror_image(lenet, dim), digits.flip(dim)
    for layer, s in (("pool1", 2), ("pool2", 4)):
        d = s // 2
        plain, back = (map_shift(lenet, digits, e, [layer], axis)[layer].cells for e in (d, -d))
        mirror = map_shift(mirrored, flipped, d, [layer], axis)[layer].cells
        assert plain == pytest.approx(back + 1, abs=1e-5) and mirror == pytest.approx(-back, abs=1e-5)
        assert (plain + mirror) / 2 == pytest.approx(0.5, abs=1e-5)


def test_map_shift_of_an_average_pool_on_a_ramp_is_exactly_half():
    # a horizontal ramp, average-pooled 2x2: moving it 1 px moves the pooled ramp by exactly 0.5 cell
    ramp = torch.arange(12.0).repeat(1, 1, 12, 1)
    model = nn.Sequential(nn.AvgPool2d(2))
    for d, cells in ((1, 0.5), (3, 1.5), (-1, -0.5)):
        got = map_shift(model, ramp, d, ["0"])["0"]
        assert got.cells == pytest.approx(cells, abs=1e-6) and got.residual < 1e-6


class MassClassifier(nn.Module):
    """Classifies by total ink: a shift that keeps the digit in the field never changes the answer."""

    def forward(self, x):
        mass = x.flatten(1).sum(1, keepdim=True)
        return -(mass - torch.arange(10.0) * 10).abs()


def test_consistency_of_an_invariant_model_is_100(digits):
    assert consistency(MassClassifier(), digits, 4, pairs=3, generator=torch.Generator().manual_seed(0)) == 100.0


def test_consistency_with_no_shift_is_100_and_drops_with_shifts(lenet, digits):
    assert consistency(lenet, digits, 0) == 100.0
    gen = torch.Generator().manual_seed(0)
    # a naive loop over the same random shifts
    value = consistency(lenet, digits, 3, pairs=2, generator=gen)
    gen = torch.Generator().manual_seed(0)
    same = 0
    for _ in range(2):
        shifts = []
        for _ in range(2):
            dy = torch.randint(-3, 4, (len(digits),), generator=gen)
            dx = torch.randint(-3, 4, (len(digits),), generator=gen)
            shifts.append((dy, dx))
        for k in range(len(digits)):
            a = lenet(shift(digits[k:k + 1], int(shifts[0][0][k]), int(shifts[0][1][k]))).argmax()
            b = lenet(shift(digits[k:k + 1], int(shifts[1][0][k]), int(shifts[1][1][k]))).argmax()
            same += int(a == b)
    assert value == pytest.approx(100.0 * same / (2 * len(digits)))


def test_accuracy_vs_shift(lenet, digits):
    labels = torch.arange(12) % 10
    accs = accuracy_vs_shift(lenet, (digits, labels), [-2, 0, 3], axis="xy")
    assert accs[1] == pytest.approx(accuracy(lenet, (digits, labels)))
    assert accs[2] == pytest.approx(accuracy(lenet, (shift(digits, 3, 3), labels)))


def test_blurpool_matches_a_loop_and_keeps_constants():
    gen = torch.Generator().manual_seed(1)
    x = torch.rand(2, 3, 7, 7, generator=gen)
    y = BlurPool2d()(x)
    assert y.shape == (2, 3, 4, 4)
    p = F.pad(x, (1, 1, 1, 1), mode="reflect")
    k = torch.tensor([[1.0, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16
    for i in range(4):
        for j in range(4):
            expected = (p[:, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3] * k).sum((-1, -2))
            torch.testing.assert_close(y[:, :, i, j], expected)
    torch.testing.assert_close(BlurPool2d()(torch.full((1, 2, 6, 6), 3.0)), torch.full((1, 2, 3, 3), 3.0))
    assert list(BlurPool2d().parameters()) == []


def test_maxblurpool_is_max_at_stride_1_then_blur():
    x = torch.randn(2, 4, 24, 24, generator=torch.Generator().manual_seed(2))
    out = MaxBlurPool2d()(x)
    torch.testing.assert_close(out, BlurPool2d()(F.max_pool2d(x, 2, stride=1)))
    assert out.shape == (2, 4, 12, 12) and out.is_contiguous()
    assert MaxBlurPool2d()(torch.randn(1, 1, 8, 8)).shape == (1, 1, 4, 4)


def test_anti_aliased_lenet5_has_lenet5s_parameters():
    model = AntiAliasedLeNet5()
    assert count_parameters(model) == count_parameters(LeNet5()) == 431_080
    assert model.state_dict().keys() == LeNet5().state_dict().keys()
    model.load_state_dict(LeNet5().state_dict())
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)


def test_anti_aliasing_lowers_the_error_at_odd_shifts(digits):
    torch.manual_seed(0)
    plain = LeNet5().eval()
    aa = AntiAliasedLeNet5().eval()
    aa.load_state_dict(plain.state_dict())
    e_plain = equivariance_error(plain, digits, 0, 1, ["pool1"])["pool1"]
    e_aa = equivariance_error(aa, digits, 0, 1, ["pool1"])["pool1"]
    assert e_aa < e_plain


def test_sliding_frames_and_animation(lenet, digits):
    frames = sliding_frames(lenet, digits[0], ["conv1", "pool1", "pool2"], range(-2, 3))
    assert frames["input"].shape == (5, 28, 28)
    assert frames["conv1"].shape == (5, 24, 24) and frames["pool2"].shape == (5, 4, 4)
    torch.testing.assert_close(frames["probs"].sum(1), torch.ones(5))
    torch.testing.assert_close(frames["input"][4], shift(digits[:1], 0, 2)[0, 0])
    # conv1 follows the digit exactly: frame for +2 equals frame for 0 moved 2 cells right
    torch.testing.assert_close(frames["conv1"][4][:, 2:], frames["conv1"][2][:, :-2])
    fig, anim = feature_map_animation(frames, ["conv1", "pool1", "pool2"])
    assert isinstance(anim, FuncAnimation)
    anim._draw_was_started = True
    plt.close(fig)
    with pytest.raises(ValueError, match="no spatial map"):
        sliding_frames(lenet, digits[0], ["fc1"], [0])
