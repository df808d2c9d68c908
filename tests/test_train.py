import inspect
import math
import os
import warnings

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.augment import shifter
from helpers.data import load_digits
from helpers.lenet5 import LeNet5
from helpers.train import History, TrainingDiverged, accuracy, fit, predict, progress_enabled, set_seed


def tiny():
    x, y = load_digits("train")
    return x[:256], y[:256]


def test_fit_reduces_loss_and_learns():
    set_seed(0)
    model = LeNet5()
    data = tiny()
    before = accuracy(model, data)
    h = fit(model, data, data, epochs=4, lr=2e-3, optimizer="adam", progress=False)
    assert isinstance(h, History) and h.epochs == 4
    assert h.loss[-1] < 0.5 * h.loss[0]
    assert h.train_accuracy[-1] > before + 40
    assert len(h.test_accuracy) == 4 and len(h.seconds) == 4 and h.total_seconds > 0
    assert "epoch" in str(h)


def test_fit_can_skip_the_train_accuracy_pass():
    set_seed(0)
    h = fit(LeNet5(), tiny(), tiny(), epochs=2, lr=1e-3, optimizer="adam", train_accuracy=False, progress=False)
    assert h.train_accuracy == [] and len(h.test_accuracy) == 2
    assert "       -" in str(h)


def test_fit_is_deterministic():
    results = []
    for _ in range(2):
        set_seed(1)
        model = LeNet5()
        # bitwise repeatable on the CPU; a GPU repeats itself only with cuDNN's deterministic kernels (04)
        fit(model, tiny(), epochs=1, lr=0.05, augment=shifter(1), schedule="cosine", seed=3, device="cpu", progress=False)
        results.append(model.fc2.weight.detach().clone())
    assert torch.equal(results[0], results[1])


def test_accuracy_and_predict():
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))
    with torch.no_grad():
        model[1].weight.copy_(torch.eye(3, 4))
        model[1].bias.zero_()
    x = torch.eye(4)[:3].reshape(3, 1, 2, 2)
    assert accuracy(model, (x, torch.tensor([0, 1, 2]))) == 100.0
    assert accuracy(model, (x, torch.tensor([0, 1, 0]))) == pytest.approx(200 / 3)
    assert predict(model, x, batch_size=2).shape == (3, 3)


