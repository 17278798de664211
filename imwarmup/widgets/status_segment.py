"""The status bar segment: dot, "Warming up... (N/M)" text and a thin progress bar.

Drawn inside the host's status bar (hello_imgui ``callbacks.show_status``) or any window.
"""

from __future__ import annotations

from dataclasses import dataclass

from imgui_bundle import imgui

from ..theme.current import Theme
from ..theme.palette import Role
from .status_dot import status_dot
from .status_line import StatusLine

__all__ = ["SegmentEvents", "status_segment"]


@dataclass(frozen=True)
class SegmentEvents:
    hovered: bool
    clicked: bool


def status_segment(line: StatusLine, theme: Theme) -> SegmentEvents:
    """Draw ``line`` as dot + text (+ progress bar while warming).

    Returns:
        Whether the segment is hovered, and whether it was clicked this frame.
    """
    sizes = theme.sizes
    imgui.begin_group()
    status_dot(theme.u32(line.role), theme.px(sizes.status_dot_radius))
    imgui.same_line(0.0, theme.px(0.3))
    imgui.text(line.text)
    if line.state == "warming":
        imgui.same_line(0.0, theme.px(0.5))
        width = theme.px(sizes.status_progress_width)
        height = theme.px(sizes.status_progress_height)
        line_h = imgui.get_text_line_height()
        pos = imgui.get_cursor_screen_pos()
        imgui.dummy(imgui.ImVec2(width, line_h))
        top = pos.y + (line_h - height) * 0.5
        draw = imgui.get_window_draw_list()
        rounding = height * 0.5
        draw.add_rect_filled(
            imgui.ImVec2(pos.x, top), imgui.ImVec2(pos.x + width, top + height),
            theme.u32(Role.QUEUED), rounding,
        )
        if line.fraction > 0.0:
            draw.add_rect_filled(
                imgui.ImVec2(pos.x, top),
                imgui.ImVec2(pos.x + max(height, width * line.fraction), top + height),
                theme.u32(Role.WARMING), rounding,
            )
    imgui.end_group()
    hovered = imgui.is_item_hovered()
    return SegmentEvents(hovered=hovered, clicked=hovered and imgui.is_mouse_clicked(0))
