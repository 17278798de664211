"""WarmupManager: submit, status, completion, canaries, failures, reset, logging, thread safety.

Slow, failing and blocking imports are tiny modules generated in ``tmp_path`` (on ``sys.path`` for
the test only). A blocking module waits on a *gate*: an in-memory module in ``sys.modules`` holding
``threading.Event`` objects the test sets, so no test sleeps.
"""

from __future__ import annotations

import importlib
import io
import json
import math
import os
import re
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import Executor, Future
from pathlib import Path

import pytest
from modgen import HANG, Gen, gen  # noqa: F401 - shared generated modules and the gen fixture

from imwarmup import WarmupManager, make_io_pool
from imwarmup.core.manager import CANARY_FIELDS
from imwarmup.core.report import format_text_report
from imwarmup.testing import MockClock  # a clock that only moves when the test sets it

WAIT = 5.0  # bound on every wait in a passing test

LINE_OK = re.compile(
    r"^\[warmup (?P<id>\d+)\] (?P<module>[\w.]+) on (?P<thread>controller-io-\d+) "
    r"\(id=(?P<tid>\d+)\): (?P<ms>\d+\.\d)ms$"
)
LINE_FAILED = re.compile(
    r"^\[warmup (?P<id>\d+)\] FAILED (?P<module>[\w.]+) on (?P<thread>controller-io-\d+) "
    r"\(id=(?P<tid>\d+)\): (?P<error>\w+: .*)$"
)
LINE_DONE = re.compile(
    r"^\[warmup done\] (?P<n>\d+) modules?: (?P<ok>\d+) completed, (?P<bad>\d+) failed "
    r"\(wall (?P<wall>\d+\.\d)ms, own work (?P<own>\d+\.\d)ms; "
    r"sum of per-module elapsed: (?P<ms>\d+\.\d)ms\)$"
)


@pytest.fixture
def pools(gen):
    """``pools(n)`` makes a named io pool; gates are released and pools joined after the test."""
    made = []

    def make(max_workers: int = 4, prefix: str = "controller-io"):
        pool = make_io_pool(max_workers, prefix)
        made.append(pool)
        return pool

    yield make
    gen.release_all()
    for pool in made:
        pool.shutdown(wait=True, cancel_futures=True)


class InlineExecutor(Executor):
    """Runs each job right inside ``submit()``, on the calling thread."""

    def __init__(self) -> None:
        self.submitted = 0

    def submit(self, fn, /, *args, **kwargs):
        self.submitted += 1
        future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001
            future.set_exception(exc)
        return future


class ManualExecutor(Executor):
    """Keeps submitted jobs; the test runs job ``i`` on a thread it names, when it wants."""

    def __init__(self) -> None:
        self.jobs: list[tuple] = []

    def submit(self, fn, /, *args, **kwargs):
        future = Future()
        self.jobs.append((future, fn, args, kwargs))
        return future

    def start(self, index: int, thread_name: str = "controller-io-0") -> threading.Thread:
        future, fn, args, kwargs = self.jobs[index]

        def target() -> None:
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # noqa: BLE001
                future.set_exception(exc)

        thread = threading.Thread(target=target, name=thread_name, daemon=True)
        thread.start()
        return thread

    def run(self, index: int, thread_name: str = "controller-io-0") -> None:
        thread = self.start(index, thread_name)
        thread.join(WAIT)
        assert not thread.is_alive()


def quiet(pool, **kwargs) -> WarmupManager:
    return WarmupManager(pool, log_to_stderr=False, **kwargs)


def by_module(manager: WarmupManager) -> dict[str, dict]:
    return {c["module"]: c for c in manager.canaries()}


def assert_consistent(status: dict, names: list[str]) -> None:
    lists = status["pending"] + status["completed"] + status["failed"]
    assert sorted(lists) == sorted(names), "each module must be in exactly one list"


# ---------------------------------------------------------------------------- construction
def test_pool_must_have_submit_and_clock_must_be_callable():
    with pytest.raises(TypeError, match="pool"):
        WarmupManager(object())
    with pytest.raises(TypeError, match="clock"):
        WarmupManager(InlineExecutor(), clock=123.0)


def test_before_any_submit_nothing_is_done_and_status_is_empty():
    manager = quiet(InlineExecutor())
    assert manager.status() == {"pending": [], "completed": [], "failed": [], "cancelled": []}
    assert manager.is_done() is False
    assert manager.wait(timeout=0) is False
    assert manager.canaries() == []


# ------------------------------------------------------------------------------ validation
@pytest.mark.parametrize("bare", ["os", b"os"])
def test_bare_str_or_bytes_is_refused_and_nothing_is_submitted(bare):
    pool = InlineExecutor()
    manager = quiet(pool)
    with pytest.raises(TypeError) as info:
        manager.submit(bare)
    assert repr(bare) in str(info.value)
    assert manager.canaries() == []
    assert pool.submitted == 0
    assert manager.submit(["os"])  # the refused call did not open a round


@pytest.mark.parametrize(
    "bad, exc",
    [
        (3, TypeError),
        (None, TypeError),
        (b"json", TypeError),
        ("", ValueError),
        ("not a-module", ValueError),
    ],
)
def test_bad_entry_is_named_and_nothing_is_submitted(bad, exc):
    pool = InlineExecutor()
    manager = quiet(pool)
    with pytest.raises(exc) as info:
        manager.submit(["os", "json", bad, "sys"])
    assert repr(bad) in str(info.value)
    assert "nothing was submitted" in str(info.value)
    assert manager.canaries() == []
    assert manager.status() == {"pending": [], "completed": [], "failed": [], "cancelled": []}
    assert pool.submitted == 0
    assert manager.is_done() is False


def test_not_iterable_is_a_type_error():
    with pytest.raises(TypeError, match="iterable"):
        quiet(InlineExecutor()).submit(42)


def test_any_iterable_is_accepted_and_duplicates_are_dropped_first_kept():
    manager = quiet(InlineExecutor())
    ids = manager.submit(name for name in ["json", "os", "json", "sys", "os"])
    canaries = manager.canaries()
    assert [c["module"] for c in canaries] == ["json", "os", "sys"]
    assert ids == [c["canary_id"] for c in canaries] == [1, 2, 3]
    assert manager.status()["completed"] == ["json", "os", "sys"]