def test_predict_joins_its_batches_in_order():
    # 7 images in batches of 3, 3 and 1: every row must be the model's answer for the same image
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.Dropout(0.5))  # Dropout: predict must run in eval mode
    model.train()
    x = torch.randn(7, 1, 2, 2, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        direct = torch.cat([model.eval()(image[None]) for image in x])  # one image at a time
    model.train()
    batched = predict(model, x, batch_size=3)
    assert batched.shape == (7, 3)
    torch.testing.assert_close(batched, direct, rtol=0, atol=1e-6)
    torch.testing.assert_close(batched, predict(model, x, batch_size=1000), rtol=0, atol=1e-6)  # one batch
    assert model.training  # and the model is handed back in the mode it came in


def test_accuracy_over_several_batches_scores_each_image_against_its_own_label():
    # a net that answers the class written on its input: image i is one-hot at labels[i]
    model = nn.Sequential(nn.Flatten(), nn.Linear(3, 3))
    with torch.no_grad():
        model[1].weight.copy_(torch.eye(3))
        model[1].bias.zero_()
    labels = torch.tensor([0, 1, 2, 2, 1, 0, 0])
    x = F.one_hot(labels, 3).float().reshape(7, 1, 1, 3)
    for batch_size in (1, 2, 3, 1000):  # 7, 4, 3 and 1 batches
        assert accuracy(model, (x, labels), batch_size=batch_size) == 100.0
        wrong = labels.clone()
        wrong[[1, 5]] = 2  # two of seven labels no longer match their image
        assert accuracy(model, (x, wrong), batch_size=batch_size) == pytest.approx(500 / 7)


def test_set_seed_reproduces_python_numpy_and_torch_draws():
    import random

    import numpy as np

    def draws(gen):
        return (random.random(), random.randrange(10**9), float(np.random.rand()), int(np.random.randint(10**9)),
                float(torch.rand(1)), float(torch.rand(1, generator=gen)))

    first = draws(set_seed(7))
    random.random()  # move every global generator on
    np.random.rand(3)
    torch.rand(3)
    assert draws(set_seed(7)) == first  # each of the three global generators is reset, and the returned one
    other = draws(set_seed(8))
    assert all(a != b for a, b in zip(first, other))
    # each generator gets exactly the seed: the same draws as fresh generators seeded with it
    gen = set_seed(7)
    assert gen.initial_seed() == 7 and random.random() == random.Random(7).random()
    assert float(np.random.rand()) == float(np.random.RandomState(7).rand())
    assert torch.equal(torch.rand(4), torch.rand(4, generator=torch.Generator().manual_seed(7)))
    assert torch.equal(torch.rand(4, generator=gen), torch.rand(4, generator=torch.Generator().manual_seed(7)))


def test_bad_inputs_are_clear():
    model = LeNet5()
    x, y = tiny()
    with pytest.raises(ValueError, match="same first dimension"):
        fit(model, (x, y[:10]), epochs=1, lr=0.1, progress=False)
    with pytest.raises(TypeError, match="floating point"):
        fit(model, ((x * 255).to(torch.uint8), y), epochs=1, lr=0.1, progress=False)
    with pytest.raises(TypeError, match="pair \\(images, labels\\)"):
        fit(model, x, epochs=1, lr=0.1, progress=False)
    with pytest.raises(ValueError, match="Unknown optimizer 'lbfgs'"):
        fit(model, (x, y), epochs=1, lr=0.1, optimizer="lbfgs", progress=False)
    with pytest.raises(ValueError, match="epochs to be a whole number >= 1"):
        fit(model, (x, y), epochs=0, lr=0.1, progress=False)
    with pytest.raises(ValueError, match="same first dimension N >= 1"):
        accuracy(model, (x[:0], y[:0]))


def test_progress_setting(monkeypatch):
    monkeypatch.delenv("CONVNETS_PROGRESS", raising=False)
    assert progress_enabled(True) and not progress_enabled(False)
    monkeypatch.setenv("CONVNETS_PROGRESS", "0")
    assert not progress_enabled(True)


def test_progress_bar_honours_env(monkeypatch, capsys):
    monkeypatch.setenv("CONVNETS_PROGRESS", "0")
    fit(LeNet5(), tiny(), epochs=1, lr=0.01, progress=True)
    assert "batch" not in capsys.readouterr().err
    monkeypatch.setenv("CONVNETS_PROGRESS", "1")
    fit(LeNet5(), tiny(), epochs=1, lr=0.01, progress=True)
    assert "batch" in capsys.readouterr().err


def test_pick_device_honours_env(monkeypatch):
    from helpers.train import pick_device

    monkeypatch.delenv("CONVNETS_DEVICE", raising=False)
    assert pick_device().type == ("cuda" if torch.cuda.is_available() else "cpu")
    monkeypatch.setenv("CONVNETS_DEVICE", "cpu")
    assert pick_device() == torch.device("cpu")
    assert pick_device("cpu") == torch.device("cpu")  # an explicit device wins over the env
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setenv("CONVNETS_DEVICE", "auto")
    assert pick_device().type == "cuda"


def test_fit_stops_at_the_first_nan_loss_and_keeps_what_was_learned():
    set_seed(0)
    model = LeNet5()
    x, y = tiny()
    calls, seen = [], []

    def poisoned(out, labels):  # cross-entropy, nan from the fourth batch on
        calls.append(1)
        loss = F.cross_entropy(out, labels)
        if len(calls) > 3:
            seen.extend(p.detach().clone() for p in model.parameters())  # the weights after three steps
            return loss * float("nan")
        return loss

    with pytest.raises(TrainingDiverged, match=r"epoch 1, batch 4: the loss became nan") as info:
        fit(model, (x, y), epochs=2, lr=0.01, batch_size=32, loss_fn=poisoned, progress=False)
    history = info.value.history
    assert len(history.batch_loss) == 3 and all(math.isfinite(v) for v in history.batch_loss) and history.epochs == 0
    # the nan batch took no step: the model holds the weights of the three good steps
    assert len(seen) == len(list(model.parameters()))
    assert all(torch.equal(p, q.cpu()) for p, q in zip(model.parameters(), seen))  # and back on the CPU


def test_fit_warns_once_on_unscaled_pixels_and_not_on_the_course_ranges():
    x, y = tiny()
    with pytest.warns(UserWarning, match=r"divide raw pixels by 255"):
        fit(LeNet5(), (x * 255, y), epochs=1, lr=1e-3, optimizer="adam", train_accuracy=False, progress=False)
    standardised = (x - 0.1307) / 0.3081  # reaches 2.8
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for images in (x, 2 * x - 1, standardised):
            fit(LeNet5(), (images[:64], y[:64]), epochs=1, lr=1e-3, train_accuracy=False, progress=False)


def test_label_checks_follow_the_net_and_keep_mse_losses_working():
    from helpers.bell_labs import ZipCodeNet1989
    from helpers.bell_labs_zipcode import mse_pm1
    from helpers.lenet5 import LeNet1998
    from helpers.lenet5_1998 import mse_loss, pad_to_32
    from helpers.sliding_window import LeNet32

    x, y = tiny()
    x, y = x[:64], y[:64]
    # 11 outputs: the reader's class 10 ("none") is a valid label
    fit(LeNet32(), (pad_to_32(x), torch.full_like(y, 10)), epochs=1, lr=1e-3, loss_fn=F.nll_loss, train_accuracy=False, progress=False)
    with pytest.raises(ValueError, match=r"labels go up to 10 but the net has 10 outputs"):
        fit(LeNet5(), (x, torch.full_like(y, 10)), epochs=1, lr=1e-3, progress=False)
    # 02's +-1 targets and 04's RBF penalties take class indices as labels too: fit hands them to the loss
    # as they are (the first batch's loss is the loss of the untrained net on those labels), and each
    # epoch's step on the one batch of 64 lowers it
    small = torch.nn.functional.interpolate(x, size=16, mode="bilinear", align_corners=False)
    for net, images, loss_fn, how in ((ZipCodeNet1989(), small, mse_pm1, dict(lr=0.1, momentum=0.0)),
                                      (LeNet1998(), pad_to_32(x), mse_loss, dict(lr=1e-3, optimizer="adam"))):
        with torch.no_grad():
            untrained = loss_fn(net(images), y).item()
        h = fit(net, (images, y), epochs=2, loss_fn=loss_fn, train_accuracy=False, device="cpu", progress=False, **how)
        assert len(h.batch_loss) == 2 and h.batch_loss[0] == pytest.approx(untrained, rel=1e-5), type(net).__name__
        assert h.loss[1] < h.loss[0], type(net).__name__


def test_checks_do_not_change_training():
    """fit on valid data gives the same weights as the loop written out (no extra random draws)."""
    x, y = tiny()
    set_seed(0)
    model = LeNet5()
    fit(model, (x, y), epochs=1, lr=0.01, batch_size=64, seed=5, device="cpu", progress=False, train_accuracy=False)
    set_seed(0)
    mine = LeNet5()
    opt = torch.optim.SGD(mine.parameters(), lr=0.01, momentum=0.9)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(5))
    for i in range(0, len(y), 64):
        idx = order[i:i + 64]
        loss = F.cross_entropy(mine(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), mine.parameters()))
    model = LeNet5()
    state = torch.get_rng_state()
    fit(model, (x, y), (x, y), epochs=1, lr=0.01, progress=False)
    assert torch.equal(state, torch.get_rng_state())  # the checks draw no random numbers


