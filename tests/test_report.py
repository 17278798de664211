"""The summary numbers and the text report (pure)."""

from imwarmup.core.report import format_canary_table, format_text_report, summarize


def c(cid, module, start, end, status="completed", thread="controller-io-0", error=None, main=False):
    return {"canary_id": cid, "module": module, "thread_name": thread, "submit_ts": 10.0,
            "start_ts": start, "end_ts": end,
            "elapsed_ms": (end - start) * 1000 if start is not None and end is not None else None,
            "status": status, "error": error, "main_thread": main}


def test_summary_wall_and_slowest_and_no_speedup_from_the_sum():
    rows = [c(1, "a", 10.0, 10.4), c(2, "b", 10.0, 10.2, thread="controller-io-1"),
            c(3, "bad", 10.1, 10.3, "failed", error="ImportError: x")]
    s = summarize(rows, now=99.0)
    assert (s.modules, s.completed, s.failed) == (3, 2, 1)
    assert round(s.wall_ms) == 400 and round(s.sum_ms) == 800
    assert s.slowest == "a"
    line = s.line()
    assert "3 modules" in line and "1 failed" in line and "wall 400.0 ms" in line and "slowest a" in line
    # The sum of elapsed counts waiting for the interpreter lock: no "speed-up" is made of it.
    assert "speed-up" not in line and "sum" not in line


def test_running_and_queued_count_up_to_now():
    rows = [c(1, "a", 10.0, None, "running"), c(2, "q", None, None, "running")]
    s = summarize(rows, now=11.0)
    assert (s.running, s.queued) == (1, 1)
    assert round(s.wall_ms) == 1000
    assert "1 running, 1 queued" in s.line()


def test_main_thread_canaries_are_counted_and_flagged_in_the_table():
    rows = [c(1, "json", 10.0, 10.01, thread="MainThread", main=True)]
    assert summarize(rows, 11.0).main_thread == 1
    assert "[MAIN-THREAD]" in format_canary_table(rows)


def test_text_report_has_summary_table_and_profile():
    rows = [c(1, "a", 10.0, 10.02), c(2, "bad", 10.0, 10.001, "failed", error="ImportError: nope")]
    text = format_text_report(rows, 11.0, "Startup profile\nTotal: 1 ms")
    lines = text.splitlines()
    assert lines[0] == "imwarmup report"
    assert "ImportError: nope" in text and "queued" not in text
    assert text.rstrip().endswith("Total: 1 ms")
    header = next(l for l in lines if l.startswith("#"))
    assert header.split() == ["#", "module", "thread", "start", "elapsed", "own", "waiting",
                              "status", "error"]


def test_the_report_names_cancelled_modules_and_counts_them():
    rows = [c(1, "a", 10.0, 10.02), c(2, "q1", None, 10.5, "cancelled"),
            c(3, "q2", None, 10.5, "cancelled")]
    text = format_text_report(rows, 11.0)
    assert "3 modules, 1 completed, 2 cancelled" in text
    assert "Cancelled (2; never imported, e.g. queued when the pool shut down): q1, q2" in text


def test_the_report_lists_retried_imports_with_their_first_error():
    row = dict(c(1, "cycle_b", 10.0, 10.02),
               retried="ImportError: cannot import name 'X' from partially initialized module "
                       "'cycle_a' (other imports in flight: cycle_a on controller-io-1)")
    text = format_text_report([row], 11.0)
    assert summarize([row], 11.0).retried == 1 and "1 retried" in text
    assert f"  #1 cycle_b: {row['retried']}" in text.splitlines()


def test_a_long_error_is_one_line_in_the_table_and_whole_after_it():
    error = "ValueError: bad config\n  section [a]\n" + "x" * 1000
    table = format_canary_table([c(1, "bad", 10.0, 10.1, "failed", error=error)])
    [row] = table.splitlines()[1:]
    assert row.endswith(f"ValueError: bad config… ({len(error) - 22} more characters)")
    text = format_text_report([c(1, "bad", 10.0, 10.1, "failed", error=error)], 11.0)
    assert text.endswith(f"Errors in full:\n  #1 bad:\n{error}\n")


