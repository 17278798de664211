"""The Gantt chart of canaries: one lane per worker thread, one bar per import, as a custom
implot plotter (ImPlot has no Gantt and its bars always start at 0).

Quick start (inside an implot-enabled frame, numpy already warmed)::

    model.update(controller.canaries(), controller.revision)
    events = draw_gantt(model, theme, now, highlight_id=selected_id, fit=fit_clicked)
    if events.clicked_id is not None:
        selected_id = events.clicked_id

The widget keeps no state: the data and its caches live in the caller's ``GanttModel``; zoom and
pan live in implot's plot (``fit=True`` re-fits the x range). It reads no clock: ``now`` (the
absolute clock the canaries use) makes running bars grow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Collection

import numpy as np
from imgui_bundle import ImVec2, imgui, implot

from ..theme import Role
from ..theme.palette import role_for_status
from .flame import (FLAME_ROW, FlameHit, FlameModel, Frame, LaneLayout, draw_flame_rows,
                    lane_layout, outline_node)
from .gantt_model import MAIN_THREAD_LANE, STATUSES, Block, GanttModel, Hit
from .canary_rows import fmt_ms
from .import_tree_rows import costliest, lock_waits, waited_most

_FAILED_CODE = STATUSES.index("failed")

__all__ = ["GanttEvents", "draw_gantt", "MIN_LANE_SHARE"]

#: How far a lane may shrink (share of ``gantt_lane_height``) when the chart must fit a low window.
MIN_LANE_SHARE = 0.6

# Legend entries, in this order; each one is a colour the chart draws. Only the colours the chart
# shows now get an entry (a legend of six in a narrow window is cut off), keyed by the status,
# "queued" (any bar: hovering shows its wait) or "folded" (this frame folded bars into a block).
_LEGEND: tuple[tuple[str, Role, str], ...] = (
    ("completed", Role.READY, "completed"),
    ("running", Role.WARMING, "running"),
    ("failed", Role.FAILED, "failed"),
    ("cancelled", Role.CANCELLED, "cancelled"),
    ("queued (hover a bar)", Role.QUEUED, "queued"),
    ("folded bars", Role.FOLDED, "folded"),
)


@dataclass(frozen=True, slots=True)
class GanttEvents:
    """What happened in the chart this frame."""

    hovered_id: int | None = None     # canary under the mouse
    clicked_id: int | None = None     # canary clicked (press and release without a drag)
    hovered_block: Block | None = None  # folded block under the mouse
    # Where the bars were drawn, for scripts that point at a bar (tests, screenshots):
    plot_rect: tuple[float, float, float, float] | None = None  # x, y, w, h in pixels
    x_range: tuple[float, float] | None = None                   # seconds shown
    # Import trees (issue 14): a lane label clicked this frame (expand or fold its tree), the
    # tree node under the mouse (canary id, node index), and the lanes' layout on the y axis.
    toggled_lane: str | None = None
    hovered_node: tuple[int, int] | None = None
    layout: LaneLayout | None = None

    def _lane_y(self, model: GanttModel, lane: int) -> float:
        """The pixel y of a lane's bar centre line."""
        assert self.plot_rect is not None
        layout = self.layout or lane_layout(len(model.lanes))
        _, py, _, ph = self.plot_rect
        return py + layout.centre(lane) * ph / max(layout.total, 1.0)

    def node_pixel(self, flame: FlameModel, canary_id: int, node: int,
                   at: float = 0.5) -> tuple[float, float] | None:
        """The pixel at fraction ``at`` along a tree node's flame bar (on an expanded lane), or
        None if it is not shown."""
        tree, lane = flame.tree(canary_id), flame.lane_of.get(canary_id)
        if tree is None or lane is None or self.layout is None or self.plot_rect is None \
                or self.x_range is None:
            return None
        n = tree[node]
        depth = int(n.get("depth") or 0)
        if not 1 <= depth <= self.layout.flame_rows[lane] or n.get("end_ts") is None:
            return None
        px, py, pw, ph = self.plot_rect
        lo, hi = self.x_range
        x = (n["start_ts"] - flame.origin) + (n["end_ts"] - n["start_ts"]) * at
        unit = ph / max(self.layout.total, 1.0)
        y = py + (self.layout.row_top(lane, depth - 1) + 0.5 * FLAME_ROW) * unit
        return px + (x - lo) / (hi - lo) * pw, y

    def bar_pixel(self, model: GanttModel, canary_id: int, at: float = 0.5,
                  now: float | None = None) -> tuple[float, float] | None:
        """The pixel at fraction ``at`` along a canary's bar (its lane's centre line), or None
        if it has no bar; ``now`` is needed for a running bar."""
        i = model.index_of(canary_id)
        if i is None or self.plot_rect is None or self.x_range is None:
            return None
        x0 = float(model.start[i])
        x1 = model.bar_end(i, now if now is not None else model.origin + x0)
        px, py, pw, ph = self.plot_rect
        lo, hi = self.x_range
        x = x0 + (x1 - x0) * at
        return px + (x - lo) / (hi - lo) * pw, self._lane_y(model, int(model.lane[i]))


