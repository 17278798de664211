"""The background thread pool: daemon workers named ``<prefix>-<index>`` that never hold exit.

Why not ``concurrent.futures.ThreadPoolExecutor``: its workers are joined at interpreter exit, so
an app closed while a 30 s import runs stays alive until the import ends, or forever if it never
returns. This pool's workers are daemon threads: at exit the interpreter leaves them where they
are (the controller prints one line per import it abandons). Everything else is what callers
expect from an executor: :class:`IOPool` is a ``concurrent.futures.Executor``, ``submit()``
returns a ``concurrent.futures.Future``, ``shutdown(wait=..., cancel_futures=...)`` works as
usual and can also take a ``timeout``.

Workers are made lazily, one per submitted job up to ``max_workers``; idle ones are reused.
Their names are the Gantt chart's lanes (``controller-io-0`` ...). The pool counts its queued and
running jobs, which ``io_pool_status()`` reports. This module is the one place in the package
that makes threads.
"""

from __future__ import annotations

import numbers
import os
import sys
import threading
import time
import weakref
from collections import deque
from concurrent.futures import Executor, Future
from typing import Any, Callable

__all__ = [
    "IOPool", "make_io_pool", "validate_timeout", "job_name", "NO_LIMIT_ABOVE_SECONDS",
    "MAX_WORKERS",
]

# The most worker threads one pool may have. Imports run one at a time under the interpreter
# lock (and per-module import locks), so warmup stops getting faster after a few workers; a huge
# value only makes threads (max_workers=10**6 made 301 threads for 300 modules).
MAX_WORKERS = 64

# Only Linux applies setpriority(PRIO_PROCESS, tid) to one thread; elsewhere it would renice
# the whole process, so there the option does nothing.
_CAN_NICE_THREADS = sys.platform.startswith("linux")


# A timeout above this waits for ever: the lock primitives refuse anything above
# threading.TIMEOUT_MAX ("OverflowError: timestamp out of range"; ~292 years on Linux, ~49 days
# on Windows), and half of it leaves room for the deadline arithmetic around a wait.
NO_LIMIT_ABOVE_SECONDS = threading.TIMEOUT_MAX / 2


def validate_timeout(timeout: Any, where: str) -> float | None:
    """Check a ``timeout`` argument: ``None`` (no limit) or a number of seconds ``>= 0``.

    Returns:
        ``timeout`` as a float, or ``None`` for no limit: ``math.inf`` and anything above
        ``NO_LIMIT_ABOVE_SECONDS`` (e.g. ``1e20``) count as no limit.

    Raises:
        TypeError: ``timeout`` is not ``None`` or a real number (a bool, a string, a list).
        ValueError: ``timeout`` is negative or NaN.
    """
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real):
        raise TypeError(
            f"{where}: timeout must be None or a number of seconds >= 0, got {timeout!r} "
            f"({type(timeout).__name__})"
        )
    # Compared as given, not as a float: an int such as 10**400 has no float.
    if timeout != timeout or timeout < 0:  # NaN is the one value unequal to itself
        raise ValueError(
            f"{where}: timeout must be None or a number of seconds >= 0, got {timeout!r}; "
            f"pass e.g. timeout=2.0, or None to wait for as long as it takes"
        )
    if timeout > NO_LIMIT_ABOVE_SECONDS:
        return None
    return float(timeout)


def job_name(fn: Any) -> str:
    """A readable name for a job's callable (``module.qualname``); never raises."""
    try:
        target = getattr(fn, "func", fn)  # functools.partial: name what it calls
        module = getattr(target, "__module__", None)
        qualname = getattr(target, "__qualname__", None)
        if isinstance(qualname, str):
            return f"{module}.{qualname}" if isinstance(module, str) else qualname
        return repr(fn)
    except BaseException:  # noqa: BLE001 - an odd callable still gets a name
        return f"<{type(fn).__name__} object>"


