"""Tests for helpers.animation: GIFs rendered once, saved under images/ and shown inline without scripts."""

from __future__ import annotations

import base64

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


@pytest.fixture
def images_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setattr(animation, "images_dir", lambda: tmp_path / "images")
    monkeypatch.setenv("CONVNETS_IMAGES", "1")
    return tmp_path / "images"


def test_saves_a_looping_gif_with_every_frame(images_in_tmp):
    fig, anim = tiny_animation(3)
    shown = save_gif(anim, "99_test.gif", fps=5, dpi=40)
    plt.close(fig)
    path = images_in_tmp / "99_test.gif"
    assert shown.path == path and path.read_bytes() == shown.data
    assert (shown.frames, shown.size) == (3, (40, 40))
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
    shown = save_gif(anim, "99_test.gif")
    plt.close(fig)
    assert shown.path is None and shown.data.startswith(b"GIF8")  # still rendered, for display
    assert not (tmp_path / "images").exists()


def test_oversized_gif_is_refused_and_not_written(images_in_tmp, monkeypatch):
    monkeypatch.setattr(animation, "MAX_MB", 1e-6)
    fig, anim = tiny_animation()
    with pytest.raises(ValueError, match="over the .* MB limit"):
        save_gif(anim, "99_big.gif", dpi=40)
    plt.close(fig)
    assert not (images_in_tmp / "99_big.gif").exists()


def test_the_gif_shows_inline_without_scripts_or_network(images_in_tmp):
    fig, anim = tiny_animation(3)
    shown = save_gif(anim, "99_test.gif", fps=5, dpi=40)
    plt.close(fig)
    bundle = shown._repr_mimebundle_()
    assert set(bundle) == {"text/html", "image/gif", "text/plain"}
    assert base64.b64decode(bundle["image/gif"]) == shown.data
    html = bundle["text/html"]
    assert html.startswith('<img src="data:image/gif;base64,') and bundle["image/gif"] in html
    assert "<script" not in html and "http" not in html  # plays in any viewer, offline
    assert bundle["text/plain"] == "AnimatedGif: 3 frames, 40x40 px, %.0f kB" % (len(shown.data) / 1e3)


def test_the_same_animation_renders_the_same_bytes(monkeypatch):
    monkeypatch.setenv("CONVNETS_IMAGES", "0")
    datas = []
    for _ in range(2):
        fig, anim = tiny_animation()
        datas.append(save_gif(anim, "99_test.gif", fps=5, dpi=40).data)
        plt.close(fig)
    assert datas[0] == datas[1]  # a stored notebook is the same on every run
