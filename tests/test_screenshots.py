"""Screenshot tests: what a person sees, proved by pixels.

Each scene is rendered by ``imwarmup.testing.scene_app`` in its own process on the session's
virtual display, compared with its golden under ``tests/screenshots/`` (see
``imwarmup.testing.goldens`` for the tolerance), and checked by a few semantic pixel assertions.
Rewrite goldens with ``pytest --update-goldens`` only after opening the new PNGs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from imwarmup.testing.goldens import compare_to_golden
from imwarmup.testing.launch import render_scene
from imwarmup.testing.pixels import count_color, rgb255
from imwarmup.theme import PALETTES, Role

GOLDENS = Path(__file__).parent / "screenshots"
ARTIFACTS = Path(os.environ.get("IMWARMUP_ARTIFACTS", Path(__file__).parent.parent / "artifacts")) / "screenshots"


def colour(role, variant="dark"):
    return rgb255(PALETTES[variant][role])


def shoot(scene, tmp_path, update, golden=None, args=()):
    """Render ``scene`` and compare it with its golden; returns (image, result data)."""
    result = render_scene(scene, tmp_path / f"{scene}.png", args=list(args))
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.data["errors"] == []
    image = Image.open(result.image).convert("RGB")
    compare_to_golden(image, golden or scene, GOLDENS, ARTIFACTS, update=update)
    return image, result.data


def status_box(image):
    w, h = image.size
    return (0, h - 30, 30, h)


def test_scene_status_warming(virtual_display, tmp_path, update_goldens):
    image, data = shoot("status_warming", tmp_path, update_goldens)
    assert data["final_status"] == "Warming up... (3/8)"
    assert count_color(image, colour(Role.WARMING), status_box(image)) >= 20
    w, h = image.size
    assert count_color(image, colour(Role.WARMING), (100, h - 30, 400, h)) >= 60  # progress bar


def test_scene_status_ready(virtual_display, tmp_path, update_goldens):
    image, data = shoot("status_ready", tmp_path, update_goldens)
    assert data["final_status"] == "All imports ready"
    assert count_color(image, colour(Role.READY), status_box(image)) >= 20
    assert count_color(image, colour(Role.FAILED), status_box(image)) == 0


def test_scene_status_failed(virtual_display, tmp_path, update_goldens):
    image, data = shoot("status_failed", tmp_path, update_goldens)
    assert data["final_status"] == "Imports ready, 2 failed"
    assert count_color(image, colour(Role.FAILED), status_box(image)) >= 20
    assert count_color(image, colour(Role.READY), status_box(image)) == 0


def test_scene_toast_after_completion(virtual_display, tmp_path, update_goldens):
    image, data = shoot("toast", tmp_path, update_goldens)
    assert data["toasts"] == ["All providers ready (8 modules)."]
    w, h = image.size
    # Bottom right, above the status bar: the toast's green border and dot are there...
    assert count_color(image, colour(Role.READY), (w // 2, h - 120, w, h - 30)) >= 60
    # ...and not in the left half or over the status bar's right end.
    assert count_color(image, colour(Role.READY), (40, 30, w // 2, h - 30)) == 0


def test_scene_ready_light_theme(virtual_display, tmp_path, update_goldens):
    image, data = shoot("status_ready", tmp_path, update_goldens, golden="status_ready_light",
                        args=["--theme", "light"])
    assert count_color(image, colour(Role.READY, "light"), status_box(image)) >= 20
    # A light host: the plugin picked its light palette (the dark green is not used).
    assert count_color(image, colour(Role.READY, "dark"), status_box(image), tolerance=6) == 0
    assert image.getpixel((400, 300))[0] > 200  # light background


def test_scene_warming_hidpi(virtual_display, tmp_path, update_goldens):
    image, data = shoot("status_warming", tmp_path, update_goldens, golden="status_warming_hidpi",
                        args=["--scale", "2", "--size", "600x380"])
    assert image.size == (1200, 760)
    w, h = image.size
    # Everything doubles: the dot is twice as wide, the text is still on one line.
    assert count_color(image, colour(Role.WARMING), (0, h - 60, 60, h)) >= 80


def test_scene_small_window_toast_fits(virtual_display, tmp_path, update_goldens):
    image, data = shoot("toast", tmp_path, update_goldens, golden="toast_small",
                        args=["--size", "480x320"])
    w, h = image.size
    assert (w, h) == (480, 320)
    green = colour(Role.READY)
    assert count_color(image, green, (0, 0, w, h)) >= 60
    # The toast fits inside the window: no green on the outermost columns/rows.
    assert count_color(image, green, (w - 2, 0, w, h)) == 0
    assert count_color(image, green, (0, 0, 2, h - 30)) == 0