class _Job:
    __slots__ = ("future", "fn", "args", "kwargs")

    def __init__(self, future: Future, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        self.future = future
        self.fn = fn
        self.args = args
        self.kwargs = kwargs


class _State:
    """What the workers share with their pool, under one lock.

    Workers hold this, never the pool, so a pool dropped without ``shutdown()`` can be collected;
    its finalizer closes the state and the idle workers leave.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.wake = threading.Condition(self.lock)
        self.jobs: deque[_Job] = deque()
        self.idle = 0  # workers waiting for a job, or about to wait (their last one is done)
        self.closed = False
        self.queued = 0  # submitted, not started, not cancelled
        self.running = 0
        self.submitted = 0

    def close(self) -> None:
        with self.wake:
            self.closed = True
            self.wake.notify_all()

    def forget_if_cancelled(self, future: Future) -> None:
        # A job cancelled before it ran (future.cancel(), shutdown(cancel_futures=True)) never
        # starts: it leaves the queued count here, not in the worker.
        if future.cancelled():
            with self.lock:
                self.queued -= 1


def _work(state: _State, nice: int) -> None:
    """A worker's life: take jobs until the pool is closed and its queue is empty."""
    if nice and _CAN_NICE_THREADS:
        # Linux schedules threads as tasks: a higher niceness for this worker alone lets the
        # GUI thread win the CPU while imports run (measured in benchmarks/bench_plugin.py).
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
        except OSError:
            pass  # not allowed here: the worker runs at normal priority, nothing is lost
    with state.lock:
        state.idle += 1
    while True:
        with state.wake:
            while not state.jobs:
                if state.closed:
                    state.idle -= 1
                    return
                state.wake.wait()
            job = state.jobs.popleft()
            state.idle -= 1
        future = job.future
        if not future.set_running_or_notify_cancel():
            # Cancelled while queued; forget_if_cancelled already took it off the count.
            with state.lock:
                state.idle += 1
            continue
        with state.lock:
            state.queued -= 1
            state.running += 1
        error: BaseException | None = None
        result = None
        try:
            result = job.fn(*job.args, **job.kwargs)
        except BaseException as exc:  # noqa: BLE001 - the job's failure is its future's, never the worker's
            error = exc
        job = None  # the job's arguments are not kept alive while this worker idles
        with state.lock:
            state.running -= 1
            # Free again before the result is out: whoever submits the next job on seeing this
            # result reuses this worker instead of starting another.
            state.idle += 1
        if error is None:
            future.set_result(result)
        else:
            future.set_exception(error)
        future = result = error = None


class IOPool(Executor):
    """A ``concurrent.futures.Executor`` on daemon threads named ``<prefix>-<index>``.

    Build it with :func:`make_io_pool`. Its workers never hold interpreter exit: an app can
    always quit, whatever a job is doing.
    """

    def __init__(self, max_workers: int, thread_name_prefix: str, nice: int = 0) -> None:
        self._max_workers = max_workers
        self._prefix = thread_name_prefix
        self._nice = nice
        self._state = _State()
        self._threads: list[threading.Thread] = []  # guarded by self._state.lock
        finalizer = weakref.finalize(self, self._state.close)
        finalizer.atexit = False  # at exit the workers are daemons: nothing to close

    @property
    def thread_name_prefix(self) -> str:
        return self._prefix

    @property
    def max_workers(self) -> int:
        return self._max_workers

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        """Run ``fn(*args, **kwargs)`` on a worker; return its ``Future``.

        Raises:
            TypeError: ``fn`` is not callable.
            RuntimeError: the pool is shut down, or no worker thread could be started.
        """
        if not callable(fn):
            raise TypeError(f"submit() needs a callable, got {fn!r} ({type(fn).__name__})")
        future: Future = Future()
        future.add_done_callback(self._state.forget_if_cancelled)
        job = _Job(future, fn, args, kwargs)
        state = self._state
        with state.lock:
            if state.closed:
                raise RuntimeError(
                    f"IOPool.submit(): the pool {self._prefix!r} is shut down, so "
                    f"{job_name(fn)} cannot run; submit jobs before shutdown()"
                )
            state.jobs.append(job)
            state.queued += 1
            state.submitted += 1
            if len(state.jobs) > state.idle and len(self._threads) < self._max_workers:
                try:
                    self._start_worker_locked()
                except BaseException:
                    state.jobs.pop()
                    state.queued -= 1
                    state.submitted -= 1
                    raise
            state.wake.notify()  # an idle worker, if any, takes it; cheap when none waits
        return future

    def _start_worker_locked(self) -> None:
        name = f"{self._prefix}-{len(self._threads)}"
        # The one place in the package that makes a thread: everything else runs on a pool.
        thread = threading.Thread(
            target=_work, args=(self._state, self._nice), name=name, daemon=True
        )
        thread.start()
        self._threads.append(thread)

    def shutdown(
        self, wait: bool = True, *, cancel_futures: bool = False, timeout: float | None = None
    ) -> bool:
        """Stop taking jobs; let the workers leave once the queue is empty.

        Args:
            wait: block until every worker has ended (or ``timeout`` passes).
            cancel_futures: cancel the jobs still queued instead of running them.
            timeout: with ``wait``, the most seconds to block; ``None`` waits for as long as the
                jobs take. A job is never interrupted: one still running stays on its (daemon)
                thread, which does not hold interpreter exit.

        Returns:
            True when every worker has ended; False while one still runs (always False when
            called from one of this pool's own workers, which cannot wait for itself).

        Raises:
            TypeError, ValueError: a bad ``timeout`` (see :func:`validate_timeout`).
        """
        timeout = validate_timeout(timeout, "IOPool.shutdown()")
        state = self._state
        with state.lock:
            state.closed = True
            dropped = list(state.jobs) if cancel_futures else []
            if cancel_futures:
                state.jobs.clear()
            state.wake.notify_all()
            threads = list(self._threads)
        for job in dropped:  # outside the lock: cancel() runs forget_if_cancelled, which takes it
            job.future.cancel()
        if wait:
            # Real elapsed time, not an injected clock: this bounds how long the caller blocks.
            deadline = None if timeout is None else time.monotonic() + timeout
            me = threading.current_thread()
            for thread in threads:
                if thread is me:
                    continue
                thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in threads)

    def drop_queued(
        self, keep: Callable[[Callable[..., Any]], bool] | None = None
    ) -> list[tuple[str, Future]]:
        """Cancel every job still waiting for a worker; running jobs go on.

        Args:
            keep: jobs whose function ``keep(fn)`` is true stay queued (called under the
                pool's lock: keep it trivial).

        Returns:
            ``(name, future)`` of each job this call cancelled, in queue order (``name`` from
            :func:`job_name`); jobs whose future was cancelled before are not listed.

        Raises:
            TypeError: ``keep`` is neither None nor callable.
        """
        if keep is not None and not callable(keep):
            raise TypeError(f"IOPool.drop_queued(): keep must be None or a callable taking a "
                            f"job's function, got {keep!r} ({type(keep).__name__})")
        state = self._state
        with state.lock:
            jobs = [job for job in state.jobs if keep is None or not keep(job.fn)]
            if keep is None:
                state.jobs.clear()
            else:
                kept = [job for job in state.jobs if keep(job.fn)]
                state.jobs.clear()
                state.jobs.extend(kept)
        dropped = []
        for job in jobs:  # outside the lock: cancel() runs forget_if_cancelled, which takes it
            if job.future.cancelled():
                continue  # its owner cancelled it (the warmup manager's queued imports)
            if job.future.cancel():  # False: a worker has just taken it, so it runs
                dropped.append((job_name(job.fn), job.future))
        return dropped

    def status(self) -> dict[str, Any]:
        """A copy of the pool's state: sizes, live worker names and job counts."""
        state = self._state
        with state.lock:
            names = [t.name for t in self._threads if t.is_alive()]
            return {
                "max_workers": self._max_workers,
                "thread_name_prefix": self._prefix,
                "workers": sorted(names, key=_lane_index),
                "jobs_running": state.running,
                "jobs_queued": state.queued,
                "jobs_submitted": state.submitted,
                "nice": self._nice if _CAN_NICE_THREADS else 0,
                "shutdown": state.closed,
            }


