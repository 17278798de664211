"""The Gantt chart's model without a window: lanes, geometry, culling, folding, hits, tooltips,
summary. Time is injected (``NOW``); no clock is read."""

from __future__ import annotations

import pytest

from imwarmup.core.report import summarize

from gantt_scenes import NOW, T0, every_state, many, record
from imwarmup.widgets.gantt_model import GanttModel, lane_order


def model_of(canaries, revision=1, min_bar_px=3.0, max_block_px=1e9):
    """A model; blocks are not capped unless asked (the cap has its own test)."""
    m = GanttModel(min_bar_px=min_bar_px, max_block_px=max_block_px)
    assert m.update(canaries, revision)
    return m


def bar(m, cid):
    return m.index_of(cid)


# ------------------------------------------------------------------------------------ lanes
def test_lane_order_io_by_number_then_other_threads_then_main():
    names = ["MainThread", "controller-io-10", "worker", "controller-io-2", "Thread-1",
             "controller-io-0", "controller-io-2"]
    assert lane_order(names) == ["controller-io-0", "controller-io-2", "controller-io-10",
                                 "Thread-1", "worker", "MainThread"]


def test_lanes_from_canaries_main_thread_lane_only_when_needed():
    m = model_of(every_state())
    assert m.lanes == ["controller-io-0", "controller-io-1", "controller-io-2",
                       "controller-io-3", "MainThread"]
    assert m.lanes[int(m.lane[bar(m, 9)])] == "MainThread"
    no_main = [c for c in every_state() if not c["main_thread"]]
    assert "MainThread" not in model_of(no_main).lanes


def test_queued_and_never_started_have_no_bar_but_count_in_summary():
    m = model_of(every_state())
    assert bar(m, 7) is None and bar(m, 8) is None     # queued; cancelled before it started
    assert len(m) == 8
    s = summarize(every_state(), NOW)
    assert (s.modules, s.completed, s.failed, s.cancelled, s.running, s.queued) == (
        10, 4, 1, 2, 2, 1)


# --------------------------------------------------------------------------------- geometry
def test_bar_geometry_seconds_since_first_submit_running_ends_at_now():
    m = model_of(every_state())
    i = bar(m, 3)                                       # failed on io-1, 0.32 -> 0.80
    assert (m.submit[i], m.start[i], m.bar_end(i, NOW)) == pytest.approx((0.0, 0.32, 0.80))
    r = bar(m, 5)                                       # running since 0.05
    assert m.bar_end(r, NOW) == pytest.approx(2.0)
    assert m.bar_end(r, NOW + 0.5) == pytest.approx(2.5)
    assert m.x_extent(NOW) == pytest.approx((0.0, 2.0))
    j = bar(m, 9)                                       # main thread: submitted later
    assert (m.submit[j], m.start[j]) == pytest.approx((0.2, 0.25))


def test_bars_sorted_by_lane_then_start_once_per_revision():
    canaries = every_state()
    m = model_of(canaries)
    assert list(m.lane) == sorted(m.lane)
    for k in range(len(m.lanes)):
        lo, hi = m.lane_lo[k], m.lane_lo[k + 1]
        assert list(m.start[lo:hi]) == sorted(m.start[lo:hi])
    assert not m.update(canaries[:3], 1)               # same revision: nothing rebuilt
    assert len(m) == 8
    assert m.update(canaries[:3], 2)
    assert len(m) == 3


# ---------------------------------------------------------------------------------- folding
def tiny_and_big():
    """io-0: 100 bars of 1 ms back to back from 0 to 0.1 s, then one bar 0.1 -> 1.1 s."""
    cs = [record(i + 1, f"m{i}", thread="controller-io-0", submit=0.0, start=i * 0.001,
                 end=(i + 1) * 0.001, status="completed") for i in range(100)]
    cs.append(record(101, "big", thread="controller-io-0", submit=0.0, start=0.1, end=1.1,
                     status="completed"))
    return cs


def test_fit_zoom_folds_tiny_bars_into_one_block():
    m = model_of(tiny_and_big())
    v = m.view(0.0, 1.1, 1000.0)                        # 1 ms ~ 0.9 px < 3 px
    lv = v.lanes[0]
    assert list(lv.count) == [100, 1]
    assert lv.idx[0] == -1 and m.canary_id[lv.idx[1]] == 101
    assert lv.x0[0] == pytest.approx(0.0) and lv.x1[0] == pytest.approx(0.1)
    assert lv.total_s[0] == pytest.approx(0.1)


def test_zoomed_in_no_folding_and_culled_to_visible_range():
    m = model_of(tiny_and_big())
    v = m.view(0.0105, 0.0205, 1000.0)                  # 1 ms = 100 px: every bar visible
    lv = v.lanes[0]
    assert (lv.count == 1).all()
    ids = [int(m.canary_id[i]) for i in lv.idx]
    assert ids[0] >= 10 and ids[-1] <= 23 and len(ids) <= 13   # only what is on screen


