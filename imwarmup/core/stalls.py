"""Stalled imports and GUI freezes, watched from a service thread of the controller's own.

An import running longer than ``stall_after`` seconds is *stalled*: the watcher writes one stderr
line, keeps the worker's live Python stack (``sys._current_frames()``, refreshed about once a
second) with the innermost line of the module being imported marked, and the canary keeps how
long it was stalled (``stalled_s``) if it finishes after all. When the GUI thread has not started
a new frame for longer than ``freeze_after`` seconds (the controller's frame log, ``frames.last``),
the watcher captures the main thread's stack and, when the main thread waits for a module lock
that a warmup worker holds, names that worker and module.

Quick start::

    controller = WarmupController(["sympy"], stall_after=10.0).start()
    ...
    controller.stalls()   # [{"kind": "stall", "module": "sympy", "running_s": 12.3, "stack": [...]}]

The watcher runs on ``controller-watch-0`` (``controller.service_pool("watch")``), never on the
GUI thread or a warmup worker; it starts with the warmup, ends once the warmup is over, and
``shutdown()`` stops it at once (a daemon thread: it never delays exit). Everything it hands out
is a snapshot taken under a short lock: a GUI frame reads ``stall_note()`` (a str) and never walks
a stack.
"""

from __future__ import annotations

import math
import numbers
import os
import sys
import threading
import time
import weakref
from typing import Any, Callable

__all__ = ["StallWatcher", "validate_after", "STACK_REFRESH_SECONDS", "MAX_FREEZES",
           "format_seconds"]

#: How often (seconds) the stack of a stalled import, or of a frozen GUI thread, is re-read.
STACK_REFRESH_SECONDS = 1.0
#: Freezes kept for the window and ``/api/stalls`` (the oldest are dropped first).
MAX_FREEZES = 20
#: The most frames of a stack kept (innermost ones): a deep recursion must not make a huge list.
MAX_STACK_FRAMES = 60
# The watcher wakes this often at most (and at least every quarter of the smallest threshold,
# so a stall or a freeze is seen within a quarter of its threshold).
_MAX_TICK = 0.25
_MIN_TICK = 0.01

_IMPORTLIB_INIT = os.path.join("importlib", "__init__.py")
# Frames left out of a stack: importlib's frozen bootstrap, and the package's own import hooks
# (code compiled under a "<imwarmup ...>" file name): they are how an import runs, not where.
_PLUMBING = ("<frozen importlib", "<imwarmup")


def _plumbing(frame: Any) -> bool:
    return frame.f_code.co_filename.startswith(_PLUMBING)


def _thread_cpu_clock() -> Callable[[int], float] | None:
    """Another thread's CPU time by its ``threading.get_ident()``, where the platform has
    ``pthread_getcpuclockid`` (Linux, the BSDs); None elsewhere (macOS, Windows)."""
    getid = getattr(time, "pthread_getcpuclockid", None)
    if getid is None:
        return None

    def read(thread_id: int) -> float:
        return time.clock_gettime(getid(thread_id))

    return read


_thread_cpu = _thread_cpu_clock()


