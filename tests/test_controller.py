"""WarmupController: the facade an app owns: start once, delegate, require_warmed, pool, profiler."""

from __future__ import annotations

import importlib
import math
import sys
import threading
import uuid
from concurrent.futures import Future

import pytest
from modgen import HANG, Gen, controllers, gen  # noqa: F401 - shared modules and the gen/controllers fixtures

from imwarmup import NotWarmedError, StartupProfiler, WarmupController
from imwarmup.core.report import format_text_report
from imwarmup.widgets.status_line import status_line

WAIT = 5.0


def pool_threads(prefix: str = "controller-io") -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(prefix + "-")]


# ---------------------------------------------------------------------------------- lifecycle
def test_init_starts_nothing(controllers):
    prefix = f"idle-{uuid.uuid4().hex[:6]}"
    before = set(threading.enumerate())
    controller = controllers(["json"], thread_name_prefix=prefix)
    assert set(threading.enumerate()) - before == set(), "__init__ started a thread"
    assert pool_threads(prefix) == []
    assert controller.started is False
    assert controller.canaries() == []
    assert controller.warmup_status() == {"pending": [], "completed": [], "failed": [], "cancelled": []}
    assert controller.io_pool_status()["workers"] == []
    assert controller.io_pool_status()["jobs_submitted"] == 0


def test_start_submits_the_warmup_once(controllers):
    controller = controllers(["json", "os"], max_workers=2)
    assert controller.start() is controller
    assert controller.started is True
    with pytest.raises(RuntimeError, match="already started"):
        controller.start()
    assert controller.wait_for_warmup(WAIT) is True
    assert sorted(controller.warmup_status()["completed"]) == ["json", "os"]
    assert [c["module"] for c in controller.canaries()] == ["json", "os"]
    assert {c["thread_name"] for c in controller.canaries()} <= {"controller-io-0",
                                                                 "controller-io-1"}


def test_bad_arguments_are_refused_at_construction():
    with pytest.raises(TypeError, match="'numpy'"):
        WarmupController("numpy")
    with pytest.raises(ValueError, match=r"max_workers.*0"):
        WarmupController(["json"], max_workers=0)
    with pytest.raises(TypeError, match=r"max_workers.*None"):
        WarmupController(["json"], max_workers=None)


def test_a_million_workers_is_refused_before_any_thread_starts():
    before = threading.active_count()
    with pytest.raises(ValueError, match=r"max_workers must be at most 64, got 1000000"):
        WarmupController([f"m{i}" for i in range(300)], max_workers=10**6)
    assert threading.active_count() == before


@pytest.mark.parametrize(
    "timeout, exc",
    [(math.nan, ValueError), (-1, ValueError), (True, TypeError), ("2", TypeError)],
    ids=["nan", "negative", "bool", "str"],
)
def test_a_bad_wait_for_warmup_timeout_is_refused_naming_the_value(controllers, timeout, exc):
    controller = controllers(["json"]).start()
    assert controller.wait_for_warmup(WAIT)
    with pytest.raises(exc, match=r"wait_for_warmup\(\): timeout") as info:
        controller.wait_for_warmup(timeout)
    assert repr(timeout) in str(info.value)


@pytest.mark.parametrize("timeout", [math.inf, 1e20, 10**400], ids=["inf", "1e20", "10**400"])
def test_a_huge_wait_for_warmup_timeout_means_no_limit(gen, controllers, timeout):
    gate = gen.gate()
    slow = gen.blocking(gate)
    controller = controllers([slow])
    waiting = threading.Event()
    manager = controller.manager
    original_wait = manager._changed.wait

    def wait(timeout=None):  # tells the test when wait_for_warmup() blocks, then blocks
        waiting.set()
        return original_wait(timeout)

    manager._changed.wait = wait
    controller.start()
    assert gate.started.wait(WAIT)
    releaser = threading.Thread(target=lambda: waiting.wait(WAIT) and gate.release.set(),
                                daemon=True)
    releaser.start()
    assert controller.wait_for_warmup(timeout) is True
    releaser.join(WAIT)


