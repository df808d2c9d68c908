"""Tests for helpers.sliding_window_reader and 06's #@save cells (helpers.sliding_window): the 1-D example, the fully
convolutional LeNet, decoding and costs."""

from __future__ import annotations

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from helpers.anatomy import count_connections, totals
from helpers.sliding_window import WIDTHS, FullyConvLeNet, LeNet32, decode, fully_convolutional
from helpers.sliding_window_plots import plot_one_d
from helpers.sliding_window_reader import (crop_windows, decode_peaks, edit_distance, feeding_inputs, output_length,
                                           output_map, read_digits, reading_accuracy, tiny_1d, train_reader)
from helpers.sliding_window_strips import CLASSES, NONE, make_strips, window_targets
from helpers.train import predict

from tests.test_sliding_window_strips import blob_digits


def seeded(model: nn.Module, seed: int = 0) -> nn.Module:
    """`model` with PyTorch's default initialisation drawn from a fixed seed, in eval mode."""
    torch.manual_seed(seed)
    for m in model.modules():
        if hasattr(m, "reset_parameters"):
            m.reset_parameters()
    return model.eval()


def test_one_d_example_sizes_follow_the_formula():
    net = tiny_1d()
    for length in range(10, 80):
        out = net(torch.randn(1, 1, length))
        assert out.shape[-1] == output_length(length, net) == (length - 10) // 4 + 1 == (length - 6) // 4
    assert [output_length(n, net) for n in (9, 10, 13, 14, 18)] == [0, 1, 1, 2, 3]
    assert list(feeding_inputs(net, 1)) == list(range(4, 14))


def test_only_the_feeding_inputs_reach_an_output():
    net = seeded(tiny_1d())
    x = torch.randn(1, 1, 30)
    base = net(x)[0, 0]
    for j in range(len(base)):
        inside = torch.zeros(30, dtype=torch.bool)
        inside[list(feeding_inputs(net, j))] = True
        noisy = torch.where(inside, x, torch.randn(1, 1, 30) * 10)
        assert net(noisy)[0, 0, j] == base[j]


def test_the_1d_rules_refuse_padded_and_fully_connected_stacks():
    padded = nn.Sequential(nn.Conv1d(1, 1, 3, padding=1), nn.MaxPool1d(2))
    for rule in (lambda: output_length(20, padded), lambda: feeding_inputs(padded, 0), lambda: plot_one_d(padded)):
        with pytest.raises(ValueError, match="assume unpadded layers.*starts at -1"):
            rule()
    with pytest.raises(ValueError, match="fully_convolutional"):
        output_length(40, LeNet32())


