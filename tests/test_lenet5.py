"""04's LeNet5 and its nn.Sequential twin, as the notebook writes them (exported to helpers.lenet5)."""

import torch

from helpers.anatomy import count_parameters
from helpers.lenet5 import LeNet5, lenet5_sequential


def test_lenet5_parameter_count():
    # conv1 20*25+20, conv2 50*20*25+50, fc1 800*500+500, fc2 500*10+10
    assert count_parameters(LeNet5()) == 520 + 25_050 + 400_500 + 5_010 == 431_080


def test_lenet5_outputs_log_probabilities():
    out = LeNet5()(torch.rand(3, 1, 28, 28))
    assert out.shape == (3, 10)
    assert torch.allclose(out.exp().sum(1), torch.ones(3), atol=1e-5)


def test_sequential_form_matches_class_form():
    torch.manual_seed(0)
    a = LeNet5()
    b = lenet5_sequential()
    b.load_state_dict(dict(zip(b.state_dict().keys(), a.state_dict().values())))
    x = torch.rand(5, 1, 28, 28)
    assert torch.equal(a(x), b(x))
