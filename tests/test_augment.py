import pytest
import torch

from helpers.augment import random_shift, shift, shifter


def test_shift_matches_roll_inside_the_field():
    x = torch.zeros(1, 1, 8, 8)
    x[0, 0, 3, 4] = 1.0
    y = shift(x, 2, -1)
    assert y[0, 0, 5, 3] == 1.0 and float(y.sum()) == 1.0


def test_shift_fills_with_zeros_not_wraparound():
    x = torch.ones(1, 1, 4, 4)
    y = shift(x, 1, 0)
    assert float(y[0, 0, 0].sum()) == 0.0 and float(y[0, 0, 1:].sum()) == 12.0


def test_per_sample_shifts_equal_single_shifts():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(6, 2, 7, 9, generator=g)
    dy = torch.tensor([0, 1, -2, 3, 0, -1])
    dx = torch.tensor([1, 0, 2, -3, 0, -1])
    y = shift(x, dy, dx)
    for i in range(6):
        assert torch.equal(y[i : i + 1], shift(x[i : i + 1], int(dy[i]), int(dx[i])))


def test_random_shift_is_reproducible_and_bounded():
    x = torch.zeros(50, 1, 9, 9)
    x[:, 0, 4, 4] = 1.0
    a = random_shift(x, 2, torch.Generator().manual_seed(1))
    b = random_shift(x, 2, torch.Generator().manual_seed(1))
    assert torch.equal(a, b)
    pos = a[:, 0].flatten(1).argmax(1)
    rows, cols = pos // 9, pos % 9
    assert rows.min() >= 2 and rows.max() <= 6 and cols.min() >= 2 and cols.max() <= 6
    assert len(set(pos.tolist())) > 10
    assert shifter(2)(x, torch.Generator().manual_seed(1)).shape == x.shape


def test_bad_shapes():
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        shift(torch.zeros(9, 9), 1, 1)


# Written against mutmut's survivors (`make mutants`, DEVELOPERS.md "Mutation testing").

def test_shift_takes_whole_pixel_offsets_given_as_floats():
    # offsets computed as floats (rounded draws, say) move images by whole pixels, as ints do
    x = torch.rand(3, 1, 6, 6, generator=torch.Generator().manual_seed(0))
    dy, dx = torch.tensor([1, -2, 0]), torch.tensor([0, 1, -1])
    want = shift(x, dy, dx)
    assert torch.equal(shift(x, dy.float(), dx), want)
    assert torch.equal(shift(x, dy, dx.float()), want)
    assert torch.equal(shift(x, 2.0, -1), shift(x, 2, -1))


def test_random_shift_draws_every_offset_from_minus_to_plus_max_shift():
    x = torch.zeros(200, 1, 5, 5)
    x[:, 0, 2, 2] = 1.0
    pos = random_shift(x, 1, torch.Generator().manual_seed(0))[:, 0].flatten(1).argmax(1)
    offsets = set(zip((pos // 5 - 2).tolist(), (pos % 5 - 2).tolist()))
    assert offsets == {(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)}


def test_a_max_shift_of_zero_leaves_the_images_as_they_are():
    x = torch.rand(4, 1, 6, 6, generator=torch.Generator().manual_seed(0))
    assert torch.equal(random_shift(x, 0, torch.Generator().manual_seed(0)), x)
    assert torch.equal(shifter(0)(x, torch.Generator().manual_seed(0)), x)


def test_shifter_draws_from_the_generator_it_is_given_not_the_global_one():
    x = torch.rand(16, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    torch.manual_seed(1)
    a = shifter(2)(x, torch.Generator().manual_seed(5))
    torch.manual_seed(2)
    b = shifter(2)(x, torch.Generator().manual_seed(5))
    assert torch.equal(a, b)
    assert torch.equal(a, random_shift(x, 2, torch.Generator().manual_seed(5)))
    assert not torch.equal(a, x)
