"""WarmupManager: imports modules on a pool, one job per module, and records a canary for each.

A *round* is one ``submit()``; ``reset()`` ends it. Canary records are kept across rounds (the
history the Gantt chart draws); the pending/completed/failed/cancelled lists belong to the
current round only: every submitted module is in exactly one of them. Jobs carry their round,
so an import still in flight from an old round never touches the new one, even when the same
module is submitted again.

Failures are data: whatever a module's exception does (a ``__str__`` that raises, SystemExit,
KeyboardInterrupt), its canary ends "failed" with a text (``errors.describe_exception``).

Parallel warmup must not make its own failures: modules that import each other at top level
work one after the other, but on two workers at once one of them can see the other half-run.
Such a failure (an ImportError or AttributeError naming a "partially initialized module", or
importlib's lock deadlock) is retried once, alone, as if the modules had been imported one
after the other; the canary's ``retried`` field keeps the first error. See
``WarmupManager._retry``.

Locking: one short lock guards all state. ``pool.submit`` and every callback run outside it, so
an executor that runs jobs inline on the calling thread works too.
"""

from __future__ import annotations

import bisect
import functools
import importlib
import itertools
import sys
import threading
import time
from dataclasses import KW_ONLY, dataclass, fields
from typing import Any, Callable, Iterable

from .errors import describe_exception, describe_import_error, short_error
from .pool import validate_timeout
from .purity import check_module_names

__all__ = ["WarmupManager", "validate_modules", "CANARY_FIELDS"]


# How long a worker waits before a retry for the other imports in flight to end, and how long a
# new import waits for a retry to end. Only an import that hangs makes it run out.
RETRY_WAIT_SECONDS = 10.0


# importlib raises it when two threads each hold the lock of a module the other one imports;
# private, hence looked up (a RuntimeError subclass on 3.11-3.13).
_DEADLOCK_ERROR = getattr(importlib._bootstrap, "_DeadlockError", None)  # type: ignore


def _may_be_concurrency(exc: BaseException, error: str) -> bool:
    """Whether ``exc`` (described as ``error``) may be another import's doing.

    A module that another thread is importing is visible half-run, and Python says so:
    ``from a import X`` fails with "ImportError: cannot import name 'X' from partially
    initialized module 'a'", ``a.X`` with "AttributeError: partially initialized module 'a'
    has no attribute 'X'"; or the import locks of two threads that import each other's modules
    deadlock (importlib's ``_DeadlockError``). Any other error, such as a module's own
    ``raise ImportError("no provider SDK")``, is the module's: retrying it would only make the
    other imports wait.
    """
    if _DEADLOCK_ERROR is not None and isinstance(exc, _DEADLOCK_ERROR):
        return True
    return (isinstance(exc, (ImportError, AttributeError))
            and "partially initialized module" in error)

StatusDict = dict[str, list[str]]


def _counts(status: StatusDict) -> str:
    """``"2 done (1 failed), 1 pending"``: a status at a glance, for the ``__repr__``s."""
    ended = [key for key in ("completed", "failed", "cancelled") if status[key]]
    done = sum(len(status[key]) for key in ended)
    detail = ", ".join(f"{len(status[key])} {key}" for key in ended if key != "completed")
    return f"{done} done{f' ({detail})' if detail else ''}, {len(status['pending'])} pending"


def validate_modules(modules: Iterable[str], *, where: str = "submit()") -> list[str]:
    """Check an iterable of module names and return them in order, duplicates dropped.

    Raises:
        TypeError: ``modules`` is a bare ``str``/``bytes`` or not iterable, or an entry is not a str.
        ValueError: an entry is empty or not a dotted module name.
    """
    return check_module_names(modules, where=where, what="modules", after="; nothing was submitted")


# Gives each ended canary its place in the order of ending: the status lists are in that order.
_END_ORDER = itertools.count()


