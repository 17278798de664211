"""The "GUI frames" lane (issue 15 part 1): its data and tooltips without a window, then a real
window under Xvfb whose GUI thread hitches once: the lane's pixels show that frame in the
failure colour on the chart's time axis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from imwarmup.theme import PALETTES, Role
from imwarmup.widgets.frames_lane import frame_lane

APP = Path(__file__).parent / "apps" / "frames_lane_app.py"
# Where the screenshot is kept for a person to look at (as test_e2e_demo does).
ARTIFACTS = Path(os.environ.get("IMWARMUP_ARTIFACTS",
                                Path(__file__).parent.parent / "artifacts")) / "screenshots"


def test_lane_data_marks_hitches_and_names_what_ran_then():
    frames = [(100.0 + 0.016 * k, 0.016) for k in range(10)]
    frames.append((100.16, 0.216))                      # over 50 ms and over 2x the median
    frames.append((100.376, 0.040))                     # over 2x the median (16 ms)
    frames.append((100.416, 0.020))
    canaries = [{"canary_id": 7, "module": "pandas", "thread_name": "controller-io-3",
                 "start_ts": 100.1, "end_ts": 100.5, "main_thread": False}]
    lane = frame_lane(frames, canaries, origin=99.0)
    assert lane.hitch.tolist() == [False] * 10 + [True, True, False]
    assert lane.x0[10] == pytest.approx(1.16) and lane.x1[10] == pytest.approx(1.376)
    assert lane.tooltip(10) == "frame 11: 216 ms while pandas was importing on controller-io-3"
    assert lane.tooltip(0).startswith("frame 1: 16 ms (no import was running)")
    # With pandas's import tree, the hitch names the nested module that ran then.
    tree = [{"module": "pandas", "parent": None, "depth": 0, "start_ts": 100.1, "end_ts": 100.5},
            {"module": "pandas._libs.tslibs", "parent": 0, "depth": 1, "start_ts": 100.15,
             "end_ts": 100.38}]
    lane = frame_lane(frames, canaries, origin=99.0, trees={7: tree})
    assert lane.tooltip(10) == ("frame 11: 216 ms while pandas (in pandas._libs.tslibs) was "
                                "importing on controller-io-3")
    assert len(lane.idle_x0) == 0
    # The host's idle waits ride along on the chart's axis, and say what they are.
    lane = frame_lane(frames, canaries, origin=99.0, idle=[(100.5, 0.111)])
    assert lane.idle_x0.tolist() == [pytest.approx(1.5)]
    assert lane.idle_x1.tolist() == [pytest.approx(1.611)]
    assert lane.idle_tooltip(0).startswith("the host idled 111 ms: no frame was due")


def _rgb(role: Role) -> np.ndarray:
    r, g, b, _ = PALETTES["dark"][role]
    return np.array([round(r * 255), round(g * 255), round(b * 255)])


def test_frames_lane_in_pixels(virtual_display, tmp_path):
    shot = tmp_path / "frames_lane.png"
    env = dict(os.environ, DISPLAY=os.environ.get("DISPLAY", ""), XDG_SESSION_TYPE="x11")
    # The display is shared by the session: an earlier test may have left the pointer where this
    # window's lane will be, and the hovered frame's tooltip would cover the hitch. Park it in the
    # screen's corner, outside the 1100x700 window.
    subprocess.run(["xdotool", "mousemove", "1279", "799"], env=env, check=True, timeout=10)
    proc = subprocess.run([sys.executable, str(APP), str(shot)], capture_output=True, text=True,
                          timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    from PIL import Image

    image = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    Image.open(shot).save(ARTIFACTS / "frames_lane.png")
    x, y, w, h = info["rect"]
    assert info["hitch"] and info["hitch_ms"] >= 250.0
    assert info["tooltip"].startswith(f"frame ")
    # The hitch's column of the lane is the failure colour over most of the lane's height.
    column = image[int(y) + 2:int(y + h) - 2, int(round(info["hitch_x"]))]
    red = np.abs(column - _rgb(Role.FAILED)).sum(axis=1) < 40
    assert red.mean() > 0.8, column
    # A normal frame is a thin mark in the ready colour, never the failure colour.
    for nx in info["normal_x"]:
        mark = image[int(y + h) - 4, int(round(nx)) - 1:int(round(nx)) + 2]
        assert not (np.abs(mark - _rgb(Role.FAILED)).sum(axis=1) < 40).any()
    # Above and below the lane: not the lane (the chart's frame starts under it).
    assert h > 10 and w > 200
