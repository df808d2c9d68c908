"""Tests for LeNet-5 as published in 1998: helpers.lenet5_1998's layers, Table I and counts, and 04's own
`LeNet1998` (written in the notebook, exported to helpers.lenet5)."""

import re

import pytest
import torch
import torch.nn.functional as F

from helpers.anatomy import count_connections, count_parameters, totals
from helpers.data import resize
from helpers.lenet5 import LeNet1998
from helpers.lenet5_1998 import (WHITE_LEVEL, C3_INPUTS, C3_TABLE, BLACK_LEVEL, LAYERS, PAPER_COUNTS, PAPER_TOTALS, A,
                                 EuclideanRBF, MaskedConv2d, S, Subsampling, init_appendix_a,
                                 mse_loss, pad_to_32, squash)
from helpers.train import accuracy, fit

# Table I as printed: one row per S2 map, one column per C3 map (0..15), X where they connect.
TABLE_I = (
    "X...XXX..XXXX.XX",
    "XX...XXX..XXXX.X",
    "XXX...XXX..X.XXX",
    ".XXX..XXXX..X.XX",
    "..XXX..XXXX.XX.X",
    "...XXX..XXXX.XXX",
)
REMEDY = re.compile(r"\b(use|pass|load|add|convert|pad|build|give)\b", re.I)


def one_clear_sentence(message: str) -> bool:
    return "\n" not in message and message.endswith(".") and bool(REMEDY.search(message)) and len(message) < 300


def states(model, x):
    """What C1 reads (the input at the paper's levels) and every layer's output, in call order, by forward hooks."""
    out = {}
    hooks = [model.C1.register_forward_pre_hook(lambda m, args: out.setdefault("input", args[0]))]
    hooks += [getattr(model, name).register_forward_hook(lambda m, args, o, name=name: out.setdefault(name, o))
              for name in LAYERS]
    try:
        model(x)
    finally:
        for h in hooks:
            h.remove()
    return out


def test_shapes_at_every_layer():
    got = states(LeNet1998(), torch.rand(3, 1, 32, 32))
    assert list(got) == ["input", *LAYERS]
    assert {k: tuple(v.shape) for k, v in got.items()} == {
        "input": (3, 1, 32, 32), "C1": (3, 6, 28, 28), "S2": (3, 6, 14, 14), "C3": (3, 16, 10, 10),
        "S4": (3, 16, 5, 5), "C5": (3, 120, 1, 1), "F6": (3, 84), "output": (3, 10)}
    assert LeNet1998()(torch.rand(3, 1, 32, 32)).shape == (3, 10)


def test_input_levels_are_the_papers():
    x = torch.zeros(1, 1, 32, 32)
    x[0, 0, 10, 10] = 1.0
    levels = states(LeNet1998(), x)["input"]
    assert levels.min().item() == pytest.approx(WHITE_LEVEL) and levels.max().item() == pytest.approx(BLACK_LEVEL)
    assert (WHITE_LEVEL, BLACK_LEVEL) == (-0.1, 1.175)


def test_c3_table_is_table_one():
    assert C3_TABLE.shape == (16, 6) and C3_TABLE.dtype == torch.bool
    drawn = ["".join("X" if C3_TABLE[j, i] else "." for j in range(16)) for i in range(6)]
    assert tuple(drawn) == TABLE_I
    assert int(C3_TABLE.sum()) == 60  # 60 connections between S2 and C3 maps
    assert C3_TABLE.sum(1).tolist() == [3] * 6 + [4] * 9 + [6]  # maps read by each C3 map
    assert C3_TABLE.sum(0).tolist() == [10] * 6  # every S2 map feeds 10 C3 maps
    assert [tuple(row.nonzero().flatten().tolist()) for row in C3_TABLE] == list(C3_INPUTS)


def test_c3_table_follows_the_papers_rationale():
    def contiguous(maps: tuple[int, ...]) -> bool:  # a run of neighbouring S2 maps, wrapping around 5 -> 0
        return any(set(maps) == {(start + k) % 6 for k in range(len(maps))} for start in range(6))

    groups = [C3_INPUTS[:6], C3_INPUTS[6:12], C3_INPUTS[12:15], C3_INPUTS[15:]]
    assert all(len(m) == 3 and contiguous(m) for m in groups[0]) and len(set(groups[0])) == 6
    assert all(len(m) == 4 and contiguous(m) for m in groups[1]) and len(set(groups[1])) == 6
    assert all(len(m) == 4 and not contiguous(m) for m in groups[2])
    assert groups[3] == ((0, 1, 2, 3, 4, 5),)


