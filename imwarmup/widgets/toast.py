"""One toast: a small window at a given corner position, and its fade/slide envelope.

The envelope is a pure function of the toast's *visible age* (time shown, not counting time
hovered), so a test or a screenshot can set the clock and get the same pixels every time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from imgui_bundle import imgui

from ..theme.current import Theme
from ..theme.palette import Role

__all__ = ["ToastTiming", "ToastEvents", "toast_envelope", "draw_toast", "ease_out_cubic"]


@dataclass(frozen=True)
class ToastTiming:
    fade_in: float = 0.3   # seconds
    hold: float = 4.0      # fully visible
    fade_out: float = 0.5

    @property
    def total(self) -> float:
        return self.fade_in + self.hold + self.fade_out


def ease_out_cubic(t: float) -> float:
    return 1.0 - (1.0 - t) ** 3


def toast_envelope(
    age: float, timing: ToastTiming = ToastTiming(), ease: Callable[[float], float] = ease_out_cubic
) -> tuple[float, float, bool]:
    """``(alpha, slide, expired)`` for a toast shown for ``age`` seconds.

    ``alpha`` goes 0→1 while fading in and 1→0 while fading out; ``slide`` is the share of the
    slide distance still to travel (1→0 while fading in). ``expired`` once the toast has faded out.
    """
    if age < 0.0:
        age = 0.0
    if age < timing.fade_in:
        t = ease(age / timing.fade_in)
        return t, 1.0 - t, False
    age -= timing.fade_in
    if age < timing.hold:
        return 1.0, 0.0, False
    age -= timing.hold
    if age < timing.fade_out:
        return 1.0 - ease(age / timing.fade_out), 0.0, False
    return 0.0, 0.0, True


@dataclass(frozen=True)
class ToastEvents:
    hovered: bool
    clicked: bool
    height: float  # the toast's height in pixels, for stacking the next one above it


_FLAGS = (
    imgui.WindowFlags_.no_decoration
    | imgui.WindowFlags_.no_focus_on_appearing
    | imgui.WindowFlags_.no_nav
    | imgui.WindowFlags_.no_saved_settings
    | imgui.WindowFlags_.no_docking
    | imgui.WindowFlags_.no_move
    | imgui.WindowFlags_.always_auto_resize
)


def draw_toast(
    window_id: str,
    text: str,
    role: Role,
    bottom_right: imgui.ImVec2,
    max_width: float,
    alpha: float,
    slide: float,
    theme: Theme,
) -> ToastEvents:
    """Draw a toast whose bottom-right corner is at ``bottom_right`` (slid right by ``slide``).

    It never takes keyboard focus; it is kept in front of other windows.

    Args:
        window_id: a unique ImGui window name for this toast (e.g. ``"##imwarmup-toast-3"``).
        text: the message, wrapped to ``max_width``.
        role: the accent colour's role (READY, FAILED...).
        bottom_right: screen position of the toast's bottom-right corner.
        max_width: the widest the toast may be, in pixels (fits a small window).
        alpha: 0..1 opacity. slide: 0..1 share of the slide-in distance still to go.
    """
    sizes = theme.sizes
    pad = theme.px(sizes.toast_padding)
    x = bottom_right.x + slide * theme.px(sizes.toast_slide)
    imgui.set_next_window_pos(imgui.ImVec2(x, bottom_right.y), imgui.Cond_.always, imgui.ImVec2(1.0, 1.0))
    imgui.push_style_var(imgui.StyleVar_.alpha, max(0.0, min(1.0, alpha)))
    imgui.push_style_var(imgui.StyleVar_.window_padding, imgui.ImVec2(pad, pad * 0.8))
    imgui.push_style_var(imgui.StyleVar_.window_rounding, theme.px(0.4))
    imgui.push_style_var(imgui.StyleVar_.window_border_size, 1.0)
    imgui.push_style_color(imgui.Col_.window_bg, theme.vec4(Role.TOAST_BG))
    imgui.push_style_color(imgui.Col_.border, theme.vec4(role))
    imgui.push_style_color(imgui.Col_.text, theme.vec4(Role.TOAST_TEXT))
    imgui.begin(window_id, None, _FLAGS)
    radius = theme.px(sizes.status_dot_radius)
    wrap = max(theme.px(4.0), max_width - 2 * pad - 3 * radius)
    pos = imgui.get_cursor_screen_pos()
    line_h = imgui.get_text_line_height()
    imgui.get_window_draw_list().add_circle_filled(
        imgui.ImVec2(pos.x + radius, pos.y + line_h * 0.5), radius, theme.u32(role, alpha), 0
    )
    imgui.set_cursor_screen_pos(imgui.ImVec2(pos.x + 3 * radius, pos.y))
    imgui.push_text_wrap_pos(imgui.get_cursor_pos_x() + wrap)
    imgui.text_unformatted(text)
    imgui.pop_text_wrap_pos()
    hovered = imgui.is_window_hovered()
    clicked = hovered and imgui.is_mouse_clicked(0)
    height = imgui.get_window_height()
    # Keep toasts above the app's windows without taking focus (focusing would steal keys).
    imgui.internal.bring_window_to_display_front(imgui.internal.get_current_window())
    imgui.end()
    imgui.pop_style_color(3)
    imgui.pop_style_var(4)
    return ToastEvents(hovered=hovered, clicked=clicked, height=height)
