"""01's nets and layers, as the notebook writes them (helpers/proto_cnns.py is their #@save export)."""

import pytest
import torch
import torch.nn.functional as F

from helpers.anatomy import count_connections, count_parameters, totals
from helpers.proto_cnns import NETS, PAPER, LocallyConnected2d, Net4, Net5, UnitBias, train_epoch
from helpers.train import fit


def links(net) -> int:
    """Net-1 to Net-5's links for one 16x16 digit."""
    return totals(count_connections(net, (1, 16, 16)))["connections"]


def loop_locally_connected(x, weight, bias, stride):
    """The layer written as plainly as possible: one dot product per output unit."""
    n = x.shape[0]
    c_out, h_out, w_out, _, kh, kw = weight.shape
    sh = sw = stride
    out = torch.zeros(n, c_out, h_out, w_out, dtype=x.dtype)
    for o in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                patch = x[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw]  # (N, C, kh, kw)
                out[:, o, i, j] = (patch * weight[o, i, j]).sum(dim=(1, 2, 3))
                out[:, o, i, j] += bias[o, i, j]
    return out


@pytest.mark.parametrize(
    "c_in, c_out, size, kernel, stride, side",
    [(1, 1, 17, 3, 2, 8), (2, 1, 11, 5, 2, 4), (3, 4, 9, 3, 3, 3), (2, 3, 6, 1, 1, 6), (1, 2, 8, 4, 2, 3)],
)
def test_locally_connected_matches_a_loop(c_in, c_out, size, kernel, stride, side):
    torch.manual_seed(1)
    layer = LocallyConnected2d(c_in, c_out, size, kernel, stride=stride).double()
    x = torch.randn(4, c_in, size, size, dtype=torch.float64)
    expected = loop_locally_connected(x, layer.weight, layer.bias, stride)
    got = layer(x)
    assert layer.n == side and got.shape == expected.shape == (4, c_out, side, side)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)


def test_locally_connected_with_one_kernel_everywhere_is_a_convolution():
    torch.manual_seed(2)
    layer = LocallyConnected2d(2, 3, 11, 5, stride=2).double()
    kernel = torch.randn(3, 2, 5, 5, dtype=torch.float64)
    b = torch.randn(3, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(kernel[:, None, None].expand_as(layer.weight))
        layer.bias.copy_(b[:, None, None].expand_as(layer.bias))
    x = torch.randn(5, 2, 11, 11, dtype=torch.float64)
    torch.testing.assert_close(layer(x), F.conv2d(x, kernel, b, stride=2))


def test_locally_connected_units_do_not_share_weights():
    torch.manual_seed(3)
    layer = LocallyConnected2d(1, 1, 8, 3, stride=1)
    x = torch.randn(2, 1, 8, 8)
    layer(x)[0, 0, 2, 4].backward()
    used = layer.weight.grad.abs().sum(dim=(0, 3, 4, 5))  # (h_out, w_out)
    assert torch.nonzero(used).tolist() == [[2, 4]]
    assert layer.bias.grad[0, 2, 4] == 1 and layer.bias.grad.sum() == 1


def test_locally_connected_parameter_counts():
    layer = LocallyConnected2d(2, 1, 11, 5, stride=2)
    assert layer.n == 4
    assert count_parameters(layer) == 16 * (2 * 25 + 1)


def test_unit_bias_gives_every_unit_its_own_bias():
    ub = UnitBias((2, 3, 3))
    x = torch.zeros(4, 2, 3, 3)
    torch.testing.assert_close(ub(x), ub.bias.expand(4, 2, 3, 3))
    assert len(set(ub.bias.flatten().tolist())) == 18  # 18 units, 18 different starting biases


@pytest.mark.parametrize("name", list(NETS))
def test_nets_match_the_paper_counts_and_shapes(name):
    net = NETS[name]()
    links, weights, _ = PAPER[name]
    assert totals(count_connections(net, (1, 16, 16)))["connections"] == links
    assert count_parameters(net) == weights
    out = net(torch.zeros(3, 1, 16, 16))
    assert out.shape == (3, 10)


def test_shared_weights_mean_fewer_parameters_than_links():
    for net in (Net4(), Net5()):
        assert count_parameters(net) < links(net)
    assert Net4().conv1.weight.shape == (2, 1, 3, 3) and Net5().conv2.weight.shape == (4, 2, 5, 5)


def test_count_connections_knows_a_learners_net_built_from_01s_layers():
    """A learner's Net-6 made of 01's classes is counted, not refused; an unknown layer is refused."""
    import torch.nn as nn

    net = nn.Sequential(LocallyConnected2d(1, 1, in_size=16, kernel_size=4, stride=4), UnitBias((1, 4, 4)),
                        nn.Flatten(), nn.Linear(16, 10))
    assert links(net) == 16 * (16 + 1) + 16 + 10 * 17
    with pytest.raises(TypeError, match="does not know"):
        count_connections(nn.LayerNorm(16), (16,))


def test_train_epoch_is_the_loop_fit_runs():
    """01's loop and fit, with the same seed, optimizer and data, give the same batch losses and weights."""
    gen = torch.Generator().manual_seed(0)
    data = (torch.rand(100, 1, 16, 16, generator=gen) * 2 - 1, torch.randint(0, 10, (100,), generator=gen))
    nets = []
    for _ in range(2):
        torch.manual_seed(0)
        nets.append(Net5())
    mine, theirs = nets
    losses = train_epoch(mine, torch.optim.SGD(mine.parameters(), lr=0.1, momentum=0.9), data, batch_size=32,
                         generator=torch.Generator().manual_seed(3))
    history = fit(theirs, data, epochs=1, lr=0.1, momentum=0.9, batch_size=32, seed=3, train_accuracy=False,
                  device="cpu", progress=False)
    assert len(losses) == 4 and torch.allclose(torch.tensor(losses), torch.tensor(history.batch_loss), atol=1e-6)
    assert all(torch.allclose(p, q, atol=1e-6) for p, q in zip(mine.parameters(), theirs.parameters()))


def test_train_epoch_lowers_the_loss():
    gen = torch.Generator().manual_seed(1)
    data = (torch.rand(64, 1, 16, 16, generator=gen) * 2 - 1, torch.randint(0, 10, (64,), generator=gen))
    torch.manual_seed(0)
    net = NETS["Net1"]()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    epochs = [train_epoch(net, optimizer, data, batch_size=16, generator=gen) for _ in range(30)]
    assert sum(epochs[-1]) < 0.5 * sum(epochs[0])
