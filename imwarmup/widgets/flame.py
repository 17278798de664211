"""The import trees of a lane's canaries as a flame chart under its bars (issue 14): deeper
imports in lower rows, folded at zoom-out by the Gantt chart's rule, names where they fit.

Two parts:

- ``FlameModel(gantt_model, trees)``: the flame rows of every lane, laid out once per tree
  revision (numpy arrays per lane and depth, sorted by start; built off the GUI thread with the
  diagnostics snapshot). ``view(lane, row, x_min, x_max, width_px)`` culls and folds one row by
  binary search, cached until the range or width change, as ``GanttModel.view`` does for bars.
- ``LaneLayout``: where each lane and its flame rows sit on the chart's y axis when some lanes
  are expanded; ``draw_flame_rows`` draws an expanded lane's rows (called by ``gantt.py``).

Quick start (inside the chart's plot, numpy warm)::

    flame = FlameModel(model, controller.import_trees())     # once per revision, on a worker
    layout = lane_layout(len(model.lanes), [flame.rows(k) for k in expanded_lane_indices])
    rv = flame.view(lane, row, x_min, x_max, width_px)        # cached per range
    hit = flame.hit_test(lane, row, x, x_min, x_max, width_px, now)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from imgui_bundle import ImVec2, imgui

from ..theme import Role
from .gantt_model import Block, GanttModel
from .import_tree_rows import check_tree, node_tooltip

__all__ = ["FLAME_ROW", "FlameHit", "FlameModel", "Frame", "LaneLayout", "RowView",
           "draw_flame_rows", "lane_layout", "outline_node"]

FLAME_ROW = 0.75  # a flame row's height, in lane heights (a bar row is 1.0)

_EMPTY_F = np.zeros(0)
# One flame row's draw commands: rectangles (min, max, colour), labels (pos, colour, text), and
# whether it folded nodes into blocks.
_RowDraw = tuple[list[tuple[ImVec2, ImVec2, int]], list[tuple[ImVec2, int, str]], bool]
_EMPTY_I = np.zeros(0, dtype=np.int64)


# ------------------------------------------------------------------------------- layout
@dataclass(frozen=True, slots=True)
class LaneLayout:
    """The chart's y axis in lane units: lane ``k``'s bar row spans ``[tops[k], tops[k] + 1]``,
    its ``flame_rows[k]`` flame rows follow, ``FLAME_ROW`` each."""

    tops: tuple[float, ...]
    flame_rows: tuple[int, ...]
    total: float

    def centre(self, lane: int) -> float:
        return self.tops[lane] + 0.5

    def bottom(self, lane: int) -> float:
        return self.tops[lane] + 1.0 + self.flame_rows[lane] * FLAME_ROW

    def row_top(self, lane: int, row: int) -> float:
        return self.tops[lane] + 1.0 + row * FLAME_ROW

    def locate(self, y: float) -> tuple[int, int] | None:
        """``(lane, row)`` at ``y`` (lane units): ``row == -1`` is the lane's bar row, ``row >= 0``
        a flame row (depth ``row + 1``). None outside every lane."""
        if not self.tops or y < 0.0 or y >= self.total:
            return None
        k = int(np.searchsorted(np.asarray(self.tops), y, side="right")) - 1
        dy = y - self.tops[k]
        if dy < 1.0:
            return k, -1
        row = int((dy - 1.0) // FLAME_ROW)
        return (k, row) if row < self.flame_rows[k] else None


def lane_layout(n_lanes: int, flame_rows: Sequence[int] | None = None) -> LaneLayout:
    """The layout of ``n_lanes`` lanes, lane ``k`` followed by ``flame_rows[k]`` flame rows
    (none when ``flame_rows`` is None: every lane is one unit, as before any expansion)."""
    rows = tuple(int(r) for r in flame_rows) if flame_rows is not None else (0,) * n_lanes
    if len(rows) != n_lanes:
        raise ValueError(f"lane_layout(): {len(rows)} flame row counts for {n_lanes} lanes")
    tops, y = [], 0.0
    for r in rows:
        tops.append(y)
        y += 1.0 + r * FLAME_ROW
    return LaneLayout(tuple(tops), rows, y)


# -------------------------------------------------------------------------------- model
@dataclass(slots=True)
class RowView:
    """The items of one flame row to draw, sorted by x: single nodes (``ref >= 0``, a node of
    ``FlameModel.node(ref)``) and folded blocks (``ref == -1``, ``count`` nodes)."""

    x0: np.ndarray
    x1: np.ndarray       # running nodes: their start (the widget stretches them to ``now``)
    ref: np.ndarray
    count: np.ndarray
    total_s: np.ndarray
    failed: np.ndarray   # nodes that raised
    waited: np.ndarray   # nodes with lock waits
    running: np.ndarray  # single nodes still importing (bool)


_EMPTY_ROW = RowView(_EMPTY_F, _EMPTY_F, _EMPTY_I, _EMPTY_I, _EMPTY_F, _EMPTY_I, _EMPTY_I,
                     np.zeros(0, dtype=bool))


@dataclass(frozen=True, slots=True)
class FlameHit:
    """A flame node under the mouse (``canary_id``, ``node`` index in its tree) or a block."""

    lane: int
    row: int
    canary_id: int | None = None
    node: int | None = None
    block: Block | None = None


@dataclass(slots=True)
class _Row:
    x0: np.ndarray
    x1: np.ndarray        # NaN: still importing
    ref: np.ndarray
    failed: np.ndarray
    waited: np.ndarray
    cull: np.ndarray      # running max of the ends (inf while running)


class FlameModel:
    """Every lane's import trees as flame rows; one per tree revision, never changed after.

    Args:
        model: the chart's ``GanttModel`` (lanes, origin and which canary is on which lane).
        trees: canary id -> its import tree (``WarmupController.import_trees()``); canaries
            without a bar on the chart (queued) are left out.

    Raises:
        TypeError, ValueError: a malformed tree (``check_tree`` names the canary and node).
    """

    def __init__(self, model: GanttModel, trees: dict[int, list[dict[str, Any]]] | None) -> None:
        self.min_bar_px = model.min_bar_px
        self.max_block_px = model.max_block_px
        self.origin = model.origin
        self.trees: dict[int, list[dict[str, Any]]] = {}
        self.lane_of: dict[int, int] = {}   # canary id -> its lane
        self._cid: list[int] = []     # per ref: canary id
        self._node: list[int] = []    # per ref: index in that canary's tree
        per_lane: list[dict[int, list[tuple[float, float, int, bool, bool]]]] = [
            {} for _ in model.lanes]
        for cid, tree in (trees or {}).items():
            i = model.index_of(cid)
            if i is None or not tree:
                continue
            tree = check_tree(tree, f"import_trees()[{cid}]")
            self.trees[cid] = tree
            self.lane_of[cid] = int(model.lane[i])
            rows = per_lane[int(model.lane[i])]
            for n, node in enumerate(tree):
                depth = int(node.get("depth") or 0)
                start = node.get("start_ts")
                if depth < 1 or start is None:   # node 0 is the canary's own bar
                    continue
                end = node.get("end_ts")
                ref = len(self._cid)
                self._cid.append(cid)
                self._node.append(n)
                rows.setdefault(depth - 1, []).append((
                    start - self.origin, np.nan if end is None else end - self.origin, ref,
                    bool(node.get("error")), bool(node.get("lock_waits"))))
        self._rows: list[list[_Row]] = []
        for lane_rows in per_lane:
            built = []
            for r in range(max(lane_rows, default=-1) + 1):
                items = sorted(lane_rows.get(r, ()), key=lambda t: (t[0], t[2]))
                x0 = np.array([t[0] for t in items], dtype=float)
                x1 = np.array([t[1] for t in items], dtype=float)
                cull = np.maximum.accumulate(np.where(np.isnan(x1), np.inf, x1)) if items \
                    else _EMPTY_F
                built.append(_Row(x0, x1, np.array([t[2] for t in items], dtype=np.int64),
                                  np.array([t[3] for t in items], dtype=bool),
                                  np.array([t[4] for t in items], dtype=bool), cull))
            self._rows.append(built)
        self._view_key: tuple[float, float, float] | None = None
        self._views: dict[tuple[int, int], RowView] = {}
        # draw_flame_rows' per-row draw commands, for one view (range, plot position, font).
        self._draw_key: tuple[Any, ...] | None = None
        self._draw_cache: dict[tuple[int, int], _RowDraw] = {}

    # ----------------------------------------------------------------------------- queries
    def rows(self, lane: int) -> int:
        """How many flame rows lane ``lane`` has (its deepest import's depth)."""
        return len(self._rows[lane]) if 0 <= lane < len(self._rows) else 0

    def __len__(self) -> int:
        return len(self._cid)

    def tree(self, canary_id: int | None) -> list[dict[str, Any]] | None:
        """The import tree of a canary on the chart, or None."""
        return None if canary_id is None else self.trees.get(canary_id)

    def node(self, ref: int) -> tuple[int, int, dict[str, Any]]:
        """``(canary_id, node index, node)`` of a flame item."""
        cid, n = self._cid[ref], self._node[ref]
        return cid, n, self.trees[cid][n]

    def node_tooltip(self, canary_id: int, node: int) -> str:
        tree = self.trees[canary_id]
        parent = tree[node].get("parent")
        return node_tooltip(tree[node], None if parent is None else tree[parent]["module"])

    # ------------------------------------------------------------------ culling + folding
    def view(self, lane: int, row: int, x_min: float, x_max: float, width_px: float) -> RowView:
        """The items of flame row ``row`` of ``lane`` to draw for ``[x_min, x_max]`` over
        ``width_px`` pixels: culled by binary search, nodes narrower than ``min_bar_px`` folded
        into blocks of at most ``max_block_px`` (the chart's rule for bars). Cached per range."""
        key = (x_min, x_max, width_px)
        if key != self._view_key:
            self._view_key, self._views = key, {}
        cached = self._views.get((lane, row))
        if cached is not None:
            return cached
        if not (0 <= lane < len(self._rows) and 0 <= row < len(self._rows[lane])):
            return _EMPTY_ROW
        r = self._rows[lane][row]
        scale = width_px / max(x_max - x_min, 1e-12)
        min_s = self.min_bar_px / scale
        a = int(np.searchsorted(r.cull, x_min - min_s, side="right"))
        b = max(a, int(np.searchsorted(r.x0, x_max + min_s, side="right")))
        rv = self._fold(r, a, b, scale)
        self._views[(lane, row)] = rv
        return rv

    def _fold(self, r: _Row, a: int, b: int, scale: float) -> RowView:
        n = b - a
        if n == 0:
            return _EMPTY_ROW
        x0 = r.x0[a:b]
        running = np.isnan(r.x1[a:b])
        x1 = np.where(running, x0, r.x1[a:b])
        dur = x1 - x0
        narrow = (dur * scale < self.min_bar_px) & ~running
        new = np.ones(n, dtype=bool)
        if n > 1:
            gap_px = (x0[1:] - x1[:-1]) * scale
            bucket = np.floor(x0 * (scale / self.max_block_px))   # anchored at 0: stable pans
            new[1:] = ~(narrow[1:] & narrow[:-1] & (gap_px < self.min_bar_px)
                        & (bucket[1:] == bucket[:-1]))
        first = np.flatnonzero(new)
        count = np.diff(np.append(first, n))
        ref = np.where(count == 1, r.ref[a:b][first], -1)
        return RowView(x0[first], np.maximum.reduceat(x1, first), ref, count,
                       np.add.reduceat(dur, first),
                       np.add.reduceat(r.failed[a:b].astype(np.int64), first),
                       np.add.reduceat(r.waited[a:b].astype(np.int64), first),
                       (count == 1) & running[first])

    def end_of(self, ref: int, now: float) -> float:
        """A node's end in chart seconds; a node still importing ends at ``now``."""
        _, _, node = self.node(ref)
        end = node.get("end_ts")
        return (now if end is None else end) - self.origin

    def hit_test(self, lane: int, row: int, x: float, x_min: float, x_max: float,
                 width_px: float, now: float) -> FlameHit | None:
        """The node or folded block of a flame row under chart position ``x`` (seconds)."""
        rv = self.view(lane, row, x_min, x_max, width_px)
        if len(rv.x0) == 0:
            return None
        scale = width_px / max(x_max - x_min, 1e-12)
        tol = self.min_bar_px / 2.0 / scale
        i = int(np.searchsorted(rv.x0, x + tol, side="right")) - 1
        best, best_d = None, None
        for j in (i, i + 1, i - 1):
            if not 0 <= j < len(rv.x0):
                continue
            ref = int(rv.ref[j])
            x0 = float(rv.x0[j])
            x1 = self.end_of(ref, now) if ref >= 0 else float(rv.x1[j])
            d = 0.0 if x0 <= x <= x1 else min(abs(x - x0), abs(x - x1))
            if d <= tol and (best_d is None or d < best_d):
                best, best_d = j, d
        if best is None:
            return None
        ref = int(rv.ref[best])
        if ref >= 0:
            cid, n, _ = self.node(ref)
            return FlameHit(lane, row, canary_id=cid, node=n)
        return FlameHit(lane, row, block=Block(lane, float(rv.x0[best]), float(rv.x1[best]),
                                               int(rv.count[best]), float(rv.total_s[best]),
                                               int(rv.failed[best])))


# ---------------------------------------------------------------------------------- draw
@dataclass(frozen=True, slots=True)
class Frame:
    """Where the plot is this frame (pixels) and what x range it shows, for ``draw_flame_rows``."""

    left: float
    right: float
    top: float          # the plot's top, pixels
    unit: float         # pixels per lane unit (a bar row's height)
    x_min: float
    x_max: float
    width: float
    now_x: float        # now, in chart seconds


def draw_flame_rows(draw: Any, flame: FlameModel, theme: Any, lane: int, layout: LaneLayout,
                    f: Frame, widths: dict[tuple[str, float], float]) -> bool:
    """Draw lane ``lane``'s flame rows with ``draw`` (the plot's draw list); returns whether any
    nodes were folded into blocks. Colours: depth-alternating phase colours from the theme,
    failures in the failure colour, lock waits as a warming band along a node's top.

    A row's rectangles and labels are computed once per view (range, width, plot position,
    font, colours) and kept on the model: a still chart costs only the draw calls. Rows with
    an import still running are computed every frame (their end is ``now``)."""
    colours = (theme.u32(Role.PHASE_SEQUENTIAL), theme.u32(Role.PHASE_ASYNC),
               theme.u32(Role.FOLDED), theme.u32(Role.FAILED), theme.u32(Role.WARMING),
               theme.u32(Role.BAR_TEXT))
    font_size = imgui.get_font_size()
    key = (f.left, f.right, f.top, f.unit, f.x_min, f.x_max, f.width, layout, font_size, colours)
    if flame._draw_key != key:
        flame._draw_key, flame._draw_cache = key, {}
    folded = False
    add_rect, add_text = draw.add_rect_filled, draw.add_text
    for row in range(layout.flame_rows[lane]):
        cached = flame._draw_cache.get((lane, row))
        if cached is None:
            cached, running = _row_items(flame, lane, row, layout, f, colours, font_size, widths)
            if not running:
                flame._draw_cache[(lane, row)] = cached
        rects, texts, row_folded = cached
        folded = folded or row_folded
        for p0, p1, col in rects:
            add_rect(p0, p1, col)
        for pos, col, label in texts:
            add_text(pos, col, label)
    return folded


def _row_items(flame: FlameModel, lane: int, row: int, layout: LaneLayout, f: Frame,
               colours: tuple[int, ...], font_size: float,
               widths: dict[tuple[str, float], float]) -> tuple[_RowDraw, bool]:
    """One flame row's draw commands: ``((rects, texts, folded), has_running_nodes)``."""
    rv = flame.view(lane, row, f.x_min, f.x_max, f.width)
    if len(rv.x0) == 0:
        return ([], [], False), False
    seq_col, async_col, folded_col, failed_col, wait_col, text_col = colours
    scale = f.width / max(f.x_max - f.x_min, 1e-12)
    row_h = FLAME_ROW * f.unit
    gap = max(1.0, row_h * 0.08)
    lo_clip, hi_clip = f.left - 4.0, f.right + 4.0
    pad = font_size * 0.3
    yt = f.top + layout.row_top(lane, row) * f.unit + gap / 2.0
    yb = yt + row_h - gap
    single = rv.ref >= 0
    running = bool(rv.running.any())
    x1 = np.where(rv.running, f.now_x, rv.x1) if running else rv.x1
    px0 = np.clip(f.left + (rv.x0 - f.x_min) * scale, lo_clip, hi_clip)
    px1 = np.maximum(np.clip(f.left + (x1 - f.x_min) * scale, lo_clip, hi_clip), px0 + 1.0)
    base = seq_col if row % 2 == 0 else async_col
    fill = np.where(single & (rv.failed > 0), failed_col, np.where(single, base, folded_col))
    # Neighbouring nodes and blocks lose a pixel on the right so they read as separate.
    px1d = np.maximum(px1 - 1.0, px0 + 1.0)
    rects = [(ImVec2(a, yt), ImVec2(b, yb), c)
             for a, b, c in zip(px0.tolist(), px1d.tolist(), fill.tolist())]
    band = max((yb - yt) * 0.22, 2.0)
    for j in np.flatnonzero(rv.waited > 0).tolist():     # waited on a module lock
        rects.append((ImVec2(px0[j], yt), ImVec2(px1d[j], yt + band), wait_col))
    for j in np.flatnonzero((rv.failed > 0) & ~single).tolist():   # a block hiding failures
        rects.append((ImVec2(px0[j], yb - band), ImVec2(px1d[j], yb), failed_col))
    # Names where they fit: the full name, else its last dotted part, else nothing.
    texts = []
    for j in np.flatnonzero(((px1 - px0) > font_size * 2.0) & single).tolist():
        a, b = px0[j], px1[j]
        label = flame.node(int(rv.ref[j]))[2]["module"]
        w = _width(label, font_size, widths)
        if w + 2 * pad > b - a and "." in label:
            label = label.rsplit(".", 1)[1]
            w = _width(label, font_size, widths)
        if w + 2 * pad <= b - a:
            tx = max(a, f.left) + pad
            if tx + w > min(b, f.right) - pad:
                tx = a + pad
            texts.append((ImVec2(tx, (yt + yb - font_size) / 2.0), text_col, label))
    return (rects, texts, not bool(single.all())), running


def outline_node(draw: Any, flame: FlameModel, theme: Any, layout: LaneLayout, f: Frame,
                 canary_id: int, node: int) -> None:
    """An outline around one tree node's bar (the hovered one), as the chart outlines bars."""
    lane, tree = flame.lane_of.get(canary_id), flame.tree(canary_id)
    if lane is None or tree is None:
        return
    n = tree[node]
    depth = int(n.get("depth") or 0)
    if not 1 <= depth <= layout.flame_rows[lane]:
        return
    scale = f.width / max(f.x_max - f.x_min, 1e-12)
    x0 = n["start_ts"] - flame.origin
    x1 = f.now_x if n.get("end_ts") is None else n["end_ts"] - flame.origin
    a = min(max(f.left + (x0 - f.x_min) * scale, f.left - 4.0), f.right + 4.0)
    b = max(min(max(f.left + (x1 - f.x_min) * scale, f.left - 4.0), f.right + 4.0), a + 1.0)
    yt = f.top + layout.row_top(lane, depth - 1) * f.unit
    draw.add_rect(ImVec2(a - 1.0, yt), ImVec2(b + 1.0, yt + FLAME_ROW * f.unit),
                  theme.u32(Role.HIGHLIGHT, 0.8), 0.0, 2.0)


def _width(label: str, font_size: float, widths: dict[tuple[str, float], float]) -> float:
    key = (label, font_size)
    w = widths.get(key)
    if w is None:
        w = widths[key] = imgui.calc_text_size(label).x
    return w
