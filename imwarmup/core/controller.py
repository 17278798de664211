"""WarmupController: what an app's controller owns. The facade the GUI and the hook API poll.

Quick start::

    with WarmupController(["numpy", "sqlite3"]) as controller:
        controller.start()                      # imports on controller-io-0..3
        ...                                     # the main thread goes on drawing frames
        np = controller.require_warmed("numpy") # never imports on the calling thread
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, Callable, Iterable

from .errors import NotWarmedError
from .manager import WarmupManager, validate_modules
from .pool import IOPool, make_io_pool
from .profiler import StartupProfiler

__all__ = ["WarmupController", "NotWarmedError"]


class WarmupController:
    """Owns the background pool, the warmup manager and the startup profiler.

    Args:
        modules: module names to warm when ``start()`` is called.
        max_workers: worker threads in the pool (``controller-io-0`` ...).
        thread_name_prefix: the workers' name prefix.
        log_to_stderr: one stderr line per finished module and a summary.
        worker_nice: niceness of the warmup workers (Linux; 0 to keep normal priority). With
            the default 10, frames stay smooth while imports compete for the CPU; on a busy
            machine the warmup itself takes longer (see benchmarks/bench_plugin.py).
        clock: wall-clock seconds for canaries and the profiler; ``time.time`` by default.

    Raises:
        TypeError, ValueError: bad module names or pool settings (checked here, not at start()).
    """

    def __init__(
        self,
        modules: Iterable[str] = (),
        *,
        max_workers: int = 4,
        thread_name_prefix: str = "controller-io",
        log_to_stderr: bool = True,
        worker_nice: int = 10,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._modules = validate_modules(modules, where="WarmupController()")
        self._pool: IOPool = make_io_pool(max_workers, thread_name_prefix, nice=worker_nice)
        self._clock = clock
        self.profiler = StartupProfiler(clock=clock)
        self.manager = WarmupManager(self._pool, log_to_stderr=log_to_stderr, clock=clock)
        self.manager.add_listener(self._record_phase)
        self._lock = threading.Lock()
        self._started = False
        self._closed = False
        self._service_pools: list[IOPool] = []

    # ------------------------------------------------------------------------------ warmup
    @property
    def modules(self) -> list[str]:
        """The module names this controller warms (a copy)."""
        return list(self._modules)

    def add_modules(self, modules: Iterable[str]) -> None:
        """Add modules to the warmup set before ``start()`` (e.g. a plugin that needs numpy).

        Raises:
            RuntimeError: warmup has already started.
        """
        names = validate_modules(modules, where="add_modules()")
        with self._lock:
            if self._started:
                raise RuntimeError(
                    "add_modules(): warmup has already started; add modules before start()"
                )
            for name in names:
                if name not in self._modules:
                    self._modules.append(name)

    def start(self) -> "WarmupController":
        """Submit the warmup: one job per module on the controller's pool. Returns ``self``.

        Raises:
            RuntimeError: ``start()`` was already called, or the controller is shut down.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("start(): the controller is shut down")
            if self._started:
                raise RuntimeError("start(): warmup was already started; call it once")
            self._started = True
        self.manager.submit(self._modules)
        return self

    @property
    def started(self) -> bool:
        return self._started

    def warmup_status(self) -> dict[str, list[str]]:
        """``{"pending": [...], "completed": [...], "failed": [...]}`` (see ``WarmupManager.status``)."""
        return self.manager.status()

    def wait_for_warmup(self, timeout: float | None = None) -> bool:
        """Block until warmup is done or ``timeout`` passes. Never call it from a GUI frame."""
        return self.manager.wait(timeout)

    def on_warmup_complete(self, callback: Callable[[dict[str, list[str]]], Any]) -> None:
        """Run ``callback(status)`` once warmup completes (on a worker thread; see ``on_complete``)."""
        self.manager.on_complete(callback)

    def canaries(self) -> list[dict[str, Any]]:
        """A copy of every canary record (see ``WarmupManager.canaries``)."""
        return self.manager.canaries()

    @property
    def revision(self) -> int:
        """Grows whenever warmup state changes: poll it to skip work when nothing changed."""
        return self.manager.revision

    def add_listener(self, listener: Callable[[dict[str, Any]], Any]) -> None:
        """Call ``listener(record)`` on a worker whenever a canary starts or ends."""
        self.manager.add_listener(listener)

    def require_warmed(self, name: str) -> Any:
        """Return the warmed module ``name`` from ``sys.modules``; never imports anything.

        Raises:
            NotWarmedError: ``name`` is not in the warmup set, is still importing ("running"),
                failed (with its error) or was cancelled.
        """
        if not isinstance(name, str) or not name:
            raise TypeError(f"require_warmed(): name must be a module name (str), got {name!r}")
        canary = self.manager.canary_for(name)
        if canary is None:
            raise NotWarmedError(
                name, "not warmed",
                f"module {name!r} was not warmed: it is not in this controller's warmup set "
                f"({len(self._modules)} modules); add it to WarmupController([...]) so it is "
                f"imported on a worker, not on the thread that needs it",
            )
        status = canary["status"]
        if status == "completed" and name in sys.modules:
            return sys.modules[name]
        if status == "running":
            where = (
                f"importing on {canary['thread_name']}" if canary["start_ts"] is not None
                else "queued in the pool"
            )
            raise NotWarmedError(
                name, "running",
                f"module {name!r} is not warmed yet: its warmup is running ({where}); "
                f"retry on a later frame or wait_for_warmup() off the GUI thread",
            )
        if status == "failed":
            raise NotWarmedError(
                name, "failed",
                f"module {name!r} failed to warm: {canary['error']}; fix the import (see the "
                f"warmup log) before using it",
                error=canary["error"],
            )
        raise NotWarmedError(
            name, status,
            f"module {name!r} is not warmed: its warmup was {status}"
            + ("" if status == "cancelled" else f" but it is missing from sys.modules"),
        )

    def _record_phase(self, record: dict[str, Any]) -> None:
        if record["end_ts"] is None or record["start_ts"] is None:
            return
        self.profiler.add_phase(
            f"warmup:{record['module']}", record["start_ts"], record["end_ts"],
            kind="async", thread=record["thread_name"], error=record["error"],
        )

    # -------------------------------------------------------------------- background work
    def submit_job(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any):
        """Run ``fn(*args, **kwargs)`` on the controller's pool; returns its ``Future``."""
        return self._pool.submit(fn, *args, **kwargs)

    def service_pool(self, name: str, max_workers: int = 1) -> IOPool:
        """A small named pool for a long-lived service (e.g. the hook server), so it never takes a
        warmup worker. Its threads are ``controller-<name>-N``; it is shut down with the controller.
        """
        pool = make_io_pool(max_workers, f"controller-{name}")
        with self._lock:
            if self._closed:
                pool.shutdown(wait=False)
                raise RuntimeError("service_pool(): the controller is shut down")
            self._service_pools.append(pool)
        return pool

    @property
    def pool(self) -> IOPool:
        return self._pool

    def io_pool_status(self) -> dict[str, Any]:
        """max_workers, thread name prefix, live worker names, jobs running and queued."""
        return self._pool.status()

    # ---------------------------------------------------------------------------- lifecycle
    def shutdown(self, wait: bool = True) -> None:
        """Stop the pools. Queued warmup jobs are cancelled (their canaries say so)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            service_pools = list(self._service_pools)
        for pool in service_pools:
            pool.shutdown(wait=wait, cancel_futures=True)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.manager.cancel_queued()
        if wait:
            self._pool.shutdown(wait=True)

    def __enter__(self) -> "WarmupController":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown(wait=True)