# ------------------------------------------------------------- own work vs waiting (issue 13)
import pytest  # noqa: E402

from imwarmup.core.report import format_time_split, main_thread_import_ms, time_split  # noqa: E402


def cpu(row, cpu_ms):
    return dict(row, cpu_ms=cpu_ms)


def test_time_split_own_work_and_waiting():
    split = time_split(cpu(c(1, "anthropic", 10.0, 18.6), 950.0))
    assert split.elapsed_ms == pytest.approx(8600.0) and split.own_ms == 950.0
    assert split.wait_ms == pytest.approx(7650.0) and split.other_ms == split.wait_ms
    assert split.lock_waits == ()
    assert format_time_split(split) == "own work 950.0 ms · waiting 7.65 s (GIL, other imports)"


def test_time_split_none_without_cpu_or_while_running():
    assert time_split(c(1, "a", 10.0, 10.5)) is None                      # no cpu_ms
    assert time_split(cpu(c(1, "a", 10.0, None, "running"), None)) is None
    assert time_split(cpu(c(1, "q", None, 10.5, "cancelled"), None)) is None
    assert format_time_split(None) == ""


def test_time_split_clamps_cpu_read_a_hair_over_the_wall():
    split = time_split(cpu(c(1, "busy", 10.0, 10.1), 100.4))
    assert split.own_ms == split.elapsed_ms and split.wait_ms == 0.0


def test_time_split_names_the_module_locks_it_waited_for():
    tree = [
        {"module": "pandas", "lock_waits": [
            {"module": "numpy", "holder": "controller-io-1", "wait_ms": 1200.0}]},
        {"module": "pandas._libs", "lock_waits": [
            {"module": "numpy", "holder": "controller-io-1", "wait_ms": 300.0},
            {"module": "dateutil", "holder": "controller-io-3", "wait_ms": 100.0}]},
        {"module": "pandas.core", "lock_waits": []},
    ]
    split = time_split(cpu(c(3, "pandas", 10.0, 13.0), 800.0), tree)
    assert split.lock_waits == (("controller-io-1", "numpy", 1500.0),
                                ("controller-io-3", "dateutil", 100.0))
    assert split.wait_ms == 2200.0 and split.other_ms == pytest.approx(600.0)
    assert format_time_split(split) == (
        "own work 800.0 ms · waiting 2.20 s: module lock held by controller-io-1 (numpy) 1.50 s, "
        "by controller-io-3 (dateutil) 100.0 ms; GIL/other 600.0 ms")
    assert format_time_split(split, limit=1).endswith(
        "(numpy) 1.50 s, 1 more 100.0 ms; GIL/other 600.0 ms")


def test_lock_waits_never_exceed_the_waiting():
    tree = [{"lock_waits": [{"module": "numpy", "holder": "controller-io-0", "wait_ms": 900.0}]}]
    split = time_split(cpu(c(1, "a", 10.0, 10.5), 100.0), tree)
    assert split.wait_ms == pytest.approx(400.0) and split.other_ms == 0.0


def test_the_report_has_own_and_waiting_columns_and_the_lock_section():
    rows = [cpu(c(1, "anthropic", 10.0, 18.6), 950.0), c(2, "q", None, 10.5, "cancelled")]
    tree = [{"lock_waits": [{"module": "httpx", "holder": "controller-io-2", "wait_ms": 2000.0}]}]
    text = format_text_report(rows, 20.0, trees={1: tree})
    lines = text.splitlines()
    row = next(l for l in lines if l.startswith("1  "))
    assert row.split()[-7:] == ["8.60", "s", "950.0", "ms", "7.65", "s", "completed"]
    cancelled = next(l for l in lines if l.startswith("2  "))
    assert cancelled.split()[-4:] == ["—", "—", "—", "cancelled"]
    assert "own: the import's own work (its thread's CPU time)" in text
    assert ("  #1 anthropic: own work 950.0 ms · waiting 7.65 s: module lock held by "
            "controller-io-2 (httpx) 2.00 s; GIL/other 5.65 s") in lines


def test_the_report_without_cpu_figures_has_no_legend():
    text = format_text_report([c(1, "a", 10.0, 10.5)], 11.0)
    assert "own: the import's" not in text and "Waiting on module locks" not in text