@dataclass(eq=False, slots=True)
class _Canary:
    """One module's warmup: the one record the status lists, the summary and ``canaries()``
    (as dicts, ``CANARY_FIELDS``) are derived from. Changed only under the manager's lock."""

    canary_id: int
    module: str
    _: KW_ONLY
    thread_name: str | None = None
    thread_id: int | None = None
    submit_ts: float
    start_ts: float | None = None
    end_ts: float | None = None
    elapsed_ms: float | None = None
    # The importing thread's CPU time (time.thread_time()) over the same span, retry included:
    # elapsed_ms - cpu_ms is time spent waiting (the GIL, a module lock another worker holds,
    # I/O, sleeps). None until the canary ends, and for a canary that never started.
    cpu_ms: float | None = None
    status: str = "running"  # running (queued or importing) | completed | failed | cancelled
    error: str | None = None
    main_thread: bool = False
    retried: str | None = None
    # Seconds from the moment it became stalled (start + stall_after) to its end, for an import
    # the controller's watcher saw stalled (imwarmup.core.stalls); None otherwise.
    stalled_s: float | None = None
    _ended: int = -1  # its place in _END_ORDER once it has ended; not a canary field
    _stalled_since: float | None = None  # set by WarmupManager.mark_stalled; not a canary field

    @property
    def queued(self) -> bool:
        return self.status == "running" and self.start_ts is None

    def finish(self, status: str, end: float, error: str | None = None) -> None:
        """End the canary: ``completed``, ``failed`` (with ``error``) or ``cancelled``."""
        self.status = status
        self.error = error
        self.end_ts = end
        if self.start_ts is not None:
            self.elapsed_ms = (end - self.start_ts) * 1000.0
        if self._stalled_since is not None:
            self.stalled_s = max(0.0, end - self._stalled_since)
        self._ended = next(_END_ORDER)

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in CANARY_FIELDS}


CANARY_FIELDS = tuple(f.name for f in fields(_Canary) if not f.name.startswith("_"))


class _Round:
    """One submit(): its canaries, and how many have not settled yet.

    A canary settles once its job is over: imported (or failed) and reported (log line,
    listeners), or cancelled. The round is done when every canary has settled, so once
    ``wait()`` returns every line is written and every listener (the controller's profiler)
    has seen every module. ``open`` is one of two counts kept beside the records (the status
    lists are derived from them); ``WarmupManager._settle_locked`` alone lowers it, once per
    canary, and the step that takes it to 0 ends the round. The other, ``ended``, counts the
    canaries per final status for ``status_counts()``, which a GUI reads while warming (walking
    400 records under the lock on the GUI thread cost ~28 µs a read): ``_Round.finish`` is the
    one place a canary of a round changes status, and it moves the count in the same step.
    """

    __slots__ = ("records", "open", "futures", "ended")

    def __init__(self, records: list[_Canary]) -> None:
        self.records = records
        self.open = len(records)
        self.ended = {"completed": 0, "failed": 0, "cancelled": 0}
        # canary_id -> the pool's future of its job, while queued: cancelling a canary cancels
        # it, so the pool drops the job instead of counting it as queued work.
        self.futures: dict[int, Any] = {}

    @property
    def done(self) -> bool:
        return not self.open

    def finish(self, record: _Canary, status: str, end: float, error: str | None = None) -> None:
        """End ``record`` (one of this round's, still running) with ``status``; under the
        manager's lock."""
        record.finish(status, end, error)
        self.ended[status] += 1


# What the end of a round reports, taken under the lock and delivered outside it:
# (callbacks, status, summary line or None).
_RoundEnd = tuple[list[Callable[[StatusDict], Any]], StatusDict, "str | None"]