# ---- written against mutmut's survivors (`make mutants`, DEVELOPERS.md "Mutation testing") ----------

def small_data(n=8, classes=3, seed=0):
    """n random 2x2 images and labels 0, 1, ..., classes - 1, 0, ...: enough for a linear net."""
    return torch.rand(n, 1, 2, 2, generator=torch.Generator().manual_seed(seed)), torch.arange(n) % classes


def linear(outputs=3):
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(4, outputs))


def test_set_seed_defaults_to_zero_and_gives_numpy_a_seed_it_takes():
    import random

    import numpy as np

    def draws():
        return random.random(), float(np.random.rand()), float(torch.rand(1))

    set_seed()
    first = draws()
    set_seed(0)
    assert draws() == first
    set_seed(2**32 + 5)  # NumPy takes seeds below 2**32 only: it gets the seed modulo 2**32
    a = float(np.random.rand())
    np.random.seed(5)
    assert a == float(np.random.rand())


def test_pick_device_refuses_mps_unless_torch_has_it(monkeypatch):
    from helpers.train import pick_device

    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    with pytest.raises(ValueError, match="no Apple-silicon GPU"):
        pick_device("mps")
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert pick_device("mps") == torch.device("mps")


def test_the_words_that_turn_progress_bars_off(monkeypatch):
    monkeypatch.delenv("CONVNETS_PROGRESS", raising=False)
    assert progress_enabled()
    for word in ("0", "false", "no", "off", " Off ", "FALSE", "No"):
        monkeypatch.setenv("CONVNETS_PROGRESS", word)
        assert not progress_enabled(), word
    for word in ("1", "yes", "on"):
        monkeypatch.setenv("CONVNETS_PROGRESS", word)
        assert progress_enabled(), word


