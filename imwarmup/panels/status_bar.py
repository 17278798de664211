"""The status bar segment panel: owns the cached status line; draws it every frame."""

from __future__ import annotations

import sys
from typing import Any, Callable

from imgui_bundle import imgui

from ..theme.current import Theme
from ..theme.palette import Role
from ..widgets.status_line import StatusLine, pending_tooltip, status_line
from ..widgets.status_segment import SegmentLayout, segment_layout, status_segment

__all__ = ["StatusBar"]


class StatusBar:
    """Draws the warmup segment from the status the plugin polled this frame.

    The text is rebuilt only when the status counts change; the tooltip (which reads the
    canaries) is built only while hovered.
    """

    def __init__(self, canaries: Callable[[], list[dict[str, Any]]], on_click: Callable[[], None]):
        self._canaries = canaries
        self._on_click = on_click
        self._key: tuple[int, int, int] | None = None
        self._pending: list[str] = []
        self.line: StatusLine = status_line({"pending": [], "completed": [], "failed": []})
        self._error: str | None = None
        self._layout: SegmentLayout | None = None
        self._layout_key: tuple | None = None

    def _tooltip_lines(self, now: float) -> list[str]:
        if self.line.state == "error":
            return [f"The warmup source failed: {self._error}", "The app goes on; see stderr."]
        try:
            return pending_tooltip(self._canaries(), self._pending, now)
        except Exception as exc:  # noqa: BLE001 - a failing source shows as text, never a crash
            return [f"The warmup source failed: {type(exc).__name__}: {exc}"]

    def update(self, status: dict[str, list[str]]) -> StatusLine:
        """Take this frame's status; returns the (possibly cached) status line."""
        key = (len(status["pending"]), len(status["completed"]), len(status["failed"]))
        if key != self._key:
            self._key = key
            self.line = status_line(status)
        self._pending = status["pending"]
        return self.line

    def source_failed(self, exc: BaseException) -> None:
        """The source raised: say so in red (and once on stderr) instead of breaking the frame."""
        text = f"{type(exc).__name__}: {exc}"
        if text != self._error:
            self._error = text
            sys.stderr.write(f"[imwarmup] the warmup source failed: {text}\n")
        self._key = None
        self.line = StatusLine("error", "Warmup status unavailable", Role.FAILED, 0, 0, 0, 0.0)

    def draw(self, theme: Theme, now: float) -> None:
        key = (self.line, theme.generation)
        if key != self._layout_key:  # measure text only when it or the font changed
            self._layout_key = key
            self._layout = segment_layout(self.line, theme)
        events = status_segment(self.line, self._layout, theme)
        if events.hovered:
            if imgui.begin_tooltip():
                for text in self._tooltip_lines(now):
                    imgui.text_unformatted(text)
                imgui.end_tooltip()
        if events.clicked:
            self._on_click()
