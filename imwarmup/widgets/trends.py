"""The Trends tab: the warmup's total and its slowest modules across the last runs (implot lines).

``TrendsModel.from_runs(runs)`` lays out the data (pure Python, from the history's records);
``draw_trends(model, theme)`` draws it. The x axis is the run number as ``python -m imwarmup
history`` lists it, so a run seen here is the run to ``compare``. numpy (implot's data) is only
imported by ``draw_trends``, which the debug window calls once numpy is warm.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ..core.history import is_regression, usual_times
from ..theme.current import Theme
from ..theme.palette import Role

__all__ = ["TrendsModel", "TrendLine", "draw_trends", "run_ticks", "TRENDS_RUNS",
           "TRENDS_MODULES", "TOTAL_LABEL", "REGRESSED_LABEL"]

TRENDS_RUNS = 30      # runs shown (the newest)
TRENDS_MODULES = 5    # slowest modules of the newest run drawn beside the total
TOTAL_LABEL = "whole warmup"
# The lines' colours: implot's "Deep" colormap without its red, which would read as the failure
# colour (red here means a regression: the newest point of a line slower than its usual).
LINE_COLORS = ((76, 114, 176), (221, 132, 82), (85, 168, 104), (129, 114, 179), (147, 120, 96),
               (100, 181, 205), (204, 185, 116))
REGRESSED_LABEL = "slower than usual"


@dataclass(frozen=True)
class TrendLine:
    label: str
    xs: tuple[float, ...]    # run numbers (1 = oldest in the file)
    ys: tuple[float, ...]    # seconds


@dataclass(frozen=True)
class TrendsModel:
    runs: int                        # runs in the history
    first: int                       # run number of the first run shown
    total: TrendLine | None
    modules: tuple[TrendLine, ...]
    latest_total_s: float | None
    usual_total_s: float | None      # median total of up to 5 runs before the newest
    # Lines whose newest point is a regression against their usual (the table's rule: slower by
    # more than 20% and 20 ms): "whole warmup" and/or module names. Drawn in the failure colour.
    regressed: tuple[str, ...] = ()

    @classmethod
    def from_runs(cls, runs: Sequence[Mapping[str, Any]], *, last: int = TRENDS_RUNS,
                  top: int = TRENDS_MODULES) -> "TrendsModel":
        shown = list(runs)[-last:]
        first = len(runs) - len(shown) + 1
        xs, totals = [], []
        for number, run in enumerate(shown, first):
            if run.get("wall_ms") is not None:
                xs.append(float(number))
                totals.append(float(run["wall_ms"]) / 1000.0)
        total = TrendLine(TOTAL_LABEL, tuple(xs), tuple(totals)) if xs else None
        lines: list[TrendLine] = []
        if shown:
            latest = [m for m in shown[-1].get("modules", ()) if m.get("elapsed_ms") is not None]
            latest.sort(key=lambda m: -float(m["elapsed_ms"]))
            for entry in latest[:top]:
                name = entry["module"]
                mx, my = [], []
                for number, run in enumerate(shown, first):
                    for m in run.get("modules", ()):
                        if m.get("module") == name and m.get("elapsed_ms") is not None \
                                and m.get("status") == "completed":
                            mx.append(float(number))
                            my.append(float(m["elapsed_ms"]) / 1000.0)
                            break
                lines.append(TrendLine(name, tuple(mx), tuple(my)))
        previous = [float(r["wall_ms"]) for r in list(runs)[-6:-1] if r.get("wall_ms") is not None]
        usual = None
        if previous:
            previous.sort()
            mid = len(previous) // 2
            usual = (previous[mid] if len(previous) % 2 else
                     (previous[mid - 1] + previous[mid]) / 2.0) / 1000.0
        latest_total = totals[-1] if totals and xs[-1] == float(len(runs)) else None
        regressed = []
        if latest_total is not None and usual is not None \
                and is_regression(latest_total * 1000.0, usual * 1000.0):
            regressed.append(TOTAL_LABEL)
        if len(runs) >= 2:
            usual_ms = usual_times(list(runs)[:-1])
            newest = {m.get("module"): m for m in list(runs)[-1].get("modules", ())}
            for trend in lines:
                m = newest.get(trend.label, {})
                if m.get("status") == "completed" and is_regression(
                        m.get("elapsed_ms"), usual_ms.get(trend.label)):
                    regressed.append(trend.label)
        return cls(len(runs), first, total, tuple(lines), latest_total, usual, tuple(regressed))


def run_ticks(first: int, last: int, most: int = 12) -> list[float]:
    """The x axis' ticks: whole run numbers from ``first`` to ``last``, every 1, 2, 5, 10, ...
    runs so that at most ``most`` show (implot's own ticks fall between runs, and "%.0f" then
    labels two ticks with the same number)."""
    span = max(last - first, 0)
    step = next(s for s in (m * 10 ** e for e in range(12) for m in (1, 2, 5))  # 1, 2, 5, 10, ...
                if span // s + 1 <= most)
    start = -(-first // step) * step   # the first multiple of the step at or after ``first``
    return [float(v) for v in range(start, last + 1, step)] or [float(first)]


def draw_trends(model: TrendsModel | None, theme: Theme, *, history_path: str | None,
                height: float | None = None) -> None:
    """Draw the tab: a line per series, or a sentence saying why there is nothing to plot."""
    from imgui_bundle import imgui

    if history_path is None:
        imgui.text_colored(theme.vec4(Role.TEXT_DIM),
                           "History is off (WarmupController(history=False) or IMWARMUP_HISTORY=off).")
        return
    if model is None or model.runs < 2:
        imgui.text_wrapped(
            ("Reading the history…" if model is None else
             f"{model.runs} run so far: trends appear from the second run.")
        )
        imgui.text_colored(theme.vec4(Role.TEXT_DIM), f"History: {history_path}")
        return
    line = f"{model.runs} runs in {history_path}"
    if model.latest_total_s is not None and model.usual_total_s is not None:
        delta = model.latest_total_s - model.usual_total_s
        line = (f"This run {model.latest_total_s:.2f} s, usual {model.usual_total_s:.2f} s "
                f"({delta:+.2f} s) · " + line)
    imgui.text_colored(theme.vec4(Role.TEXT_DIM), line)
    import numpy as np  # the debug window draws this tab only once numpy is warm
    from imgui_bundle import implot

    avail = imgui.get_content_region_avail()
    size = imgui.ImVec2(-1, height if height is not None else max(avail.y, theme.px(12.0)))
    if not implot.begin_plot("##imwarmup-trends", size):
        return
    series = ([model.total] if model.total is not None else []) + list(model.modules)
    top = max((max(t.ys) for t in series if t.ys), default=1.0)
    implot.setup_axes("run", "seconds")
    # From 0 with headroom: a rise reads as a rise, and the newest point is never on the edge.
    implot.setup_axis_limits(implot.ImAxis_.x1, model.first - 0.5, model.runs + 0.5,
                             implot.Cond_.always)
    implot.setup_axis_limits(implot.ImAxis_.y1, 0.0, top * 1.15, implot.Cond_.always)
    implot.setup_legend(implot.Location_.east, implot.LegendFlags_.outside)
    implot.setup_axis_ticks(implot.ImAxis_.x1, run_ticks(model.first, model.runs))
    implot.setup_axis_format(implot.ImAxis_.x1, "%.0f")
    marks_x, marks_y = [], []
    for index, trend in enumerate(series):
        if not trend.xs:
            continue
        xs = np.asarray(trend.xs, dtype=np.float64)
        ys = np.asarray(trend.ys, dtype=np.float64)
        weight = 3.0 if index == 0 and model.total is not None else 1.5
        r, g, b = LINE_COLORS[index % len(LINE_COLORS)]
        spec = implot.Spec()
        spec.line_weight = weight
        spec.line_color = imgui.ImVec4(r / 255.0, g / 255.0, b / 255.0, 1.0)
        spec.marker = implot.Marker_.circle
        spec.marker_size = 3.0
        implot.plot_line(trend.label, xs, ys, spec=spec)
        if trend.label in model.regressed and trend.xs[-1] == float(model.runs):
            marks_x.append(trend.xs[-1])
            marks_y.append(trend.ys[-1])
    if marks_x:  # one legend entry for every newest point slower than its usual
        failed = theme.vec4(Role.FAILED)
        spec = implot.Spec()
        spec.marker = implot.Marker_.circle
        spec.marker_size = 6.0
        spec.marker_fill_color = failed
        spec.marker_line_color = failed
        implot.plot_scatter(REGRESSED_LABEL, np.asarray(marks_x, dtype=np.float64),
                            np.asarray(marks_y, dtype=np.float64), spec=spec)
    implot.end_plot()
