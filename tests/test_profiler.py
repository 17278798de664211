"""StartupProfiler: sequential and async phases, ready marks, report() and format_report().

Time comes from a mock clock the test sets by hand (Textual's ``MockClock.set_time``), so every
figure is exact.
"""

from __future__ import annotations

import json
import re
import threading
import time
from concurrent.futures import Future

import pytest

from imwarmup import StartupProfiler
from imwarmup.core.profiler import format_duration
from imwarmup.testing import MockClock


@pytest.fixture
def clock():
    return MockClock(100.0)


@pytest.fixture
def profiler(clock):
    return StartupProfiler(clock=clock)  # origin: 100.0


def phases_by_name(profiler):
    return {p["name"]: p for p in profiler.report()["phases"]}


def test_no_required_argument_and_real_clock_by_default():
    profiler = StartupProfiler()
    with profiler.phase("work"):
        pass
    report = profiler.report()
    assert report["phases"][0]["name"] == "work"
    assert 0 <= report["phases"][0]["duration_ms"] < 1000
    assert 0 <= report["total_ms"] < 1000


def test_sequential_phase_start_is_relative_to_the_origin(profiler, clock):
    clock.set_time(100.010)
    with profiler.phase("config.load"):
        clock.set_time(100.030)
    phase = phases_by_name(profiler)["config.load"]
    assert phase["kind"] == "sequential"
    assert phase["start_ms"] == pytest.approx(10.0)
    assert phase["duration_ms"] == pytest.approx(20.0)
    assert phase["done"] is True


def test_explicit_origin(clock):
    profiler = StartupProfiler(clock=clock, origin=99.0)
    assert profiler.origin == 99.0
    with profiler.phase("early"):
        clock.set_time(100.5)
    assert phases_by_name(profiler)["early"]["start_ms"] == pytest.approx(1000.0)


def test_nested_phases_are_not_counted_twice_on_the_critical_path(profiler, clock):
    with profiler.phase("boot"):
        clock.set_time(100.002)
        with profiler.phase("boot.fonts") as inner:
            clock.set_time(100.005)
        clock.set_time(100.008)
    clock.set_time(100.010)
    with profiler.phase("window"):
        clock.set_time(100.014)
    assert inner["depth"] == 1 and inner["parent"] == "boot"
    report = profiler.report()
    phases = phases_by_name(profiler)
    assert phases["boot.fonts"]["depth"] == 1
    assert phases["boot.fonts"]["duration_ms"] == pytest.approx(3.0)
    assert report["critical_path_ms"] == pytest.approx(8.0 + 4.0)
    assert report["total_ms"] == pytest.approx(14.0)


def test_a_phase_that_raises_records_the_error_and_reraises(profiler, clock):
    with pytest.raises(KeyError):
        with profiler.phase("plugins"):
            clock.set_time(100.001)
            raise KeyError("x")
    phase = phases_by_name(profiler)["plugins"]
    assert phase["error"] == "KeyError: 'x'" and phase["done"] is True
    assert phase["duration_ms"] == pytest.approx(1.0)


def test_track_async_times_a_future_until_it_is_done(profiler, clock):
    clock.set_time(100.005)
    future = Future()
    record = profiler.track_async("db.connect", future)
    assert record["kind"] == "async"
    clock.set_time(100.012)
    running = phases_by_name(profiler)["db.connect"]
    assert running["done"] is False
    assert running["duration_ms"] == pytest.approx(7.0)  # up to now while it runs
    clock.set_time(100.045)
    future.set_result(None)
    clock.set_time(101.0)
    phase = phases_by_name(profiler)["db.connect"]
    assert phase["kind"] == "async" and phase["done"] is True
    assert phase["start_ms"] == pytest.approx(5.0)
    assert phase["duration_ms"] == pytest.approx(40.0)
    assert phase["error"] is None


def test_track_async_records_a_failed_or_cancelled_future(profiler):
    failed, cancelled = Future(), Future()
    profiler.track_async("fails", failed)
    profiler.track_async("cancelled", cancelled)
    failed.set_exception(OSError("no network"))
    cancelled.cancel()
    phases = phases_by_name(profiler)
    assert phases["fails"]["error"] == "OSError: no network"
    assert phases["cancelled"]["error"] == "cancelled"


