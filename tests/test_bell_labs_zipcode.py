"""Tests for helpers.bell_labs (02's #@save cells: TableConv2d, ZipCodeNet1989) and helpers.bell_labs_zipcode (the
1990 subsampling layer, the walk, the connection tables and the 1989 targets)."""

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.anatomy import count_connections, count_parameters, format_counts, totals
from helpers.bell_labs import TableConv2d, ZipCodeNet1989
from helpers.bell_labs_zipcode import (Subsampling1990, SubsamplingLeNet, cyclic_table, format_table, mse_pm1, paper_sized,
                                       pm1_targets)
from helpers.train import predict


def naive_table_conv(x, layer):
    """Reference: loop over output maps, positions and the input maps the table allows."""
    p, k, s = layer.padding, layer.kernel_size, layer.stride
    xp = F.pad(x, (p, p, p, p), value=layer.pad_value)
    out_maps, _ = layer.table.shape
    h = (xp.shape[-2] - k) // s + 1
    w = (xp.shape[-1] - k) // s + 1
    full = layer.full_weight()
    y = torch.zeros(x.shape[0], out_maps, h, w)
    for j in range(out_maps):
        for r in range(h):
            for c in range(w):
                total = torch.zeros(x.shape[0])
                for i in torch.nonzero(layer.table[j]).flatten().tolist():
                    patch = xp[:, i, r * s:r * s + k, c * s:c * s + k]
                    total = total + (patch * full[j, i]).sum(dim=(-1, -2))
                if layer.bias_mode == "unit":
                    total = total + layer.bias[j, r, c]
                elif layer.bias_mode == "map":
                    total = total + layer.bias[j]
                y[:, j, r, c] = total
    return y


def test_cyclic_table_is_balanced_and_formatted():
    t = cyclic_table(12, 12, 8)
    assert t.shape == (12, 12) and t.dtype == torch.bool
    assert t.sum(1).tolist() == [8] * 12 and t.sum(0).tolist() == [8] * 12
    assert t[0, :8].all() and not t[0, 8:].any() and t[11, 11] and t[11, :7].all()
    text = format_table(t)
    assert len(text.splitlines()) == 13 and text.count("X") == 96
    assert cyclic_table(3, 4, 2).tolist() == [[True, True, False, False], [False, True, True, False], [False, False, True, True]]


@pytest.mark.parametrize("bias", ["unit", "map", None])
def test_table_conv_matches_naive_loop(bias):
    gen = torch.Generator().manual_seed(0)
    table = cyclic_table(4, 3, 2)
    layer = TableConv2d(table, 3, stride=2, padding=1, pad_value=-1.0, bias=bias, out_size=(4, 4) if bias == "unit" else None)
    with torch.no_grad():
        if layer.bias is not None:
            layer.bias.copy_(torch.randn(layer.bias.shape, generator=gen))
    x = torch.randn(2, 3, 7, 7, generator=gen)
    assert torch.allclose(layer(x), naive_table_conv(x, layer), atol=1e-5)


def test_full_table_equals_conv2d_and_kernels_outside_table_are_zero():
    gen = torch.Generator().manual_seed(1)
    layer = TableConv2d(torch.ones(5, 3, dtype=torch.bool), 5, stride=1, padding=2, pad_value=0.0, bias="map")
    x = torch.randn(2, 3, 9, 9, generator=gen)
    ref = F.conv2d(x, layer.full_weight(), layer.bias, padding=2)
    assert torch.allclose(layer(x), ref, atol=1e-5)
    partial = TableConv2d(cyclic_table(12, 12, 8), 5)
    assert (partial.full_weight()[~partial.table] == 0).all()
    assert partial.weight.shape == (96, 5, 5)