def draw_gantt(model: GanttModel, theme, now: float, *, highlight_id: int | None = None,
               fit: bool = False, size: tuple[float, float] | None = None,
               flame: FlameModel | None = None, expanded: Collection[str] = (),
               max_height: float | None = None) -> GanttEvents:
    """Draw the chart of ``model`` and report hover and click.

    Args:
        model: the caller's ``GanttModel``, updated for this frame (``model.update(...)``).
        theme: the app's ``imwarmup.theme.Theme`` (colours by role, sizes in em).
        now: the clock of the canaries' timestamps (``time.time()``), read once per frame.
        highlight_id: a canary to outline (e.g. the table's selected row).
        fit: re-fit the x axis to all bars this frame (the "Fit" action).
        size: plot size in pixels; default: full width, height from the lane count.
        max_height: with the default size, the height there is room for (e.g. the window's
            content region left): the lanes shrink to fit it, down to ``MIN_LANE_SHARE`` of
            their height, so a low window shows every lane instead of cutting the chart.
        flame: the import trees laid out for this model (``FlameModel``), or None.
        expanded: names of the lanes whose import tree shows under their bars (a click on a
            lane's label asks to toggle it: ``GanttEvents.toggled_lane``).

    Returns:
        ``GanttEvents`` (hovered/clicked canary id, hovered folded block).
    """
    n_lanes = len(model.lanes)
    sizes = theme.sizes
    lane_px = theme.px(sizes.gantt_lane_height)
    layout = lane_layout(n_lanes, None if flame is None else [
        flame.rows(k) if name in expanded else 0 for k, name in enumerate(model.lanes)])
    if size is None:
        # lanes (and expanded trees) + x axis + outside legend row
        axes = imgui.get_frame_height() * 4.0
        height = lane_px * max(layout.total, 1.0) + axes
        if max_height is not None and max_height < height:
            height = max(max_height, lane_px * MIN_LANE_SHARE * max(layout.total, 1.0) + axes)
        size = (-1.0, height)
    if fit:
        implot.set_next_axis_to_fit(implot.ImAxis_.x1)
    flags = implot.Flags_.no_box_select | implot.Flags_.no_mouse_text | implot.Flags_.no_menus
    if not implot.begin_plot("##warmup-gantt", ImVec2(*size), flags):
        return GanttEvents()
    try:
        events = _plot(model, theme, now, highlight_id, n_lanes, flame, layout)
    finally:
        implot.end_plot()
    return events