# ------------------------------------------------------------------- the summary's figures
class FakeFrames:
    """The FrameLog interface (stats(start, end)); records what it was asked."""

    def __init__(self, stats):
        self._stats = stats
        self.asked = []

    def stats(self, start=None, end=None):
        self.asked.append((start, end))
        return self._stats


class FakeGuard:
    def __init__(self, spans):
        self._spans = spans

    def import_spans(self):
        return [(a, b, "heavy") for a, b in self._spans]   # (start, end, module) as the guard


def test_main_thread_import_ms_unions_canaries_and_guard_spans():
    rows = [c(1, "json", 10.0, 10.2, thread="MainThread", main=True),
            c(2, "numpy", 10.0, 13.0)]                          # a worker's: not counted
    assert main_thread_import_ms(rows) == pytest.approx(200.0)
    # The guard saw the same import (overlap counts once) and one of the app's own.
    assert main_thread_import_ms(rows, [(10.1, 10.3), (12.0, 12.05)]) == pytest.approx(350.0)
    assert main_thread_import_ms([c(2, "numpy", 10.0, 13.0)]) == 0.0


def test_summary_wall_main_thread_time_and_frame_p99_while_warming():
    rows = [cpu(c(1, "a", 10.0, 10.4), 300.0), cpu(c(2, "b", 10.1, 10.6), 100.0)]
    frames = FakeFrames({"count": 30, "p50_ms": 16.7, "p99_ms": 48.0, "worst_ms": 90.0,
                         "worst_start": 10.45})
    s = summarize(rows, now=99.0, frames=frames, guard=FakeGuard([]))
    # first submit -> last end; then the frames since the end (too few here: no "after")
    assert frames.asked == [(10.0, 10.6), (10.6, None)]
    assert s.frames["after"] is None
    assert s.own_ms == 400.0 and s.main_import_ms == 0.0 and s.guarded
    assert s.frames["p99_ms"] == 48.0
    assert s.line() == ("2 modules, 2 completed | wall 600.0 ms | main thread importing 0 ms "
                        "| frames while warming p50 16.7 ms, p99 48.0 ms, worst 90.0 ms during b "
                        "on controller-io-0 | slowest b (500.0 ms)")
    assert "of the 30 frame intervals drawn between the first submit" in s.explain()
    assert "no purity guard" not in s.explain()
    text = format_text_report(rows, 99.0, frames=frames, guard=FakeGuard([]))
    assert s.line() in text.splitlines() and s.explain() in text


def test_summary_while_running_asks_frames_up_to_now_and_counts_guard_spans():
    rows = [c(1, "a", 10.0, None, "running"), c(2, "b", 10.0, 10.1)]
    frames = FakeFrames(None)                      # no frames logged: no frame figure
    s = summarize(rows, now=12.0, frames=frames, guard=FakeGuard([(11.0, 11.25)]))
    assert frames.asked == [(10.0, 12.0)]
    assert s.main_import_ms == pytest.approx(250.0) and s.frames is None
    assert "main thread importing 250.0 ms |" in s.line() and "frame p99" not in s.line()


def test_summary_without_guard_or_frames_says_what_it_measured():
    s = summarize([c(1, "a", 10.0, 10.1)], now=11.0)
    assert s.frames is None and not s.guarded and s.main_import_ms == 0.0
    assert "main thread importing 0 ms |" in s.line()
    assert "Only the warmup's own imports count: no purity guard" in s.explain()
    assert "frame p99" not in s.explain()
    assert summarize([c(1, "q", None, None, "running")], 11.0).main_import_ms is None


