"""make_io_pool: worker names are the Gantt chart's lanes, bad sizes are refused, jobs are counted,
workers are daemons that a shutdown can leave behind (with a timeout) and never hold exit."""

from __future__ import annotations

import functools
import gc
import math
import threading
import time
from concurrent.futures import Executor, Future

import pytest

from imwarmup import make_io_pool

WAIT = 5.0  # seconds; every wait is bounded so a broken pool fails instead of hanging


@pytest.fixture
def pools():
    """Make pools with ``pools(...)``; all are shut down after the test."""
    made = []

    def make(*args, **kwargs):
        pool = make_io_pool(*args, **kwargs)
        made.append(pool)
        return pool

    yield make
    for pool in made:
        pool.shutdown(wait=True, cancel_futures=True)


def _names_of_all_workers(pool, n):
    """Run ``n`` jobs that meet at a barrier, so the pool must start ``n`` distinct workers."""
    barrier = threading.Barrier(n, timeout=WAIT)

    def job():
        barrier.wait()
        return threading.current_thread().name

    futures = [pool.submit(job) for _ in range(n)]
    return sorted(f.result(timeout=WAIT) for f in futures)


def test_default_pool_is_an_executor_with_four_workers_named_controller_io(pools):
    pool = pools()
    assert isinstance(pool, Executor)
    names = _names_of_all_workers(pool, 4)
    assert names == ["controller-io-0", "controller-io-1", "controller-io-2", "controller-io-3"]
    status = pool.status()
    assert status["max_workers"] == 4
    assert status["thread_name_prefix"] == "controller-io"
    assert status["workers"] == names


def test_custom_prefix_names_workers_prefix_dash_index(pools):
    pool = pools(2, "my-pool")
    assert _names_of_all_workers(pool, 2) == ["my-pool-0", "my-pool-1"]


def test_prefix_with_underscore_keeps_it_and_still_uses_a_dash(pools):
    pool = pools(thread_name_prefix="io_pool", max_workers=2)
    assert _names_of_all_workers(pool, 2) == ["io_pool-0", "io_pool-1"]


def test_never_more_workers_than_max_workers(pools):
    pool = pools(2)
    names = {f.result(timeout=WAIT) for f in
             [pool.submit(lambda: threading.current_thread().name) for _ in range(50)]}
    assert names <= {"controller-io-0", "controller-io-1"}


@pytest.mark.parametrize(
    "value, exc",
    [
        (None, TypeError),
        (2.0, TypeError),
        (4.5, TypeError),
        (0, ValueError),
        (-1, ValueError),
        (True, TypeError),
        (False, TypeError),
        ("4", TypeError),
        (65, ValueError),
        (10**6, ValueError),
    ],
)
def test_bad_max_workers_is_refused_with_a_message_naming_it_and_the_value(value, exc):
    with pytest.raises(exc) as info:
        make_io_pool(value)
    message = str(info.value)
    assert "max_workers" in message
    assert repr(value) in message


@pytest.mark.parametrize("value", [65, 10**6])
def test_a_pool_larger_than_64_workers_is_refused_saying_the_bound_and_why(value):
    with pytest.raises(ValueError, match=r"max_workers must be at most 64, got \d+; imports take "
                                         r"turns on the interpreter lock"):
        make_io_pool(value)


def test_64_workers_is_the_largest_pool(pools):
    assert pools(64).max_workers == 64


@pytest.mark.parametrize("prefix, exc", [(None, TypeError), (7, TypeError), ("", ValueError)])
def test_bad_prefix_is_refused(prefix, exc):
    with pytest.raises(exc, match="thread_name_prefix"):
        make_io_pool(2, prefix)


def test_status_counts_running_and_queued_jobs(pools):
    pool = pools(1)
    started, release = threading.Event(), threading.Event()

    def blocker():
        started.set()
        assert release.wait(WAIT)

    first = pool.submit(blocker)
    assert started.wait(WAIT)
    queued = [pool.submit(lambda: None) for _ in range(2)]
    status = pool.status()
    assert (status["jobs_running"], status["jobs_queued"]) == (1, 2)
    assert status["workers"] == ["controller-io-0"]

    assert queued[1].cancel()  # a cancelled job leaves the queue count
    assert pool.status()["jobs_queued"] == 1

    release.set()
    first.result(timeout=WAIT)
    queued[0].result(timeout=WAIT)
    status = pool.status()
    assert (status["jobs_running"], status["jobs_queued"]) == (0, 0)
    assert status["jobs_submitted"] == 3


def test_status_is_a_fresh_copy(pools):
    pool = pools(1)
    status = pool.status()
    status["workers"].append("intruder")
    assert "intruder" not in pool.status()["workers"]


def test_submit_needs_a_callable(pools):
    pool = pools(1)
    with pytest.raises(TypeError, match="callable"):
        pool.submit("not callable")
    assert pool.status()["jobs_queued"] == 0


def test_job_result_and_exception_pass_through(pools):
    pool = pools(1)
    assert pool.submit(lambda a, b=0: a + b, 2, b=3).result(timeout=WAIT) == 5
    with pytest.raises(ZeroDivisionError):
        pool.submit(lambda: 1 / 0).result(timeout=WAIT)
    status = pool.status()
    assert (status["jobs_running"], status["jobs_queued"]) == (0, 0)