def test_second_submit_without_reset_raises_and_changes_nothing():
    manager = quiet(InlineExecutor())
    manager.submit(["json"])
    before = manager.canaries()
    with pytest.raises(RuntimeError, match="reset"):
        manager.submit(["os"])
    assert manager.canaries() == before
    manager.reset()
    manager.submit(["os"])
    assert manager.status()["completed"] == ["os"]


def test_submit_empty_is_done_at_once_and_fires_callbacks(pools):
    manager = quiet(pools(2))
    before, after = [], []
    manager.on_complete(before.append)
    manager.submit([])
    assert manager.is_done() is True
    assert manager.wait(timeout=0) is True
    empty = {"pending": [], "completed": [], "failed": [], "cancelled": []}
    assert before == [empty]
    manager.on_complete(after.append)
    assert after == [empty]
    assert manager.canaries() == []


# ------------------------------------------------------------------------- status and wait
def test_status_returns_fresh_lists_every_call():
    manager = quiet(InlineExecutor())
    manager.submit(["json", "os"])
    first = manager.status()
    first["completed"].append("intruder")
    first["pending"].append("intruder")
    second = manager.status()
    assert second == {"pending": [], "completed": ["json", "os"], "failed": [], "cancelled": []}
    assert second["completed"] is not manager.status()["completed"]


def test_is_done_and_wait_follow_the_slowest_job(gen, pools):
    gate = gen.gate()
    slow = gen.blocking(gate)
    manager = quiet(pools(2))
    manager.submit(["json", slow])
    assert gate.started.wait(WAIT)
    assert manager.is_done() is False
    assert manager.wait(timeout=0.01) is False  # times out: the gate is closed
    assert slow in manager.status()["pending"]
    gate.release.set()
    assert manager.wait(timeout=WAIT) is True
    assert manager.is_done() is True
    status = manager.status()
    assert sorted(status["completed"]) == sorted(["json", slow])
    assert status["pending"] == [] and status["failed"] == []


def test_wait_refuses_a_negative_timeout():
    with pytest.raises(ValueError, match="timeout"):
        quiet(InlineExecutor()).wait(timeout=-1)


@pytest.mark.parametrize("method", ["wait", "wait_quiet"])
@pytest.mark.parametrize(
    "timeout, exc",
    [(math.nan, ValueError), (-0.5, ValueError), (True, TypeError), ("2", TypeError),
     ([1], TypeError)],
    ids=["nan", "negative", "bool", "str", "list"],
)
def test_a_bad_wait_timeout_is_refused_naming_the_call_and_the_value(method, timeout, exc):
    manager = quiet(InlineExecutor())
    manager.submit(["json"])  # done: a wait that let the value through would return at once
    with pytest.raises(exc, match=rf"WarmupManager\.{method}\(\): timeout") as info:
        getattr(manager, method)(timeout)
    assert repr(timeout) in str(info.value)


class EnteredCondition(threading.Condition):
    """The manager's condition, with an event set once a waiter is blocked in it."""

    def __init__(self, lock) -> None:
        super().__init__(lock)
        self.entered = threading.Event()

    def wait(self, timeout=None):
        self.entered.set()
        return super().wait(timeout)


@pytest.mark.parametrize("timeout", [math.inf, 1e20, 10**400], ids=["inf", "1e20", "10**400"])
def test_a_huge_wait_timeout_means_no_limit(timeout):
    pool = ManualExecutor()
    manager = quiet(pool)
    manager._changed = EnteredCondition(manager._lock)  # to run the job once wait() blocks
    manager.submit(["json"])

    def finish_once_waiting() -> None:
        manager._changed.entered.wait(WAIT)
        pool.run(0)

    helper = threading.Thread(target=finish_once_waiting, daemon=True)
    helper.start()
    try:
        assert manager.wait(timeout) is True
    finally:
        helper.join(WAIT)


# ------------------------------------------------------------------------------ callbacks
def test_on_complete_runs_once_on_the_worker_that_finished_the_last_job(gen, pools):
    gate = gen.gate()
    slow = gen.blocking(gate)
    manager = quiet(pools(4))
    calls = []
    fired = threading.Event()
    others_done = threading.Event()
    finished = set()

    def listener(record):  # so the slow module is surely the last to finish
        if record["status"] == "completed":
            finished.add(record["module"])
            if {"json", "os"} <= finished:
                others_done.set()

    def callback(status):
        calls.append((threading.current_thread().name, threading.get_ident(), status))
        fired.set()

    manager.add_listener(listener)
    manager.on_complete(callback)
    manager.submit(["json", slow, "os"])
    assert gate.started.wait(WAIT)
    assert others_done.wait(WAIT)
    assert not fired.is_set()
    gate.release.set()
    assert fired.wait(WAIT)
    assert manager.wait(WAIT)
    last = by_module(manager)[slow]
    assert len(calls) == 1
    thread_name, thread_id, status = calls[0]
    assert thread_name == last["thread_name"] and thread_name.startswith("controller-io-")
    assert thread_id == last["thread_id"]
    assert sorted(status["completed"]) == sorted(["json", slow, "os"])
    assert status["pending"] == [] and status["failed"] == []
    # still once, also after other calls
    manager.status()
    manager.on_complete(lambda s: None)
    assert len(calls) == 1


def test_on_complete_registered_after_completion_runs_at_once_on_the_calling_thread():
    manager = quiet(InlineExecutor())
    manager.submit(["json"])
    calls = []
    manager.on_complete(lambda status: calls.append((threading.current_thread().name, status)))
    assert calls == [(threading.current_thread().name,
                      {"pending": [], "completed": ["json"], "failed": [], "cancelled": []})]


def test_on_complete_needs_a_callable():
    with pytest.raises(TypeError, match="callable"):
        quiet(InlineExecutor()).on_complete("nope")


