"""Per-frame cost of the Gantt chart and the canary table, in real frames under Xvfb.

    python benchmarks/bench_gantt.py            # starts Xvfb itself when DISPLAY is unset
    python benchmarks/bench_gantt.py trees      # only the import-tree part

Times only the widget call inside each frame (``draw_gantt`` / ``draw_canary_table``), with
100 ... 100,000 finished canaries on 4 lanes, zoomed to fit, zoomed into 1% of the range, and
panning that 1% window every frame (so the per-view cache never hits). The model's rebuild
(once per data revision, not per frame) is timed separately. Targets (issue 5): <= 2 ms at
10,000 canaries, <= 5 ms at 100,000, table with 10,000 rows < 1 ms.

Import trees (issue 14): the same chart with every canary carrying its import tree, each lane
collapsed against expanded into its flame rows, in alternating blocks of frames (so both see the
same machine load), with 16 canaries carrying numpy's real tree (2,256 tree nodes) and 400
carrying generated 60-node trees (24,000 nodes). The flame layout (``FlameModel``, built once
per tree revision on the diagnostics worker, never per frame) is timed separately.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from gantt_scenes import NOW, T0, ensure_display, many, pointer, run_frames  # noqa: E402
from import_tree_scenes import numpy_tree, place, synthetic_tree  # noqa: E402

SIZES_N = (100, 1_000, 10_000, 100_000)
MODES = ("fit", "1%", "1% pan")
WARMUP, MEASURED = 5, 120
TABLE_ROWS = 10_000
TREE_SETS = (16, 400)           # canaries with an import tree each
TREE_ROUNDS, TREE_BLOCK = 6, 20  # alternating collapsed/expanded blocks of frames per scenario


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def tree_set(n: int):
    """``n`` canaries on 4 lanes, each with an import tree spanning its bar."""
    canaries = many(n, fail_every=10**9)
    trees = {}
    base = numpy_tree()
    for c in canaries:
        dur = c["end_ts"] - c["start_ts"]
        if n <= 16:
            trees[c["canary_id"]] = place(base, c["start_ts"], c["thread_name"],
                                          dur / (base[0]["end_ts"] - base[0]["start_ts"]))
        else:
            trees[c["canary_id"]] = synthetic_tree(c["module"], 60, 6, dur, c["start_ts"],
                                                   c["thread_name"], seed=c["canary_id"])
    return canaries, trees


def main() -> None:
    display = ensure_display()
    try:
        if sys.argv[1:] != ["trees"]:
            run()
        run_trees()
    finally:
        if display is not None:
            display.stop()


def run() -> None:
    import numpy as np  # noqa: F401  (warm before timing, like the app's warmup does)
    from imgui_bundle import imgui, implot

    from imwarmup.theme import Theme
    from imwarmup.widgets.canary_rows import TableView, table_rows
    from imwarmup.widgets.canary_table import draw_canary_table
    from imwarmup.widgets.gantt import draw_gantt
    from imwarmup.widgets.gantt_model import GanttModel

    pointer().moveTo(1279, 799)                 # keep the pointer off the window: no tooltip
    datasets = {n: many(n) for n in SIZES_N}
    table_data = many(TABLE_ROWS)
    scenarios = [(n, mode) for n in SIZES_N for mode in MODES]
    per = WARMUP + MEASURED
    frames = per * (len(scenarios) + 1)
    times: dict[tuple, list[float]] = {}
    rebuild: dict[int, float] = {}
    state: dict = {"theme": None, "model": None, "n": None}
    table_state = {"rows": None, "view": TableView()}

    def gui(frame: int) -> None:
        if state["theme"] is None:
            state["theme"] = Theme("dark")
        theme = state["theme"]
        k, i = divmod(frame, per)
        if k < len(scenarios):
            n, mode = scenarios[k]
            if state["n"] != n:
                state["n"] = n
                model = state["model"] = GanttModel()
                t = time.perf_counter()
                model.update(datasets[n], n)
                rebuild[n] = time.perf_counter() - t
            model = state["model"]
            lo, hi = model.x_extent(NOW)
            if mode == "fit":
                implot.set_next_axis_limits(implot.ImAxis_.x1, lo, hi, implot.Cond_.always)
            else:
                span = (hi - lo) * 0.01
                a = lo + (hi - lo) * 0.4 + (span * 0.01 * i if mode == "1% pan" else 0.0)
                implot.set_next_axis_limits(implot.ImAxis_.x1, a, a + span, implot.Cond_.always)
            t = time.perf_counter()
            draw_gantt(model, theme, NOW, size=(-1.0, 420.0))
            dt = time.perf_counter() - t
            if i >= WARMUP:
                times.setdefault((n, mode), []).append(dt)
        else:
            if table_state["rows"] is None:
                table_state["rows"] = table_rows(table_data, T0, NOW)
            t = time.perf_counter()
            draw_canary_table(table_state["rows"], table_state["view"], theme, now=NOW)
            dt = time.perf_counter() - t
            if i >= WARMUP:
                times.setdefault(("table", TABLE_ROWS), []).append(dt)

    run_frames(gui, frames, size=(1200, 760), title="bench-gantt", screenshot=False)

    print(f"imwarmup Gantt/table benchmark: {MEASURED} frames each, 1200x760 window, Xvfb + "
          "llvmpipe, pointer off the window")
    print(f"{'canaries':>9} {'view':>7} {'median ms':>10} {'p99 ms':>8}   target")
    for n in SIZES_N:
        for mode in MODES:
            v = [x * 1000.0 for x in times[(n, mode)]]
            target = {10_000: "<= 2 ms", 100_000: "<= 5 ms"}.get(n, "")
            print(f"{n:>9,} {mode:>7} {statistics.median(v):>10.3f} {pct(v, 0.99):>8.3f}   {target}")
    v = [x * 1000.0 for x in times[("table", TABLE_ROWS)]]
    print(f"table {TABLE_ROWS:,} rows: median {statistics.median(v):.3f} ms, "
          f"p99 {pct(v, 0.99):.3f} ms   target < 1 ms")
    print("model rebuild (once per data revision, not per frame): " + ", ".join(
        f"{n:,}: {rebuild[n] * 1000.0:.1f} ms" for n in SIZES_N))



def run_trees() -> None:
    """Collapsed against expanded lanes with import trees (see the module docstring)."""
    from imgui_bundle import implot

    from imwarmup.theme import Theme
    from imwarmup.widgets.flame import FlameModel
    from imwarmup.widgets.gantt import draw_gantt
    from imwarmup.widgets.gantt_model import GanttModel

    pointer().moveTo(1279, 799)
    data = {n: tree_set(n) for n in TREE_SETS}
    scenarios = [(n, mode) for n in TREE_SETS for mode in MODES]
    per = TREE_ROUNDS * 2 * TREE_BLOCK
    times: dict[tuple, list[float]] = {}
    build: dict[int, list[float]] = {}
    state: dict = {"theme": None, "n": None}

    def gui(frame: int) -> None:
        if state["theme"] is None:
            state["theme"] = Theme("dark")
        k, i = divmod(frame, per)
        if k >= len(scenarios):
            return
        n, mode = scenarios[k]
        if state["n"] != n:
            state["n"] = n
            canaries, trees = data[n]
            model = state["model"] = GanttModel()
            model.update(canaries, n)
            for _ in range(5):
                t = time.perf_counter()
                state["flame"] = FlameModel(model, trees)
                build.setdefault(n, []).append(time.perf_counter() - t)
        model, flame = state["model"], state["flame"]
        block, j = divmod(i, TREE_BLOCK)
        expanded = block % 2 == 1
        lo, hi = model.x_extent(NOW)
        if mode == "fit":
            implot.set_next_axis_limits(implot.ImAxis_.x1, lo, hi, implot.Cond_.always)
        else:
            span = (hi - lo) * 0.01
            a = lo + (hi - lo) * 0.4 + (span * 0.01 * i if mode == "1% pan" else 0.0)
            implot.set_next_axis_limits(implot.ImAxis_.x1, a, a + span, implot.Cond_.always)
        t = time.perf_counter()
        draw_gantt(model, state["theme"], NOW, size=(-1.0, 700.0), flame=flame,
                   expanded=model.lanes if expanded else ())
        dt = time.perf_counter() - t
        if j >= 3:       # the first frames of a block settle the layout and caches
            times.setdefault((n, mode, expanded), []).append(dt)

    run_frames(gui, per * len(scenarios) + 1, size=(1200, 760), title="bench-gantt-trees",
               screenshot=False)
    print()
    print(f"Import trees: collapsed vs expanded (all 4 lanes), {TREE_ROUNDS} alternating blocks "
          f"of {TREE_BLOCK} frames each, first 3 of a block dropped; medians of the frames")
    print(f"{'canaries':>9} {'tree nodes':>10} {'view':>7} {'collapsed ms':>13} "
          f"{'expanded ms':>12} {'ratio':>6} {'exp p99 ms':>11}")
    for n in TREE_SETS:
        nodes = sum(len(t) for t in data[n][1].values())
        for mode in MODES:
            c = statistics.median(times[(n, mode, False)]) * 1000.0
            e = [x * 1000.0 for x in times[(n, mode, True)]]
            print(f"{n:>9,} {nodes:>10,} {mode:>7} {c:>13.3f} {statistics.median(e):>12.3f} "
                  f"{statistics.median(e) / c:>6.2f} {pct(e, 0.99):>11.3f}")
    print("flame layout (FlameModel, once per tree revision, on the diagnostics worker): " + ", ".join(
        f"{sum(len(t) for t in data[n][1].values()):,} nodes: median "
        f"{statistics.median(build[n]) * 1000.0:.1f} ms of 5" for n in TREE_SETS))


if __name__ == "__main__":
    main()
