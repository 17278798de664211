"""Real frames: the Gantt chart and the canary table in a real hello_imgui window under Xvfb,
fed by a scripted round that goes through every state (queued, running, completed, failed,
cancelled, an import on the main thread). Results are collected during the run and asserted
after it; then the pixels of the last frame are checked."""

from __future__ import annotations

import numpy as np
import pytest

from imwarmup.core.report import summarize

from gantt_scenes import NOW, T0, at_time, every_state, pointer, record, run_frames
from imwarmup.theme import PALETTES, Role
from imwarmup.widgets.canary_rows import TableView, table_rows
from imwarmup.widgets.gantt_model import GanttModel

FRAMES = 300
HOVER = range(200, 240)   # frames with the mouse on the failed bar
CLICK = 220               # press on this frame, release on the next


def rgb(role: Role) -> np.ndarray:
    r, g, b, _ = PALETTES["dark"][role]
    return np.array([round(r * 255), round(g * 255), round(b * 255)])


@pytest.fixture(scope="module")
def run(virtual_display):
    from imgui_bundle import imgui

    from imwarmup.theme import Theme
    from imwarmup.widgets.canary_table import draw_canary_table
    from imwarmup.widgets.gantt import draw_gantt

    mouse = pointer()
    mouse.moveTo(1270, 790)
    final = every_state()
    model = GanttModel()
    view = TableView()
    seen = {"hovered": set(), "clicked": [], "table_selected": [], "revisions": set(),
            "statuses": set(), "last": None, "now": None}
    state = {"theme": None, "rows": None, "rev": None, "target": None}

    def gui(frame: int) -> None:
        if state["theme"] is None:
            state["theme"] = Theme("dark")
        theme = state["theme"]
        # the clock walks from the first submit to NOW over the first 250 frames, then stops
        now = T0 + min(frame / 250.0, 1.0) * (NOW - T0)
        canaries, rev = at_time(final, now)
        model.update(canaries, rev)
        if rev != state["rev"]:
            state["rev"], state["rows"] = rev, table_rows(canaries, None, now)
        seen["revisions"].add(rev)
        seen["statuses"].update(r.status for r in state["rows"])

        if frame in HOVER:
            assert state["target"] is not None, "the failed bar should be on screen by now"
            mouse.moveTo(*state["target"])
        if frame == CLICK:
            mouse.mouseDown()
        if frame == CLICK + 1:
            mouse.mouseUp()
        if frame == HOVER.stop:
            mouse.moveTo(1270, 790)        # off the window before the last frame

        imgui.text(summarize(canaries, now).line())
        ev = draw_gantt(model, theme, now, highlight_id=None, fit=frame % 20 == 0)   # the "Fit" action, as time goes
        state["target"] = ev.bar_pixel(model, 3, now=now) if model.index_of(3) is not None \
            else None
        if ev.hovered_id is not None:
            seen["hovered"].add(ev.hovered_id)
        if ev.clicked_id is not None:
            seen["clicked"].append(ev.clicked_id)
        tev = draw_canary_table(state["rows"], view, theme, highlight_id=ev.hovered_id, now=now)
        if tev.selected_id is not None:
            seen["table_selected"].append(tev.selected_id)
        seen["last"], seen["now"] = ev, now

    shot = run_frames(gui, FRAMES, size=(1200, 760), title="test-gantt-frames")
    return shot, model, seen


def test_frames_run_through_every_state(run):
    shot, model, seen = run
    assert {"queued", "running", "completed", "failed", "cancelled"} <= seen["statuses"]
    assert len(seen["revisions"]) > 10                  # the model was rebuilt as things moved
    assert model.lanes == ["controller-io-0", "controller-io-1", "controller-io-2",
                           "controller-io-3", "MainThread"]


def test_hover_and_click_on_failed_bar(run):
    _, _, seen = run
    assert 3 in seen["hovered"]
    assert seen["clicked"] == [3]
    assert seen["table_selected"] == []                 # the click was on the chart