def test_a_raising_callback_is_reported_on_stderr_and_others_still_run(gen, pools, capsys):
    gate = gen.gate()
    slow = gen.blocking(gate)
    manager = quiet(pools(2))
    calls = []
    done = threading.Event()

    def bad_callback(status):
        raise ValueError("callback boom")

    manager.on_complete(bad_callback)
    manager.on_complete(lambda status: (calls.append("second"), done.set()))
    manager.submit([slow])
    gate.release.set()
    assert done.wait(WAIT)
    assert calls == ["second"]
    err = capsys.readouterr().err
    assert "bad_callback" in err and "ValueError: callback boom" in err

    # registered after completion: reported the same way, never raised into the caller
    manager.on_complete(bad_callback)
    assert "ValueError: callback boom" in capsys.readouterr().err
    assert manager.is_done() and manager.status()["completed"] == [slow]
    # the manager still works after a reset
    manager.reset()
    manager.submit(["json"])
    assert manager.wait(WAIT) and manager.status()["completed"] == ["json"]


# ------------------------------------------------------------------------------- canaries
def test_canary_records_have_the_documented_fields_and_values(gen, pools):
    gate = gen.gate()
    slow = gen.blocking(gate)
    pool = pools(1)
    manager = quiet(pool)
    missing = f"{gen.prefix}missing"
    manager.submit([slow, "json", missing])
    assert gate.started.wait(WAIT)

    running = by_module(manager)
    for record in running.values():
        assert set(CANARY_FIELDS) <= set(record)
        assert record["status"] == "running" and record["end_ts"] is None
        assert record["elapsed_ms"] is None and record["error"] is None
        assert isinstance(record["submit_ts"], float)
    started = running[slow]
    assert started["start_ts"] is not None and started["thread_name"] == "controller-io-0"
    queued = running["json"]  # one worker, busy: "json" waits in the queue
    assert queued["start_ts"] is None and queued["thread_name"] is None

    gate.release.set()
    assert manager.wait(WAIT)
    worker_id = pool.submit(threading.get_ident).result(timeout=WAIT)
    canaries = manager.canaries()
    assert [c["module"] for c in canaries] == [slow, "json", missing]
    assert [c["canary_id"] for c in canaries] == [1, 2, 3]
    for record in canaries:
        assert record["thread_name"] == "controller-io-0"
        assert record["thread_id"] == worker_id
        assert record["submit_ts"] <= record["start_ts"] <= record["end_ts"]
        assert record["elapsed_ms"] == pytest.approx(
            (record["end_ts"] - record["start_ts"]) * 1000.0)
    ok, failed = canaries[1], canaries[2]
    assert ok["status"] == "completed" and ok["error"] is None
    assert failed["status"] == "failed"
    assert failed["error"] == f"ModuleNotFoundError: No module named '{missing}'"
    assert manager.status() == {"pending": [], "completed": [slow, "json"], "failed": [missing], "cancelled": []}


def test_canaries_are_copies():
    manager = quiet(InlineExecutor())
    manager.submit(["json"])
    manager.canaries()[0]["status"] = "tampered"
    manager.canaries().clear()
    assert manager.canaries()[0]["status"] == "completed"


def test_canary_ids_continue_across_reset_and_history_is_kept():
    manager = quiet(InlineExecutor())
    assert manager.submit(["json", "os"]) == [1, 2]
    manager.reset()
    assert manager.submit(["os", "sys"]) == [3, 4]
    canaries = manager.canaries()
    assert [(c["canary_id"], c["module"]) for c in canaries] == [
        (1, "json"), (2, "os"), (3, "os"), (4, "sys")]
    # finished records are history: reset does not cancel them
    assert [c["status"] for c in canaries] == ["completed"] * 4
    assert manager.status()["completed"] == ["os", "sys"]
    assert manager.canary_for("os")["canary_id"] == 3
    assert manager.canary_for("nope") is None


def test_injected_clock_stamps_canaries(gen):
    clock = MockClock(1000.0)
    gate = gen.gate()
    gate.clock = clock
    # importing this module "takes" 2.5 s of mock time
    ticking = gen.module(f"import {gate.__name__} as g\ng.clock.set_time(1003.5)\n", "tick")
    pool = ManualExecutor()
    manager = quiet(pool, clock=clock)
    manager.submit([ticking])
    assert manager.canaries()[0]["submit_ts"] == 1000.0
    clock.set_time(1001.0)  # the job leaves the queue
    pool.run(0)
    record = manager.canaries()[0]
    assert (record["submit_ts"], record["start_ts"], record["end_ts"]) == (1000.0, 1001.0, 1003.5)
    assert record["elapsed_ms"] == pytest.approx(2500.0)


def test_default_clock_is_wall_clock_time():
    import time

    before = time.time()
    manager = quiet(InlineExecutor())
    manager.submit(["json"])
    after = time.time()
    record = manager.canaries()[0]
    assert before <= record["submit_ts"] <= record["start_ts"] <= record["end_ts"] <= after


# ------------------------------------------------------------------------------- failures
@pytest.mark.parametrize(
    "body, error",
    [
        ("raise ImportError('no provider SDK')", "ImportError: no provider SDK"),
        ("import _iw_surely_missing_module_", "ModuleNotFoundError: No module named "
                                              "'_iw_surely_missing_module_'"),
        ("def broken(:\n    pass\n", "SyntaxError: "),
        ("raise SystemExit(3)", "SystemExit: 3"),
        ("raise KeyboardInterrupt('ctrl-c in module code')",
         "KeyboardInterrupt: ctrl-c in module code"),
        ("raise RuntimeError('bad config')", "RuntimeError: bad config"),
    ],
    ids=["ImportError", "ModuleNotFoundError", "SyntaxError", "SystemExit", "KeyboardInterrupt",
         "RuntimeError"],
)
def test_a_failing_import_is_failed_with_its_error_and_the_worker_survives(gen, pools, body, error):
    bad = gen.module(body, "bad")
    pool = pools(1)  # one worker: the jobs after the failure must run on the very same thread
    manager = quiet(pool)
    manager.submit([bad, "json"])
    assert manager.wait(WAIT)
    record = by_module(manager)[bad]
    assert record["status"] == "failed"
    assert record["error"].startswith(error)
    assert manager.status() == {"pending": [], "completed": ["json"], "failed": [bad], "cancelled": []}
    # the worker is alive and is the same thread
    assert pool.submit(lambda: threading.current_thread().name).result(WAIT) == "controller-io-0"
    manager.reset()
    good = gen.module("VALUE = 1", "good")
    manager.submit([good])
    assert manager.wait(WAIT)
    assert manager.status()["completed"] == [good]
    assert by_module(manager)[good]["thread_id"] == record["thread_id"]


