"""Self-checks for the exercises at the end of every notebook (01 to 08), all in one place.

Each `check_...` function prints "Right: ..." or "Not yet: ..." with a hint about what went wrong,
never the solution, and returns True or False. Import them with, for example,
`from helpers.exercises import check_net5_h2`. The notebooks' exercises name the check to use:

- 01_proto_cnns: `check_net5_h2`, `check_shared_bias_weights`, `check_net6`, `check_uncentred_votes`
- 02_bell_labs: `check_bell_labs(exercise, answer)` for its four exercises
- 03_pooling_zoo: `check_lse_offset`, `check_lse_function`, `check_l2_gradient`
- 04_lenet5: `check_conv2_parameters`, `check_feature_side`, `check_fc_as_conv`, `check_shift_robustness`
- 05_shift_equivariance: `check_map_move`, `check_exact_shifts`, `check_consistency`
- 06_sliding_window: `check_one_d`, `check_narrowest_strip`, `check_decoder`
- 07_feature_binding: `check_path`, `check_crossing`, `check_bag_answer`
- 08_what_convnets_are_good_for: `check_unshared_conv2`, `check_matched_hidden`, `check_pool2_field`,
  `check_block_permutation`
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable, Mapping, Sequence

import torch
import torch.nn as nn

from helpers.equivariance import accuracy_vs_shift, consistency
from helpers.locality import SmallConvNet, _check_perm, receptive_field
from helpers.proto import Net4, Net5, count_connections
from helpers.shapes import conv_out, pool_out
from helpers.strips import FIELD, Strip
from helpers.strokes import StrokePath, Sweep, bag_of_features, cosine, crossing, sweep
from helpers.widgets import predict_drawing
from helpers.windows import FullyConvLeNet, feeding_inputs, output_length, reading_accuracy, tiny_1d
from helpers.zipcode import SubsamplingLeNet


def _verdict(ok: bool, right: str, wrong: str) -> bool:
    print(("Right: " + right) if ok else ("Not yet: " + wrong))
    return ok


# ---- 01_proto_cnns ---------------------------------------------------------------------------

def check_net5_h2(links: int, weights: int) -> bool:
    """01, exercise 1: links and free parameters of Net5's second hidden layer (four 4x4 maps, shared
    5x5 kernels over both 8x8 maps of H1, one bias per unit)."""
    h2 = Net5().layers[4:8]  # pad, conv, unit bias, tanh
    true_links, true_weights = count_connections(h2, (2, 8, 8)), sum(p.numel() for p in h2.parameters())
    if (links, weights) == (true_links, true_weights):
        return _verdict(True, "64 units x (2 maps x 25 + 1 bias) links, but only 4 kernels of 2x5x5 plus 64 biases to learn.", "")
    if links != true_links:
        return _verdict(False, "", "links: every one of the 4x4x4 units sees a 5x5 patch in each of the 2 maps, plus its bias.")
    return _verdict(False, "", "weights: the 16 units of a map share one kernel (2 maps x 5 x 5), but each unit has its own bias.")


def check_shared_bias_weights(answer: int) -> bool:
    """01, exercise 2: free parameters of Net4 if every H1 map had one bias (as nn.Conv2d), not one per unit."""
    net = Net4()
    unit_bias = net.layers[2].bias
    truth = sum(p.numel() for p in net.parameters()) - unit_bias.numel() + unit_bias.shape[0]
    if answer == truth:
        return _verdict(True, "128 per-unit biases become 2, one per map; the links stay 2,266.", "")
    return _verdict(False, "", "start from Net4's 1,132 weights; only the biases of the two 8x8 maps change.")


def check_net6(model: nn.Module) -> bool:
    """01, exercise 3: a "Net6" must read (N, 1, 16, 16), return (N, 10), and share weights (at least
    3 links per free parameter)."""
    try:
        with torch.no_grad():
            out = model(torch.zeros(2, 1, 16, 16))
    except Exception as err:  # the learner's model: report whatever went wrong
        return _verdict(False, "", f"the model fails on a (2, 1, 16, 16) batch: {str(err).splitlines()[0]}")
    if tuple(out.shape) != (2, 10):
        return _verdict(False, "", f"the output must be (N, 10) logits, got {tuple(out.shape)}.")
    links, weights = count_connections(model), sum(p.numel() for p in model.parameters() if p.requires_grad)
    if links < 3 * weights:
        return _verdict(False, "", f"{links:,} links for {weights:,} weights: share more (use nn.Conv2d for the hidden maps).")
    return _verdict(True, f"{links:,} links for {weights:,} free parameters ({links / weights:.1f} links per weight); now train it.", "")


def check_uncentred_votes(answer: int, models: Mapping[str, nn.Module], drawing: Any) -> bool:
    """01, exercise 4: how many of `models` still read `drawing` (strings, a bool grid or pad.cells)
    right when the pad does not centre it (`predict_drawing(models, drawing, centre=False)`); the
    right digit is what most nets say after centring."""
    centred = predict_drawing(models, drawing).predictions
    if not centred:
        return _verdict(False, "", "the drawing is blank; pass the stored drawing or pad.cells after drawing.")
    votes = list(centred.values())
    digit = max(set(votes), key=votes.count)
    truth = sum(p == digit for p in predict_drawing(models, drawing, centre=False).predictions.values())
    if answer == truth:
        return _verdict(True, f"{truth} of {len(models)} nets still read a {digit} uncentred; they learned from centred digits only.", "")
    return _verdict(False, "", f"count the nets whose answer is {digit} in predict_drawing(models, drawing, centre=False).")


# ---- 02_bell_labs ----------------------------------------------------------------------------

def _karpathy_table() -> torch.Tensor:
    """karpathy/lecun1989-repro's H1 -> H2 table (12, 12): H2 maps 0-3 read H1 maps 0-7, maps 4-7
    read 4-11, maps 8-11 read 0-3 and 8-11."""
    t = torch.zeros(12, 12, dtype=torch.bool)
    t[0:4, 0:8] = True
    t[4:8, 4:12] = True
    t[8:12, 0:4] = True
    t[8:12, 8:12] = True
    return t


def _bell_labs_h1(answer: Any) -> bool:
    try:
        size, connections = (int(a) for a in answer)
    except (TypeError, ValueError):
        return _verdict(False, "", "give a pair (size, connections), for example (7, 1000).")
    truth = conv_out(16, 5, 2, 0)
    if size != truth:
        if size == 8:
            return _verdict(False, "", "8x8 is H1 with the frame of -1; without it, apply (in + 2p - k) // s + 1 with p = 0.")
        if size == (16 - 5) // 2:
            return _verdict(False, "", "the +1 matters: (in + 2p - k) // s + 1 counts the first position of the kernel too.")
        if size == 16 - 5 + 1:
            return _verdict(False, "", "H1's kernels move 2 pixels at a time: the stride s is 2.")
        return _verdict(False, "", "the size: apply (in + 2p - k) // s + 1 with in = 16, k = 5, s = 2 and no padding.")
    units = 12 * truth * truth
    if connections == units * 26:
        return _verdict(True, f"12 maps of {size}x{size} units, each with 5x5 weights and a bias: 26 connections per unit.", "")
    if connections == units * 25:
        return _verdict(False, "", "the size is right; almost: every unit also has a connection from its bias.")
    if connections == truth * truth * 26:
        return _verdict(False, "", "the size is right; H1 has 12 maps of that size.")
    return _verdict(False, "", "the size is right; connections = units x (5x5 weights + 1 bias), over H1's 12 maps.")


def _bell_labs_biases(answer: Any) -> bool:
    total, h1, h2 = 9760, 12 * 8 * 8, 12 * 4 * 4  # the net's free parameters, H1's and H2's per-unit biases
    truth = total - h1 - h2 + 2 * 12
    if answer == truth:
        return _verdict(True, "the 960 per-unit biases of H1 and H2 become 24, one per map.", "")
    if answer == total:
        return _verdict(False, "", "that is the net as it is, with one bias per unit; give each map a single bias instead.")
    if answer == total - h1 - h2:
        return _verdict(False, "", "almost: each of the 24 maps of H1 and H2 still keeps one bias.")
    if answer == total - h1 + 12:
        return _verdict(False, "", "the units of H2 (12 maps of 4x4) have their own biases too.")
    if answer == total - h2 + 12:
        return _verdict(False, "", "the units of H1 (12 maps of 8x8) have their own biases too.")
    return _verdict(False, "", "start from 9,760: only the biases of H1 (12 maps of 8x8) and H2 (12 maps of 4x4) change; H3 and the outputs keep theirs.")


def _bell_labs_positions(answer: Callable[[int], int]) -> bool:
    net = SubsamplingLeNet()
    for w in (32, 35, 36, 64, 101):
        with torch.no_grad():
            out = net(torch.zeros(1, 1, 32, w))
        truth = out.shape[-1] if out.dim() == 4 else 1
        try:
            got = float(answer(w))
        except Exception as err:  # the learner's function may fail in any way
            return _verdict(False, "", f"positions({w}) raised {type(err).__name__}: {err}.")
        if got == truth:
            continue
        if not got.is_integer():
            return _verdict(False, "", f"positions({w}) gives {got:g}: positions are whole windows, so round down with //.")
        if w == 32:
            return _verdict(False, "", f"positions(32) gives {got:g}: a 32x32 input walks down to exactly one position (1x1); start from there.")
        if got > truth:
            return _verdict(False, "", f"positions({w}) gives {got:g}, too many: a position needs a whole 32-pixel window.")
        return _verdict(False, "", f"positions({w}) gives {got:g}, too few: the window moves 4 pixels per position (two poolings of 2), and windows overlap.")
    return _verdict(True, "one position for 32 pixels, one more for every further 4 pixels, windows that do not fit dropped.", "")


def _bell_labs_table(answer: Any) -> bool:
    try:
        t = torch.as_tensor(answer)
    except (TypeError, ValueError, RuntimeError):
        return _verdict(False, "", "give a (12, 12) bool tensor, e.g. start from torch.zeros(12, 12, dtype=torch.bool).")
    if tuple(t.shape) != (12, 12):
        return _verdict(False, "", f"the table is (12, 12), one row per H2 map and one column per H1 map; got {tuple(t.shape)}.")
    if t.dtype != torch.bool:
        return _verdict(False, "", "make it a bool tensor (dtype=torch.bool), True where an H2 map reads an H1 map.")
    truth = _karpathy_table()
    if torch.equal(t, truth):
        return _verdict(True, "every H2 map reads 8 of H1's 12 maps, and the net keeps its 9,760 free parameters; now train it.", "")
    if torch.equal(t.T, truth):
        return _verdict(False, "", "rows are H2's maps (outputs) and columns H1's (inputs): this is the transpose.")
    if not bool((t.sum(1) == 8).all()):
        return _verdict(False, "", "every row needs 8 True: each H2 map reads 8 of H1's maps (a slice a:b stops before b).")
    return _verdict(False, "", "8 maps per row, but not this scheme: rows 0-3 read columns 0-7, rows 4-7 columns 4-11, rows 8-11 columns 0-3 and 8-11.")


def check_bell_labs(exercise: int, answer: Any) -> bool:
    """02, exercises 1 to 4:

    1: (H1 map size, H1 connections) without the frame of -1; 2: free parameters with one bias per
    map in H1 and H2; 3: a function W -> number of output positions of SubsamplingLeNet on a 32 x W
    input; 4: karpathy/lecun1989-repro's H1 -> H2 connection table as a (12, 12) bool tensor.
    """
    checks: dict[int, Callable[[Any], bool]] = {1: _bell_labs_h1, 2: _bell_labs_biases, 3: _bell_labs_positions,
                                                 4: _bell_labs_table}
    if exercise not in checks:
        raise ValueError(f"There are exercises 1 to 4, got {exercise!r}.")
    return checks[exercise](answer)


# ---- 03_pooling_zoo --------------------------------------------------------------------------

def check_lse_offset(kernel: int, b: float, answer: float) -> bool:
    """03, exercise 1: how much larger LSE pooling without the 1/n is than with it, for kernel x kernel windows."""
    truth = math.log(kernel * kernel) / b
    if abs(answer - truth) < 1e-3 * max(1.0, abs(truth)):
        return _verdict(True, "dropping the 1/n adds log(n)/b to every output, whatever the inputs.", "")
    if abs(answer - math.log(kernel) / b) < 1e-3:
        return _verdict(False, "", f"a {kernel}x{kernel} window holds n = {kernel}*{kernel} inputs, not {kernel}.")
    if abs(answer - math.log(kernel * kernel)) < 1e-3:
        return _verdict(False, "", "almost: the log is divided by the temperature b too.")
    return _verdict(False, "", "write log(sum exp(b x)) = log(n) + log((1/n) sum exp(b x)) and divide by b.")


def check_lse_function(fn: Callable[[torch.Tensor, float], torch.Tensor]) -> bool:
    """03, exercise 2: `fn(x, b)` must return (1/b) log((1/n) sum exp(b x)) of a 1-D tensor x, without overflow."""
    cases = [(torch.tensor([0.1, 0.9, 0.4, 0.6]), 1.0), (torch.tensor([-3.0, 2.0, 0.5]), 5.0),
             (torch.tensor([10.0, 10.0, 9.0, 10.0]), 100.0), (torch.tensor([50.0, -50.0]), 30.0)]
    for x, b in cases:
        truth = (torch.logsumexp(b * x.double(), 0) - math.log(len(x))) / b
        try:
            got = float(fn(x.clone(), b))
        except Exception as err:  # the learner's code may fail in any way
            return _verdict(False, "", f"your function raised {type(err).__name__} on x={x.tolist()}, b={b}: {err}.")
        if math.isinf(got) or math.isnan(got):
            return _verdict(False, "", f"it overflows on x={x.tolist()}, b={b}: subtract the largest b*x_i before exp and add it back after the log.")
        if abs(got - float(truth)) > 1e-4 * max(1.0, abs(float(truth))):
            hint = "keep the 1/n inside the log" if abs(got - float(truth) - math.log(len(x)) / b) < 1e-3 else "check the formula"
            return _verdict(False, "", f"on x={x.tolist()}, b={b} you get {got:.5f}; {hint}.")
    return _verdict(True, "your log-sum-exp is right and does not overflow.", "")


def check_l2_gradient(answer: torch.Tensor | list[float]) -> bool:
    """03, exercise 3: the gradient of L2 pooling of the window [3, 4, 0, 0] with respect to its four inputs."""
    got = torch.as_tensor(answer, dtype=torch.float64).flatten()
    truth = torch.tensor([0.6, 0.8, 0.0, 0.0], dtype=torch.float64)
    if got.shape != truth.shape:
        return _verdict(False, "", "give four numbers, one per input of the window.")
    if torch.allclose(got, truth, atol=1e-4):
        return _verdict(True, "each input gets x_i / L2: the larger inputs get the larger share.", "")
    if torch.allclose(got, 10 * truth, atol=1e-4):
        return _verdict(False, "", "that is the gradient of the sum of squares; the square root divides it by 2 * L2.")
    return _verdict(False, "", "differentiate (sum x_i^2)^(1/2) with respect to each x_i.")


# ---- 04_lenet5 -------------------------------------------------------------------------------

def check_conv2_parameters(answer: int) -> bool:
    """04, exercise 1: the number of free parameters of LeNet5's conv2 (20 -> 50 channels, 5x5)."""
    truth = 50 * 20 * 5 * 5 + 50
    if answer == truth:
        return _verdict(True, "each of the 50 kernels spans all 20 input maps (20x5x5 weights) plus one bias.", "")
    if answer == 50 * 5 * 5 + 50 or answer == 50 * 5 * 5:
        return _verdict(False, "", "a kernel of conv2 is not 5x5 but 5x5 on every one of the 20 input maps.")
    if answer == 50 * 20 * 5 * 5:
        return _verdict(False, "", "almost: every output map also has a bias.")
    return _verdict(False, "", "count weights per kernel (input maps x 5 x 5), times the number of kernels, plus biases.")