def test_history_prints_a_line_per_epoch_and_a_dash_for_what_was_not_measured():
    h = History(loss=[1.23456, 0.5], train_accuracy=[50.0, 75.5], test_accuracy=[60.25], seconds=[1.0, 2.0])
    assert str(h) == ("epoch   loss  train %   test %\n"
                      "    1  1.235    50.00    60.25\n"
                      "    2  0.500    75.50        -")
    assert str(History(loss=[0.5], test_accuracy=[90.0])).splitlines()[1] == "    1  0.500        -    90.00"  # train_accuracy=False


def test_check_data_and_check_values_say_what_is_wrong_with_which_argument():
    from helpers.train import check_data, check_values

    x, y = small_data(4)
    with pytest.raises(TypeError, match="^data must be a pair"):
        check_data({"images": x, "labels": y})  # two items, but not a pair
    with pytest.raises(TypeError, match="^data must be a pair"):
        check_data(torch.zeros(2, 5))
    with pytest.raises(TypeError, match=r"^data must be a pair \(images, labels\) of tensors"):
        check_data((x, y.tolist()))
    with pytest.raises(TypeError, match=r"^data must be a pair \(images, labels\) of tensors"):
        check_data((x.tolist(), y))
    with pytest.raises(ValueError, match=r"^data: the images hold nan or inf values; check which with \(~images.isfinite\(\)\)"):
        check_values((x.masked_fill(x > 0.5, float("nan")), y))


def test_fit_warns_beyond_the_input_limit_either_way_and_points_at_the_callers_line():
    from helpers import train
    from helpers.train import INPUT_LIMIT

    x, y = small_data(8)
    with pytest.warns(UserWarning, match=r"range over \[-20, 0\.5\]") as caught:
        line = inspect.currentframe().f_lineno + 1
        fit(linear(), (x * 0 - 20 + (x > 0.5) * 20.5, y), epochs=1, lr=1e-3, train_accuracy=False, progress=False)
    # the warning points past every frame of helpers/ at the learner's own line (here, this test's call of fit);
    # under mutmut, whose trampolines (frames of its own package) stand between, only "not in helpers/" holds
    if "MUTANT_UNDER_TEST" not in os.environ:
        assert (caught[0].filename, caught[0].lineno) == (__file__, line)
    assert caught[0].filename != train.__file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        at_limit = x * 0 + INPUT_LIMIT
        fit(linear(), (at_limit, y), epochs=1, lr=1e-3, train_accuracy=False, progress=False)  # not beyond it


