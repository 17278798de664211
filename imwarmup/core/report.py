"""Plain-text and summary views of the canaries: what "Copy report" puts on the clipboard and what
the text-mode demo prints. Pure functions over canary records (no GUI import).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from .errors import short_error
from .profiler import format_duration

__all__ = ["WarmupSummary", "summarize", "format_canary_table", "format_text_report"]


@dataclass(frozen=True)
class WarmupSummary:
    modules: int
    completed: int
    failed: int
    cancelled: int
    running: int          # importing now
    queued: int           # submitted, waiting for a worker
    wall_ms: float        # first submit -> last end (or now while running)
    sum_ms: float         # sum of per-module elapsed (counts time waiting for the GIL and locks)
    slowest: str | None
    slowest_ms: float
    main_thread: int      # canaries that ran on the main thread
    retried: int = 0      # imports retried after another import in flight broke them

    def line(self) -> str:
        """One summary line, e.g. for the debug window's header."""
        parts = [f"{self.modules} modules", f"{self.completed} completed"]
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.cancelled:
            parts.append(f"{self.cancelled} cancelled")
        if self.retried:
            parts.append(f"{self.retried} retried")
        if self.running or self.queued:
            parts.append(f"{self.running} running, {self.queued} queued")
        text = ", ".join(parts)
        # No "speed-up" from the sum of elapsed: a worker's elapsed is mostly waiting for the
        # interpreter lock, so sum / wall reads as a gain that is not there.
        text += f" | wall {format_duration(self.wall_ms)}"
        if self.slowest:
            text += f" | slowest {self.slowest} ({format_duration(self.slowest_ms)})"
        return text


def summarize(canaries: Iterable[Mapping[str, Any]], now: float) -> WarmupSummary:
    """Summary numbers over canary records; running canaries count up to ``now``."""
    n = completed = failed = cancelled = running = queued = main = retried = 0
    first_submit = None
    last_end = None
    total = 0.0
    slowest, slowest_ms = None, -1.0
    for c in canaries:
        n += 1
        status = c["status"]
        start, end = c.get("start_ts"), c.get("end_ts")
        if c.get("main_thread"):
            main += 1
        if c.get("retried"):
            retried += 1
        if status == "completed":
            completed += 1
        elif status == "failed":
            failed += 1
        elif status == "cancelled":
            cancelled += 1
        elif start is None:
            queued += 1
        else:
            running += 1
            end = now
        submit = c.get("submit_ts")
        if submit is not None and (first_submit is None or submit < first_submit):
            first_submit = submit
        if end is not None and (last_end is None or end > last_end):
            last_end = end
        if start is not None and end is not None:
            ms = (end - start) * 1000.0
            total += ms
            if ms > slowest_ms:
                slowest, slowest_ms = c["module"], ms
    if queued and first_submit is not None:
        last_end = now if last_end is None else max(last_end, now)
    wall = (last_end - first_submit) * 1000.0 if first_submit is not None and last_end else 0.0
    wall = max(wall, 0.0)
    return WarmupSummary(
        modules=n, completed=completed, failed=failed, cancelled=cancelled, running=running,
        queued=queued, wall_ms=wall, sum_ms=total,
        slowest=slowest, slowest_ms=max(slowest_ms, 0.0), main_thread=main, retried=retried,
    )


def format_canary_table(canaries: Iterable[Mapping[str, Any]]) -> str:
    """An aligned table: id, module, thread, start (ms after the first submit), elapsed, status,
    error (its first line, at most 300 characters: ``format_text_report`` adds the whole text)."""
    rows = list(canaries)
    origin = min((c["submit_ts"] for c in rows if c.get("submit_ts") is not None), default=0.0)
    head = ("#", "module", "thread", "start", "elapsed", "status", "error")
    table = [head]
    for c in rows:
        start = c.get("start_ts")
        table.append((
            str(c["canary_id"]),
            c["module"],
            str(c.get("thread_name") or "-") + (" [MAIN-THREAD]" if c.get("main_thread") else ""),
            format_duration((start - origin) * 1000.0) if start is not None else "queued",
            format_duration(c.get("elapsed_ms")),
            c["status"],
            short_error(c.get("error")),
        ))
    widths = [max(len(r[i]) for r in table) for i in range(6)]
    right = {0, 3, 4}
    lines = []
    for r in table:
        cells = [
            f"{r[i]:>{widths[i]}}" if i in right else f"{r[i]:<{widths[i]}}" for i in range(6)
        ]
        lines.append(("  ".join(cells) + "  " + r[6]).rstrip())
    return "\n".join(lines)


def format_text_report(
    canaries: Iterable[Mapping[str, Any]], now: float, profile_text: str | None = None
) -> str:
    """The whole report: summary line, canary table, then what the table cannot hold (the
    modules cancelled, imports retried, whole error texts), and (when given) the startup profile.
    """
    rows = list(canaries)
    parts = ["imwarmup report", summarize(rows, now).line(), "", format_canary_table(rows)]
    cancelled = [c["module"] for c in rows if c["status"] == "cancelled"]
    if cancelled:
        parts += ["", f"Cancelled ({len(cancelled)}; never imported, e.g. queued when the pool "
                      f"shut down): {', '.join(cancelled)}"]
    retried = [c for c in rows if c.get("retried")]
    if retried:
        parts += ["", f"Retried ({len(retried)}; the first attempt failed while other imports "
                      f"ran):"]
        parts += [f"  #{c['canary_id']} {c['module']}: {c['retried']}" for c in retried]
    long_errors = [c for c in rows if c.get("error") and short_error(c["error"]) != c["error"]]
    if long_errors:
        parts += ["", "Errors in full:"]
        for c in long_errors:
            parts += [f"  #{c['canary_id']} {c['module']}:", c["error"]]
    if profile_text:
        parts += ["", profile_text]
    return "\n".join(parts) + "\n"
