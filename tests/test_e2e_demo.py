"""End to end on real modules: the demo app (``python -m imwarmup``) warms numpy and a dozen
stdlib packages on ``controller-io-0..3`` while its window is up; the test waits for completion
through the hook API, then checks what a person sees, in pixels: the status dot turned green,
the toast came up bottom right, and the diagnostics window (opened through the palette) has
bars on the controller-io lanes. Real timings vary, so there is no golden: the checks are on
colours and their layout.

The demo's window is not borderless at (0, 0) by contract, so it is found with ``xdotool``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from imwarmup.core.hooks import HookClient
# The plugin's fixtures, also when imwarmup is not pip-installed (no pytest11 entry point).
from imwarmup.pytest_plugin import live_app, live_app_command, live_app_timeout  # noqa: F401
from imwarmup.testing.launch import AppProcess, wait_for_file
from imwarmup.testing.pixels import count_color, rgb255
from imwarmup.theme import PALETTES, Role

TITLE = "imwarmup demo"
SIZE = (1000, 700)
TIMEOUT = 30.0
ARTIFACTS = Path(os.environ.get("IMWARMUP_ARTIFACTS", Path(__file__).parent.parent / "artifacts")) / "screenshots"

pytestmark = pytest.mark.skipif(shutil.which("xdotool") is None,
                                reason="needs xdotool to find the demo's window (apt-get install xdotool)")


def colour(role: Role) -> tuple[int, int, int]:
    return rgb255(PALETTES["dark"][role])


def window_geometry(timeout: float = TIMEOUT) -> tuple[int, int, int, int]:
    """``(x, y, width, height)`` of the demo's visible window, found by its title."""
    deadline = time.monotonic() + timeout
    while True:
        found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", TITLE],
                               capture_output=True, text=True, timeout=10).stdout.split()
        if found:
            out = subprocess.run(["xdotool", "getwindowgeometry", "--shell", found[0]],
                                 capture_output=True, text=True, timeout=10).stdout
            geo = dict(line.split("=", 1) for line in out.split())
            return int(geo["X"]), int(geo["Y"]), int(geo["WIDTH"]), int(geo["HEIGHT"])
        if time.monotonic() > deadline:
            raise AssertionError(f"no visible window named {TITLE!r} within {timeout}s")
        time.sleep(0.05)  # another process: nothing to block on


def wait_for_pixels(gui, region, what: str, condition, timeout: float = TIMEOUT,
                    settled: tuple[int, int, int, int] | None = None):
    """Screenshots of ``region`` until ``condition(image)`` holds; returns that image.

    ``settled``: a box that must also look the same in two grabs in a row, so the image is not
    a window's first frames while it still lays itself out (the demo is live: its FPS counter
    changes, so the box leaves the status bar out).
    """
    deadline = time.monotonic() + timeout
    previous = None
    while True:
        image = gui.screenshot(region=region).convert("RGB")
        steady = settled is None or (previous is not None
                                     and image.crop(settled) == previous.crop(settled))
        previous = image
        if steady and condition(image):
            return image
        if time.monotonic() > deadline:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            path = ARTIFACTS / f"e2e-{what.replace(' ', '-')}.png"
            image.save(path)
            raise AssertionError(f"{what}: not within {timeout}s (last screenshot: {path})")


def contrast(image, box) -> int:
    """Brightest minus darkest grey level in ``box``: text gives ~100+, an empty row ~10."""
    lo, hi = image.crop(box).convert("L").getextrema()
    return hi - lo


def bar_lanes(image, top: int, bottom: int, left: int, colour_rgb, tol: int = 10) -> list[float]:
    """Centre lines of the horizontal bands holding solid bars of ``colour_rgb``.

    A bar is a solid rectangle: a vertical run of the colour at least 10 px tall, in one column
    at least (a 1 ms import beside a 500 ms one is a 1-2 px bar, and is still a bar). Glyph
    strokes (the table's green "completed") never make such a run: at this tolerance their
    longest is 3 px, antialiasing blurs the rest. The legend's swatches sit left of ``left``.
    Bands closer than 4 px are one lane.
    """
    a = np.asarray(image)[top:bottom, left:].astype(int)
    mask = (np.abs(a - np.array(colour_rgb)).max(axis=2) <= tol)
    runs: dict[tuple[int, int], list[int]] = {}
    for x in range(mask.shape[1]):
        col = mask[:, x]
        y = 0
        while y < len(col):
            if col[y]:
                y0 = y
                while y < len(col) and col[y]:
                    y += 1
                if y - y0 >= 10:
                    runs.setdefault((y0, y), []).append(x)
            y += 1
    # Runs closer than 4 px are one lane; its centre is that of its widest run (a 1-2 px bar's
    # antialiased ends make a run a pixel taller or shorter than the lane's bars).
    clusters: list[list[tuple[float, int]]] = []
    for (y0, y1), xs in sorted(runs.items(), key=lambda item: sum(item[0])):
        centre = top + (y0 + y1) / 2
        if clusters and centre - clusters[-1][-1][0] <= 4:
            clusters[-1].append((centre, len(xs)))
        else:
            clusters.append([(centre, len(xs))])
    return [max(cluster, key=lambda run: run[1])[0] for cluster in clusters]


@pytest.fixture
def gui(virtual_display):
    import pyautogui

    pyautogui.PAUSE = 0.0
    pyautogui.FAILSAFE = False
    return pyautogui


