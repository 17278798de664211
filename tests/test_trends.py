"""The Trends tab (issue 16): the model from history records, and the lines in a real window."""

from __future__ import annotations

import numpy as np
import pytest

from imwarmup.core.history import SCHEMA
from imwarmup.widgets.trends import TrendsModel

from gantt_scenes import run_frames


def run(number: int, pandas_ms: float, json_ms: float = 3.0, wall_ms: float | None = None,
        pandas_status: str = "completed") -> dict:
    return {"schema": SCHEMA, "run": f"r{number}", "wall_ms": wall_ms or pandas_ms + 100.0,
            "modules": [{"module": "pandas", "status": pandas_status, "elapsed_ms": pandas_ms},
                        {"module": "json", "status": "completed", "elapsed_ms": json_ms},
                        {"module": "sympy", "status": "completed", "elapsed_ms": 400.0}]}


def test_model_lines_follow_the_runs_and_the_usual():
    runs = [run(i, ms) for i, ms in enumerate([900, 1000, 950, 1100, 1000, 1600])]
    runs[2] = run(2, 50, pandas_status="failed")
    model = TrendsModel.from_runs(runs, top=2)
    assert model.runs == 6 and model.first == 1
    assert model.total is not None and model.total.xs == (1, 2, 3, 4, 5, 6)
    assert model.total.ys[-1] == pytest.approx(1.7)
    assert [t.label for t in model.modules] == ["pandas", "sympy"]   # slowest of the newest run
    pandas = model.modules[0]
    assert pandas.xs == (1, 2, 4, 5, 6)          # the failed import is no point on its line
    assert pandas.ys[-1] == pytest.approx(1.6)
    # usual = median of the 5 runs before the newest: 1.0, 1.1, 0.15, 1.2, 1.1 -> 1.1
    assert model.usual_total_s == pytest.approx(1.1)
    assert model.latest_total_s == pytest.approx(1.7)
    # pandas 1600 ms against its usual 1000 (the failed run is no part of it), the total 1.7 s
    # against 1.1 s: both slower by more than 20% and 20 ms; sympy is as usual.
    assert model.regressed == ("whole warmup", "pandas")
    flat = TrendsModel.from_runs([run(i, 1000 + i) for i in range(6)])
    assert flat.regressed == ()


def test_model_shows_only_the_newest_runs():
    model = TrendsModel.from_runs([run(i, 100 + i) for i in range(50)], last=30)
    assert model.first == 21 and model.total.xs[0] == 21 and model.total.xs[-1] == 50


def test_trends_draw_a_line_per_series(virtual_display, tmp_path):
    from imgui_bundle import imgui

    from imwarmup.theme import Theme
    from imwarmup.widgets.trends import draw_trends

    runs = [run(i, 900 + 40 * i + (300 if i == 9 else 0)) for i in range(10)]
    model = TrendsModel.from_runs(runs)
    state = {}

    def gui(frame: int) -> None:
        theme = state.setdefault("theme", Theme("dark"))
        draw_trends(model, theme, history_path="/home/me/.cache/imwarmup/myapp.jsonl")

    shot = run_frames(gui, 20, size=(900, 520), title="trends")
    from PIL import Image

    Image.fromarray(shot).save(tmp_path / "trends.png")
    # implot's default colormap: the first series (the whole warmup) is drawn in its first colour.
    from imgui_bundle import implot  # noqa: F401 - the colormap below is implot's "Deep"

    deep_blue = np.array([76, 114, 176])
    close = np.abs(shot.astype(int) - deep_blue).sum(axis=2) < 30
    ys, xs = np.nonzero(close)
    assert close.sum() > 300, "the whole-warmup line is missing"
    # The line rises to the right: its last run is the highest (smallest y on screen).
    right = ys[xs > np.percentile(xs, 90)].mean()
    left = ys[xs < np.percentile(xs, 10)].mean()
    assert right < left


def test_vs_usual_column_shows_a_regression_in_the_failure_colour(virtual_display):
    from imwarmup.theme import PALETTES, Role, Theme
    from imwarmup.widgets.canary_rows import TableView, table_rows
    from imwarmup.widgets.canary_table import HEADERS, draw_canary_table

    from gantt_scenes import NOW, every_state

    # Completed off the main thread: no other cell is drawn in the failure colour.
    done = [c for c in every_state() if c["status"] == "completed" and not c.get("main_thread")]
    slow = done[0]                                            # numpy, 890 ms
    usual_cases = {
        "regressed": {slow["module"]: slow["elapsed_ms"] / 2.0},   # +445 ms: red
        "usual": {slow["module"]: slow["elapsed_ms"] - 5.0},       # +5 ms: grey
    }
    red = np.array([round(v * 255) for v in PALETTES["dark"][Role.FAILED][:3]])
    found = {}
    for case, usual in usual_cases.items():
        rows = table_rows(done, None, NOW, usual=usual)
        view = TableView()
        state = {}

        def gui(frame: int) -> None:
            theme = state.setdefault("theme", Theme("dark"))
            state["events"] = draw_canary_table(rows, view, theme, now=NOW)

        shot = run_frames(gui, 10, size=(1300, 400), title="vs-usual")
        found[case] = int((np.abs(shot.astype(int) - red).sum(axis=2) < 40).sum())
    assert "vs usual" in HEADERS
    assert found["usual"] == 0, "no red without a regression (every row completed)"
    assert found["regressed"] > 40, "the regressed cell is drawn in the failure colour"


@pytest.mark.parametrize("first, last, expected", [
    (1, 9, [1, 2, 3, 4, 5, 6, 7, 8, 9]),
    (1, 13, [2, 4, 6, 8, 10, 12]),
    (1, 30, [5, 10, 15, 20, 25, 30]),
    (71, 100, [75, 80, 85, 90, 95, 100]),
    (4, 4, [4]),
])
def test_run_axis_ticks_are_whole_runs_and_few(first, last, expected):
    # implot's own ticks fell between runs and "%.0f" labelled them "1 2 2 3 4 4 ...".
    from imwarmup.widgets.trends import run_ticks

    ticks = run_ticks(first, last)
    assert ticks == [float(v) for v in expected]
    assert all(t.is_integer() and first <= t <= last for t in ticks) and len(ticks) <= 12


@pytest.mark.parametrize("case", ["regressed", "flat"])
def test_trends_mark_a_regression_in_the_failure_colour_and_no_line_is_red(virtual_display, case):
    from imwarmup.theme import PALETTES, Role, Theme
    from imwarmup.widgets.trends import draw_trends

    if case == "regressed":
        runs = [run(i, 1000 + (900 if i == 7 else 0)) for i in range(8)]
    else:
        runs = [run(i, 1000 + 5 * i) for i in range(8)]
    model = TrendsModel.from_runs(runs)
    assert ("pandas" in model.regressed) == (case == "regressed")
    state = {}

    def gui(frame: int) -> None:
        theme = state.setdefault("theme", Theme("dark"))
        draw_trends(model, theme, history_path="/tmp/h.jsonl")

    shot = run_frames(gui, 20, size=(900, 520), title="trends-regressed")
    red = np.array([round(v * 255) for v in PALETTES["dark"][Role.FAILED][:3]])
    # 70: implot's "Deep" red (196, 78, 82), which the 4th line used to get, is within it.
    reddish = int((np.abs(shot.astype(int) - red).sum(axis=2) < 70).sum())
    if case == "regressed":
        assert reddish > 60, "the newest points slower than usual are marked in the failure colour"
    else:
        assert reddish == 0, "no line is drawn in a colour that reads as a failure"
