"""StartupProfiler: the start-up phases of an app, as a desktop app or a server reports them.

Quick start::

    profiler = StartupProfiler()
    with profiler.phase("config.load"):          # sequential: on the critical path
        load_config()
    profiler.track_async("db.connect", future)   # async: runs beside the critical path
    profiler.mark_ready("first_frame")
    print(profiler.format_report())

Definitions used in the report:
- ``critical_path_ms``: the sum of the top-level sequential phases (nested phases are inside their
  parent and are not counted twice): the time the main path spent blocked on start-up work.
- ``total_ms``: from the profiler's origin to the last end of any phase or mark.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

__all__ = ["StartupProfiler", "format_duration"]


def format_duration(ms: float | None, *, seconds_from: float = 1000.0, microseconds: bool = True,
                    missing: str = "—") -> str:
    """The one duration formatter: ``0.0042`` -> ``"4.2 µs"``, ``20.5`` -> ``"20.5 ms"``,
    ``2500`` -> ``"2.50 s"``.

    Args:
        ms: the duration in milliseconds, or None (shown as ``missing``).
        seconds_from: at and above this many ms, show seconds.
        microseconds: below 1 ms, show µs (False: keep ms, as a ms column does).
        missing: the text for None.
    """
    if ms is None:
        return missing
    if abs(ms) >= seconds_from:
        return f"{ms / 1000.0:.2f} s"
    if microseconds and ms < 1.0:
        return f"{ms * 1000.0:.1f} µs"
    return f"{ms:.1f} ms"


class StartupProfiler:
    """Times sequential and async start-up phases and ready marks against one origin.

    Args:
        clock: returns seconds; ``time.perf_counter`` by default. Phases added with absolute
            times (``add_phase``) must use the same clock.
        origin: the time all offsets are relative to; the moment of construction by default.
    """

    def __init__(self, clock: Callable[[], float] = time.perf_counter, origin: float | None = None):
        if not callable(clock):
            raise TypeError(f"StartupProfiler(): clock must be callable, got {clock!r}")
        self._clock = clock
        self._origin = clock() if origin is None else float(origin)
        self._lock = threading.Lock()
        self._phases: list[dict[str, Any]] = []
        self._marks: list[dict[str, Any]] = []
        self._local = threading.local()

    @property
    def origin(self) -> float:
        return self._origin

    @property
    def clock(self) -> Callable[[], float]:
        return self._clock

    @contextmanager
    def phase(self, name: str) -> Iterator[dict[str, Any]]:
        """Time a sequential phase on the critical path: ``with profiler.phase("config.load"):``.

        Phases may nest; a nested phase records its depth and its parent.
        """
        _check_name(name, "phase")
        stack = self._stack()
        record = {
            "name": name,
            "kind": "sequential",
            "start": self._clock(),
            "end": None,
            "depth": len(stack),
            "parent": stack[-1]["name"] if stack else None,
            "thread": threading.current_thread().name,
            "error": None,
        }
        with self._lock:
            self._phases.append(record)
            started = dict(record)  # the caller's copy: the live record is written under the lock
        stack.append(record)
        error = None
        try:
            yield started
        except BaseException as exc:
            error = _describe(exc)
            raise
        finally:
            stack.pop()
            end = self._clock()
            with self._lock:
                record["end"] = end
                record["error"] = error

    @contextmanager
    def async_phase(self, name: str) -> Iterator[dict[str, Any]]:
        """Time a background phase from inside the job that does it (any thread)."""
        _check_name(name, "async_phase")
        record, started = self._new_async(name, self._clock())
        error = None
        try:
            yield started
        except BaseException as exc:
            error = _describe(exc)
            raise
        finally:
            end = self._clock()
            with self._lock:
                record["end"] = end
                record["error"] = error

    def track_async(self, name: str, future: Any) -> dict[str, Any]:
        """Time a background phase from now until ``future`` is done (a ``concurrent.futures.Future``).

        Returns:
            A copy of the phase record as it starts; ``report()`` has its end and error once
            the future is done.
        """
        _check_name(name, "track_async")
        if not callable(getattr(future, "add_done_callback", None)):
            raise TypeError(
                f"track_async(): future must be a concurrent.futures.Future, got {future!r}"
            )
        record, started = self._new_async(name, self._clock())

        def done(fut: Any) -> None:
            end = self._clock()
            error = None
            if fut.cancelled():
                error = "cancelled"
            else:
                exc = fut.exception()
                if exc is not None:
                    error = _describe(exc)
            with self._lock:
                record["end"] = end
                record["error"] = error

        future.add_done_callback(done)
        return started

    def add_phase(
        self,
        name: str,
        start: float,
        end: float | None,
        *,
        kind: str = "async",
        thread: str | None = None,
        error: str | None = None,
    ) -> None:
        """Record a phase whose times are already known (same clock as the profiler)."""
        _check_name(name, "add_phase")
        if kind not in ("sequential", "async"):
            raise ValueError(f"add_phase(): kind must be 'sequential' or 'async', got {kind!r}")
        record = {
            "name": name, "kind": kind, "start": float(start),
            "end": None if end is None else float(end), "depth": 0, "parent": None,
            "thread": thread, "error": error,
        }
        with self._lock:
            self._phases.append(record)

    def mark_ready(self, name: str = "first_frame") -> float:
        """Record that the app became usable (``first_frame`` by default); return ms since origin."""
        _check_name(name, "mark_ready")
        at = self._clock()
        with self._lock:
            self._marks.append({"name": name, "at": at})
        return (at - self._origin) * 1000.0

    def _new_async(self, name: str, start: float) -> tuple[dict[str, Any], dict[str, Any]]:
        """A new async phase: the live record (written under the lock) and the caller's copy."""
        record = {
            "name": name, "kind": "async", "start": start, "end": None, "depth": 0,
            "parent": None, "thread": threading.current_thread().name, "error": None,
        }
        with self._lock:
            self._phases.append(record)
            return record, dict(record)

    def _stack(self) -> list[dict[str, Any]]:
        stack = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        return stack

    # ------------------------------------------------------------------------------ report
    def report(self) -> dict[str, Any]:
        """The profile as JSON-serialisable data.

        Returns:
            ``{"origin", "total_ms", "critical_path_ms", "phases": [{"name", "kind", "start_ms",
            "duration_ms", "depth", "thread", "error", "done"}...], "marks": [{"name", "at_ms"}]}``;
            a phase still running has ``done`` False and its duration up to now.
        """
        now = self._clock()
        origin = self._origin
        with self._lock:
            phases = [dict(p) for p in self._phases]
            marks = [dict(m) for m in self._marks]
        out_phases = []
        last = origin
        critical = 0.0
        for p in sorted(phases, key=lambda p: (p["start"], p["kind"] != "sequential")):
            end = p["end"] if p["end"] is not None else now
            duration = max(0.0, (end - p["start"]) * 1000.0)
            last = max(last, end)
            if p["kind"] == "sequential" and p["depth"] == 0:
                critical += duration
            out_phases.append({
                "name": p["name"],
                "kind": p["kind"],
                "start_ms": (p["start"] - origin) * 1000.0,
                "duration_ms": duration,
                "depth": p["depth"],
                "thread": p["thread"],
                "error": p["error"],
                "done": p["end"] is not None,
            })
        out_marks = []
        for m in marks:
            last = max(last, m["at"])
            out_marks.append({"name": m["name"], "at_ms": (m["at"] - origin) * 1000.0})
        return {
            "origin": origin,  # the clock value all *_ms are relative to
            "total_ms": (last - origin) * 1000.0,
            "critical_path_ms": critical,
            "phases": out_phases,
            "marks": out_marks,
        }

    def format_report(self) -> str:
        """An aligned text table: sequential phases, async phases, marks, critical path and total."""
        data = self.report()
        rows: list[tuple[str, str, str, str]] = []
        seq = [p for p in data["phases"] if p["kind"] == "sequential"]
        asy = [p for p in data["phases"] if p["kind"] == "async"]

        def add(section: str, phases: list[dict[str, Any]]) -> None:
            if not phases:
                return
            rows.append((section, "", "", ""))
            for p in phases:
                note = "" if p["done"] else " (running)"
                if p["error"]:
                    note += f" ! {p['error']}"
                rows.append((
                    "  " + "  " * p["depth"] + p["name"],
                    format_duration(p["start_ms"]),
                    format_duration(p["duration_ms"]),
                    note.strip(),
                ))

        add("Sequential phases", seq)
        add("Async phases", asy)
        if data["marks"]:
            rows.append(("Marks", "", "", ""))
            for m in data["marks"]:
                rows.append(("  " + m["name"], format_duration(m["at_ms"]), "", "ready"))
        head = ("phase", "start", "duration", "")
        width = [max(len(r[i]) for r in [head, *rows]) for i in range(3)]
        lines = ["Startup profile"]
        lines.append(f"{head[0]:<{width[0]}}  {head[1]:>{width[1]}}  {head[2]:>{width[2]}}".rstrip())
        for name, start, duration, note in rows:
            line = f"{name:<{width[0]}}  {start:>{width[1]}}  {duration:>{width[2]}}  {note}"
            lines.append(line.rstrip())
        lines.append(f"Critical path: {format_duration(data['critical_path_ms'])}")
        lines.append(f"Total: {format_duration(data['total_ms'])}")
        return "\n".join(lines)


def _describe(exc: BaseException) -> str:
    """``Type: message``, even for an exception whose ``__str__`` raises."""
    try:
        return f"{type(exc).__name__}: {exc}"
    except Exception:  # noqa: BLE001 - a broken __str__ must not hide the failure
        return f"{type(exc).__name__}: (its message could not be read)"


def _check_name(name: Any, where: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{where}(): name must be a non-empty str, got {name!r}")