def test_track_async_with_a_real_pool_thread(profiler, clock):
    from imwarmup import make_io_pool

    pool = make_io_pool(1)
    release = threading.Event()
    try:
        future = pool.submit(release.wait, 5.0)
        profiler.track_async("index.build", future)
        clock.set_time(100.020)
        release.set()
        future.result(timeout=5.0)
    finally:
        pool.shutdown()
    phase = phases_by_name(profiler)["index.build"]
    assert phase["done"] and phase["duration_ms"] == pytest.approx(20.0)


def test_track_async_needs_a_future(profiler):
    with pytest.raises(TypeError, match="Future"):
        profiler.track_async("x", object())


def test_async_phase_context(profiler, clock):
    with profiler.async_phase("cache.warm"):
        clock.set_time(100.003)
    phase = phases_by_name(profiler)["cache.warm"]
    assert phase["kind"] == "async" and phase["duration_ms"] == pytest.approx(3.0)


def test_async_phases_are_not_on_the_critical_path(profiler, clock):
    with profiler.phase("main"):
        clock.set_time(100.002)
    profiler.add_phase("warmup:numpy", 100.0, 100.050, kind="async", thread="controller-io-0")
    report = profiler.report()
    assert report["critical_path_ms"] == pytest.approx(2.0)
    assert report["total_ms"] == pytest.approx(50.0)  # to the last end of any phase


def test_mark_ready_returns_ms_since_origin_and_appears_in_the_report(profiler, clock):
    clock.set_time(100.250)
    assert profiler.mark_ready() == pytest.approx(250.0)
    clock.set_time(100.400)
    profiler.mark_ready("interactive")
    report = profiler.report()
    marks = {m["name"]: m["at_ms"] for m in report["marks"]}
    assert marks == {"first_frame": pytest.approx(250.0), "interactive": pytest.approx(400.0)}
    assert report["total_ms"] == pytest.approx(400.0)
    assert "first_frame" in json.dumps(report)


def test_report_keys_kinds_and_json(profiler, clock):
    with profiler.phase("config.load"):
        clock.set_time(100.001)
    profiler.track_async("db", Future())
    profiler.mark_ready()
    report = profiler.report()
    assert {"total_ms", "critical_path_ms", "phases"} <= set(report)
    for phase in report["phases"]:
        assert {"name", "kind", "start_ms", "duration_ms"} <= set(phase)
        assert phase["kind"] in ("sequential", "async")
    assert [p["kind"] for p in report["phases"]] == ["sequential", "async"]
    assert json.loads(json.dumps(report)) == report


def test_report_is_a_copy(profiler, clock):
    with profiler.phase("a"):
        clock.set_time(100.001)
    profiler.report()["phases"].clear()
    assert len(profiler.report()["phases"]) == 1


@pytest.mark.parametrize("name", ["", "   ", None, 3])
def test_names_must_be_non_empty_strings(profiler, name):
    with pytest.raises(ValueError, match="name"):
        with profiler.phase(name):
            pass
    with pytest.raises(ValueError, match="name"):
        profiler.mark_ready(name)


def test_add_phase_kind_is_checked(profiler):
    with pytest.raises(ValueError, match="kind"):
        profiler.add_phase("x", 100.0, 100.1, kind="parallel")


def test_phases_on_other_threads_keep_their_own_nesting(profiler, clock):
    inner = {}

    def worker():
        with profiler.phase("worker.job") as record:
            inner["depth"] = record["depth"]

    with profiler.phase("main.outer"):
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join(5.0)
    assert inner["depth"] == 0


# ------------------------------------------------------------------------------- formatting
@pytest.mark.parametrize(
    "ms, text",
    [(0.0042, "4.2 µs"), (0.25, "250.0 µs"), (20.0, "20.0 ms"), (20.5, "20.5 ms"),
     (2500.0, "2.50 s"), (None, "—")],
)
def test_format_duration_units(ms, text):
    assert format_duration(ms) == text


