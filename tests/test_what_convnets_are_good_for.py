"""Tests for helpers.what_convnets_are_good_for_locality (08_what_convnets_are_good_for)."""

from __future__ import annotations

import copy

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from helpers.anatomy import ReceptiveField, count_parameters, receptive_field  # noqa: E402
from helpers.train import predict  # noqa: E402
from helpers.what_convnets_are_good_for import FCNet, SmallConvNet  # noqa: E402  (08's own, exported)
from helpers.what_convnets_are_good_for_locality import (MotifConvNet, MotifFCNet, correlation_by_distance, motif,
                                                         motif_signals, permute_pixels, pixel_permutation, top_patches)
from helpers.what_convnets_are_good_for_plots import (plot_accuracy_bars, plot_correlation,
                                                     plot_motif_signals, plot_responses)


def images(n: int = 5, side: int = 28, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, 1, side, side, generator=torch.Generator().manual_seed(seed))


# --- the two nets -----------------------------------------------------------------------------------

def test_parameter_counts_match_nyu_and_each_other():
    fc, cnn = count_parameters(FCNet()), count_parameters(SmallConvNet())
    assert (fc, cnn) == (6442, 6422)
    assert fc == 784 * 8 + 8 + 8 * 8 + 8 + 8 * 10 + 10
    assert cnn == (25 * 6 + 6) + (6 * 25 * 6 + 6) + (96 * 50 + 50) + (50 * 10 + 10)
    assert abs(fc - cnn) / cnn < 0.05


def test_outputs_and_layer_shapes():
    x = images(3)
    assert FCNet()(x).shape == (3, 10)
    net = SmallConvNet()
    out = net.layers(x)
    shapes = {k: tuple(v.shape) for k, v in out.items()}
    assert shapes == {"conv1": (3, 6, 24, 24), "pool1": (3, 6, 12, 12), "conv2": (3, 6, 8, 8),
                      "pool2": (3, 6, 4, 4), "fc1": (3, 50), "fc2": (3, 10)}
    assert torch.equal(net(x), out["fc2"])
    # the stages are what they say: compare with torch.nn.functional written out
    ref = F.max_pool2d(F.relu(net.conv2(F.max_pool2d(F.relu(net.conv1(x)), 2))), 2)
    assert torch.allclose(out["pool2"], ref)


# --- permutations -----------------------------------------------------------------------------------

def test_pixel_permutation_is_a_reproducible_permutation():
    p = pixel_permutation(784, seed=3)
    assert torch.equal(p, pixel_permutation(784, seed=3))
    assert not torch.equal(p, pixel_permutation(784, seed=4))
    assert torch.equal(p.sort().values, torch.arange(784))


def test_permute_pixels_against_a_loop_and_its_inverse():
    x = images(2, side=6)
    p = pixel_permutation(36, seed=1)
    out = permute_pixels(x, p)
    for n in range(2):
        for i in range(36):
            assert out[n, 0, i // 6, i % 6] == x[n, 0, p[i] // 6, p[i] % 6]
    assert torch.equal(permute_pixels(out, p.argsort()), x)


def test_permute_pixels_rejects_bad_input():
    with pytest.raises(ValueError, match="permutation of 0..783"):
        permute_pixels(images(1), torch.zeros(784, dtype=torch.long))
    with pytest.raises(ValueError, match="permutation of 0..783"):
        permute_pixels(images(1), pixel_permutation(100))


def test_permuted_first_layer_gives_the_same_outputs_and_the_same_training():
    torch.manual_seed(0)
    fc = FCNet()
    p = pixel_permutation(784, seed=5)
    twin = copy.deepcopy(fc)  # 08's twin: the same net, its first-layer columns in the pixels' new order
    with torch.no_grad():
        twin.fc1.weight.copy_(fc.fc1.weight[:, p])
    x, y = images(64), torch.randint(0, 10, (64,), generator=torch.Generator().manual_seed(0))
    assert torch.allclose(fc(x), twin(permute_pixels(x, p)), atol=1e-5)
    assert not torch.equal(fc.fc1.weight, twin.fc1.weight)  # a copy, not the same tensor
    # a few SGD steps keep the twin equal to the permuted original
    opts = [torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9) for m in (fc, twin)]
    for _ in range(5):
        for m, opt, inp in ((fc, opts[0], x), (twin, opts[1], permute_pixels(x, p))):
            opt.zero_grad()
            F.cross_entropy(m(inp), y).backward()
            opt.step()
    assert torch.allclose(twin.fc1.weight, fc.fc1.weight[:, p], atol=1e-5)
    assert torch.allclose(fc(x), twin(permute_pixels(x, p)), atol=1e-4)


