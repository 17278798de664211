"""Sizes the plugin draws with, in em (multiples of the font size), so HiDPI scales them.

Pure data; convert at draw time with ``hello_imgui.em_size(value)`` (or ``Theme.px``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Sizes", "SIZES"]


@dataclass(frozen=True)
class Sizes:
    status_dot_radius: float = 0.32     # the coloured dot in the status bar
    status_progress_width: float = 6.0  # the thin progress bar while warming
    status_progress_height: float = 0.3
    toast_width: float = 22.0           # max width; shrinks to fit a small window
    toast_margin: float = 0.6           # gap to the window edge and the status bar
    toast_padding: float = 0.7
    toast_gap: float = 0.4              # between stacked toasts
    toast_slide: float = 2.0            # how far a toast slides in
    gantt_lane_height: float = 1.6
    gantt_bar_fraction: float = 0.7     # bar height / lane height
    gantt_min_bar_px: float = 3.0       # narrower bars fold into a block (pixels, not em: a
                                        # fold is about what the screen can show)
    palette_width: float = 30.0


SIZES = Sizes()
