"""The toast stack: toasts pushed by the plugin, drawn bottom-right above the status bar.

Owns each toast's visible age (paused while hovered), stacking and dismissal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from imgui_bundle import im_anim, imgui

from ..theme.current import Theme
from ..theme.palette import Role
from ..widgets.toast import ToastTiming, draw_toast, toast_envelope

__all__ = ["Toast", "ToastStack"]


def _ease(t: float) -> float:
    return im_anim.eval_preset(im_anim.ease_type.ease_out_cubic, t)


@dataclass
class Toast:
    id: int
    text: str
    role: Role
    age: float = 0.0            # seconds shown, not counting time hovered
    last_seen: float | None = None
    hovered: bool = False
    closed: bool = False


@dataclass
class ToastStack:
    """Toasts, newest at the bottom. ``push`` from the frame loop; ``draw(now)`` every frame."""

    timing: ToastTiming = field(default_factory=ToastTiming)
    toasts: list[Toast] = field(default_factory=list)
    _next_id: int = 1
    # Called after each push (the plugin: draw it from the next frame, no quiet frame).
    on_push: Callable[[], None] | None = field(default=None, repr=False, compare=False)

    def push(self, text: str, role: Role = Role.READY) -> Toast:
        toast = Toast(self._next_id, text, role)
        self._next_id += 1
        self.toasts.append(toast)
        if self.on_push is not None:
            self.on_push()
        return toast

    @property
    def active(self) -> bool:
        return bool(self.toasts)

    def advance(self, now: float) -> None:
        """Age the toasts to ``now`` (hovered ones are paused) and drop finished ones."""
        for toast in self.toasts:
            if toast.last_seen is not None and not toast.hovered:
                toast.age += max(0.0, now - toast.last_seen)
            toast.last_seen = now
        self.toasts = [
            t for t in self.toasts
            if not t.closed and not toast_envelope(t.age, self.timing, _ease)[2]
        ]

    def draw(self, theme: Theme, now: float, bottom_offset: float) -> None:
        """Draw the stack with its lowest toast ``bottom_offset`` px above the viewport bottom."""
        self.advance(now)
        if not self.toasts:
            return
        viewport = imgui.get_main_viewport()
        margin = theme.px(theme.sizes.toast_margin)
        gap = theme.px(theme.sizes.toast_gap)
        right = viewport.work_pos.x + viewport.work_size.x - margin
        bottom = viewport.work_pos.y + viewport.work_size.y - bottom_offset - margin
        max_width = min(theme.px(theme.sizes.toast_width), viewport.work_size.x - 2 * margin)
        for toast in reversed(self.toasts):  # newest lowest, older ones pushed up
            alpha, slide, _ = toast_envelope(toast.age, self.timing, _ease)
            events = draw_toast(
                f"##imwarmup-toast-{toast.id}", toast.text, toast.role,
                imgui.ImVec2(right, bottom), max_width, alpha, slide, theme,
            )
            toast.hovered = events.hovered
            if events.clicked:
                toast.closed = True
            bottom -= events.height + gap
            if bottom < viewport.work_pos.y + margin:
                break  # a small window: show what fits, the rest wait their turn
