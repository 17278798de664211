"""FrameLog: the ring bound, stats on known intervals, window filtering, bad arguments, and the
controller's own log."""

from __future__ import annotations

import threading

import pytest

from imwarmup.core import FrameLog, WarmupController


def marked(times: list[float], capacity: int = 4096) -> FrameLog:
    log = FrameLog(capacity)
    for t in times:
        log.mark(t)
    return log


def test_a_frame_is_the_interval_from_one_mark_to_the_next() -> None:
    log = FrameLog()
    assert log.last is None and log.frames() == [] and log.stats() is None
    log.mark(10.0)
    assert log.last == 10.0
    assert log.frames() == [] and log.stats() is None  # the first frame is still running
    log.mark(10.5)
    log.mark(10.75)
    assert log.frames() == [(10.0, 0.5), (10.5, 0.25)]
    assert log.last == 10.75 and len(log) == 2


def test_the_ring_keeps_the_newest_capacity_frames() -> None:
    log = marked([float(i) for i in range(11)], capacity=4)  # 10 completed frames
    assert [start for start, _ in log.frames()] == [6.0, 7.0, 8.0, 9.0]
    assert len(log) == 4 and log.last == 10.0


def test_stats_on_known_intervals() -> None:
    # 100 frames: 98 of 10 ms, one of 50 ms (starting at t=0.98), one of 200 ms (the last).
    times = [0.0]
    for i in range(100):
        step = 0.010 if i < 98 else (0.050 if i == 98 else 0.200)
        times.append(times[-1] + step)
    stats = marked(times).stats()
    assert stats is not None
    assert stats["count"] == 100
    assert stats["p50_ms"] == pytest.approx(10.0)
    assert stats["p99_ms"] == pytest.approx(50.0)  # nearest rank: the 99th of 100 sorted
    assert stats["worst_ms"] == pytest.approx(200.0)
    assert stats["worst_start"] == pytest.approx(1.03)


def test_window_filtering_is_on_frame_start_half_open() -> None:
    log = marked([0.0, 1.0, 2.0, 4.0, 7.0])  # frames start 0, 1, 2, 4
    assert log.frames(1.0, 4.0) == [(1.0, 1.0), (2.0, 2.0)]  # [start, end): 4.0 is out
    assert log.frames(start=2.0) == [(2.0, 2.0), (4.0, 3.0)]
    assert log.frames(end=1.0) == [(0.0, 1.0)]
    stats = log.stats(1.0, 4.0)
    assert stats is not None and stats["count"] == 2 and stats["worst_start"] == 2.0
    assert log.stats(5.0, 9.0) is None  # no frame started in there


def test_frames_returns_a_copy() -> None:
    log = marked([0.0, 1.0, 2.0])
    copy = log.frames()
    copy.clear()
    assert len(log.frames()) == 2


def test_stop_ends_a_series_without_counting_the_pause() -> None:
    log = marked([0.0, 1.0])
    log.stop()
    assert log.last is None
    log.mark(100.0)
    log.mark(100.5)
    assert log.frames() == [(0.0, 1.0), (100.0, 0.5)]  # no 99 s frame across the stop


def test_an_idle_wait_is_kept_apart_and_counted_in_the_stats() -> None:
    log = marked([0.0, 0.016, 0.032])
    log.idle(0.282, next_wait_s=0.25)   # the host waited 250 ms for an event: no frame
    assert log.last is None and log.idle_wait_s == 0.25
    log.idle(0.282, next_wait_s=0.25)  # told twice: no frame start since, nothing more kept
    assert len(log.idle_waits()) == 1
    log.mark(0.282)
    log.mark(0.298)
    assert log.frames() == [(0.0, pytest.approx(0.016)), (0.016, pytest.approx(0.016)),
                            (0.282, pytest.approx(0.016))]
    assert log.idle_waits() == [(0.032, pytest.approx(0.25))]
    stats = log.stats()
    assert stats["count"] == 3 and stats["worst_ms"] == pytest.approx(16.0)
    assert stats["idle_waits"] == 1
    assert log.stats(0.1, 1.0)["idle_waits"] == 0  # the wait started before the span


@pytest.mark.parametrize("capacity, error, words", [
    (0, ValueError, "at least 1"),
    (-5, ValueError, "at least 1"),
    (2.5, TypeError, "must be an int"),
    ("64", TypeError, "must be an int"),
    (True, TypeError, "must be an int"),
])
def test_bad_capacity_is_rejected(capacity: object, error: type, words: str) -> None:
    with pytest.raises(error, match=words):
        FrameLog(capacity)  # type: ignore[arg-type]


def test_bad_clock_is_rejected() -> None:
    with pytest.raises(TypeError, match="clock must be callable"):
        FrameLog(clock=1.0)  # type: ignore[arg-type]


def test_reads_from_another_thread_see_whole_frames() -> None:
    log = FrameLog(capacity=256)
    done = threading.Event()
    bad: list[object] = []

    def reader() -> None:
        while not done.is_set():
            for start, interval in log.frames():
                if interval != 1.0 or start != int(start):
                    bad.append((start, interval))
            log.stats()

    thread = threading.Thread(target=reader)  # a test's helper thread, not the package's
    thread.start()
    try:
        for i in range(20000):
            log.mark(float(i))
    finally:
        done.set()
        thread.join(10)
    assert not bad and len(log) == 256 and log.frames()[-1] == (19998.0, 1.0)


def test_the_controller_owns_a_log_on_its_own_clock() -> None:
    now = [50.0]
    controller = WarmupController([], log_to_stderr=False, clock=lambda: now[0])
    try:
        assert isinstance(controller.frames, FrameLog)
        assert controller.frames.clock() == 50.0
        assert controller.frames.last is None
    finally:
        controller.shutdown()
