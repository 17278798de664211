"""The plugin in a host that idles (issue 13: the warmup gets the CPU the host's frames would
take): while warming it asks for no refresh of its own, so the host keeps idling between canary
events, and the frame log leaves the idle waits out (they were no frames, nor freezes)."""

import json
import subprocess
import sys
from pathlib import Path


def test_an_idling_host_keeps_idling_while_warming_and_its_waits_are_no_frames(
        virtual_display, tmp_path):
    package = tmp_path / "idlepkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for i in range(6):
        (package / f"m{i}.py").write_text("import time\ntime.sleep(0.4)\n")
    out = tmp_path / "idling.json"
    app = Path(__file__).parent / "apps" / "idling_app.py"
    proc = subprocess.run([sys.executable, str(app), str(out), str(tmp_path)],
                          capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(out.read_text())
    assert seen["status"] == "All imports ready", seen["status"]
    frames = seen["frames"]
    warming = [f for f in frames[2:] if not f[2]]
    # The host idled while the imports ran (it did not render flat out for the plugin):
    # before, the plugin asked for a refresh on every frame and no frame was idle.
    idle_waits = [b[0] - a[0] for a, b in zip(frames, frames[1:]) if b[1] and not b[2]]
    assert warming and len(idle_waits) >= 3, (len(warming), idle_waits)
    assert max(idle_waits) > 0.15, idle_waits  # fps_idle 4: a wait is up to 250 ms
    # The frame log counted the active frames, never an idle wait.
    logged = seen["logged_ms"]
    assert logged, "no frame logged"
    assert max(logged) < 150.0, sorted(logged)[-5:]
    # The waits were kept as idle waits (the lane's faint band, the summary's "host idled"),
    # as many as the host's own idle frames saw, the long ones among them.
    idle = seen["idle_ms"]
    assert len(idle) >= 3 and max(idle) > 150.0, idle
    # And it told the freeze watcher how long the host may now wait between frames.
    assert seen["idle_wait_s"] == 0.25, seen["idle_wait_s"]
