"""WarmupController: what an app's controller owns. The facade the GUI and the hook API poll.

Quick start::

    with WarmupController(["numpy", "sqlite3"]) as controller:
        controller.start()                      # imports on controller-io-0..3
        ...                                     # the main thread goes on drawing frames
        np = controller.require_warmed("numpy") # never imports on the calling thread

Exit: the workers never hold the process. An app closed while an import runs exits as soon as
its own teardown is done; each import left running gets one stderr line then, e.g.
``[imwarmup] exit: abandoned the import of 'slowmod' on controller-io-2 after 1.2 s``.
"""

from __future__ import annotations

import atexit
import functools
import operator
import os
import sys
import threading
import time
import weakref
from typing import Any, Callable, Iterable

from .errors import NotWarmedError
from .frames import FrameLog
from .gc_warming import DEFAULT_GC_MODE, GCWhileWarming, validate_gc_mode
from .import_tree import ImportRecorder
from .manager import WarmupManager, _counts, validate_modules
from .pool import IOPool, job_name, make_io_pool, validate_timeout
from .profiler import StartupProfiler
from .schedule import DEFAULT_CONCURRENCY, ImportGate, make_gate
from .stalls import StallWatcher, validate_after

__all__ = ["WarmupController", "NotWarmedError"]

# How long leaving a ``with WarmupController(...)`` block waits for jobs still running. Idle
# workers end in microseconds; an import that takes longer is left on its daemon thread rather
# than holding the app that is closing.
EXIT_WAIT_SECONDS = 0.5
# At interpreter exit, how long a module that has just finished may take to write its log line,
# the summary and run the completion callbacks (usually microseconds). Imports still running are
# not waited for at all.
EXIT_REPORT_GRACE_SECONDS = 0.5
# How long a waiting shutdown lets the finished round's history record land.
HISTORY_WAIT_SECONDS = 2.0
# The two counters ``WarmupController.revision`` sums, in one C-level call (revision_reader).
_REVISIONS = operator.attrgetter("manager._revision", "_watcher._revision")