def test_add_modules_before_start_only(controllers):
    controller = controllers(["json"])
    controller.add_modules(["os", "json"])
    assert controller.modules == ["json", "os"]
    controller.start()
    with pytest.raises(RuntimeError, match="already started"):
        controller.add_modules(["sys"])
    assert controller.wait_for_warmup(WAIT)


def test_context_manager_gives_the_controller_and_shuts_it_down():
    prefix = f"ctx-{uuid.uuid4().hex[:6]}"
    with WarmupController(["json"], thread_name_prefix=prefix, log_to_stderr=False) as controller:
        assert isinstance(controller, WarmupController)
        controller.start()
        assert controller.wait_for_warmup(WAIT)
        assert pool_threads(prefix)
    assert controller.io_pool_status()["shutdown"] is True
    assert pool_threads(prefix) == []  # shutdown(wait=True) joined the workers
    with pytest.raises(RuntimeError):
        controller.submit_job(lambda: None)
    with pytest.raises(RuntimeError, match="shut down"):
        controller.start()


def test_shutdown_cancels_queued_warmup_jobs(gen, controllers):
    gate = gen.gate()
    slow = gen.blocking(gate)
    controller = controllers([slow, "json"], max_workers=1)
    controller.start()
    assert gate.started.wait(WAIT)
    controller.shutdown(wait=False)
    records = {c["module"]: c for c in controller.canaries()}
    assert records["json"]["status"] == "cancelled" and records["json"]["start_ts"] is None
    assert records[slow]["status"] == "running"
    gate.release.set()
    controller.pool.shutdown(wait=True)
    assert controller.wait_for_warmup(WAIT)
    assert controller.warmup_status() == {"pending": [], "completed": [slow], "failed": [],
                                          "cancelled": ["json"]}
    controller.shutdown()  # a second shutdown is a no-op


def test_shutdown_without_wait_accounts_for_every_submitted_module(gen, capsys):
    """8 modules on 2 workers, shut down while 2 import: the 6 queued ones are cancelled, and
    the status, the status bar, the log summary and the report all say so."""
    gates = [gen.gate(), gen.gate()]
    running = [gen.blocking(gate) for gate in gates]
    queued = gen.modules(6, "VALUE = 1")
    controller = WarmupController(running + queued, max_workers=2, log_to_stderr=True)
    try:
        controller.start()
        assert all(gate.started.wait(WAIT) for gate in gates)
        controller.shutdown(wait=False)
        status = controller.warmup_status()
        assert status == {"pending": running, "completed": [], "failed": [], "cancelled": queued}
        assert status_line(status).text == "Warming up... (6/8), 6 cancelled"
        gen.release_all()
        assert controller.wait_for_warmup(WAIT)
        assert controller.manager.wait_quiet(WAIT)
        status = controller.warmup_status()
        status["completed"].sort()  # in the order the two workers finished
        assert status == {"pending": [], "completed": running, "failed": [], "cancelled": queued}
        assert status_line(status).text == "Imports ready, 6 cancelled"
        assert "8 modules, 2 completed, 6 cancelled" in format_text_report(
            controller.canaries(), now=controller.canaries()[-1]["end_ts"])
        err = capsys.readouterr().err.splitlines()
        [cancel_line] = [line for line in err if "cancelled 6" in line]
        assert cancel_line == (
            "[warmup] cancelled 6 queued modules (the pool shut down before they started): "
            + ", ".join(queued))
        assert err[-1].startswith("[warmup done] 8 modules: 2 completed, 0 failed, 6 cancelled")
    finally:
        gen.release_all()
        assert controller.shutdown(wait=True, timeout=WAIT)


# ------------------------------------------------------------------------------- delegation
def test_on_warmup_complete_runs_once_on_a_worker(controllers):
    controller = controllers(["json"], max_workers=1)
    calls = []
    fired = threading.Event()
    controller.on_warmup_complete(lambda status: (calls.append(
        (threading.current_thread().name, status)), fired.set()))
    controller.start()
    assert fired.wait(WAIT)
    assert calls == [("controller-io-0",
                      {"pending": [], "completed": ["json"], "failed": [], "cancelled": []})]
    late = []
    controller.on_warmup_complete(late.append)
    assert late == [controller.warmup_status()]