STR_RAISES = """
class E({base}):
    def __str__(self):
        raise RuntimeError("no str for you")
{extra}raise E()
"""


@pytest.mark.parametrize(
    "body, error",
    [
        (STR_RAISES.format(base="Exception", extra=""),
         "E (str() raised RuntimeError; repr: E())"),
        (STR_RAISES.format(base="Exception", extra="    def __repr__(self):\n"
                                                   "        raise ValueError('no repr')\n"),
         "E (its str() and repr() raised ValueError; no message)"),
        (STR_RAISES.format(base="SystemExit", extra=""),
         "E (str() raised RuntimeError; repr: E())"),
        (STR_RAISES.format(base="KeyboardInterrupt", extra=""),
         "E (str() raised RuntimeError; repr: E())"),
        ("import sys\nsys.exit()\n", "SystemExit"),
    ],
    ids=["str-raises", "str-and-repr-raise", "SystemExit-str-raises",
         "KeyboardInterrupt-str-raises", "sys.exit()"],
)
def test_every_failure_is_recorded_whatever_its_exception_does(gen, pools, body, error):
    bad = gen.module(body, "hostile")
    pool = pools(1)
    stream = io.StringIO()
    manager = WarmupManager(pool, stream=stream)
    calls = []
    manager.on_complete(calls.append)
    manager.submit([bad, "json"])
    assert manager.wait(WAIT), "the canary of a hostile exception stayed running"
    record = by_module(manager)[bad]
    assert (record["status"], record["error"]) == ("failed", error)
    assert manager.wait_quiet(WAIT)
    assert len(calls) == 1 and calls[0]["failed"] == [bad] and calls[0]["completed"] == ["json"]
    [line] = [l for l in stream.getvalue().splitlines() if "FAILED" in l]
    assert line.endswith(f"FAILED {bad} on controller-io-0 (id={record['thread_id']}): {error}")
    # the worker lives on
    assert pool.submit(lambda: threading.current_thread().name).result(WAIT) == "controller-io-0"


@pytest.mark.parametrize(
    "message, first_line",
    [("'x' * 5_000_000", "x" * 200), ("'first line\\n' + 'y' * 1000", "first line")],
    ids=["5MB", "multi-line"],
)
def test_a_huge_error_is_one_short_log_line_and_whole_in_the_canary_and_report(
        gen, pools, message, first_line):
    bad = gen.module(f"raise ImportError({message})", "huge")
    stream = io.StringIO()
    manager = WarmupManager(pools(1), stream=stream)
    manager.submit([bad])
    assert manager.wait(WAIT) and manager.wait_quiet(WAIT)
    error = manager.canaries()[0]["error"]
    full = eval(message)  # noqa: S307 - the test's own literal
    assert error == f"ImportError: {full}"
    [line, summary] = stream.getvalue().splitlines()
    shown = f"ImportError: {full}".split("\n")[0][:300]
    left = len(error) - len(shown)
    assert line.endswith(f": {shown}… ({left} more characters)")
    assert len(line) < 500 and first_line in line
    assert summary.startswith("[warmup done] 1 module: 0 completed, 1 failed")
    assert error in format_text_report(manager.canaries(), now=0.0)


def test_cancel_queued_cancels_the_pools_futures_of_the_queued_imports(gen, pools):
    gate = gen.gate()
    slow = gen.blocking(gate)
    pool = pools(1)
    manager = quiet(pool)
    manager.submit([slow, "json", "os"])
    assert gate.started.wait(WAIT)
    assert pool.status()["jobs_queued"] == 2
    assert manager.cancel_queued() == 2
    assert pool.status()["jobs_queued"] == 0  # the pool drops them; nothing waits for a worker
    assert manager.status()["cancelled"] == ["json", "os"]
    gate.release.set()
    assert manager.wait(WAIT)


def test_submit_on_a_shut_down_pool_records_failures_and_finishes_the_round(pools):
    pool = pools(1)
    pool.shutdown(wait=True)
    manager = quiet(pool)
    calls = []
    manager.on_complete(calls.append)
    manager.submit(["json"])
    assert manager.is_done()
    record = manager.canaries()[0]
    assert record["status"] == "failed" and record["error"].startswith("RuntimeError")
    assert calls == [{"pending": [], "completed": [], "failed": ["json"], "cancelled": []}]


# ---------------------------------------------------------------------------------- reset
def test_reset_clears_lists_and_callbacks_and_cancels_running_records(gen, pools):
    gate = gen.gate()
    slow = gen.blocking(gate)
    pool = pools(1)
    clock_before = MockClock(50.0)
    manager = quiet(pool, clock=clock_before)
    stale = []
    manager.on_complete(stale.append)
    manager.submit([slow, "json"])
    assert gate.started.wait(WAIT)
    clock_before.set_time(51.0)
    manager.reset()

    assert manager.status() == {"pending": [], "completed": [], "failed": [], "cancelled": []}
    assert manager.is_done() is False
    records = by_module(manager)
    assert records[slow]["status"] == "cancelled" and records["json"]["status"] == "cancelled"
    assert records[slow]["end_ts"] == 51.0 and records[slow]["elapsed_ms"] == pytest.approx(1000.0)
    assert records["json"]["start_ts"] is None  # it never left the queue

    gate.release.set()
    pool.submit(lambda: None).result(WAIT)  # one worker: the old jobs have run by now
    records = by_module(manager)
    assert records[slow]["status"] == "cancelled", "a cancelled record stays cancelled"
    assert records["json"]["status"] == "cancelled"
    assert records["json"]["start_ts"] is None, "an old queued job must not start"
    assert manager.status() == {"pending": [], "completed": [], "failed": [], "cancelled": []}
    manager.submit(["os"])
    assert manager.wait(WAIT)
    assert stale == [], "reset() forgets the old round's callbacks"


