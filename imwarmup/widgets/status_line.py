"""What the status bar segment says: pure functions of the warmup status (no imgui import).

The status bar calls ``status_line`` only when the status changed, and ``pending_tooltip`` only
while the mouse is over the segment, so the per-frame cost stays flat however many canaries exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from ..theme.palette import Role
from ..core.profiler import format_duration

__all__ = ["StatusLine", "status_line", "status_line_counts", "pending_tooltip"]


@dataclass(frozen=True)
class StatusLine:
    """The status bar's text, dot colour and progress for one warmup status."""

    state: str        # "idle" | "warming" | "ready" | "failed"
    text: str
    role: Role
    finished: int     # completed + failed + cancelled: every module whose warmup has ended
    total: int
    failed: int
    fraction: float   # finished / total, 0 when nothing was submitted
    cancelled: int = 0  # still queued when the pool shut down: never imported
    stalled: str | None = None  # "sympy stalled 12 s" while an import is stalled


def status_line(status: Mapping[str, Any], stalled: str | None = None) -> StatusLine:
    """The status bar line for ``{"pending": [...], "completed": [...], "failed": [...],
    "cancelled": [...]}`` (a status without "cancelled" counts none). ``stalled`` is the
    controller's ``stall_note()`` ("sympy stalled 12 s"), added while warming.

    Every submitted module is counted: cancelled ones end the warmup like finished ones and the
    text says how many there are ("Imports ready, 6 cancelled"), so none vanishes from the bar.

    Raises:
        TypeError: ``status`` is not such a mapping (names the missing key).
    """
    try:
        pending = len(status["pending"])
        completed = len(status["completed"])
        failed = len(status["failed"])
        cancelled = len(status.get("cancelled", ()))
    except (KeyError, TypeError, AttributeError) as exc:
        raise TypeError(
            f"status_line(): expected a warmup status mapping with 'pending', 'completed' and "
            f"'failed' lists (and optionally 'cancelled'), got {status!r} ({exc})"
        ) from None
    return status_line_counts(pending, completed, failed, cancelled, stalled)


def status_line_counts(pending: int, completed: int, failed: int, cancelled: int = 0,
                       stalled: str | None = None) -> StatusLine:
    """``status_line()`` from the sizes of the status lists (``status_counts()``).

    Raises:
        TypeError: a count is not an int.
    """
    for count in (pending, completed, failed, cancelled):
        if not isinstance(count, int) or isinstance(count, bool):
            raise TypeError(f"status_line_counts(): counts must be ints, got {count!r}")
    finished = completed + failed + cancelled
    total = finished + pending
    if total == 0:
        return StatusLine("idle", "Warmup idle", Role.IDLE, 0, 0, 0, 0.0)
    tail = f", {cancelled} cancelled" if cancelled else ""
    if pending:
        note = f" \u00b7 {stalled}" if stalled else ""
        return StatusLine(
            "warming", f"Warming up... ({finished}/{total}){tail}{note}", Role.WARMING,
            finished, total, failed, finished / total, cancelled, stalled or None,
        )
    if failed:
        return StatusLine(
            "failed", f"Imports ready, {failed} failed{tail}", Role.FAILED, finished, total,
            failed, 1.0, cancelled,
        )
    if cancelled:
        # Not "All imports ready": some were never imported. Grey, like a cancelled canary.
        return StatusLine(
            "ready", f"Imports ready, {cancelled} cancelled", Role.CANCELLED, finished, total,
            0, 1.0, cancelled,
        )
    return StatusLine("ready", "All imports ready", Role.READY, finished, total, 0, 1.0)


def pending_tooltip(
    canaries: Iterable[Mapping[str, Any]], pending: Iterable[str], now: float, limit: int = 12
) -> list[str]:
    """Tooltip lines: each pending module and how long it has run (or queued), then the slowest.

    Args:
        canaries: canary records (the newest record of a module wins).
        pending: the names in the status's ``pending`` list.
        now: the frame's time, on the canaries' clock.
        limit: at most this many pending lines; the rest are counted in one line.
    """
    latest: dict[str, Mapping[str, Any]] = {}
    slowest: Mapping[str, Any] | None = None
    for c in canaries:
        latest[c["module"]] = c
        if c.get("status") in ("completed", "failed") and c.get("elapsed_ms") is not None:
            if slowest is None or c["elapsed_ms"] > slowest["elapsed_ms"]:
                slowest = c
    lines: list[str] = []
    pending = list(pending)
    rows = []
    for name in pending:
        c = latest.get(name)
        if c is None or c.get("start_ts") is None:
            since = c.get("submit_ts") if c else None
            age = (now - since) * 1000.0 if since is not None else None
            rows.append((age or 0.0, f"{name}: queued {format_duration(age)}"))
        else:
            age = (now - c["start_ts"]) * 1000.0
            rows.append((age, f"{name}: {format_duration(age)} on {c.get('thread_name')}"))
    rows.sort(key=lambda r: -r[0])  # the longest-running first: that is what a user looks for
    if rows:
        lines.append(f"Pending ({len(rows)}):")
        lines.extend("  " + text for _, text in rows[:limit])
        if len(rows) > limit:
            lines.append(f"  ... and {len(rows) - limit} more")
    if slowest is not None:
        lines.append(
            f"Slowest so far: {slowest['module']} ({format_duration(slowest['elapsed_ms'])})"
        )
    if not lines:
        lines.append("Nothing is warming.")
    lines.append("Click for the warmup diagnostics.")
    return lines