# --- correlation against distance -------------------------------------------------------------------

def test_correlation_by_distance_against_a_naive_loop():
    g = torch.Generator().manual_seed(0)
    x = F.avg_pool2d(torch.rand(200, 1, 9, 9, generator=g), 3, 1, 1)  # smooth: nearby pixels correlate
    x[:, :, 0, :] = 0  # one blank row, which must be left out
    d, c = correlation_by_distance(x, max_distance=5)
    arr = x.reshape(200, 81).double().numpy()
    keep = [i for i in range(81) if arr[:, i].std(ddof=1) >= 1e-3]
    corr = np.corrcoef(arr[:, keep].T)
    sums, counts = np.zeros(6), np.zeros(6)
    for a, i in enumerate(keep):
        for b, j in enumerate(keep):
            dist = int(round(float(np.hypot(i // 9 - j // 9, i % 9 - j % 9))))
            if dist <= 5:
                sums[dist] += corr[a, b]
                counts[dist] += 1
    assert d.tolist() == [1, 2, 3, 4, 5]
    assert np.allclose(c.numpy(), sums[1:] / counts[1:], atol=1e-4)
    assert c[0] > c[2] > c[4]


def test_correlation_is_flat_after_a_permutation():
    g = torch.Generator().manual_seed(1)
    x = F.avg_pool2d(torch.rand(300, 1, 12, 12, generator=g), 5, 1, 2)
    _, c = correlation_by_distance(x)
    _, cp = correlation_by_distance(permute_pixels(x, pixel_permutation(144, seed=0)))
    assert c[0] - c[-1] > 0.5 and cp.max() - cp.min() < 0.2


# --- receptive fields and top patches ---------------------------------------------------------------

def test_a_conv2_unit_depends_on_its_receptive_field_only():
    torch.manual_seed(0)
    net = SmallConvNet()
    x = images(1)
    rf = receptive_field([(5, 1), (2, 2), (5, 1)])
    full = net.layers(x)["conv2"]
    for r, c in ((0, 0), (3, 5), (7, 7)):
        crop = x[:, :, r * rf.stride:r * rf.stride + rf.size, c * rf.stride:c * rf.stride + rf.size]
        alone = F.relu(net.conv2(F.max_pool2d(F.relu(net.conv1(crop)), 2)))
        assert alone.shape == (1, 6, 1, 1)
        assert torch.allclose(alone[0, :, 0, 0], full[0, :, r, c], atol=1e-5)
        # changing every pixel outside the crop leaves the unit unchanged
        y = torch.rand_like(x)
        y[:, :, r * 2:r * 2 + 14, c * 2:c * 2 + 14] = crop
        assert torch.allclose(net.layers(y)["conv2"][0, :, r, c], full[0, :, r, c], atol=1e-5)


def test_top_patches_against_a_naive_search():
    g = torch.Generator().manual_seed(0)
    imgs = torch.rand(7, 1, 10, 10, generator=g)
    maps = F.conv2d(imgs, torch.randn(3, 1, 3, 3, generator=g))  # (7, 3, 8, 8)
    rf = receptive_field([(3, 1)])
    crops, values, where = top_patches(maps, imgs, rf, k=4)
    assert crops.shape == (3, 4, 1, 3, 3) and values.shape == (3, 4) and where.shape == (3, 4, 3)
    for ch in range(3):
        per_image = [(maps[n, ch].max().item(), n) for n in range(7)]
        expected = sorted(per_image, reverse=True)[:4]
        assert np.allclose(values[ch].numpy(), [v for v, _ in expected])
        assert where[ch, :, 0].tolist() == [n for _, n in expected]  # one crop per image
        for j in range(4):
            n, r, c = where[ch, j].tolist()
            assert maps[n, ch, r, c] == values[ch, j]
            assert torch.equal(crops[ch, j], imgs[n, :, r:r + 3, c:c + 3])


def test_top_patches_rejects_bad_input():
    imgs, maps = torch.rand(4, 1, 10, 10), torch.rand(4, 2, 8, 8)
    for bad in ((maps[:3], receptive_field([(3, 1)])), (maps, receptive_field([(5, 1)])), (maps, ReceptiveField(3, 1, -1))):
        with pytest.raises(ValueError, match="does not fit"):  # other images, too large a field, one reaching into padding
            top_patches(bad[0], imgs, bad[1], k=2)
    top_patches(maps, imgs, receptive_field([(3, 1)]), k=2)  # the field that fits


# --- the 1-D task -------------------------------------------------------------------------------------

def test_motif_is_asymmetric_with_the_same_energy_reversed():
    m = motif()
    assert m.shape == (9,)
    assert not torch.allclose(m, m.flip(0), atol=0.1) and not torch.allclose(m, -m.flip(0), atol=0.1)
    assert torch.isclose(m.pow(2).sum(), m.flip(0).pow(2).sum())


def test_motif_signals_hold_the_motif_where_asked():
    x, y = motif_signals(40, 30, positions=(5, 10), noise=0.0, generator=torch.Generator().manual_seed(0))
    assert x.shape == (40, 1, 30) and y.tolist() == [i % 2 for i in range(40)]
    m = motif()
    for signal, label in zip(x[:, 0], y):
        start = int(torch.nonzero(signal).flatten()[0])
        # the first nonzero sample may be the motif's second one (its first is 0)
        starts = [s for s in range(5, 11) if torch.allclose(signal[s:s + 9], m if label else m.flip(0))]
        assert len(starts) == 1 and start - starts[0] in (0, 1)
        assert torch.allclose(signal.pow(2).sum(), m.pow(2).sum())


def test_motif_convnet_answers_the_same_anywhere_and_at_any_length():
    torch.manual_seed(0)
    net = MotifConvNet()
    assert count_parameters(net) == 4 * 10 + 4 * 2 + 2
    m = motif()
    outs = []
    for start in (0, 20, 55):
        x = torch.zeros(1, 1, 64)
        x[0, 0, start:start + 9] = m
        outs.append(net(x))
    assert torch.allclose(outs[0], outs[1], atol=1e-6) and torch.allclose(outs[0], outs[2], atol=1e-6)
    long = torch.zeros(1, 1, 300)
    long[0, 0, 200:209] = m
    assert torch.allclose(net(long), outs[0], atol=1e-6)
    with pytest.raises(ValueError, match="cannot read images of shape"):
        predict(net, torch.zeros(1, 64))


def test_motif_fcnet_reads_one_length_only():
    net = MotifFCNet(64, 4)
    assert net(torch.zeros(3, 1, 64)).shape == (3, 2)
    assert count_parameters(net) == 64 * 4 + 4 + 4 * 2 + 2
    with pytest.raises(ValueError, match="cannot read images of shape"):  # it only reads the length it was built for
        predict(net, torch.zeros(3, 1, 128))


# --- figures ------------------------------------------------------------------------------------------

def test_figures_are_returned():
    d = torch.arange(1, 6)
    fig = plot_correlation(d, {"a": torch.rand(5)})
    assert isinstance(fig, Figure)
    fig2 = plot_accuracy_bars({"x": [90.0, 92.0], "y": [80.0, 81.0]}, {"x": 95, "y": 83})
    assert isinstance(fig2, Figure) and len(fig2.axes[0].patches) == 4
    fig3 = plot_responses(torch.rand(2, 1, 28, 28), torch.rand(2, 24, 24), ["a", "b"])
    assert isinstance(fig3, Figure) and len(fig3.axes) == 4
    fig4 = plot_motif_signals(motif(), torch.rand(4, 1, 64), torch.tensor([0, 1, 0, 1]))
    assert isinstance(fig4, Figure) and [len(ax.lines) for ax in fig4.axes] == [2, 2, 2]
    plt.close("all")
