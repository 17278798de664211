"""Interactive screenshot tests: pyautogui drives the window as a person would.

Each test starts ``python -m imwarmup.testing.scene_app interactive --interactive --probe F`` in
its own process on the session's virtual display (the window sits at the screen's top-left, so
window pixels are screen pixels), then clicks, presses ``ctrl+shift+p``, types, presses Enter or
Esc, hovers a Gantt bar or clicks a table header, and compares a screenshot with its golden under
``tests/screenshots/`` (tolerance: ``imwarmup.testing.goldens``) plus a few semantic pixel checks.

No fixed sleeps: after each input the test waits (bounded) for the app's *probe* file to show
the new state (palette open, window open, bar hovered, table sorted; see
``imwarmup.testing.scene_app.Probe``), then for a few more frames and for two identical
screenshots in a row, so the picture is the one the state produces. The clock is frozen, so a
settled frame is the same every run.

Rewrite goldens with ``pytest --update-goldens`` only after opening the new PNGs.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

from imwarmup.testing.goldens import compare_to_golden, diff_count
from imwarmup.testing.launch import AppProcess, wait_for_file
from imwarmup.testing.pixels import count_color, rgb255
from imwarmup.theme import PALETTES, Role
from imwarmup.widgets.gantt import MIN_LANE_SHARE

GOLDENS = Path(__file__).parent / "screenshots"
ARTIFACTS = Path(os.environ.get("IMWARMUP_ARTIFACTS", Path(__file__).parent.parent / "artifacts")) / "screenshots"

LANES = ["controller-io-0", "controller-io-1", "controller-io-2", "controller-io-3", "MainThread"]
SCREEN = (1280, 800)             # the virtual display (conftest.virtual_display)
PARK = (SCREEN[0] - 4, SCREEN[1] - 4)  # the pointer's rest, outside every scene window
SIZE = "960x680"                 # fits the diagnostics window's default 58x34 em with a margin
TIMEOUT = 10.0                   # seconds for any one thing to happen in the app


def colour(role: Role, variant: str = "dark") -> tuple[int, int, int]:
    return rgb255(PALETTES[variant][role])


def _box(rect, pad: float = 0.0) -> tuple[int, int, int, int]:
    """``[x, y, w, h]`` -> ``(left, top, right, bottom)`` for ``count_color``."""
    x, y, w, h = rect
    return int(x - pad), int(y - pad), int(x + w + pad), int(y + h + pad)


def lane_box(probe: dict[str, Any], lane: str) -> tuple[int, int, int, int]:
    """The strip of ``lane`` inside the chart: the plot's width, a third of a lane high."""
    x, y, w, h = probe["plot_rect"]
    third = h / len(probe["lanes"]) / 6
    yc = probe["lanes"][lane]
    return int(x), int(yc - third), int(x + w), int(yc + third)


@pytest.fixture(scope="module")
def gui(virtual_display):
    """pyautogui, imported once the virtual display is up (it reads $DISPLAY on import)."""
    import pyautogui

    pyautogui.PAUSE = 0.0      # waits are explicit (probe, frames, stable pixels)
    pyautogui.FAILSAFE = False  # the parked pointer sits in a corner on purpose
    return pyautogui


