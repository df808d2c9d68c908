"""Tests for helpers.feature_binding_strokes: the stroke rasteriser, MNIST-like normalisation, moving strokes, sweeps."""

import math

import pytest
import torch
import torch.nn as nn

from helpers.augment import shift
from helpers.feature_binding_strokes import (StrokePath, bag_of_features, confident_ends, cosine, crossing, digit_paths,
                                             lenet_views, moving_path, progress, rotate, steepness, sweep, switches)
from helpers.lenet5 import LeNet5
from helpers.raster import (RADIUS, SOFTNESS, arc, centre_of_mass, draw, line, normalise, pixel_centres, placed,
                            profile, rasterise, resample, segment_distance, segments)


def naive_distance(points, segs):
    """Distance from each point to the nearest segment, one point and one segment at a time."""
    out = []
    for px, py in points.tolist():
        best = math.inf
        for (ax, ay), (bx, by) in segs.tolist():
            dx, dy = bx - ax, by - ay
            L2 = dx * dx + dy * dy
            t = 0.0 if L2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / L2))
            best = min(best, math.hypot(px - ax - t * dx, py - ay - t * dy))
        out.append(best)
    return torch.tensor(out)


def test_segment_distance_matches_a_naive_loop():
    gen = torch.Generator().manual_seed(0)
    points = torch.rand(50, 2, generator=gen) * 10
    segs = torch.rand(7, 2, 2, generator=gen) * 10
    segs[3, 1] = segs[3, 0]  # a dot
    torch.testing.assert_close(segment_distance(points, segs), naive_distance(points, segs), rtol=0, atol=1e-5)
    batch = torch.stack([segs, segs.flip(0) + 1])
    d = segment_distance(points, batch)
    assert d.shape == (2, 50)
    torch.testing.assert_close(d[1], naive_distance(points, segs + 1), rtol=0, atol=1e-5)


def test_profile_is_a_smooth_step_around_the_radius():
    d = torch.tensor([0.0, RADIUS - SOFTNESS, RADIUS, RADIUS + SOFTNESS, 10.0])
    torch.testing.assert_close(profile(d), torch.tensor([1.0, 1.0, 0.5, 0.0, 0.0]))
    fine = profile(torch.linspace(0, 4, 401))
    assert bool((fine[1:] <= fine[:-1]).all())


def test_ink_across_a_stroke_is_twice_the_radius():
    img = rasterise(segments([line((2, 14.3), (25, 14.3))]))
    assert img.shape == (1, 1, 28, 28)
    across = img[0, 0, :, 8:20].sum(0)  # columns far from the ends
    torch.testing.assert_close(across, torch.full((12,), 2 * RADIUS), rtol=0, atol=0.02)
    assert float(img.min()) == 0.0 and float(img.max()) == 1.0


def test_rasterising_is_equivariant_to_whole_pixel_shifts():
    segs = segments([line((8, 6), (15, 20), (20, 9)), arc(12, 12, 4, 3, 0, 200)])
    moved = rasterise(segs + torch.tensor([2.0, -3.0]))
    torch.testing.assert_close(moved, shift(rasterise(segs), -3, 2), rtol=0, atol=1e-6)


def test_polyline_helpers():
    a = arc(1.0, 2.0, 3.0, 3.0, 0, 90, n=5)
    torch.testing.assert_close((a - torch.tensor([1.0, 2.0])).norm(dim=1), torch.full((5,), 3.0))
    torch.testing.assert_close(a[-1], torch.tensor([1.0, 5.0]), rtol=0, atol=1e-6)  # 90 deg points down
    torch.testing.assert_close(rotate(line((1, 0)), (0, 0), 90), torch.tensor([[0.0, 1.0]]), rtol=0, atol=1e-6)
    r = resample(line((0, 0), (1, 0), (1, 3)), 9)
    assert r.shape == (9, 2)
    torch.testing.assert_close(r[[0, -1]], torch.tensor([[0.0, 0.0], [1.0, 3.0]]))
    torch.testing.assert_close((r[1:] - r[:-1]).norm(dim=1).sum(), torch.tensor(4.0), rtol=0, atol=1e-5)
    assert segments([line((0, 0), (1, 1), (2, 0)), line((5, 5))]).shape == (3, 2, 2)
    with pytest.raises(ValueError, match=r"\(P, 2\)"):
        segments([torch.zeros(3)])


def test_normalise_puts_digits_in_mnist_s_frame():
    strokes = [line((0, 0), (1, 4)), arc(0.5, 3, 1, 1, 0, 360)]
    big = normalise(segments(strokes).unsqueeze(0) * 7 + 3)
    small = normalise(segments(strokes).unsqueeze(0))
    torch.testing.assert_close(big, small, rtol=0, atol=1e-4)  # units do not matter
    img = rasterise(small)
    com = centre_of_mass(img)[0]
    torch.testing.assert_close(com, torch.tensor([14.0, 14.0]), rtol=0, atol=0.02)
    rows = torch.nonzero(img[0, 0].sum(1) > 0).flatten()
    assert 19 <= int(rows[-1] - rows[0] + 1) <= 21  # the ink spans MNIST's 20-pixel box


def test_draw_batches_drawings_of_different_sizes():
    a = {"stem": line((0, 0), (0, 1))}
    b = {"bar": line((0, 0), (1, 0)), "stem": line((1, 0), (0.5, 1), (0.4, 1.2))}
    imgs = draw([a, b])
    assert imgs.shape == (2, 1, 28, 28)
    torch.testing.assert_close(imgs[1:], draw(b))
    assert float(imgs.min()) >= 0.0 and float(imgs.max()) <= 1.0


