"""The nets that notebooks 01 and 08 write in the open equal the helpers' copies.

01_proto_cnns defines the five 1989 nets (and the locally connected layer, written with `unfold`)
in its cells; 08_what_convnets_are_good_for defines the FC net and the ConvNet of the
permuted-pixel experiment. `helpers.proto` and `helpers.locality` keep the same nets for the
exercise checks. Here the class definitions are taken from the notebooks' cells (with nbformat and
ast, without running the rest of the notebook) and compared with the helpers': same parameter
counts, same connection counts, the same weights from the same seed, the same outputs and
gradients for the same weights.
"""

from __future__ import annotations

import ast
import math
from pathlib import Path

import nbformat
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers import locality, proto
from helpers.anatomy import count_connections, count_parameters, totals
from helpers.shapes import trace
from helpers.train import set_seed

ROOT = Path(__file__).resolve().parent.parent
NB01 = ROOT / "notebooks" / "01_proto_cnns.ipynb"
NB08 = ROOT / "notebooks" / "08_what_convnets_are_good_for.ipynb"


def links_of(model: nn.Module, shape: tuple[int, ...]) -> int:
    """All connections of `model` for one input of `shape`, biases included (the 1989 links)."""
    return totals(count_connections(model, shape))["connections"]


def code_cells(path: Path) -> list[str]:
    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def definitions(path: Path, names: set[str]) -> dict[str, object]:
    """Run the notebook's code cells that define any of `names` (cells made only of class
    definitions and assignments) and return the namespace they build."""
    namespace: dict[str, object] = {"math": math, "torch": torch, "nn": nn, "F": F}
    found: set[str] = set()
    for source in code_cells(path):
        if "class " not in source:  # also skips the Colab setup cell, whose !pip line is not Python
            continue
        tree = ast.parse(source)
        defined = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
        if not defined & names:
            continue
        assert all(isinstance(node, (ast.ClassDef, ast.Assign)) for node in tree.body), \
            f"the cell defining {sorted(defined)} should hold only definitions"
        exec(compile(tree, f"{path.name}:{sorted(defined)}", "exec"), namespace)
        found |= defined
    assert names <= found, f"{path.name} no longer defines {sorted(names - found)}"
    return namespace


@pytest.fixture(scope="module")
def nb01() -> dict[str, object]:
    return definitions(NB01, {"LocallyConnected2d", "UnitBias", "Net1", "Net2", "Net3", "Net4", "Net5"})


@pytest.fixture(scope="module")
def nb08() -> dict[str, object]:
    return definitions(NB08, {"FCNet", "SmallConvNet"})


def same_weights(a: nn.Module, b: nn.Module) -> bool:
    pa, pb = list(a.parameters()), list(b.parameters())
    return len(pa) == len(pb) and all(x.shape == y.shape and torch.equal(x, y) for x, y in zip(pa, pb))


def copy_weights(source: nn.Module, target: nn.Module) -> None:
    """Copy parameters in creation order (the two versions name them differently)."""
    with torch.no_grad():
        for s, t in zip(source.parameters(), target.parameters(), strict=True):
            t.copy_(s)


def randomise(model: nn.Module, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.3)


def assert_same_function(ours: nn.Module, theirs: nn.Module, x: torch.Tensor) -> None:
    """Same outputs, and the same gradients for every parameter (so training moves both alike)."""
    out_ours, out_theirs = ours(x), theirs(x)
    torch.testing.assert_close(out_ours, out_theirs, rtol=0, atol=1e-6)
    out_ours.square().sum().backward()
    out_theirs.square().sum().backward()
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        torch.testing.assert_close(p.grad, q.grad, rtol=1e-5, atol=1e-6)


# ---- 01_proto_cnns ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(proto.NETS))
def test_01_nets_equal_helpers_proto(nb01, name):
    Ours, Theirs = nb01[name], proto.NETS[name]
    links, weights, _ = proto.PAPER[name]
    assert count_parameters(Ours()) == count_parameters(Theirs()) == weights
    assert links_of(Ours(), (1, 16, 16)) == links_of(Theirs(), (1, 16, 16)) == links
    x = torch.rand(5, 1, 16, 16, generator=torch.Generator().manual_seed(1)) * 2 - 1
    for seed in (0, 3):  # the same seed gives the same initial weights, hence the same training
        set_seed(seed)
        ours = Ours()
        set_seed(seed)
        theirs = Theirs()
        assert same_weights(ours, theirs)
        assert_same_function(ours, theirs, x)
    ours, theirs = Ours(), Theirs()  # any weights: copy one net's into the other
    randomise(theirs, 7)
    copy_weights(theirs, ours)
    assert_same_function(ours, theirs, x)


def test_01_notebook_nets_are_the_ones_named_in_its_table(nb01):
    assert list(nb01["NETS"]) == list(proto.NETS)
    assert all(nb01["NETS"][name] is nb01[name] for name in proto.NETS)