class WarmupController:
    """Owns the background pool, the warmup manager and the startup profiler.

    Args:
        modules: module names to warm when ``start()`` is called.
        max_workers: worker threads in the pool (``controller-io-0`` ...).
        thread_name_prefix: the workers' name prefix.
        log_to_stderr: one stderr line per finished module and a summary, and at exit one line
            per import abandoned while still running.
        worker_nice: niceness of the warmup workers (Linux; 0 to keep normal priority). With
            the default 10, frames stay smooth while imports compete for the CPU; on a busy
            machine the warmup itself takes longer (see benchmarks/bench_plugin.py).
        concurrency: how many imports execute at once, on any of the workers (the others wait
            their turn in submit order, without CPU or interpreter-lock turns). 1, the default:
            imports hold the interpreter lock, so more at once mostly trade it (ten times the
            context switches) and take it from the GUI's frames more often (see
            benchmarks/bench_frames_warming.py). An import that sleeps or waits on I/O, or runs
            longer than 5 s, lets the next one in; while one runs the interpreter's switch
            interval is 1 ms (the app's back after; ``imwarmup.core.schedule``). ``None`` or 0:
            every worker imports at once. An ``ImportGate(...)`` sets the stall rules too.
            ``submit_job()`` jobs never wait for it.
        clock: wall-clock seconds for canaries and the profiler; ``time.time`` by default.
        stall_after: seconds an import may run before it is *stalled* (one stderr line, its live
            stack in ``stalls()``, the status bar says so); ``math.inf`` never.
        freeze_after: seconds the GUI thread may go without a new frame (``frames``) before it
            is *frozen* (its stack, and the worker holding the module lock it waits for, in
            ``stalls()``); ``math.inf`` never. See ``imwarmup.core.stalls``.
        history: where each finished round is remembered (``history.py``): ``None`` (default) is
            ``<user cache>/imwarmup/<app_name>.jsonl``, a path another file, ``False`` off; the
            ``IMWARMUP_HISTORY`` environment variable (a path, or ``off``) overrides it. Read
            and written on ``controller-history-0``; a failure to write costs one stderr line.
        app_name: the app's name in the default history file (default: the running script's).
        order: ``"history"`` (default): with a history, start the modules never seen first,
            then the others by their usual own work, least first (``history_order``: the same
            round end, modules ready sooner on average); ``"submit"``: always as given.
        record_imports: record each canary's nested import tree while warmup runs
            (``import_tree()``; see benchmarks/bench_import_tree.py for its cost). The
            recorder is gone once warmup is done: later imports pay nothing.
        gc_while_warming: what the cyclic garbage collector does while the round runs
            (``imwarmup.core.gc_warming``). ``"defer"`` (default): no full collection while
            the round runs (each walks every object the imports made, up to 1 s apiece on the
            SDK set, holding the interpreter lock the frames need), then ``gc.freeze()`` when
            it ends, so no later collection walks them either; ``"freeze"``: ``gc.freeze()``
            after each import, collections as usual; ``"disable"``: ``gc.disable()`` for the
            round, a freeze at its end; ``None``: the collector left alone. The app's
            threshold and ``gc.isenabled()`` are back when the round ends (before
            ``wait_for_warmup()`` returns) or at ``shutdown()``, unless the app changed them
            meanwhile (then they stay as the app set them). A freeze pins what is alive then:
            an object that later becomes garbage only through a cycle is never freed. See
            benchmarks/bench_frames_warming.py and bench_warmup.py.

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
        concurrency: "int | ImportGate | None" = DEFAULT_CONCURRENCY,
        clock: Callable[[], float] = time.time,
        stall_after: float = 10.0,
        freeze_after: float = 1.0,
        history: "str | os.PathLike[str] | bool | None" = None,
        app_name: str | None = None,
        order: str = "history",
        record_imports: bool = True,
        gc_while_warming: str | None = DEFAULT_GC_MODE,
    ) -> None:
        self._gc = GCWhileWarming(validate_gc_mode(gc_while_warming, "WarmupController()"))
        if not isinstance(record_imports, bool):
            raise TypeError(f"WarmupController(): record_imports must be True or False, got "
                            f"{record_imports!r}")
        self._modules = validate_modules(modules, where="WarmupController()")
        stall_after = validate_after(stall_after, "stall_after")
        freeze_after = validate_after(freeze_after, "freeze_after")
        self.history = _history_service(history, app_name, log_to_stderr)
        self._order = _check_order(order)
        self._pool: IOPool = make_io_pool(max_workers, thread_name_prefix, nice=worker_nice)
        self.gate = make_gate(concurrency)
        self._clock = clock
        self.profiler = StartupProfiler(clock=clock)
        # Frame starts, marked by the GUI (DiagnosticsPlugin) on the canaries' clock.
        self.frames = FrameLog(clock=clock)
        self.manager = WarmupManager(self._pool, log_to_stderr=log_to_stderr, clock=clock,
                                     gate=self.gate)
        self._log = bool(log_to_stderr)
        self.manager.add_listener(self._record_phase)
        if self._gc.mode is not None:
            # It holds the policy, not the controller (a listener never keeps one alive).
            self.manager.add_listener(_gc_after_import(self._gc, self.manager))
        # Import trees (issue 14): recorded from the first canary start to the round's end.
        self._imports = ImportRecorder(clock) if record_imports else None
        if self._imports is not None:
            self.manager.add_listener(self._record_imports)
        self_ref = weakref.ref(self)  # the watcher's loop must not keep the controller alive
        self._watcher = StallWatcher(
            self.manager, clock=clock, stall_after=stall_after, freeze_after=freeze_after,
            frames=lambda: getattr(self_ref(), "frames", None), log=bool(log_to_stderr))
        self._lock = threading.Lock()
        self._started = False
        self._closed = False
        self._service_pools: list[IOPool] = []
        self._dropped: list[tuple[str, Any]] = []  # (name, future) of app jobs shutdown dropped
        # Registered with atexit by start(), dropped by a shutdown that saw every worker end. It
        # holds the manager weakly: registering never keeps a controller (or a test's) alive.
        self._exit_report = _exit_reporter(self.manager, self._pool, clock, log_to_stderr)

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
        atexit.register(self._exit_report)
        if self._imports is not None:
            # For a round that ends with no canary ending (all cancelled). It holds the
            # recorder, not the controller: a callback never keeps a controller alive.
            self.manager.on_complete(lambda _status, recorder=self._imports: recorder.close())
        if self._gc.mode is not None:
            # The app's gc settings come back when the round ends (or at shutdown()).
            self._gc.begin()
            self.manager.on_complete(lambda _status, policy=self._gc: policy.end())
        modules = self._modules
        if self.history is not None:
            if self._order == "history":  # least usual own work first (history_order)
                modules = self.history.start_order(modules)
            self.history.start(self)
        self.manager.submit(modules)
        if self._watcher.enabled and not self.manager.is_done():
            try:
                self._watcher.start(self.service_pool("watch"))  # controller-watch-0
                self.manager.on_complete(_waker(self._watcher))  # it ends with the warmup
            except RuntimeError:  # shut down meanwhile: nothing left to watch
                pass
        return self

    @property
    def started(self) -> bool:
        return self._started

    def warmup_status(self) -> dict[str, list[str]]:
        """``{"pending": [...], "completed": [...], "failed": [...], "cancelled": [...]}``: each
        module in exactly one list; "cancelled" ones were still queued at ``shutdown()`` (see
        ``WarmupManager.status``)."""
        return self.manager.status()

    def wait_for_warmup(self, timeout: float | None = None) -> bool:
        """Block until warmup is done or ``timeout`` passes. Never call it from a GUI frame.

        Args:
            timeout: seconds; ``None``, ``math.inf`` or any huge value waits without limit.

        Returns:
            True once every module is completed, failed or cancelled (see ``warmup_status()``).

        Raises:
            TypeError: ``timeout`` is not ``None`` or a number (e.g. ``"2"`` or ``True``).
            ValueError: ``timeout`` is negative or NaN.
        """
        timeout = validate_timeout(timeout, "WarmupController.wait_for_warmup()")
        return self.manager.wait(timeout)

    def on_warmup_complete(self, callback: Callable[[dict[str, list[str]]], Any]) -> None:
        """Run ``callback(status)`` once warmup completes (on a worker thread; see
        ``WarmupManager.on_complete``).

        Raises:
            TypeError: ``callback`` is not callable.
        """
        if not callable(callback):
            raise TypeError(
                f"on_warmup_complete(): callback must be callable (it is called with the "
                f"warmup status), got {callback!r}"
            )
        self.manager.on_complete(callback)

    def canaries(self) -> list[dict[str, Any]]:
        """A copy of every canary record (see ``WarmupManager.canaries``)."""
        return self.manager.canaries()

    @property
    def revision(self) -> int:
        """Grows whenever warmup state (or ``stalls()``) changes: poll it to skip work when
        nothing changed."""
        return self.manager.revision + self._watcher.revision

    def revision_reader(self) -> Callable[[], tuple[int, int]]:
        """A callable returning a value that changes whenever ``revision`` does, in one C-level
        call (no Python frame: a GUI polls it on every frame, where each costs µs): the pair
        (manager's revision, stall watcher's revision). Compare it, don't add it up."""
        return functools.partial(_REVISIONS, self)

    def frame_noter(self) -> Callable[[], None] | None:
        """``note_frame`` without this method's own Python frame (the gate's bound method), or
        None when there is no gate (nothing to tell): a GUI calls it on every frame while
        warming."""
        return None if self.gate is None else self.gate.note_frame

    def status_counts(self) -> tuple[int, int, int, int]:
        """``(pending, completed, failed, cancelled)``: the sizes of ``warmup_status()``'s
        lists, without building them."""
        return self.manager.status_counts()

    def stalls(self) -> list[dict[str, Any]]:
        """Imports stalled now (running longer than ``stall_after``), longest first, then the
        GUI freezes seen: ``[{"kind", "module", "canary_id", "thread_name", "running_s",
        "stack": ["file:line in func", ...], ...}]`` (see ``StallWatcher.stalls``). A copy."""
        return self._watcher.stalls()

    def stall_note(self) -> str | None:
        """``"sympy stalled 12 s"`` while an import is stalled, else None (cheap: per frame)."""
        return self._watcher.stall_note()

    @property
    def stall_watcher(self) -> StallWatcher:
        """The watcher of stalls and freezes (``controller-watch-0`` while warming)."""
        return self._watcher

    def note_frame(self) -> None:
        """A GUI frame starts (``DiagnosticsPlugin`` calls it once per frame; cheap): the import
        running pauses at its next nested import for a few ms, so the frame's callbacks get the
        interpreter lock first (``ImportGate(frame_pause=...)``). No gate: nothing."""
        if self.gate is not None:
            self.gate.note_frame()

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

    def _record_imports(self, record: dict[str, Any]) -> None:
        """Listener: begin a canary's import tree on its worker, end it after; the last canary
        to end takes the recorder's hooks out (before ``wait_for_warmup()`` returns)."""
        recorder = self._imports
        if recorder is None or record["start_ts"] is None:
            return
        if record["end_ts"] is None:
            if record["thread_id"] == threading.get_ident():
                recorder.begin(record["canary_id"])
            return
        recorder.end(record["canary_id"])
        if not self.manager.status()["pending"]:
            recorder.close()

    def _close_recorder(self) -> None:
        if self._imports is not None:
            self._imports.close()

    @property
    def records_imports(self) -> bool:
        """Whether this controller records import trees (``record_imports``)."""
        return self._imports is not None

    def import_tree(self, canary_id: int) -> list[dict[str, Any]] | None:
        """Canary ``canary_id``'s nested import tree, or None when ``record_imports`` is off.

        A flat list in pre-order (a parent before its children, children in start order); node
        0 is the canary's own module. Each node: ``module``, ``parent`` (index in the list, None
        for node 0), ``depth``, ``start_ts``/``end_ts`` (the canaries' clock; ``end_ts`` None
        while it runs), ``self_ms`` and ``cum_ms`` (as ``-X importtime``), ``cpu_ms`` (thread
        CPU incl. children), ``self_cpu_ms`` (its own code's CPU: far below ``self_ms`` means
        it waited), ``thread_name``, ``lock_waits`` (``[{"module", "holder",
        "wait_ms", "start_ts", "end_ts"}]``: waits for a module lock another thread held) and
        ``error`` (an import that raised). ``[]`` for a canary that never started.

        Raises:
            TypeError: ``canary_id`` is not an int.
            ValueError: no canary has that id.
        """
        if not isinstance(canary_id, int) or isinstance(canary_id, bool):
            raise TypeError(f"import_tree(): canary_id must be an int (a canary's "
                            f"'canary_id'), got {canary_id!r}")
        ids = [c["canary_id"] for c in self.manager.canaries()]
        if canary_id not in ids:
            known = f"ids {ids[0]}..{ids[-1]}" if ids else "no canaries yet: call start()"
            raise ValueError(f"import_tree(): no canary with id {canary_id} ({known})")
        if self._imports is None:
            return None
        return self._imports.tree(canary_id)

    def import_trees(self) -> dict[int, list[dict[str, Any]]]:
        """``{canary_id: import_tree(canary_id)}`` for every canary; ``{}`` when
        ``record_imports`` is off."""
        if self._imports is None:
            return {}
        return {c["canary_id"]: self._imports.tree(c["canary_id"])
                for c in self.manager.canaries()}

    # -------------------------------------------------------------------- background work
    def submit_job(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any):
        """Run ``fn(*args, **kwargs)`` on the controller's pool; returns its ``Future``.

        A job submitted before ``shutdown()`` is never dropped silently: a waiting shutdown
        runs it, ``shutdown(wait=False)`` cancels it if it has not started and lists it in
        ``dropped_jobs`` (and the log).

        Raises:
            TypeError: ``fn`` is not callable.
            RuntimeError: the controller is shut down.
        """
        try:
            return self._pool.submit(fn, *args, **kwargs)
        except RuntimeError:
            if not self._closed:
                raise  # no worker thread could be started: the pool's own words say so
            raise RuntimeError(
                f"submit_job(): the controller is shut down, so {job_name(fn)} cannot run; "
                f"submit jobs before shutdown() (or before leaving the with-block)"
            ) from None

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
    def shutdown(self, wait: bool = True, timeout: float | None = None) -> bool:
        """Stop the warmup pool and the service pools. A job already running is never
        interrupted: its worker is a daemon thread, so it never holds the process at exit (an
        import still running then gets one stderr line).

        What happens to work that has not started:

        - warmup imports still queued are cancelled: their canaries say "cancelled" and
          ``warmup_status()["cancelled"]`` lists them;
        - the app's own jobs (``submit_job()``, ``pool.submit()``) run to completion when
          ``wait`` is True. With ``wait=False`` they are cancelled; each one dropped is logged
          (``[imwarmup] shutdown: dropped the queued job <name> ...``) and kept in
          ``dropped_jobs``, and its future raises ``CancelledError``;
        - a service pool's queued jobs are cancelled: a service stops with the controller
          (the hook server's stop signal is such a cancelled job).

        Safe to call again: a later call waits (``wait=True``), or drops what is still queued
        (``wait=False``), and reports.

        Args:
            wait: block until every worker has ended or ``timeout`` passes. ``False`` returns at
                once, even while an import is blocked forever.
            timeout: with ``wait``, the most seconds to block in all; ``None`` (or a huge value)
                waits for as long as the jobs take; queued app jobs still waiting when it
                passes run later. Ignored (but still checked) when ``wait`` is False.

        Returns:
            True when every worker of the controller's pools has ended; False while one is still
            running (a slow or blocked import: ask again, or let the app exit anyway).

        Raises:
            TypeError: ``timeout`` is not ``None`` or a number (e.g. ``"2"`` or ``True``).
            ValueError: ``timeout`` is negative or NaN.
        """
        timeout = validate_timeout(timeout, "WarmupController.shutdown()")
        if wait and self.history is not None and self.manager.is_done():
            # The round's record is being written on controller-history-0: let it land (at most
            # HISTORY_WAIT_SECONDS, and never past the caller's timeout).
            limit = HISTORY_WAIT_SECONDS if timeout is None else min(timeout, HISTORY_WAIT_SECONDS)
            self.history.wait_saved(limit)
        self._watcher.stop()  # before the pools wait: its loop ends at once
        with self._lock:
            first = not self._closed
            self._closed = True
            pools = [*self._service_pools, self._pool]
        if first:
            # Every pool stops taking jobs before anyone waits, so one timeout covers them all.
            # The warmup pool keeps its queue: the manager cancels its own queued imports, and
            # the app's jobs behind them are the app's (run, or dropped and reported below).
            for pool in pools:
                pool.shutdown(wait=False, cancel_futures=pool is not self._pool)
            self.manager.cancel_queued()
            self._close_recorder()  # an import still running stops being recorded
            self._gc.end()  # the app's gc settings back, even while an import still runs
            if self.gate is not None:
                self.gate.restore_switch_interval()  # the same for the switch interval
        if not wait:
            self._report_dropped(self._pool.drop_queued())
        # Real elapsed time, not the injected clock: this bounds how long the caller blocks.
        deadline = None if timeout is None else time.monotonic() + timeout
        finished = True
        for pool in pools:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            finished = pool.shutdown(wait=wait, timeout=left) and finished
        if finished:
            atexit.unregister(self._exit_report)  # nothing can be abandoned any more
        return finished

    @property
    def dropped_jobs(self) -> list[tuple[str, Any]]:
        """``(name, future)`` of every app job a ``shutdown(wait=False)`` cancelled before it
        ran, in queue order (``name`` is ``module.qualname`` of its function). Empty when
        nothing was dropped; a waiting shutdown never drops one."""
        with self._lock:
            return list(self._dropped)

    def _report_dropped(self, dropped: list[tuple[str, Any]]) -> None:
        if not dropped:
            return
        with self._lock:
            self._dropped.extend(dropped)
        if self._log:
            for name, _future in dropped:
                _write_stderr(
                    f"[imwarmup] shutdown: dropped the queued job {name}: it never ran "
                    f"(shutdown(wait=False)); its future is cancelled"
                )

    def __repr__(self) -> str:
        status = self.manager.status()
        pool = self._pool.status()
        if self._closed:
            state = "shut down"
        elif not self._started:
            state = "not started"
        else:
            state = "done" if self.manager.is_done() else "warming"
        return (
            f"<WarmupController {state}: {len(self._modules)} modules, "
            f"{_counts(status)}, workers {len(pool['workers'])}/{pool['max_workers']}>"
        )

    def __enter__(self) -> "WarmupController":
        return self

    def __exit__(self, *exc: Any) -> None:
        """``shutdown(wait=True, timeout=EXIT_WAIT_SECONDS)``: leaving the block never waits
        long for an import in flight (it goes on, on its daemon worker; see ``shutdown()``)."""
        self.shutdown(wait=True, timeout=EXIT_WAIT_SECONDS)