def test_old_in_flight_import_of_the_same_module_does_not_touch_the_new_round(gen):
    gate = gen.gate()
    slow = gen.blocking(gate)
    pool = ManualExecutor()
    manager = quiet(pool)
    manager.submit([slow])
    old = pool.start(0, "controller-io-0")
    assert gate.started.wait(WAIT)
    manager.reset()
    manager.submit([slow, "json"])  # jobs 1 and 2: not run yet

    gate.release.set()
    old.join(WAIT)
    assert not old.is_alive()
    # the old import finished: the new round must not have noticed
    assert manager.status() == {"pending": [slow, "json"], "completed": [], "failed": [], "cancelled": []}
    assert manager.is_done() is False
    old_record, new_record = [c for c in manager.canaries() if c["module"] == slow]
    assert old_record["status"] == "cancelled"
    assert new_record["status"] == "running" and new_record["start_ts"] is None

    pool.run(1, "controller-io-1")
    pool.run(2, "controller-io-2")
    assert manager.status() == {"pending": [], "completed": [slow, "json"], "failed": [], "cancelled": []}
    assert manager.is_done()
    assert [c["status"] for c in manager.canaries()] == ["cancelled", "completed", "completed"]
    assert gate.runs == ["controller-io-0"], "the module body ran once, in the old round"


def test_old_queued_job_does_not_touch_the_new_round_and_stays_cancelled(gen):
    gate = gen.gate()
    counted = gen.counted(gate)
    pool = ManualExecutor()
    manager = quiet(pool)
    manager.submit([counted])  # job 0: stays queued
    manager.reset()
    manager.submit([counted])  # job 1
    pool.run(0, "controller-io-0")  # the old job finally gets a worker
    assert gate.runs == [], "an old queued job must not import"
    assert counted not in sys.modules
    assert manager.status() == {"pending": [counted], "completed": [], "failed": [], "cancelled": []}
    old_record = manager.canaries()[0]
    assert old_record["status"] == "cancelled" and old_record["start_ts"] is None
    pool.run(1, "controller-io-1")
    assert gate.runs == ["controller-io-1"]
    assert manager.status() == {"pending": [], "completed": [counted], "failed": [], "cancelled": []}
    assert [c["status"] for c in manager.canaries()] == ["cancelled", "completed"]


def test_reset_with_a_real_pool_same_module_again(gen, pools):
    gate = gen.gate()
    slow = gen.blocking(gate)
    blocker_gate = gen.gate()
    blocker = gen.blocking(blocker_gate, "blocker")
    counted_gate = gen.gate()
    counted = gen.counted(counted_gate)
    pool = pools(1)
    manager = quiet(pool)
    manager.submit([slow, counted])  # counted waits in the queue behind slow
    assert gate.started.wait(WAIT)
    manager.reset()
    calls = []
    manager.on_complete(calls.append)
    manager.submit([slow, counted, blocker])
    gate.release.set()
    assert blocker_gate.started.wait(WAIT)
    # old slow finished, old counted was skipped, new slow and counted are done, blocker blocks
    assert manager.status() == {"pending": [blocker], "completed": [slow, counted], "failed": [],
                                "cancelled": []}
    blocker_gate.release.set()
    assert manager.wait(WAIT)
    assert manager.status() == {"pending": [], "completed": [slow, counted, blocker],
                                "failed": [], "cancelled": []}
    assert counted_gate.runs == ["controller-io-0"]
    assert [c["status"] for c in manager.canaries()] == [
        "cancelled", "cancelled", "completed", "completed", "completed"]
    assert manager.canaries()[1]["start_ts"] is None
    assert len(calls) == 1


# -------------------------------------------------------------------------------- logging
def test_log_lines_per_module_and_summary(gen, pools):
    stream = io.StringIO()
    missing = f"{gen.prefix}missing"
    manager = WarmupManager(pools(4), stream=stream)
    manager.submit(["json", missing, "os"])
    assert manager.wait(WAIT)
    done = threading.Event()
    manager.on_complete(lambda s: done.set())  # the summary is written before callbacks run
    assert done.wait(WAIT)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 4, lines
    records = by_module(manager)

    module_lines = {}
    for line in lines[:3]:
        match = LINE_OK.match(line) or LINE_FAILED.match(line)
        assert match, line
        module_lines[match["module"]] = match
    assert set(module_lines) == {"json", "os", missing}
    for name, match in module_lines.items():
        record = records[name]
        assert int(match["id"]) == record["canary_id"]
        assert match["thread"] == record["thread_name"]
        assert int(match["tid"]) == record["thread_id"]
    assert LINE_OK.match(lines[0]) or LINE_OK.match(lines[1]) or LINE_OK.match(lines[2])
    assert module_lines["json"]["ms"] == f"{records['json']['elapsed_ms']:.1f}"
    failed = LINE_FAILED.match([l for l in lines if missing in l][0])
    assert failed["error"] == f"ModuleNotFoundError: No module named '{missing}'"

    summary = LINE_DONE.match(lines[3])
    assert summary, lines[3]
    assert (summary["n"], summary["ok"], summary["bad"]) == ("3", "2", "1")
    total = sum(r["elapsed_ms"] for r in records.values())
    assert float(summary["ms"]) == pytest.approx(total, abs=0.051)
    own = sum(r["cpu_ms"] for r in records.values())
    assert float(summary["own"]) == pytest.approx(own, abs=0.051)
    wall = max(r["end_ts"] for r in records.values()) - min(r["submit_ts"] for r in records.values())
    assert float(summary["wall"]) == pytest.approx(wall * 1000.0, abs=0.051)
    assert "MAIN-THREAD" not in stream.getvalue()


def test_log_line_matches_the_documented_example_with_a_mock_clock(gen):
    clock = MockClock(10.0)
    gate = gen.gate()
    gate.clock = clock
    ticking = gen.module(f"import {gate.__name__} as g\ng.clock.set_time(10.0842)\n", "tick")
    stream = io.StringIO()
    pool = ManualExecutor()
    manager = WarmupManager(pool, stream=stream, clock=clock)
    manager.submit(["json", ticking, "os"])
    pool.run(0, "controller-io-0")
    pool.run(1, "controller-io-1")
    clock.set_time(10.5)
    pool.run(2, "controller-io-2")
    lines = stream.getvalue().splitlines()
    tid = manager.canaries()[1]["thread_id"]
    assert lines[1] == f"[warmup 2] {ticking} on controller-io-1 (id={tid}): 84.2ms"
    # Wall: first submit (10.0) to last end (10.5); own work is the workers' real CPU time.
    own = sum(c["cpu_ms"] for c in manager.canaries())
    assert lines[3] == "[warmup done] 3 modules: 3 completed, 0 failed " \
                       f"(wall 500.0ms, own work {own:.1f}ms; sum of per-module elapsed: 84.2ms)"


