"""Each canary carries its importing thread's CPU time (``cpu_ms``) beside its wall time
(``elapsed_ms``): what the import did itself, and (the difference) what it spent waiting.

The modules here burn or idle a known amount: one sleeps 200 ms (a wait, nearly no CPU), one
spins until its own thread has used 150 ms of CPU (own work, whatever the machine's load).
"""

from __future__ import annotations

import pytest
from modgen import Gen, gen  # noqa: F401 - shared generated modules and the gen fixture

from imwarmup import WarmupManager, make_io_pool
from imwarmup.core.manager import CANARY_FIELDS

WAIT = 30.0  # bound on every wait in a passing test

SLEEPER = """
import time
time.sleep(0.2)
"""
SPINNER = """
import time
_end = time.thread_time() + 0.15
while time.thread_time() < _end:
    pass
"""


@pytest.fixture
def manager():
    pool = make_io_pool(2, "controller-io")
    yield WarmupManager(pool, log_to_stderr=False)
    pool.shutdown(wait=True, cancel_futures=True)


def by_module(manager: WarmupManager) -> dict[str, dict]:
    return {c["module"]: c for c in manager.canaries()}


def test_cpu_ms_is_a_canary_field():
    assert "cpu_ms" in CANARY_FIELDS
    assert CANARY_FIELDS.index("cpu_ms") == CANARY_FIELDS.index("elapsed_ms") + 1


def test_a_sleeping_import_is_mostly_waiting(gen: Gen, manager: WarmupManager):
    sleeper = gen.module(SLEEPER, "sleeper")
    manager.submit([sleeper])
    assert manager.wait(WAIT)
    c = by_module(manager)[sleeper]
    assert c["status"] == "completed"
    assert c["elapsed_ms"] >= 200.0
    assert 0.0 <= c["cpu_ms"] < 50.0, c           # the sleep costs no CPU
    assert c["elapsed_ms"] - c["cpu_ms"] >= 160.0  # waiting ~ the 200 ms sleep


def test_a_busy_import_is_mostly_own_work(gen: Gen, manager: WarmupManager):
    spinner = gen.module(SPINNER, "spinner")
    manager.submit([spinner])
    assert manager.wait(WAIT)
    c = by_module(manager)[spinner]
    assert c["status"] == "completed"
    assert c["cpu_ms"] >= 150.0, c                 # what the module burned on its thread
    assert c["cpu_ms"] <= c["elapsed_ms"] + 1.0    # never more than the wall time it took


def test_side_by_side_each_gets_its_own_figure(gen: Gen, manager: WarmupManager):
    """On two workers at once: the sleeper's CPU is not the spinner's (per thread, not process)."""
    sleeper, spinner = gen.module(SLEEPER, "sleeper"), gen.module(SPINNER, "spinner")
    manager.submit([sleeper, spinner])
    assert manager.wait(WAIT)
    records = by_module(manager)
    assert records[sleeper]["cpu_ms"] < 50.0
    assert records[spinner]["cpu_ms"] >= 150.0


def test_failed_import_has_cpu_and_cancelled_has_none(gen: Gen):
    pool = make_io_pool(1, "controller-io")
    manager = WarmupManager(pool, log_to_stderr=False)
    broken = gen.module(SPINNER + "\nraise RuntimeError('boom')\n", "broken")
    gate = gen.gate()
    blocker = gen.blocking(gate)
    queued = gen.module("", "queued")
    manager.submit([broken, blocker, queued])
    assert gate.started.wait(WAIT)
    manager.cancel_queued()
    gate.release.set()
    assert manager.wait(WAIT)
    pool.shutdown(wait=True)
    records = by_module(manager)
    assert records[broken]["status"] == "failed" and records[broken]["cpu_ms"] >= 150.0
    assert records[queued]["status"] == "cancelled" and records[queued]["cpu_ms"] is None


def test_running_canary_has_no_cpu_yet(gen: Gen, manager: WarmupManager):
    gate = gen.gate()
    blocker = gen.blocking(gate)
    manager.submit([blocker])
    assert gate.started.wait(WAIT)
    assert by_module(manager)[blocker]["cpu_ms"] is None
    gate.release.set()
    assert manager.wait(WAIT)
    assert by_module(manager)[blocker]["cpu_ms"] is not None


def test_the_hook_api_serves_cpu_ms_beside_elapsed_ms(gen: Gen):
    """/api/canaries gains the key and nothing else in its shape changes."""
    from imwarmup.core.controller import WarmupController
    from imwarmup.core.hooks import HookClient, HookServer

    spinner = gen.module(SPINNER, "spinner")
    with WarmupController([spinner], log_to_stderr=False) as controller:
        controller.start()
        assert controller.wait_for_warmup(WAIT)
        with HookServer(controller) as server:
            [served] = HookClient(server.url).canaries()
        [local] = controller.canaries()
    assert set(served) == set(local) == set(CANARY_FIELDS)
    assert served["cpu_ms"] == local["cpu_ms"] and served["cpu_ms"] >= 150.0
    assert served["elapsed_ms"] == local["elapsed_ms"]
