"""A filled dot in a theme colour, drawn with the window's draw list.

The default hello_imgui font has no "●" glyph, so the dot is a shape, not text.
"""

from __future__ import annotations

from imgui_bundle import imgui

__all__ = ["status_dot"]


def status_dot(color_u32: int, radius: float) -> bool:
    """Draw a dot of ``radius`` pixels at the cursor, as one text-line-high item.

    Returns:
        True when the dot is hovered.
    """
    height = imgui.get_text_line_height()
    pos = imgui.get_cursor_screen_pos()
    size = imgui.ImVec2(radius * 2.0 + 2.0, height)
    imgui.dummy(size)
    center = imgui.ImVec2(pos.x + size.x * 0.5, pos.y + height * 0.5)
    imgui.get_window_draw_list().add_circle_filled(center, radius, color_u32, 0)
    return imgui.is_item_hovered()
