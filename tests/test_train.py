import math
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
    with pytest.raises(ValueError, match="is empty"):
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
    from helpers.lenet1998 import LeNet1998, mse_loss, pad_to_32
    from helpers.windows import LeNet32
    from helpers.zipcode import ZipCodeNet1989, mse_pm1

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