def test_log_to_stderr_false_writes_nothing(gen, pools, capsys):
    stream = io.StringIO()
    manager = WarmupManager(pools(2), log_to_stderr=False, stream=stream)
    manager.submit(["json", f"{gen.prefix}missing"])
    assert manager.wait(WAIT)
    manager.on_complete(lambda s: None)
    assert stream.getvalue() == ""
    assert capsys.readouterr().err == ""


def test_log_goes_to_stderr_by_default(pools, capsys):
    manager = WarmupManager(pools(1))
    done = threading.Event()
    manager.on_complete(lambda s: done.set())
    manager.submit(["json"])
    assert done.wait(WAIT)
    err = capsys.readouterr().err.splitlines()
    assert LINE_OK.match(err[0]) and LINE_DONE.match(err[1]), err


def test_main_thread_imports_are_flagged_with_a_warning_in_the_summary(gen):
    stream = io.StringIO()
    missing = f"{gen.prefix}missing"
    manager = WarmupManager(InlineExecutor(), stream=stream)
    manager.submit(["json", missing])
    lines = stream.getvalue().splitlines()
    main_id = threading.get_ident()
    assert re.fullmatch(
        rf"\[warmup 1\] json on MainThread \(id={main_id}\): \d+\.\dms \[MAIN-THREAD\]", lines[0])
    assert re.fullmatch(
        rf"\[warmup 2\] FAILED {missing} on MainThread \(id={main_id}\): "
        rf"ModuleNotFoundError: No module named '{missing}' \[MAIN-THREAD\]", lines[1])
    assert LINE_DONE.match(lines[2])
    assert "WARNING" in lines[3] and "main thread" in lines[3]
    assert "json" in lines[3] and missing in lines[3]
    assert len(lines) == 4
    assert all(c["main_thread"] for c in manager.canaries())


# ------------------------------------------------------------------------ inline executor
def test_inline_executor_on_the_main_thread_works():
    manager = quiet(InlineExecutor())
    calls = []
    manager.on_complete(lambda status: calls.append(threading.current_thread().name))
    manager.submit(["json", "os"])
    assert manager.is_done()  # before submit() returned, every job had run
    assert manager.status() == {"pending": [], "completed": ["json", "os"], "failed": [], "cancelled": []}
    assert calls == [threading.current_thread().name]
    assert {c["thread_name"] for c in manager.canaries()} == {threading.main_thread().name}


def test_inline_executor_finds_every_module_registered_before_the_first_job():
    """Also proves pool.submit is not called under the manager's lock: it would deadlock here."""
    manager = quiet(InlineExecutor())
    seen = []
    manager.add_listener(lambda record: seen.append((record["module"], record["status"],
                                                     manager.status())))
    result = {}

    def run():  # in a thread, so a deadlock fails the test instead of hanging it
        manager.submit(["json", "os", "sys"])
        result["done"] = manager.is_done()
        result["thread"] = threading.current_thread().name

    thread = threading.Thread(target=run, name="inline-caller")
    thread.start()
    thread.join(WAIT)
    assert not thread.is_alive(), "submit() deadlocked with an inline executor"
    assert result["done"] is True
    module, status, snapshot = seen[0]  # the first job starting
    assert (module, status) == ("json", "running")
    assert snapshot["pending"] == ["json", "os", "sys"]
    canaries = manager.canaries()
    assert {c["thread_name"] for c in canaries} == {"inline-caller"}
    assert not any(c["main_thread"] for c in canaries)


# ------------------------------------------------------------------------------ listeners
def test_listener_sees_start_and_end_and_revision_grows():
    manager = quiet(InlineExecutor())
    seen = []
    revision = manager.revision
    manager.add_listener(lambda record: seen.append((record["module"], record["status"])))
    manager.submit(["json"])
    assert seen == [("json", "running"), ("json", "completed")]
    assert manager.revision > revision
    with pytest.raises(TypeError):
        manager.add_listener(None)


# ---------------------------------------------------------------------------- thread safety
def test_status_and_canaries_polled_during_a_big_warmup_are_never_torn(gen, pools):
    count = 240
    good = gen.modules(count - 24, "VALUE = sum(range(200))\n", "ok")
    bad = gen.modules(23, "raise ImportError('generated failure')\n", "bad")
    gate = gen.gate()
    held = gen.blocking(gate, "held")  # keeps the round open until the poller has seen it half done
    names = good[:100] + bad + [held] + good[100:]
    assert len(names) == count
    manager = quiet(pools(4))
    finished = []
    manager.on_complete(finished.append)
    manager.submit(names)

    snapshots = 0
    partial = 0
    last_done = 0
    while True:
        status = manager.status()
        assert_consistent(status, names)
        done_now = len(status["completed"]) + len(status["failed"])
        assert done_now >= last_done, "finished modules never go back to pending"
        last_done = done_now
        canaries = manager.canaries()
        assert len(canaries) == count
        assert [c["canary_id"] for c in canaries] == list(range(1, count + 1))
        for record in canaries:
            if record["status"] == "running":
                assert record["end_ts"] is None and record["error"] is None
            else:
                assert record["status"] in ("completed", "failed")
                assert record["end_ts"] is not None and record["elapsed_ms"] is not None
                assert (record["error"] is None) == (record["status"] == "completed")
        snapshots += 1
        if 0 < done_now < count:
            partial += 1
        if done_now >= 100 and not gate.release.is_set():
            gate.release.set()
        if not status["pending"]:
            break
        if snapshots > 100_000:
            pytest.fail("warmup did not finish")
    assert partial >= 1
    assert manager.wait(WAIT)
    status = manager.status()
    assert sorted(status["failed"]) == sorted(bad)
    assert sorted(status["completed"]) == sorted(good + [held])
    assert len(finished) == 1 and finished[0] == status
    threads = {c["thread_name"] for c in manager.canaries()}
    assert threads <= {f"controller-io-{i}" for i in range(4)}


