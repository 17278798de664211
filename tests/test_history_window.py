"""The start-up history in the diagnostics window, in pixels (issue 16): a real controller with a
history file of earlier runs, its window's table with a regression in the "vs usual" column drawn
in the failure colour, the summary's "vs usual", and the Trends tab brought to the front with its
lines (the whole warmup and the slowest modules)."""

from __future__ import annotations

import numpy as np
import pytest

from imwarmup import WarmupController
from imwarmup.core import history as H

from gantt_scenes import run_frames
from modgen import gen  # noqa: F401 - generated modules

SIZE = (1280, 800)
BUSY = """
import time
end = time.thread_time() + {seconds}
while time.thread_time() < end:
    pass
"""
DEEP_BLUE = np.array([76, 114, 176])   # implot's "Deep" colormap, first series: the whole warmup


def earlier_runs(path, slow: str, quick: str, count: int = 8) -> None:
    f = H.HistoryFile(path)
    for i in range(count):
        f.append({"schema": H.SCHEMA, "run": f"2026113{i}-120000-000{i}", "app": "t",
                  "wall_ms": 100.0 + 20.0 * i,
                  "modules": [{"module": slow, "status": "completed", "elapsed_ms": 10.0 + i},
                              {"module": quick, "status": "completed", "elapsed_ms": 100.0}]})


def show(window, frames: int, title: str):
    from imwarmup.theme import Theme

    state = {}
    now = max(c["end_ts"] for c in window.canaries or [{"end_ts": 0.0}]) + 1.0

    def gui(frame: int) -> None:
        theme = state.setdefault("theme", Theme("dark"))
        window.draw_contents(theme, state.get("now", now))
        if window.canaries:
            state["now"] = max(c["end_ts"] for c in window.canaries) + 1.0

    return run_frames(gui, frames, size=SIZE, title=title)


@pytest.fixture
def warmed_with_history(gen, tmp_path, monkeypatch):
    monkeypatch.delenv(H.ENV_VAR, raising=False)
    slow = gen.module(BUSY.format(seconds=0.08), stem="slowsdk")
    quick = gen.module("x = 1\n", stem="quicksdk")
    path = tmp_path / "app.jsonl"
    earlier_runs(path, slow, quick)
    c = WarmupController([slow, quick], history=path, log_to_stderr=False).start()
    assert c.wait_for_warmup(30) and c.history.wait_saved(10)
    yield c, slow, quick
    c.shutdown(wait=True, timeout=10)


def test_window_table_shows_the_regression_in_red_and_the_summary_vs_usual(
        virtual_display, warmed_with_history, tmp_path):
    from PIL import Image

    from imwarmup.panels.debug_window import DebugWindow
    from imwarmup.theme import PALETTES, Role

    c, slow, quick = warmed_with_history
    window = DebugWindow(c, lambda: None)
    shot = show(window, 40, "history-table")
    Image.fromarray(shot).save(tmp_path / "table.png")
    rows = {r.module: r for r in window.rows}
    assert rows[slow].regressed and rows[slow].vs_usual_ms > 50.0     # ~80 ms against 13.5
    assert not rows[quick].regressed and rows[quick].vs_usual_ms < 0.0  # 'x = 1' vs 100 ms
    assert "vs usual)" in window.summary.line()                          # wall against 0.17 s
    red = np.array([round(v * 255) for v in PALETTES["dark"][Role.FAILED][:3]])
    ys, xs = np.nonzero(np.abs(shot.astype(int) - red).sum(axis=2) < 40)
    assert len(ys) > 40, "the regressed 'vs usual' cell is drawn in the failure colour"
    assert ys.min() > window.last_table.filter_rect[1]      # red only below the table's filter


def test_trends_tab_draws_the_whole_warmup_and_the_slowest_modules(
        virtual_display, warmed_with_history, tmp_path):
    from PIL import Image

    from imwarmup.panels.debug_window import DebugWindow

    c, slow, quick = warmed_with_history
    window = DebugWindow(c, lambda: None)
    before = show(window, 10, "history-timeline")
    window.select_tab("Trends")
    shot = show(window, 30, "history-trends")
    Image.fromarray(shot).save(tmp_path / "trends.png")
    model = window.trends
    assert model is not None and model.runs == 9                       # 8 earlier + this one
    assert [t.label for t in model.modules] == [slow, quick]
    assert model.total.xs == tuple(float(n) for n in range(1, 10))
    blue = np.abs(shot.astype(int) - DEEP_BLUE).sum(axis=2) < 30
    assert blue.sum() > 300, "the whole-warmup line is drawn"
    assert (np.abs(before.astype(int) - DEEP_BLUE).sum(axis=2) < 30).sum() < blue.sum() / 3
    # The earlier runs rise (100 -> 240 ms), so the line's left end is lower than its peak.
    ys, xs = np.nonzero(blue)
    left = ys[xs < np.percentile(xs, 10)].mean()
    peak = ys.min()
    assert peak < left
    with pytest.raises(ValueError, match="no tab 'Trend'; the tabs are 'Timeline'"):
        window.select_tab("Trend")
