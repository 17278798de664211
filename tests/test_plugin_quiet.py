"""The plugin's quiet frames in a real window (issue 13 target 3, the plugin's cost per frame):
once the warmup is done and nothing moves, the status is polled once every QUIET_FRAMES + 1
frames while the segment is drawn on every frame, in the same place; a canary change (the
listener) shows on the next frame, any other change within QUIET_FRAMES + 1 frames, and a toast
pushed by the host is drawn in the frame it was pushed; the host's item growing moves the segment
on the next frame, the palette's shortcut typed in a quiet period opens it, and the mouse over the segment gets its tooltip and click at once."""

import json
import subprocess
import sys
from pathlib import Path

from imwarmup.panels.plugin import QUIET_CHECKS, QUIET_FRAMES


def test_quiet_frames_poll_rarely_draw_always_and_end_on_any_change(virtual_display, tmp_path):
    out = tmp_path / "quiet.json"
    app = Path(__file__).parent / "apps" / "quiet_app.py"
    proc = subprocess.run([sys.executable, str(app), str(out)], capture_output=True, text=True,
                          timeout=90)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(out.read_text())
    assert seen["errors"] == [] and seen["phase"] == "done", seen
    # Polls per frame over 8 quiet periods: one full frame (one read) then QUIET_FRAMES without.
    polls = seen["quiet_frames"]
    assert len(polls) >= 8 * (QUIET_FRAMES + 1)
    assert set(polls) <= {0, 1}
    assert 8 <= sum(polls) <= 9, polls
    assert max(len(run) for run in "".join(map(str, polls)).split("1")) == QUIET_FRAMES, polls
    # Of those polls, one in QUIET_CHECKS + 1 is a full frame; the others are check frames that
    # read the status (and the style) and draw the segment as a quiet frame does.
    full = seen["full_frames"]
    period = (QUIET_CHECKS + 1) * (QUIET_FRAMES + 1)
    starts = [i for i, f in enumerate(full) if f]
    assert 1 <= len(starts) <= len(full) // period + 1, full
    assert all(b - a == period for a, b in zip(starts, starts[1:])), starts
    assert all(polls[i] == 1 for i in starts), (starts, polls)
    # The listener ended the quiet: the very next frame says what changed.
    assert seen["warming_after_listener"] == [1, "Warming up... (1/2)"]
    # Only the revision moved: shown within QUIET_FRAMES + 1 frames.
    assert seen["failed_after"] is not None and 1 <= seen["failed_after"] <= QUIET_FRAMES + 1
    # A toast the host pushed during a quiet period: that frame ran in full and drew it.
    toast = seen["toast_frame"]
    assert toast["plugin_frame"] == toast["frame"]
    assert toast["drawn"]
    # The host's item grew in a quiet period: the very next frame the segment sits after it.
    grown = seen["grown"]
    assert grown["frames"] == 1 and grown["moved"], grown
    assert grown["host_right"] == grown["right"] and grown["gap"] > 0.0, grown
    # Ctrl, Shift and P pressed a frame apart in a quiet period: the palette opened, and the
    # frames with Ctrl down stayed quiet (the status was not polled; the P frame opened it).
    assert seen["shortcut"] == {"open": True, "reads": [0, 0, 1]}, seen["shortcut"]
    # The host switched to a light style in a quiet period: the plugin's theme and the quiet
    # segment's text colour follow within QUIET_FRAMES + 1 frames (the style is read every 15).
    assert seen["style_after"] is not None and seen["style_after"] <= QUIET_FRAMES + 1, seen
    # The FPS display turned on in a quiet period: the segment stops before it within
    # QUIET_FRAMES + 1 frames (a check frame reads the toggle).
    assert seen["fps_after"] is not None and seen["fps_after"] <= QUIET_FRAMES + 1, seen
    # The mouse onto the segment in a quiet period: its tooltip on the next frame; a click on
    # it (press, release) opens the diagnostics window.
    assert seen["hover"] == {"frames": 1, "tooltip": True}, seen["hover"]
    assert seen["click"] == {"frames": 1, "open": True}, seen["click"]