def test_layer_counts_equal_the_papers():
    rows = count_connections(LeNet1998(), (1, 32, 32))[1:]
    assert [r.name for r in rows] == list(LAYERS) == list(PAPER_COUNTS)
    for r in rows:
        paper = PAPER_COUNTS[r.name]
        assert (r.parameters, r.connections) == (paper["parameters"], paper["connections"]), r.name
    assert [r.shape for r in rows] == [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (120, 1, 1), (84,), (10,)]


def test_totals_equal_the_papers():
    counted = totals(count_connections(LeNet1998(), (1, 32, 32)))
    assert (counted["parameters"], counted["connections"]) == (60_000, 340_908)
    assert (counted["parameters"], counted["connections"]) == (PAPER_TOTALS["parameters"], PAPER_TOTALS["connections"])
    # the per-layer figures add up to the printed totals (the output layer's 840 connections included)
    assert sum(c["parameters"] for c in PAPER_COUNTS.values()) == PAPER_TOTALS["parameters"]
    assert sum(c["connections"] for c in PAPER_COUNTS.values()) == PAPER_TOTALS["connections"]
    assert all(c["page"] in (2284, 2285) for c in PAPER_COUNTS.values())


def test_counts_come_from_the_model():
    model = LeNet1998()
    # a naive count sees the 36 masked 5x5 kernels of C3 as parameters: 900 too many
    assert count_parameters(model) == 60_000 + (96 - 60) * 25
    model.C3 = MaskedConv2d(torch.ones(16, 6, dtype=torch.bool))  # C3 fully connected, as modern LeNets do
    c3 = count_connections(model, (1, 32, 32))[3]
    assert (c3.name, c3.parameters, c3.connections) == ("C3", 16 * (150 + 1), 16 * (150 + 1) * 100) == ("C3", 2_416, 241_600)


def test_masked_c3_equals_a_loop_over_the_table():
    gen = torch.Generator().manual_seed(0)
    layer = MaskedConv2d(C3_TABLE)
    x = torch.randn(2, 6, 14, 14, generator=gen)
    ref = torch.stack([F.conv2d(x[:, list(maps)], layer.weight[j:j + 1, list(maps)], layer.bias[j:j + 1])[:, 0]
                       for j, maps in enumerate(C3_INPUTS)], dim=1)
    assert torch.allclose(layer(x), ref, atol=1e-5)
    assert (layer.weight[~C3_TABLE] == 0).all()


@pytest.mark.parametrize("make_optimizer", [
    lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-3),
    lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=1e-3),
    lambda p: torch.optim.AdamW(p, lr=0.01),
], ids=["sgd", "adam", "adamw"])
def test_masked_c3_weights_stay_zero_after_optimizer_steps(make_optimizer):
    torch.manual_seed(0)
    model = LeNet1998()
    opt = make_optimizer(model.parameters())
    x, y = torch.rand(8, 1, 32, 32), torch.randint(0, 10, (8,))
    for _ in range(3):
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        assert (model.C3.weight.grad[~C3_TABLE] == 0).all()  # the gradient is masked
        assert model.C3.weight.grad[C3_TABLE].abs().sum() > 0
        opt.step()
    assert (model.C3.weight[~C3_TABLE] == 0).all()
    assert (model.C3.weight[C3_TABLE] != 0).all()


def test_subsampling_adds_four_inputs_times_coefficient_plus_bias():
    layer = Subsampling(2)
    with torch.no_grad():
        layer.coefficient.copy_(torch.tensor([0.5, -2.0]))
        layer.bias.copy_(torch.tensor([0.1, 0.3]))
    x = torch.randn(3, 2, 4, 6)
    total = x.unfold(2, 2, 2).unfold(3, 2, 2).sum((-1, -2))  # (3, 2, 2, 3): the 2x2 sums
    expected = squash(total * torch.tensor([0.5, -2.0])[:, None, None] + torch.tensor([0.1, 0.3])[:, None, None])
    assert torch.allclose(layer(x), expected, atol=1e-6)
    assert sum(p.numel() for p in layer.parameters()) == 4


