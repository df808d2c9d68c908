"""Tests for helpers.anatomy: the forward-hook runner, the connection / parameter / multiply-add counter
and receptive fields, on plain layers, on the course's own layers and on nets whose counts are published."""

from __future__ import annotations

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from helpers.anatomy import (LayerCount, ReceptiveField, count_connections, format_counts, free_parameters,
                             layer_connections, pair, receptive_field, run_layers, totals, window_layers, zero_input)
from helpers.bell_labs import TableConv2d
from helpers.bell_labs_zipcode import Subsampling1990, cyclic_table
from helpers.lenet5 import LeNet5
from helpers.lenet5_1998 import C3_TABLE, MaskedConv2d
from helpers.proto_cnns import NETS, PAPER, LocallyConnected2d, Net5, UnitBias
from helpers.sliding_window import FullyConvLeNet, LeNet32
from helpers.sliding_window_reader import tiny_1d

# ---- pair -----------------------------------------------------------------------------------------

def test_pair_reads_an_int_or_a_pair_and_refuses_the_rest():
    assert pair(3, "kernel") == (3, 3) and pair((2, 5), "kernel") == (2, 5) and pair([1, 4], "stride") == (1, 4)
    assert pair(torch.Size([2, 2]), "size") == (2, 2)
    for bad in (0, -1, (2, 0), (1, 2, 3), (), 2.0, True, "2", None):
        with pytest.raises(ValueError, match="stride must be a positive int or a pair of positive ints like \\(2, 2\\)"):
            pair(bad, "stride")


# ---- run_layers -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def lenet():
    torch.manual_seed(0)
    return LeNet5().eval()


@pytest.fixture(scope="module")
def digits():
    return torch.rand(6, 1, 28, 28, generator=torch.Generator().manual_seed(0))


def test_run_layers_gives_each_leaf_output_in_call_order(lenet, digits):
    outs = run_layers(lenet, digits)
    assert [o.name for o in outs] == ["conv1", "pool1", "conv2", "pool2", "fc1", "fc2"]
    assert all(o.layer is dict(lenet.named_modules())[o.name] for o in outs)
    with torch.no_grad():
        c1 = lenet.conv1(digits)
        p2 = lenet.features(digits)
        logits = lenet.fc2(F.relu(lenet.fc1(p2.flatten(1))))
    got = {o.name: o.output for o in outs}
    torch.testing.assert_close(got["conv1"], c1)
    torch.testing.assert_close(got["pool2"], p2)
    torch.testing.assert_close(got["fc2"], logits)
    assert all(not o.output.requires_grad for o in outs)
    assert all(not m._forward_hooks for m in lenet.modules())  # hooks are removed


def test_run_layers_reads_named_layers_containers_included():
    net = nn.Sequential(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU()), nn.Flatten(), nn.Linear(2 * 4 * 4, 3))
    outs = run_layers(net, torch.rand(2, 1, 6, 6), ["2", "0", "0.0"])
    assert [o.name for o in outs] == ["0.0", "0", "2"]  # call order: a container ends after its layers
    assert outs[1].output.shape == (2, 2, 4, 4) and outs[1].output.min() >= 0


def test_a_layer_called_twice_appears_twice():
    act = nn.Tanh()
    net = nn.Sequential(nn.Linear(3, 4), act, nn.Linear(4, 4))
    net.append(act)  # the same module again
    outs = run_layers(net, torch.zeros(1, 3))
    assert [o.name for o in outs] == ["0", "1", "2", "1"]


def test_run_layers_restores_every_modules_mode_and_removes_hooks_after_a_failure(digits):
    model = LeNet5().train()
    model.conv1.eval()  # a mixed state, as when a learner freezes one layer
    run_layers(model, digits, ["conv1"])
    assert model.training and not model.conv1.training and model.fc1.training
    net = nn.Sequential(nn.Conv2d(1, 2, 5), nn.MaxPool2d(2), nn.Conv2d(2, 2, 5)).train()
    with pytest.raises(ValueError, match="does not fit this model after layer '1' \\(output \\(2, 3, 3\\)\\).*use a larger input"):
        run_layers(net, torch.zeros(1, 1, 10, 10))
    assert net.training and all(not m._forward_hooks for m in net.modules())


