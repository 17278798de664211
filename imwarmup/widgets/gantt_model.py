"""The Gantt chart's data, without a window: lanes, bar geometry, culling, folding, hit tests,
tooltips. numpy, no imgui.

numpy reaches this module through the warmup itself (the plugin imports it only once
``require_warmed("numpy")`` succeeds), so importing it never blocks a frame.

How a frame stays cheap with 100,000 canaries (the same ideas as Tracy's timeline):

- ``update(canaries, revision)`` sorts the canaries into lanes once per data change;
- ``view(x_min, x_max, width_px)`` finds the visible bars of each lane with ``searchsorted``
  (never a scan of the lane) and folds runs of bars narrower than ``min_bar_px`` into one block
  per run, vectorised; the result is cached until the revision, the range or the width change;
- running bars (whose end is "now") stay out of the fold and its cache: there is at most one per
  worker, and the widget stretches them to ``now`` when it draws.

Quick start::

    model = GanttModel()
    model.update(controller.canaries(), controller.revision)   # rebuilds only on a new revision
    view = model.view(0.0, model.x_extent(now)[1], width_px=800.0)
    hit = model.hit_test(view, lane=0, x=0.25, now=now)
    if hit is not None:   # a bar, or a block of folded bars
        print(hit.block.tooltip() if hit.block is not None else model.tooltip(hit.index, now))

(The summary line lives in ``imwarmup.core.report.summarize``.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

from ..core.errors import short_error
from ..core.report import format_time_split, time_split

import numpy as np

from ..theme.sizes import SIZES
from .canary_rows import display_status, first_submit, fmt_ms

__all__ = [
    "MAIN_THREAD_LANE",
    "Block",
    "GanttModel",
    "Hit",
    "LaneView",
    "View",
    "lane_order",
]

MAIN_THREAD_LANE = "MainThread"

# Status codes in the model's arrays; ``STATUSES[code]`` is the display status.
STATUSES: tuple[str, ...] = ("completed", "failed", "cancelled", "running", "queued")
_CODE = {s: i for i, s in enumerate(STATUSES)}
RUNNING = _CODE["running"]
_FAILED = _CODE["failed"]

_IO_LANE = re.compile(r"^controller-io-(\d+)$")


def lane_order(names: Sequence[str]) -> list[str]:
    """Lane names in display order: ``controller-io-N`` by N, then other threads by name, then
    ``MainThread`` (present only if in ``names``)."""
    io, other, main = [], [], []
    for name in set(names):
        m = _IO_LANE.match(name)
        if m:
            io.append((int(m.group(1)), name))
        elif name == MAIN_THREAD_LANE:
            main.append(name)
        else:
            other.append(name)
    return [n for _, n in sorted(io)] + sorted(other) + main


@dataclass(frozen=True, slots=True)
class Block:
    """Bars folded together because each is too narrow to see at the current zoom."""

    lane: int
    x0: float          # seconds since the first submit
    x1: float
    count: int
    total_s: float     # sum of the folded bars' run times
    failed: int = 0    # how many of them failed

    def tooltip(self) -> str:
        lines = [f"{self.count} modules, {fmt_ms(self.total_s * 1000.0)}"]
        if self.failed:
            lines.append(f"{self.failed} failed")
        lines.append(f"from {fmt_ms(self.x0 * 1000.0)} to {fmt_ms(self.x1 * 1000.0)}")
        lines.append("Zoom in (mouse wheel) to see them one by one.")
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Hit:
    """What is under the mouse: one canary (``index`` into the model) or a folded ``block``."""

    lane: int
    index: int | None = None
    canary_id: int | None = None
    block: Block | None = None


@dataclass(slots=True)
class LaneView:
    """The items of one lane to draw, sorted by x: single bars (``idx >= 0``, an index into the
    model's arrays) and folded blocks (``idx == -1``, ``count`` bars, ``total_s`` run time,
    ``failed`` of them failed)."""

    x0: np.ndarray
    x1: np.ndarray      # running bars: their start (the widget stretches them to ``now``)
    idx: np.ndarray
    count: np.ndarray
    total_s: np.ndarray
    failed: np.ndarray


@dataclass(slots=True)
class View:
    x_min: float
    x_max: float
    width_px: float
    lanes: list[LaneView]

    @property
    def scale(self) -> float:
        """Pixels per second."""
        return self.width_px / max(self.x_max - self.x_min, 1e-12)


_EMPTY_F = np.zeros(0)
_EMPTY_I = np.zeros(0, dtype=np.int64)


class GanttModel:
    """Canaries laid out as bars on lanes; the caller owns one per chart.

    Args:
        min_bar_px: bars narrower than this (pixels at the current zoom) fold into blocks.

    The arrays (``start``, ``end``, ``submit`` in seconds since ``origin``; ``status``; ``lane``;
    ``canary_id``) hold the canaries that have a lane (they started), sorted by lane then start;
    lane ``k`` owns ``[lane_lo[k], lane_lo[k+1])``. Queued canaries (never started) have no lane
    but count in the summary.
    """

    def __init__(self, min_bar_px: float = SIZES.gantt_min_bar_px,
                 max_block_px: float = 8 * SIZES.gantt_min_bar_px) -> None:
        self.min_bar_px = float(min_bar_px)
        self.max_block_px = float(max_block_px)
        self.revision: int | None = None
        self.origin: float = 0.0
        self.lanes: list[str] = []
        self.records: list[dict[str, Any]] = []   # lane order, parallel to the arrays
        self.statuses: frozenset[str] = frozenset()  # the display statuses the bars have
        self.start = self.end = self.submit = _EMPTY_F
        self.status = self.lane = self.canary_id = _EMPTY_I
        self.lane_lo = np.zeros(1, dtype=np.int64)
        self.running_idx: list[int] = []           # indices of running bars (end = now)
        self._cull_end = _EMPTY_F                  # per lane: running max of end (inf if running)
        self._id_to_index: dict[int, int] = {}
        self._all: list[dict[str, Any]] = []
        self.trees: dict[int, list[dict[str, Any]]] = {}  # canary id -> import tree (optional)
        self._view_key: tuple | None = None
        self._view: View | None = None
        self._last_end = 0.0
        self._unfinished = False
        self.text_width_cache: dict[tuple[int, float], float] = {}  # for the widget's labels

    # ------------------------------------------------------------------------- data changes
    def update(self, canaries: Sequence[dict[str, Any]], revision: int,
               trees: dict[int, list[dict[str, Any]]] | None = None) -> bool:
        """Rebuild from canary records when ``revision`` differs from the last one.

        Args:
            canaries: copies of the canary records (``WarmupController.canaries()``).
            revision: the source's change counter (``WarmupController.revision()``).
            trees: ``controller.import_trees()`` (canary id -> import tree), or None: the
                module locks a bar waited for, named in its tooltip.

        Returns:
            True when the model was rebuilt.
        """
        if revision == self.revision:
            return False
        self.revision = revision
        self.trees = trees or {}
        self._all = list(canaries)
        self.origin = first_submit(self._all) or 0.0
        started = [c for c in self._all if c.get("start_ts") is not None]
        names = [MAIN_THREAD_LANE if c.get("main_thread") else (c.get("thread_name") or "?")
                 for c in started]
        self.lanes = lane_order(names)
        lane_of = {name: i for i, name in enumerate(self.lanes)}
        n = len(started)
        origin = self.origin
        lane = np.fromiter((lane_of[nm] for nm in names), dtype=np.int64, count=n)
        start = np.fromiter((c["start_ts"] - origin for c in started), dtype=float, count=n)
        end = np.fromiter(
            (np.nan if c.get("end_ts") is None else c["end_ts"] - origin for c in started),
            dtype=float, count=n)
        submit = np.fromiter((c["submit_ts"] - origin for c in started), dtype=float, count=n)
        status = np.fromiter((_CODE[display_status(c)] for c in started), dtype=np.int64, count=n)
        cid = np.fromiter((c["canary_id"] for c in started), dtype=np.int64, count=n)
        order = np.lexsort((start, lane))
        self.start, self.end, self.submit = start[order], end[order], submit[order]
        self.status, self.lane, self.canary_id = status[order], lane[order], cid[order]
        self.records = [started[i] for i in order.tolist()]
        self.statuses = frozenset(STATUSES[c] for c in np.unique(status).tolist())
        self.lane_lo = np.searchsorted(self.lane, np.arange(len(self.lanes) + 1))
        unfinished = np.isnan(self.end)
        self.running_idx = np.flatnonzero(unfinished).tolist()
        cull = np.where(unfinished, np.inf, self.end)
        self._cull_end = np.empty_like(cull)
        for k in range(len(self.lanes)):   # per lane; a few lanes, vectorised inside
            lo, hi = self.lane_lo[k], self.lane_lo[k + 1]
            self._cull_end[lo:hi] = np.maximum.accumulate(cull[lo:hi])
        self._id_to_index = {c: i for i, c in enumerate(self.canary_id.tolist())}
        ends = [c["end_ts"] for c in self._all if c.get("end_ts") is not None]
        self._last_end = (max(ends) - origin) if ends else 0.0
        self._unfinished = any(c["status"] == "running" for c in self._all)
        self._view_key = None
        return True

    # ------------------------------------------------------------------------------ queries
    def __len__(self) -> int:
        return len(self.records)

    def index_of(self, canary_id: int | None) -> int | None:
        """The array index of a canary, or None if it has no bar (queued, unknown)."""
        return None if canary_id is None else self._id_to_index.get(canary_id)

    def bar_end(self, index: int, now: float) -> float:
        """A bar's end in chart seconds; a running bar ends at ``now`` (absolute clock)."""
        e = self.end[index]
        return (now - self.origin) if np.isnan(e) else float(e)

    def x_extent(self, now: float) -> tuple[float, float]:
        """The x range that shows everything: 0 to the last end (``now`` while any runs)."""
        x1 = self._last_end
        if self._unfinished:
            x1 = max(x1, now - self.origin)
        if len(self.start):
            x1 = max(x1, float(np.max(self.start)))
        return 0.0, max(x1, 1e-3)

    # -------------------------------------------------------------------- culling + folding
    def view(self, x_min: float, x_max: float, width_px: float) -> View:
        """The items to draw for the x range ``[x_min, x_max]`` shown over ``width_px`` pixels.

        Bars outside the range are culled by binary search; runs of consecutive bars narrower
        than ``min_bar_px`` (with gaps narrower than that too) fold into one block. A block
        spans at most about ``max_block_px``: a lane of tiny bars becomes a row of small blocks
        (each with its count and failures) rather than one slab that says nothing. Cached:
        calling again with the same range, width and revision returns the same object.
        """
        key = (self.revision, x_min, x_max, width_px)
        if key == self._view_key and self._view is not None:
            return self._view
        scale = width_px / max(x_max - x_min, 1e-12)
        min_s = self.min_bar_px / scale
        lanes = []
        for k in range(len(self.lanes)):
            lo, hi = int(self.lane_lo[k]), int(self.lane_lo[k + 1])
            # Culling: the running max of the ends is sorted, so is the start; a margin of one
            # fold width keeps folds stable at the edges.
            a = lo + int(np.searchsorted(self._cull_end[lo:hi], x_min - min_s, side="right"))
            b = lo + int(np.searchsorted(self.start[lo:hi], x_max + min_s, side="right"))
            lanes.append(self._fold(a, max(a, b), scale))
        self._view = View(x_min, x_max, width_px, lanes)
        self._view_key = key
        return self._view

    def _fold(self, a: int, b: int, scale: float) -> LaneView:
        n = b - a
        if n == 0:
            return LaneView(_EMPTY_F, _EMPTY_F, _EMPTY_I, _EMPTY_I, _EMPTY_F, _EMPTY_I)
        x0 = self.start[a:b]
        running = np.isnan(self.end[a:b])
        x1 = np.where(running, x0, self.end[a:b])
        dur = x1 - x0
        narrow = (dur * scale < self.min_bar_px) & ~running
        new = np.ones(n, dtype=bool)
        if n > 1:
            gap_px = (x0[1:] - x1[:-1]) * scale
            # Buckets anchored at x = 0 (not at the view's edge) keep blocks still while panning.
            bucket = np.floor(x0 * (scale / self.max_block_px))
            new[1:] = ~(narrow[1:] & narrow[:-1] & (gap_px < self.min_bar_px)
                        & (bucket[1:] == bucket[:-1]))
        first = np.flatnonzero(new)
        count = np.diff(np.append(first, n))
        gx1 = np.maximum.reduceat(x1, first)
        total = np.add.reduceat(dur, first)
        failed = np.add.reduceat((self.status[a:b] == _FAILED).astype(np.int64), first)
        idx = np.where(count == 1, first + a, -1)
        return LaneView(x0[first], gx1, idx, count, total, failed)

    # --------------------------------------------------------------------------- hit tests
    def hit_test(self, view: View, lane: int, x: float, now: float,
                 tolerance_px: float | None = None) -> Hit | None:
        """The bar or block of ``lane`` under chart position ``x`` (seconds), or None.

        Args:
            view: the ``view()`` the frame drew.
            lane: lane index (the chart's y, rounded).
            x: seconds since the first submit.
            now: the frame's clock (running bars end there).
            tolerance_px: how far (pixels) from an item still hits it; default half a fold width,
                so bars drawn at their minimum width are as easy to hit as they look.
        """
        if not 0 <= lane < len(view.lanes):
            return None
        lv = view.lanes[lane]
        if len(lv.x0) == 0:
            return None
        tol = (self.min_bar_px / 2.0 if tolerance_px is None else tolerance_px) / view.scale
        i = int(np.searchsorted(lv.x0, x + tol, side="right")) - 1
        best, best_d = None, None
        for j in (i, i + 1, i - 1):          # the item left of x, and its neighbours
            if not 0 <= j < len(lv.x0):
                continue
            idx = int(lv.idx[j])
            x0 = float(lv.x0[j])
            x1 = self.bar_end(idx, now) if idx >= 0 else float(lv.x1[j])
            d = 0.0 if x0 <= x <= x1 else min(abs(x - x0), abs(x - x1))
            if d <= tol and (best_d is None or d < best_d):
                best, best_d = j, d
        if best is None:
            return None
        idx = int(lv.idx[best])
        if idx >= 0:
            return Hit(lane=lane, index=idx, canary_id=int(self.canary_id[idx]))
        return Hit(lane=lane, block=Block(lane, float(lv.x0[best]), float(lv.x1[best]),
                                          int(lv.count[best]), float(lv.total_s[best]),
                                          int(lv.failed[best])))

    # ---------------------------------------------------------------------------- tooltips
    def tooltip(self, index: int, now: float) -> str:
        """Tooltip text of one bar: module, thread, queued, start, end, elapsed and how much of
        it was the import's own work and how much waiting, status, error, and what to do when
        something is wrong."""
        c = self.records[index]
        status = display_status(c)
        start_s = float(self.start[index])
        end = c.get("end_ts")
        lines = [
            c["module"],
            f"thread:  {self.lanes[int(self.lane[index])]}"
            + ("" if not c.get("main_thread") else f" ({c.get('thread_name') or 'main'})"),
            f"queued:  {fmt_ms((start_s - float(self.submit[index])) * 1000.0)}",
            f"start:   {fmt_ms(start_s * 1000.0)}",
            f"end:     {'-' if end is None else fmt_ms((end - self.origin) * 1000.0)}",
            f"elapsed: {fmt_ms((self.bar_end(index, now) - start_s) * 1000.0)}"
            + (" (running)" if status == "running" else ""),
        ]
        # The bar's own work vs its waiting: on a worker, mostly the GIL (issue 13). One module
        # lock named at most: the tree's block below the lines lists every wait.
        split = format_time_split(time_split(c, self.trees.get(c["canary_id"])), limit=1)
        if split:
            lines.append(f"of which: {split}")
        lines.append(f"status:  {status}")
        if c.get("error"):
            # One short line: a 5 MB message would make a tooltip taller than the screen; the
            # report (Copy report) has the whole text.
            lines.append(f"error:   {short_error(c['error'])}")
            lines.append("Fix the import error, or drop the module from the warmup set.")
        if c.get("retried"):
            lines.append(f"retried: {short_error(c['retried'])}")
            lines.append("It failed while another import was in flight, then worked alone."
                         if status == "completed" else
                         "It failed again when imported alone: the error above is its own.")
        if c.get("main_thread"):
            lines.append("Imported on the main thread: it blocked frames. Warm it up instead.")
        return "\n".join(lines)