def _fraction(shot, x0, x1, y, colour, tol=6):
    strip = shot[int(y), int(x0):int(x1)].astype(int)
    return float((np.abs(strip - colour).max(axis=1) <= tol).mean())


@pytest.mark.parametrize("canary_id,role", [
    (1, Role.READY),        # io-0 numpy
    (2, Role.READY),        # io-1 sqlite3
    (3, Role.FAILED),       # io-1 broken_sdk
    (4, Role.CANCELLED),    # io-2 email.mime.text
    (6, Role.WARMING),      # io-2 running at the end
    (5, Role.WARMING),      # io-3 running
    (9, Role.READY),        # MainThread json
    (10, Role.READY),       # io-0 csv
])
def test_bar_colours_on_their_lanes(run, canary_id, role):
    shot, model, seen = run
    ev, now = seen["last"], seen["now"]
    lane_h = ev.plot_rect[3] / len(model.lanes)
    half = lane_h * 0.7 / 2.0
    (xa, y), (xb, _) = ev.bar_pixel(model, canary_id, 0.0, now), ev.bar_pixel(model, canary_id,
                                                                            1.0, now)
    top = y - half + 2.0          # the bar's top rows: above the label text
    assert _fraction(shot, xa + 3, xb - 3, top, rgb(role)) > 0.9, (canary_id, role)
    # and not on the neighbouring lanes' centre lines at the same x
    for dy in (-lane_h, lane_h):
        if ev.plot_rect[1] < top + dy < ev.plot_rect[1] + ev.plot_rect[3]:
            assert _fraction(shot, xa + 3, xb - 3, top + dy, rgb(role)) < 0.9 or \
                canary_id in (1, 2, 9, 10, 5, 6)    # same colour may be on a neighbour lane


def test_main_thread_lane_tinted_with_failure_colour(run):
    shot, model, seen = run
    ev = seen["last"]
    px, py, pw, ph = ev.plot_rect
    lane_h = ph / len(model.lanes)
    main_y = py + (len(model.lanes) - 0.5) * lane_h
    io0_y = py + 0.5 * lane_h
    x = px + pw - 5                                     # right end: no bar there on either lane
    main_px, io_px = shot[int(main_y), int(x)].astype(int), shot[int(io0_y), int(x)].astype(int)
    assert main_px[0] - main_px[1] > 15                 # reddish
    assert abs(io_px[0] - io_px[1]) < 8                 # neutral


def test_an_instant_failure_is_still_a_visible_red_mark(virtual_display):
    """A module that fails in a microsecond, beside a long import: at fit zoom its bar would be a
    fraction of a pixel; it is drawn at least a few pixels wide in the failure colour."""
    from imwarmup.theme import Theme
    from imwarmup.widgets.gantt import draw_gantt

    canaries = [
        record(1, "numpy", thread="controller-io-0", submit=0.0, start=0.0, end=3.0, status="completed"),
        record(2, "vendor_sdk", thread="controller-io-1", submit=0.0, start=1.5, end=1.500001,
               status="failed", error="ImportError: no libfoo.so"),
    ]
    model = GanttModel()
    model.update(canaries, 1)
    seen = {}

    def gui(frame: int) -> None:
        ev = draw_gantt(model, Theme("dark"), NOW, fit=frame == 0, size=(800.0, 200.0))
        seen["rect"] = ev.plot_rect

    shot = run_frames(gui, 20)
    px, py, pw, ph = seen["rect"]
    lane_y = int(py + 1.5 * ph / 2)                       # controller-io-1's centre line
    row = shot[lane_y, int(px):int(px + pw)].astype(int)
    red = np.all(np.abs(row - rgb(Role.FAILED)) <= 24, axis=1)
    assert red.sum() >= 4                                 # at least 4 px wide, whatever the zoom
    centre = int(pw * 1.5 / 3.0)                          # x = 1.5 s of a 0..3 s view
    assert red[max(0, centre - 12):centre + 12].any()     # and where the failure happened