def _lane_index(name: str) -> int:
    tail = name.rpartition("-")[2]
    return int(tail) if tail.isdigit() else -1


def make_io_pool(
    max_workers: int = 4, thread_name_prefix: str = "controller-io", *, nice: int = 0
) -> IOPool:
    """Make the thread pool that runs warmup and other background jobs.

    Args:
        max_workers: how many worker threads, an ``int`` in ``1..MAX_WORKERS`` (64).
        thread_name_prefix: workers are named ``<prefix>-0`` ... ``<prefix>-<max_workers-1>``.
        nice: 0..19, added niceness of the worker threads (Linux only): when the CPU is busy,
            the GUI thread gets it first. 0 leaves them at the process's priority.

    Returns:
        An :class:`IOPool`, a ``concurrent.futures.Executor`` whose daemon workers never hold
        interpreter exit.

    Raises:
        TypeError: ``max_workers`` is not an ``int`` (``None``, a float, a bool) or the prefix is
            not a string.
        ValueError: ``max_workers`` is outside ``1..MAX_WORKERS`` or the prefix is empty.
    """
    if isinstance(max_workers, bool) or not isinstance(max_workers, int):
        raise TypeError(
            f"make_io_pool(): max_workers must be an int >= 1, got {max_workers!r} "
            f"({type(max_workers).__name__}); pass e.g. max_workers=4"
        )
    if max_workers < 1:
        raise ValueError(
            f"make_io_pool(): max_workers must be >= 1, got {max_workers!r}; a pool needs a worker"
        )
    if max_workers > MAX_WORKERS:
        raise ValueError(
            f"make_io_pool(): max_workers must be at most {MAX_WORKERS}, got {max_workers!r}; "
            f"imports take turns on the interpreter lock, so more threads only cost memory "
            f"(4, the default, is plenty for most apps)"
        )
    if not isinstance(thread_name_prefix, str):
        raise TypeError(
            f"make_io_pool(): thread_name_prefix must be a str, got {thread_name_prefix!r}"
        )
    if not thread_name_prefix.strip():
        raise ValueError("make_io_pool(): thread_name_prefix must not be empty, e.g. 'controller-io'")
    if isinstance(nice, bool) or not isinstance(nice, int) or not 0 <= nice <= 19:
        raise ValueError(f"make_io_pool(): nice must be an int in 0..19, got {nice!r}")
    return IOPool(max_workers, thread_name_prefix, nice)