def test_injected_clock_reaches_canaries_and_profiler(controllers):
    controller = controllers(["json"], clock=lambda: 500.0, max_workers=1)
    assert controller.profiler.origin == 500.0
    controller.start()
    assert controller.wait_for_warmup(WAIT)
    record = controller.canaries()[0]
    assert record["submit_ts"] == record["start_ts"] == record["end_ts"] == 500.0


# ---------------------------------------------------------------------------- require_warmed
def test_require_warmed_returns_the_sys_modules_entry(controllers):
    controller = controllers(["json", "email.mime.text"])
    controller.start()
    assert controller.wait_for_warmup(WAIT)
    assert controller.require_warmed("json") is sys.modules["json"]
    assert controller.require_warmed("email.mime.text") is sys.modules["email.mime.text"]


def test_require_warmed_never_imports_a_module_that_was_not_warmed(gen, controllers):
    importable = gen.module("VALUE = 1", "never")
    controller = controllers(["json"])
    controller.start()
    assert controller.wait_for_warmup(WAIT)
    with pytest.raises(NotWarmedError) as info:
        controller.require_warmed(importable)
    assert isinstance(info.value, RuntimeError)
    assert importable in str(info.value) and "not warmed" in str(info.value)
    assert info.value.module == importable and info.value.status == "not warmed"
    assert importable not in sys.modules, "require_warmed must never import"
    # the module is importable: the error came from require_warmed, not a missing file
    assert importlib.util.find_spec(importable) is not None


def test_require_warmed_before_start(controllers):
    controller = controllers(["json"])
    with pytest.raises(NotWarmedError, match="'json'"):
        controller.require_warmed("json")


def test_require_warmed_while_running_or_queued(gen, controllers):
    gate = gen.gate()
    slow = gen.blocking(gate)
    controller = controllers([slow, "json"], max_workers=1)
    controller.start()
    assert gate.started.wait(WAIT)

    with pytest.raises(NotWarmedError) as info:
        controller.require_warmed(slow)
    assert "running" in str(info.value) and slow in str(info.value)
    assert info.value.status == "running"

    with pytest.raises(NotWarmedError) as info:
        controller.require_warmed("json")  # queued behind the slow one
    assert "running" in str(info.value) and "queued" in str(info.value)

    gate.release.set()
    assert controller.wait_for_warmup(WAIT)
    assert controller.require_warmed(slow) is sys.modules[slow]


def test_require_warmed_on_a_failed_module_gives_the_error(gen, controllers):
    bad = gen.module("raise ImportError('provider SDK missing')", "bad")
    controller = controllers([bad])
    controller.start()
    assert controller.wait_for_warmup(WAIT)
    with pytest.raises(NotWarmedError) as info:
        controller.require_warmed(bad)
    message = str(info.value)
    assert "failed" in message and "ImportError: provider SDK missing" in message
    assert info.value.status == "failed"
    assert info.value.error == "ImportError: provider SDK missing"
    assert bad not in sys.modules


def test_require_warmed_on_a_cancelled_module(gen, controllers):
    gate = gen.gate()
    slow = gen.blocking(gate)
    controller = controllers([slow, "json"], max_workers=1)
    controller.start()
    assert gate.started.wait(WAIT)
    controller.manager.reset()
    with pytest.raises(NotWarmedError, match="cancelled") as info:
        controller.require_warmed("json")
    assert info.value.status == "cancelled"


def test_require_warmed_never_reimports_a_module_removed_from_sys_modules(gen, controllers):
    warm = gen.module("VALUE = 1", "warm")
    controller = controllers([warm])
    controller.start()
    assert controller.wait_for_warmup(WAIT)
    del sys.modules[warm]
    with pytest.raises(NotWarmedError, match="missing from sys.modules"):
        controller.require_warmed(warm)
    assert warm not in sys.modules