class SceneWindow:
    """A scene app in its own process, driven with pyautogui and watched through its probe.

    Args:
        gui: the ``pyautogui`` module.
        workdir: where the ready, stop and probe files go.
        args: extra ``scene_app`` arguments (``--theme light``, ``--scale 2``...).
    """

    def __init__(self, gui, workdir: Path, *args: str, scene: str = "interactive",
                 size: str = SIZE) -> None:
        self.gui = gui
        self.ready = workdir / "ready.json"
        self.stop_file = workdir / "stop"
        self.probe_file = workdir / "probe.json"
        cmd = [sys.executable, "-m", "imwarmup.testing.scene_app", scene, "--interactive",
               "--ready-file", str(self.ready), "--stop-file", str(self.stop_file),
               "--probe", str(self.probe_file), "--size", size, "--timeout", "60", *args]
        self.app = AppProcess(cmd)
        try:
            wait_for_file(self.ready, 30, self.app.proc)
            geometry = json.loads(self.ready.read_text())
            wait_for_file(self.probe_file, TIMEOUT, self.app.proc)
        except BaseException:
            self.close()
            raise
        scale = float(args[args.index("--scale") + 1]) if "--scale" in args else 1.0
        self.scale = scale
        # --size is in logical pixels; the window (and the screenshot) is scale times larger.
        self.width = round(geometry["width"] * scale)
        self.height = round(geometry["height"] * scale)
        assert self.width < PARK[0] and self.height < PARK[1], "the window must leave room to park"

    # ------------------------------------------------------------------------ watching
    def probe(self) -> dict[str, Any]:
        return json.loads(self.probe_file.read_text())

    def wait_for(self, what: str, condition: Callable[[dict[str, Any]], bool],
                 timeout: float = TIMEOUT) -> dict[str, Any]:
        """Poll the probe until ``condition(probe)`` holds; fail with ``what`` and the last probe."""
        deadline = time.monotonic() + timeout
        probe: dict[str, Any] = {}
        while True:
            if self.app.proc.poll() is not None:
                raise AssertionError(f"the app exited ({self.app.proc.returncode}) waiting for {what}:"
                                     f"\n{self.app.output()[1][-3000:]}")
            try:
                probe = self.probe()
            except (FileNotFoundError, json.JSONDecodeError):
                probe = {}
            if probe and condition(probe):
                return probe
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: not within {timeout}s; last probe: {probe}")
            time.sleep(0.02)  # another process: nothing to block on

    def frames(self, n: int = 3) -> dict[str, Any]:
        """Wait until ``n`` more frames were drawn (inputs sent so far are then processed)."""
        start = self.probe()["frame"]
        return self.wait_for(f"{n} more frames", lambda p: p["frame"] >= start + n)

    def screenshot(self, timeout: float = TIMEOUT):
        """The window's pixels once they stop changing (two identical grabs in a row)."""
        self.frames(3)
        region = (0, 0, self.width, self.height)
        previous = self.gui.screenshot(region=region)
        deadline = time.monotonic() + timeout
        while True:
            shot = self.gui.screenshot(region=region)
            if diff_count(shot, previous, tolerance=0)[0] == 0:
                return shot.convert("RGB")
            if time.monotonic() > deadline:
                raise AssertionError(f"the window kept changing for {timeout}s")
            previous = shot

    # ------------------------------------------------------------------------- driving
    def point(self, x: float, y: float) -> dict[str, Any]:
        """Move the pointer to ``(x, y)`` and wait until imgui has seen it there.

        The GLFW backend reads the pointer's position once per frame, after the frame's button
        events: a press sent together with the move would land where the pointer was before.
        """
        x, y = int(x), int(y)
        self.gui.moveTo(x, y)
        return self.wait_for(f"pointer at {x, y}",
                             lambda p: abs(p["mouse"][0] - x) <= 1 and abs(p["mouse"][1] - y) <= 1)

    def click(self, x: float, y: float) -> None:
        self.point(x, y)
        self.gui.click()
        self.frames(2)

    def focus(self) -> None:
        """Click an empty spot of the main area (GLFW takes keyboard focus on a click)."""
        self.click(8 * self.scale, self.height - 80 * self.scale)

    def park(self) -> None:
        """Move the pointer off the window, so nothing shows as hovered."""
        self.gui.moveTo(*PARK)
        self.wait_for("pointer off the window", lambda p: not (0 <= p["mouse"][0] < self.width
                                                              and 0 <= p["mouse"][1] < self.height))

    def open_palette(self) -> dict[str, Any]:
        self.gui.hotkey("ctrl", "shift", "p")
        self.wait_for("palette open", lambda p: p["palette_open"] and p["palette_rect"])
        return self.frames(2)  # its text box takes keyboard focus on the frame after it opens

    def type(self, text: str) -> None:
        self.gui.write(text, interval=0.02)

    def open_diagnostics(self, table: bool = True) -> dict[str, Any]:
        """Palette, "warm show", Enter: the way a user opens the window."""
        self.focus()
        self.open_palette()
        self.type("warm show")
        self.frames(3)
        self.gui.press("enter")
        self.wait_for("diagnostics window open with its chart and table",
                      lambda p: p["debug_open"] and not p["palette_open"]
                      and p.get("lanes") and (p.get("headers") or not table))
        self.park()
        # The table sizes its columns over its first frames: positions are read once the
        # picture has settled.
        self.last_shot = self.screenshot()
        return self.probe()

    def close(self) -> None:
        self.app.stop(self.stop_file, timeout=10)