def _plot(model: GanttModel, theme, now: float, highlight_id: int | None,
          n_lanes: int, flame: FlameModel | None, layout: LaneLayout) -> GanttEvents:
    implot.setup_axes(
        "seconds since first submit", "",
        implot.AxisFlags_.no_menus,
        implot.AxisFlags_.invert | implot.AxisFlags_.lock | implot.AxisFlags_.no_grid_lines
        | implot.AxisFlags_.no_menus | implot.AxisFlags_.no_highlight,
    )
    x_lo, x_hi = model.x_extent(now)
    implot.setup_axis_limits(implot.ImAxis_.x1, x_lo, x_hi * 1.02, implot.Cond_.once)
    implot.setup_axis_limits(implot.ImAxis_.y1, 0.0, max(layout.total, 1.0), implot.Cond_.always)
    if n_lanes:
        implot.setup_axis_ticks(implot.ImAxis_.y1, [layout.centre(k) for k in range(n_lanes)],
                                _lane_labels(model, flame))
    else:
        implot.setup_axis_ticks(implot.ImAxis_.y1, [0.5], ["(no thread yet)"])
    implot.setup_legend(implot.Location_.north_west,
                        implot.LegendFlags_.outside | implot.LegendFlags_.horizontal
                        | implot.LegendFlags_.no_buttons | implot.LegendFlags_.no_menus)
    implot.setup_finish()

    events, folded = GanttEvents(), False
    spec = implot.Spec()
    spec.flags = implot.ItemFlags_.no_legend
    if implot.internal.begin_item("##bars", spec):
        try:
            if implot.internal.fit_this_frame():
                implot.internal.fit_point_x(x_lo)
                implot.internal.fit_point_x(x_hi * 1.02)
            events, folded = _draw_bars(model, theme, now, highlight_id, n_lanes, flame, layout)
        finally:
            implot.internal.end_item()
    if flame is not None and len(flame):
        events = _lane_toggles(model, theme, flame, layout, events)
    shown = set(model.statuses)
    if shown:
        shown.add("queued")
    if folded:
        shown.add("folded")
    for label, role, key in _LEGEND:      # legend only: an item per colour shown, in this order
        if key in shown and implot.internal.begin_item(label, None, theme.vec4(role)):
            implot.internal.end_item()
    return events


