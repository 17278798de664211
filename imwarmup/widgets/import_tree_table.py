"""The breakdown of one canary: its import tree as table rows, indented by depth, sortable by self
time, own work (the CPU of its own code), cumulative time, CPU and lock waits; each node's
children are sorted, so the tree stays a tree. A header's tooltip says what its time means.
Needs imgui, not numpy.

Quick start::

    rows = tree_rows(controller.import_tree(canary_id))        # once per tree
    events = draw_import_tree_table(module, rows, view, theme)  # view: the caller's TreeTableView
    if events.hovered_index is not None:
        ...

Only the rows on screen cost anything per frame (``imgui.ListClipper``); sorting happens once per
change, cached in the caller's ``TreeTableView``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from imgui_bundle import imgui

from ..theme import Role
from .canary_rows import fmt_ms
from .import_tree_rows import TreeRow, TreeTableView

__all__ = ["TREE_HEADERS", "TreeTableEvents", "draw_import_tree_table"]

# (header, sort column key) in display order.
TREE_HEADERS: tuple[tuple[str, str], ...] = (
    ("import", "tree"), ("self ms", "self"), ("own ms", "own"), ("cum ms", "cum"),
    ("cpu ms", "cpu"), ("lock wait ms", "wait"), ("waited for / error", ""),
)
# Header tooltips: what each time means (self is wall time, own is CPU, as in the canary table).
_HEADER_HELP = {
    "self ms": "wall time in the module's own code, children excluded (as -X importtime): "
               "waiting included",
    "own ms": "CPU time of the module's own code, children excluded: far below self, it waited "
              "(GIL, I/O, a GUI frame)",
    "cum ms": "wall time with everything it imported (as -X importtime)",
    "cpu ms": "CPU time with everything it imported",
    "lock wait ms": "time waiting for a module lock another thread held",
}
_LAST = len(TREE_HEADERS) - 1
_MIN_TABLE_EM = 49.0


@dataclass(frozen=True, slots=True)
class TreeTableEvents:
    hovered_index: int | None = None   # the tree node under the mouse
    table_id: int | None = None        # imgui's ID of the table (for scripts that point at it)


def draw_import_tree_table(module: str, rows: Sequence[TreeRow], view: TreeTableView, theme: Any, *,
                           height: float | None = None) -> TreeTableEvents:
    """Draw the title line and the breakdown table of one canary's import tree.

    Args:
        module: the canary's module (the title says whose tree it is).
        rows: ``tree_rows(tree)``; pass a new list when the tree changes (the view caches on it).
        view: the caller's ``TreeTableView``; the user's sort is written into it.
        theme: the app's ``Theme``.
        height: table height in pixels; default: the rest of the window.
    """
    total = rows[0].cum_ms if rows else None
    imgui.text_colored(theme.vec4(Role.TEXT_DIM),
                       f"Import tree of {module}: {max(len(rows) - 1, 0)} sub-imports, "
                       f"{fmt_ms(total)} (click a header to sort; children sort under their parent)")
    flags = (imgui.TableFlags_.sortable | imgui.TableFlags_.scroll_y | imgui.TableFlags_.row_bg
             | imgui.TableFlags_.borders_outer | imgui.TableFlags_.borders_inner_v
             | imgui.TableFlags_.resizable | imgui.TableFlags_.sizing_fixed_fit)
    needed = imgui.get_font_size() * _MIN_TABLE_EM
    inner_width = 0.0
    if imgui.get_content_region_avail().x < needed:
        flags |= imgui.TableFlags_.scroll_x
        inner_width = needed
    table_id = imgui.get_id("##import-tree")
    outer = imgui.ImVec2(0.0, 0.0 if height is None else height)
    if not imgui.begin_table("##import-tree", len(TREE_HEADERS), flags, outer, inner_width):
        return TreeTableEvents(table_id=table_id)
    try:
        hovered = _body(rows, view, theme)
    finally:
        imgui.end_table()
    return TreeTableEvents(hovered, table_id)


def _body(rows: Sequence[TreeRow], view: TreeTableView, theme: Any) -> int | None:
    col = imgui.TableColumnFlags_
    imgui.table_setup_scroll_freeze(0, 1)
    for n, (label, _) in enumerate(TREE_HEADERS):
        flags = (col.width_stretch if n in (0, _LAST)
                 else col.width_fixed | col.prefer_sort_descending)
        if n == 0:
            flags |= col.default_sort
        if n == _LAST:
            flags |= col.no_sort
        imgui.table_setup_column(label, flags, 0.0, n)
    imgui.table_next_row(imgui.TableRowFlags_.headers)
    for n, (label, _) in enumerate(TREE_HEADERS):
        if imgui.table_set_column_index(n):
            imgui.table_header(label)
            help_text = _HEADER_HELP.get(label)
            if help_text is not None and imgui.is_item_hovered():
                imgui.set_tooltip(help_text)
    specs = imgui.table_get_sort_specs()
    if specs is not None and specs.specs_dirty:
        if specs.specs_count > 0:
            spec = specs.get_specs(0)
            view.sort_column = TREE_HEADERS[spec.column_index][1]
            view.ascending = spec.get_sort_direction() == imgui.SortDirection.ascending
        specs.specs_dirty = False

    shown = view.visible(rows)
    dim, failed, waiting = (theme.vec4(r) for r in (Role.TEXT_DIM, Role.FAILED, Role.WARMING))
    indent = imgui.get_font_size() * 0.9
    hovered = None
    clipper = imgui.ListClipper()
    clipper.begin(len(shown))
    while clipper.step():
        for r in range(clipper.display_start, clipper.display_end):
            row = shown[r]
            imgui.table_next_row()
            imgui.table_next_column()
            imgui.set_cursor_pos_x(imgui.get_cursor_pos_x() + row.depth * indent)
            if row.error:
                imgui.text_colored(failed, row.module)
            else:
                imgui.text_unformatted(row.module)
            if imgui.is_item_hovered():
                hovered = row.index
            for value in (row.self_ms, row.own_ms, row.cum_ms, row.cpu_ms):
                imgui.table_next_column()
                _right(fmt_ms(value), dim if value is None else None)
            imgui.table_next_column()
            if row.wait_ms:
                _right(fmt_ms(row.wait_ms), waiting)
            imgui.table_next_column()
            if row.error:
                imgui.text_colored(failed, row.error)
            elif row.waits:
                imgui.text_colored(waiting, row.waits)
    clipper.end()
    if not shown:
        imgui.table_next_row()
        imgui.table_next_column()
        imgui.text_colored(dim, "no import recorded")
    return hovered


def _right(text: str, colour: imgui.ImVec4 | None = None) -> None:
    w = imgui.calc_text_size(text).x
    avail = imgui.get_content_region_avail().x
    if avail > w:
        imgui.set_cursor_pos_x(imgui.get_cursor_pos_x() + avail - w)
    if colour is None:
        imgui.text_unformatted(text)
    else:
        imgui.text_colored(colour, text)