@pytest.fixture
def scene_window(gui, tmp_path):
    """``scene_window(*args)`` starts a ``SceneWindow``; every one is ended at teardown,
    whatever the test did."""
    windows: list[SceneWindow] = []

    def start(*args: str, **kw: Any) -> SceneWindow:
        workdir = tmp_path / f"app{len(windows)}"
        workdir.mkdir()
        window = SceneWindow(gui, workdir, *args, **kw)
        windows.append(window)
        return window

    yield start
    for window in windows:
        window.close()


def golden(image, name: str, update: bool) -> None:
    compare_to_golden(image, name, GOLDENS, ARTIFACTS, update=update)


# ------------------------------------------------------------------------------ scenes
def test_palette_filtered_by_typing_warm(scene_window, update_goldens):
    """Scene 5: ctrl+shift+p opens the palette, typing "warm" filters it."""
    win = scene_window()
    win.focus()
    probe = win.open_palette()
    x, y, w, h = probe["palette_rect"]
    text_box = (int(x + 8), int(y + 6), int(x + w / 2), int(y + 30))
    win.park()
    empty = win.screenshot()
    win.type("warm")
    win.park()
    image = win.screenshot()
    golden(image, "palette_warm", update_goldens)

    # The palette sits at the top, centred, above the app.
    assert y == 0 and abs((x + w / 2) - win.width / 2) <= 2
    # The typed text shows in its box (light pixels where the empty box had none)...
    typed = diff_count(image.crop(text_box), empty.crop(text_box))[0]
    assert typed >= 40, typed
    # ...and both Warmup commands are listed under it, the first highlighted.
    bg = image.getpixel((int(x + w / 2), int(y + h - 20)))
    first = image.getpixel((int(x + w - 20), int(y + 40)))
    assert first != bg


def test_escape_closes_palette(scene_window):
    win = scene_window()
    win.focus()
    win.park()
    before = win.screenshot()
    win.open_palette()
    win.type("warm")
    win.gui.press("esc")
    win.frames(3)
    win.gui.press("esc")  # a second Esc, in case the first one only leaves the text box
    probe = win.wait_for("palette closed", lambda p: not p["palette_open"] and p["palette_rect"] is None,
                         timeout=3)
    assert not probe["debug_open"]  # Esc runs nothing
    after = win.screenshot()
    assert diff_count(after, before)[0] == 0  # the app looks as before the palette opened


class CutOff(AssertionError):
    """Text or a table is cut off by a window edge."""


def check_not_clipped(image, probe, variant: str = "dark", scale: float = 1.0) -> None:
    """No red text (the main-thread warning) runs into the window's right gutter (its padding and
    scrollbar, ~22 px at scale 1) above the chart: wrapped text stops before the content edge,
    a line that does not wrap is drawn on until the clip rectangle inside that gutter."""
    dx, dy, dw, dh = probe["debug_rect"]
    gutter = (int(dx + dw - 22 * scale), int(dy), int(dx + dw), int(probe["plot_rect"][1] - 60 * scale))
    red = count_color(image, colour(Role.FAILED, variant), gutter, 40)
    if red:
        raise CutOff(f"{red} red text pixels in the window's right gutter {gutter}: the "
                     f"main-thread warning is cut off instead of wrapped")


def check_diagnostics(image, probe, variant: str = "dark", scale: float = 1.0,
                      table: bool = True) -> None:
    """What the diagnostics window must show, in pixels: bars on their lanes, the legend, the
    failed row of the table (when it is in view)."""
    assert list(probe["lanes"]) == LANES
    min_px = int(20 * scale * scale)
    red, green, amber, grey = (colour(r, variant) for r in
                               (Role.FAILED, Role.READY, Role.WARMING, Role.CANCELLED))
    # The failed bar (provider_sdk) on controller-io-3, and only there.
    assert count_color(image, red, lane_box(probe, "controller-io-3"), 10) >= min_px * 5
    for lane in ("controller-io-0", "controller-io-1", "controller-io-2"):
        assert count_color(image, red, lane_box(probe, lane), 10) == 0, lane
    # Completed bars on io-0, io-1, io-2 and MainThread; running ones on io-2 and io-3;
    # the cancelled ssl on io-1.
    for lane in ("controller-io-0", "controller-io-1", "controller-io-2", "MainThread"):
        assert count_color(image, green, lane_box(probe, lane), 10) >= min_px, lane
    for lane in ("controller-io-2", "controller-io-3"):
        assert count_color(image, amber, lane_box(probe, lane), 10) >= min_px * 5, lane
    assert count_color(image, grey, lane_box(probe, "controller-io-1"), 10) >= min_px * 3
    # The legend, above the plot: a swatch of each status colour.
    x, y, w, h = probe["plot_rect"]
    legend = (int(x - 120 * scale), int(y - 45 * scale), int(x + w), int(y))
    for c in (green, amber, red, grey):
        assert count_color(image, c, legend, 10) >= min_px // 2, c
    if not table:
        return
    # The table: provider_sdk's row is drawn in the failure colour (module, status, error).
    hx, hy = probe["headers"]["module"]
    table = (int(hx - 60 * scale), int(hy), int(probe["debug_rect"][0] + probe["debug_rect"][2]),
             int(probe["debug_rect"][1] + probe["debug_rect"][3]))
    assert count_color(image, red, table, 40) >= min_px * 5