def test_run_layers_names_the_known_layers(lenet, digits):
    with pytest.raises(ValueError, match="No layer named 'conv3' in LeNet5; pick one of: conv1, pool1"):
        run_layers(lenet, digits, ["conv3"])


def test_zero_input_follows_the_models_dtype():
    assert zero_input(nn.Linear(3, 2).double(), (3,)).dtype == torch.float64
    x = zero_input(nn.ReLU(), (1, 4, 4))
    assert x.shape == (1, 1, 4, 4) and x.dtype == torch.float32 and not x.any()


# ---- counting -------------------------------------------------------------------------------------

class Scale(nn.Module):
    """A layer with a parameter and no rule for counting it."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.ones(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.w


def test_every_kind_of_layer_is_counted():
    table = cyclic_table(4, 4, 2)
    net = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),                        # 4x8x8, 9 + 1 per unit
        TableConv2d(table, 3, bias="map"),                     # 4x6x6, 2 maps x 9 + 1 per unit (its own connections())
        Subsampling1990(4),                                    # 4x3x3, 4 + 1 per unit (its own connections())
        LocallyConnected2d(4, 2, 3, 2, stride=1),              # 2x2x2, 4 x 2 x 2 + 1 per unit, a kernel per unit
        UnitBias((2, 2, 2)),                                   # one bias per unit, no new units
        nn.Flatten(), nn.Tanh(),
        nn.Unflatten(1, (2, 4)),
        nn.Conv1d(2, 4, 3, groups=2),                          # 4x2, 1 x 3 + 1 per unit
        nn.Flatten(), nn.Linear(8, 5),                         # 5, 8 + 1 per unit
    )
    rows = count_connections(net, (1, 8, 8))
    got = [(r.name, r.kind, r.shape, r.units, r.connections, r.parameters) for r in rows]
    assert got == [
        ("input", "", (1, 8, 8), 64, 0, 0),
        ("0", "Conv2d", (4, 8, 8), 256, 256 * 10, 4 * 9 + 4),
        ("1", "TableConv2d", (4, 6, 6), 144, 144 * 19, 8 * 9 + 4),
        ("2", "Subsampling1990", (4, 3, 3), 36, 36 * 5, 8),
        ("3", "LocallyConnected2d", (2, 2, 2), 8, 8 * 17, 8 * 16 + 8),
        ("4", "UnitBias", (2, 2, 2), 0, 8, 8),
        ("8", "Conv1d", (4, 2), 8, 8 * 4, 4 * 3 + 4),
        ("10", "Linear", (5,), 5, 5 * 9, 45),
    ]
    assert totals(rows) == {"units": 64 + 256 + 144 + 36 + 8 + 8 + 5, "connections": sum(r[4] for r in got),
                            "parameters": sum(r[5] for r in got)}
    assert totals(rows)["parameters"] == free_parameters(net) == sum(p.numel() for p in net.parameters())


def test_the_padded_border_counts_every_input_line():
    # a 3x3 kernel with padding 1: the border units read padding, and every unit still counts 9 lines + bias
    conv = nn.Conv2d(3, 4, 5, stride=2, padding=1)  # 16x16 -> 7x7
    assert count_connections(conv, (3, 16, 16))[1].connections == 4 * 7 * 7 * (3 * 25 + 1)
    padded = nn.Sequential(nn.ConstantPad2d(1, -1.0), nn.Conv2d(1, 1, 3, bias=False))
    assert totals(count_connections(padded, (1, 4, 4)))["connections"] == 16 * 9


def test_plain_layers_grouped_convolutions_and_no_bias():
    assert totals(count_connections(nn.Linear(256, 10), (256,)))["connections"] == 2570
    assert totals(count_connections(nn.Linear(256, 10, bias=False), (256,)))["connections"] == 2560
    grouped = nn.Conv2d(4, 6, 3, groups=2, bias=False)  # 8x8 -> 6x6, each output sees 2 channels
    assert totals(count_connections(grouped, (4, 8, 8)))["connections"] == 6 * 6 * 6 * (2 * 9)
    assert layer_connections(grouped, (6, 5, 5)) == 2 * 9 * 150
    assert layer_connections(nn.Conv3d(2, 3, 2), (3, 2, 2, 2)) == 24 * (2 * 8 + 1)
    assert layer_connections(nn.ReLU(), (3, 4, 4)) is None
    assert count_connections(nn.Sequential(nn.Tanh(), nn.Flatten()), (1, 4, 4)) == [LayerCount("input", "", (1, 4, 4), 16, 0, 0)]
    row = count_connections(nn.Linear(4, 3), (4,))[1]
    assert (row.name, row.connections, row.parameters) == ("Linear", 15, 15)  # a bare layer is named by its type


def test_biases_false_counts_the_multiplications_torch_counts():
    for model, shape in ((LeNet5(), (1, 28, 28)), (FullyConvLeNet(), (1, 32, 80)), (NETS["Net5"](), (1, 16, 16))):
        with FlopCounterMode(display=False) as counter:
            model(torch.zeros(1, *shape))
        assert totals(count_connections(model, shape, biases=False))["connections"] == counter.get_total_flops() // 2
    # a layer with its own connections() loses one bias line per unit
    assert count_connections(Subsampling1990(2), (2, 4, 4), biases=False)[1].connections == 2 * 2 * 2 * 4
    assert count_connections(UnitBias((1, 2, 2)), (1, 2, 2), biases=False)[1].connections == 0


@pytest.mark.parametrize("name", list(NETS))
def test_links_of_the_1989_nets_are_torch_multiplications_plus_biases(name):
    # An independent count: torch's FLOP counter (2 per multiply-add) plus one link per bias element
    # (each bias of these nets belongs to exactly one unit and is used once per forward pass).
    net = NETS[name]()
    with FlopCounterMode(display=False) as counter:
        net(torch.zeros(1, 1, 16, 16))
    biases = sum(p.numel() for n, p in net.named_parameters() if n.endswith("bias"))
    counted = totals(count_connections(net, (1, 16, 16)))
    assert counted["connections"] == counter.get_total_flops() // 2 + biases == PAPER[name][0]
    assert counted["parameters"] == PAPER[name][1]


def test_free_parameters_respect_requires_grad_and_a_layers_own_rule():
    c3 = MaskedConv2d(C3_TABLE)
    assert free_parameters(c3) == 1_516 < sum(p.numel() for p in c3.parameters())
    assert count_connections(nn.Sequential(c3), (6, 14, 14))[1].parameters == 1_516
    frozen = nn.Linear(4, 3)
    frozen.bias.requires_grad_(False)
    assert free_parameters(frozen) == 12 and count_connections(frozen, (4,))[1].connections == 15


def test_a_shared_layer_counts_its_connections_twice_and_its_parameters_once():
    shared = nn.Linear(4, 4)
    net = nn.Sequential(shared, nn.Tanh())
    net.append(shared)
    rows = count_connections(net, (4,))
    assert [(r.name, r.connections, r.parameters) for r in rows[1:]] == [("0", 20, 20), ("0", 20, 0)]


def test_count_connections_keeps_the_mode_and_refuses_what_it_cannot_count():
    net = NETS["Net3"]().train()
    count_connections(net, (1, 16, 16))
    assert net.training
    with pytest.raises(TypeError, match="does not know how BatchNorm1d multiplies; give it a method connections\\(out_shape\\)"):
        count_connections(nn.BatchNorm1d(4), (4,))
    with pytest.raises(TypeError, match="does not know how Scale"):
        count_connections(nn.Sequential(Scale()), (3,))


def test_format_counts_prints_the_rows_and_the_totals():
    rows = count_connections(NETS["Net4"](), (1, 16, 16))
    text = format_counts(rows).splitlines()
    assert text[0].split() == ["layer", "type", "output", "units", "connections", "parameters"]
    assert text[1].split() == ["input", "1x16x16", "256", "0", "0"]
    assert text[2].split() == ["conv1", "Conv2d", "2x8x8", "128", "1,152", "18"]
    assert text[-1].split() == ["total", "410", "2,266", "1,132"]
    assert len({len(line) for line in text}) == 1  # every column lines up, long names included


# ---- receptive fields -----------------------------------------------------------------------------

def test_receptive_field_of_kernel_stride_lists():
    assert receptive_field([(5, 1)]) == ReceptiveField(5, 1, 0)
    assert receptive_field([(5, 1), (2, 2), (5, 1)]) == ReceptiveField(14, 2)
    assert receptive_field([(5, 1), (2, 2), (5, 1), (2, 2)]) == ReceptiveField(16, 4)
    assert receptive_field([]) == ReceptiveField(1, 1)
    with pytest.raises(ValueError, match="kernel >= 1"):
        receptive_field([(0, 1)])


def test_receptive_field_of_models():
    assert receptive_field(tiny_1d()) == ReceptiveField(10, 4, 0)
    assert receptive_field(FullyConvLeNet()) == ReceptiveField(32, 4, 0)
    assert receptive_field(nn.Conv2d(1, 1, 3, padding=1)) == ReceptiveField(3, 1, -1)
    assert receptive_field(nn.Sequential(nn.Conv1d(1, 1, 3, dilation=2), nn.MaxPool1d(2))) == ReceptiveField(6, 2)
    assert [(w.name, w.kind, w.kernel, w.stride) for w in window_layers(tiny_1d())] == [
        ("0", "Conv1d", 3, 1), ("1", "MaxPool1d", 2, 2), ("2", "Conv1d", 3, 1), ("3", "MaxPool1d", 2, 2)]


def test_receptive_field_refuses_what_it_cannot_compute():
    with pytest.raises(ValueError, match="fully_convolutional"):
        receptive_field(LeNet32())
    with pytest.raises(ValueError, match="square fields.*kernel_size \\(3, 5\\)"):
        receptive_field(nn.Conv2d(1, 1, (3, 5)))
    with pytest.raises(ValueError, match="padding 'same'"):
        receptive_field(nn.Conv2d(1, 1, 3, padding="same"))
    with pytest.raises(ValueError, match="no convolution or pooling"):
        receptive_field(nn.Sequential(nn.ReLU()))


def test_net5_units_see_exactly_their_receptive_field():
    # Net-5 up to H2 pads the 16x16 digit (1 before), reads 3x3 at stride 2, pads again (1 before), reads 5x5 at stride 2
    net = Net5()
    trunk = nn.Sequential(nn.ConstantPad2d((1, 0, 1, 0), -1.0), net.conv1, net.bias1, nn.Tanh(),
                          nn.ConstantPad2d((1, 2, 1, 2), 0.0), net.conv2, net.bias2, nn.Tanh()).double()
    rf = receptive_field(trunk)
    assert rf == ReceptiveField(11, 4, -3)
    torch.manual_seed(0)
    x = torch.rand(1, 1, 16, 16, dtype=torch.float64, requires_grad=True)
    for i, j in ((0, 0), (1, 2), (3, 3)):
        (grad,) = torch.autograd.grad(trunk(x)[0, 0, i, j], x)
        rows, cols = torch.nonzero(grad[0, 0], as_tuple=True)
        top, left = i * rf.stride + rf.offset, j * rf.stride + rf.offset
        assert (int(rows.min()), int(rows.max())) == (max(top, 0), min(top + rf.size, 16) - 1)
        assert (int(cols.min()), int(cols.max())) == (max(left, 0), min(left + rf.size, 16) - 1)


# ---- written against mutmut's survivors (`make mutants`, DEVELOPERS.md "Mutation testing") ----------

def test_count_parameters_counts_what_training_changes():
    from helpers.anatomy import count_parameters

    layer = nn.Linear(3, 2)
    assert count_parameters(layer) == 8
    layer.weight.requires_grad_(False)
    assert count_parameters(layer) == 2 and count_parameters(nn.ReLU()) == 0


def test_layer_connections_reads_a_layers_own_parameters_only():
    # a container has none of its own: count_connections counts its layers one by one
    assert layer_connections(nn.Sequential(nn.Linear(3, 2)), (2,)) is None
    assert layer_connections(nn.Linear(3, 2), (2,)) == 8


def test_format_counts_columns_fit_the_names_and_types():
    from collections import OrderedDict

    class AVeryLongCustomLinearLayer(nn.Linear):
        pass

    short = format_counts(count_connections(nn.Sequential(OrderedDict(fc=nn.Linear(4, 3))), (4,)))
    assert short.splitlines() == [
        "layer   type              output         units   connections  parameters",
        "input                     4                  4             0           0",
        "fc      Linear            3                  3            15          15",
        "total                                        7            15          15",
    ]
    long = format_counts(count_connections(nn.Sequential(OrderedDict(a_rather_long_layer_name=AVeryLongCustomLinearLayer(4, 3))), (4,)))
    assert long.splitlines() == [
        "layer                     type                        output         units   connections  parameters",
        "input                                                 4                  4             0           0",
        "a_rather_long_layer_name  AVeryLongCustomLinearLayer  3                  3            15          15",
        "total                                                                    7            15          15",
    ]


def test_padding_layers_widen_the_field_by_their_left_and_top_padding():
    from helpers.anatomy import Window

    # (left, right, top, bottom): only left and top move the field; they must agree
    padded = nn.Sequential(nn.ZeroPad2d((2, 9, 2, 7)), nn.Conv2d(1, 1, 3))
    assert window_layers(padded) == [Window("0", "ZeroPad2d", 1, 1, 2), Window("1", "Conv2d", 3, 1, 0)]
    assert receptive_field(padded) == ReceptiveField(3, 1, -2)
    with pytest.raises(ValueError, match=r"layer '0' has padding \(2, 3\)"):
        window_layers(nn.Sequential(nn.ZeroPad2d((2, 0, 3, 0)), nn.Conv2d(1, 1, 3)))
    assert window_layers(nn.Sequential(nn.ConstantPad1d((3, 1), 0.0))) == [Window("0", "ConstantPad1d", 1, 1, 3)]


def test_a_layer_with_a_kernel_size_alone_strides_by_its_kernel():
    from helpers.anatomy import Window

    class Blur(nn.Module):  # built like a pooling: a kernel_size, no stride, dilation or padding attribute
        kernel_size = 3

        def forward(self, x):
            return F.avg_pool2d(x, 3)

    assert window_layers(nn.Sequential(Blur())) == [Window("0", "Blur", 3, 3, 0)]
    assert receptive_field(nn.Sequential(Blur(), Blur())) == ReceptiveField(9, 9, 0)


@pytest.mark.parametrize("layer, what", [
    (nn.Conv2d(1, 1, (3, 5)), r"kernel_size \(3, 5\)"),
    (nn.Conv2d(1, 1, 3, stride=(1, 2)), r"stride \(1, 2\)"),
    (nn.Conv2d(1, 1, 3, dilation=(1, 2)), r"dilation \(1, 2\)"),
    (nn.Conv2d(1, 1, 3, padding=(1, 2)), r"padding \(1, 2\)"),
])
def test_a_non_square_layer_is_named_with_what_is_not_square(layer, what):
    from collections import OrderedDict

    with pytest.raises(ValueError, match=f"layer 'conv' has {what}"):
        receptive_field(nn.Sequential(OrderedDict(conv=layer)))


def test_one_by_one_kernels_are_layers_too():
    assert receptive_field([(1, 1)]) == ReceptiveField(1, 1)
    assert receptive_field([(1, 1), (3, 2), (1, 1)]) == ReceptiveField(3, 2)


def test_run_layers_leaves_a_weightless_models_batch_where_it_is():
    outputs = run_layers(nn.Sequential(nn.ReLU(), nn.Flatten()), torch.zeros(2, 3, 4, device="meta"))
    assert [o.output.device.type for o in outputs] == ["meta", "meta"]


def test_run_layers_says_when_the_first_layer_already_fails():
    with pytest.raises(ValueError, match="does not fit this model at its first layer"):
        run_layers(nn.Sequential(nn.Linear(5, 2)), torch.zeros(1, 3))


def test_a_module_with_a_connections_method_is_counted_as_a_whole():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = nn.Linear(3, 2)

        def forward(self, x):
            return self.inner(x)

        def connections(self, out_shape):
            return 100

    rows = count_connections(nn.Sequential(Block()), (3,))
    assert [(r.name, r.kind, r.units, r.connections, r.parameters) for r in rows[1:]] == [("0", "Block", 2, 100, 8)]


def test_count_connections_names_nested_layers_by_their_path():
    net = nn.Sequential(nn.Sequential(nn.Linear(4, 3), nn.Tanh()), nn.Linear(3, 2))
    rows = count_connections(net, (4,))
    assert [r.name for r in rows] == ["input", "0.0", "1"]
