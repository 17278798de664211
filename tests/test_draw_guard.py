"""A bug in the plugin's drawing costs the plugin's part, never the host's frame (DrawGuard):
real frames in a real window, where an exception left half-way through a window (a child
window begun, a colour and an id pushed) would otherwise make Dear ImGui assert at the frame's
end and end the host's run."""

from __future__ import annotations

import pytest

from gantt_scenes import run_frames
from imwarmup.panels.debug_window import DebugWindow
from imwarmup.panels.draw_guard import DrawGuard
from imwarmup.testing import FrozenClock, ScriptedSource, plan
from imwarmup.theme import Theme

FRAMES = 12
BROKEN_AT = 4


def test_an_error_half_way_through_a_window_costs_the_part_not_the_frame(virtual_display, capsys):
    from imgui_bundle import imgui

    guard = DrawGuard("the test part")
    drawn, after = [], []

    def part(frame: int) -> None:
        imgui.push_style_color(imgui.Col_.text, imgui.ImVec4(1, 0, 0, 1))
        imgui.push_id("part")
        imgui.begin_child("inner", imgui.ImVec2(200, 100))
        imgui.text("drawing")
        if frame == BROKEN_AT:
            raise ValueError("bad row 7")
        imgui.end_child()
        imgui.pop_id()
        imgui.pop_style_color()
        drawn.append(frame)

    def gui(frame: int) -> None:
        imgui.begin("Host window")
        if guard.error is None:
            guard.run(part, frame)
        imgui.text("the host's own text after the part")
        imgui.end()
        after.append(frame)

    run_frames(gui, FRAMES, screenshot=False)    # raises if a frame raised or the run ended early
    assert drawn == list(range(BROKEN_AT))
    assert after == list(range(FRAMES))          # the host drew every frame, the broken one too
    assert guard.summary == "ValueError: bad row 7"
    assert "in part" in guard.error and "bad row 7" in guard.error
    err = capsys.readouterr().err
    assert err.count("imwarmup: the test part stopped after an error (the app goes on): "
                     "ValueError: bad row 7") == 1
    guard.reset()
    assert guard.error is None and guard.summary is None


def test_the_diagnostics_window_shows_its_error_and_draws_again_after_try_again(
        virtual_display, monkeypatch, capsys):
    from imgui_bundle import imgui

    clock = FrozenClock(1_700_000_000.0)
    source = ScriptedSource([plan("json", "controller-io-0", start=0.0, end=0.1)], clock)
    window = DebugWindow(source, copy_report=lambda: None)
    calls = []
    real = DebugWindow._draw_contents

    def broken(self, theme, now):
        calls.append(now)
        if len(calls) == 2:
            imgui.begin_child("half-drawn")
            raise KeyError("canary_id")
        real(self, theme, now)

    monkeypatch.setattr(DebugWindow, "_draw_contents", broken)
    states: list = []
    state: dict = {}

    def gui(frame: int) -> None:
        theme = state.setdefault("theme", Theme("dark"))
        imgui.begin("Warmup diagnostics")
        if frame == 8:
            window.draw_guard.reset()        # what "Try again" does
        window.draw_contents(theme, clock())
        imgui.end()
        states.append(window.draw_guard.summary)

    run_frames(gui, 12, screenshot=False)
    assert states[0] is None and states[1:8] == ["KeyError: 'canary_id'"] * 7
    assert states[8:] == [None] * 4            # drawing again after "Try again"
    assert len(calls) == 2 + 4                 # not called while it showed the error
    assert capsys.readouterr().err.count("the diagnostics window stopped after an error") == 1
