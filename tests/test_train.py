import pytest
import torch
import torch.nn as nn

from helpers.augment import shifter
from helpers.data import load_digits
from helpers.models import LeNet5
from helpers.train import History, accuracy, fit, predict, progress_enabled, set_seed


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
        fit(model, tiny(), epochs=1, lr=0.05, augment=shifter(1), schedule="cosine", seed=3, progress=False)
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
    with pytest.raises(ValueError, match="epochs >= 1"):
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