def _draw_bars(model: GanttModel, theme, now: float, highlight_id: int | None,
               n_lanes: int, flame: FlameModel | None,
               layout: LaneLayout) -> tuple[GanttEvents, bool]:
    """Draw the bars; returns the events and whether any bars were folded into blocks."""
    draw = implot.get_plot_draw_list()
    limits = implot.get_plot_limits()
    pos = implot.get_plot_pos()
    psize = implot.get_plot_size()
    x_min, x_max = limits.x.min, limits.x.max
    width = max(psize.x, 1.0)
    view = model.view(x_min, x_max, width)
    scale = view.scale
    left, right = pos.x, pos.x + psize.x
    lane_h = psize.y / max(layout.total, 1.0)   # a bar row's height (a lane unit)
    half_bar = lane_h * theme.sizes.gantt_bar_fraction / 2.0
    now_x = now - model.origin

    # Lane backgrounds; the MainThread lane in the failure colour (it breaks main-thread purity).
    for k in range(n_lanes):
        y0 = pos.y + layout.tops[k] * lane_h
        if model.lanes[k] == MAIN_THREAD_LANE:
            col = theme.u32(Role.FAILED, 0.18)
        else:
            col = theme.u32(Role.LANE_BG_ALT if k % 2 else Role.LANE_BG)
        draw.add_rect_filled(ImVec2(left, y0), ImVec2(right, pos.y + layout.bottom(k) * lane_h),
                             col)

    status_cols = np.array([theme.u32(role_for_status(s)) for s in STATUSES], dtype=np.int64)
    fail_w = max(4.0, imgui.get_font_size() * 0.35)  # the narrowest a failure is drawn
    folded_col = theme.u32(Role.FOLDED)
    failed_col = theme.u32(Role.FAILED)
    text_col = theme.u32(Role.BAR_TEXT)
    font_size = imgui.get_font_size()
    pad = font_size * 0.3
    text_y_off = -font_size / 2.0
    widths = model.text_width_cache
    # Clamp to just outside the plot: deep zooms would give huge floats to the draw list.
    lo_clip, hi_clip = left - 4.0, right + 4.0

    folded = False
    if flame is not None:   # expanded lanes: their import trees under the bars
        frame = Frame(left, right, pos.y, lane_h, x_min, x_max, width, now_x)
        for k in range(n_lanes):
            if layout.flame_rows[k]:
                folded = draw_flame_rows(draw, flame, theme, k, layout, frame, widths) or folded
    for k, lv in enumerate(view.lanes):
        n = len(lv.x0)
        if n == 0:
            continue
        yc = pos.y + layout.centre(k) * lane_h
        yt, yb = yc - half_bar, yc + half_bar
        x1 = lv.x1
        idx = lv.idx
        single = idx >= 0
        folded = folded or not bool(single.all())
        if model.running_idx:
            running = single & np.isnan(model.end[np.where(single, idx, 0)])
            if running.any():
                x1 = np.where(running, now_x, x1)
        px0 = np.clip(left + (lv.x0 - x_min) * scale, lo_clip, hi_clip)
        px1 = np.clip(left + (x1 - x_min) * scale, lo_clip, hi_clip)
        px1 = np.maximum(px1, px0 + 1.0)  # a bar is at least one pixel
        codes = model.status[np.where(single, idx, 0)]
        # A failure is what a user looks for first: a failed bar is never thinner than a few
        # pixels, even when its import failed in a microsecond.
        px1 = np.where(single & (codes == _FAILED_CODE), np.maximum(px1, px0 + fail_w), px1)
        cols = np.where(single, status_cols[codes], folded_col)
        # Blocks lose a pixel on the right so neighbouring blocks read as separate folds.
        px1d = np.where(single, px1, np.maximum(px1 - 1.0, px0 + 1.0))
        for a, b, c in zip(px0.tolist(), px1d.tolist(), cols.tolist()):
            draw.add_rect_filled(ImVec2(a, yt), ImVec2(b, yb), c)
        # A block hiding failures gets a band in the failure colour along its top.
        # A block too narrow for a visible band is marked over its whole height instead.
        marked = np.flatnonzero(lv.failed * (~single) > 0)
        if len(marked):
            band = max(half_bar * 0.5, 2.0)
            for a, b in zip(px0[marked].tolist(), px1d[marked].tolist()):
                if b - a >= fail_w:
                    draw.add_rect_filled(ImVec2(a, yt), ImVec2(b, yt + band), failed_col)
                else:
                    draw.add_rect_filled(ImVec2(a, yt), ImVec2(a + fail_w, yb), failed_col)
        # Labels: only bars wide enough for a few characters are measured (few per lane).
        wide = np.flatnonzero((px1 - px0) > font_size * 2.0)
        for j in wide.tolist():
            a, b = px0[j], px1[j]
            i = int(idx[j])
            if i >= 0:
                label = model.records[i]["module"]
            else:
                label = str(int(lv.count[j]))
            key = (label, font_size)
            w = widths.get(key)
            if w is None:
                w = widths[key] = imgui.calc_text_size(label).x
            if w + 2 * pad > b - a and i >= 0 and "." in label:
                label = label.rsplit(".", 1)[1]   # the last dotted part, when the full name won't fit
                key = (label, font_size)
                w = widths.get(key)
                if w is None:
                    w = widths[key] = imgui.calc_text_size(label).x
            if w + 2 * pad <= b - a:
                tx = max(a, left) + pad
                if tx + w > min(b, right) - pad:   # bar partly off-screen: keep text inside it
                    tx = a + pad
                draw.add_text(ImVec2(tx, yc + text_y_off), text_col, label)

    # Hover and click
    hit: Hit | None = None
    fhit: FlameHit | None = None
    if implot.is_plot_hovered():
        mp = implot.get_plot_mouse_pos()
        where = layout.locate(mp.y)
        if where is not None and where[1] < 0:
            hit = model.hit_test(view, where[0], mp.x, now)
        elif where is not None and flame is not None:
            fhit = flame.hit_test(where[0], where[1], mp.x, x_min, x_max, width, now)
    hovered_id = hit.canary_id if hit is not None else None

    for cid, role_alpha in ((highlight_id, 1.0), (hovered_id, 0.6)):
        i = model.index_of(cid)
        if i is None or (cid == highlight_id and role_alpha < 1.0):
            continue
        yc = pos.y + layout.centre(int(model.lane[i])) * lane_h
        _outline_bar(draw, model, theme, i, now, x_min, scale, left, yc, lane_h, half_bar,
                     lo_clip, hi_clip, role_alpha)

    if fhit is not None and fhit.node is not None:
        outline_node(draw, flame, theme, layout, frame, fhit.canary_id, fhit.node)

    clicked_id = None
    if hit is not None or fhit is not None:
        if hit is not None:
            _tooltip(model, theme, hit, now, flame)
        else:
            _flame_tooltip(flame, theme, fhit)
        if _clicked():
            clicked_id = hit.canary_id if hit is not None else fhit.canary_id
    node = (fhit.canary_id, fhit.node) if fhit is not None and fhit.node is not None else None
    block = hit.block if hit is not None else (fhit.block if fhit is not None else None)
    return GanttEvents(hovered_id=hovered_id, clicked_id=clicked_id, hovered_block=block,
                       plot_rect=(pos.x, pos.y, psize.x, psize.y), x_range=(x_min, x_max),
                       hovered_node=node, layout=layout), folded


