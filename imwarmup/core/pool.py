"""The background thread pool: workers named ``<prefix>-<index>``.

``concurrent.futures.ThreadPoolExecutor`` names its threads ``<prefix>_<index>``; the Gantt chart's
lanes and every log line use ``controller-io-0`` ... so the pool renames each worker as it starts.
The pool also counts its queued and running jobs, which ``io_pool_status()`` reports.
"""

from __future__ import annotations

import os
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

__all__ = ["IOPool", "make_io_pool"]

# Only Linux applies setpriority(PRIO_PROCESS, tid) to one thread; elsewhere it would renice
# the whole process, so there the option does nothing.
_CAN_NICE_THREADS = sys.platform.startswith("linux")


class IOPool(ThreadPoolExecutor):
    """A ``ThreadPoolExecutor`` whose workers are named ``<prefix>-<index>`` and that counts its jobs.

    Build it with :func:`make_io_pool`.
    """

    def __init__(self, max_workers: int, thread_name_prefix: str, nice: int = 0) -> None:
        self._prefix = thread_name_prefix
        self._nice = nice
        self._count_lock = threading.Lock()
        self._queued = 0
        self._running = 0
        self._submitted = 0
        self._worker_names: list[str] = []
        super().__init__(
            max_workers=max_workers,
            thread_name_prefix=thread_name_prefix,
            initializer=self._name_worker,
        )

    @property
    def thread_name_prefix(self) -> str:
        return self._prefix

    def _name_worker(self) -> None:
        # The executor named this thread "<prefix>_<n>" with n counting from 0 in spawn order.
        thread = threading.current_thread()
        _, _, index = thread.name.rpartition("_")
        thread.name = f"{self._prefix}-{index}"
        if self._nice and _CAN_NICE_THREADS:
            # Linux schedules threads as tasks: a higher niceness for this worker alone lets the
            # GUI thread win the CPU while imports run (measured in benchmarks/bench_plugin.py).
            try:
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self._nice)
            except OSError:
                pass  # not allowed here: the worker runs at normal priority, nothing is lost
        with self._count_lock:
            self._worker_names.append(thread.name)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        if not callable(fn):
            raise TypeError(f"submit() needs a callable, got {fn!r} ({type(fn).__name__})")

        def run() -> Any:
            with self._count_lock:
                self._queued -= 1
                self._running += 1
            try:
                return fn(*args, **kwargs)
            finally:
                with self._count_lock:
                    self._running -= 1

        with self._count_lock:
            self._queued += 1
            self._submitted += 1
        try:
            future = super().submit(run)
        except BaseException:
            with self._count_lock:
                self._queued -= 1
                self._submitted -= 1
            raise
        # A future cancelled before it ran (shutdown(cancel_futures=True)) never enters run().
        future.add_done_callback(self._forget_if_cancelled)
        return future

    def _forget_if_cancelled(self, future: Future) -> None:
        if future.cancelled():
            with self._count_lock:
                self._queued -= 1

    def status(self) -> dict[str, Any]:
        """A copy of the pool's state: sizes, live worker names and job counts."""
        alive = {t.name for t in threading.enumerate()}
        with self._count_lock:
            names = [n for n in self._worker_names if n in alive]
            return {
                "max_workers": self._max_workers,
                "thread_name_prefix": self._prefix,
                "workers": sorted(names, key=_lane_index),
                "jobs_running": self._running,
                "jobs_queued": self._queued,
                "jobs_submitted": self._submitted,
                "nice": self._nice if _CAN_NICE_THREADS else 0,
                "shutdown": self._shutdown,
            }


def _lane_index(name: str) -> int:
    tail = name.rpartition("-")[2]
    return int(tail) if tail.isdigit() else -1


def make_io_pool(
    max_workers: int = 4, thread_name_prefix: str = "controller-io", *, nice: int = 0
) -> IOPool:
    """Make the thread pool that runs warmup and other background jobs.

    Args:
        max_workers: how many worker threads, an ``int`` of at least 1.
        thread_name_prefix: workers are named ``<prefix>-0`` ... ``<prefix>-<max_workers-1>``.
        nice: 0..19, added niceness of the worker threads (Linux only): when the CPU is busy,
            the GUI thread gets it first. 0 leaves them at the process's priority.

    Returns:
        An :class:`IOPool`, a ``concurrent.futures.ThreadPoolExecutor``.

    Raises:
        TypeError: ``max_workers`` is not an ``int`` (``None``, a float, a bool) or the prefix is
            not a string.
        ValueError: ``max_workers`` is below 1 or the prefix is empty.
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
    if not isinstance(thread_name_prefix, str):
        raise TypeError(
            f"make_io_pool(): thread_name_prefix must be a str, got {thread_name_prefix!r}"
        )
    if not thread_name_prefix.strip():
        raise ValueError("make_io_pool(): thread_name_prefix must not be empty, e.g. 'controller-io'")
    if isinstance(nice, bool) or not isinstance(nice, int) or not 0 <= nice <= 19:
        raise ValueError(f"make_io_pool(): nice must be an int in 0..19, got {nice!r}")
    return IOPool(max_workers, thread_name_prefix, nice)