def validate_after(value: Any, name: str, where: str = "WarmupController()") -> float | None:
    """Check a threshold such as ``stall_after``: a number of seconds > 0.

    Returns:
        The value as a float, or None for ``math.inf`` (never).

    Raises:
        TypeError: ``value`` is not a real number (None, a bool, a string).
        ValueError: ``value`` is zero, negative or NaN.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{where}: {name} must be a number of seconds > 0 (or math.inf for never), got "
            f"{value!r} ({type(value).__name__}); pass e.g. {name}=10.0"
        )
    if value != value or value <= 0:  # NaN is the one value unequal to itself
        raise ValueError(
            f"{where}: {name} must be a number of seconds > 0 (or math.inf for never), got "
            f"{value!r}; pass e.g. {name}=10.0"
        )
    if value == math.inf or value > 1e12:
        return None
    return float(value)


def format_seconds(seconds: float) -> str:
    """``"12 s"``, ``"3 min 5 s"``: how long something has been stuck, in whole seconds."""
    whole = int(seconds)
    if whole < 120:
        return f"{whole} s"
    return f"{whole // 60} min {whole % 60} s"


def _where(frame: Any) -> str:
    code = frame.f_code
    return f"{code.co_filename}:{frame.f_lineno} in {code.co_name}"


def _short_place(entry: str) -> str:
    """``"/a/b/app.py:42 in gui"`` -> ``"b/app.py:42"``: for one-line texts."""
    place = entry.split(" in ", 1)[0]
    path, _, line = place.rpartition(":")
    parts = path.replace("\\", "/").split("/")
    return f"{'/'.join(parts[-2:])}:{line}"


def _frames_of(frame: Any) -> list[Any]:
    """The frames of a stack, outermost first, the innermost ``MAX_STACK_FRAMES`` only."""
    frames = []
    while frame is not None and len(frames) < 10_000:
        frames.append(frame)
        frame = frame.f_back
    frames.reverse()
    return frames[-MAX_STACK_FRAMES:]


def import_stack(frame: Any, module: str) -> tuple[list[str], int | None]:
    """A worker's stack while it imports ``module``: the frames below ``importlib.import_module``
    (the pool's and the manager's plumbing left out), without importlib's frozen frames.

    Returns:
        ``(["file:line in func", ...], marked)``: outermost first; ``marked`` is the index of the
        innermost line of ``module`` (or of one of its submodules), or None when the stack is
        not in its code (e.g. inside a C call it made, then the line that made it is marked).
    """
    frames = _frames_of(frame)
    for i in range(len(frames) - 1, -1, -1):
        code = frames[i].f_code
        if code.co_name == "import_module" and code.co_filename.endswith(_IMPORTLIB_INIT):
            frames = frames[i + 1:]
            break
    kept = [f for f in frames if not _plumbing(f)]
    marked = None
    prefix = module + "."
    for i in range(len(kept) - 1, -1, -1):
        name = kept[i].f_globals.get("__name__")
        if isinstance(name, str) and (name == module or name.startswith(prefix)):
            marked = i
            break
    return [_where(f) for f in kept], marked


def main_stack(frame: Any) -> tuple[list[str], int | None, str | None]:
    """The GUI thread's stack: ``(entries, marked, the module it is importing itself or
    None)``; ``marked`` is the innermost line of that module when it imports one itself, else
    the innermost frame (importlib's frozen frames left out: for a thread waiting for a module
    lock, the line that imports)."""
    frames = _frames_of(frame)
    kept = [f for f in frames if not _plumbing(f)]
    for i in range(len(kept) - 1, -1, -1):
        name = kept[i].f_globals.get("__name__")
        if kept[i].f_code.co_name == "<module>" and isinstance(name, str) and name != "__main__":
            return [_where(f) for f in kept], i, name
    return [_where(f) for f in kept], (len(kept) - 1 if kept else None), None


def blocking_locks(thread_id: int) -> list[tuple[str, int | None]]:
    """The module locks ``thread_id`` is waiting for: ``[(module name, owner thread id)]``.

    Reads importlib's private ``_blocking_on`` (a lock per thread on 3.11, a list of locks on
    3.12+); empty when it is missing or the thread waits for no module lock.
    """
    try:
        from importlib import _bootstrap  # type: ignore[attr-defined]

        value = _bootstrap._blocking_on.get(thread_id)
        if value is None:
            return []
        locks = [value] if hasattr(value, "owner") else list(value)
        return [(str(lock.name), lock.owner) for lock in locks]
    except Exception:  # noqa: BLE001 - a private structure: a change must not break the watcher
        return []


class StallWatcher:
    """Watches the running imports of a ``WarmupManager`` and the GUI thread's frames.

    Args:
        manager: the controller's manager (``importing()``, ``mark_stalled()``, ``is_done()``).
        clock: the canaries' clock (wall seconds).
        stall_after: seconds before a running import is stalled; None: never.
        freeze_after: seconds without a new frame before the GUI is frozen; None: never.
        frames: returns the frame log (``.last``: time of the latest frame mark, same clock) or
            None while the app marks no frames (then freezes are not watched).
        log: write one stderr line when an import becomes stalled and when a freeze ends.
        stream: where the lines go (``sys.stderr`` looked up at write time by default).
    """

    def __init__(self, manager: Any, *, clock: Callable[[], float],
                 stall_after: float | None, freeze_after: float | None,
                 frames: Callable[[], Any] = lambda: None, log: bool = True,
                 stream: Any = None) -> None:
        # Weakly: the loop's thread must not keep a controller (its manager's listeners hold it)
        # alive between ticks; a manager that is gone ends the loop.
        self._manager_ref = weakref.ref(manager)
        self._clock = clock
        self.stall_after = stall_after
        self.freeze_after = freeze_after
        self._frames = frames
        self._log = log
        self._stream = stream
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._wake = threading.Event()  # set by stop() and wake(): the loop looks at once
        self._stalls: dict[int, dict[str, Any]] = {}   # canary_id -> its stall (snapshot)
        self._stack_at: dict[int, float] = {}          # canary_id -> when its stack was read
        self._freezes: list[dict[str, Any]] = []       # oldest first; the last may be ongoing
        self._cpu_at: dict[int, tuple[float, float]] = {}  # canary id -> (wall, thread CPU)
        self._freeze_stack_at = -math.inf
        self._note: str | None = None
        self._revision = 0
        self._running = False
        self._error_logged = False
        thresholds = [t for t in (stall_after, freeze_after) if t is not None]
        self.tick = max(_MIN_TICK, min([_MAX_TICK] + [t / 4.0 for t in thresholds]))

    # ------------------------------------------------------------------------- lifecycle
    @property
    def enabled(self) -> bool:
        return self.stall_after is not None or self.freeze_after is not None

    def start(self, pool: Any) -> Any:
        """Run the watch loop on ``pool`` (a service pool); returns its future."""
        with self._lock:
            self._running = True
        future = pool.submit(self._loop)
        # A loop cancelled before it ran (shutdown right after start) has ended too.
        future.add_done_callback(lambda _future: self._ended())
        return future

    def _ended(self) -> None:
        with self._lock:
            self._running = False
            self._revision += 1
            self._changed.notify_all()

    @property
    def _manager(self) -> Any:
        return self._manager_ref()

    def stop(self) -> None:
        """End the loop now (it waits on an event this sets)."""
        self._stop.set()
        self._wake.set()

    def wake(self) -> None:
        """Look now (e.g. the warmup just completed: the loop then ends)."""
        self._wake.set()

    @property
    def running(self) -> bool:
        """Whether the watch loop runs (a plain read: usable in ``wait_for`` predicates)."""
        return self._running

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    ongoing = self.check(self._clock())
                except Exception as exc:  # noqa: BLE001 - the watcher must never die loudly twice
                    ongoing = False
                    if not self._error_logged:
                        self._error_logged = True
                        self._write(f"[imwarmup] stall watcher: {type(exc).__name__}: {exc}")
                manager = self._manager
                if (manager is None or manager.is_done()) and not ongoing:
                    break
                del manager
                self._wake.wait(self.tick)
                self._wake.clear()
        finally:
            self._ended()

    # ------------------------------------------------------------------------------ a tick
    def check(self, now: float) -> bool:
        """One look at the imports and the frames at time ``now``; the loop calls it every
        ``tick`` seconds (tests call it with a mock clock).

        Returns:
            True while a GUI freeze is ongoing (the loop keeps watching until it ends).
        """
        # Every thread's frames are read only when a stack is needed: a dict of frames holds
        # their locals (the app's objects) alive for as long as it lives.
        if self._manager is None:
            return False
        self._check_stalls(now)
        return self._check_freeze(now)

    def _check_stalls(self, now: float) -> None:
        stall_after = self.stall_after
        running = self._manager.importing() if stall_after is not None else []
        new_lines = []
        with self._lock:
            alive = set()
            for canary in running:
                cid = canary["canary_id"]
                start = canary["start_ts"]
                if start is None or now - start < stall_after:
                    continue
                alive.add(cid)
                stall = self._stalls.get(cid)
                if stall is None or now - self._stack_at.get(cid, -math.inf) >= STACK_REFRESH_SECONDS:
                    share = self._cpu_share_locked(cid, canary.get("thread_id"))
                    frame = sys._current_frames().get(canary["thread_id"])
                    stack, marked = import_stack(frame, canary["module"]) if frame else ([], None)
                    del frame
                    self._stack_at[cid] = now
                    stall = {
                        "kind": "stall", "module": canary["module"], "canary_id": cid,
                        "thread_name": canary["thread_name"], "running_s": now - start,
                        "stack": stack, "marked": marked,
                        "at": stack[marked if marked is not None else -1] if stack else None,
                        "start_ts": start, "cpu_share": share,
                    }
                    if cid not in self._stalls:
                        self._manager.mark_stalled(cid, start + stall_after)
                        new_lines.append(stall)
                    self._stalls[cid] = stall
                    self._revision += 1
                else:
                    stall["running_s"] = now - start
            for cid in [c for c in self._stalls if c not in alive]:
                del self._stalls[cid]  # finished (its canary keeps stalled_s) or cancelled
                self._stack_at.pop(cid, None)
                self._cpu_at.pop(cid, None)
                self._revision += 1
            note = self._note_locked()
            if note != self._note:
                self._note = note
                self._revision += 1
            self._changed.notify_all()
        for stall in new_lines:
            where = f" at {_short_place(stall['at'])}" if stall["at"] else ""
            self._write(
                f"[imwarmup] stalled: {stall['module']!r} has been importing for "
                f"{stall['running_s']:.1f} s on {stall['thread_name']}{where} "
                f"(stall_after={stall_after:g} s); its live stack is in the diagnostics window "
                f"and /api/stalls"
            )

    def _cpu_share_locked(self, cid: int, thread_id: int | None) -> float | None:
        """The share of the wall time since the last look that the stalled import's thread
        spent on a CPU (its thread CPU clock): near 1 it computes (a loop, a slow C init),
        near 0 it waits (sleep, I/O, a lock, a network call). None on the first look or where
        the platform gives no other thread's CPU clock."""
        if thread_id is None or _thread_cpu is None:
            return None
        try:
            cpu = _thread_cpu(thread_id)
        except (OSError, OverflowError, ValueError):  # the thread ended meanwhile
            return None
        wall = time.perf_counter()
        previous = self._cpu_at.get(cid)
        self._cpu_at[cid] = (wall, cpu)
        if previous is None or wall <= previous[0]:
            return None
        return min(max((cpu - previous[1]) / (wall - previous[0]), 0.0), 1.0)

    def _note_locked(self) -> str | None:
        if not self._stalls:
            return None
        worst = max(self._stalls.values(), key=lambda s: s["running_s"])
        more = len(self._stalls) - 1
        return (f"{worst['module']} stalled {format_seconds(worst['running_s'])}"
                + (f" (+{more} more)" if more else ""))

    def _check_freeze(self, now: float) -> bool:
        freeze_after = self.freeze_after
        frames = self._frames() if freeze_after is not None else None
        last = getattr(frames, "last", None) if frames is not None else None
        ended = None
        with self._lock:
            ongoing = self._freezes[-1] if self._freezes and self._freezes[-1]["ongoing"] else None
            if ongoing is not None and (last is None or last != ongoing["start_ts"]):
                ongoing["ongoing"] = False
                # The next frame mark ends it; without one (the log was reset), now does.
                end = last if last is not None and last > ongoing["start_ts"] else now
                ongoing["running_s"] = end - ongoing["start_ts"]
                ongoing["text"] = _freeze_text(ongoing)
                ended, ongoing = ongoing, None
                self._revision += 1
            # A host that idles waits for an event between frames: that wait is no freeze.
            slack = getattr(frames, "idle_wait_s", 0.0) or 0.0
            if last is not None and now - last >= freeze_after + slack:
                if ongoing is None:
                    ongoing = {"kind": "freeze", "start_ts": last, "ongoing": True,
                               "thread_name": threading.main_thread().name, "blame": None,
                               "module": None, "canary_id": None}
                    self._freezes.append(ongoing)
                    del self._freezes[:-MAX_FREEZES]
                    self._freeze_stack_at = -math.inf
                ongoing["running_s"] = now - last
                if now - self._freeze_stack_at >= STACK_REFRESH_SECONDS:
                    self._freeze_stack_at = now
                    self._capture_main_locked(ongoing)
                ongoing["text"] = _freeze_text(ongoing)
                self._revision += 1
            self._changed.notify_all()
        if ended is not None:
            self._write(f"[imwarmup] {ended['text']}")
        return ongoing is not None

    def _capture_main_locked(self, freeze: dict[str, Any]) -> None:
        main_id = threading.main_thread().ident
        frame = sys._current_frames().get(main_id) if main_id is not None else None
        if frame is None:
            return
        stack, marked, importing = main_stack(frame)
        del frame
        freeze["stack"], freeze["marked"] = stack, marked
        freeze["at"] = stack[marked] if marked is not None else None
        blame = self._blame(main_id, importing)
        if blame is not None or freeze["blame"] is None:
            freeze["blame"] = blame
            freeze["module"] = blame["module"] if blame else None
            freeze["canary_id"] = blame["canary_id"] if blame else None

    def _blame(self, main_id: int, importing: str | None) -> dict[str, Any] | None:
        """Who the GUI thread waits for: the worker holding the module lock it is blocked on, or
        the module it imports itself."""
        names = {t.ident: t.name for t in threading.enumerate()}
        for lock_name, owner in blocking_locks(main_id):
            if owner is None or owner == main_id:
                continue
            canary = next((c for c in self._manager.importing() if c["thread_id"] == owner), None)
            return {"reason": "lock", "lock": lock_name,
                    "module": canary["module"] if canary else lock_name,
                    "canary_id": canary["canary_id"] if canary else None,
                    "thread_name": names.get(owner, f"thread {owner}")}
        if importing is not None:
            return {"reason": "import", "lock": None, "module": importing, "canary_id": None,
                    "thread_name": names.get(main_id, "MainThread")}
        return None

    # ------------------------------------------------------------------------------ reads
    def stalls(self) -> list[dict[str, Any]]:
        """The imports stalled now (longest first), then the GUI freezes seen (oldest first).

        Each is a copy: ``{"kind": "stall"|"freeze", "module", "canary_id", "thread_name",
        "running_s", "stack": ["file:line in func", ...], "marked", "at", "start_ts"}``; a
        stall adds ``"cpu_share"``: how much of the last second its thread was on a CPU (near 1:
        computing; near 0: waiting on sleep, I/O or a lock; None until the second look or where
        the platform cannot tell); a
        freeze adds ``"ongoing"``, ``"blame"`` (None, or ``{"reason": "lock"|"import", "lock",
        "module", "canary_id", "thread_name"}``) and ``"text"`` ("GUI froze 2.3 s at ...").
        """
        with self._lock:
            stalls = sorted(self._stalls.values(), key=lambda s: -s["running_s"])
            out = [dict(s, stack=list(s["stack"])) for s in stalls]
            for freeze in self._freezes:
                copy = dict(freeze, stack=list(freeze.get("stack", [])))
                copy.setdefault("marked", None)
                copy.setdefault("at", None)
                if freeze["blame"] is not None:
                    copy["blame"] = dict(freeze["blame"])
                out.append(copy)
            return out

    def stall_note(self) -> str | None:
        """``"sympy stalled 12 s"`` while an import is stalled (``"(+1 more)"`` for others),
        else None: a plain attribute read, for the status bar's frame."""
        return self._note

    @property
    def revision(self) -> int:
        """Grows whenever ``stalls()`` or ``stall_note()`` changes."""
        return self._revision

    def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Block until ``predicate()`` holds after a tick (checked under the watcher's lock
        whenever it changed something) or ``timeout`` seconds pass. For tests and tools."""
        with self._changed:
            return self._changed.wait_for(predicate, timeout)

    # ----------------------------------------------------------------------------- output
    def _write(self, line: str) -> None:
        if not self._log:
            return
        stream = self._stream if self._stream is not None else sys.stderr
        try:
            stream.write(line + "\n")
            stream.flush()
        except Exception:  # noqa: BLE001 - a closed stderr must not stop the watcher
            pass


def _freeze_text(freeze: dict[str, Any]) -> str:
    """``"GUI froze 2.3 s at app.py:42: waiting for the import lock of 'numpy', held by
    controller-io-3 (importing numpy)"``."""
    verb = "GUI frozen for" if freeze["ongoing"] else "GUI froze"
    text = f"{verb} {freeze['running_s']:.1f} s"
    at = freeze.get("at")
    if at:
        text += f" at {_short_place(at)}"
    blame = freeze["blame"]
    if blame is None:
        return text
    if blame["reason"] == "import":
        return f"{text}: importing {blame['module']!r} on the GUI thread itself"
    held = f"held by {blame['thread_name']}"
    if blame["canary_id"] is not None:
        held += f" (importing {blame['module']})"
    return f"{text}: waiting for the import lock of {blame['lock']!r}, {held}"
