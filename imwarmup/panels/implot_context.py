"""An implot context for hosts that did not start implot.

``immapp.run(..., with_implot=True)`` makes one; ``hello_imgui.run`` and a plain ``immapp.run``
do not, and implot crashes (a segfault, not an exception) when asked to plot without one. The
diagnostics window asks this object before it draws the chart: it makes a context only when none
is current, and destroys only the one it made, before the host's ImGui context goes.
"""

from __future__ import annotations

from typing import Any

from imgui_bundle import implot

__all__ = ["ImplotContext"]


class ImplotContext:
    def __init__(self) -> None:
        self._made: Any = None  # the context this object created, if any

    @property
    def made_one(self) -> bool:
        """True when the host had no implot context and this object made one."""
        return self._made is not None

    def ensure(self) -> None:
        """Make sure an implot context is current (call inside a frame, before any implot call)."""
        if implot.get_current_context() is None:
            self._made = implot.create_context()

    def destroy(self) -> None:
        """Destroy the context made here (if any); call while the ImGui context still lives."""
        made, self._made = self._made, None
        if made is not None:
            implot.destroy_context(made)
