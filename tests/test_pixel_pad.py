import matplotlib

matplotlib.use("Agg")

import pytest
import torch
import torch.nn as nn
from matplotlib.figure import Figure

from helpers.pixel_pad import (BLANK_MESSAGE, START_MESSAGE, PadAnswer, PixelPad, centre_drawing, is_blank, pad_to_tensor,
                             parse_drawing, plot_answer, predict_drawing)
from support import SEVEN  # the 7 that the browser test draws too



def constant_net(digit: int) -> nn.Module:
    """A net that always answers `digit` (logit 5 for it, 0 for the rest)."""
    net = nn.Sequential(nn.Flatten(), nn.Linear(256, 10))
    with torch.no_grad():
        net[1].weight.zero_()
        net[1].bias.zero_()
        net[1].bias[digit] = 5.0
    return net


class PixelReader(nn.Module):
    """Answers 1 when pixel (7, 7) is inked, else 0: sees whether the drawing was centred."""

    def __init__(self):
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(()))

    def forward(self, x):
        on = (x[:, 0, 7, 7] > 0).float()
        return torch.stack([1 - on, on], dim=1) * 10 + self.dummy


def test_parse_drawing_reads_ink_and_paper():
    grid = parse_drawing(SEVEN)
    assert grid.shape == (16, 16) and grid.dtype == torch.bool
    assert int(grid.sum()) == 16 + 2 * 10  # a bar of 2 x 8 squares, a stem of 10 rows of 2
    assert grid[2, 4] and not grid[0, 0]
    with pytest.raises(ValueError, match="16 strings of 16"):
        parse_drawing(["#" * 16] * 15)


@pytest.mark.parametrize("kind", ["strings", "lists", "bool", "float"])
def test_pad_to_tensor_accepts_grids_and_scales_like_small_digits(kind):
    grid = parse_drawing(SEVEN)
    cells = {"strings": SEVEN.strip().splitlines(), "lists": grid.int().tolist(), "bool": grid, "float": grid.float()}[kind]
    image = pad_to_tensor(cells)
    assert image.shape == (1, 1, 16, 16) and image.dtype == torch.float32
    assert set(image.unique().tolist()) == {-1.0, 1.0}
    assert torch.equal(image[0, 0] > 0, grid)


def test_pad_to_tensor_rejects_wrong_sizes():
    with pytest.raises(ValueError, match="16x16"):
        pad_to_tensor(torch.zeros(8, 8))


def centroid(image):
    ink = (image[0, 0] + 1) / 2
    rows = torch.arange(16.0)
    return float((ink.sum(1) * rows).sum() / ink.sum()), float((ink.sum(0) * rows).sum() / ink.sum())


def test_centre_drawing_moves_the_centre_of_mass_to_the_middle():
    grid = torch.zeros(16, 16, dtype=torch.bool)
    grid[0:4, 0:3] = True  # a blob in the top-left corner
    centred = centre_drawing(pad_to_tensor(grid))
    cy, cx = centroid(centred)
    assert abs(cy - 7.5) <= 0.5 and abs(cx - 7.5) <= 0.5
    assert int((centred > 0).sum()) == 12  # nothing lost
    assert set(centred.unique().tolist()) == {-1.0, 1.0}  # the background stays paper, not grey


def test_centre_drawing_never_pushes_ink_off_the_pad():
    grid = torch.zeros(16, 16, dtype=torch.bool)
    grid[5:9, 0:16] = True  # a full-width bar with extra mass on the left
    grid[9:15, 0:2] = True
    centred = centre_drawing(pad_to_tensor(grid))
    assert int((centred > 0).sum()) == int(grid.sum())


def test_centre_drawing_leaves_centred_and_blank_images_alone():
    blank = pad_to_tensor(torch.zeros(16, 16))
    assert is_blank(blank) and torch.equal(centre_drawing(blank), blank)
    grid = torch.zeros(16, 16, dtype=torch.bool)
    grid[6:10, 6:10] = True
    image = pad_to_tensor(grid)
    assert torch.equal(centre_drawing(image), image)
    with pytest.raises(ValueError, match="one image"):
        centre_drawing(torch.zeros(16, 16))


def test_predict_drawing_asks_every_net():
    nets = {"A": constant_net(7), "B": constant_net(7), "C": constant_net(1)}
    answer = predict_drawing(nets, SEVEN)
    assert isinstance(answer, PadAnswer) and not answer.blank
    assert answer.predictions == {"A": 7, "B": 7, "C": 1}
    for p in answer.probabilities.values():
        assert p.shape == (10,) and abs(float(p.sum()) - 1) < 1e-6
    assert answer.message == "2 of 3 nets read a 7."
    assert "A: 7" in str(answer)


def test_predict_drawing_gives_a_blank_pad_a_friendly_message():
    net = constant_net(3)
    answer = predict_drawing({"Net": net}, torch.zeros(16, 16, dtype=torch.bool))
    assert answer.blank and answer.message == BLANK_MESSAGE and answer.predictions == {}
    assert str(answer) == BLANK_MESSAGE
    assert isinstance(plot_answer(answer), Figure)


def test_predict_drawing_centres_unless_told_not_to_and_keeps_the_mode():
    grid = torch.zeros(16, 16, dtype=torch.bool)
    grid[0:2, 0:2] = True  # a dot in the corner: only centring brings it to pixel (7, 7)
    reader = PixelReader().train()
    assert predict_drawing({"r": reader}, grid).predictions == {"r": 1}
    assert predict_drawing({"r": reader}, grid, centre=False).predictions == {"r": 0}
    assert reader.training
    with pytest.raises(ValueError, match="at least one model"):
        predict_drawing({}, grid)


def test_plot_answer_draws_the_image_and_one_chart_per_net():
    answer = predict_drawing({"A": constant_net(7), "B": constant_net(2)}, SEVEN)
    fig = plot_answer(answer)
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    assert fig.axes[1].get_title() == "A: 7"


def test_pixel_pad_draws_clears_and_predicts():
    pytest.importorskip("ipywidgets")
    pad = PixelPad({"A": constant_net(7)})
    assert len(pad.buttons) == 256 and not pad.cells.any()
    pad.predict_button.click()
    assert pad.status.value == BLANK_MESSAGE and pad.last_answer.blank and bytes(pad.chart.value) == b""
    pad.set_drawing(SEVEN)
    assert torch.equal(pad.cells, parse_drawing(SEVEN))
    assert pad.buttons[2 * 16 + 4].button_style == "primary"  # inked cells are coloured
    pad.buttons[0].value = True  # a click on the top-left cell
    assert pad.cells[0, 0]
    pad.predict_button.click()
    assert pad.last_answer.predictions == {"A": 7} and pad.status.value == "1 of 1 nets read a 7."
    assert bytes(pad.chart.value).startswith(b"\x89PNG") and pad.chart.layout.display == ""
    pad.clear_button.click()
    assert not pad.cells.any() and pad.last_answer is None and pad.status.value == START_MESSAGE
    assert bytes(pad.chart.value) == b"" and pad.chart.layout.display == "none"
    assert pad.buttons[2 * 16 + 4].button_style == ""


def test_pixel_pad_displays_as_a_widget_with_a_text_fallback():
    pytest.importorskip("ipywidgets")
    pad = PixelPad({"A": constant_net(7), "B": constant_net(1)})
    bundle = pad._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == pad.widget.model_id
    assert "16x16 drawing pad for 2 nets" in bundle["text/plain"]
    with pytest.raises(ValueError, match="at least one model"):
        PixelPad({})
