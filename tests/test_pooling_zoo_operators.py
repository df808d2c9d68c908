"""Tests for helpers.pooling_zoo (03's #@save cells), helpers.pooling_zoo_operators and helpers.pooling_zoo_plots
(03_pooling_zoo)."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from helpers import pooling_zoo_plots as pw  # noqa: E402
from helpers.bell_labs_zipcode import Subsampling1990  # noqa: E402
from helpers.pooling_zoo import PoolingNet, avg_pool, lp_pool, lse_pool, max_pool, windows  # noqa: E402
from helpers.pooling_zoo_operators import AvgPool, LpPool, LSEPool, MaxPool, PoolLayer, input_gradient  # noqa: E402
from helpers.train import predict  # noqa: E402


def rand(*shape, seed=0, dtype=torch.float32):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def naive(x, kernel, stride, reduce):
    """A plain loop over windows: the reference for every pooling."""
    n, c, h, w = x.shape
    kh, kw = kernel
    sh, sw = stride
    ho, wo = (h - kh) // sh + 1, (w - kw) // sw + 1
    out = torch.empty(n, c, ho, wo, dtype=x.dtype)
    for i in range(ho):
        for j in range(wo):
            win = x[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw].reshape(n, c, -1)
            out[:, :, i, j] = reduce(win)
    return out


@pytest.mark.parametrize("kernel,stride", [(2, None), (3, 1), ((2, 3), (1, 2)), (3, 2)])
def test_max_and_avg_match_torch(kernel, stride):
    x = rand(2, 3, 9, 10)
    assert torch.equal(max_pool(x, kernel, stride), F.max_pool2d(x, kernel, stride))
    torch.testing.assert_close(avg_pool(x, kernel, stride), F.avg_pool2d(x, kernel, stride))


def test_windows_shape_and_content():
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    w = windows(x, 2)
    assert w.shape == (1, 1, 2, 2, 4)
    assert w[0, 0, 0, 1].tolist() == [2.0, 3.0, 6.0, 7.0]


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, 4.0, 2.5])
def test_lp_matches_torch_on_nonnegative_input(p):
    x = rand(2, 3, 8, 8).relu()
    torch.testing.assert_close(lp_pool(x, 2, p=p), F.lp_pool2d(x, p, 2), rtol=1e-5, atol=1e-6)


def test_lp_differs_from_torch_on_negative_input():
    x = rand(1, 2, 6, 6, seed=1)
    # even p: x^p = |x|^p, the two agree
    torch.testing.assert_close(lp_pool(x, 2, p=2), F.lp_pool2d(x, 2, 2))
    # p = 1: torch sums the signed values, we sum |x|
    torch.testing.assert_close(F.lp_pool2d(x, 1, 2), F.avg_pool2d(x, 2) * 4, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(lp_pool(x, 2, p=1), F.avg_pool2d(x.abs(), 2) * 4, rtol=1e-5, atol=1e-6)
    # non-integer p on negative numbers: torch gives NaN, we do not
    assert torch.isnan(F.lp_pool2d(x, 2.5, 2)).any()
    assert torch.isfinite(lp_pool(x, 2, p=2.5)).all()
    # p = inf: ours is max |x| on every version; torch 2.11 gives 1 everywhere (x^inf, then ^(1/inf) = ^0),
    # torch 2.14 max |x| (PyTorch pull request 183997): the two behaviours notebook 03 describes
    torch.testing.assert_close(lp_pool(x, 2, p=math.inf), F.max_pool2d(x.abs(), 2))
    theirs = F.lp_pool2d(x, math.inf, 2)
    assert torch.equal(theirs, F.max_pool2d(x.abs(), 2)) or torch.equal(theirs, torch.ones_like(theirs))


@pytest.mark.parametrize("p", [1.0, 1.5, 2.0, 4.0, 7.0])
def test_lp_matches_naive_loop(p):
    x = rand(2, 2, 7, 7, dtype=torch.float64)
    ref = naive(x, (3, 3), (2, 2), lambda w: w.abs().pow(p).sum(-1).pow(1 / p))
    torch.testing.assert_close(lp_pool(x, 3, 2, p=p), ref)


@pytest.mark.parametrize("b,mean", [(0.5, True), (1.0, False), (5.0, True), (20.0, False)])
def test_lse_matches_naive_loop(b, mean):
    x = rand(2, 2, 6, 6, dtype=torch.float64)
    ref = naive(x, (2, 2), (2, 2), lambda w: torch.log(torch.exp(b * w).mean(-1) if mean else torch.exp(b * w).sum(-1)) / b)
    torch.testing.assert_close(lse_pool(x, 2, b=b, mean=mean), ref)


def test_stable_for_large_b_and_large_p():
    x = torch.full((1, 1, 2, 2), 10.0)
    x[0, 0, 0, 0] = 9.0
    naive_value = torch.exp(100 * x).sum() / 100
    assert torch.isinf(naive_value)  # the naive sum overflows
    out = lse_pool(x, 2, b=100.0, mean=False)
    assert torch.isfinite(out).all()
    expected = 10 + math.log(3 + math.exp(-100)) / 100
    assert abs(out.item() - expected) < 1e-5
    assert abs(lse_pool(x, 2, b=100.0).item() - (expected - math.log(4) / 100)) < 1e-5
    big = lp_pool(x, 2, p=1000.0)
    assert torch.isfinite(big).all() and abs(big.item() - 3 ** (1 / 1000) * 10) < 1e-4
    assert torch.isinf(F.lp_pool2d(x, 64, 2)).all()  # torch's x^p overflows float32 (10^64 > 3.4e38)
    assert torch.isfinite(lp_pool(x, 2, p=64)).all()


def test_limits():
    x = rand(1, 3, 4, 4, dtype=torch.float64)
    mx, mean = max_pool(x, 2), avg_pool(x, 2)
    assert torch.allclose(lp_pool(x, 2, p=math.inf), max_pool(x.abs(), 2))
    assert torch.allclose(lp_pool(x.abs(), 2, p=2000), max_pool(x.abs(), 2), rtol=1e-3)
    assert torch.allclose(lse_pool(x, 2, b=1e4), mx, atol=1e-3)
    assert torch.allclose(lse_pool(x, 2, b=1e4, mean=False), mx, atol=1e-3)
    assert torch.allclose(lse_pool(x, 2, b=1e-6), mean, atol=1e-5)
    assert torch.equal(lse_pool(x, 2, b=0), mean) and torch.equal(lse_pool(x, 2, b=math.inf), mx)
    # bounds: mean <= LSE(1/n) <= max; max <= LSE(sum) <= max + log(n)/b; max|x| <= Lp <= n^(1/p) max|x|
    for b in (0.1, 1.0, 10.0):
        lse_m, lse_s = lse_pool(x, 2, b=b), lse_pool(x, 2, b=b, mean=False)
        assert (mean <= lse_m + 1e-12).all() and (lse_m <= mx + 1e-12).all()
        assert (mx <= lse_s + 1e-12).all() and (lse_s <= mx + math.log(4) / b + 1e-12).all()
    for p in (1.0, 2.0, 4.0):
        lp, am = lp_pool(x, 2, p=p), max_pool(x.abs(), 2)
        assert (am <= lp + 1e-12).all() and (lp <= 4 ** (1 / p) * am + 1e-12).all()


def test_gradients():
    x = rand(1, 1, 4, 4, seed=3)
    g_max = input_gradient(x, max_pool, 2)
    assert torch.equal(windows(g_max, 2).sum(-1), torch.ones(1, 1, 2, 2))
    assert torch.equal((windows(g_max, 2) != 0).sum(-1), torch.ones(1, 1, 2, 2, dtype=torch.long))
    assert torch.equal(input_gradient(x, avg_pool, 2), torch.full_like(x, 0.25))
    for b in (0.5, 3.0):
        for mean in (True, False):
            g = input_gradient(x, lse_pool, 2, b=b, mean=mean)
            torch.testing.assert_close(windows(g, 2), torch.softmax(b * windows(x, 2), -1))
    xa = x.abs() + 0.1
    g2 = input_gradient(xa, lp_pool, 2, p=2)
    torch.testing.assert_close(windows(g2, 2), windows(xa, 2) / lp_pool(xa, 2, p=2)[..., None])


def test_gradient_of_zero_window_is_zero_and_lp_gradient_matches_torch():
    x = torch.zeros(1, 1, 2, 2, requires_grad=True)
    lp_pool(x, 2, p=2).sum().backward()
    assert torch.equal(x.grad, torch.zeros_like(x))
    y = rand(2, 2, 6, 6, seed=4).relu() + 0.01
    for p in (1.0, 3.0, 8.0):
        ours = input_gradient(y, lp_pool, 2, p=p)
        yt = y.clone().requires_grad_(True)
        F.lp_pool2d(yt, p, 2).sum().backward()
        torch.testing.assert_close(ours, yt.grad, rtol=1e-4, atol=1e-6)


def test_pooling_layers_apply_their_function():
    x = rand(2, 4, 8, 8)
    assert torch.equal(MaxPool(2)(x), max_pool(x, 2))
    assert torch.equal(AvgPool(2)(x), avg_pool(x, 2))
    assert torch.equal(LpPool(3.0, 2)(x), lp_pool(x, 2, p=3.0))
    assert torch.equal(LSEPool(2.0, 2, mean=False)(x), lse_pool(x, 2, b=2.0, mean=False))
    assert torch.equal(PoolLayer(lse_pool, 2, b=2.0)(x), lse_pool(x, 2, b=2.0))
    assert torch.equal(LSEPool(2.0, 2, stride=1)(x), lse_pool(x, 2, 1, b=2.0))
    assert "p=3.0" in repr(LpPool(3.0)) and "stride=1" in repr(MaxPool(2, 1))
    layer = Subsampling1990(4)  # 02's 1990 layer, one of 03's contestants
    torch.testing.assert_close(layer(x), torch.tanh(F.avg_pool2d(x, 2)))
    assert sum(p.numel() for p in layer.parameters()) == 8


@pytest.mark.parametrize("make_pool", [
    lambda c: MaxPool(), lambda c: AvgPool(), lambda c: LpPool(1.0), lambda c: LpPool(4.0), lambda c: LpPool(math.inf),
    lambda c: LSEPool(1.0), lambda c: LSEPool(10.0, mean=False), Subsampling1990, lambda c: torch.nn.MaxPool2d(2),
], ids=["max", "avg", "L1", "L4", "Linf", "lse_b1", "lsesum_b10", "1990", "torch_max"])
def test_pooling_net_trains_one_step(make_pool):
    torch.manual_seed(0)
    net = PoolingNet(make_pool)
    x, y = rand(8, 1, 28, 28).relu(), torch.arange(8) % 10
    out = net(x)
    assert out.shape == (8, 10)
    F.cross_entropy(out, y).backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in net.parameters())
    if isinstance(net.pool1, Subsampling1990):
        assert net.pool1.coefficient.shape == (6,) and net.pool2.coefficient.shape == (16,)  # the factory gets each stage's maps


def test_same_as_torch_max_net():
    torch.manual_seed(0)
    a = PoolingNet(lambda channels: MaxPool())
    b = PoolingNet()  # torch's MaxPool2d(2)
    b.load_state_dict(a.state_dict())
    x = rand(4, 1, 28, 28)
    torch.testing.assert_close(a(x), b(x))


def test_pooling_net_takes_its_non_linearity():
    torch.manual_seed(0)
    net = PoolingNet(act=torch.nn.Tanh)
    x = rand(2, 1, 28, 28)
    h = net.pool1(torch.tanh(net.conv1(x)))
    expected = net.fc(net.pool2(torch.tanh(net.conv2(h))).flatten(1))
    torch.testing.assert_close(net(x), expected)
    assert isinstance(PoolingNet().act, torch.nn.ReLU)


def test_errors():
    x = rand(1, 1, 4, 4)
    with pytest.raises(ValueError, match="N, C, H, W"):
        max_pool(x[0], 2)
    with pytest.raises(RuntimeError):  # PyTorch's own refusal of a window larger than the maps
        avg_pool(x, 5)
    with pytest.raises(ValueError, match="kernel"):
        avg_pool(x, 0)
    with pytest.raises(ValueError, match="p >= 1"):
        lp_pool(x, 2, p=0.5)
    with pytest.raises(ValueError, match="b > 0"):
        lse_pool(x, 2, b=0, mean=False)
    with pytest.raises(ValueError, match="p >= 1"):
        LpPool(0.5)(x)
    with pytest.raises(ValueError, match="cannot read images of shape"):
        predict(PoolingNet(), rand(1, 1, 16, 16))


def test_widget_logic():
    window = torch.tensor([[0.1, 0.9], [0.4, 0.6]])
    v = pw.window_values(window, p=2.0, b=1.0)
    assert v["max"] == pytest.approx(0.9) and v["average"] == pytest.approx(0.5)
    assert v["Lp"] == pytest.approx(math.sqrt(0.01 + 0.81 + 0.16 + 0.36), rel=1e-6)
    assert v["average"] < v["LSE (1/n)"] < v["max"] < v["LSE (no 1/n)"]
    assert v["LSE (no 1/n)"] - v["LSE (1/n)"] == pytest.approx(math.log(4), rel=1e-5)
    fig = pw.plot_window(window, p=2.0, b=10.0)  # the panels: the window, the Lp weights, the LSE weights
    shown = [torch.as_tensor(ax.images[0].get_array()) for ax in fig.axes[:3]]
    torch.testing.assert_close(shown[0], window)
    torch.testing.assert_close(shown[1], window / window.norm())  # d(L2)/dx = x / L2
    torch.testing.assert_close(shown[2], torch.softmax(10 * window.flatten(), 0).reshape(2, 2))
    plt.close(fig)
    maps = pw.pooled_maps(rand(6, 8), p=4.0, b=2.0)
    assert set(maps) == {"max", "average", "Lp", "LSE (1/n)"} and all(m.shape == (3, 4) for m in maps.values())
    for fig in (pw.plot_window(window, 4.0, 3.0), pw.plot_pooled_maps(rand(6, 8), math.inf, 3.0)):
        assert len(fig.axes) >= 4
        plt.close(fig)
    with pytest.raises(ValueError, match="2-D"):
        pw.window_values(window[None], 2.0, 1.0)


def test_sliders_build_and_redraw():
    pytest.importorskip("ipywidgets")
    open_before = set(plt.get_fignums())  # figures other tests left open are not ours
    box = pw.pooling_sliders(torch.rand(3, 3), torch.rand(8, 8), p=4.0, b=0.5)
    p_slider, b_slider = box.children[0].children
    window_image, maps_image = box.children[1:]
    assert p_slider.value == pytest.approx(4.0) and b_slider.value == pytest.approx(0.5)
    assert bytes(window_image.value)[:4] == b"\x89PNG" and bytes(maps_image.value)[:4] == b"\x89PNG"
    before = bytes(window_image.value)
    p_slider.value = 16.0  # redraws without a browser
    assert bytes(window_image.value) != before
    assert set(plt.get_fignums()) <= open_before  # every figure drawn for the widget is closed


# ---- written against mutmut's survivors (`make mutants`, DEVELOPERS.md "Mutation testing") ----------

def test_pooling_errors_say_what_they_got():
    x = rand(1, 1, 4, 4)
    with pytest.raises(ValueError, match=r"got \(4, 4\); add axes"):
        windows(torch.zeros(4, 4), 2)
    with pytest.raises(ValueError, match="^kernel must be a positive int"):
        windows(x, 0)
    with pytest.raises(ValueError, match="^stride must be a positive int"):
        windows(x, 2, 0)
    for small in ((2, 8), (8, 2)):  # too small one way is enough: PyTorch refuses it
        with pytest.raises(RuntimeError):
            windows(rand(1, 1, *small), 3)
    for b in (-1.0, float("nan")):
        with pytest.raises(ValueError, match="b > 0"):
            lse_pool(x, 2, b=b)


def test_lp_and_lse_defaults_and_lse_strides():
    x = rand(2, 3, 6, 6)
    assert torch.equal(lp_pool(x, 2), lp_pool(x, 2, p=2.0))
    assert torch.equal(lse_pool(x, 2), lse_pool(x, 2, b=1.0))
    overlapping = lse_pool(x, 2, 1)
    assert overlapping.shape == (2, 3, 5, 5)
    torch.testing.assert_close(overlapping, naive(x, (2, 2), (1, 1), lambda w: torch.logsumexp(w, -1) - math.log(4)))