def test_stroke_path_interpolates_between_keyframes():
    p = moving_path("t", {"stem": line((0, 0), (0, 1))}, "bar",
                    [line((0, 0), (1, 0)), line((0, 1), (1, 1)), line((0, 2), (1, 3))], ("1", "", "7"), points=5)
    torch.testing.assert_close(p.stroke_at(0.0), resample(line((0, 0), (1, 0)), 5))
    torch.testing.assert_close(p.stroke_at(0.5), resample(line((0, 1), (1, 1)), 5))
    torch.testing.assert_close(p.stroke_at(0.25), resample(line((0, 0.5), (1, 0.5)), 5))
    torch.testing.assert_close(p.stroke_at(1.0), resample(line((0, 2), (1, 3)), 5))
    assert p.stroke_at(torch.linspace(0, 1, 4)).shape == (4, 5, 2)
    assert p.labelled() == [(0.0, 1), (1.0, 7)]
    assert p.images(torch.tensor([0.0, 1.0])).shape == (2, 1, 28, 28)


def test_the_course_paths_have_labelled_ends():
    paths = digit_paths()
    assert set(paths) == {"1-7-4", "9-6", "5-6", "3-9"}
    for name, p in paths.items():
        ends = p.labelled()
        assert ends[0][0] == 0.0 and ends[-1][0] == 1.0
        assert [str(c) for c in (ends[0][1], ends[-1][1])] == [name[0], name[-1]]
        imgs = p.images(torch.linspace(0, 1, 3))
        torch.testing.assert_close(centre_of_mass(imgs), torch.full((3, 2), 14.0), rtol=0, atol=0.05)


class LeftOrRight(nn.Module):
    """Class 0 when the ink is mostly in the left half of the image, class 1 when in the right half."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(1.0))

    def forward(self, x):
        left, right = x[..., :14].sum((1, 2, 3)), x[..., 14:].sum((1, 2, 3))
        return self.scale * torch.stack([left - right, right - left], 1)


def test_sweep_switches_and_confident_ends():
    path = moving_path("dot", {"frame": line((0, 0), (0, 1), (4, 1), (4, 0))}, "dot",
                       [line((0.5, 0.5), (0.9, 0.5)), line((3.1, 0.5), (3.5, 0.5))], ("0", "1"))
    s = sweep(LeftOrRight(), path, steps=9)
    assert s.images.shape == (9, 1, 28, 28) and s.probabilities.shape == (9, 2)
    torch.testing.assert_close(s.probabilities.sum(1), torch.ones(9))
    assert s.predictions[0] == 0 and s.predictions[-1] == 1
    assert len(switches(s.predictions)) == 1
    assert confident_ends(s.probabilities, 0.8) == (0, 1)
    assert switches(torch.tensor([1, 1, 7, 7, 4])) == [(2, 1, 7), (4, 7, 4)]
    assert confident_ends(torch.tensor([[0.9, 0.1], [0.3, 0.7]]), 0.8) is None  # not confident at the end
    assert confident_ends(torch.tensor([[0.9, 0.1], [0.95, 0.05]]), 0.8) is None  # no change


def test_lenet_views_agree_with_the_model():
    torch.manual_seed(0)
    model = LeNet5()
    x = draw([p.drawings(torch.tensor([0.0]))[0] for p in digit_paths().values()])
    v = lenet_views(model, x)
    assert {k: tuple(t.shape) for k, t in v.items()} == {
        "input": (4, 1, 28, 28), "pool1": (4, 20, 12, 12), "pool2": (4, 50, 4, 4), "fc1": (4, 500), "probabilities": (4, 10)}
    torch.testing.assert_close(v["probabilities"], model(x).exp().detach(), rtol=1e-5, atol=1e-6)


def test_progress_steepness_bag_and_cosine():
    a, b = torch.randn(6, generator=torch.Generator().manual_seed(0)), torch.zeros(6)
    t = torch.linspace(0, 1, 11)
    line_ = (1 - t)[:, None] * a + t[:, None] * b
    torch.testing.assert_close(progress(line_), t)
    assert steepness(progress(line_)) == pytest.approx(1.0, abs=1e-5)
    step = torch.stack([a] * 5 + [b] * 6)
    assert steepness(progress(step)) == pytest.approx(10.0)
    maps = torch.zeros(1, 3, 8, 8)
    maps[0, :, 1:3, 1:3] = torch.tensor([1.0, 2.0, 3.0])[:, None, None]
    torch.testing.assert_close(bag_of_features(maps), bag_of_features(maps.roll((4, 3), (2, 3))))
    assert cosine(a, 2 * a) == pytest.approx(1.0) and cosine(a, -a) == pytest.approx(-1.0)


def test_placed_strokes_are_where_draw_puts_them():
    d = digit_paths()["9-6"].drawings(torch.tensor([0.3]))[0]
    pix = placed(d)
    assert set(pix) == set(d)
    torch.testing.assert_close(rasterise(segments(list(pix.values()))), draw(d), rtol=0, atol=1e-5)


def test_crossing_lies_between_the_steps_where_the_answer_changes():
    path = moving_path("dot", {"frame": line((0, 0), (0, 1), (4, 1), (4, 0))}, "dot",
                       [line((0.5, 0.5), (0.9, 0.5)), line((3.1, 0.5), (3.5, 0.5))], ("0", "1"))
    s = sweep(LeftOrRight(), path, 21)
    t = crossing(s)
    first = int(torch.nonzero(s.predictions == 1).flatten()[0])
    assert float(s.t[first - 1]) <= t <= float(s.t[first])
    with pytest.raises(ValueError, match="no crossing"):
        crossing(sweep(LeftOrRight(), moving_path("dot", dict(path.fixed), "dot", [path.keyframes[0]] * 2, ("0", "0")), 5))