# ------------------------------------------------------------------------------ real imports
def test_real_stdlib_imports(pools):
    manager = quiet(pools(4))
    names = ["json", "sqlite3", "decimal", "email.mime.text", "xml.dom.minidom"]
    manager.submit(names)
    assert manager.wait(WAIT)
    assert manager.status()["pending"] == [] and manager.status()["failed"] == []
    assert sorted(manager.status()["completed"]) == sorted(names)
    assert all(name in sys.modules for name in names)


def test_real_numpy_import_in_a_fresh_process():
    code = textwrap.dedent(
        """
        import json, sys, threading
        from imwarmup import WarmupManager, make_io_pool
        assert "numpy" not in sys.modules
        pool = make_io_pool()
        manager = WarmupManager(pool, log_to_stderr=False)
        manager.submit(["numpy"])
        assert manager.wait(60)
        record = manager.canaries()[0]
        record["np_ok"] = sys.modules["numpy"].arange(4).sum() == 6
        print(json.dumps(record, default=bool))
        pool.shutdown()
        """
    )
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout)
    assert record["status"] == "completed" and record["error"] is None
    assert record["thread_name"].startswith("controller-io-")
    assert record["main_thread"] is False
    assert record["elapsed_ms"] > 0
    assert record["np_ok"] is True


# ------------------------------------------------------ done means every job is fully reported
def test_done_waits_for_every_jobs_listeners(gen, pools):
    """A worker that finished a module but is still telling listeners (e.g. the controller's
    profiler) keeps the round open: after wait() every listener has seen every module."""
    gate = gen.gate()
    first = gen.module("", "first")
    manager = quiet(pools(2))
    in_listener = threading.Event()
    seen = []

    def listener(record):
        if record["status"] == "completed" and record["module"] == first:
            in_listener.set()
            assert gate.release.wait(WAIT)
        if record["status"] != "running":
            seen.append(record["module"])

    manager.add_listener(listener)
    fired = []
    manager.on_complete(fired.append)
    manager.submit([first, "json"])
    assert in_listener.wait(WAIT)
    # "json" can finish on the other worker meanwhile; the round is still not done
    assert manager.wait(timeout=0.05) is False
    assert fired == []
    gate.release.set()
    assert manager.wait(WAIT)
    assert sorted(seen) == sorted([first, "json"])


def test_summary_line_comes_after_every_module_line(gen, pools):
    gate = gen.gate()
    first = gen.module("", "first")

    class SlowStream(io.StringIO):
        """Holds the write of the first module's line until the test opens the gate."""

        def write(self, text):
            if f"] {first} on" in text:
                gate.started.set()
                assert gate.release.wait(WAIT)
            return super().write(text)

    stream = SlowStream()
    manager = WarmupManager(pools(2), stream=stream)
    manager.submit([first, "json"])
    assert gate.started.wait(WAIT)
    assert manager.wait(timeout=0.05) is False
    gate.release.set()
    assert manager.wait(WAIT)
    done = threading.Event()
    manager.on_complete(lambda s: done.set())
    assert done.wait(WAIT)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3 and LINE_DONE.match(lines[2]), lines


# --------------------------------------------------------------- failures warmup itself causes
def circular_pair(gen: Gen) -> tuple[str, str]:
    """Two modules that import each other at top level: ``first`` works when imported before
    ``second`` (one after the other), but ``second`` running on another worker at the same time
    sees ``first`` half-run. ``time.sleep(0)`` lets the other worker in, as a real import does."""
    second = gen.module("", "cycle_second")  # written below, once ``first``'s name is known
    first = gen.module(f"import time\ntime.sleep(0)\nfrom {second} import X\nY = 2\n",
                       "cycle_first")
    (gen.root / f"{second}.py").write_text(
        f"import {first}\nX = 1\ndef y():\n    return {first}.Y\n")
    importlib.invalidate_caches()
    return first, second


def test_circular_modules_work_one_after_the_other(gen, pools):
    first, second = circular_pair(gen)
    manager = quiet(pools(1))
    manager.submit([first, second])
    assert manager.wait(WAIT)
    assert manager.status()["completed"] == [first, second]


def test_circular_modules_on_two_workers_never_fail_they_are_retried(gen, pools):
    rounds, retried = 20, 0
    for _ in range(rounds):
        first, second = circular_pair(gen)  # fresh modules: nothing is in sys.modules yet
        manager = quiet(pools(2))
        manager.submit([first, second])
        assert manager.wait(WAIT)
        status = manager.status()
        assert status["failed"] == [], [(c["module"], c["thread_name"], c["error"], c["retried"])
                                         for c in manager.canaries()]
        assert sorted(status["completed"]) == sorted([first, second])
        assert_counts_agree(manager)  # a retried canary is counted once
        for canary in manager.canaries():
            if canary["retried"]:
                retried += 1
                # the other half-run module, or importlib's lock deadlock between the two
                assert re.search(r"partially initialized module|_DeadlockError: deadlock",
                                 canary["retried"])
                # the import it overlapped, or (it ran ahead of the module submitted before it
                # and needed that one half-run) the order it was retried in
                assert re.search(r"\(other imports in flight: \S+ on controller-io-[01]\)$|"
                                 r"\(no other import of this warmup in flight; retried after "
                                 r"the modules submitted before it\)$", canary["retried"])
    assert retried >= 1, "no round raced: the test did not exercise the retry"