@pytest.mark.parametrize("channels, size, kernel, stride", [(1, 17, 3, 2), (2, 11, 5, 2), (3, 9, 3, 1)])
def test_01_locally_connected_layer_equals_the_helpers(nb01, channels, size, kernel, stride):
    ours = nb01["LocallyConnected2d"](channels, 2, in_size=size, kernel_size=kernel, stride=stride)
    theirs = proto.LocallyConnected2d(channels, 2, in_size=size, kernel_size=kernel, stride=stride)
    assert [p.shape for p in ours.parameters()] == [p.shape for p in theirs.parameters()]
    shape = (channels, size, size)
    assert links_of(ours, shape) == links_of(theirs, shape)
    copy_weights(theirs, ours)
    assert_same_function(ours, theirs, torch.randn(4, *shape, generator=torch.Generator().manual_seed(2)))


def test_01_unit_bias_equals_the_helpers(nb01):
    set_seed(0)
    ours = nb01["UnitBias"]((2, 3, 3))
    set_seed(0)
    theirs = proto.UnitBias((2, 3, 3))
    assert same_weights(ours, theirs)
    assert links_of(ours, (2, 3, 3)) == links_of(theirs, (2, 3, 3)) == 18
    assert_same_function(ours, theirs, torch.randn(4, 2, 3, 3))


def test_01_count_connections_knows_layers_written_like_the_notebooks(nb01):
    # A learner's Net-6 built from the notebook's classes is counted, not refused.
    net = nn.Sequential(nb01["LocallyConnected2d"](1, 1, in_size=16, kernel_size=4, stride=4), nb01["UnitBias"]((1, 4, 4)),
                        nn.Flatten(), nn.Linear(16, 10))
    assert links_of(net, (1, 16, 16)) == 16 * (16 + 1) + 16 + 10 * 17
    with pytest.raises(TypeError, match="does not know"):
        count_connections(nn.LayerNorm(16), (16,))


def imported_from(path: Path, module: str) -> set[str]:
    """The names a notebook's code cells import from `module` (cells with IPython syntax are skipped)."""
    names: set[str] = set()
    for source in code_cells(path):
        try:
            tree = ast.parse(source)
        except SyntaxError:  # the Colab setup cell's !pip line
            continue
        names |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module == module
                  for alias in node.names}
    return names


def test_01_uses_its_own_nets():
    assert not imported_from(NB01, "helpers.proto") & {"NETS", "LocallyConnected2d", "UnitBias", "Net1", "Net2", "Net3", "Net4", "Net5"}


# ---- 08_what_convnets_are_good_for --------------------------------------------------------------

@pytest.mark.parametrize("name, kwargs", [("FCNet", {}), ("FCNet", {"hidden": 20}), ("SmallConvNet", {}),
                                          ("SmallConvNet", {"maps": 12}), ("SmallConvNet", {"maps": 4, "hidden": 30})])
def test_08_nets_equal_helpers_locality(nb08, name, kwargs):
    Ours, Theirs = nb08[name], getattr(locality, name)
    assert count_parameters(Ours(**kwargs)) == count_parameters(Theirs(**kwargs))
    x = torch.randn(3, 1, 28, 28, generator=torch.Generator().manual_seed(4))
    set_seed(0)
    ours = Ours(**kwargs)
    set_seed(0)
    theirs = Theirs(**kwargs)
    assert same_weights(ours, theirs)
    assert_same_function(ours, theirs, x)
    # the same layer names, so the notebook's trace and the stationarity/compositionality cells read alike
    assert [(r.name, r.kind, r.shape, r.params) for r in trace(ours, (1, 28, 28), show=False)] == \
           [(r.name, r.kind, r.shape, r.params) for r in trace(theirs, (1, 28, 28), show=False)]


def test_08_parameter_counts_are_the_nyu_nets(nb08):
    assert (count_parameters(nb08["FCNet"]()), count_parameters(nb08["SmallConvNet"]())) == (6442, 6422)


def test_08_convnet_stages_equal_the_helpers(nb08):
    ours, theirs = nb08["SmallConvNet"](), locality.SmallConvNet()
    copy_weights(theirs, ours)
    x = torch.randn(2, 1, 28, 28, generator=torch.Generator().manual_seed(5))
    a, b = ours.layers(x), theirs.layers(x)
    assert list(a) == list(b)
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=1e-6)


def test_08_uses_its_own_nets():
    assert not imported_from(NB08, "helpers.locality") & {"FCNet", "SmallConvNet", "permute_first_layer"}


# ---- both: the exercise convention ---------------------------------------------------------------

@pytest.mark.parametrize("path", [NB01, NB08], ids=lambda p: p.name[:2])
def test_exercise_cell_only_shows_commented_checks(path):
    last = code_cells(path)[-1]
    lines = [line for line in last.splitlines() if line.strip()]
    assert all(line.startswith("#") for line in lines), "the exercise cell holds commented calls only"
    calls = [line for line in lines if "check_" in line]
    assert calls and all("..." in line for line in calls)