def lenet5_feature_side(side: int) -> int:
    """The side of LeNet5's last feature maps for a square input of `side` pixels."""
    s = pool_out(conv_out(side, 5), 2)
    return pool_out(conv_out(s, 5), 2)


def check_feature_side(input_side: int, answer: int) -> bool:
    """04, exercise 2: the side of conv2+pool2's output maps for a square input of `input_side` pixels."""
    truth = lenet5_feature_side(input_side)
    if answer == truth:
        return _verdict(True, f"a {input_side}x{input_side} input gives {answer}x{answer} maps before fc1.", "")
    if answer == (input_side - 8) // 4:
        return _verdict(False, "", "apply (in - k) // s + 1 layer by layer: conv (k=5, s=1), pool (k=2, s=2), twice; the +1 matters.")
    return _verdict(False, "", "apply out = (in - k) // s + 1 four times: conv 5/1, pool 2/2, conv 5/1, pool 2/2.")


def check_fc_as_conv(conv: nn.Module, fc: nn.Linear, in_shape: tuple[int, int, int] = (50, 4, 4)) -> bool:
    """04, exercise 3: `conv` must compute what `fc` computes on flattened (C, H, W) maps, as a 1x1 output map."""
    if not isinstance(conv, nn.Conv2d):
        return _verdict(False, "", f"build an nn.Conv2d, not a {type(conv).__name__}.")
    c, h, w = in_shape
    if conv.in_channels != c or conv.out_channels != fc.out_features or tuple(conv.kernel_size) != (h, w):
        return _verdict(False, "", f"the kernel must cover the whole {c}x{h}x{w} input: in_channels={c}, kernel_size={h}, one output channel per fc unit.")
    x = torch.randn(3, c, h, w, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        out = conv(x)
        if out.shape[-2:] != (1, 1):
            return _verdict(False, "", "the output map should be 1x1: no padding, the kernel covers the whole input.")
        same = torch.allclose(out.flatten(1), fc(x.flatten(1)), atol=1e-5)
    return _verdict(same, "the convolution and the fully connected layer give the same numbers.",
                    "the shapes are right but the numbers differ: reshape fc.weight to (out, C, H, W) and copy fc.bias.")



def shifted_accuracy_drop(model: nn.Module, test: tuple[torch.Tensor, torch.Tensor], pixels: int = 2) -> tuple[float, float]:
    """(test accuracy of `model`, points it loses when every test digit moves `pixels` up, down, left
    or right: the mean of the four)."""
    centred, *moved = accuracy_vs_shift(model, test, [0, pixels, -pixels], axis="x")
    moved += accuracy_vs_shift(model, test, [pixels, -pixels], axis="y")
    return centred, centred - sum(moved) / len(moved)


def check_shift_robustness(answer: str, augmented: nn.Module, plain: nn.Module,
                           test: tuple[torch.Tensor, torch.Tensor], pixels: int = 2) -> bool:
    """04, exercise 4: which of two trained LeNet5s loses more accuracy when the test digits move `pixels`:
    the one trained with shift augmentation (answer "with") or without it ("without")?"""
    if answer not in ("with", "without"):
        return _verdict(False, "", f"answer 'with' or 'without' (augmentation), not {answer!r}.")
    if augmented is plain:
        return _verdict(False, "", "pass two different networks: train a fresh LeNet5 with augment=None for `plain`.")
    (acc_with, drop_with), (acc_without, drop_without) = (shifted_accuracy_drop(m, test, pixels) for m in (augmented, plain))
    if min(acc_with, acc_without) < 50:
        return _verdict(False, "", "one of the two networks reads fewer than half the test digits: train both before comparing.")
    drops = {"with": drop_with, "without": drop_without}
    truth = max(drops, key=drops.get)
    return _verdict(answer == truth,
                    f"moved {pixels} pixels, the net trained {truth} augmentation loses {drops[truth]:.1f} points, "
                    f"the other {drops['with' if truth == 'without' else 'without']:.1f}.",
                    "measure it: compare accuracy(net, (shift(x, 2, 0), y)) with accuracy(net, (x, y)) for both nets.")


# ---- 05_shift_equivariance -------------------------------------------------------------------

def check_map_move(d: int, answer: float) -> bool:
    """05, exercise 1: how many cells LeNet5's pool2 map moves for an input shift of `d` pixels."""
    truth = d / 4
    if math.isclose(float(answer), truth, abs_tol=1e-9):
        return _verdict(True, f"pool2 has a cumulative stride of 2 x 2 = 4, so {d} px is {truth:g} cells.", "")
    if math.isclose(float(answer), d / 2, abs_tol=1e-9):
        return _verdict(False, "", "that is the move after pool1; pool2 halves it once more.")
    return _verdict(False, "", "divide the input shift by the product of the strides met up to pool2.")


def check_exact_shifts(answer: Iterable[int], up_to: int = 12) -> bool:
    """05, exercise 2: the shifts in 0..up_to px for which pool2's map is an exact shifted copy."""
    truth = set(range(0, up_to + 1, 4))
    given = {int(a) for a in answer}
    if given == truth:
        return _verdict(True, "exactly the multiples of the cumulative stride 4.", "")
    if given == set(range(0, up_to + 1, 2)):
        return _verdict(False, "", "even shifts are exact up to conv2, but pool2 halves the resolution once more.")
    return _verdict(False, "", "the shift must be a whole number of cells at every pooling: which multiples survive two halvings?")


def check_consistency(answer: float, model: nn.Module, images: torch.Tensor, max_shift: int, seed: int = 0) -> bool:
    """05, exercise 3: a consistency figure measured with consistency(model, images, max_shift,
    generator=torch.Generator().manual_seed(seed)) (pairs=1), within 0.05 points."""
    truth = consistency(model, images, max_shift, generator=torch.Generator().manual_seed(seed))
    if abs(float(answer) - truth) <= 0.05:
        return _verdict(True, f"{truth:.1f}% of the digits keep their class under two random shifts of up to {max_shift} px.", "")
    if 0 < float(answer) <= 1 and abs(100 * float(answer) - truth) <= 5:
        return _verdict(False, "", "consistency is a percentage here: multiply the share by 100.")
    return _verdict(False, "", f"measure it with consistency(model, images, {max_shift}, generator=torch.Generator().manual_seed({seed})).")


# ---- 06_sliding_window -----------------------------------------------------------------------

def check_one_d(length: int, outputs: int, feeds_last: tuple[int, int]) -> bool:
    """06, exercise 1: for the 1-D net with `length` inputs, the number of outputs and the first and
    last input that feed the last output."""
    net = tiny_1d()
    n = output_length(length, net)
    if outputs != n:
        return _verdict(False, "", "use out = (L - receptive field) // stride + 1 with the receptive field 10 and the stride 4.")
    inputs = feeding_inputs(net, n - 1)
    if tuple(feeds_last) != (inputs[0], inputs[-1]):
        return _verdict(False, "", f"{n} outputs is right; output j sees 10 inputs starting at 4j (count from 0, last included).")
    return _verdict(True, f"{n} outputs; the last one sees inputs {inputs[0]} to {inputs[-1]}, and inputs beyond {inputs[-1]} feed no output.", "")


def check_narrowest_strip(columns: int, answer: int) -> bool:
    """06, exercise 2: the narrowest input (in pixels, no padding) for which a FullyConvLeNet gives `columns` output columns."""
    truth = FIELD + 4 * (columns - 1)
    if answer == truth:
        return _verdict(True, f"{answer} pixels: the first window takes 32, every further column 4 more.", "")
    if answer == 4 * columns or answer == FIELD + 4 * columns:
        return _verdict(False, "", "almost: the first column needs a whole 32-pixel window, each further one 4 more pixels.")
    return _verdict(False, "", "solve (W - 32) // 4 + 1 = columns for the smallest W.")


def check_decoder(decoder: Callable[[torch.Tensor], str], model: FullyConvLeNet, strips: Sequence[Strip], *,
                  baseline: float) -> bool:
    """06, exercise 3: does `decoder` (probabilities (11, n) -> str) read `strips` at least as well as
    the string accuracy `baseline` of the notebook's rule?"""
    r = reading_accuracy(model, strips, decoder=decoder)
    ok = r.string_accuracy >= baseline
    message = (f"your rule reads {r.digit_accuracy:.1f}% of digits and {r.string_accuracy:.1f}% of strings "
               f"({'at least' if ok else 'below'} the {baseline:.1f}% of the notebook's rule).")
    return _verdict(ok, message, message)


# ---- 07_feature_binding ----------------------------------------------------------------------

def check_path(model: nn.Module, path: StrokePath, threshold: float = 0.8, steps: int = 41) -> bool:
    """07, exercise 1: does `model` read your path's first and last keyframes as labelled, each with
    probability >= threshold, and change its answer on the way?"""
    if path.labels[0] == "" or path.labels[-1] == "":
        return _verdict(False, "", "label the first and last keyframes with the digits you drew, e.g. labels=('7', '9').")
    s = sweep(model, path, steps)
    want = (int(path.labels[0]), int(path.labels[-1]))
    got = tuple(int(c) for c in s.predictions[[0, -1]])
    conf = tuple(round(float(c), 2) for c in s.confidence[[0, -1]])
    if want[0] == want[1]:
        return _verdict(False, "", "the first and last digits are the same: move the stroke so that the digit changes.")
    if got != want:
        return _verdict(False, "", f"the net reads the ends as {got[0]} and {got[1]}, not {want[0]} and {want[1]}: "
                        "look at path.images(torch.tensor([0., 1.])) beside real digits and reshape the strokes.")
    if min(conf) < threshold:
        return _verdict(False, "", f"the ends read right but with probabilities {conf}, below {threshold}: make the digits clearer.")
    return _verdict(True, f"the net reads {want[0]} (p = {conf[0]}) at the start and {want[1]} (p = {conf[1]}) at the end.", "")


def check_crossing(sweep_: Sweep, answer: float, tolerance: float = 0.05) -> bool:
    """07, exercise 2: the position at which the end digit's probability overtakes the start digit's."""
    truth = crossing(sweep_)
    if abs(answer - truth) <= tolerance:
        return _verdict(True, f"the curves cross near position {answer:.2f}.", "")
    hint = "later" if answer < truth else "earlier"
    return _verdict(False, "", f"look {hint} along the path: find where the two curves of plot_sweeps cross.")


def check_bag_answer(views: Mapping[str, torch.Tensor], answer: str) -> bool:
    """07, exercise 3: are the pool2 bags of features of a path's two ends 'more' or 'less' alike
    than the pool1 bags?"""
    if answer not in ("more", "less"):
        return _verdict(False, "", "answer 'more' or 'less'.")
    c1 = cosine(bag_of_features(views["pool1"][:1]), bag_of_features(views["pool1"][-1:]))
    c2 = cosine(bag_of_features(views["pool2"][:1]), bag_of_features(views["pool2"][-1:]))
    truth = "more" if c2 > c1 else "less"
    if answer == truth:
        if truth == "less":
            why = ("second-layer features respond to combinations of strokes (a loop joined to a line on one "
                   "side or the other), so which of them are present already says something about the arrangement")
        else:
            why = "on this path even the second layer's features are present at both ends in the same amounts"
        return _verdict(True, f"cosine {c1:.3f} at pool1, {c2:.3f} at pool2: {why}.", "")
    return _verdict(False, "", "compute cosine(bag_of_features(...)) of the first and last steps for both layers and compare.")


# ---- 08_what_convnets_are_good_for -----------------------------------------------------------

def check_unshared_conv2(answer: int) -> bool:
    """08, exercise 1: parameters of SmallConvNet's conv2 without weight sharing (own weights per position)."""
    truth = 8 * 8 * 6 * (6 * 5 * 5 + 1)
    if answer == truth:
        return _verdict(True, "64 positions x 6 maps, each with its own 6x5x5 kernel and bias.", "")
    if answer == 6 * (6 * 5 * 5 + 1):
        return _verdict(False, "", "that is conv2 with sharing; without it every one of the 8x8 positions needs its own copy.")
    if answer in (8 * 8 * 6 * 5 * 5 + 6, 8 * 8 * 6 * (5 * 5 + 1)):
        return _verdict(False, "", "a conv2 kernel spans all 6 input maps, 6x5x5 weights, plus one bias.")
    return _verdict(False, "", "count the 8x8 output positions of conv2, its 6 maps, and what each unit needs (6x5x5 weights + 1 bias).")


def check_matched_hidden(maps: int, hidden: int) -> bool:
    """08, exercise 2: the FCNet hidden size whose parameter count is closest to SmallConvNet(maps)."""
    target = sum(p.numel() for p in SmallConvNet(maps).parameters())
    fc = lambda h: 784 * h + h + h * h + h + 10 * h + 10  # noqa: E731
    best = min(range(1, 200), key=lambda h: abs(fc(h) - target))
    if hidden == best:
        return _verdict(True, f"FCNet({hidden}) has {fc(hidden):,} parameters, SmallConvNet({maps}) {target:,}.", "")
    return _verdict(False, "", f"FCNet({hidden}) has {fc(hidden):,} parameters but SmallConvNet({maps}) has {target:,}; try {'more' if fc(hidden) < target else 'fewer'} hidden units.")


def check_pool2_field(size: int, stride: int) -> bool:
    """08, exercise 3: the receptive field (size, stride in input pixels) of a pool2 unit of SmallConvNet."""
    rf = receptive_field([(5, 1), (2, 2), (5, 1), (2, 2)])
    if (size, stride) == (rf.size, rf.stride):
        return _verdict(True, "the 2x2 pool adds one conv2 step (2 pixels) to the 14x14 field and doubles the stride.", "")
    if (size, stride) == (14, 2):
        return _verdict(False, "", "that is conv2's field; pool2 combines a 2x2 block of conv2 units.")
    return _verdict(False, "", "start from conv2's 14x14 field with stride 2: neighbouring conv2 units are 2 pixels apart.")


def check_block_permutation(perm: torch.Tensor, side: int = 28) -> bool:
    """08, exercise 4: `perm` must permute the side x side pixels only within each 2x2 block, not all identically."""
    try:
        _check_perm(perm, side * side)
    except ValueError as err:
        return _verdict(False, "", str(err))
    dest = torch.arange(side * side)
    src = perm.long()
    same_block = ((dest // side) // 2 == (src // side) // 2) & ((dest % side) // 2 == (src % side) // 2)
    if not bool(same_block.all()):
        return _verdict(False, "", f"{int((~same_block).sum())} pixels come from outside their own 2x2 block.")
    if torch.equal(src, dest):
        return _verdict(False, "", "this is the identity; shuffle the four pixels of each block.")
    return _verdict(True, f"{int((src != dest).sum())} pixels move, none leaves its 2x2 block.", "")