def test_a_broken_circular_module_still_fails_after_its_retry(gen, pools):
    gate = gen.gate()
    slow = gen.blocking(gate)
    runs = gen.gate()
    # Imports a name from itself: "partially initialized module", whoever else is importing.
    broken = gen.module("", "broken")
    (gen.root / f"{broken}.py").write_text(
        f"import {runs.__name__} as _runs, {gate.__name__} as _slow\n"
        f"_slow.started.wait({HANG})\n_runs.runs.append(1)\n_runs.started.set()\n"
        f"from {broken} import NOPE\n")
    importlib.invalidate_caches()
    stream = io.StringIO()
    manager = WarmupManager(pools(2), stream=stream)
    manager.submit([slow, broken])
    assert gate.started.wait(WAIT) and runs.started.wait(WAIT)  # it failed while slow ran
    gate.release.set()  # the retry waits for slow to end
    assert manager.wait(WAIT)
    record = by_module(manager)[broken]
    error = (f"ImportError: cannot import name 'NOPE' from partially initialized module "
             f"'{broken}' (most likely due to a circular import) "
             f"({gen.root / broken}.py)")
    assert (record["status"], record["error"]) == ("failed", error)
    slow_worker = by_module(manager)[slow]["thread_name"]
    assert record["retried"] == f"{error} (other imports in flight: {slow} on {slow_worker})"
    assert runs.runs == [1, 1]  # imported twice, never more
    assert by_module(manager)[slow]["retried"] is None
    assert manager.wait_quiet(WAIT)
    assert assert_counts_agree(manager) == (0, 1, 1, 0)  # failed after its retry: counted once
    [line] = [l for l in stream.getvalue().splitlines() if "FAILED" in l]
    assert line.endswith(f"{error} (retried once, after the imports in flight had ended)")


def test_a_modules_own_import_error_is_not_retried_and_waits_for_nothing(gen, pools):
    gate = gen.gate()
    slow = gen.blocking(gate)
    broken = gen.module(f"import {gate.__name__} as _slow\n_slow.started.wait({HANG})\n"
                        f"raise ImportError('no provider SDK')\n", "sdk")
    manager = quiet(pools(2))
    failed = threading.Event()
    manager.add_listener(lambda r: r["module"] == broken and r["end_ts"] and failed.set())
    manager.submit([slow, broken])
    assert failed.wait(WAIT)  # while slow still blocks: it did not wait to retry
    record = by_module(manager)[broken]
    assert (record["error"], record["retried"]) == ("ImportError: no provider SDK", None)
    gate.release.set()
    assert manager.wait(WAIT)


def test_a_missing_module_is_not_retried(gen, pools):
    gate = gen.gate()
    slow = gen.blocking(gate)
    missing = gen.module("import time\ntime.sleep(0)\nimport _iw_surely_missing_module_\n",
                         "missing")
    manager = quiet(pools(2))
    manager.submit([slow, missing])
    assert gate.started.wait(WAIT)
    gate.release.set()
    assert manager.wait(WAIT)
    record = by_module(manager)[missing]
    assert record["status"] == "failed" and record["retried"] is None
    assert record["error"].startswith("ModuleNotFoundError")


def test_repr_shows_the_round_at_a_glance(gen, pools):
    bad = gen.module("raise ImportError('nope')", "bad")
    manager = quiet(pools(2))
    assert repr(manager) == "<WarmupManager no round submitted; 0 canaries in all>"
    manager.submit(["json", bad])
    assert manager.wait(WAIT)
    assert repr(manager) == (
        "<WarmupManager done: 2 modules, 2 done (1 failed), 0 pending; 2 canaries in all>"
    )
    manager.reset()
    assert repr(manager) == "<WarmupManager no round submitted; 2 canaries in all>"


@pytest.mark.parametrize(
    "bad, exc, text",
    [
        (3, TypeError, "submit(): modules[2] must be a str, got 3 (int); nothing was submitted"),
        ("not a-module", ValueError,
         "submit(): modules[2] is not a dotted module name: 'not a-module'; nothing was "
         "submitted"),
    ],
)
def test_a_bad_entry_is_named_as_the_guard_names_it(bad, exc, text):
    """One validator for the manager and the guard: ``modules[i]`` as the guard's ``heavy[i]``."""
    with pytest.raises(exc) as info:
        quiet(InlineExecutor()).submit(["os", "json", bad])
    assert str(info.value) == text


# ------------------------------------------------------------------- status_counts
def assert_counts_agree(manager: WarmupManager) -> tuple[int, int, int, int]:
    """``status_counts()`` (running counts kept by the round) == the lengths of ``status()``'s
    lists (derived from the records)."""
    status = manager.status()
    counts = manager.status_counts()
    assert counts == (len(status["pending"]), len(status["completed"]), len(status["failed"]),
                      len(status["cancelled"])), (counts, status)
    return counts


def test_status_counts_agree_with_status_through_a_rounds_life(gen, pools):
    pool = ManualExecutor()
    manager = quiet(pool)
    assert manager.status_counts() == (0, 0, 0, 0)  # no round yet
    missing = "imwarmup_no_such_module_for_counts"
    manager.submit(["json", missing, "decimal", "fractions"])  # jobs 0..3, none started
    assert assert_counts_agree(manager) == (4, 0, 0, 0)
    pool.run(0)
    assert assert_counts_agree(manager) == (3, 1, 0, 0)
    pool.run(1)
    assert assert_counts_agree(manager) == (2, 1, 1, 0)
    assert manager.cancel_queued() == 2  # decimal, fractions: never started
    assert assert_counts_agree(manager) == (0, 1, 1, 2)
    _future, job, args, kwargs = pool.jobs[2]  # its future is cancelled: no pool runs it,
    job(*args, **kwargs)  # but a job that did would find its canary cancelled and leave it so
    assert assert_counts_agree(manager) == (0, 1, 1, 2)
    manager.reset()
    assert manager.status_counts() == (0, 0, 0, 0)

    # A new round counts afresh; reset() with an import in flight cancels it, and the import
    # ending afterwards changes nothing.
    gate = gen.gate()
    slow = gen.blocking(gate)
    manager.submit([slow, "json"])  # jobs 4, 5
    assert assert_counts_agree(manager) == (2, 0, 0, 0)
    running = pool.start(4)
    assert gate.started.wait(WAIT)
    pool.run(5)
    assert assert_counts_agree(manager) == (1, 1, 0, 0)
    manager.reset()
    gate.release.set()
    running.join(WAIT)
    assert not running.is_alive()
    assert manager.status_counts() == (0, 0, 0, 0)
    manager.submit(["json"])
    assert assert_counts_agree(manager) == (1, 0, 0, 0)
