"""The "Warmup diagnostics" window: summary line, Gantt chart, table, startup profile, purity.

It owns what the window shows between frames (the canaries it last read, the chart's model, the
table's sort/filter, the selected canary) and re-reads the source only when its ``revision``
changed, at most every ``_REFRESH_INTERVAL`` seconds, so a warmup of thousands of modules never
costs the frame a full copy per finished import.

The chart needs numpy (implot's data), and numpy arrives through the warmup: until
``require_warmed("numpy")`` succeeds the chart area says "Loading plot engine…" while the table
already works. Nothing here imports numpy on the GUI thread.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Callable

from imgui_bundle import imgui

from ..core.errors import NotWarmedError
from ..core.report import WarmupSummary, summarize
from ..theme.current import Theme
from ..theme.palette import Role
from ..widgets.canary_rows import Row, TableView, table_rows
from ..widgets.canary_table import draw_canary_table
from ..widgets.import_tree_rows import TreeTableView
from .draw_guard import DrawGuard
from .implot_context import ImplotContext
from .source import SourceAdapter, check_source
from .trace_export import TraceExport

__all__ = ["DebugWindow", "WINDOW_TITLE", "PlotEngine"]

WINDOW_TITLE = "Warmup diagnostics"

# While canaries change, re-read them at most this often (seconds): a copy of 100,000 records
# and the chart's model rebuild cost far more than a frame.
_REFRESH_INTERVAL = 0.2

_MIN_TABLE_ROWS = 4


class _NoEvents:
    """What a chart that was not drawn reports (the same fields as ``GanttEvents``)."""
    hovered_id = None
    clicked_id = None
    toggled_lane = None
    plot_rect = None
    x_range = None
    hovered_block = None
    hovered_node = None
    layout = None


_NO_EVENTS = _NoEvents()


class PlotEngine:
    """Whether numpy (the chart's data) is ready, found without importing it on this thread.

    Order: the source's ``require_warmed("numpy")``; if numpy is not in its warmup set, one
    background job on the source's pool imports it (``submit_job``); a source with neither can
    only use a numpy the app already imported.
    """

    def __init__(self, source: SourceAdapter) -> None:
        self._source = source
        self._job: Any = None
        self.ready = False
        self.message = "Loading plot engine…"

    def poll(self) -> bool:
        if self.ready:
            return True
        require = self._source.require_warmed
        if require is None:
            return self._import_in_background()
        try:
            require("numpy")
        except NotWarmedError as exc:
            if exc.status == "running":
                self.message = "Loading plot engine… (numpy is warming)"
                return False
            if exc.status == "failed":
                self.message = f"Plot engine unavailable: numpy failed to import ({exc.error})"
                return False
            return self._import_in_background()  # not in the warmup set (or cancelled)
        self.ready = True
        return True

    def _import_in_background(self) -> bool:
        if "numpy" in sys.modules:
            self.ready = True
            return True
        submit = self._source.submit_job
        if submit is None:
            self.message = (
                "Plot engine unavailable: numpy is not warmed; add it to the app's warmup set"
            )
            return False
        if self._job is None:
            import importlib

            self._job = submit(importlib.import_module, "numpy")
            self.message = "Loading plot engine… (importing numpy in the background)"
        if not self._job.done():
            return False
        error = self._job.exception()
        if error is not None:
            self.message = f"Plot engine unavailable: {type(error).__name__}: {error}"
            return False
        self.ready = True
        return True


@dataclass(frozen=True)
class Snapshot:
    """What the window shows, built together off the GUI thread: canaries, table rows, summary
    and (once numpy is warm) the chart's model."""

    version: int
    canaries: list[dict[str, Any]]
    rows: list[Row]
    summary: WarmupSummary
    model: Any = None  # a GanttModel, or None before the plot engine is ready
    trees: dict[int, list[dict[str, Any]]] | None = None  # import trees (issue 14), or None
    flame: Any = None  # a FlameModel of the trees, with the model
    tree_error: str | None = None  # the trees could not be read or laid out


def build_snapshot(canaries: Callable[[], list[dict[str, Any]]], now: float, version: int,
                   with_model: bool,
                   import_trees: Callable[[], dict[int, list[dict[str, Any]]]] | None = None,
                   *, frames: Any = None, guard: Any = None,
                   usual: Callable[[], dict[str, float]] | None = None,
                   usual_wall: Callable[[], float | None] | None = None) -> Snapshot:
    """Read and lay out the canaries and their import trees (runs on a worker: O(canaries +
    tree nodes), never on the frame). ``frames`` (the source's ``FrameLog``) and ``guard`` (a
    purity guard) feed the summary's frame p99 while warming and main-thread import time."""
    records = canaries()
    model = None
    if with_model:
        from ..widgets.gantt_model import GanttModel  # numpy is warm: with_model says so

        model = GanttModel()
        model.update(records, version)
    trees, flame, tree_error = None, None, None
    if import_trees is not None:
        try:   # broken trees cost the trees, never the chart and table
            trees = import_trees() or None
            if trees and model is not None:
                from ..widgets.flame import FlameModel

                flame = FlameModel(model, trees)
        except Exception as exc:  # noqa: BLE001 - shown in the window
            trees, flame, tree_error = None, None, f"{type(exc).__name__}: {exc}"
    if model is not None and trees:
        model.trees = trees  # bar tooltips name the module locks each import waited for
    # The start-up history's usual times (issue 16): the table's "vs usual", the summary's.
    usual_ms = usual() if usual is not None else None
    wall_ms = usual_wall() if usual_wall is not None else None
    return Snapshot(version, records, table_rows(records, None, now, trees, usual=usual_ms),
                    summarize(records, now, frames=frames, guard=guard, usual_wall_ms=wall_ms,
                              trees=trees),
                    model, trees, flame, tree_error)


class DebugWindow:
    """Draws the diagnostics window's contents (the plugin decides when it is open).

    Data: a ``Snapshot`` rebuilt when the source's ``revision`` changes (or while canaries run,
    as their times grow, and while its frame log records: the summary's frame figures), at most
    every ``_REFRESH_INTERVAL`` s, on a one-worker pool of the source's own
    (``service_pool("diagnostics")``: never a warmup worker) and handed to the frame when ready.
    A source without ``service_pool`` (a scripted one) is read on the frame.

    Args:
        source: the warmup source (see ``panels.source``).
        copy_report: called by the "Copy report" button.
        guard: optional ``MainThreadImportGuard``; its violations get a tab.
    """

    def __init__(self, source: Any, copy_report: Callable[[], None], guard: Any = None) -> None:
        self._source = check_source(source)
        self._guard = guard
        # The source's FrameLog (controller.frames), for the frame p99 while warming; None
        # for a source that logs no frames (the summary then leaves that figure out).
        frames = getattr(self._source.source, "frames", None)
        self._frames = frames if callable(getattr(frames, "stats", None)) else None
        self._copy_report = copy_report
        self._revision: Any = object()
        self._refreshed_at = float("-inf")
        self._snapshot: Snapshot | None = None
        self._job: Any = None
        self._pool: Any = None
        self._version = 0
        self._fresh = False  # a new snapshot arrived this frame
        self.error: str | None = None  # the source's last failure, shown in the window
        self.plot = PlotEngine(self._source)
        self.stalls: list[dict[str, Any]] = []  # the source's stalls() as last read
        self._stalls_revision: Any = object()
        # The source's FrameLog (controller.frames) for the "GUI frames" lane, else None.
        lane_frames = getattr(self._source.source, "frames", None)
        self._lane_frames = lane_frames if callable(getattr(lane_frames, "frames", None)) else None
        self._frame_lane: Any = None  # FrameLane, rebuilt with the snapshot
        self._frame_lane_version = -1
        self._frame_lane_last: float | None = None
        self._frame_lane_at = float("-inf")
        self.frames_lane_rect: tuple[float, float, float, float] | None = None
        self._short = False   # a short window this frame (see draw_contents)
        self.draw_guard = DrawGuard("the diagnostics window")
        self._content_top = 0.0
        self._content_width = 0.0
        # (content width, height from the content's top to the chart's bottom) of the last
        # full (not short) layout.
        self._full_need: tuple[float, float] | None = None
        self._fitted: tuple[str, float, str] = ("", 0.0, "")  # (line, width, shown) of _fit_text
        self.hovered_frame: int | None = None
        self._fit = False
        self._follow = True
        self.table_view = TableView()
        self.selected_id: int | None = None
        self._hovered_bar: int | None = None
        self._hovered_row: int | None = None
        self.implot = ImplotContext()  # a context of our own when the host started none
        # The last frame's events, for scripts that point at things (tests, screenshots):
        self.last_chart: Any = None  # GanttEvents: where the bars were drawn, what is hovered
        self.last_table: Any = None  # TableEvents: the table's ID, the filter box
        # Import trees (issue 14): lanes whose tree shows, the breakdown table's sort and rows.
        member = getattr(self._source.source, "import_trees", None)
        self._import_trees = member if callable(member) else None
        self.expanded_lanes: set[str] = set()
        self.tree_view = TreeTableView()
        self._tree_rows: tuple[Any, list[Any]] = (None, [])
        self.last_tree_table: Any = None  # TreeTableEvents of the breakdown, when shown
        self.trace_export = TraceExport(self._source)
        self.trends: Any = None  # TrendsModel of the Trends tab, rebuilt when a run is added
        self._trends_key: Any = None
        self._select_tab: str | None = None  # brought to the front when next drawn (select_tab)

    # ------------------------------------------------------------------------------ data
    def refresh(self, now: float) -> None:
        """Take a finished snapshot; start the next one when the data changed (throttled)."""
        self._fresh = False
        self.plot.poll()  # first: a snapshot built now includes the chart's model if it can
        job = self._job
        if job is not None and job.done():
            self._job = None
            error = job.exception()
            if error is None:
                self._take(job.result())
            else:  # a broken source must not break the window: read on the frame next time
                self.error = f"{type(error).__name__}: {error}"
                self._pool = False
        snapshot = self._snapshot
        revision = self._source.revision()
        changed = revision is None or revision != self._revision
        # Live: canaries run (their times grow), or frames are being logged (the summary's
        # frame figures move: while warming, and the frames after it in the log's tail).
        live = snapshot is not None and bool(
            snapshot.summary.running or snapshot.summary.queued
            or getattr(self._frames, "last", None) is not None)
        want_model = self.plot.ready and snapshot is not None and snapshot.model is None
        due = now - self._refreshed_at >= _REFRESH_INTERVAL
        if self._job is None and (snapshot is None or ((changed or live or want_model) and due)):
            self._revision = revision
            self._refreshed_at = now
            self._version += 1
            self._start(now)

    def _start(self, now: float) -> None:
        args = (self._source.canaries, now, self._version, self.plot.ready, self._import_trees)
        figures = {"frames": self._frames, "guard": self._guard,  # for the summary line
                   "usual": self._source.history_usual,
                   "usual_wall": self._source.history_usual_wall_ms}
        pool = self._service_pool()
        if pool:
            self._job = pool.submit(build_snapshot, *args, **figures)
            return
        try:
            self._take(build_snapshot(*args, **figures))
        except Exception as exc:  # noqa: BLE001 - a failing source shows in the window
            self.error = f"{type(exc).__name__}: {exc}"

    def _service_pool(self) -> Any:
        if self._pool is None:
            self._pool = self._source.service_pool("diagnostics") or False
        return self._pool

    def _take(self, snapshot: Snapshot) -> None:
        self.error = None
        if self._snapshot is None or snapshot.version > self._snapshot.version:
            self._snapshot = snapshot
            self._fresh = True

    @property
    def canaries(self) -> list[dict[str, Any]]:
        return self._snapshot.canaries if self._snapshot is not None else []

    @property
    def chart_model(self) -> Any:
        """The chart's ``GanttModel`` (None until numpy is warm and the model is built)."""
        return self._snapshot.model if self._snapshot is not None else None

    @property
    def rows(self) -> list[Row]:
        """The table's rows (all of them; ``table_view.visible(rows)`` gives the shown ones)."""
        return self._snapshot.rows if self._snapshot is not None else []

    @property
    def chart_lanes(self) -> list[str]:
        """The chart's lane names (worker threads), once the chart's model exists."""
        model = self._snapshot.model if self._snapshot is not None else None
        return list(model.lanes) if model is not None else []

    @property
    def summary(self) -> WarmupSummary | None:
        return self._snapshot.summary if self._snapshot is not None else None

    def report_figures(self) -> dict[str, Any]:
        """What the text report adds to the canaries (``format_text_report`` keywords): the
        source's ``frames``, the purity ``guard`` and the import ``trees``: the last snapshot's,
        or the source's own when the window has none (never opened: "Copy report" from the
        palette still lists the slow imports' costliest modules). Reading them then is the
        report's one-off cost, a click's, like the rest of the report."""
        trees = self._snapshot.trees if self._snapshot is not None else None
        if trees is None and self._import_trees is not None:
            try:
                trees = self._import_trees() or None
            except Exception:  # noqa: BLE001 - the report goes on without them, as the window
                trees = None
        return {"frames": self._frames, "guard": self._guard, "trees": trees}

    TABS = ("Timeline", "Startup profile", "Trends", "Main-thread imports")

    def select_tab(self, name: str) -> None:
        """Bring tab ``name`` (one of ``TABS``) to the front when it is next drawn (a tab the
        source has no data for, e.g. "Trends" without history, waits until it is shown).

        Raises:
            ValueError: ``name`` is not one of ``TABS``.
        """
        if name not in self.TABS:
            raise ValueError(f"select_tab(): no tab {name!r}; the tabs are "
                             + ", ".join(repr(t) for t in self.TABS))
        self._select_tab = name

    def _tab(self, name: str, label: str | None = None) -> bool:
        flags = 0
        if self._select_tab == name:
            self._select_tab = None
            flags = imgui.TabItemFlags_.set_selected
        return bool(imgui.begin_tab_item(label or name, None, flags)[0])

    # ------------------------------------------------------------------------------ draw
    def draw_contents(self, theme: Theme, now: float) -> None:
        """The window's contents. A bug in them shows here as an error with "Try again", never
        as an exception out of the host's frame (``DrawGuard``)."""
        if self.draw_guard.error is None:
            if self.draw_guard.run(self._draw_contents, theme, now):
                return
        self._draw_failed(theme)

    def _draw_failed(self, theme: Theme) -> None:
        guard = self.draw_guard
        imgui.push_style_color(imgui.Col_.text, theme.vec4(Role.FAILED))
        imgui.text_wrapped(f"The diagnostics window stopped after an error in imwarmup (your "
                           f"app is not affected): {guard.summary}")
        imgui.pop_style_color()
        if imgui.button("Try again"):
            guard.reset()
        imgui.same_line()
        if imgui.button("Copy error"):
            imgui.set_clipboard_text(guard.error or "")
        imgui.text_colored(theme.vec4(Role.TEXT_DIM), "Please report it with the copied error.")

    def _draw_contents(self, theme: Theme, now: float) -> None:
        self.refresh(now)
        if self.error is not None:
            imgui.push_style_color(imgui.Col_.text, theme.vec4(Role.FAILED))
            imgui.text_wrapped(f"Could not read the warmup canaries: {self.error}")
            imgui.pop_style_color()
        if self._snapshot is None:
            if self.error is None:
                imgui.text_colored(theme.vec4(Role.TEXT_DIM), "Reading the canaries…")
            return
        summary = self._snapshot.summary
        # A short window (a low dock tab) keeps its height for the chart: the summary takes one
        # line, cut with "…" (the tooltip has all of it), and the frames lane stays out (its
        # figures are in the summary). Short = less room than the full layout took when last
        # drawn at this width (measured in _draw_timeline; a new width measures again).
        self._content_top = imgui.get_cursor_screen_pos().y
        avail = imgui.get_content_region_avail()
        need = self._full_need
        self._content_width = avail.x
        self._short = need is not None and need[0] == avail.x and avail.y < need[1]
        if summary.modules == 0:
            imgui.text_colored(theme.vec4(Role.TEXT_DIM), "No warmup submitted yet.")
        else:
            line = summary.line()
            if self._short:
                width = imgui.get_content_region_avail().x
                if self._fitted[:2] != (line, width):   # measured again only when it changed
                    self._fitted = (line, width, _fit_text(line, width))
                shown = self._fitted[2]
                imgui.text(shown)
                if imgui.is_item_hovered():
                    imgui.set_tooltip(summary.explain() if shown == line
                                      else f"{line}\n\n{summary.explain()}")
            else:
                imgui.text_wrapped(line)
                if imgui.is_item_hovered():  # what wall, main thread importing, frame p99 mean
                    imgui.set_tooltip(summary.explain())
        if summary.main_thread:
            imgui.push_style_color(imgui.Col_.text, theme.vec4(Role.FAILED))
            imgui.text_wrapped(  # wraps in a narrow or HiDPI window instead of being cut off
                f"{summary.main_thread} module(s) imported on the main thread: this breaks "
                f"main-thread purity. Warm them on the pool instead."
            )
            imgui.pop_style_color()
        self._draw_stalls(theme)
        if imgui.button("Copy report"):
            self._copy_report()
        imgui.same_line()
        if imgui.button("Fit timeline"):
            self._fit = True
        self._draw_export_line(theme)
        if imgui.begin_tab_bar("##imwarmup-tabs"):
            if self._tab("Timeline"):
                self._draw_timeline(theme, now)
                imgui.end_tab_item()
            report = self._source.profile_report()
            if report is not None and self._tab("Startup profile"):
                from ..widgets.profile_table import draw_profile

                draw_profile(report, theme)
                imgui.end_tab_item()
            history = self._source.history_path()
            if history is not None and self._tab("Trends"):
                self._draw_trends(theme, history)
                imgui.end_tab_item()
            if self._guard is not None:
                violations = self._guard.violations()
                label = f"Main-thread imports ({len(violations)})###purity"
                if self._tab("Main-thread imports", label):
                    from ..widgets.violations_list import draw_violations

                    draw_violations(violations, theme)
                    imgui.end_tab_item()
            imgui.end_tab_bar()

    @property
    def short(self) -> bool:
        """The window was too low for the whole layout last frame: a one-line summary, no
        frames lane, lanes shrunk to fit."""
        return self._short

    def _reserve_frames_lane(self, theme: Theme) -> tuple[float, float] | None:
        """Room for the "GUI frames" lane above the chart, when the source logs frames:
        ``(top y, height)`` in screen pixels, or None."""
        if (self._lane_frames is None or self._snapshot is None or self._snapshot.model is None
                or self._short):
            return None
        height = theme.px(theme.sizes.gantt_lane_height)
        top = imgui.get_cursor_screen_pos().y
        imgui.dummy(imgui.ImVec2(1.0, height))
        return top, height

    def _draw_frames_lane(self, theme: Theme, strip: tuple[float, float] | None,
                          events: Any, now: float) -> None:
        """The frames lane on the chart's x axis, rebuilt with each snapshot and while frames
        are logged at most every ``_REFRESH_INTERVAL`` s (a copy of the log), not per frame."""
        if strip is None or events.plot_rect is None or events.x_range is None:
            return
        from ..widgets.frames_lane import draw_frames_lane, frame_lane

        snapshot = self._snapshot
        last = self._lane_frames.last
        if (self._frame_lane is None or self._frame_lane_version != snapshot.version
                or (last != self._frame_lane_last
                    and now - self._frame_lane_at >= _REFRESH_INTERVAL)):
            self._frame_lane_version, self._frame_lane_last = snapshot.version, last
            self._frame_lane_at = now
            idle = getattr(self._lane_frames, "idle_waits", None)
            self._frame_lane = frame_lane(self._lane_frames.frames(), snapshot.canaries,
                                          snapshot.model.origin, snapshot.trees,
                                          idle() if callable(idle) else ())
        x, _y, w, _h = events.plot_rect
        self.frames_lane_rect = (x, strip[0], w, strip[1])
        self.hovered_frame = draw_frames_lane(self._frame_lane, theme, self.frames_lane_rect,
                                              events.x_range, x - theme.px(0.5))

    def _draw_stalls(self, theme: Theme) -> None:
        """Stalled imports and GUI freezes with their stacks. Re-read only when the source's
        revision moved (the watcher bumps it when a stack is refreshed, about once a second)."""
        revision = self._source.revision()
        if revision is None or revision != self._stalls_revision:
            self._stalls_revision = revision
            try:
                self.stalls = self._source.stalls()
            except Exception as exc:  # noqa: BLE001 - a failing source shows as text
                self.stalls = []
                self.error = f"{type(exc).__name__}: {exc}"
        if self.stalls:
            from ..widgets.stall_list import draw_stalls

            draw_stalls(self.stalls, theme)

    def _draw_timeline(self, theme: Theme, now: float) -> None:
        highlight_bar = self._hovered_row if self._hovered_row is not None else self.selected_id
        if self.plot.poll():
            strip = self._reserve_frames_lane(theme)
            events = self._draw_chart(theme, now, highlight_bar)
            if not self._short and events.plot_rect is not None:
                bottom = imgui.get_item_rect_max().y   # the plot's frame, axes included
                self._full_need = (self._content_width, bottom - self._content_top)
            self._draw_frames_lane(theme, strip, events, now)
            self._hovered_bar = events.hovered_id
            if events.clicked_id is not None:
                self.selected_id = events.clicked_id
        else:
            self._hovered_bar = None
            height = theme.px(theme.sizes.gantt_lane_height) * 5 + imgui.get_frame_height() * 4
            pos = imgui.get_cursor_pos()
            imgui.dummy(imgui.ImVec2(-1, height))
            end = imgui.get_cursor_pos()
            imgui.set_cursor_pos(imgui.ImVec2(pos.x + theme.px(1.0), pos.y + height * 0.45))
            imgui.text_colored(theme.vec4(Role.TEXT_DIM), self.plot.message)
            imgui.set_cursor_pos(end)
        highlight_row = self._hovered_bar if self._hovered_bar is not None else self.selected_id
        # The table fills what is left, but never shrinks below a few rows: in a short (or
        # HiDPI) window the window scrolls to it instead of showing an empty table.
        min_height = imgui.get_text_line_height_with_spacing() * (_MIN_TABLE_ROWS + 1.5)
        room = imgui.get_content_region_avail().y - imgui.get_frame_height_with_spacing()
        height = None if room >= min_height else min_height  # None: fill the rest exactly
        tree = self._selected_tree()
        if tree is not None and height is None:   # the breakdown gets what the table can spare
            line = imgui.get_frame_height_with_spacing()
            wanted = line * (len(self.table_view.visible(self._snapshot.rows)) + 1.5)
            height = max(min_height, min(room / 2.0 - line, wanted))
        table = draw_canary_table(self._snapshot.rows, self.table_view, theme,
                                  highlight_id=highlight_row, now=now, height=height)
        self.last_table = table
        self._hovered_row = table.hovered_id
        if table.selected_id is not None:
            self.selected_id = table.selected_id
        if tree is not None:
            self._draw_breakdown(theme, tree, min_height)

    # ------------------------------------------------------------- import trees (issue 14)
    def selected_tree(self) -> list[dict[str, Any]] | None:
        """The selected canary's import tree, when recorded and not a lone module."""
        return self._selected_tree()

    def _selected_tree(self) -> list[dict[str, Any]] | None:
        snapshot = self._snapshot
        if snapshot is None or snapshot.trees is None or self.selected_id is None:
            return None
        tree = snapshot.trees.get(self.selected_id)
        return tree if tree else None

    def _draw_breakdown(self, theme: Theme, tree: list[dict[str, Any]], min_height: float) -> None:
        from ..widgets.import_tree_rows import tree_rows
        from ..widgets.import_tree_table import draw_import_tree_table

        if self._tree_rows[0] is not tree:   # rows once per tree (a new snapshot, a new pick)
            self._tree_rows = (tree, tree_rows(tree))
        room = imgui.get_content_region_avail().y - imgui.get_frame_height_with_spacing()
        self.last_tree_table = draw_import_tree_table(
            tree[0]["module"], self._tree_rows[1], self.tree_view, theme,
            height=None if room >= min_height else min_height)

    def _draw_export_line(self, theme: Theme) -> None:
        """The "Export trace" button and what the last export did (where it wrote, or why not)."""
        export = self.trace_export
        imgui.same_line()
        imgui.begin_disabled(export.pending)
        if imgui.button("Export trace"):
            export.start()
        imgui.end_disabled()
        if imgui.is_item_hovered(imgui.HoveredFlags_.allow_when_disabled):
            imgui.set_tooltip("Write the warmup as a Chrome trace (JSON) in the current folder:\n"
                              "every import, nested per thread; open it in ui.perfetto.dev")
        if export.message is not None:
            imgui.push_style_color(imgui.Col_.text, theme.vec4(export.role))
            imgui.text_wrapped(export.message)
            imgui.pop_style_color()
        if self._snapshot is not None and self._snapshot.tree_error is not None:
            imgui.push_style_color(imgui.Col_.text, theme.vec4(Role.FAILED))
            imgui.text_wrapped(f"Could not read the import trees: {self._snapshot.tree_error}")
            imgui.pop_style_color()

    def _draw_trends(self, theme: Theme, history: str) -> None:
        from ..widgets.trends import TrendsModel, draw_trends

        runs = self._source.history_runs()  # a list copy: drawn only while the tab is open
        key = (len(runs), runs[-1].get("run") if runs else None)
        if self._trends_key != key:
            self._trends_key = key
            self.trends = TrendsModel.from_runs(runs)
        if not self.plot.poll():
            imgui.text_colored(theme.vec4(Role.TEXT_DIM), self.plot.message)
            return
        self.implot.ensure()
        draw_trends(self.trends, theme, history_path=history)

    def _draw_chart(self, theme: Theme, now: float, highlight_id: int | None):
        model = self._snapshot.model
        if model is None:  # the plot engine just became ready: the next snapshot has the model
            imgui.text_colored(theme.vec4(Role.TEXT_DIM), "Laying out the timeline…")
            return _NO_EVENTS
        # Imported on first use, after numpy is warm (this module loads no numpy by itself).
        from ..widgets.gantt import draw_gantt

        if self._fit:
            self._follow = True  # "Fit timeline" also resumes following the live warmup
        live = bool(self._snapshot.summary.running or self._snapshot.summary.queued)
        # Until the user zooms or pans, the chart keeps everything in view as bars grow.
        fit = self._fit or (self._follow and (self._fresh or live))
        self._fit = False
        self.implot.ensure()  # a host without implot: plotting with no context would crash
        events = draw_gantt(model, theme, now, highlight_id=highlight_id, fit=fit,
                            flame=self._snapshot.flame, expanded=self.expanded_lanes,
                            max_height=imgui.get_content_region_avail().y if self._short else None)
        if events.toggled_lane is not None:   # a click on a lane label: its tree in or out
            self.expanded_lanes ^= {events.toggled_lane}
        self.last_chart = events
        if self._follow and events.plot_rect is not None and _user_moved_plot(events.plot_rect):
            self._follow = False
        return events


def _fit_text(text: str, width: float) -> str:
    """``text``, or its longest start that fits ``width`` pixels with "…" after it."""
    if imgui.calc_text_size(text).x <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:   # the longest prefix whose "prefix…" fits
        mid = (lo + hi + 1) // 2
        if imgui.calc_text_size(text[:mid].rstrip() + "…").x <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + "…"


def _user_moved_plot(rect: tuple[float, float, float, float]) -> bool:
    """True when the mouse wheel or a drag acts on the plot this frame (implot zoom or pan)."""
    io = imgui.get_io()
    x, y, w, h = rect
    mouse = io.mouse_pos
    inside = x <= mouse.x <= x + w and y <= mouse.y <= y + h
    return inside and (io.mouse_wheel != 0.0 or imgui.is_mouse_dragging(0) or imgui.is_mouse_dragging(1))