def _exit_reporter(
    manager: WarmupManager, pool: IOPool, clock: Callable[[], float], log: bool
) -> Callable[[], None]:
    """The controller's exit hook: let modules that just finished report (log lines, summary,
    completion callbacks: at most ``EXIT_REPORT_GRACE_SECONDS``), then, when ``log``, write one
    stderr line per warmup import still running, which the process abandons, and one per app
    job still queued on the warmup pool, which never runs.

    It holds ``manager`` and ``pool`` weakly: a controller that is gone leaves a hook that does
    nothing. A job that is still running holds its manager, so whatever can be abandoned is
    still there.
    """
    ref = weakref.ref(manager)
    pool_ref = weakref.ref(pool)

    def report_abandoned_imports() -> None:
        live = ref()
        if live is None:
            return
        live.wait_quiet(EXIT_REPORT_GRACE_SECONDS)
        if not log:
            return
        now = clock()
        for canary in live.canaries():
            if canary["status"] != "running" or canary["start_ts"] is None:
                continue  # finished, cancelled, or never started: nothing was cut short
            _write_stderr(
                f"[imwarmup] exit: abandoned the import of {canary['module']!r} on "
                f"{canary['thread_name']} after {now - canary['start_ts']:.1f} s"
            )
        live_pool = pool_ref()
        if live_pool is None:
            return
        # The app's jobs still queued (a with-block or a shutdown whose timeout ran out, or no
        # shutdown at all) never run: say so. Warmup imports still queued stay where they are
        # (their canaries say "queued"; nothing of theirs was cut short).
        for name, _future in live_pool.drop_queued(
            keep=lambda fn: getattr(fn, "__self__", None) is live
        ):
            _write_stderr(f"[imwarmup] exit: dropped the queued job {name}: it never ran")

    return report_abandoned_imports