def test_the_worst_frame_is_blamed_on_the_worker_import_that_ran_longest_beside_it():
    rows = [c(1, "a", 10.0, 10.25, thread="controller-io-2"),      # 50 ms beside the frame
            c(2, "b", 10.1, 10.6, thread="controller-io-1"),       # the whole 100 ms frame
            c(3, "json", 10.2, 10.3, thread="MainThread", main=True)]  # in the frame: no blame
    frames = FakeFrames({"count": 30, "p50_ms": 16.7, "p99_ms": 48.0, "worst_ms": 100.0,
                         "worst_start": 10.2})
    s = summarize(rows, now=99.0, frames=frames)
    assert [b["module"] for b in s.frames["worst_culprits"]] == ["b", "a"]
    assert s.frames_text() == ("frames while warming p50 16.7 ms, p99 48.0 ms, worst 100.0 ms "
                               "during b on controller-io-1 (+1 more)")
    # A worst frame while nothing ran on a worker blames nobody.
    alone = FakeFrames({"count": 30, "p50_ms": 16.7, "p99_ms": 48.0, "worst_ms": 40.0,
                        "worst_start": 10.55 + 1.0})
    s = summarize(rows, now=99.0, frames=alone)
    assert s.frames["worst_culprits"] == []
    assert s.frames_text().endswith("worst 40.0 ms")
    assert "idled" not in s.explain()
    # A host that idled: the summary says so, and what the gaps are.
    idled = FakeFrames({"count": 30, "p50_ms": 16.7, "p99_ms": 48.0, "worst_ms": 40.0,
                        "worst_start": 11.55, "idle_waits": 14})
    s = summarize(rows, now=99.0, frames=idled)
    assert s.frames_text().endswith("worst 40.0 ms; the host idled 14 times (not frames)")
    assert "those waits are not frames" in s.explain()


def test_an_import_that_slept_beside_the_worst_frame_is_not_its_first_culprit():
    # b overlaps the whole frame but slept (cpu 1 ms of 500 ms); a overlaps half of it working.
    rows = [cpu(c(1, "a", 10.0, 10.25, thread="controller-io-2"), 240.0),
            cpu(c(2, "sleepy", 10.1, 10.6, thread="controller-io-1"), 1.0)]
    frames = FakeFrames({"count": 30, "p50_ms": 16.7, "p99_ms": 48.0, "worst_ms": 100.0,
                         "worst_start": 10.2})
    s = summarize(rows, now=99.0, frames=frames)
    assert [b["module"] for b in s.frames["worst_culprits"]] == ["a", "sleepy"]


def _log_frames(log, start, interval, count):
    t = start
    for _ in range(count + 1):
        log.mark(t)
        t += interval
    return t


def test_summary_gives_the_frames_after_the_round_beside_those_while_warming():
    from imwarmup.core.frames import FrameLog
    from imwarmup.core.report import AFTER_MIN_FRAMES

    rows = [c(1, "a", 10.0, 11.0), c(2, "b", 10.0, 12.0)]   # the round: 10.0 -> 12.0
    log = FrameLog()
    _log_frames(log, 10.0, 0.040, 49)                # 40 ms frames while warming (to 11.96)
    log.stop()
    next_mark = _log_frames(log, 12.0, 0.010, AFTER_MIN_FRAMES - 1)  # 10 ms after: one too few
    s = summarize(rows, now=99.0, frames=log)
    assert s.frames["p99_ms"] == pytest.approx(40.0) and s.frames["after"] is None
    assert "after it" not in s.frames_text() and "after it" not in s.explain()

    log.mark(next_mark)                              # the 60th frame after the end
    s = summarize(rows, now=99.0, frames=log)
    assert s.frames["count"] == 49                   # the figures while warming are unchanged
    assert s.frames["after"] == {"count": AFTER_MIN_FRAMES,
                                 "p50_ms": pytest.approx(10.0), "p99_ms": pytest.approx(10.0)}
    text = s.frames_text()
    assert text.startswith("frames while warming p50 40.0 ms, p99 40.0 ms, worst 40.0 ms ")
    assert text.endswith(" (+1 more); after it p50 10.0 ms, p99 10.0 ms")
    assert f"over the {AFTER_MIN_FRAMES} frames drawn since the last end" in s.explain()


def test_summary_gives_no_frames_after_while_the_round_runs():
    from imwarmup.core.frames import FrameLog

    rows = [c(1, "a", 10.0, 11.0), c(2, "b", 10.0, None, "running")]   # b still importing
    log = FrameLog()
    _log_frames(log, 10.0, 0.010, 300)
    s = summarize(rows, now=13.0, frames=log)
    assert s.frames["count"] == 300 and s.frames["after"] is None