def test_intermediate_zoom_partially_folds():
    m = model_of(tiny_and_big())
    v = m.view(0.0, 0.2, 500.0)                         # 1 ms = 2.5 px: still folded
    assert list(v.lanes[0].count) == [100, 1]
    v = m.view(0.0, 0.2, 1000.0)                        # 1 ms = 5 px: single bars again
    assert (v.lanes[0].count == 1).all() and len(v.lanes[0].count) == 101


def test_far_apart_tiny_bars_do_not_merge():
    cs = [record(1, "a", thread="controller-io-0", submit=0.0, start=0.0, end=0.0001,
                 status="completed"),
          record(2, "b", thread="controller-io-0", submit=0.0, start=0.5, end=0.5001,
                 status="completed"),
          record(3, "c", thread="controller-io-0", submit=0.0, start=0.5002, end=0.5003,
                 status="completed")]
    lv = model_of(cs).view(0.0, 1.0, 1000.0).lanes[0]
    assert list(lv.count) == [1, 2]                     # a alone; b and c are 0.2 px apart


def test_running_bar_never_folds():
    cs = [record(1, "a", thread="controller-io-0", submit=0.0, start=0.0, end=0.0001,
                 status="completed"),
          record(2, "b", thread="controller-io-0", submit=0.0, start=0.0002, end=None,
                 status="running")]
    m = model_of(cs)
    lv = m.view(0.0, 10.0, 100.0).lanes[0]
    assert list(lv.count) == [1, 1] and m.canary_id[lv.idx[1]] == 2


def test_blocks_capped_in_width_and_count_their_failures():
    cs = tiny_and_big()
    for c in cs[9:100:10]:                              # 10 of the tiny bars failed
        c.update(status="failed", error="ImportError: x")
    m = model_of(cs, max_block_px=24.0)
    lv = m.view(0.0, 1.1, 1000.0).lanes[0]              # 0.1 s of tiny bars = ~91 px
    blocks = lv.idx == -1
    assert blocks.sum() >= 4                            # ~91 px / 24 px
    widths_px = (lv.x1[blocks] - lv.x0[blocks]) * (1000.0 / 1.1)
    assert (widths_px <= 24.0 + 3.0).all()
    assert int(lv.count[blocks].sum()) == 100 and int(lv.failed[blocks].sum()) == 10
    h = m.hit_test(m.view(0.0, 1.1, 1000.0), 0, 0.0095, NOW)
    assert h.block.failed >= 1 and "failed" in h.block.tooltip().split("\n")[1]
    default = GanttModel()                              # the default cap: a few fold widths
    assert default.max_block_px == pytest.approx(8 * default.min_bar_px)


def test_view_cached_per_range_width_and_revision():
    cs = tiny_and_big()
    m = model_of(cs)
    v = m.view(0.0, 1.1, 1000.0)
    assert m.view(0.0, 1.1, 1000.0) is v
    assert m.view(0.0, 1.0, 1000.0) is not v
    v2 = m.view(0.0, 1.1, 1000.0)
    m.update(cs, 2)
    assert m.view(0.0, 1.1, 1000.0) is not v2


def test_many_canaries_fold_to_a_bounded_number_of_items():
    m = model_of(many(100_000))
    x0, x1 = m.x_extent(NOW)
    v = m.view(x0, x1, 1000.0)
    items = sum(len(lv.x0) for lv in v.lanes)
    assert len(m.lanes) == 4
    assert items < 4 * 1000 / 3 + 4                     # at most one item per fold width
    assert sum(int(lv.count.sum()) for lv in v.lanes) == 100_000


# ---------------------------------------------------------------------------------- hits
def test_hit_test_bar_block_empty_and_running():
    m = model_of(tiny_and_big())
    v = m.view(0.0, 1.1, 1000.0)
    h = m.hit_test(v, 0, 0.5, NOW)
    assert h.canary_id == 101 and h.block is None
    h = m.hit_test(v, 0, 0.05, NOW)
    assert h.canary_id is None and h.block.count == 100
    assert m.hit_test(v, 1, 0.5, NOW) is None           # no such lane
    assert m.hit_test(v, 0, 1.5, NOW) is None           # past the last bar
    assert m.hit_test(v, 0, 1.1 + 0.0005, NOW).canary_id == 101   # within half a fold width

    r = model_of(every_state())
    vr = r.view(0.0, 2.0, 1000.0)
    lane3 = r.lanes.index("controller-io-3")
    assert r.hit_test(vr, lane3, 1.9, NOW).canary_id == 5         # running: reaches now
    assert r.hit_test(vr, lane3, 1.9, T0 + 1.0) is None           # ... and no further