class BatchSizes(nn.Module):
    """A linear net that records the length of every batch it is given."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 3)
        self.sizes = []

    def forward(self, x):
        self.sizes.append(len(x))
        return self.lin(x.flatten(1))


def test_predict_and_accuracy_read_batches_of_1000_unless_told_otherwise():
    x, y = small_data(2500)
    net = BatchSizes()
    predict(net, x)
    assert net.sizes == [1000, 1000, 500]
    net.sizes = []
    accuracy(net, (x, y))
    assert net.sizes == [1000, 1000, 500]
    net.sizes = []
    accuracy(net, (x, y), batch_size=700)
    assert net.sizes == [700, 700, 700, 400]


def test_predict_and_accuracy_refuse_wrong_inputs_by_name():
    net = linear()
    x, y = small_data(5)
    with pytest.raises(TypeError, match="^predict holds torch.float32 weights but got torch.float64 input"):
        predict(net, x.double())
    with pytest.raises(ValueError, match="^Unknown device 'abacus'"):
        predict(net, x, device="abacus")
    with pytest.raises(ValueError, match="^Unknown device 'abacus'"):
        accuracy(net, (x, y), device="abacus")
    with pytest.raises(ValueError, match="^accuracy: the labels go up to 3 but the net has 3 outputs"):
        accuracy(net, (x, y + 1))


@pytest.mark.parametrize("call, error, message", [
    (lambda good, x, y: fit(linear(), (x, y[:5]), epochs=1, lr=0.1), ValueError, "^train: images"),
    (lambda good, x, y: fit(linear(), good, (x, y[:5]), epochs=1, lr=0.1), ValueError, "^test: images"),
    (lambda good, x, y: fit(linear(), good, (x, y.float()), epochs=1, lr=0.1), TypeError, "^test: images must be floating point and labels int64"),
    (lambda good, x, y: fit(linear(), (x.double(), y), epochs=1, lr=0.1), TypeError, "^fit holds torch.float32 weights"),
    (lambda good, x, y: fit(linear(), good, epochs=1, lr=0.1, batch_size=0), ValueError, "fit needs batch_size to be"),
    (lambda good, x, y: fit(linear(), good, epochs=1, lr=0), ValueError, "learning rate lr that is a finite number > 0"),
    (lambda good, x, y: fit(linear(), good, epochs=1, lr=0.1, loss_fn="mse"), TypeError, "fit needs loss_fn to be a function"),
    (lambda good, x, y: fit(linear(), good, epochs=1, lr=0.1, augment=2), TypeError, "fit needs augment to be a function"),
    (lambda good, x, y: fit(linear(), (x * float("nan"), y), epochs=1, lr=0.1), ValueError, "^train: the images hold nan"),
    (lambda good, x, y: fit(linear(), good, (x * float("nan"), y), epochs=1, lr=0.1), ValueError, "^test: the images hold nan"),
    (lambda good, x, y: fit(linear(), (x, y + 10), epochs=1, lr=0.1), ValueError, "^train: the labels go up to 12 but the net has 3"),
    (lambda good, x, y: fit(linear(), good, (x, y + 3), epochs=1, lr=0.1), ValueError, "^test: the labels go up to 5 but the net has 3"),
])
def test_fit_names_the_argument_at_fault(call, error, message):
    x, y = small_data(8)
    with pytest.raises(error, match=message):
        call((x, y), x, y)


def test_fit_trains_a_one_output_net_without_a_test_set():
    x, _ = small_data(8)
    h = fit(linear(1), (x, torch.zeros(8, dtype=torch.long)), epochs=1, lr=0.1, progress=False)
    assert len(h.loss) == 1


def test_fit_draws_a_progress_bar_of_every_batch_with_the_epochs_figures(monkeypatch):
    bars = []

    class Bar:
        def __init__(self, **kwargs):
            self.kwargs, self.updates, self.postfixes, self.closed = kwargs, 0, [], False
            bars.append(self)

        def update(self, n):
            self.updates += n

        def set_postfix(self, post):
            self.postfixes.append(dict(post))

        def close(self):
            self.closed = True

    class Tiny(nn.Sequential):
        pass

    monkeypatch.setattr("tqdm.auto.tqdm", Bar)
    x, y = small_data(5)
    torch.manual_seed(0)
    h = fit(Tiny(nn.Flatten(), nn.Linear(4, 3)), (x, y), (x, y), epochs=3, lr=0.1, batch_size=2)  # progress on by default
    (bar,) = bars
    assert bar.kwargs == {"total": 9, "desc": "Tiny", "unit": "batch", "leave": True, "disable": False}  # 3 epochs of 3 batches (2, 2, 1)
    assert type(bar.kwargs["total"]) is int and bar.updates == 9 and bar.closed
    assert bar.postfixes == [{"loss": f"{h.loss[e]:.3f}", "test": f"{h.test_accuracy[e]:.1f}%"} for e in range(3)]


def test_the_cosine_schedule_reaches_zero_at_the_last_step():
    made = []

    def sgd(params):
        made.append(torch.optim.SGD(params, lr=0.5))
        return made[-1]

    x, y = small_data(5)
    fit(linear(), (x, y), epochs=2, lr=0.5, batch_size=2, optimizer=sgd, schedule="cosine", train_accuracy=False, progress=False)
    assert made[0].param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-9)  # 2 epochs of 3 batches: 6 steps
    fit(linear(), (x, y), epochs=2, lr=0.5, batch_size=2, optimizer=sgd, train_accuracy=False, progress=False)
    assert made[1].param_groups[0]["lr"] == 0.5


def test_optimizers_by_name_get_the_learning_rate_momentum_and_weight_decay():
    from helpers.train import _optimizer

    params = [nn.Parameter(torch.zeros(2))]
    sgd = _optimizer("sgd", params, 0.1, 0.8, 0.01)
    assert type(sgd) is torch.optim.SGD and (sgd.defaults["lr"], sgd.defaults["momentum"], sgd.defaults["weight_decay"]) == (0.1, 0.8, 0.01)
    adam = _optimizer("Adam", params, 0.1, 0.8, 0.01)
    assert type(adam) is torch.optim.Adam and (adam.defaults["lr"], adam.defaults["weight_decay"]) == (0.1, 0.01)
    adamw = _optimizer("AdamW", params, 0.1, 0.8, 0.0)
    assert type(adamw) is torch.optim.AdamW and (adamw.defaults["lr"], adamw.defaults["weight_decay"]) == (0.1, 0.01)
    assert adamw.param_groups[0]["params"] == params
    assert _optimizer("adamw", params, 0.1, 0.8, 0.05).defaults["weight_decay"] == 0.05


def test_fit_defaults_batches_of_64_seed_0_and_the_epoch_loss_is_the_mean_over_images():
    x, y = small_data(130)
    net = linear()
    h = fit(net, (x, y), epochs=1, lr=0.1, progress=False)  # batches of 64, 64 and 2
    assert len(h.batch_loss) == 3
    assert h.loss[0] == pytest.approx((64 * h.batch_loss[0] + 64 * h.batch_loss[1] + 2 * h.batch_loss[2]) / 130)
    assert 0 <= h.seconds[0] < 60
    other = linear()
    fit(other, (x, y), epochs=1, lr=0.1, seed=0, progress=False)
    assert all(torch.equal(p, q) for p, q in zip(net.parameters(), other.parameters()))


def test_fit_hands_augment_its_own_generator():
    generators = []

    def augment(batch, generator):
        generators.append(generator)
        return batch

    x, y = small_data(8)
    fit(linear(), (x, y), epochs=1, lr=0.1, batch_size=4, augment=augment, progress=False)
    assert len(generators) == 2 and all(isinstance(g, torch.Generator) for g in generators)


def test_channels_last_applies_to_the_weights_and_to_4d_batches_only():
    class Conv(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 2, 2)
            self.seen = []

        def forward(self, x):
            self.seen.append("channels_last" if not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last)
                             else "contiguous" if x.is_contiguous() else "other")
            return self.conv(x).flatten(1)[:, :3]

    x, y = torch.rand(6, 3, 4, 4, generator=torch.Generator().manual_seed(0)), torch.arange(6) % 3
    net = Conv()
    fit(net, (x, y), epochs=1, lr=0.1, batch_size=3, channels_last=True, train_accuracy=False, progress=False)
    assert net.seen == ["channels_last"] * 2
    assert net.conv.weight.is_contiguous(memory_format=torch.channels_last) and not net.conv.weight.is_contiguous()
    net = Conv()
    fit(net, (x, y), epochs=1, lr=0.1, batch_size=3, train_accuracy=False, progress=False)
    assert net.seen == ["contiguous"] * 2
    flat, _ = small_data(6)
    fit(linear(), (flat.flatten(1), y), epochs=1, lr=0.1, channels_last=True, progress=False)  # 2-D batches stay as they are


def test_fit_sends_the_labels_to_the_device_too(monkeypatch):
    from helpers import train

    class StandIn(nn.Module):  # stays on the CPU whatever it is moved to (meta tensors hold no data)
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.ones(1))

        def to(self, *args, **kwargs):
            return self

        def forward(self, x):
            return self.w * torch.zeros(len(x), 3)

    monkeypatch.setattr(train, "pick_device", lambda device="auto": torch.device("meta"))
    where = []

    def loss_fn(out, labels):
        where.append(labels.device.type)
        return out.sum() + 1.0

    x, y = small_data(8)
    fit(StandIn(), (x, y), epochs=1, lr=0.1, batch_size=4, loss_fn=loss_fn, train_accuracy=False, progress=False)
    assert where == ["meta", "meta"]


def test_predict_runs_a_net_without_weights_too():
    x, _ = small_data(3)
    assert torch.equal(predict(nn.Flatten(), x), x.flatten(1))


def test_predict_runs_a_net_without_weights_where_its_images_are():
    where = []

    class Where(nn.Module):
        def forward(self, x):
            where.append(x.device.type)
            return x

    with pytest.raises((NotImplementedError, RuntimeError)):  # meta tensors (a GPU's stand-in) hold no data to bring back
        predict(Where(), torch.zeros(2, 3, device="meta"))
    assert where == ["meta"]


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_fit_is_the_plain_loop_over_two_epochs_with_a_short_last_batch(optimizer):
    """fit = shuffle with its own generator (one order per epoch), batches by indexing, zero_grad, backward,
    step: the same batch losses and weights as that loop written out, for Adam and SGD with momentum, and
    an epoch loss that is the mean over digits (the last batch of 44 weighs less)."""
    gen = torch.Generator().manual_seed(0)
    x, y = torch.rand(300, 1, 28, 28, generator=gen), torch.randint(0, 10, (300,), generator=gen)
    lr = 2e-3 if optimizer == "adam" else 0.05
    set_seed(1)
    mine = LeNet5()
    opt = (torch.optim.Adam(mine.parameters(), lr=lr) if optimizer == "adam"
           else torch.optim.SGD(mine.parameters(), lr=lr, momentum=0.9))
    order_gen = torch.Generator().manual_seed(5)
    losses = []
    for _ in range(2):
        order = torch.randperm(len(y), generator=order_gen)
        for start in range(0, len(y), 64):
            idx = order[start:start + 64]
            loss = F.nll_loss(mine(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    set_seed(1)
    theirs = LeNet5()
    history = fit(theirs, (x, y), epochs=2, lr=lr, optimizer=optimizer, loss_fn=F.nll_loss, batch_size=64, seed=5,
                  train_accuracy=False, device="cpu", progress=False)
    assert len(history.batch_loss) == len(losses) == 10
    assert torch.allclose(torch.tensor(losses), torch.tensor(history.batch_loss), atol=1e-6)
    assert all(torch.allclose(p, q, atol=1e-6) for p, q in zip(mine.parameters(), theirs.parameters()))
    sizes = [64] * 4 + [44]
    assert history.loss[0] == pytest.approx(sum(l * n for l, n in zip(losses[:5], sizes)) / 300, abs=1e-6)


def test_the_entry_points_name_themselves_in_their_messages():
    with pytest.raises(TypeError, match=r"^predict needs the images as one floating-point tensor"):
        predict(LeNet5(), [torch.rand(1, 28, 28)])
    with pytest.raises(ValueError, match=r"^predict: LeNet5 cannot read images of shape \(2, 1, 32, 32\) \(mat1 and mat2"):
        predict(LeNet5(), torch.rand(2, 1, 32, 32))
    with pytest.raises(ValueError, match=r"^train: LeNet5 cannot read images of shape \(4, 1, 32, 32\)"):
        fit(LeNet5(), (torch.rand(4, 1, 32, 32), torch.zeros(4, dtype=torch.long)), epochs=1, lr=0.1, progress=False)