def test_format_report_table(profiler, clock):
    clock.set_time(100.001)
    with profiler.phase("config.load"):  # 400 µs
        clock.set_time(100.0014)
    with profiler.phase("window.create"):  # 20 ms
        clock.set_time(100.0214)
    profiler.add_phase("warmup:numpy", 100.002, 100.082, kind="async", thread="controller-io-1")
    clock.set_time(100.090)
    profiler.mark_ready()
    text = profiler.format_report()
    lines = text.splitlines()

    config = next(l for l in lines if "config.load" in l)
    window = next(l for l in lines if "window.create" in l)
    numpy_line = next(l for l in lines if "warmup:numpy" in l)
    assert re.search(r"400\.0 µs\s*$", config), config
    assert re.search(r"\b20\.0 ms\s*$", window), window
    assert re.search(r"\b80\.0 ms\s*$", numpy_line), numpy_line
    assert "Sequential phases" in text and "Async phases" in text
    assert lines.index(next(l for l in lines if "Sequential" in l)) < lines.index(config)
    assert lines.index(next(l for l in lines if "Async" in l)) < lines.index(numpy_line)
    assert "Critical path: 20.4 ms" in lines
    assert "Total: 90.0 ms" in lines
    assert any("first_frame" in l for l in lines)
    # aligned: every phase row ends its duration column at the same place
    rows = [config, window, numpy_line]
    assert len({len(r.rstrip()) for r in rows}) == 1, rows


def test_format_report_marks_a_running_phase(profiler, clock):
    profiler.track_async("slow", Future())
    clock.set_time(100.5)
    assert "(running)" in profiler.format_report()


def test_format_report_on_an_empty_profiler():
    text = StartupProfiler(clock=MockClock(100.0)).format_report()
    assert "Critical path: 0.0 µs" in text and "Total: 0.0 µs" in text


def test_default_clock_is_monotonic_perf_counter():
    profiler = StartupProfiler()
    assert profiler.clock is time.perf_counter


def test_records_handed_out_are_copies_the_profiler_never_writes(profiler, clock):
    """The caller's record is a snapshot: the profiler writes end and error only to its own
    record, under its lock, so a reader on another thread never sees a half-written one."""
    future = Future()
    handed = profiler.track_async("db.connect", future)
    with profiler.phase("config.load") as phase_record:
        clock.set_time(100.010)
    future.set_exception(OSError("refused"))
    assert handed["end"] is None and handed["error"] is None
    assert phase_record["end"] is None
    handed["name"] = "changed by the caller"
    phases = phases_by_name(profiler)
    assert phases["db.connect"]["error"] == "OSError: refused"
    assert phases["config.load"]["done"] is True


def test_an_exception_whose_str_raises_is_still_recorded(profiler, clock):
    class Unprintable(Exception):
        def __str__(self):
            raise RuntimeError("no message")

    with pytest.raises(Unprintable):
        with profiler.phase("plugins"):
            raise Unprintable()
    assert phases_by_name(profiler)["plugins"]["error"] == (
        "Unprintable: (its message could not be read)")


def test_engine_tests_take_their_mock_clock_from_imwarmup_testing():
    from imwarmup.testing import FrozenClock

    clock = MockClock(100.0)
    assert MockClock is FrozenClock
    clock.set_time(100.25)
    assert clock() == clock() == 100.25  # reading it never moves it
    clock.advance(0.5)
    assert clock() == 100.75


def test_one_duration_formatter_with_the_tables_preset():
    from imwarmup.core.profiler import format_duration
    from imwarmup.widgets.canary_rows import fmt_ms

    assert [format_duration(v) for v in (None, 0.0042, 20.5, 2500.0)] == [
        "—", "4.2 µs", "20.5 ms", "2.50 s"]
    # The table's columns are in ms: ms up to 10 s, no µs, "-" when missing.
    assert [fmt_ms(v) for v in (None, 0.0042, 2500.0, 12_345.0)] == [
        "-", "0.0 ms", "2500.0 ms", "12.35 s"]
    assert fmt_ms(2500.0) == format_duration(2500.0, seconds_from=10_000.0, microseconds=False)