def test_shutdown_cancels_queued_jobs_and_their_count(pools):
    pool = pools(1)
    started, release = threading.Event(), threading.Event()

    def blocker():
        started.set()
        release.wait(WAIT)

    pool.submit(blocker)
    assert started.wait(WAIT)
    queued = pool.submit(lambda: None)
    pool.shutdown(wait=False, cancel_futures=True)
    assert queued.cancelled()
    assert pool.status()["jobs_queued"] == 0
    assert pool.status()["shutdown"] is True
    release.set()
    pool.shutdown(wait=True)


def test_drop_queued_cancels_waiting_jobs_and_names_those_it_cancelled(pools):
    pool = pools(1)
    started, release = threading.Event(), threading.Event()
    running = pool.submit(lambda: (started.set(), release.wait(WAIT)))
    assert started.wait(WAIT)
    owned = pool.submit(lambda: None)
    owned.cancel()  # its owner cancelled it before: not this call's doing
    queued = pool.submit(functools.partial(math.sqrt, 4.0))
    [(name, future)] = pool.drop_queued()
    assert (name, future) == ("math.sqrt", queued) and queued.cancelled()
    assert not running.done() and pool.status()["jobs_queued"] == 0
    release.set()
    assert running.result(timeout=WAIT)


def test_drop_queued_can_keep_some_jobs_and_refuses_a_bad_keep(pools):
    pool = pools(1)
    started, release = threading.Event(), threading.Event()
    pool.submit(lambda: (started.set(), release.wait(WAIT)))
    assert started.wait(WAIT)
    kept = pool.submit(math.floor, 2.5)
    dropped = pool.submit(math.ceil, 2.5)
    with pytest.raises(TypeError, match=r"drop_queued\(\): keep must be None or a callable.*'no'"):
        pool.drop_queued(keep="no")
    assert [name for name, _ in pool.drop_queued(keep=lambda fn: fn is math.floor)] == [
        "math.ceil"]
    assert dropped.cancelled() and not kept.cancelled()
    release.set()
    assert kept.result(timeout=WAIT) == 2


# ------------------------------------------------------------------ an executor that never holds exit
def test_submit_returns_a_concurrent_futures_future_run_on_a_daemon_worker(pools):
    pool = pools(1)
    future = pool.submit(lambda: threading.current_thread())
    assert isinstance(future, Future)
    worker = future.result(timeout=WAIT)
    assert worker.name == "controller-io-0"
    assert worker.daemon, "a non-daemon worker would hold interpreter exit"


def test_workers_start_lazily_and_an_idle_one_is_reused(pools):
    pool = pools(4)
    assert pool.status()["workers"] == []
    names = [pool.submit(lambda: threading.current_thread().name).result(timeout=WAIT)
             for _ in range(20)]
    assert set(names) == {"controller-io-0"}
    assert pool.status()["workers"] == ["controller-io-0"]


def test_shutdown_without_wait_returns_at_once_while_a_job_blocks(pools):
    pool = pools(1)
    started, release = threading.Event(), threading.Event()
    blocked = pool.submit(lambda: (started.set(), release.wait(WAIT)))
    assert started.wait(WAIT)
    assert pool.shutdown(wait=False) is False  # the blocked worker still runs
    assert not blocked.done()
    release.set()
    assert pool.shutdown(wait=True, timeout=WAIT) is True
    assert pool.status()["workers"] == []


def test_shutdown_with_a_timeout_gives_up_on_a_blocked_job_and_says_so(pools):
    pool = pools(2)
    started, release = threading.Event(), threading.Event()
    pool.submit(lambda: (started.set(), release.wait(WAIT)))
    assert started.wait(WAIT)
    begin = time.monotonic()
    assert pool.shutdown(wait=True, timeout=0.2) is False
    assert 0.15 <= time.monotonic() - begin < 2.0
    release.set()
    assert pool.shutdown(wait=True, timeout=WAIT) is True


@pytest.mark.parametrize(
    "timeout, exc",
    [(-1, ValueError), (-0.5, ValueError), (math.nan, ValueError), ("1", TypeError),
     (True, TypeError), ([1], TypeError)],
)
def test_bad_shutdown_timeout_is_refused_with_its_value(pools, timeout, exc):
    pool = pools(1)
    with pytest.raises(exc, match="timeout") as info:
        pool.shutdown(wait=True, timeout=timeout)
    assert repr(timeout) in str(info.value)
    assert pool.status()["shutdown"] is False  # a refused call changed nothing


@pytest.mark.parametrize("timeout", [1e20, 10**400], ids=["1e20", "10**400"])
def test_a_huge_shutdown_timeout_means_no_limit(pools, timeout):
    pool = pools(1)
    pool.submit(lambda: None).result(timeout=WAIT)  # one live worker for shutdown to join
    assert pool.shutdown(wait=True, timeout=timeout) is True


def test_a_pool_dropped_without_shutdown_lets_its_idle_workers_go(pools):
    pool = make_io_pool(2, "dropped-pool")
    worker = pool.submit(threading.current_thread).result(timeout=WAIT)
    del pool
    gc.collect()
    worker.join(WAIT)
    assert not worker.is_alive()


def test_submit_after_shutdown_says_so_naming_the_pool_and_the_job(pools):
    pool = pools(1, "late-pool")
    pool.shutdown()
    with pytest.raises(RuntimeError, match=r"^IOPool.submit\(\): the pool 'late-pool' is shut "
                                           r"down, so builtins.print cannot run; submit jobs "
                                           r"before shutdown\(\)$"):
        pool.submit(print)