def test_diagnostics_window_through_palette(scene_window, update_goldens):
    """Scene 6: Enter on "Warmup: Show diagnostics" opens the window: the Gantt with 4
    controller-io lanes and MainThread, the legend, the table."""
    win = scene_window()
    win.focus()
    probe = win.open_palette()
    px, py, pw, ph = probe["palette_rect"]
    win.type("warm")
    win.park()
    two = win.screenshot()
    win.type(" show")
    win.park()
    one = win.screenshot()
    # Refining the filter leaves one command: the second row of the list went blank.
    second_row = (int(px + 8), int(py + 52), int(px + pw / 2), int(py + 66))
    assert diff_count(two.crop(second_row), one.crop(second_row))[0] >= 40
    win.gui.press("enter")
    probe = win.wait_for("diagnostics window open", lambda p: p["debug_open"] and p.get("lanes"))
    win.park()
    image = win.screenshot()
    probe = win.probe()
    golden(image, "diagnostics", update_goldens)
    check_diagnostics(image, probe)
    check_not_clipped(image, probe)
    assert probe["sort"] == ["#", True] and probe["filter"] == ""


def test_failed_bar_tooltip_shows_error(scene_window, update_goldens):
    """Scene 7: hovering the failed bar shows a tooltip with its error."""
    win = scene_window()
    probe = win.open_diagnostics()
    bx, by = probe["failed_bar"]
    win.point(bx, by)
    probe = win.wait_for("failed bar hovered with its tooltip",
                         lambda p: p["hovered_id"] == p["failed_id"] and p["tooltip_rect"])
    image = win.screenshot()
    golden(image, "diagnostics_tooltip_failed", update_goldens)
    tip = probe["tooltip_rect"]
    # Fully on screen, inside the window.
    x, y, w, h = tip
    assert x >= 0 and y >= 0 and x + w <= win.width and y + h <= win.height, tip
    # Below-right of the pointer, so it does not hide the bar it describes.
    assert x > bx and y > by
    # The "status: failed" and "error: ..." lines in the failure colour.
    red = colour(Role.FAILED)
    assert count_color(image, red, _box(tip), 10) >= 100
    # The bar got its hover outline: its lane changed around it (the tooltip is below it).
    x0, y0, w0, _ = probe["plot_rect"]
    lane = (int(x0), int(by - 11), int(x0 + w0), int(by + 11))
    assert diff_count(image.crop(lane), win.last_shot.crop(lane))[0] >= 100


def test_table_sorted_by_elapsed_and_filtered(scene_window, update_goldens):
    """Scene 8: click "elapsed ms" (longest first), then type a filter in the box."""
    win = scene_window()
    probe = win.open_diagnostics()
    win.click(*probe["headers"]["elapsed ms"])
    probe = win.wait_for("table sorted by elapsed", lambda p: p["sort"][0] == "elapsed")
    assert probe["sort"] == ["elapsed", False]  # the column prefers descending: longest first
    elapsed = [e for _, e in probe["rows"] if e is not None]
    assert elapsed == sorted(elapsed, reverse=True)
    assert probe["rows"][-1] == ["tarfile", None]  # never started: last
    win.click(*probe["filter_box"])
    win.type("controller-io")
    probe = win.wait_for("filter applied", lambda p: p["filter"] == "controller-io")
    win.park()
    image = win.screenshot()
    golden(image, "diagnostics_table_sorted_filtered", update_goldens)

    modules = [m for m, _ in probe["rows"]]
    assert modules == ["numpy", "slow_sdk", "email.mime.multipart", "xml.dom.minidom",
                       "provider_sdk", "ssl", "sqlite3", "decimal"]
    # json (MainThread) is filtered out: no "MainThread (blocks frames)" in the thread column.
    tx, ty = probe["headers"]["thread"]
    dx, dy, dw, dh = probe["debug_rect"]
    thread_column = (int(tx - 50), int(ty + 10), int(tx + 50), int(dy + dh))
    assert count_color(image, colour(Role.FAILED), thread_column, 40) == 0
    # provider_sdk is still listed, in red, fifth row from the top.
    assert count_color(image, colour(Role.FAILED), (int(dx), int(ty + 10), int(dx + dw),
                                                    int(dy + dh)), 40) >= 100


