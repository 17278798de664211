"""The status bar's words and colours for every warmup state (pure, no window)."""

import pytest

from imwarmup.theme import Role
from imwarmup.widgets.status_line import pending_tooltip, status_line


def st(pending=(), completed=(), failed=(), cancelled=()):
    return {"pending": list(pending), "completed": list(completed), "failed": list(failed),
            "cancelled": list(cancelled)}


def test_idle_when_nothing_submitted():
    line = status_line(st())
    assert (line.state, line.text, line.role) == ("idle", "Warmup idle", Role.IDLE)
    assert line.fraction == 0.0


def test_warming_counts_finished_over_total():
    line = status_line(st(pending=["a", "b", "c", "d", "e"], completed=["f", "g"], failed=["h"]))
    assert line.state == "warming"
    assert line.text == "Warming up... (3/8)"
    assert line.role is Role.WARMING
    assert line.fraction == pytest.approx(3 / 8)


def test_ready_without_failures_is_green():
    line = status_line(st(completed=["a", "b"]))
    assert (line.text, line.role, line.fraction) == ("All imports ready", Role.READY, 1.0)


def test_ready_with_failures_is_red_and_counts_them():
    line = status_line(st(completed=["a"], failed=["b", "c"]))
    assert line.text == "Imports ready, 2 failed"
    assert line.role is Role.FAILED
    assert line.failed == 2 and line.finished == 3 and line.total == 3


SIX = ["c1", "c2", "c3", "c4", "c5", "c6"]


def test_ready_with_cancelled_modules_counts_them_in_grey():
    line = status_line(st(completed=["a", "b"], cancelled=SIX))
    assert (line.state, line.text, line.role) == ("ready", "Imports ready, 6 cancelled",
                                                  Role.CANCELLED)
    assert (line.finished, line.total, line.cancelled, line.fraction) == (8, 8, 6, 1.0)


def test_warming_after_a_shutdown_says_how_many_were_cancelled():
    line = status_line(st(pending=["a", "b"], cancelled=SIX))
    assert line.text == "Warming up... (6/8), 6 cancelled"
    assert (line.state, line.role, line.total, line.cancelled) == ("warming", Role.WARMING, 8, 6)


def test_failed_and_cancelled_are_both_counted():
    line = status_line(st(completed=["a"], failed=["b"], cancelled=SIX))
    assert line.text == "Imports ready, 1 failed, 6 cancelled"
    assert (line.role, line.failed, line.cancelled, line.total) == (Role.FAILED, 1, 6, 8)


def test_a_status_without_a_cancelled_list_counts_none():
    line = status_line({"pending": [], "completed": ["a"], "failed": []})
    assert (line.text, line.cancelled) == ("All imports ready", 0)


def test_bad_status_names_what_is_missing():
    with pytest.raises(TypeError, match="pending"):
        status_line({"completed": []})


def _canary(module, start=None, end=None, status="running", elapsed=None, thread="controller-io-0"):
    return {"module": module, "submit_ts": 100.0, "start_ts": start, "end_ts": end,
            "status": status, "elapsed_ms": elapsed, "thread_name": thread if start else None}


def test_tooltip_lists_pending_longest_first_and_the_slowest_so_far():
    canaries = [
        _canary("fast", 100.0, 100.05, "completed", 50.0),
        _canary("slow", 100.0, 100.4, "completed", 400.0),
        _canary("a", start=101.5, thread="controller-io-1"),
        _canary("b", start=100.5, thread="controller-io-2"),
        _canary("q"),
    ]
    lines = pending_tooltip(canaries, ["a", "b", "q"], now=102.0)
    assert lines[0] == "Pending (3):"
    assert lines[1] == "  q: queued 2.00 s"
    assert lines[2] == "  b: 1.50 s on controller-io-2"
    assert lines[3] == "  a: 500.0 ms on controller-io-1"
    assert "Slowest so far: slow (400.0 ms)" in lines
    assert lines[-1] == "Click for the warmup diagnostics."


def test_tooltip_caps_a_long_pending_list():
    canaries = [_canary(f"m{i}", start=100.0) for i in range(30)]
    lines = pending_tooltip(canaries, [f"m{i}" for i in range(30)], now=101.0, limit=5)
    assert "  ... and 25 more" in lines
    assert len([l for l in lines if l.startswith("  m")]) == 5


def test_tooltip_when_nothing_pends():
    assert pending_tooltip([], [], now=0.0)[0] == "Nothing is warming."
