"""The plugin in real hello_imgui windows under Xvfb: scripted scenes, hundreds of frames, pixels.

Each app runs in a subprocess (a crash or hang fails one test, not the run).
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from imwarmup.testing.launch import render_scene
from imwarmup.testing.pixels import count_color, rgb255
from imwarmup.theme import PALETTES, Role

DARK = PALETTES["dark"]
W, H = 800, 600
STATUS_DOT_BOX = (0, H - 30, 30, H)           # the dot sits at the status bar's left end
TOAST_BOX = (W // 2, H - 150, W, H - 30)      # bottom right, above the status bar


def colour(role):
    return rgb255(DARK[role])


def test_timeline_walks_every_state_and_ends_red_with_a_warning_toast(virtual_display, tmp_path):
    result = render_scene("timeline", tmp_path / "timeline.png")
    assert result.returncode == 0, result.stderr
    data = result.data
    assert data["errors"] == [] and data["frames"] == 240
    texts = data["status_texts"]
    assert texts[0] == "Warmup idle"
    assert any(t.startswith("Warming up... (") for t in texts)
    assert texts[-1] == "Imports ready, 2 failed"
    assert data["toasts"] == ["Warmup finished: 7 ready, 2 failed."]
    assert data["ready_marks"] == ["first_frame"]
    image = Image.open(result.image)
    assert count_color(image, colour(Role.FAILED), STATUS_DOT_BOX) >= 20
    assert count_color(image, colour(Role.READY), STATUS_DOT_BOX) == 0
    # The toast's border and dot are in the failure colour, bottom right.
    assert count_color(image, colour(Role.FAILED), TOAST_BOX) >= 50


def test_ready_scene_shows_a_green_dot_and_no_amber(virtual_display, tmp_path):
    result = render_scene("status_ready", tmp_path / "ready.png")
    assert result.returncode == 0, result.stderr
    assert result.data["final_status"] == "All imports ready"
    image = Image.open(result.image)
    assert count_color(image, colour(Role.READY), STATUS_DOT_BOX) >= 20
    assert count_color(image, colour(Role.WARMING), (0, H - 30, W, H)) == 0


def test_warming_scene_shows_amber_dot_and_progress_bar(virtual_display, tmp_path):
    result = render_scene("status_warming", tmp_path / "warming.png")
    assert result.returncode == 0, result.stderr
    assert result.data["final_status"] == "Warming up... (3/8)"
    image = Image.open(result.image)
    assert count_color(image, colour(Role.WARMING), STATUS_DOT_BOX) >= 20
    # The progress bar: amber pixels right of the text, 3/8 of its width filled.
    bar = count_color(image, colour(Role.WARMING), (100, H - 30, 400, H))
    assert bar >= 60


@pytest.mark.parametrize("order", ["before", "after"])
def test_install_chains_into_the_hosts_callbacks(virtual_display, tmp_path, order):
    out = tmp_path / "host.json"
    app = Path(__file__).parent / "apps" / "host_app.py"
    proc = subprocess.run([sys.executable, str(app), str(out), order], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(out.read_text())
    assert seen["host_post_init"] == 1
    assert seen["host_before_exit"] == 1
    assert seen["host_status"] >= 30 and seen["host_menus"] >= 30 and seen["host_window"] >= 30
    assert seen["plugin_status"] == "All imports ready"
    assert seen["plugin_frames"] >= 30
    assert "Host window" in seen["windows"]


def test_a_failing_source_never_crashes_the_host_app(virtual_display, tmp_path):
    out = tmp_path / "host.json"
    app = Path(__file__).parent / "apps" / "host_app.py"
    proc = subprocess.run([sys.executable, str(app), str(out), "broken"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(out.read_text())
    assert seen["frames"] >= 40 and seen["host_status"] >= 30     # the host kept drawing
    assert seen["plugin_status"] == "Warmup status unavailable"
    assert "ConnectionError: the provider registry is down" in seen["window_error"]
    assert any(t.startswith("Could not build the warmup report: ConnectionError") for t in seen["toasts"])
    # Said once on stderr, not once per frame.
    assert proc.stderr.count("the warmup source failed: ConnectionError") == 1