def test_diagnostics_light_theme(scene_window, update_goldens):
    """Scene 9b: scene 6 on a light host: the light palette everywhere."""
    win = scene_window("--theme", "light")
    probe = win.open_diagnostics()
    image = win.screenshot()
    golden(image, "diagnostics_light", update_goldens)
    check_diagnostics(image, probe, "light")
    check_not_clipped(image, probe, "light")
    # The dark palette's bar colours are not used.
    plot = _box(probe["plot_rect"])
    assert count_color(image, colour(Role.READY, "dark"), plot, 6) == 0
    assert count_color(image, colour(Role.FAILED, "dark"), plot, 6) == 0
    # A light window background: most of the window is light (one probe pixel used to land on
    # the summary line's text once the line grew).
    dx, dy, dw, dh = probe["debug_rect"]
    window = np.asarray(image.convert("RGB"))[int(dy) + 30:int(dy + dh) - 10, int(dx) + 10:int(dx + dw) - 10]
    assert (window.min(axis=2) > 200).mean() > 0.5


# HiDPI: 620x390 logical is 1240x780 pixels at scale 2 (the screen is 1280x800). The window's
# default 58x34 em would be ~1700x1000 pixels: it is made to fill the app's work area, as a user
# would drag it; at this size the chart fits and the table is one scroll below.
HIDPI_SIZE = "620x390"


def test_diagnostics_hidpi(scene_window, update_goldens):
    """Scene 10b: scene 6 at DPI scale 2: twice the pixels, nothing clipped."""
    win = scene_window("--scale", "2", "--diagnostics-fill", size=HIDPI_SIZE)
    probe = win.open_diagnostics(table=False)
    image = win.screenshot()
    assert image.size == (1240, 780)
    # The window fits inside the app, above the status bar; the whole chart is inside it.
    dx, dy, dw, dh = probe["debug_rect"]
    assert dx >= 0 and dy >= 0 and dx + dw <= win.width and dy + dh <= win.height - 50
    px, py, pw, ph = probe["plot_rect"]
    assert dx < px and px + pw < dx + dw and dy < py and py + ph < dy + dh
    # Lanes are up to twice as tall as at scale 1 (~21.8 px there): this window is too low for
    # the whole layout, so the summary takes one line and the lanes shrink (at most to
    # MIN_LANE_SHARE of their height) until the chart, axis title included, fits.
    assert 2 * 21.8 * MIN_LANE_SHARE <= ph / len(probe["lanes"]) <= 48
    assert probe["short"]
    check_diagnostics(image, probe, scale=2.0, table=False)
    # Whatever does not fit is one scroll away: the mouse wheel over the window (left of the
    # chart, so no tooltip) scrolls it to its end, where the table must show some rows.
    win.point(dx + 20 * win.scale, dy + dh / 2)
    win.gui.scroll(-20)
    win.frames(5)
    win.park()
    scrolled = win.screenshot()
    after = win.probe()
    room = dy + dh - after["headers"]["module"][1]
    check_not_clipped(image, probe, scale=2.0)
    if room < 4 * 19 * win.scale:
        raise CutOff(f"scrolled to the end, the table has {room:.0f} px below its header: "
                          f"it takes the window's remaining height and gets no rows")
    hx, hy = after["headers"]["module"]
    assert count_color(scrolled, colour(Role.FAILED), (int(dx), int(hy), int(dx + dw),
                                                       int(dy + dh)), 40) >= 200
    golden(image, "diagnostics_hidpi", update_goldens)
