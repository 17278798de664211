"""The "Warmup diagnostics" window: summary line, timeline, table, startup profile.

It owns what the window shows between frames (the cached canaries and summary, the table's
sort/filter, the selected canary) and reads the source only when its ``revision`` changed.
"""

from __future__ import annotations

from typing import Any, Callable

from imgui_bundle import imgui

from ..core.report import WarmupSummary, summarize
from ..theme.current import Theme
from ..theme.palette import Role

__all__ = ["DebugWindow", "WINDOW_TITLE"]

WINDOW_TITLE = "Warmup diagnostics"

# While canaries are running, durations grow: refresh the summary this often (seconds).
_RUNNING_REFRESH = 0.1


class DebugWindow:
    """Draws the diagnostics window's contents (the plugin decides when it is open).

    Args:
        source: the warmup source (see ``panels.source``).
        copy_report: called by the "Copy report" button.
    """

    def __init__(self, source: Any, copy_report: Callable[[], None], guard: Any = None) -> None:
        self._source = source
        self._guard = guard
        self._copy_report = copy_report
        self._revision: Any = object()
        self._canaries: list[dict[str, Any]] = []
        self._summary: WarmupSummary | None = None
        self._summary_at = float("-inf")

    # ------------------------------------------------------------------------------ data
    def refresh(self, now: float) -> None:
        """Re-read canaries when the source changed; recompute the summary when needed."""
        revision = getattr(self._source, "revision", None)
        changed = revision is None or revision != self._revision
        if changed:
            self._revision = revision
            self._canaries = self._source.canaries()
        running = self._summary is not None and (self._summary.running or self._summary.queued)
        if changed or self._summary is None or (running and now - self._summary_at >= _RUNNING_REFRESH):
            self._summary = summarize(self._canaries, now)
            self._summary_at = now

    @property
    def canaries(self) -> list[dict[str, Any]]:
        return self._canaries

    @property
    def summary(self) -> WarmupSummary | None:
        return self._summary

    # ------------------------------------------------------------------------------ draw
    def draw_contents(self, theme: Theme, now: float) -> None:
        self.refresh(now)
        summary = self._summary
        assert summary is not None
        if summary.modules == 0:
            imgui.text_colored(theme.vec4(Role.TEXT_DIM), "No warmup submitted yet.")
        else:
            imgui.text_wrapped(summary.line())
        if summary.main_thread:
            imgui.text_colored(
                theme.vec4(Role.MAIN_THREAD),
                f"{summary.main_thread} module(s) imported on the main thread: this breaks "
                f"main-thread purity. Warm them on the pool instead.",
            )
        if imgui.button("Copy report"):
            self._copy_report()
        imgui.separator()
        self.draw_body(theme, now)

    def draw_body(self, theme: Theme, now: float) -> None:
        """The area below the summary (the chart and table go here)."""
        imgui.text_colored(theme.vec4(Role.TEXT_DIM), "Loading plot engine…")
