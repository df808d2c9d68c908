"""Notebook 06 writes its own `decode` (output map -> digit string); helpers.windows.decode keeps the
same rule for the exercises and `read_digits`. These tests take the function from the notebook's cell
and check that both read every output map alike: real maps of a (briefly) trained reader and of an
untrained net, random maps, and the edge cases.
"""

from __future__ import annotations


import pytest
from support import from_notebook
import torch

from helpers.data import load_digits
from helpers.strips import NONE, make_strips
from helpers.windows import CLASSES, FullyConvLeNet, decode, output_map, train_reader



@pytest.fixture(scope="module")
def notebook_decode():
    """The `decode` defined in notebook 06, exec'd from its cell with the names the notebook imports."""
    return from_notebook("06_sliding_window.ipynb", "def decode(", {"torch": torch, "NONE": NONE})


@pytest.fixture(scope="module")
def strips():
    images, labels = load_digits("test", size=28)
    return make_strips(images, labels, count=60, length=(1, 7), seed=3)


@pytest.fixture(scope="module")
def trained_maps(strips):
    """Output maps of a reader trained for one epoch on 2,000 digits: real maps, with runs, gaps and mistakes."""
    images, labels = load_digits("train", size=28)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a small net trains fastest on one thread
    try:
        reader = train_reader((images[:2000], labels[:2000]), epochs=1, seed=0, progress=False)
        with torch.no_grad():
            return [output_map(reader, s) for s in strips]
    finally:
        torch.set_num_threads(threads)


def test_the_notebook_cell_is_the_function_we_test(notebook_decode):
    assert notebook_decode.__name__ == "decode" and notebook_decode is not decode


@pytest.mark.parametrize("threshold", [0.5, 0.3, 0.7, 0.9])
def test_same_strings_on_a_trained_readers_maps(notebook_decode, trained_maps, threshold):
    strings = [decode(m, threshold=threshold) for m in trained_maps]
    assert [notebook_decode(m, threshold) for m in trained_maps] == strings
    assert len(set(strings)) > 10 and any(strings), "the maps should read many different strings"


def test_same_strings_on_an_untrained_nets_maps(notebook_decode, strips):
    torch.manual_seed(1)
    net = FullyConvLeNet()
    with torch.no_grad():
        net.fc2.weight.mul_(30)  # sharper outputs, so that p(none) crosses 0.5 along the strips
        maps = [output_map(net, s) for s in strips[:20]]
    for m in maps:
        for threshold in (0.1, 0.5, 0.9):
            assert notebook_decode(m, threshold) == decode(m, threshold=threshold)


def test_same_strings_on_random_maps(notebook_decode):
    gen = torch.Generator().manual_seed(0)
    for _ in range(300):
        n = int(torch.randint(0, 40, (1,), generator=gen))
        logits = 3 * torch.randn(CLASSES, n, generator=gen)
        probs = logits.softmax(0)
        if torch.rand(1, generator=gen) < 0.5:
            probs = probs.double()
        assert notebook_decode(probs) == decode(probs)


def test_edge_cases(notebook_decode):
    empty = torch.zeros(CLASSES, 0)
    blank = torch.zeros(CLASSES, 5)
    blank[NONE] = 1.0
    all_on = torch.zeros(CLASSES, 5)
    all_on[4] = 1.0
    at_threshold = torch.zeros(CLASSES, 3)  # p(none) exactly 0.5 is not "on" (the rule is p(none) < 0.5)
    at_threshold[NONE], at_threshold[2] = 0.5, 0.5
    ends = torch.zeros(CLASSES, 5)  # runs of one column at both ends
    ends[NONE, 1:4] = 1.0
    ends[9, 0], ends[0, 4] = 1.0, 1.0
    tie = torch.zeros(CLASSES, 2)  # a tie in the vote goes to the smaller digit in both
    tie[3], tie[5] = torch.tensor([0.5, 0.4]), torch.tensor([0.4, 0.5])
    transposed = torch.rand(7, CLASSES).softmax(1).T  # a non-contiguous view
    cases = [(empty, ""), (blank, ""), (all_on, "4"), (at_threshold, ""), (ends, "90"), (tie, "3")]
    for probs, expected in cases:
        assert decode(probs) == expected
        assert notebook_decode(probs) == expected
    assert notebook_decode(transposed) == decode(transposed)