def test_table_conv_gradients_reach_only_table_kernels():
    layer = TableConv2d(cyclic_table(3, 3, 1), 3, padding=1)
    layer(torch.randn(1, 3, 5, 5)).sum().backward()
    assert layer.weight.grad.shape == (3, 3, 3) and layer.weight.grad.abs().sum() > 0
    # an asymmetric table (3 output maps, each seeing 2 of 4 input maps): compare with a dense conv2d
    gen = torch.Generator().manual_seed(0)
    table = cyclic_table(3, 4, 2)
    layer = TableConv2d(table, 3, padding=1, pad_value=-1.0)
    x = torch.randn(2, 4, 5, 5, generator=gen, requires_grad=True)
    probe = torch.randn(2, 3, 5, 5, generator=gen)  # a loss whose gradient reaches every unit
    (layer(x) * probe).sum().backward()
    dense = layer.full_weight().detach().requires_grad_()
    (F.conv2d(F.pad(x.detach(), (1, 1, 1, 1), value=-1.0), dense, layer.bias.detach()) * probe).sum().backward()
    # the dense kernels outside the table would get a gradient (their inputs are not zero) ...
    assert (dense.grad[~table].flatten(1).abs().amax(1) > 0).all()
    # ... but the layer's gradient, laid out as dense kernels (one per True entry of the table, in
    # row-major order), is the dense one inside the table and exactly zero outside
    reached = torch.zeros_like(dense.grad).index_put(table.nonzero(as_tuple=True), layer.weight.grad)
    assert torch.equal(reached[~table], torch.zeros_like(reached[~table]))
    torch.testing.assert_close(reached[table], dense.grad[table])
    assert (reached[table].flatten(1).abs().amax(1) > 0).all()  # every table kernel gets a gradient
    # the input maps outside the table get no gradient through that output map: exactly zero
    for j in range(3):
        (g,) = torch.autograd.grad(layer(x)[:, j].sum(), x)
        assert torch.equal(g[:, ~table[j]], torch.zeros_like(g[:, ~table[j]]))
        assert (g[:, table[j]].flatten(2).abs().amax(2) > 0).all()
    # so a training step changes the table's kernels and leaves every other kernel exactly zero
    before = layer.weight.detach().clone()
    torch.optim.SGD(layer.parameters(), lr=0.1).step()
    assert (layer.weight.detach() != before).flatten(1).any(1).all()
    assert torch.equal(layer.full_weight().detach()[~table], torch.zeros(int((~table).sum()), 3, 3))


def test_table_conv_refuses_other_sizes_through_predict():
    layer = TableConv2d(torch.ones(2, 1, dtype=torch.bool), 5, stride=2, padding=2, bias="unit", out_size=(8, 8))
    with pytest.raises(ValueError, match="cannot read images of shape"):  # PyTorch's refusal, turned into one sentence at the entry point
        predict(layer, torch.zeros(1, 1, 20, 20))
    with pytest.raises(ValueError, match="cannot read images of shape"):
        predict(layer, torch.zeros(1, 3, 16, 16))


def test_initialisation_bounds_follow_fan_in():
    gen = torch.Generator().manual_seed(0)
    layer = TableConv2d(cyclic_table(12, 12, 8), 5)
    layer.reset_parameters(gen)
    bound = 2.4 / (200 ** 0.5)
    assert layer.weight.abs().max() <= bound and layer.weight.abs().max() > 0.9 * bound


def test_zipcode_counts_match_the_paper():
    net = ZipCodeNet1989()
    rows = count_connections(net, (1, 16, 16))
    got = {r.name: (r.shape, r.units, r.connections, r.parameters) for r in rows}
    assert got == {
        "input": ((1, 16, 16), 256, 0, 0),
        "h1": ((12, 8, 8), 768, 19_968, 1_068),
        "h2": ((12, 4, 4), 192, 38_592, 2_592),
        "h3": ((30,), 30, 5_790, 5_790),
        "out": ((10,), 10, 310, 310),
    }
    assert totals(rows) == {"units": 1_256, "connections": 64_660, "parameters": 9_760}
    assert count_parameters(net) == 9_760
    assert "64,660" in format_counts(rows)


