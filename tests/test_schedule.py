"""The warmup's schedule: ImportGate lets one import execute at a time (the default controller),
in submit order, on the four lanes; a blocked or endless import lets the next one in after a
bounded time; cancel, shutdown, reset and the circular-import retry work while jobs wait at it."""

from __future__ import annotations

import importlib
import math
import sys
import threading
import time

import pytest
from modgen import HANG, controllers, gen  # noqa: F401 - shared modules and fixtures

from imwarmup import WarmupController, WarmupManager, make_io_pool
from imwarmup.core.schedule import (
    FRAME_PAUSE_SECONDS, MAX_HOLD_SECONDS, STALL_WINDOW_SECONDS, ImportGate, make_gate,
)

WAIT = 5.0
# A gate that never lets the next import in early: jobs stay waiting at it for as long as a test
# needs (the tests of cancel/shutdown/reset while gated).
STRICT = dict(stall_cpu=0.0, max_hold=math.inf)


def spinning(gen, log, stem="spin", cpu_s=0.02):
    """A module that records its start and end in ``log.runs`` and burns ``cpu_s`` of CPU in
    between (real import work: it holds the GIL, so it is never judged stalled)."""
    return gen.module(
        f"""
        import threading, time
        import {log.__name__} as _log
        _name = __name__
        _log.runs.append((_name, "start", time.perf_counter(), threading.current_thread().name))
        _end = time.thread_time() + {cpu_s}
        while time.thread_time() < _end:
            pass
        _log.runs.append((_name, "end", time.perf_counter(), threading.current_thread().name))
        """,
        stem,
    )


