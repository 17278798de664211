"""The canary table: #, module, thread, start, elapsed, own, waiting, status, error; sortable,
filterable, failed rows marked, one row highlighted. "own" is the import's own work (its thread's
CPU time), "waiting" the rest of its elapsed time; hovering either says it in words. Needs imgui, not numpy (it works before numpy warmed).

Quick start::

    rows = table_rows(controller.canaries(), None, now)     # when the revision changes
    events = draw_canary_table(rows, view, theme, highlight_id=selected_id, now=now)
    if events.selected_id is not None:
        selected_id = events.selected_id

Only the rows on screen cost anything per frame (``imgui.ListClipper``); filtering and sorting
happen once per change, cached in the caller's ``TableView``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from imgui_bundle import ImVec2, imgui

from ..theme import Role
from ..theme.palette import STATUS_ROLES, text_role_for_status
from .canary_rows import COLUMNS, Row, TableView, fmt_ms

__all__ = ["HEADERS", "TableEvents", "draw_canary_table", "shown_headers"]

HEADERS = ("#", "module", "thread", "start ms", "elapsed ms", "vs usual", "own ms", "waiting ms",
           "status", "error")  # in order
_HEADERS_NO_USUAL = tuple(h for h in HEADERS if h != "vs usual")
_COLUMNS_NO_USUAL = tuple(c for c in COLUMNS if c != "vs usual")
# Below this width (in em) the table scrolls sideways: room for the fixed columns plus a module
# name and the start of an error message.
_MIN_TABLE_EM = 62.0
# What the own/waiting headers mean, on hover.
_HEADER_HELP = {
    "vs usual": "This run's elapsed time against the module's usual: the median of its last 5 "
                "runs in the start-up history. Red: slower by more than 20% and 20 ms.",
    "own ms": "The import's own work: its thread's CPU time.",
    "waiting ms": "The rest of its elapsed time: waiting for the GIL, for a module lock another "
                  "import held, for I/O.",
}


@dataclass(frozen=True, slots=True)
class TableEvents:
    selected_id: int | None = None   # row clicked this frame
    hovered_id: int | None = None    # row under the mouse
    # Where it was drawn, for scripts that point at it (tests, screenshots):
    table_id: int | None = None      # imgui's ID of the table (imgui.internal.table_find_by_id)
    filter_rect: tuple[float, float, float, float] | None = None  # the filter box: x, y, w, h


def draw_canary_table(rows: Sequence[Row], view: TableView, theme, *,
                      highlight_id: int | None = None, now: float | None = None,
                      height: float | None = None) -> TableEvents:
    """Draw the filter box and the table of ``rows``.

    Args:
        rows: ``table_rows(...)``; pass a new list when the data change (the view caches on it).
        view: the caller's ``TableView``; its filter and sort are edited in place.
        theme: the app's ``Theme``.
        highlight_id: the canary whose row is highlighted (e.g. the bar hovered in the chart).
        now: the frame's clock; when given, running rows show their live elapsed time.
        height: table height in pixels; default: the rest of the window.

    Returns:
        ``TableEvents``: the row clicked (``selected_id``) and the row hovered this frame.
    """
    imgui.set_next_item_width(-imgui.FLT_MIN)
    changed, text = imgui.input_text_with_hint(
        "##canary-filter", "filter: module, thread, status, error (-word excludes)",
        view.filter_text)
    if changed:
        view.filter_text = text
    lo, hi = imgui.get_item_rect_min(), imgui.get_item_rect_max()
    filter_rect = (lo.x, lo.y, hi.x - lo.x, hi.y - lo.y)

    flags = (imgui.TableFlags_.sortable | imgui.TableFlags_.scroll_y | imgui.TableFlags_.row_bg
             | imgui.TableFlags_.borders_outer | imgui.TableFlags_.borders_inner_v
             | imgui.TableFlags_.resizable | imgui.TableFlags_.sizing_fixed_fit)
    outer = ImVec2(0.0, 0.0 if height is None else height)
    # A narrow window scrolls the table sideways instead of squeezing the module and error
    # columns to a few letters while the fixed columns keep their width.
    headers = shown_headers(rows, view)
    needed = imgui.get_font_size() * (_MIN_TABLE_EM if headers is HEADERS else _MIN_TABLE_EM - 6.0)
    inner_width = 0.0
    if imgui.get_content_region_avail().x < needed:
        flags |= imgui.TableFlags_.scroll_x
        inner_width = needed
    table_id = imgui.get_id("##canaries")  # the ID begin_table uses (same ID stack)
    if not imgui.begin_table("##canaries", len(headers), flags, outer, inner_width):
        return TableEvents(table_id=table_id, filter_rect=filter_rect)
    try:
        selected, hovered = _table_body(rows, view, theme, highlight_id, now, headers)
    finally:
        imgui.end_table()
    return TableEvents(selected, hovered, table_id, filter_rect)


def shown_headers(rows: Sequence[Row], view: TableView) -> tuple[str, ...]:
    """The table's columns for ``rows``: ``HEADERS``, less "vs usual" unless a start-up history
    knows some module (no column of dashes otherwise)."""
    return HEADERS if view.shows_usual(rows) else _HEADERS_NO_USUAL


def _headers_row(headers: tuple[str, ...]) -> None:
    """The headers row; hovering the own or waiting header says what it means."""
    imgui.table_headers_row()
    # The last header's rect spans the headers row's height (imgui's own row, kept as is).
    top, bottom = imgui.get_item_rect_min().y, imgui.get_item_rect_max().y
    column = imgui.table_get_hovered_column()
    if 0 <= column < len(headers) and headers[column] in _HEADER_HELP \
            and top <= imgui.get_mouse_pos().y < bottom:
        imgui.set_tooltip(_HEADER_HELP[headers[column]])


# The widest usual content of the fixed columns that start empty or short (see _table_body).
_WIDEST = {"start ms": "9999.9 ms", "elapsed ms": "9999.9 ms", "vs usual": "+9999.9 ms",
           "own ms": "9999.9 ms", "waiting ms": "9999.9 ms", "status": "completed"}


def _signed_ms(ms: float) -> str:
    """``+120 ms``, ``-8.0 ms``, ``+1.25 s``: the sign always shown."""
    text = fmt_ms(abs(ms))
    return ("-" if ms < 0 and text != fmt_ms(0.0) else "+") + text


def _table_body(rows, view: TableView, theme, highlight_id, now,
                headers: tuple[str, ...]) -> tuple[int | None, int | None]:
    col_flags = imgui.TableColumnFlags_
    usual_shown = headers is HEADERS
    keys = COLUMNS if usual_shown else _COLUMNS_NO_USUAL
    imgui.table_setup_scroll_freeze(0, 1)
    for n, label in enumerate(headers):
        flags = col_flags.width_stretch if label in ("module", "error") else col_flags.width_fixed
        if label == "#":
            flags |= col_flags.default_sort
        if label in ("start ms", "elapsed ms", "vs usual", "own ms", "waiting ms"):
            flags |= col_flags.prefer_sort_descending
        # A fixed column fits what it holds on the first frame, and keeps that width: "running"
        # or "-" then would cut "completed" or "+1790.7 ms" for good, so they start wide enough.
        sample = _WIDEST.get(label)
        # The header needs room for its sort arrow too (about one line height).
        width = (max(imgui.calc_text_size(sample).x,
                     imgui.calc_text_size(label).x + imgui.get_font_size())
                 if sample else 0.0)
        imgui.table_setup_column(label, flags, width, n)
    _headers_row(headers)

    specs = imgui.table_get_sort_specs()
    if specs is not None and specs.specs_dirty:
        if specs.specs_count > 0:
            spec = specs.get_specs(0)
            view.sort_column = keys[spec.column_index]
            view.ascending = spec.get_sort_direction() == imgui.SortDirection.ascending
        specs.specs_dirty = False

    shown = view.visible(rows)
    hovered = selected = None
    hl_col = theme.u32(Role.HIGHLIGHT, 0.22)
    failed_vec = theme.vec4(Role.FAILED)
    dim_vec = theme.vec4(Role.TEXT_DIM)
    status_vec = {s: theme.vec4(text_role_for_status(s)) for s in STATUS_ROLES}
    row_flags = (imgui.SelectableFlags_.span_all_columns
                 | imgui.SelectableFlags_.allow_overlap)
    next_col = imgui.table_next_column
    text = imgui.text_unformatted
    colored = imgui.text_colored

    clipper = imgui.ListClipper()
    clipper.begin(len(shown))
    while clipper.step():
        for r in range(clipper.display_start, clipper.display_end):
            row = shown[r]
            imgui.table_next_row()
            is_hl = row.canary_id == highlight_id
            if is_hl:
                imgui.table_set_bg_color(imgui.TableBgTarget_.row_bg1, hl_col)
            next_col()
            clicked, _ = imgui.selectable(str(row.canary_id), is_hl, row_flags)
            if clicked:
                selected = row.canary_id
            if imgui.is_item_hovered():
                hovered = row.canary_id
            next_col()
            if row.failed:
                colored(failed_vec, row.module)
            else:
                text(row.module)
            next_col()
            if row.main_thread:
                colored(failed_vec, f"{row.thread or 'main'} (blocks frames)")
            elif row.thread:
                text(row.thread)
            else:
                colored(dim_vec, "-")
            next_col()
            text(fmt_ms(row.start_ms))
            next_col()
            elapsed = row.elapsed_ms
            if row.status == "running" and now is not None and row.start_ts is not None:
                elapsed = (now - row.start_ts) * 1000.0
            text(fmt_ms(elapsed))
            if usual_shown:
                next_col()
                if row.vs_usual_ms is None:
                    colored(dim_vec, "-")
                else:
                    colored(failed_vec if row.regressed else dim_vec, _signed_ms(row.vs_usual_ms))
                    if imgui.is_item_hovered():
                        imgui.set_tooltip(f"usual {fmt_ms(row.usual_ms)} (median of the last 5 runs)"
                                          + ("; slower by > 20% and > 20 ms" if row.regressed else ""))
            next_col()
            if row.own_ms is None:
                colored(dim_vec, "-")
            else:
                text(fmt_ms(row.own_ms))
                split_hover = imgui.is_item_hovered()
                next_col()
                text(fmt_ms(row.wait_ms))
                if split_hover or imgui.is_item_hovered():
                    imgui.set_tooltip(row.split)
            if row.own_ms is None:
                next_col()
                colored(dim_vec, "-")
            next_col()
            colored(status_vec.get(row.status, dim_vec),
                    ("! FAILED" if row.failed else row.status) + (" (retried)" if row.retried else ""))
            next_col()
            if row.error:
                colored(failed_vec, row.error)
    clipper.end()
    if not shown:
        imgui.table_next_row()
        imgui.table_next_column()
        imgui.table_next_column()
        colored(dim_vec, "no canary matches the filter" if rows else "no canary yet")
    return selected, hovered