def test_zipcode_forward_ranges_and_errors():
    x = torch.rand(3, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    y = ZipCodeNet1989()(x)
    assert y.shape == (3, 10) and y.abs().max() < 1
    logits = ZipCodeNet1989(activation="relu", output="linear")
    assert logits(x).shape == (3, 10) and count_parameters(logits) == 9_760
    assert logits.h2.pad_value == 0.0 and logits.h1.pad_value == -1.0
    with pytest.raises(ValueError, match="cannot read images of shape"):
        predict(ZipCodeNet1989(), torch.zeros(1, 1, 28, 28))


def test_zipcode_input_is_scaled_to_minus_one_one():
    # a blank [0, 1] image becomes all background (-1), the same value the frame holds:
    # so every H1 unit of one map sees the same 25 inputs and differs only by its own bias
    net = ZipCodeNet1989()
    h1 = net.h1(2 * torch.zeros(1, 1, 16, 16) - 1) - net.h1.bias
    assert torch.allclose(h1, h1[:, :, :1, :1].expand_as(h1))


def test_targets_and_mse():
    t = pm1_targets(torch.tensor([0, 2]), 3)
    assert t.tolist() == [[1, -1, -1], [-1, -1, 1]]
    out = torch.tensor([[0.5, -1.0, -1.0]])
    assert torch.isclose(mse_pm1(out, torch.tensor([0])), torch.tensor(0.25 / 3))


def test_paper_sized_subsets():
    x, y = torch.arange(20.0).reshape(20, 1), torch.arange(20)
    a = paper_sized((x, y), 7)
    b = paper_sized((x, y), 7)
    assert len(a[1]) == 7 and torch.equal(a[1], b[1]) and torch.equal(a[0][:, 0].long(), a[1])
    assert len(a[1].unique()) == 7
    full = paper_sized((x, y), 7_291)
    assert full[0] is x


def test_subsampling1990_matches_hand_computation_and_halves():
    gen = torch.Generator().manual_seed(0)
    layer = Subsampling1990(2)
    with torch.no_grad():
        layer.coefficient.copy_(torch.tensor([2.0, -0.5]))
        layer.bias.copy_(torch.tensor([0.1, 0.3]))
    x = torch.randn(3, 2, 6, 7, generator=gen)
    y = layer(x)
    assert y.shape == (3, 2, 3, 3)
    for c, (a, b) in enumerate(((2.0, 0.1), (-0.5, 0.3))):
        for r in range(3):
            for q in range(3):
                mean = x[:, c, 2 * r:2 * r + 2, 2 * q:2 * q + 2].mean(dim=(-1, -2))
                assert torch.allclose(y[:, c, r, q], torch.tanh(a * mean + b), atol=1e-6)
    assert count_parameters(layer) == 4
    y.sum().backward()
    assert layer.coefficient.grad.abs().sum() > 0 and layer.bias.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="cannot read images of shape"):
        predict(layer, torch.zeros(1, 3, 4, 4))


def lenet5_trunk():
    """LeNet-5's C1..F6 (1998), with its C3 table: 6 maps see 3 of S2's maps, 9 see 4, 1 sees all 6."""
    table = torch.zeros(16, 6, dtype=torch.bool)
    for j in range(6):
        table[j, [(j + i) % 6 for i in range(3)]] = True
    for j in range(6):
        table[6 + j, [(j + i) % 6 for i in range(4)]] = True
    for j, maps in enumerate(([0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5])):
        table[12 + j, maps] = True
    table[15] = True
    return nn.Sequential(nn.Conv2d(1, 6, 5), nn.Tanh(), Subsampling1990(6), TableConv2d(table, 5), nn.Tanh(),
                         Subsampling1990(16), nn.Conv2d(16, 120, 5), nn.Tanh(), nn.Flatten(), nn.Linear(120, 84))


def test_counter_reproduces_lenet5_paper_counts():
    rows = count_connections(lenet5_trunk(), (1, 32, 32))
    got = [(r.shape, r.connections, r.parameters) for r in rows[1:]]
    assert got == [((6, 28, 28), 122_304, 156), ((6, 14, 14), 5_880, 12), ((16, 10, 10), 151_600, 1_516),
                   ((16, 5, 5), 2_000, 32), ((120, 1, 1), 48_120, 48_120), ((84,), 10_164, 10_164)]


@pytest.mark.parametrize("kind", ["subsampling", "max", "average", "stride"])
def test_walk_shapes_for_every_downsampling(kind):
    net = SubsamplingLeNet(kind)
    assert net(torch.zeros(2, 1, 32, 32)).shape == (2, 10)
    assert net(torch.zeros(1, 1, 32, 64)).shape == (1, 10, 1, 9)
    assert net(torch.zeros(1, 1, 36, 36)).shape == (1, 10, 2, 2)


def test_walk_sizes_and_errors():
    net = SubsamplingLeNet()
    sizes = []
    hooks = [m.register_forward_hook(lambda m, i, o: sizes.append(o.shape[-1])) for m in (net.conv1, net.pool1, net.conv2, net.pool2, net.conv3)]
    net(torch.zeros(1, 1, 32, 32))
    for h in hooks:
        h.remove()
    assert sizes == [28, 14, 10, 5, 1]
    # maps (4, 16) and 10 classes: each conv has out x (in x 5 x 5 + 1) parameters, each 1990 layer a
    # coefficient and a bias per map
    conv = lambda c_in, c_out: c_out * (c_in * 5 * 5 + 1)  # noqa: E731
    expected = conv(1, 4) + 2 * 4 + conv(4, 16) + 2 * 16 + conv(16, 10)
    assert expected == 104 + 8 + 1_616 + 32 + 4_010 == 5_770
    assert count_parameters(net) == expected == sum(p.numel() for p in net.parameters())
    with pytest.raises(ValueError, match="cannot read images of shape"):
        predict(net, torch.zeros(1, 1, 28, 28))
