"""helpers.diagram: a net's diagram comes from the model object, so it changes when the model does."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import torch.nn as nn  # noqa: E402

from helpers.diagram import Box, draw_net, net_boxes  # noqa: E402
from helpers.lenet5 import LeNet5  # noqa: E402
from helpers.proto_cnns import Net5  # noqa: E402


def test_lenet5_reads_as_the_lecture_draws_it():
    assert net_boxes(LeNet5(), (1, 28, 28)) == [
        Box("input", "input", "1@28×28", 0),
        Box("conv", "conv 5×5\n1→20 maps", "20@24×24", 520),
        Box("pool", "max-pool 2", "20@12×12", 0),
        Box("conv", "conv 5×5\n20→50 maps", "50@8×8", 25_050),
        Box("pool", "max-pool 2", "50@4×4", 0),
        Box("fc", "fully connected\n800→500", "500", 400_500),
        Box("fc", "fully connected\n500→10", "10", 5_010),
    ]


def test_activations_and_unit_biases_join_the_box_before_them():
    boxes = net_boxes(nn.Sequential(nn.Conv2d(1, 2, 3, stride=2), nn.Tanh(), nn.Flatten(), nn.Linear(8, 3), nn.ReLU()),
                      (1, 5, 5))
    assert [b.label for b in boxes] == ["input", "conv 3×3, stride 2\n1→2 maps\n+ tanh", "flatten",
                                        "fully connected\n8→3\n+ relu"]
    net5 = net_boxes(Net5(), (1, 16, 16))
    assert [b.label for b in net5][1] == "conv 3×3, stride 2\n1→2 maps\n+ UnitBias"
    assert sum(b.params for b in net5) == sum(p.numel() for p in Net5().parameters())  # every parameter in a box


def test_the_diagram_follows_the_model():
    net = LeNet5()
    net.conv1 = nn.Conv2d(1, 6, 5)
    net.conv2 = nn.Conv2d(6, 50, 5)
    assert net_boxes(net, (1, 28, 28))[1] == Box("conv", "conv 5×5\n1→6 maps", "6@24×24", 156)


def test_draw_net_draws_a_box_per_layer_and_counts_the_parameters():
    fig = draw_net(LeNet5(), (1, 28, 28), title="LeNet5")
    ax = fig.axes[0]
    assert len([p for p in ax.patches if type(p).__name__ == "FancyBboxPatch"]) == 7
    assert len([p for p in ax.patches if type(p).__name__ == "FancyArrowPatch"]) == 6
    assert ax.get_title() == "LeNet5: 431,080 parameters"
    texts = {t.get_text() for t in ax.texts}
    assert {"20@24×24", "400,500 params", "max-pool 2"} <= texts


def test_draw_net_keeps_the_diagram_in_images(tmp_path, monkeypatch):
    import helpers.plots

    monkeypatch.setenv("CONVNETS_IMAGES", "1")
    monkeypatch.setattr(helpers.plots, "images_dir", lambda: tmp_path)
    draw_net(Net5(), (1, 16, 16), save="diagram_net5.png")
    assert (tmp_path / "diagram_net5.png").read_bytes()[:4] == b"\x89PNG"


def test_the_courses_own_layers_show_their_kernels_and_stride():
    from helpers.proto_cnns import Net3

    assert [b.label for b in net_boxes(Net3(), (1, 16, 16))][1:3] == [
        "LocallyConnected2d\n3×3 kernels, stride 2", "LocallyConnected2d\n5×5 kernels, stride 2"]
