import torch
import torch.nn as nn

from helpers import exercises as ex


def test_conv2_parameters(capsys):
    assert ex.check_conv2_parameters(25_050)
    assert "Right" in capsys.readouterr().out
    for wrong in (1_300, 25_000, 431_080):
        assert not ex.check_conv2_parameters(wrong)
        out = capsys.readouterr().out
        assert "Not yet" in out and "25050" not in out and "25,050" not in out


def test_feature_side(capsys):
    assert ex.check_feature_side(28, 4) and ex.check_feature_side(32, 5) and ex.check_feature_side(36, 6)
    assert not ex.check_feature_side(36, 7)
    assert not ex.check_feature_side(36, (36 - 8) // 4)
    assert "+1 matters" in capsys.readouterr().out


def test_fc_as_conv(capsys):
    fc = nn.Linear(50 * 4 * 4, 7)
    conv = nn.Conv2d(50, 7, 4)
    with torch.no_grad():
        conv.weight.copy_(fc.weight.view(7, 50, 4, 4))
        conv.bias.copy_(fc.bias)
    assert ex.check_fc_as_conv(conv, fc)
    assert not ex.check_fc_as_conv(nn.Conv2d(50, 7, 4), fc)  # right shape, wrong numbers
    assert not ex.check_fc_as_conv(nn.Conv2d(50, 7, 3), fc)
    assert not ex.check_fc_as_conv(nn.Conv2d(50, 7, 4, padding=1), fc)
    assert not ex.check_fc_as_conv(nn.Linear(800, 7), fc)
