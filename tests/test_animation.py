"""Tests for helpers.animation.save_gif."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib.animation import FuncAnimation
from PIL import Image

import helpers.animation as animation
from helpers.animation import save_gif


def tiny_animation(frames: int = 3):
    fig, ax = plt.subplots(figsize=(1, 1))
    (line,) = ax.plot([0, 1], [0, 0])
    ax.set_ylim(0, frames)

    def update(i):
        line.set_ydata([i, i])
        return [line]

    return fig, FuncAnimation(fig, update, frames=frames, interval=100)


def discard(fig, anim) -> None:
    """Close an animation that was never rendered, without matplotlib's warning about it."""
    anim._draw_was_started = True
    plt.close(fig)


@pytest.fixture
def images_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setattr(animation, "images_dir", lambda: tmp_path / "images")
    monkeypatch.setenv("CONVNETS_IMAGES", "1")
    return tmp_path / "images"


def test_saves_a_looping_gif_with_every_frame(images_in_tmp):
    fig, anim = tiny_animation(3)
    path = save_gif(anim, "99_test.gif", fps=5, dpi=40)
    plt.close(fig)
    assert path == images_in_tmp / "99_test.gif"
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == 3
        assert gif.size == (40, 40)  # a 1x1 inch figure at dpi 40
        assert gif.info["duration"] == pytest.approx(200, abs=10)  # 5 frames per second
        assert gif.info.get("loop") == 0  # loops forever


def test_skipped_when_images_are_off(tmp_path, monkeypatch):
    monkeypatch.setattr(animation, "images_dir", lambda: tmp_path / "images")
    monkeypatch.setenv("CONVNETS_IMAGES", "0")
    fig, anim = tiny_animation()
    assert save_gif(anim, "99_test.gif") is None
    discard(fig, anim)
    assert not (tmp_path / "images").exists()


def test_oversized_gif_is_deleted_and_refused(images_in_tmp):
    fig, anim = tiny_animation()
    with pytest.raises(ValueError, match="over the .* MB limit"):
        save_gif(anim, "99_big.gif", dpi=40, max_mb=1e-6)
    plt.close(fig)
    assert not (images_in_tmp / "99_big.gif").exists()


@pytest.mark.parametrize("name", ["05_x.png", "sub/05_x.gif", "", ".gif"])
def test_bad_names_are_refused(name, images_in_tmp):
    fig, anim = tiny_animation()
    with pytest.raises(ValueError, match="plain file name ending in .gif"):
        save_gif(anim, name)
    discard(fig, anim)


def test_bad_arguments_are_refused(images_in_tmp):
    with pytest.raises(TypeError, match="matplotlib Animation"):
        save_gif("not an animation", "05_x.gif")
    fig, anim = tiny_animation()
    with pytest.raises(ValueError, match="fps > 0"):
        save_gif(anim, "05_x.gif", fps=0)
    discard(fig, anim)


def test_inline_html_is_the_same_on_every_call():
    from helpers.animation import inline_html

    pages = []
    for _ in range(2):
        fig, anim = tiny_animation()
        pages.append(inline_html(anim, "tiny_demo", default_mode="loop").data)
        plt.close(fig)
    assert pages[0] == pages[1]  # matplotlib alone would name the elements with a fresh random id
    assert "_anim_imgtiny_demo" in pages[0] and "_anim_slidertiny_demo" in pages[0]
    assert pages[0].count("<img") >= 1 and "data:image/png;base64" in pages[0]


def test_inline_html_refuses_bad_names_and_objects():
    from helpers.animation import inline_html

    fig, anim = tiny_animation()
    with pytest.raises(ValueError, match="letters, digits"):
        inline_html(anim, "my-anim")
    with pytest.raises(TypeError, match="Animation"):
        inline_html(fig, "demo")
    discard(fig, anim)
