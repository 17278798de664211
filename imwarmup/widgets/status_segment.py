"""The status bar segment: dot, "Warming up... (N/M)" text and a thin progress bar.

Drawn inside the host's status bar (hello_imgui ``callbacks.show_status``) or any window. It runs
every frame, so it makes few imgui calls: one invisible button for hover/click, then shapes and
text straight into the draw list.
"""

from __future__ import annotations

from dataclasses import dataclass

from imgui_bundle import imgui

from ..theme.current import Theme
from ..theme.palette import Role
from .status_line import StatusLine

__all__ = ["SegmentEvents", "SegmentLayout", "segment_layout", "status_segment"]


@dataclass(frozen=True)
class SegmentEvents:
    hovered: bool
    clicked: bool


@dataclass(frozen=True)
class SegmentLayout:
    """Pixel sizes of a segment for one text at one font size (compute once, reuse every frame)."""

    width: float
    height: float
    size: imgui.ImVec2  # (width, height), built once: this draw runs every frame
    dot_radius: float
    text_x: float
    bar_x: float
    bar_width: float
    bar_height: float


def segment_layout(line: StatusLine, theme: Theme) -> SegmentLayout:
    """Measure ``line`` at the current font size (calls imgui: do it when the text changes)."""
    sizes = theme.sizes
    height = imgui.get_text_line_height()
    radius = theme.px(sizes.status_dot_radius)
    text_x = radius * 2.0 + theme.px(0.45)
    text_w = imgui.calc_text_size(line.text).x
    width = text_x + text_w
    bar_x = bar_w = 0.0
    if line.state == "warming":
        bar_x = width + theme.px(0.6)
        bar_w = theme.px(sizes.status_progress_width)
        width = bar_x + bar_w
    return SegmentLayout(width, height, imgui.ImVec2(width, height), radius, text_x, bar_x, bar_w,
                         theme.px(sizes.status_progress_height))


def status_segment(line: StatusLine, layout: SegmentLayout, theme: Theme) -> SegmentEvents:
    """Draw ``line`` as dot + text (+ progress bar while warming) at the cursor.

    Returns:
        Whether the segment is hovered, and whether it was clicked this frame.
    """
    pos = imgui.get_cursor_screen_pos()
    clicked = imgui.invisible_button("##imwarmup-status", layout.size)
    hovered = imgui.is_item_hovered()
    x, y, h = pos.x, pos.y, layout.height
    draw = imgui.get_window_draw_list()
    r = layout.dot_radius
    draw.add_circle_filled(imgui.ImVec2(x + r, y + h * 0.5), r, theme.u32(line.role), 0)
    draw.add_text(imgui.ImVec2(x + layout.text_x, y), theme.u32_text(), line.text)
    if layout.bar_width > 0.0:
        top = y + (h - layout.bar_height) * 0.5
        bottom = top + layout.bar_height
        left = x + layout.bar_x
        rounding = layout.bar_height * 0.5
        draw.add_rect_filled(imgui.ImVec2(left, top), imgui.ImVec2(left + layout.bar_width, bottom),
                             theme.u32(Role.QUEUED), rounding)
        if line.fraction > 0.0:
            filled = max(layout.bar_height, layout.bar_width * line.fraction)
            draw.add_rect_filled(imgui.ImVec2(left, top), imgui.ImVec2(left + filled, bottom),
                                 theme.u32(Role.WARMING), rounding)
    return SegmentEvents(hovered=hovered, clicked=clicked)