def _clicked() -> bool:
    """The left button was released this frame without a drag (a click, not a pan)."""
    io = imgui.get_io()
    threshold = io.mouse_drag_threshold
    return (imgui.is_mouse_released(imgui.MouseButton_.left)
            and io.mouse_drag_max_distance_sqr[0] <= threshold * threshold)


_TOGGLE_ROOM = "    "  # before a label with an import tree: room for its triangle


def _lane_labels(model: GanttModel, flame: FlameModel | None) -> list[str]:
    """The y axis's lane labels; a lane with an import tree gets room for its toggle."""
    if flame is None or not len(flame):
        return list(model.lanes)
    return [_TOGGLE_ROOM + name if flame.rows(k) else name for k, name in enumerate(model.lanes)]


def _lane_toggles(model: GanttModel, theme, flame: FlameModel, layout: LaneLayout,
                  events: GanttEvents) -> GanttEvents:
    """A triangle in front of each lane label that has an import tree (pointing right: tree
    folded; down: shown); a click on the label toggles it (``toggled_lane``). The triangle sits
    in the room the label keeps for it, inside the chart's axis area: never over the host."""
    plot_rect = events.plot_rect
    if plot_rect is None:
        return events
    px, py, _, ph = plot_rect
    unit = ph / max(layout.total, 1.0)
    draw = imgui.get_window_draw_list()
    font = imgui.get_font_size()
    pad = implot.get_style().label_padding.x
    on, off = theme.u32(Role.HIGHLIGHT, 0.9), theme.u32(Role.TEXT_DIM)
    widths = model.text_width_cache
    r = font * 0.28
    room = _text_width(_TOGGLE_ROOM, font, widths)
    lefts = {}
    for k, name in enumerate(model.lanes):
        if not flame.rows(k):
            continue
        label_left = px - pad - _text_width(_TOGGLE_ROOM + name, font, widths)
        lefts[k] = label_left
        cx, cy = label_left + room * 0.45, py + layout.centre(k) * unit
        if layout.flame_rows[k]:
            draw.add_triangle_filled(ImVec2(cx - r, cy - r * 0.6), ImVec2(cx + r, cy - r * 0.6),
                                     ImVec2(cx, cy + r * 0.8), on)
        else:
            draw.add_triangle_filled(ImVec2(cx - r * 0.6, cy - r), ImVec2(cx - r * 0.6, cy + r),
                                     ImVec2(cx + r * 0.8, cy), off)
    if not lefts or not imgui.is_window_hovered():
        return events
    mouse = imgui.get_io().mouse_pos
    where = layout.locate((mouse.y - py) / unit) if py <= mouse.y < py + ph else None
    if where is None or where[0] not in lefts or not lefts[where[0]] <= mouse.x < px:
        return events
    k = where[0]
    imgui.set_mouse_cursor(imgui.MouseCursor_.hand)
    imgui.set_tooltip(f"Click to {'fold' if layout.flame_rows[k] else 'show'} the import trees "
                      f"of {model.lanes[k]}'s imports")
    if not _clicked():
        return events
    return GanttEvents(events.hovered_id, events.clicked_id, events.hovered_block,
                       events.plot_rect, events.x_range, model.lanes[k], events.hovered_node,
                       events.layout)


