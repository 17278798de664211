"""The diagnostics window's summary figures from a real controller: own work per canary, the
main thread's time importing heavy modules (the purity guard's spans) and the frame p99 while
warming (the controller's FrameLog), with no window: the snapshot's summary and the report."""

from __future__ import annotations

from imwarmup import WarmupController
from imwarmup.core.profiler import format_duration
from imwarmup.core.report import format_text_report
from imwarmup.panels.debug_window import DebugWindow


class Guard:
    """A purity guard's figures: one main-thread import span (start, end, module)."""

    def __init__(self, spans):
        self._spans = spans

    def violations(self):
        return []

    def import_spans(self):
        return list(self._spans)


def snapshot_of(window, now):
    """The snapshot built from a refresh at ``now`` (the window's worker's job waited for and
    taken by a second refresh at the same ``now``: not due again, so no job after it)."""
    for _ in range(100):
        window.refresh(now)
        if window._job is not None:
            window._job.result(10)
            window.refresh(now)
        if window._snapshot is not None and window._job is None:
            return window._snapshot
        now += 0.25
    raise AssertionError("no snapshot arrived")


def test_summary_has_wall_main_thread_time_and_frame_p99_while_warming():
    with WarmupController(["json", "colorsys"], log_to_stderr=False) as controller:
        controller.start()
        assert controller.wait_for_warmup(60)
        canaries = controller.canaries()
        assert all(c["cpu_ms"] is not None and 0.0 <= c["cpu_ms"] for c in canaries)
        first = min(c["submit_ts"] for c in canaries)
        last = max(c["end_ts"] for c in canaries)
        # Frames on the controller's clock: 99 of 10 ms and one of 80 ms while warming,
        # then a 500 ms one after the warmup ended (not counted).
        log = controller.frames
        t = first
        step = (last - first) / 200.0
        for k in range(101):
            log.mark(t)
            t += 8 * step if k == 50 else step / 2
        log.mark(last + 0.001)
        log.mark(last + 0.501)
        in_window = log.stats(first, last)
        assert in_window is not None
        guard = Guard([(first, first + 0.25, "numpy")])
        window = DebugWindow(controller, copy_report=lambda: None, guard=guard)
        summary = snapshot_of(window, last + 1.0).summary
        assert {k: summary.frames[k] for k in in_window} == in_window
        assert summary.frames["worst_ms"] < 500.0
        # The long frame was drawn while imports ran: each is named among its culprits.
        worst_end = in_window["worst_start"] + in_window["worst_ms"] / 1000.0
        running = [c["module"] for c in canaries
                   if c["start_ts"] < worst_end and c["end_ts"] > in_window["worst_start"]]
        assert running
        assert sorted(b["module"] for b in summary.frames["worst_culprits"]) == sorted(running)
        assert abs(summary.main_import_ms - 250.0) < 1e-6
        line = summary.line()
        frame_text = (f"frames while warming p50 {format_duration(in_window['p50_ms'])}, "
                      f"p99 {format_duration(in_window['p99_ms'])}, "
                      f"worst {format_duration(in_window['worst_ms'])}")
        assert "main thread importing 250.0 ms" in line and frame_text in line
        assert in_window["worst_ms"] > 3 * in_window["p50_ms"]     # the long frame is in it
        # The report says the same, with the own/waiting columns filled in.
        text = format_text_report(controller.canaries(), last + 1.0,
                                  **window.report_figures())
        report_line = text.splitlines()[1]
        assert "main thread importing 250.0 ms" in report_line and frame_text in report_line
        header = next(l for l in text.splitlines() if l.startswith("#"))
        assert "own" in header.split() and "waiting" in header.split()


def test_a_source_without_frames_leaves_the_frame_figure_out():
    with WarmupController(["json"], log_to_stderr=False) as controller:
        controller.start()
        assert controller.wait_for_warmup(60)
        window = DebugWindow(controller, copy_report=lambda: None)
        summary = snapshot_of(window, controller.canaries()[0]["end_ts"] + 1.0).summary
        assert summary.frames is None and "frame p99" not in summary.line()
        assert summary.main_import_ms == 0.0 and not summary.guarded


def test_the_summary_follows_the_frames_logged_after_the_warmup_until_the_log_stops():
    import numpy  # noqa: F401 - the plot engine ready at once: no rebuild for its model later

    from imwarmup.core.report import AFTER_MIN_FRAMES

    with WarmupController(["json"], log_to_stderr=False) as controller:
        controller.start()
        assert controller.wait_for_warmup(60)
        watcher = controller.stall_watcher  # its loop's end moves the revision: wait for it
        assert watcher.wait_for(lambda: not watcher.running, 30)
        first = min(c["submit_ts"] for c in controller.canaries())
        last = max(c["end_ts"] for c in controller.canaries())
        log = controller.frames
        log.stop()
        window = DebugWindow(controller, copy_report=lambda: None)
        before = snapshot_of(window, last + 1.0)
        assert before.summary.frames is None             # no frame logged yet
        assert before.model is not None                  # (the chart's model is in it)
        # The host drew a frame while warming, then frames of 12 ms after it (the plugin's
        # log tail): nothing in the source's revision moves, yet the summary must follow them.
        log.mark(first)
        log.mark((first + last) / 2)
        t = last + 0.010
        for _ in range(AFTER_MIN_FRAMES + 1):
            log.mark(t)
            t += 0.012
        summary = snapshot_of(window, last + 2.0).summary
        after = summary.frames["after"] if summary.frames else None
        assert after is not None and after["count"] == AFTER_MIN_FRAMES
        assert abs(after["p99_ms"] - 12.0) < 0.01
        assert "after it p50 12.0 ms, p99 12.0 ms" in summary.line()
        # Once the log stops (the tail is over), nothing moves: no rebuild.
        log.stop()
        settled = snapshot_of(window, last + 3.0)   # (with the chart's model, if numpy came)
        window.refresh(last + 4.0)
        assert window._job is None and window._snapshot is settled