@pytest.fixture
def demo(virtual_display, tmp_path):
    """The demo app with its hook server on a free port; ended at teardown whatever happened."""
    port_file = tmp_path / "hook-port"
    app = AppProcess([sys.executable, "-m", "imwarmup", "--window-size", f"{SIZE[0]}x{SIZE[1]}",
                      "--quiet", "--hook-port", "0", "--hook-port-file", str(port_file)],
                     cwd=tmp_path)  # hello_imgui may write files in the working folder
    try:
        wait_for_file(port_file, TIMEOUT, app.proc)
        client = HookClient(f"http://127.0.0.1:{int(port_file.read_text())}")
        client.wait_for_server(timeout=TIMEOUT)
        yield app, client
    finally:
        _, err = app.close()
        if err.strip():
            print("demo stderr:\n" + err[-3000:])


def test_demo_warms_real_modules_then_shows_green_toast_and_bars(demo, gui):
    app, client = demo
    assert client.wait_for_warmup(timeout=60), "the demo's warmup did not finish in 60 s"
    status = client.warmup_status()
    assert status["failed"] == [] and status["pending"] == []
    x, y, w, h = window_geometry()
    assert (w, h) == SIZE
    region = (x, y, w, h)
    green = colour(Role.READY)

    # The status dot turned green (bottom left), and the toast came up bottom right, above the
    # status bar: both in the same picture (the toast stays ~4 s).
    status_box = (0, h - 30, 30, h)
    toast_box = (w // 2, h - 130, w, h - 30)
    image = wait_for_pixels(gui, region, "green dot and toast", lambda im: (
        count_color(im, green, status_box) >= 20 and count_color(im, green, toast_box) >= 60))
    assert count_color(image, colour(Role.WARMING), status_box) == 0
    assert count_color(image, colour(Role.FAILED), status_box) == 0
    assert count_color(image, green, (40, 30, w // 2, h - 30)) == 0  # nothing green elsewhere yet

    # The palette: click an empty spot (keyboard focus), ctrl+shift+p, "warm show", Enter.
    spot = (x + 10, y + h - 60)
    gui.moveTo(*spot)  # first move, then click: GLFW reads the pointer once per frame
    gui.click(*spot)
    before = gui.screenshot(region=region).convert("RGB")
    gui.hotkey("ctrl", "shift", "p")
    top = (w // 4, 0, 3 * w // 4, 60)
    wait_for_pixels(gui, region, "palette open", lambda im: im.crop(top) != before.crop(top))
    gui.write("warm show", interval=0.02)
    # Filtered down to one command: text on the list's first row, none on its second (the
    # palette is 30 em wide, centred at the top).
    first, second = (w // 2 - 180, 34, w // 2, 48), (w // 2 - 180, 53, w // 2, 67)
    wait_for_pixels(gui, region, "palette filtered to one command",
                    lambda im: contrast(im, first) > 80 and contrast(im, second) < 30)
    gui.press("enter")
    gui.moveTo(x + w - 5, y + h // 2)  # off the chart: no tooltip over the bars

    lanes_wanted = sorted({c["thread_name"] for c in client.canaries()})
    assert lanes_wanted == [f"controller-io-{k}" for k in range(4)]
    chart = (0, h - 130)  # rows above the toast and the status bar

    def bars_on_every_lane(im) -> bool:
        return len(bar_lanes(im, chart[0] + 30, chart[1], 110, green)) >= len(lanes_wanted)

    image = wait_for_pixels(gui, region, "completed bars on the controller-io lanes",
                            bars_on_every_lane, settled=(0, 0, w, chart[1]))
    lanes = bar_lanes(image, chart[0] + 30, chart[1], 110, green)
    assert len(lanes) == len(lanes_wanted), lanes
    # One lane each, evenly spaced (the chart's lanes), in one block.
    gaps = np.diff(lanes)
    assert gaps.max() - gaps.min() <= 3 and 15 <= gaps.mean() <= 40, lanes
    # Real modules, no failures: no failed bar anywhere in the chart's lanes.
    band = (110, int(lanes[0] - gaps.mean() / 2), w - 20, int(lanes[-1] + gaps.mean() / 2))
    assert count_color(image, colour(Role.FAILED), band, 10) == 0
    assert count_color(image, green, band, 10) >= 200


def test_live_app_fixture_demo_completes_without_failures(virtual_display, live_app):
    """The pytest plugin's ``live_app`` (default command: the demo) against real modules."""
    assert live_app.wait_for_warmup(timeout=60)
    status = live_app.warmup_status()
    assert status["failed"] == [] and status["pending"] == []
    assert len(status["completed"]) >= 10
    assert all(c["status"] == "completed" for c in live_app.canaries())


def test_live_app_frames_while_warming_against_those_after_it(virtual_display, live_app):
    """The plugin's frame log, split over the hook API, held to a frames budget: the demo's
    frames while warming and the 60 after it that the budget waits for."""
    from imwarmup.core.report import AFTER_MIN_FRAMES
    from imwarmup.pytest_plugin import assert_warmup_budget

    assert_warmup_budget(live_app, frames_p99_x=1000.0, wait_s=60)  # (waits for the frames)
    body = live_app.frames()
    warming, after = body["warming"], body["after"]
    assert warming["count"] >= 1 and after["count"] >= AFTER_MIN_FRAMES
    assert 0.0 < after["p50_ms"] <= after["p99_ms"] and warming["p50_ms"] <= warming["worst_ms"]