def _text_width(text: str, font: float, widths: dict) -> float:
    key = (text, font)
    w = widths.get(key)
    if w is None:
        w = widths[key] = imgui.calc_text_size(text).x
    return w


def _outline_bar(draw, model: GanttModel, theme, i: int, now: float, x_min: float, scale: float,
                 left: float, yc: float, lane_h: float, half_bar: float, lo_clip: float,
                 hi_clip: float, alpha: float) -> None:
    """The queued time (submit -> start, faint) and an outline around one bar.

    Queued segments are drawn only for the hovered and the selected bar: the canaries of a round
    are all submitted at once, so their queued segments overlap and would paint whole lanes.
    """
    yt, yb = yc - half_bar, yc + half_bar

    def px(x: float) -> float:
        return min(max(left + (x - x_min) * scale, lo_clip), hi_clip)

    q0, s, e = px(float(model.submit[i])), px(float(model.start[i])), px(model.bar_end(i, now))
    if s - q0 >= 1.0:
        # In the strip under the lane's bars, so it crosses the bars that ran meanwhile
        # without hiding them.
        margin = max(lane_h / 2.0 - half_bar, 3.0)
        draw.add_rect_filled(ImVec2(q0, yb + 1.0), ImVec2(s, yb + margin - 1.0),
                             theme.u32(Role.QUEUED))
        draw.add_line(ImVec2(q0, yt), ImVec2(q0, yb + margin - 1.0), theme.u32(Role.QUEUED), 1.0)
    e = max(e, s + 1.0)
    grow = 2.0
    draw.add_rect(ImVec2(s - grow, yt - grow), ImVec2(e + grow, yb + grow),
                  theme.u32(Role.HIGHLIGHT, alpha), 0.0, 2.0)


def _tooltip(model: GanttModel, theme, hit: Hit, now: float,
             flame: FlameModel | None = None) -> None:
    imgui.begin_tooltip()
    try:
        if hit.block is not None:
            lines = hit.block.tooltip().split("\n")
            imgui.text_colored(theme.vec4(Role.FOLDED), lines[0])
            for line in lines[1:]:
                imgui.text_colored(theme.vec4(Role.TEXT_DIM), line)
            return
        i = hit.index
        lines = model.tooltip(i, now).split("\n")
        status = STATUSES[int(model.status[i])]
        imgui.text(lines[0])
        for line in lines[1:]:
            if line.startswith("status:"):
                imgui.text_colored(theme.vec4(role_for_status(status)), line)
            elif line.startswith("error:"):
                imgui.text_colored(theme.vec4(Role.FAILED), line)
            elif line.startswith(("Fix ", "Imported on the main thread")):
                imgui.text_colored(theme.vec4(Role.TEXT_DIM), line)
            else:
                imgui.text(line)
        # The import tree's block (issue 14): its own function, below the canary's lines.
        _tree_tooltip(theme, flame.tree(hit.canary_id) if flame is not None else None)
    finally:
        imgui.end_tooltip()


