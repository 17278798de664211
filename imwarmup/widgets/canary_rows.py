"""Rows of the canary table: build, filter and sort them. Pure Python: no numpy, no imgui.

The table must work before numpy is warmed (the chart waits for it, the table does not), so this
module imports nothing heavy; ``gantt_model`` reuses its formatting helpers.

Quick start::

    rows = table_rows(controller.canaries(), origin=None, now=clock())   # once per revision
    view = TableView(filter_text="fail")
    shown = view.visible(rows)      # filtered + sorted, cached until rows/filter/sort change
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from ..core.errors import short_error
from ..core.history import is_regression
from ..core.profiler import format_duration
from ..core.report import TimeSplit, format_time_split, time_split

__all__ = [
    "COLUMNS",
    "Row",
    "TableView",
    "display_status",
    "filter_rows",
    "first_submit",
    "fmt_ms",
    "sort_rows",
    "table_rows",
]

# Column keys, in display order; ``sort_rows`` accepts each of them.
COLUMNS: tuple[str, ...] = ("#", "module", "thread", "start", "elapsed", "vs usual", "own",
                             "waiting", "status", "error")


def display_status(record: dict[str, Any]) -> str:
    """A canary's status as shown to a user: ``"queued"`` for a running canary not yet started."""
    status = record["status"]
    if status == "running" and record.get("start_ts") is None:
        return "queued"
    return status


def fmt_ms(ms: float | None) -> str:
    """``12.3 ms`` below 10 s, ``12.35 s`` above; ``-`` for None (never started, never ended).

    ``format_duration`` with the table's preset: its columns are in ms, so ms until 10 s, and no
    µs (0.0 ms reads as "already imported")."""
    return format_duration(ms, seconds_from=10_000.0, microseconds=False, missing="-")


def first_submit(canaries: Iterable[dict[str, Any]]) -> float | None:
    """The earliest ``submit_ts``: time zero of the chart and of the table's start column."""
    times = [c["submit_ts"] for c in canaries if c.get("submit_ts") is not None]
    return min(times) if times else None


@dataclass(slots=True)
class Row:
    """One canary as the table shows it. Times are ms since ``origin`` (the first submit)."""

    canary_id: int
    module: str
    thread: str                 # "" while queued
    start_ms: float | None      # None: never started
    elapsed_ms: float | None    # running: up to ``now`` when the rows were built
    status: str                 # display status ("queued" for a running canary not started)
    error: str                  # "" when none; first line, <= 300 chars (the canary has it all)
    main_thread: bool
    start_ts: float | None      # absolute, so a running row can show live elapsed time
    retried: bool = False       # failed beside another import in flight, then imported alone
    # The import's own work (its thread's CPU time) and the rest of its elapsed time (waiting:
    # the GIL, module locks, I/O); None while it runs or when the source does not measure it.
    own_ms: float | None = None
    wait_ms: float | None = None
    lock_waits: tuple[tuple[str, str, float], ...] = ()  # TimeSplit.lock_waits, when recorded
    # The module's usual elapsed ms (median of its last 5 runs in the start-up history), None
    # without history; vs_usual_ms is this run's difference once it has completed.
    usual_ms: float | None = None
    vs_usual_ms: float | None = None
    regressed: bool = False     # slower than usual by > 20% and > 20 ms (history's rule)

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @property
    def split(self) -> str:
        """Own work vs waiting in words (``format_time_split``); "" when not measured. Built
        when asked (a hovered cell), not for every row."""
        if self.own_ms is None or self.wait_ms is None:
            return ""
        locked = min(sum(ms for _, _, ms in self.lock_waits), self.wait_ms)
        return format_time_split(TimeSplit(
            elapsed_ms=self.own_ms + self.wait_ms, own_ms=self.own_ms, wait_ms=self.wait_ms,
            lock_waits=self.lock_waits, other_ms=self.wait_ms - locked))


