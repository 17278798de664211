"""A scripted warmup source: canaries planned on a timeline, replayed against an injected clock.

At any clock time the source answers ``warmup_status()`` and ``canaries()`` exactly as a
``WarmupController`` would at that moment (queued, running, then completed/failed/cancelled), so
a test steps the clock and the GUI walks through every state, with the same pixels every run.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterable

__all__ = [
    "FrozenClock", "MockClock", "StepClock", "PlannedCanary", "plan", "ScriptedSource",
    "ScriptedProfiler",
]

ORIGIN = 1_700_000_000.0  # a fixed wall-clock origin: screenshots do not depend on today


class FrozenClock:
    """A clock that returns ``now`` until a test sets it (``clock.set_time(t)``, Textual's
    ``MockClock`` name; ``set`` is the same) or moves it (``advance(seconds)``).

    ``MockClock`` is this class: engine tests call it that.
    """

    def __init__(self, now: float = ORIGIN) -> None:
        self.now = float(now)

    def __call__(self) -> float:
        return self.now

    def set_time(self, now: float) -> None:
        self.now = float(now)

    set = set_time

    def advance(self, seconds: float) -> None:
        self.now += seconds


MockClock = FrozenClock


class StepClock(FrozenClock):
    """A clock that moves ``step`` seconds forward each time it is read (once per frame in the
    plugin), so N frames always cover the same span of time."""

    def __init__(self, start: float = ORIGIN, step: float = 1 / 60) -> None:
        super().__init__(start)
        if step < 0:
            raise ValueError(f"StepClock(): step must be >= 0, got {step!r}")
        self.step = step
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            now = self.now
            self.now += self.step
            return now


@dataclass(frozen=True)
class PlannedCanary:
    """One module's planned warmup, in seconds after the source's origin.

    ``start=None`` never starts (stays queued); ``end=None`` never ends (stays running).
    """

    module: str
    thread_name: str | None
    submit: float = 0.0
    start: float | None = None
    end: float | None = None
    outcome: str = "completed"  # completed | failed | cancelled
    error: str | None = None
    cpu: float | None = None   # the import's own work (thread CPU seconds); None: not measured

    def __post_init__(self) -> None:
        if self.outcome not in ("completed", "failed", "cancelled"):
            raise ValueError(
                f"PlannedCanary({self.module!r}): outcome must be completed, failed or cancelled, "
                f"got {self.outcome!r}"
            )
        if self.outcome == "failed" and not self.error:
            raise ValueError(f"PlannedCanary({self.module!r}): a failed canary needs an error text")
        if self.start is not None and self.start < self.submit:
            raise ValueError(f"PlannedCanary({self.module!r}): start is before submit")
        if self.end is not None and self.start is not None and self.end < self.start:
            raise ValueError(f"PlannedCanary({self.module!r}): end is before start")
        if self.cpu is not None and not (
                self.start is not None and self.end is not None
                and 0.0 <= self.cpu <= self.end - self.start):
            raise ValueError(f"PlannedCanary({self.module!r}): cpu must be between 0 and "
                             f"end - start (a started, ended import), got {self.cpu!r}")


def plan(module: str, thread_name: str | None = "controller-io-0", **kwargs: Any) -> PlannedCanary:
    """Shorthand for ``PlannedCanary(module, thread_name, ...)``."""
    return PlannedCanary(module, thread_name, **kwargs)


class ScriptedProfiler:
    """A fixed startup profile (``report()``/``format_report()``), for the profile tab."""

    def __init__(self, report: dict[str, Any], text: str) -> None:
        self._report = report
        self._text = text
        self.ready_marks: list[str] = []

    def report(self) -> dict[str, Any]:
        return self._report

    def format_report(self) -> str:
        return self._text

    def mark_ready(self, name: str = "first_frame") -> float:
        self.ready_marks.append(name)
        return 0.0


class ScriptedSource:
    """A warmup source replaying ``planned`` canaries against ``clock``.

    Args:
        planned: the canaries, in submission order (canary ids follow it).
        clock: seconds; the plan is relative to ``origin``.
        origin: the clock time of the plan's 0; ``ORIGIN`` by default.
        profiler: optional object with ``report()``/``format_report()``.
    """

    def __init__(
        self,
        planned: Iterable[PlannedCanary],
        clock: Callable[[], float],
        origin: float = ORIGIN,
        profiler: Any = None,
    ) -> None:
        self._planned = list(planned)
        self._clock = clock
        self._origin = origin
        if profiler is not None:
            self.profiler = profiler

    def _now(self) -> float:
        # Peek a FrozenClock/StepClock without moving it: the plugin reads it once per frame.
        if isinstance(self._clock, FrozenClock):
            return self._clock.now
        return self._clock()

    def _records(self, now: float) -> list[dict[str, Any]]:
        rel = now - self._origin
        records = []
        for index, p in enumerate(self._planned, start=1):
            if p.submit > rel:
                continue
            started = p.start is not None and p.start <= rel
            ended = started and p.end is not None and p.end <= rel
            status = p.outcome if ended else "running"
            if p.outcome == "cancelled" and p.end is not None and p.end <= rel:
                status = "cancelled"
                ended = True
            start_ts = self._origin + p.start if started else None
            end_ts = self._origin + p.end if ended else None
            records.append({
                "canary_id": index,
                "module": p.module,
                "thread_name": p.thread_name if started else None,
                "thread_id": (1000 + index) if started else None,
                "submit_ts": self._origin + p.submit,
                "start_ts": start_ts,
                "end_ts": end_ts,
                "elapsed_ms": (end_ts - start_ts) * 1000.0 if start_ts and end_ts else None,
                "cpu_ms": (p.cpu * 1000.0 if p.cpu is not None and start_ts and end_ts
                           and status != "cancelled" else None),
                "status": status,
                "error": p.error if ended and p.outcome == "failed" else None,
                "main_thread": started and p.thread_name == "MainThread",
            })
        return records

    def canaries(self) -> list[dict[str, Any]]:
        return self._records(self._now())

    def warmup_status(self) -> dict[str, list[str]]:
        status: dict[str, list[str]] = {"pending": [], "completed": [], "failed": []}
        for r in self._records(self._now()):
            if r["status"] == "running":
                status["pending"].append(r["module"])
            elif r["status"] in ("completed", "failed"):
                status[r["status"]].append(r["module"])
        return status

    @property
    def revision(self) -> int:
        """Changes whenever a canary is submitted, starts or ends at the current clock time."""
        rel = self._now() - self._origin
        started = sum(1 for p in self._planned if p.start is not None and p.start <= rel)
        ended = sum(1 for p in self._planned if p.end is not None and p.end <= rel)
        submitted = sum(1 for p in self._planned if p.submit <= rel)
        return hash((submitted, started, ended))
