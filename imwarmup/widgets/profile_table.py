"""The startup profile as a table with a timeline column (from ``StartupProfiler.report()``).

Plain imgui (no implot, no numpy): each phase gets a bar in its row, scaled to the whole
start-up, so sequential phases on the critical path and async ones beside it read at a glance.
"""

from __future__ import annotations

from typing import Any, Mapping

from imgui_bundle import imgui

from ..core.profiler import format_duration
from ..theme.current import Theme
from ..theme.palette import Role

__all__ = ["draw_profile"]

_COLUMNS = ("phase", "kind", "thread", "start", "duration", "timeline")


def draw_profile(report: Mapping[str, Any], theme: Theme) -> None:
    """Draw ``report`` (keys ``total_ms``, ``critical_path_ms``, ``phases``, ``marks``)."""
    total = float(report.get("total_ms") or 0.0)
    imgui.text_unformatted(
        f"Critical path {format_duration(report.get('critical_path_ms'))}   "
        f"Total {format_duration(total)}"
    )
    for mark in report.get("marks", ()):
        imgui.same_line(0.0, theme.px(1.5))
        imgui.text_colored(theme.vec4(Role.READY), f"{mark['name']} at {format_duration(mark['at_ms'])}")
    flags = (imgui.TableFlags_.row_bg | imgui.TableFlags_.borders_inner_v | imgui.TableFlags_.scroll_y
             | imgui.TableFlags_.resizable | imgui.TableFlags_.sizing_fixed_fit)
    if not imgui.begin_table("##imwarmup-profile", len(_COLUMNS), flags):
        return
    imgui.table_setup_scroll_freeze(0, 1)
    for name in _COLUMNS:
        imgui.table_setup_column(
            name, imgui.TableColumnFlags_.width_stretch if name == "timeline" else 0
        )
    imgui.table_headers_row()
    phases = sorted(report.get("phases", ()), key=lambda p: (p["kind"] != "sequential", p["start_ms"]))
    for phase in phases:
        imgui.table_next_row()
        imgui.table_next_column()
        indent = "  " * int(phase.get("depth") or 0)
        if phase.get("error"):
            imgui.text_colored(theme.vec4(Role.FAILED), indent + phase["name"])
            if imgui.is_item_hovered():
                imgui.set_tooltip(phase["error"])
        else:
            imgui.text_unformatted(indent + phase["name"])
        imgui.table_next_column()
        imgui.text_unformatted(phase["kind"])
        imgui.table_next_column()
        imgui.text_unformatted(phase.get("thread") or "")
        imgui.table_next_column()
        imgui.text_unformatted(format_duration(phase["start_ms"]))
        imgui.table_next_column()
        imgui.text_unformatted(format_duration(phase["duration_ms"]))
        imgui.table_next_column()
        _bar(phase, total, theme)
    imgui.end_table()


def _bar(phase: Mapping[str, Any], total: float, theme: Theme) -> None:
    width = imgui.get_content_region_avail().x
    height = imgui.get_text_line_height()
    pos = imgui.get_cursor_screen_pos()
    imgui.dummy(imgui.ImVec2(width, height))
    if total <= 0.0 or width <= 0.0:
        return
    x0 = pos.x + width * max(0.0, phase["start_ms"]) / total
    x1 = max(x0 + 2.0, pos.x + width * min(total, phase["start_ms"] + phase["duration_ms"]) / total)
    if phase.get("error"):
        role = Role.FAILED
    elif not phase.get("done", True):
        role = Role.WARMING
    elif phase["kind"] == "sequential":
        role = Role.PHASE_SEQUENTIAL
    else:
        role = Role.PHASE_ASYNC
    imgui.get_window_draw_list().add_rect_filled(
        imgui.ImVec2(x0, pos.y + height * 0.2), imgui.ImVec2(x1, pos.y + height * 0.8),
        theme.u32(role, 0.85), 2.0,
    )