# -------------------------------------------------------------------------------- tooltips
def test_tooltip_of_failed_bar_says_what_and_what_to_do():
    m = model_of(every_state())
    text = m.tooltip(bar(m, 3), NOW)
    lines = text.split("\n")
    assert lines[0] == "broken_sdk"
    assert "thread:  controller-io-1" in lines
    assert "queued:  320.0 ms" in lines
    assert "start:   320.0 ms" in lines
    assert "end:     800.0 ms" in lines
    assert "elapsed: 480.0 ms" in lines
    assert "status:  failed" in lines
    assert "error:   ModuleNotFoundError: No module named 'broken_sdk'" in lines
    assert any(line.startswith("Fix the import error") for line in lines)


def test_tooltip_running_and_main_thread():
    m = model_of(every_state())
    t = m.tooltip(bar(m, 5), NOW)
    assert "elapsed: 1950.0 ms (running)" in t and "end:     -" in t
    assert "status:  running" in t
    t = m.tooltip(bar(m, 9), NOW)
    assert "thread:  MainThread" in t and "main thread" in t


def test_tooltip_says_how_much_of_the_bar_was_own_work_and_waiting():
    m = model_of(every_state())
    lines = m.tooltip(bar(m, 1), NOW).split("\n")       # numpy: 890 ms, 300 ms of it CPU
    at = lines.index("elapsed: 890.0 ms")
    assert lines[at + 1] == "of which: own work 300.0 ms · waiting 590.0 ms (GIL, other imports)"
    # A running bar has no CPU figure yet: no split line.
    running = m.tooltip(bar(m, 5), NOW).split("\n")
    assert not any("own work" in line for line in running)


def test_tooltip_names_the_module_locks_the_bar_waited_for():
    m = GanttModel()
    tree = [{"module": "csv", "lock_waits": [
        {"module": "numpy", "holder": "controller-io-1", "wait_ms": 400.0}]},
        {"module": "csv.x", "lock_waits": [
            {"module": "re", "holder": "controller-io-2", "wait_ms": 50.0}]}]
    m.update(every_state(), 1, trees={10: tree})
    text = m.tooltip(bar(m, 10), NOW)                    # csv: 680 ms, 120 ms own
    assert ("of which: own work 120.0 ms · waiting 560.0 ms: module lock held by controller-io-1 "
            "(numpy) 400.0 ms, 1 more 50.0 ms; GIL/other 110.0 ms") in text.split("\n")


def test_block_tooltip_counts_modules_and_time():
    m = model_of(tiny_and_big())
    h = m.hit_test(m.view(0.0, 1.1, 1000.0), 0, 0.05, NOW)
    assert h.block.tooltip().split("\n")[0] == "100 modules, 100.0 ms"


# ------------------------------------------------ summary (core.report.summarize, the window's line)
def test_summary_numbers_and_text():
    s = summarize(every_state(), NOW)
    assert s.wall_ms == pytest.approx(2000.0)          # something still runs: up to now
    expected = 0.89 + 0.29 + 0.48 + 0.53 + 1.95 + 1.40 + 0.45 + 0.68
    assert s.sum_ms == pytest.approx(expected * 1000.0)
    assert (s.slowest, s.slowest_ms) == ("asyncio", pytest.approx(1950.0))
    assert s.line().startswith("10 modules, 4 completed, 1 failed, 2 cancelled")
    f = summarize([c for c in every_state() if c["status"] != "running"], NOW + 100)
    assert f.wall_ms == pytest.approx(1600.0)          # first submit -> last end, not now
    assert f.running == 0 and f.queued == 0


def test_empty_model():
    m = model_of([])
    assert m.lanes == [] and len(m) == 0
    assert summarize([], NOW).modules == 0 and summarize([], NOW).sum_ms == 0.0
    assert m.view(0.0, 1.0, 100.0).lanes == []


def test_statuses_name_only_what_the_bars_show_for_the_legend():
    assert GanttModel().statuses == frozenset()
    m = model_of(every_state())
    assert m.statuses == {"completed", "failed", "cancelled", "running"}
    done = [c for c in every_state() if c["status"] == "completed"]
    assert model_of(done).statuses == {"completed"}


def test_the_tooltip_shortens_a_huge_error_and_says_when_an_import_was_retried():
    huge = "ImportError: " + "x" * 5_000_000
    records = [
        record(1, "big_error", thread="controller-io-0", submit=0.0, start=0.0, end=0.1,
               status="failed", error=huge),
        dict(record(2, "circular_a", thread="controller-io-1", submit=0.0, start=0.0, end=0.2,
                    status="completed"),
             retried="ImportError: cannot import name 'B' from partially initialized module"),
    ]
    m = model_of(records)
    text = m.tooltip(bar(m, 1), NOW)
    assert len(text) < 1_000 and "more characters" in text
    retried = m.tooltip(bar(m, 2), NOW)
    assert "retried: ImportError: cannot import name 'B'" in retried
    assert "then worked alone" in retried