class WarmupManager:
    """Imports modules on ``pool``, one job per module, recording a canary for each.

    Quick start::

        manager = WarmupManager(make_io_pool())
        manager.submit(["numpy", "sqlite3"])
        manager.wait(timeout=10)
        manager.status()   # {"pending": [], "completed": [...], "failed": [...], "cancelled": []}

    Args:
        pool: any ``concurrent.futures.Executor`` (an inline one works too).
        log_to_stderr: write one line per finished module and a summary line to ``stream``.
        clock: returns wall-clock seconds; ``time.time`` unless a test injects one.
        stream: where log lines go; ``sys.stderr`` (looked up at write time) by default.
        gate: a ``schedule.ImportGate`` that decides how many imports execute at once (a job
            waits for its turn on its worker, its canary still queued); None: every job the
            pool runs imports at once.

    A canary record has the fields in ``CANARY_FIELDS``; ``error`` is the whole error text (the
    log line shows its first 300 characters) and ``retried`` is None, or the first attempt's
    error and the imports that were in flight when an import was retried. ``cpu_ms`` is the
    importing thread's CPU time (``time.thread_time()``) over the import, beside its wall time
    ``elapsed_ms``: the difference is time the import spent waiting (the GIL, a module lock
    another worker holds, I/O).
    """

    def __init__(
        self,
        pool: Any,
        log_to_stderr: bool = True,
        *,
        clock: Callable[[], float] = time.time,
        stream: Any = None,
        gate: Any = None,
    ) -> None:
        if not callable(getattr(pool, "submit", None)):
            raise TypeError(
                f"WarmupManager(): pool must be a concurrent.futures.Executor (with a submit() "
                f"method), got {pool!r}"
            )
        if not callable(clock):
            raise TypeError(f"WarmupManager(): clock must be callable, got {clock!r}")
        self._pool = pool
        self._log = bool(log_to_stderr)
        self._stream = stream
        self._clock = clock
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._round: _Round | None = None
        self._records: list[_Canary] = []  # every round's, in canary_id order
        self._callbacks: list[Callable[[StatusDict], Any]] = []
        self._listeners: list[Callable[[dict[str, Any]], Any]] = []
        self._next_id = 1
        self._revision = 0
        # Jobs past their import that are still reporting it: log line, listeners, and for the
        # last one the summary and completion callbacks. wait_quiet() waits for this to be 0.
        self._reporting = 0
        # Imports in flight: canary_id -> (record, ids of the imports that overlapped it).
        self._importing: dict[int, tuple[_Canary, set[int]]] = {}
        self._retry_queue: list[int] = []  # canary ids waiting to retry, in submit order
        self._retrying = 0  # retries importing now (one, unless a wait ran out)
        # How many imports execute at once (schedule.ImportGate), or None: all the pool runs.
        self._gate = gate

    # ----------------------------------------------------------------------------- submitting
    def submit(self, modules: Iterable[str]) -> list[int]:
        """Import each module on the pool, one job per module.

        Args:
            modules: an iterable of module names; duplicates are dropped (first kept).

        Returns:
            The canary ids of the submitted modules, in order.

        Raises:
            TypeError, ValueError: a bad ``modules`` value or entry (nothing is submitted).
            RuntimeError: a round was already submitted; call ``reset()`` first.
        """
        names = validate_modules(modules)
        with self._lock:
            if self._round is not None:
                raise RuntimeError(
                    "WarmupManager.submit(): warmup was already submitted; call reset() before "
                    "submitting again"
                )
            now = self._clock()
            records = [_Canary(self._next_id + i, name, submit_ts=now)
                       for i, name in enumerate(names)]
            self._next_id += len(records)
            self._records.extend(records)
            round_ = self._round = _Round(records)
            if self._gate is not None:
                self._gate.expect([r.canary_id for r in records])  # the gate's line: submit order
            self._revision += 1
            self._changed.notify_all()
            # An empty round is done at once: it reports its end (to callbacks registered
            # before submit()) right here.
            end = self._settle_locked(round_, 0)
        # Every module is registered before the first job is submitted: an inline executor runs
        # the job right here, and it must find the whole round in place.
        for record in records:
            try:
                future = self._pool.submit(self._run, round_, record)
            except BaseException as exc:  # a pool that is shut down: record it, lose nothing
                self._finish(round_, record, describe_exception(exc), self._clock(),
                             scheduled=False)
                continue
            with self._lock:
                if record.queued:
                    round_.futures[record.canary_id] = future
        self._report_end(end)
        return [r.canary_id for r in records]

    # ------------------------------------------------------------------------------ the job
    def _run(self, round_: _Round, record: _Canary) -> None:
        thread = threading.current_thread()
        cid = record.canary_id
        gate = self._gate
        # The gate's wait comes first and the canary stays queued through it (cancellable);
        # cancelling wakes it (_cancel_locked). Its turn ends when the import does, before a retry.
        if gate is not None and not gate.enter(
                cid, lambda: self._round is not round_ or record.status != "running"):
            return
        with self._lock:
            # A retry runs alone and before every later-submitted module (see _retry): those
            # wait for it, at most RETRY_WAIT_SECONDS; earlier-submitted ones go ahead. Until
            # then this canary is still queued (start_ts None), so shutdown can cancel it.
            self._wait_locked(
                lambda: not self._retrying and not (self._retry_queue
                                                    and self._retry_queue[0] < cid),
                round_, record,
            )
            if self._round is not round_ or record.status != "running":
                if gate is not None:
                    gate.leave(cid)
                return  # reset() or cancel_queued() cancelled it while it waited
            round_.futures.pop(cid, None)  # running: nothing left to cancel
            record.start_ts = self._clock()
            record.thread_name = thread.name
            record.thread_id = threading.get_ident()
            record.main_thread = thread is threading.main_thread()
            # Every import in flight learns of this one, and this one of them: a failure that
            # overlapped another import may be that import's doing (see _retry).
            overlap = set(self._importing)
            for other in self._importing.values():
                other[1].add(cid)
            self._importing[cid] = (record, overlap)
            self._revision += 1
        self._notify_listeners(record)
        cpu_start = time.thread_time()
        error = None
        retryable = False  # the failure may be another import's doing: see _may_be_concurrency
        try:
            try:
                importlib.import_module(record.module)
            except BaseException as exc:  # noqa: BLE001 - SystemExit, KeyboardInterrupt too
                # Module code owns this exception: its __str__ may raise, and the canary must
                # still end (a raise here used to leave it "running" for ever, with no line, no
                # callback).
                error = describe_import_error(exc, record.module)
                retryable = _may_be_concurrency(exc, error)
        finally:
            with self._lock:
                overlap = self._importing.pop(cid)[1]
                if gate is not None:
                    gate.leave(cid)
                retry = retryable
                if retry:
                    # Queued in the same step that ends the import: a retry that waits for
                    # "no import in flight" always sees this one, in flight or queued, so the
                    # earlier-submitted module retries first.
                    self._queue_retry_locked(record, error, overlap)
                self._changed.notify_all()  # a retry may be waiting for this import to end
        if retry:
            error = self._retry(round_, record, error)
        cpu_ms = (time.thread_time() - cpu_start) * 1000.0
        self._finish(round_, record, error, self._clock(), cpu_ms=cpu_ms)

    def _wait_locked(self, ready: Callable[[], bool], round_: _Round, record: _Canary) -> None:
        """With the lock held: wait until ``ready()``, the canary is cancelled, or
        RETRY_WAIT_SECONDS pass (an import that hangs must not stall the others for ever)."""
        deadline = time.monotonic() + RETRY_WAIT_SECONDS  # real time: it bounds a block
        while not ready() and self._round is round_ and record.status == "running":
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._changed.wait(left)

    def _earlier_ended_locked(self, round_: _Round, cid: int) -> bool:
        """Every module submitted before canary ``cid`` in ``round_`` has ended (or waits to
        retry, which the retry queue puts first)."""
        for r in round_.records:
            if r.canary_id >= cid:
                return True
            if r.status == "running" and r.canary_id not in self._retry_queue:
                return False
        return True

    def _queue_retry_locked(self, record: _Canary, error: str, overlap: set[int]) -> None:
        others = [f"{r.module} on {r.thread_name}"
                  for r in self._records if r.canary_id in overlap and r.thread_name]
        if others:
            more = f" and {len(others) - 5} more" if len(others) > 5 else ""
            why = f"other imports in flight: {', '.join(others[:5])}{more}"
        else:  # it ran ahead of a module submitted before it, which it needs half-run
            why = "no other import of this warmup in flight; retried after the modules " \
                  "submitted before it"
        record.retried = f"{short_error(error)} ({why})"
        self._revision += 1
        bisect.insort(self._retry_queue, record.canary_id)

    def _retry(self, round_: _Round, record: _Canary, error: str) -> str | None:
        """Import ``record``'s module once more, alone, after a failure that other imports in
        flight may have caused; return the new error (None: it worked).

        Two modules that import each other at top level work when imported one after the other,
        but on two workers at once Python's import locks hand one of them the other half-run
        ("cannot import name 'X' from partially initialized module 'a'"). That is the warmup's
        doing, not the module's. So this waits (on this worker) until every module submitted
        before this one has been imported or has failed, and no other import of this manager is
        in flight, then imports again while later-submitted modules wait: as if the round ran
        one module after the other, in submit order. Retries run one at a time, in that order.
        Each wait is bounded by RETRY_WAIT_SECONDS. A broken module fails again and is reported
        with its new error. The first attempt's module code may have run partly: it runs again.
        """
        cid = record.canary_id  # queued by _queue_retry_locked
        with self._lock:
            try:
                self._wait_locked(
                    lambda: (not self._importing and not self._retrying
                             and self._retry_queue[0] == cid
                             and self._earlier_ended_locked(round_, cid)),
                    round_, record,
                )
            finally:
                self._retry_queue.remove(cid)
            if self._round is not round_ or record.status != "running":
                self._changed.notify_all()
                return error  # reset() cancelled it: _finish leaves it cancelled
            self._retrying += 1
            # In flight again: the stall watcher (importing()) sees a retry that hangs too.
            self._importing[cid] = (record, set())
        try:
            importlib.import_module(record.module)
            return None
        except BaseException as exc:  # noqa: BLE001 - as in _run
            return describe_import_error(exc, record.module)
        finally:
            with self._lock:
                self._importing.pop(cid, None)
                self._retrying -= 1
                self._changed.notify_all()

    def _finish(
        self, round_: _Round, record: _Canary, error: str | None, end: float,
        *, scheduled: bool = True, cpu_ms: float | None = None,
    ) -> None:
        """End ``record`` (``error`` None: completed), report it (log line, listeners), then
        settle it; the last canary of the round reports the round's end too. ``scheduled``
        False: the pool refused the job, ``error`` says why."""
        with self._lock:
            if record.status != "running":
                return  # cancelled by reset() or cancel_queued(): stays cancelled
            if not scheduled:
                record.thread_name = record.thread_name or "(not scheduled)"
                if self._gate is not None:
                    self._gate.forget([record.canary_id])  # its job never comes to the gate
            round_.finish(record, "failed" if error else "completed", end, error)
            record.cpu_ms = cpu_ms
            self._reporting += 1
            self._revision += 1
            line = self._format_line(record) if self._log else None
        try:
            end_of_round = None
            try:
                if line:
                    self._write(line)
                self._notify_listeners(record)
            finally:
                with self._lock:
                    end_of_round = self._settle_locked(round_, 1)
            self._report_end(end_of_round)
        finally:
            with self._lock:
                self._reporting -= 1
                if not self._reporting:
                    self._changed.notify_all()

    def _settle_locked(self, round_: _Round, count: int) -> _RoundEnd | None:
        """With the lock held: ``count`` canaries of ``round_`` have settled (see ``_Round``).

        Returns what the round's end reports when this ends the current round (its callbacks,
        status and summary, taken in the same step, so a callback registered later runs at
        once and none runs twice), for ``_report_end`` outside the lock; else None.
        """
        round_.open -= count
        if not round_.done or self._round is not round_:
            return None
        self._revision += 1
        self._changed.notify_all()
        summary = self._format_summary(round_.records) if self._log else None
        return list(self._callbacks), self._status_locked(), summary

    def _report_end(self, end: _RoundEnd | None) -> None:
        if end is None:
            return
        callbacks, status, summary = end
        if summary:
            self._write(summary)
        for callback in callbacks:
            self._call(callback, status)

    # --------------------------------------------------------------------------- callbacks
    def on_complete(self, callback: Callable[[StatusDict], Any]) -> None:
        """Run ``callback(status)`` once when the last job of the round finishes.

        It runs on the worker that finished the last job; registered after completion it runs at
        once, on the calling thread. A callback that raises is reported on stderr and never stops
        the others. ``reset()`` forgets registered callbacks.
        """
        if not callable(callback):
            raise TypeError(f"on_complete(): callback must be callable, got {callback!r}")
        with self._lock:
            round_ = self._round
            run_now = round_ is not None and round_.done
            if not run_now:
                self._callbacks.append(callback)
            status = self._status_locked()
        if run_now:
            self._call(callback, status)

    def add_listener(self, listener: Callable[[dict[str, Any]], Any]) -> None:
        """Call ``listener(record_copy)`` whenever a canary starts or ends (on that worker).

        Meant for cheap reactions such as asking an idle GUI to redraw; it survives ``reset()``.
        """
        if not callable(listener):
            raise TypeError(f"add_listener(): listener must be callable, got {listener!r}")
        with self._lock:
            self._listeners.append(listener)

    def _notify_listeners(self, record: _Canary) -> None:
        listeners = self._listeners  # appended to only: iterating a snapshot is safe
        if not listeners:
            return
        with self._lock:
            copy = record.as_dict()
        for listener in list(listeners):
            self._call(listener, copy)

    def _call(self, callback: Callable[..., Any], arg: Any) -> None:
        try:
            callback(arg)
        except BaseException as exc:  # noqa: BLE001 - a bad callback must not stop the manager
            import traceback  # only on this rare path: keeps import imwarmup lean

            self._write(
                f"[warmup] callback {getattr(callback, '__qualname__', callback)!r} raised "
                f"{describe_exception(exc)}\n"
                + "".join(traceback.format_exception(exc)).rstrip()
            )

    # ------------------------------------------------------------------------------ queries
    def status(self) -> StatusDict:
        """``{"pending": [...], "completed": [...], "failed": [...], "cancelled": [...]}``: fresh
        lists, one snapshot. Every module of the round is in exactly one list; "cancelled" holds
        the modules still queued when the pool shut down (``cancel_queued()``), never imported.
        """
        with self._lock:
            return self._status_locked()

    def _status_locked(self) -> StatusDict:
        status: StatusDict = {"pending": [], "completed": [], "failed": [], "cancelled": []}
        if self._round is not None:
            # Pending ones in submit order, the others in the order they ended.
            for record in sorted(self._round.records, key=lambda r: r._ended):
                status["pending" if record.status == "running" else record.status].append(
                    record.module)
        return status

    def is_done(self) -> bool:
        """True once every job of the submitted round has finished (False before any submit)."""
        with self._lock:
            return self._round is not None and self._round.done

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the round is done or ``timeout`` seconds pass; return ``is_done()``.

        Args:
            timeout: seconds, ``None`` (or ``math.inf``, or anything too large to wait for)
                for no limit.

        Raises:
            TypeError: ``timeout`` is not ``None`` or a number (e.g. ``"2"`` or ``True``).
            ValueError: ``timeout`` is negative or NaN.
        """
        timeout = validate_timeout(timeout, "WarmupManager.wait()")
        with self._changed:
            return self._changed.wait_for(
                lambda: self._round is not None and self._round.done, timeout
            )

    def wait_quiet(self, timeout: float | None = None) -> bool:
        """Block until no job is reporting a finished import (its log line and listeners, and
        after the last one the summary and ``on_complete`` callbacks), or ``timeout`` passes.

        Imports still running do not count. ``wait()`` returns before the summary and callbacks
        run; the controller calls this at interpreter exit so they are not cut off by the end
        of the process (the pool's workers are daemon threads). Returns True once quiet.

        Raises:
            TypeError, ValueError: a bad ``timeout``, as for ``wait()``.
        """
        timeout = validate_timeout(timeout, "WarmupManager.wait_quiet()")
        with self._changed:
            return self._changed.wait_for(lambda: not self._reporting, timeout)

    def canaries(self) -> list[dict[str, Any]]:
        """A copy of every canary record, all rounds, ordered by ``canary_id``."""
        with self._lock:
            return [r.as_dict() for r in self._records]

    def importing(self) -> list[dict[str, Any]]:
        """Copies of the canaries importing now (O(imports in flight), for the stall watcher)."""
        with self._lock:
            return [record.as_dict() for record, _overlap in self._importing.values()]

    def mark_stalled(self, canary_id: int, since: float) -> bool:
        """Note that an import in flight is stalled since ``since``: when it ends its canary
        keeps ``stalled_s``. Returns False when it is no longer importing."""
        with self._lock:
            entry = self._importing.get(canary_id)
            if entry is None:
                return False
            if entry[0]._stalled_since is None:
                entry[0]._stalled_since = since
            return True

    @property
    def revision(self) -> int:
        """A number that grows whenever any status or canary changes (cheap change detection)."""
        return self._revision

    def revision_reader(self) -> Callable[[], int]:
        """``revision`` as a C-level callable (no Python frame to run): for a GUI that polls it
        on every frame, where each Python call costs µs."""
        return functools.partial(getattr, self, "_revision")

    def status_counts(self) -> tuple[int, int, int, int]:
        """``(pending, completed, failed, cancelled)``: the lengths of ``status()``'s lists,
        without building (and sorting) them."""
        with self._lock:  # the round's running counts (see _Round), not a walk of its records
            round_ = self._round
            if round_ is None:
                return 0, 0, 0, 0
            ended = round_.ended
            completed, failed, cancelled = ended["completed"], ended["failed"], ended["cancelled"]
            pending = len(round_.records) - completed - failed - cancelled
            return pending, completed, failed, cancelled

    def canary_for(self, module: str) -> dict[str, Any] | None:
        """A copy of the newest canary of ``module``, or None if it was never submitted."""
        with self._lock:
            for record in reversed(self._records):
                if record.module == module:
                    return record.as_dict()
        return None

    # ------------------------------------------------------------------------------- reset
    def reset(self) -> None:
        """End the round: clear its lists and callbacks; its unfinished canaries become cancelled."""
        with self._lock:
            round_ = self._round
            self._round = None
            self._callbacks.clear()
            if round_ is not None:
                # Its queued jobs stay in the pool (not cancelled as cancel_queued() does): the
                # pool is still in use, and each job finds its round gone and returns at once.
                self._cancel_locked(round_, queued_only=False)

    def cancel_queued(self) -> int:
        """Mark canaries that never started as cancelled (their jobs will not run); return how many.

        Used when the pool shuts down with jobs still queued. They move from the status's
        "pending" list to its "cancelled" list, the log gets one line naming them, and the
        round finishes if nothing else runs (its summary counts them).
        """
        with self._lock:
            round_ = self._round
            if round_ is None:
                return 0
            names = [r.module for r in round_.records if r.queued]
            futures = self._cancel_locked(round_, queued_only=True)
            end = self._settle_locked(round_, len(names)) if names else None
        self._cancel_futures(futures)
        if names and self._log:
            self._write(self._format_cancelled(names))
        self._report_end(end)
        return len(names)

    def _cancel_locked(self, round_: _Round, *, queued_only: bool) -> list[Any]:
        """With the lock held: cancel ``round_``'s canaries that have not ended (only those
        still queued when ``queued_only``); return the futures of their queued jobs, for
        ``_cancel_futures`` outside the lock. A job that still runs sees its canary cancelled
        and leaves it so."""
        now = self._clock()
        futures = []
        for record in round_.records:
            if record.status == "running" and (record.queued or not queued_only):
                futures.append(round_.futures.pop(record.canary_id, None))
                round_.finish(record, "cancelled", now)
        self._revision += 1
        self._changed.notify_all()
        if self._gate is not None:
            # Jobs waiting at the gate for a cancelled canary return now; none waits for them.
            self._gate.forget([r.canary_id for r in round_.records if r.status == "cancelled"])
        return [f for f in futures if f is not None]

    @staticmethod
    def _cancel_futures(futures: list[Any]) -> None:
        # Outside the lock: a pool's cancel callback may take its own.
        for future in futures:
            future.cancel()  # False when its worker took it already: _run sees "cancelled"

    def __repr__(self) -> str:
        with self._lock:
            round_ = self._round
            status = self._status_locked()
            canaries = len(self._records)
        if round_ is None:
            state = "no round submitted"
        else:
            n = sum(len(names) for names in status.values())
            state = f"{'done' if round_.done else 'warming'}: {n} modules, {_counts(status)}"
        return f"<WarmupManager {state}; {canaries} canaries in all>"

    # ----------------------------------------------------------------------------- logging
    def _write(self, line: str) -> None:
        stream = self._stream if self._stream is not None else sys.stderr
        try:
            stream.write(line + "\n")
            stream.flush()
        except Exception:  # noqa: BLE001 - a closed stderr must not stop warmup
            pass

    @staticmethod
    def _format_line(record: _Canary) -> str:
        where = f"{record.module} on {record.thread_name} (id={record.thread_id})"
        main = " [MAIN-THREAD]" if record.main_thread else ""
        if record.retried:  # the canary's "retried" field has the first error
            main += " (retried once, after the imports in flight had ended)"
        if record.status == "failed":
            # One line whatever the error: its first line, cut at SHORT_ERROR_CHARS; the canary
            # keeps the whole text.
            error = short_error(record.error)
            return f"[warmup {record.canary_id}] FAILED {where}: {error}{main}"
        # Always ms with one decimal, not profiler.format_duration (the one formatter for what
        # people read in the report and the GUI): a log line is grepped and parsed by scripts.
        elapsed = record.elapsed_ms or 0.0
        return f"[warmup {record.canary_id}] {where}: {elapsed:.1f}ms{main}"

    @staticmethod
    def _format_cancelled(names: list[str], limit: int = 10) -> str:
        shown = ", ".join(names[:limit])
        if len(names) > limit:
            shown += f" and {len(names) - limit} more"
        n = len(names)
        return (
            f"[warmup] cancelled {n} queued module{'s' if n != 1 else ''} (the pool shut down "
            f"before {'they' if n != 1 else 'it'} started): {shown}"
        )

    @staticmethod
    def _format_summary(records: list[_Canary]) -> str:
        total = sum(r.elapsed_ms or 0.0 for r in records)
        n = len(records)
        count = {status: sum(1 for r in records if r.status == status)
                 for status in ("completed", "failed", "cancelled")}
        parts = [f"{count['completed']} completed", f"{count['failed']} failed"]
        if count["cancelled"]:
            parts.append(f"{count['cancelled']} cancelled")
        # Wall time (first submit to last end) and the imports' own work (their threads' CPU
        # time) first: the sum of elapsed mostly counts waiting for the GIL on the workers.
        ends = [r.end_ts for r in records if r.end_ts is not None]
        wall = (max(ends) - min(r.submit_ts for r in records)) * 1000.0 if ends else 0.0
        own = sum(r.cpu_ms or 0.0 for r in records)
        line = (
            f"[warmup done] {n} module{'s' if n != 1 else ''}: {', '.join(parts)} "
            f"(wall {max(wall, 0.0):.1f}ms, own work {own:.1f}ms; "
            f"sum of per-module elapsed: {total:.1f}ms)"
        )
        on_main = [r.module for r in records if r.main_thread]
        if on_main:
            line += (
                f"\n[warmup done] WARNING: {len(on_main)} module(s) imported on the main thread "
                f"({', '.join(on_main)}): this breaks the app's main-thread purity; give the "
                f"manager a thread pool"
            )
        return line