def test_squash_is_the_scaled_tanh():
    assert (A, S) == (1.7159, 2.0 / 3.0)
    a = torch.tensor([-1.0, 0.0, 1.0, 30.0])
    assert torch.allclose(squash(a), torch.tensor([-1.0, 0.0, 1.0, 1.7159]), atol=1e-4)  # f(1) = 1, f(-1) = -1


def test_output_is_a_fixed_rbf_layer():
    model = LeNet1998()
    protos = model.output.prototypes
    assert protos.shape == (10, 84) and set(protos.unique().tolist()) == {-1.0, 1.0}
    assert "output.prototypes" in model.state_dict() and not any(n.startswith("output") for n, _ in model.named_parameters())
    assert torch.equal(LeNet1998().output.prototypes, protos)  # fixed codes: every net gets the same
    assert not torch.equal(EuclideanRBF(84, 10, seed=7).prototypes, protos)
    x = torch.rand(4, 1, 32, 32)
    got = states(model, x)
    f6 = squash(got["F6"])
    y = torch.stack([((f6 - p) ** 2).sum(1) for p in protos], dim=1)  # y_i = sum_j (x_j - w_ij)^2
    assert torch.allclose(got["output"], y, atol=1e-4)
    assert torch.allclose(model(x), -y, atol=1e-4)  # scores are minus the penalties
    assert EuclideanRBF().connections((10,)) == 840


def test_losses():
    gen = torch.Generator().manual_seed(0)
    scores = -torch.rand(5, 10, generator=gen) * 50  # minus penalties
    labels = torch.tensor([0, 3, 9, 2, 2])
    penalties = -scores
    assert torch.allclose(mse_loss(scores, labels), penalties[range(5), labels].mean())  # eq. 8


def test_initialisation_follows_appendix_a():
    model = LeNet1998()
    for layer, fan_in in ((model.C1, 25), (model.C5, 400), (model.F6, 120)):
        assert layer.weight.abs().max() <= 2.4 / fan_in and layer.weight.abs().max() > 0.5 * 2.4 / fan_in
    bound = (2.4 / model.C3.fan_in())[:, None, None, None]
    assert (model.C3.weight.abs() <= bound).all()
    for layer in (model.S2, model.S4):
        assert layer.coefficient.abs().max() <= 0.6
    a, b = LeNet1998(), LeNet1998()
    assert not torch.equal(a.C1.weight, b.C1.weight)
    init_appendix_a(a, torch.Generator().manual_seed(3))
    init_appendix_a(b, torch.Generator().manual_seed(3))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_pad_to_32():
    x = torch.rand(2, 1, 28, 28)
    y = pad_to_32(x)
    assert y.shape == (2, 1, 32, 32)
    assert torch.equal(y[:, :, 2:30, 2:30], x) and y.sum() == x.sum()
    assert torch.equal(y, resize(x, 32))  # the same frame as load_digits(size=32)


@pytest.mark.parametrize("shape", [(2, 28, 28), (2, 1, 32, 32), (1, 28, 28, 1)])
def test_pad_to_32_bad_shapes(shape):
    with pytest.raises(ValueError, match=r"pad_to_32 expects digits of shape \(N, 1, 28, 28\)") as info:
        pad_to_32(torch.rand(shape))
    assert one_clear_sentence(str(info.value))


def test_trains_with_helpers_fit():
    gen = torch.Generator().manual_seed(0)
    x, y = torch.rand(64, 1, 32, 32, generator=gen), torch.randint(0, 10, (64,), generator=gen)
    model = LeNet1998()
    history = fit(model, (x, y), epochs=2, lr=1e-3, optimizer="adam", batch_size=16, loss_fn=mse_loss,
                  progress=False, device="cpu")
    assert history.loss[1] < history.loss[0]
    # accuracy reads the scores' argmax, which is the paper's rule: the class with the smallest RBF penalty
    with torch.no_grad():
        smallest_penalty = states(model.eval(), x)["output"].argmin(1)
    expected = 100.0 * (smallest_penalty == y).float().mean().item()
    assert accuracy(model, (x, y), device="cpu") == pytest.approx(expected) == history.train_accuracy[-1]
    wrong = (smallest_penalty + 1) % 10  # every label replaced by one the net does not pick
    assert accuracy(model, (x, wrong), device="cpu") == 0.0
    assert (model.C3.weight[~C3_TABLE] == 0).all()