def table_rows(canaries: Sequence[dict[str, Any]], origin: float | None, now: float,
               trees: dict[int, list[dict[str, Any]]] | None = None,
               usual: Mapping[str, float] | None = None) -> list[Row]:
    """Turn canary records (``WarmupController.canaries()``) into table rows.

    Args:
        canaries: canary dicts; see ``imwarmup.core.manager``.
        origin: time zero (``time.time()`` seconds); None picks the first submit.
        now: the frame's clock, for the elapsed time of running canaries.
        trees: ``controller.import_trees()``, or None: the module locks each import waited
            for, named in the own/waiting tooltip.
        usual: module -> usual elapsed ms (``HistoryService.usual()``), or None: the "vs usual"
            column.

    Returns:
        One ``Row`` per canary, in the given order.
    """
    if origin is None:
        origin = first_submit(canaries) or 0.0
    rows = []
    trees = trees or {}
    for c in canaries:
        # Own work vs waiting as time_split has it, inline for the common case (no recorded
        # lock waits): 10,000 rows pay a few ms, not a dataclass each.
        own = wait = None
        lock_waits: tuple[tuple[str, str, float], ...] = ()
        cpu, ended = c.get("cpu_ms"), c.get("elapsed_ms")
        if cpu is not None and ended is not None:
            tree = trees.get(c["canary_id"]) if trees else None
            if tree:
                split = time_split(c, tree)
                assert split is not None  # elapsed_ms and cpu_ms are both there
                own, wait, lock_waits = split.own_ms, split.wait_ms, split.lock_waits
            else:
                ended = max(float(ended), 0.0)
                own = min(max(float(cpu), 0.0), ended)
                wait = ended - own
        start = c.get("start_ts")
        end = c.get("end_ts")
        if start is None:
            elapsed = None
        elif c.get("elapsed_ms") is not None:
            elapsed = c["elapsed_ms"]
        else:
            elapsed = ((end if end is not None else now) - start) * 1000.0
        rows.append(Row(
            canary_id=c["canary_id"],
            module=c["module"],
            thread=c.get("thread_name") or "",
            start_ms=None if start is None else (start - origin) * 1000.0,
            elapsed_ms=elapsed,
            status=display_status(c),
            # A table cell shows one short line: a 5 MB message would be measured and drawn
            # every frame. The canary and the report keep the whole text.
            error=short_error(c.get("error")),
            main_thread=bool(c.get("main_thread")),
            start_ts=start,
            retried=bool(c.get("retried")),
            own_ms=own,
            wait_ms=wait,
            lock_waits=lock_waits,
        ))
        if usual:
            row = rows[-1]
            row.usual_ms = usual.get(row.module)
            if row.usual_ms is not None and c["status"] == "completed" and elapsed is not None:
                row.vs_usual_ms = elapsed - row.usual_ms
                row.regressed = is_regression(elapsed, row.usual_ms)
    return rows


def filter_rows(rows: Sequence[Row], text: str) -> list[Row]:
    """Rows matching every word of ``text`` (case-insensitive, in module, thread, status, error
    or ``#id``); a word starting with ``-`` excludes rows that match it. Empty text keeps all."""
    words = text.lower().split()
    if not words:
        return list(rows)
    include = [w for w in words if not w.startswith("-")]
    exclude = [w[1:] for w in words if w.startswith("-") and len(w) > 1]
    out = []
    for row in rows:
        hay = f"#{row.canary_id} {row.module} {row.thread} {row.status} {row.error}".lower()
        if all(w in hay for w in include) and not any(w in hay for w in exclude):
            out.append(row)
    return out


_KEYS = {
    "#": lambda r: r.canary_id,
    "module": lambda r: r.module.lower(),
    "thread": lambda r: r.thread.lower() or None,
    "start": lambda r: r.start_ms,
    "elapsed": lambda r: r.elapsed_ms,
    "vs usual": lambda r: r.vs_usual_ms,
    "own": lambda r: r.own_ms,
    "waiting": lambda r: r.wait_ms,
    "status": lambda r: r.status,
    "error": lambda r: r.error.lower() or None,
}


def sort_rows(rows: Sequence[Row], column: str, ascending: bool = True) -> list[Row]:
    """Rows sorted by ``column`` (one of ``COLUMNS``); ties keep canary order; empty values
    (never started, no error) go last in both directions.

    Raises:
        ValueError: an unknown column.
    """
    try:
        key = _KEYS[column]
    except KeyError:
        raise ValueError(f"sort_rows(): unknown column {column!r}; expected one of {COLUMNS}") from None
    present = [r for r in rows if key(r) is not None]
    missing = [r for r in rows if key(r) is None]
    present.sort(key=lambda r: r.canary_id)  # stable tie order whatever the input order
    present.sort(key=key, reverse=not ascending)
    return present + missing


@dataclass
class TableView:
    """What the user chose in the table; the caller owns it (widgets keep no state of their own).

    ``filter_text``, ``sort_column`` and ``ascending`` are edited by ``draw_canary_table``;
    ``visible()`` caches the filtered, sorted rows until the rows list, the filter or the sort
    changes, so a frame with 10,000 rows does no Python work per row.
    """

    filter_text: str = ""
    sort_column: str = "#"
    ascending: bool = True
    _cache_key: tuple = field(default=(), repr=False, compare=False)
    _cache_rows: list = field(default_factory=list, repr=False, compare=False)
    _cache_source: Any = field(default=None, repr=False, compare=False)
    _usual_source: Any = field(default=None, repr=False, compare=False)
    _usual_shown: bool = field(default=False, repr=False, compare=False)

    def visible(self, rows: Sequence[Row]) -> list[Row]:
        """``rows`` filtered by ``filter_text`` and sorted by ``sort_column``/``ascending``.

        Pass a new list when the data change (e.g. a new ``table_rows()`` per revision): the
        cache is keyed on the list's identity, not its content.
        """
        key = (len(rows), self.filter_text, self.sort_column, self.ascending)
        if rows is not self._cache_source or key != self._cache_key:
            self._cache_rows = sort_rows(filter_rows(rows, self.filter_text),
                                         self.sort_column, self.ascending)
            self._cache_source = rows
            self._cache_key = key
        return self._cache_rows

    def shows_usual(self, rows: Sequence[Row]) -> bool:
        """Whether the "vs usual" column is shown: some row has a usual time (a start-up
        history knows the module). Cached on the rows list, like ``visible()``."""
        if rows is not self._usual_source:
            self._usual_source = rows
            self._usual_shown = any(r.usual_ms is not None for r in rows)
        return self._usual_shown