def wait_until(predicate, timeout=WAIT):
    """Poll ``predicate`` (a state another thread changes that offers no event) until it holds
    or ``timeout`` passes; returns its last value."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return predicate()
        time.sleep(0.002)
    return True


# --------------------------------------------------------------------------- one at a time
def test_default_controller_imports_one_at_a_time_in_submit_order_on_four_lanes(gen, controllers):
    log = gen.gate()
    # A window far above the imports' length: nothing here is ever judged stalled, even on a
    # machine so loaded that 20 ms of CPU take a second of wall time.
    gate = ImportGate(1, stall_window=30.0)
    names = [spinning(gen, log) for _ in range(6)]
    controller = controllers(names, concurrency=gate)
    controller.start()
    assert controller.wait_for_warmup(WAIT)
    assert sorted(controller.warmup_status()["completed"]) == sorted(names)
    events = [(name, kind) for name, kind, _t, _lane in log.runs]
    # start of B only after the end of A, in submit order
    assert events == [(n, k) for n in names for k in ("start", "end")], events
    lanes = {lane for *_rest, lane in log.runs}
    assert lanes == {f"controller-io-{i}" for i in range(4)}, "the jobs left some lanes empty"
    status = gate.status()
    assert (status["entered"], status["bypassed"], status["running"], status["waiting"]) == (
        6, 0, [], [])


def test_default_controller_has_a_one_import_gate():
    controller = WarmupController(["json"], log_to_stderr=False)
    assert isinstance(controller.gate, ImportGate) and controller.gate.concurrency == 1
    assert controller.manager._gate is controller.gate
    controller.shutdown()


@pytest.mark.parametrize("value", [None, 0])
def test_concurrency_none_or_0_lets_every_worker_import_at_once(gen, controllers, value):
    gates = [gen.gate() for _ in range(3)]
    names = [gen.blocking(g) for g in gates]
    controller = controllers(names, concurrency=value)
    assert controller.gate is None
    controller.start()
    # All three block at once: none waits for another (the gate would hold the 2nd and 3rd at
    # least STALL_WINDOW_SECONDS; here they start together).
    for g in gates:
        assert g.started.wait(WAIT)
    assert len({g.runs[0] for g in gates}) == 3
    gen.release_all()
    assert controller.wait_for_warmup(WAIT)


def test_concurrency_2_lets_two_in(gen, controllers):
    log = gen.gate()
    gate = ImportGate(2, stall_window=30.0)
    names = [spinning(gen, log, cpu_s=0.05) for _ in range(6)]
    controller = controllers(names, concurrency=gate)
    controller.start()
    assert controller.wait_for_warmup(WAIT)
    running = most = 0
    for _name, kind, _t, _lane in sorted(log.runs, key=lambda r: r[2]):
        running += 1 if kind == "start" else -1
        most = max(most, running)
    assert most <= 2
    assert gate.status()["bypassed"] == 0


# ------------------------------------------------------------------- nothing blocks for ever
def test_a_blocked_import_lets_the_next_ones_in_after_a_stall_window(gen, controllers):
    """A module waiting on something (sleep, network, a lock) uses no CPU: the default gate
    lets the others in beside it instead of waiting for it."""
    blocked = gen.gate()
    log = gen.gate()
    slow = gen.blocking(blocked)
    after = [spinning(gen, log) for _ in range(3)]
    controller = controllers([slow, *after])  # the default gate
    t0 = time.monotonic()
    controller.start()
    assert blocked.started.wait(WAIT)
    # The three later modules complete while the first one still blocks.
    assert wait_until(lambda: len(controller.warmup_status()["completed"]) == 3)
    waited = time.monotonic() - t0
    assert controller.warmup_status()["pending"] == [slow]
    assert waited < MAX_HOLD_SECONDS, f"they waited {waited:.2f} s: the stall went unseen"
    assert waited >= STALL_WINDOW_SECONDS  # not let in before a whole window was watched
    status = controller.gate.status()
    assert status["stalled"] == [controller.manager.canary_for(slow)["canary_id"]]
    assert status["bypassed"] >= 1
    blocked.release.set()
    assert controller.wait_for_warmup(WAIT)
    assert controller.warmup_status()["failed"] == []


def test_an_import_that_spins_for_ever_holds_the_others_max_hold_at_most(gen, controllers):
    spin = gen.gate()
    looping = gen.module(
        f"""
        import {spin.__name__} as _gate
        _gate.started.set()
        while not _gate.release.is_set():   # burns CPU: never judged stalled
            pass
        """, "loop")
    other = gen.counted(gen.gate())
    gate = ImportGate(1, max_hold=0.3)
    controller = controllers([looping, other], concurrency=gate)
    t0 = time.monotonic()
    controller.start()
    assert spin.started.wait(WAIT)
    assert wait_until(lambda: other in controller.warmup_status()["completed"])
    assert time.monotonic() - t0 >= 0.3
    assert controller.warmup_status()["pending"] == [looping]
    spin.release.set()
    assert controller.wait_for_warmup(WAIT)


def test_app_jobs_are_not_gated(gen, controllers):
    blocked = gen.gate()
    slow = gen.blocking(blocked)
    controller = controllers([slow], concurrency=ImportGate(1, **STRICT))
    controller.start()
    assert blocked.started.wait(WAIT)
    # The one import holds the gate for ever (STRICT): an app job still runs at once.
    assert controller.submit_job(lambda: threading.current_thread().name).result(WAIT) \
        .startswith("controller-io-")
    blocked.release.set()
    assert controller.wait_for_warmup(WAIT)


# ------------------------------------------------------------ cancel, shutdown, reset, retry
def test_shutdown_cancels_the_imports_waiting_at_the_gate(gen, controllers):
    blocked = gen.gate()
    slow = gen.blocking(blocked)
    seen = gen.gate()
    waiting = [gen.counted(seen) for _ in range(3)]
    gate = ImportGate(1, **STRICT)
    controller = controllers([slow, *waiting], concurrency=gate)
    controller.start()
    assert blocked.started.wait(WAIT)
    assert wait_until(lambda: len(gate.status()["waiting"]) == 3)  # on lanes 1-3, at the gate
    assert controller.io_pool_status()["jobs_running"] == 4
    assert controller.shutdown(wait=False) is False
    assert sorted(controller.warmup_status()["cancelled"]) == sorted(waiting)
    # The waiting jobs return at once: only the blocked import still runs.
    assert wait_until(lambda: controller.io_pool_status()["jobs_running"] == 1)
    assert gate.status()["waiting"] == []
    blocked.release.set()
    assert controller.shutdown(wait=True, timeout=HANG) is True
    assert seen.runs == [], "a cancelled module was imported"
    assert all(name not in sys.modules for name in waiting)
    assert controller.warmup_status()["completed"] == [slow]


def test_reset_releases_the_jobs_waiting_at_the_gate(gen):
    blocked = gen.gate()
    slow = gen.blocking(blocked)
    seen = gen.gate()
    waiting = [gen.counted(seen) for _ in range(2)]
    gate = ImportGate(1, **STRICT)
    pool = make_io_pool(4)
    manager = WarmupManager(pool, log_to_stderr=False, gate=gate)
    try:
        manager.submit([slow, *waiting])
        assert blocked.started.wait(WAIT)
        assert wait_until(lambda: len(gate.status()["waiting"]) == 2)
        manager.reset()
        assert wait_until(lambda: gate.status()["waiting"] == [])
        assert pool.status()["jobs_running"] == 1
        blocked.release.set()
        assert wait_until(lambda: gate.status()["running"] == [])
        # A new round goes through the same gate.
        manager.submit(waiting)
        assert manager.wait(WAIT)
        assert sorted(manager.status()["completed"]) == sorted(waiting)
        assert len(seen.runs) == 2
    finally:
        gen.release_all()
        assert pool.shutdown(wait=True, timeout=HANG)


def test_cancelled_future_of_a_queued_job_never_blocks_the_gate(gen, controllers):
    """Jobs still in the pool's queue (all lanes busy) are cancelled there; those behind the
    gate return: a later controller on the same gate is not stuck behind their tickets."""
    blocked = gen.gate()
    slow = gen.blocking(blocked)
    names = [gen.counted(gen.gate()) for _ in range(6)]  # 3 at the gate, 3 in the queue
    gate = ImportGate(1, **STRICT)
    first = controllers([slow, *names], concurrency=gate)
    first.start()
    assert blocked.started.wait(WAIT)
    assert wait_until(lambda: len(gate.status()["waiting"]) == 3)
    first.shutdown(wait=False)
    assert sorted(first.warmup_status()["cancelled"]) == sorted(names)
    blocked.release.set()
    assert first.shutdown(wait=True, timeout=HANG)
    later = controllers([gen.counted(gen.gate())], concurrency=gate)
    later.start()
    assert later.wait_for_warmup(WAIT)
    assert gate.status()["waiting"] == [] and gate.status()["running"] == []


def test_the_circular_import_retry_still_works_behind_the_gate(gen, controllers):
    """A module that fails "partially initialized" while another import was let in beside it
    (a stalled one) is retried once, alone, after that one ends."""
    blocked = gen.gate()
    slow = gen.blocking(blocked)
    runs = gen.gate()
    broken = gen.module("", "broken")
    (gen.root / f"{broken}.py").write_text(
        f"import {runs.__name__} as _runs\n_runs.runs.append(1)\n_runs.started.set()\n"
        f"from {broken} import NOPE\n")
    importlib.invalidate_caches()
    controller = controllers([slow, broken])  # the default gate: broken goes in past the stall
    controller.start()
    assert blocked.started.wait(WAIT) and runs.started.wait(WAIT)
    blocked.release.set()  # the retry waits for slow to end
    assert controller.wait_for_warmup(WAIT)
    record = controller.manager.canary_for(broken)
    assert record["status"] == "failed" and "partially initialized module" in record["error"]
    assert record["retried"] is not None and f"other imports in flight: {slow} on" \
        in record["retried"]
    assert runs.runs == [1, 1]  # imported twice, never more
    assert controller.gate.status()["running"] == []


def test_circular_modules_work_behind_the_gate(gen, controllers):
    second = gen.module("", "cycle_second")
    first = gen.module(f"import time\ntime.sleep(0)\nfrom {second} import X\nY = 2\n",
                       "cycle_first")
    (gen.root / f"{second}.py").write_text(f"import {first}\nX = 1\n")
    importlib.invalidate_caches()
    controller = controllers([first, second])
    controller.start()
    assert controller.wait_for_warmup(WAIT)
    assert controller.warmup_status()["completed"] == [first, second]


# --------------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize("value, error, words", [
    ("1", TypeError, "concurrency must be None, an int >= 0 .*got '1' \\(str\\)"),
    (True, TypeError, "concurrency must be None, an int >= 0 .*got True \\(bool\\)"),
    (1.5, TypeError, "concurrency must be None.*got 1.5 \\(float\\)"),
    (-1, ValueError, "concurrency must be >= 0, got -1"),
])
def test_bad_concurrency_is_refused_at_construction(value, error, words):
    with pytest.raises(error, match=r"WarmupController\(\): " + words):
        WarmupController(["json"], concurrency=value)


@pytest.mark.parametrize("kwargs, error, words", [
    ({"concurrency": 0}, ValueError, r"concurrency must be >= 1, got 0"),
    ({"concurrency": None}, TypeError, r"concurrency must be an int >= 1, got None"),
    ({"stall_cpu": 1.5}, ValueError, r"stall_cpu must be >= 0 and <= 1, got 1.5"),
    ({"stall_cpu": "0.1"}, TypeError, r"stall_cpu must be a number, got '0.1'"),
    ({"stall_window": 0}, ValueError, r"stall_window must be > 0, got 0"),
    ({"max_hold": -1.0}, ValueError, r"max_hold must be > 0, got -1.0"),
    ({"max_hold": math.nan}, ValueError, r"max_hold must be > 0, got nan"),
    ({"max_hold": False}, TypeError, r"max_hold must be a number, got False"),
    ({"switch_interval": 0}, ValueError, r"switch_interval must be > 0, got 0"),
    ({"frame_pause": -0.004}, ValueError, r"frame_pause must be > 0, got -0.004"),
    ({"switch_interval": "1ms"}, TypeError, r"switch_interval must be a number, got '1ms'"),
])
def test_bad_gate_settings_are_refused(kwargs, error, words):
    with pytest.raises(error, match=r"ImportGate\(\): " + words):
        ImportGate(**kwargs)


def test_make_gate():
    assert make_gate(None) is None and make_gate(0) is None
    gate = ImportGate(3)
    assert make_gate(gate) is gate
    assert make_gate(2).concurrency == 2
    assert repr(make_gate(1)) == "<ImportGate concurrency=1: 0 running, 0 waiting, 0 let past a stall>"


# ------------------------------------------------------------------------ switch interval
def test_switch_interval_is_set_while_an_import_runs_and_given_back(gen, controllers):
    host = sys.getswitchinterval()
    seen = gen.gate()
    names = [gen.module(f"import sys\nimport {seen.__name__} as _s\n"
                        f"_s.runs.append(sys.getswitchinterval())\n") for _ in range(3)]
    controller = controllers(names, concurrency=ImportGate(1, switch_interval=0.0015))
    controller.start()
    assert controller.wait_for_warmup(WAIT)
    assert seen.runs == [0.0015] * 3
    assert sys.getswitchinterval() == host


def test_switch_interval_the_host_set_meanwhile_is_kept(gen, controllers):
    host = sys.getswitchinterval()
    try:
        name = gen.module("import sys\nsys.setswitchinterval(0.003)\n")  # "the host", meanwhile
        controller = controllers([name], concurrency=ImportGate(1, switch_interval=0.0015))
        controller.start()
        assert controller.wait_for_warmup(WAIT)
        assert sys.getswitchinterval() == 0.003
    finally:
        sys.setswitchinterval(host)


def test_switch_interval_none_leaves_it_alone(gen, controllers):
    host = sys.getswitchinterval()
    seen = gen.gate()
    name = gen.module(f"import sys\nimport {seen.__name__} as _s\n"
                      f"_s.runs.append(sys.getswitchinterval())\n")
    controller = controllers([name], concurrency=ImportGate(1, switch_interval=None))
    controller.start()
    assert controller.wait_for_warmup(WAIT)
    assert seen.runs == [host]


def test_the_default_gate_imports_with_a_1ms_switch_interval_and_gives_it_back(gen, controllers):
    host = sys.getswitchinterval()
    assert host != 0.001
    seen = gen.gate()
    name = gen.module(f"import sys\nimport {seen.__name__} as _s\n"
                      f"_s.runs.append(sys.getswitchinterval())\n")
    controller = controllers([name])
    controller.start()
    assert controller.wait_for_warmup(WAIT)
    assert seen.runs == [0.001]
    assert sys.getswitchinterval() == host


def test_shutdown_gives_the_switch_interval_back_while_an_import_still_runs(gen, controllers):
    host = sys.getswitchinterval()
    gate = gen.gate()
    controller = controllers([gen.blocking(gate), gen.module("X = 1\n")])
    controller.start()
    assert gate.started.wait(WAIT)
    assert sys.getswitchinterval() == 0.001
    assert controller.shutdown(wait=False) is False  # the blocked import still runs
    assert sys.getswitchinterval() == host
    gate.release.set()
    assert controller.shutdown(wait=True, timeout=WAIT) is True
    assert sys.getswitchinterval() == host


# --------------------------------------------------------------------------- frame pause
def test_frame_pause_holds_the_import_at_its_next_nested_import_after_a_frame(gen, controllers):
    inner = gen.module("X = 1\n", "inner")
    seen = gen.gate()
    outer = gen.module(f"import time\nimport {seen.__name__} as _s\n"
                       f"_s.runs.append(time.perf_counter())\nimport {inner}\n"
                       f"_s.runs.append(time.perf_counter())\n", "outer")
    gate = ImportGate(1, frame_pause=0.2)
    finders = list(sys.meta_path)
    controller = controllers([outer], concurrency=gate)
    gate.note_frame()  # "a frame starts": the import's nested import waits until 0.2 s after it
    noted = time.perf_counter()
    controller.start()
    assert controller.wait_for_warmup(WAIT)
    before, after = seen.runs
    assert after >= noted + 0.2 - 0.005  # it slept until the frame's pause ended
    assert 0.0 < gate.status()["paused_s"] <= 0.2
    assert sys.meta_path == finders  # the finder left with the last import


def test_no_frame_noted_no_pause(gen, controllers):
    inner = gen.module("X = 1\n", "inner")
    outer = gen.module(f"import {inner}\n", "outer")
    gate = ImportGate(1, frame_pause=5.0)
    controller = controllers([outer], concurrency=gate)
    controller.start()
    assert controller.wait_for_warmup(WAIT)
    assert gate.status()["paused_s"] == 0.0


def test_controller_note_frame_reaches_its_gate(gen, controllers):
    inner = gen.module("X = 1\n", "inner")
    outer = gen.module(f"import {inner}\n", "outer")
    controller = controllers([outer])  # the default gate pauses FRAME_PAUSE_SECONDS per frame
    controller.note_frame()
    controller.start()
    assert controller.wait_for_warmup(WAIT)
    assert 0.0 < controller.gate.status()["paused_s"] <= FRAME_PAUSE_SECONDS
    free = controllers([], concurrency=None)
    free.note_frame()  # no gate: nothing to tell, and no error