@pytest.mark.parametrize("name", [None, "", 3])
def test_require_warmed_needs_a_module_name(controllers, name):
    with pytest.raises(TypeError, match="name"):
        controllers().require_warmed(name)


def test_require_warmed_numpy_for_real(controllers):
    controller = controllers(["numpy"])
    controller.start()
    assert controller.wait_for_warmup(60)
    np = controller.require_warmed("numpy")
    assert np is sys.modules["numpy"] and int(np.arange(4).sum()) == 6
    record = controller.canaries()[0]
    assert record["status"] == "completed" and record["thread_name"].startswith("controller-io-")


# ------------------------------------------------------------------------------ background
def test_submit_job_works_before_start_on_the_pool(controllers):
    controller = controllers(["json"], max_workers=2)
    future = controller.submit_job(lambda a, *, b: (a + b, threading.current_thread().name),
                                   1, b=2)
    assert isinstance(future, Future)
    total, thread = future.result(timeout=WAIT)
    assert total == 3 and thread in ("controller-io-0", "controller-io-1")
    assert controller.started is False
    assert controller.warmup_status() == {"pending": [], "completed": [], "failed": [], "cancelled": []}


def test_a_waiting_shutdown_runs_the_apps_queued_jobs_and_cancels_queued_imports(
        gen, controllers):
    gate = gen.gate()
    slow = gen.blocking(gate)
    controller = controllers([slow, "json"], max_workers=1).start()
    assert gate.started.wait(WAIT)
    job = controller.submit_job(lambda: "ran")  # queued behind the blocked import
    assert controller.shutdown(wait=True, timeout=0) is False  # the import still runs
    assert controller.manager.canary_for("json")["status"] == "cancelled"
    assert controller.io_pool_status()["jobs_queued"] == 1  # the app's job, not json's
    gate.release.set()
    assert controller.shutdown(wait=True, timeout=WAIT) is True
    assert job.result(timeout=0) == "ran"
    assert controller.dropped_jobs == []


def test_a_job_submitted_just_before_shutdown_is_never_dropped(controllers):
    for _ in range(50):  # it used to be cancelled when no worker had taken it yet
        controller = controllers(max_workers=2)
        job = controller.submit_job(threading.current_thread)
        assert controller.shutdown(wait=True, timeout=WAIT) is True
        assert job.result(timeout=0).name.startswith("controller-io-")


def queued_job_one():
    return 1


def queued_job_two():
    return 2


def test_shutdown_without_wait_drops_the_apps_queued_jobs_and_reports_each(gen, capsys):
    gate = gen.gate()
    slow = gen.blocking(gate)
    controller = WarmupController([slow, "json"], max_workers=1, log_to_stderr=True).start()
    try:
        assert gate.started.wait(WAIT)
        one, two = controller.submit_job(queued_job_one), controller.submit_job(queued_job_two)
        capsys.readouterr()
        assert controller.shutdown(wait=False) is False
        names = [f"{__name__}.queued_job_one", f"{__name__}.queued_job_two"]
        assert [name for name, _ in controller.dropped_jobs] == names
        assert [future for _, future in controller.dropped_jobs] == [one, two]
        assert one.cancelled() and two.cancelled()
        err = capsys.readouterr().err.splitlines()
        for name in names:
            assert (f"[imwarmup] shutdown: dropped the queued job {name}: it never ran "
                    f"(shutdown(wait=False)); its future is cancelled") in err
        assert controller.io_pool_status()["jobs_queued"] == 0
    finally:
        gate.release.set()
        assert controller.shutdown(wait=True, timeout=WAIT) is True
    assert len(controller.dropped_jobs) == 2  # a later call adds nothing: nothing was queued