def _tree_tooltip(theme, tree: list | None) -> None:
    """A canary tooltip's import-tree block: its five costliest sub-imports (self and cumulative
    time as ``-X importtime``, and the CPU of their own code when recorded, in aligned columns)
    and its lock waits (``costliest_lines`` says the same in text)."""
    if not tree or len(tree) < 2:
        return
    top = costliest(tree)
    keys = ["self_ms", "cum_ms"]
    if any(n.get("self_cpu_ms") is not None for n in top):
        keys.append("self_cpu_ms")
    imgui.separator()
    imgui.text_colored(theme.vec4(Role.TEXT_DIM), f"Costliest sub-imports (of {len(tree) - 1}): "
                       f"self / cum{' / own work' if len(keys) == 3 else ''}")
    flags = imgui.TableFlags_.sizing_fixed_fit | imgui.TableFlags_.no_host_extend_x
    if imgui.begin_table("##imwarmup-top-imports", 1 + len(keys), flags):
        try:
            for node in top:
                imgui.table_next_row()
                imgui.table_next_column()
                imgui.text(node["module"])
                for key in keys:
                    imgui.table_next_column()
                    _text_right(fmt_ms(node.get(key)))
        finally:
            imgui.end_table()
    if any(waited_most(n) for n in top):
        imgui.text_colored(theme.vec4(Role.TEXT_DIM),
                           "self far above own work = waiting (GIL, I/O, a GUI frame)")
    waits = lock_waits(tree)
    if waits:
        total = sum(w.get("wait_ms") or 0.0 for w in waits)
        imgui.text_colored(theme.vec4(Role.WARMING),
                           f"Waited on module locks: {len(waits)} "
                           f"time{'' if len(waits) == 1 else 's'}, {fmt_ms(total)}")
        for w in waits[:5]:
            imgui.text(f"  {fmt_ms(w.get('wait_ms'))} for {w.get('module', '?')} "
                       f"(held by {w.get('holder') or '?'}, in {w['in']})")
        if len(waits) > 5:
            imgui.text_colored(theme.vec4(Role.TEXT_DIM), f"  and {len(waits) - 5} more")


def _text_right(text: str) -> None:
    """Text right-aligned in the current table column."""
    w = imgui.calc_text_size(text).x
    avail = imgui.get_content_region_avail().x
    if avail > w:
        imgui.set_cursor_pos_x(imgui.get_cursor_pos_x() + avail - w)
    imgui.text(text)


def _flame_tooltip(flame: FlameModel | None, theme, hit: FlameHit | None) -> None:
    """A tree node's tooltip (module, who imported it, self/cum ms, lock waits), or a folded
    block's."""
    if flame is None or hit is None:
        return
    imgui.begin_tooltip()
    try:
        if hit.block is not None:
            lines = hit.block.tooltip().replace(" modules,", " imports folded,", 1).split("\n")
            imgui.text_colored(theme.vec4(Role.FOLDED), lines[0])
            for line in lines[1:]:
                imgui.text_colored(theme.vec4(Role.TEXT_DIM), line)
            return
        assert hit.canary_id is not None and hit.node is not None
        lines = flame.node_tooltip(hit.canary_id, hit.node).split("\n")
        imgui.text(lines[0])
        for line in lines[1:]:
            if line.startswith("waited"):
                imgui.text_colored(theme.vec4(Role.WARMING), line)
            elif line.startswith("error"):
                imgui.text_colored(theme.vec4(Role.FAILED), line)
            elif line.startswith("imported by"):
                imgui.text_colored(theme.vec4(Role.TEXT_DIM), line)
            else:
                imgui.text(line)
    finally:
        imgui.end_tooltip()