def test_fully_convolutional_gives_the_same_answers():
    fc = seeded(LeNet32())
    conv = fully_convolutional(fc)
    x = torch.rand(16, 1, 32, 32)
    a, b = fc(x), conv(x)
    assert b.shape == (16, 11, 1, 1)
    assert (a - b[:, :, 0, 0]).abs().max() <= 1e-5
    for w in (32, 36, 64, 100, 256):
        assert conv(torch.rand(1, 1, 32, w)).shape == (1, 11, 1, (w - 32) // 4 + 1)
    assert conv(torch.rand(1, 1, 64, 64)).shape == (1, 11, 9, 9)


def test_one_pass_equals_every_crop():
    conv = seeded(FullyConvLeNet())
    strip = torch.rand(1, 32, 256)
    crops = crop_windows(strip)
    assert crops.shape == (57, 1, 32, 32) and torch.equal(crops[3, 0], strip[0, :, 12:44])
    one = conv(strip[None])[0, :, 0]
    each = conv(crops)[:, :, 0, 0].T
    assert (one - each).abs().max() <= 1e-5


def test_too_small_inputs_get_a_clear_error():
    conv = FullyConvLeNet()
    with pytest.raises(ValueError, match="cannot read images of shape"):  # narrower than the 32x32 receptive field
        predict(conv, torch.rand(1, 1, 28, 100))
    with pytest.raises(ValueError, match="cannot read images of shape \\(32, 64\\)"):
        predict(conv, torch.rand(32, 64))
    with pytest.raises(ValueError, match="cannot read images of shape \\(1, 1, 32, 64\\).*mat1 and mat2"):
        predict(LeNet32(), torch.rand(1, 1, 32, 64))  # fully connected layers take one size only


def probs_from(labels: list[int], p: float = 0.9) -> torch.Tensor:
    """An output map (11, n) that gives probability p to labels[j] at column j."""
    out = torch.full((11, len(labels)), (1 - p) / 10)
    out[labels, torch.arange(len(labels))] = p
    return out


def test_decode_reads_runs_between_none_columns():
    assert decode(probs_from([NONE, 3, 3, NONE, 1, NONE, 1, 1, NONE, NONE, 7])) == "3117"
    assert decode(probs_from([NONE] * 5)) == ""
    votes = probs_from([NONE, 4, 4, 9, NONE])
    assert decode(votes) == "4", "one run is one digit; the columns vote"


def test_decode_edge_cases():
    """06's `decode` (written in the notebook, exported to helpers.sliding_window) at its edges."""
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
    tie = torch.zeros(CLASSES, 2)  # a tie in the vote goes to the smaller digit
    tie[3], tie[5] = torch.tensor([0.5, 0.4]), torch.tensor([0.4, 0.5])
    cases = [(empty, ""), (blank, ""), (all_on, "4"), (at_threshold, ""), (ends, "90"), (tie, "3")]
    for probs, expected in cases:
        assert decode(probs) == expected
    on_low = torch.zeros(CLASSES, 3)  # p(none) 0.4 everywhere: "on" at 0.5, "off" at 0.3
    on_low[NONE], on_low[6] = 0.4, 0.6
    assert decode(on_low) == "6" and decode(on_low, threshold=0.3) == ""
    transposed = torch.rand(7, CLASSES, generator=torch.Generator().manual_seed(0)).softmax(1).T  # a non-contiguous view
    assert decode(transposed) == decode(transposed.contiguous())


def test_decode_peaks_uses_local_maxima():
    p = probs_from([NONE, 2, NONE, NONE, NONE, 5, NONE])
    assert decode_peaks(p) == "25"
    p[NONE, 1] = 0.6  # a weak column: score 0.4 < 0.5
    assert decode_peaks(p) == "5"


def test_edit_distance():
    assert edit_distance("12345", "12345") == 0
    assert edit_distance("12345", "1245") == 1
    assert edit_distance("12345", "123456") == 1
    assert edit_distance("12345", "12945") == 1
    assert edit_distance("", "123") == 3
    assert edit_distance("kitten", "sitting") == 3


def test_output_map_columns_are_windows_centred_every_4_pixels():
    conv = seeded(FullyConvLeNet())
    strip = torch.rand(1, 32, 50)
    probs = output_map(conv, strip)
    assert probs.shape == (11, -(-50 // 4) + 1)  # windows centred at 0, 4, .., 52
    assert torch.allclose(probs.sum(0), torch.ones(probs.shape[1]), atol=1e-5)
    padded = F.pad(strip, (16, 16 + 2))
    for j in (0, 5, 12):
        window = padded[:, :, 4 * j:4 * j + 32]  # centred on strip position 4j
        assert torch.allclose(conv(window[None]).exp()[0, :, 0, 0], probs[:, j], atol=1e-6)
    with pytest.raises(ValueError, match="32"):
        output_map(conv, torch.rand(1, 28, 64))


def test_train_reader_is_reproducible_and_reads():
    images, labels = blob_digits(60)
    a = train_reader((images, labels), epochs=1, seed=0, progress=False)
    b = train_reader((images, labels), epochs=1, seed=0, progress=False)
    assert isinstance(a, FullyConvLeNet) and not a.training
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))
    strips = make_strips(images, labels, count=3, length=4, seed=0)
    text = read_digits(a, strips[0])
    assert isinstance(text, str) and set(text) <= set("0123456789")
    assert text == decode(output_map(a, strips[0]))  # one pass, then the decoder
    r = reading_accuracy(a, strips)
    assert r.predictions == [read_digits(a, s) for s in strips]
    # scored against the strips' text: edit distances over the 12 digits, exact strings over the 3 strips
    errors = [edit_distance(p, s.text) for p, s in zip(r.predictions, strips)]
    assert r.digit_accuracy == pytest.approx(100 * (1 - sum(errors) / 12))
    assert r.string_accuracy == pytest.approx(100 * errors.count(0) / 3) and r.wrong == [i for i, e in enumerate(errors) if e]
    maps = [output_map(a, s) for s in strips]
    again = reading_accuracy(None, strips, maps=maps)
    assert again.predictions == r.predictions and again.digit_accuracy == r.digit_accuracy
    perfect = reading_accuracy(None, strips, maps=maps, decoder=lambda p, texts=iter(s.text for s in strips): next(texts))
    assert perfect.digit_accuracy == 100 and perfect.string_accuracy == 100 and perfect.wrong == []
    with pytest.raises(ValueError, match="zip"):  # one map per strip
        reading_accuracy(None, strips, maps=maps[:2])


def truth_map(strip) -> torch.Tensor:
    """What a perfect reader's output_map would give: column j (window centre x = 4j, j < ceil(W / 4) + 1)
    is the class window_targets gives that window, the ambiguous windows (-1) and those centred beyond
    the strip's last column counted as none of the above."""
    targets = F.pad(window_targets(strip), (0, 4), value=NONE)  # centres W + 1 .. W + 4 see blank paper
    columns = targets[torch.arange(-(-strip.width // 4) + 1) * 4]
    return probs_from(torch.where(columns < 0, NONE, columns).tolist())


def first_run(probs: torch.Tensor) -> range:
    """The columns of the first run that sees a digit (p(none) < 0.5), the decoder's first digit."""
    on = (probs[NONE] < 0.5).tolist()
    start = on.index(True)
    return range(start, on.index(False, start) if False in on[start:] else len(on))


def test_a_map_built_from_the_true_labels_reads_every_strip_and_errors_are_counted():
    images, labels = blob_digits(60)
    strips = make_strips(images, labels, count=3, length=4, seed=0)
    maps = [truth_map(s) for s in strips]
    assert [m.shape[1] for m in maps] == [-(-s.width // 4) + 1 for s in strips]  # output_map's columns
    assert [decode(m) for m in maps] == [s.text for s in strips]
    right = reading_accuracy(None, strips, maps=maps)
    assert (right.digit_accuracy, right.string_accuracy, right.wrong) == (100.0, 100.0, [])
    # strip 1's first digit read as another one (a substitution), strip 2's first digit missed (a deletion)
    bad = [m.clone() for m in maps]
    other = (int(strips[1].text[0]) + 1) % 10
    cols = first_run(bad[1])
    bad[1][:, cols] = probs_from([other] * len(cols))
    cols = first_run(bad[2])
    bad[2][:, cols] = probs_from([NONE] * len(cols))
    assert decode(bad[1]) == str(other) + strips[1].text[1:] and decode(bad[2]) == strips[2].text[1:]
    one_wrong = reading_accuracy(None, strips, maps=[maps[0], bad[1], maps[2]])
    assert one_wrong.digit_accuracy == pytest.approx(100 * 11 / 12) and one_wrong.string_accuracy == pytest.approx(200 / 3)
    assert one_wrong.wrong == [1]
    two_wrong = reading_accuracy(None, strips, maps=bad)
    assert two_wrong.digit_accuracy == pytest.approx(100 * 10 / 12) and two_wrong.string_accuracy == pytest.approx(100 / 3)
    assert two_wrong.wrong == [1, 2] and two_wrong.predictions == [strips[0].text, decode(bad[1]), decode(bad[2])]


def multiplications(width: int) -> int:
    """Multiplications of FullyConvLeNet over a (1, 32, width) input, from its layer shapes: every
    output unit of a layer multiplies (input maps x kernel area) inputs by weights."""
    (c1, c2, hidden), h, w, total = WIDTHS, 32, width, 0
    for maps_in, maps_out, k, pool in ((1, c1, 5, 2), (c1, c2, 5, 2), (c2, hidden, 5, 1), (hidden, CLASSES, 1, 1)):
        h, w = h - k + 1, w - k + 1
        total += maps_out * h * w * maps_in * k * k
        h, w = h // pool, w // pool
    return total


def test_one_pass_over_a_strip_costs_less_than_its_crops():
    # 06's arithmetic: the 57 crops of a 32x256 strip against one pass over the strip, biases left out
    conv = FullyConvLeNet()
    one = totals(count_connections(conv, (1, 32, 256), biases=False))["connections"]
    crop = totals(count_connections(conv, (1, 32, 32), biases=False))["connections"]
    crops = (256 - 32) // 4 + 1  # a window every 4 pixels
    assert crops == 57 == len(crop_windows(torch.zeros(1, 32, 256)))
    # the counts follow from the layer shapes, and torch's FLOP counter (2 per multiply-add) agrees
    assert one == multiplications(256) and crop == multiplications(32)
    with FlopCounterMode(display=False) as counter:
        conv(torch.zeros(1, 1, 32, 256))
    with FlopCounterMode(display=False) as cropped:
        conv(crop_windows(torch.zeros(1, 32, 256)))
    assert one == counter.get_total_flops() // 2 and crops * crop == cropped.get_total_flops() // 2
    assert one == 11_725_056 and crops * crop == 40_755_456 and 3 < crops * crop / one < 4  # as 06 prints them


def test_train_reader_takes_steps_that_lower_its_loss(monkeypatch):
    # a tiny budget: 60 blob digits, 3 epochs of 6 batches of 16 fields (about 0.5 s)
    from helpers import sliding_window_reader as windows
    from helpers.sliding_window_strips import make_fields
    from helpers.train import set_seed

    images, labels = blob_digits(60)
    set_seed(0)
    untrained = fully_convolutional(LeNet32()).eval()  # the weights train_reader starts from (seed 0)
    seen = []
    nll = F.nll_loss

    def recording(*args, **kwargs):
        loss = nll(*args, **kwargs)
        seen.append(loss.item())
        return loss

    monkeypatch.setattr(windows.F, "nll_loss", recording)
    trained = train_reader((images, labels), epochs=3, seed=0, batch_size=16, progress=False)
    monkeypatch.undo()
    # every weight and bias has moved from where it started
    for (name, p), q in zip(trained.named_parameters(), untrained.parameters()):
        assert not torch.equal(p, q), f"{name} did not change"
    # the training loss falls: the last epoch's batches against the first epoch's (measured 2.44 -> 2.15)
    assert len(seen) == 18
    assert sum(seen[-6:]) / 6 < sum(seen[:6]) / 6 - 0.1
    # and on fields it never saw (measured 2.41 -> 2.12)
    fields, targets = make_fields(images, labels, count=200, seed=123)
    with torch.no_grad():
        before, after = (F.nll_loss(m(fields)[:, :, 0, 0], targets).item() for m in (untrained, trained))
    assert after < before - 0.1


# ---- written against mutmut's survivors (`make mutants`, DEVELOPERS.md "Mutation testing") ----------

def test_output_map_has_a_column_every_4_pixels_whatever_the_width():
    import math

    from helpers.sliding_window import FullyConvLeNet
    from helpers.sliding_window_reader import output_map

    torch.manual_seed(0)
    model = FullyConvLeNet().eval()
    for width in range(32, 41):
        assert output_map(model, torch.zeros(1, 32, width)).shape == (11, math.ceil(width / 4) + 1), width


def test_output_map_names_itself_when_it_refuses_a_strip():
    from helpers.sliding_window import FullyConvLeNet
    from helpers.sliding_window_reader import output_map

    model = FullyConvLeNet().eval()
    with pytest.raises(ValueError, match=r"^output_map reads strips with pixels in \[0, 1\]"):
        output_map(model, torch.full((1, 32, 40), 255.0))
    with pytest.raises(ValueError, match="^output_map got a strip holding nan"):
        output_map(model, torch.full((1, 32, 40), float("nan")))
    with pytest.raises(TypeError, match="^output_map reads strips of floating-point pixels"):
        output_map(model, torch.zeros(1, 32, 40, dtype=torch.uint8))