def test_io_pool_status_fields(gen, controllers):
    gate = gen.gate()
    controller = controllers(max_workers=2, thread_name_prefix="svc-io")
    status = controller.io_pool_status()
    assert {"max_workers", "thread_name_prefix", "workers", "jobs_running",
            "jobs_queued"} <= set(status)
    assert (status["max_workers"], status["thread_name_prefix"]) == (2, "svc-io")
    assert (status["workers"], status["jobs_running"], status["jobs_queued"]) == ([], 0, 0)

    barrier = threading.Barrier(3, timeout=WAIT)
    running = [controller.submit_job(lambda: (barrier.wait(), gate.release.wait(WAIT)))
               for _ in range(2)]
    queued = [controller.submit_job(lambda: None) for _ in range(3)]
    barrier.wait()  # both workers are inside their job
    status = controller.io_pool_status()
    assert status["workers"] == ["svc-io-0", "svc-io-1"]
    assert (status["jobs_running"], status["jobs_queued"]) == (2, 3)
    gate.release.set()
    for future in running + queued:
        future.result(timeout=WAIT)
    status = controller.io_pool_status()
    assert (status["jobs_running"], status["jobs_queued"]) == (0, 0)


def test_service_pool_is_named_and_shut_down_with_the_controller(controllers):
    controller = controllers()
    pool = controller.service_pool("hooks")
    assert pool.submit(lambda: threading.current_thread().name).result(WAIT) == \
        "controller-hooks-0"
    controller.shutdown()
    assert pool.status()["shutdown"] is True
    with pytest.raises(RuntimeError, match="shut down"):
        controller.service_pool("late")


# -------------------------------------------------------------------------------- profiler
def test_warmup_jobs_appear_as_async_phases_in_the_profiler(gen, controllers):
    bad = gen.module("raise ImportError('nope')", "bad")
    controller = controllers(["json", bad], max_workers=2)
    assert isinstance(controller.profiler, StartupProfiler)
    with controller.profiler.phase("app.init"):
        controller.start()
        assert controller.wait_for_warmup(WAIT)
    # no extra waiting: once warmup is done, every job's phase is in the profiler
    phases = {p["name"]: p for p in controller.profiler.report()["phases"]}
    assert phases["app.init"]["kind"] == "sequential"
    for name in ("json", bad):
        phase = phases[f"warmup:{name}"]
        assert phase["kind"] == "async"
        assert phase["duration_ms"] >= 0 and phase["start_ms"] >= 0
        assert phase["thread"].startswith("controller-io-")
    assert phases[f"warmup:{bad}"]["error"] == "ImportError: nope"
    report = controller.profiler.format_report()
    assert "warmup:json" in report and "Async phases" in report


# ------------------------------------------------------------------- messages and repr
def test_on_warmup_complete_refuses_a_non_callable_naming_itself(controllers):
    controller = controllers(["json"])
    with pytest.raises(TypeError, match=r"^on_warmup_complete\(\): callback must be callable "
                                        r"\(it is called with the warmup status\), got 3$"):
        controller.on_warmup_complete(3)


def test_submit_job_after_shutdown_says_so_naming_the_job(controllers):
    controller = controllers()
    controller.shutdown()

    def build_cache():
        pass

    with pytest.raises(RuntimeError, match=r"^submit_job\(\): the controller is shut down, so "
                                           r".*build_cache cannot run; submit jobs before "
                                           r"shutdown\(\) \(or before leaving the with-block\)$"):
        controller.submit_job(build_cache)


def test_repr_shows_state_modules_counts_and_workers(gen, controllers):
    bad = gen.module("raise ImportError('nope')", "bad")
    controller = controllers(["json", bad], max_workers=2)
    assert repr(controller) == (
        "<WarmupController not started: 2 modules, 0 done, 0 pending, workers 0/2>"
    )
    controller.start()
    assert controller.wait_for_warmup(WAIT)
    workers = len(controller.io_pool_status()["workers"])
    assert repr(controller) == (
        f"<WarmupController done: 2 modules, 2 done (1 failed), 0 pending, workers {workers}/2>"
    )
    controller.shutdown()
    assert repr(controller) == (
        "<WarmupController shut down: 2 modules, 2 done (1 failed), 0 pending, workers 0/2>"
    )