def _gc_after_import(policy: GCWhileWarming,
                     manager: WarmupManager) -> Callable[[dict[str, Any]], None]:
    """A canary listener: an import has ended (on its worker: ``"freeze"`` freezes); the last
    one to end gives the app its gc settings back, before ``wait_for_warmup()`` returns
    (the completion callbacks run after it)."""
    manager_ref = weakref.ref(manager)

    def after_import(record: dict[str, Any]) -> None:
        if record["end_ts"] is None:
            return
        policy.after_import()
        live = manager_ref()
        if live is not None and not live.status_counts()[0]:  # nothing pending: round over
            policy.end()

    return after_import


def _check_order(order: Any) -> str:
    from .history import ORDERS

    if not isinstance(order, str) or order not in ORDERS:
        raise ValueError(f"WarmupController(): order must be one of {', '.join(map(repr, ORDERS))}, "
                         f"got {order!r}")
    return order


def _history_service(history: Any, app_name: str | None, log: bool) -> Any:
    """The controller's HistoryService, or None when history is off (checked at construction:
    a bad ``history`` or ``app_name`` raises here, naming it)."""
    if app_name is not None and (not isinstance(app_name, str) or not app_name.strip()):
        raise TypeError(f"WarmupController(): app_name must be a non-empty str, got {app_name!r}")
    from .history import app_name as default_app_name, resolve_history_path

    app = app_name.strip() if app_name else default_app_name()
    path = resolve_history_path(history, app=app, where="WarmupController(): history")
    if path is None:
        return None
    from .history_service import HistoryService

    return HistoryService(path, app, write=_write_stderr if log else (lambda _line: None))


def _waker(watcher: StallWatcher) -> Callable[[Any], None]:
    """A completion callback that wakes the watcher (and holds no controller)."""
    return lambda _status: watcher.wake()


def _write_stderr(line: str) -> None:
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except Exception:  # noqa: BLE001 - a closed stderr at exit must not turn into a traceback
        pass
