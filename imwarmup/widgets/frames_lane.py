"""The "GUI frames" lane: one mark per GUI frame above the Gantt chart, on the chart's time axis;
hitches (over 2x the median or over 50 ms) in the failure colour, the host's idle waits (no frame
was due) as a faint band; hover tells the frame's duration and the imports that ran on the
workers meanwhile ("frame 213: 216 ms while pandas (in pandas._libs.tslibs) was importing on
controller-io-3"), or that the host idled there.

``frame_lane()`` builds the lane's data (numpy, no imgui; the window rebuilds it with its
snapshot, not every frame); ``draw_frames_lane()`` draws it into a strip whose x axis is the
chart's (``GanttEvents.plot_rect`` and ``x_range`` of the same frame) and returns the hovered
frame's index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
from imgui_bundle import ImVec2, imgui

from ..core.frame_summary import HITCH_FACTOR, HITCH_MS, culprits, hitch_text
from ..theme import Role

__all__ = ["FrameLane", "frame_lane", "draw_frames_lane", "LANE_LABEL"]

LANE_LABEL = "GUI frames"
# A mark's height grows with the frame's duration up to this (ms): a hitch is full height.
_FULL_MS = 100.0


@dataclass(frozen=True)
class FrameLane:
    """Frames in chart seconds (since ``origin``): start, end, duration, hitch or not."""

    x0: np.ndarray
    x1: np.ndarray
    ms: np.ndarray
    hitch: np.ndarray
    p50_ms: float
    origin: float
    canaries: Sequence[dict[str, Any]]
    trees: Mapping[int, Sequence[Mapping[str, Any]]] | None = None   # import_trees()
    # The host's idle waits (``FrameLog.idle_waits()``) in chart seconds: the gaps between
    # frames that were no frame, drawn as a faint band that says so when hovered.
    idle_x0: np.ndarray = field(default_factory=lambda: np.zeros(0))
    idle_x1: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # Tooltips made so far, by frame: hovering redraws one every frame, and naming the nested
    # import walks the canary's whole tree.
    _tips: dict[int, str] = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.x0)

    def tooltip(self, i: int) -> str:
        """``"frame 213: 216 ms while pandas was importing on controller-io-3"``."""
        tip = self._tips.get(i)
        if tip is None:
            tip = self._tips[i] = self._tooltip(i)
        return tip

    def _tooltip(self, i: int) -> str:
        start = self.origin + float(self.x0[i])
        end = self.origin + float(self.x1[i])
        text = hitch_text(i + 1, float(self.ms[i]),
                          culprits(self.canaries, start, end, self.trees))
        return text + ("" if self.hitch[i] else f"\n(median frame {self.p50_ms:.0f} ms)")


    def idle_tooltip(self, i: int) -> str:
        """``"the host idled 111 ms: no frame was due ..."`` for idle wait ``i``."""
        ms = (float(self.idle_x1[i]) - float(self.idle_x0[i])) * 1000.0
        return (f"the host idled {ms:.0f} ms: no frame was due (it waits for an event while "
                f"nothing changes: hello_imgui's fps_idling)\nnot a frame: left out of the "
                f"frame figures, never a hitch")


def frame_lane(frames: Sequence[tuple[float, float]], canaries: Sequence[dict[str, Any]],
               origin: float,
               trees: Mapping[int, Sequence[Mapping[str, Any]]] | None = None,
               idle: Sequence[tuple[float, float]] = ()) -> FrameLane:
    """The lane of ``frames`` (``FrameLog.frames()``: ``(start, interval_s)``); with the
    canaries' import ``trees`` a hitch's tooltip names the nested module that ran; ``idle``:
    the host's idle waits (``FrameLog.idle_waits()``, the same shape)."""
    n = len(frames)
    start = np.fromiter((f[0] for f in frames), dtype=float, count=n) - origin
    dur = np.fromiter((f[1] for f in frames), dtype=float, count=n)
    ms = dur * 1000.0
    p50 = float(np.median(ms)) if n else 0.0
    hitch = (ms > HITCH_MS) | (ms > HITCH_FACTOR * p50)
    idle_x0 = np.fromiter((w[0] for w in idle), dtype=float, count=len(idle)) - origin
    idle_x1 = idle_x0 + np.fromiter((w[1] for w in idle), dtype=float, count=len(idle))
    return FrameLane(start, start + dur, ms, hitch, p50, origin, canaries, trees,
                     idle_x0=idle_x0, idle_x1=idle_x1)


def draw_frames_lane(lane: FrameLane, theme: Any, strip: tuple[float, float, float, float],
                     x_range: tuple[float, float], label_right: float) -> int | None:
    """Draw ``lane`` in the screen rectangle ``strip`` (x, y, w, h) whose x axis shows
    ``x_range`` seconds; the label ends at ``label_right``. Returns the hovered frame or None."""
    draw = imgui.get_window_draw_list()
    x, y, w, h = strip
    lo, hi = x_range
    scale = w / max(hi - lo, 1e-12)
    draw.add_rect_filled(ImVec2(x, y), ImVec2(x + w, y + h), theme.u32(Role.LANE_BG))
    label_w = imgui.calc_text_size(LANE_LABEL).x
    draw.add_text(ImVec2(label_right - label_w, y + (h - imgui.get_font_size()) / 2.0),
                  theme.u32(Role.TEXT_DIM), LANE_LABEL)
    _draw_idle(draw, lane, theme, strip, lo, scale)
    a = int(np.searchsorted(lane.x1, lo, side="left"))
    b = int(np.searchsorted(lane.x0, hi, side="right"))
    ok_col, hitch_col = theme.u32(Role.READY, 0.7), theme.u32(Role.FAILED)
    bottom = y + h - 1.0
    px0 = x + (lane.x0[a:b] - lo) * scale
    px1 = np.maximum(x + (lane.x1[a:b] - lo) * scale, px0 + 1.0)
    height = np.clip(lane.ms[a:b] / _FULL_MS, 0.15, 1.0) * (h - 2.0)
    hitches = lane.hitch[a:b]
    for x0, x1, hh, bad in zip(px0.tolist(), px1.tolist(), height.tolist(), hitches.tolist()):
        x0, x1 = max(x0, x), min(x1, x + w)
        if x1 <= x0:
            continue
        if bad:  # a hitch: its whole span, full height, in the failure colour
            draw.add_rect_filled(ImVec2(x0, y + 1.0), ImVec2(max(x1 - 1.0, x0 + 2.0), bottom),
                                 hitch_col)
        else:    # one thin mark per frame at its start, as tall as the frame was long
            draw.add_line(ImVec2(x0, bottom - hh), ImVec2(x0, bottom), ok_col, 1.0)
    mouse = imgui.get_io().mouse_pos
    if not (x <= mouse.x <= x + w and y <= mouse.y <= y + h) or not imgui.is_window_hovered():
        return None
    t = lo + (mouse.x - x) / scale
    i = int(np.searchsorted(lane.x0, t, side="right")) - 1
    # A hitch near the mouse wins over the short frame right under it (they are a few px wide).
    tol = 3.0 / scale
    near = [j for j in range(max(0, i - 3), min(len(lane), i + 4))
            if lane.x0[j] - tol <= t <= lane.x1[j] + tol]
    if not near:
        # No frame there: an idle wait of the host, if the mouse is over one.
        k = int(np.searchsorted(lane.idle_x0, t, side="right")) - 1
        if k >= 0 and t <= lane.idle_x1[k]:
            imgui.set_tooltip(lane.idle_tooltip(k))
        return None
    best = max(near, key=lambda j: (bool(lane.hitch[j]), -abs(t - lane.x0[j])))
    imgui.set_tooltip(lane.tooltip(best))
    return best


def _draw_idle(draw: Any, lane: FrameLane, theme: Any,
               strip: tuple[float, float, float, float], lo: float, scale: float) -> None:
    """The host's idle waits as a faint band along the lane's lower half, under the frame
    marks (``draw_frames_lane`` tells when one is hovered)."""
    if not len(lane.idle_x0):
        return
    x, y, w, h = strip
    color = theme.u32(Role.TEXT_DIM, 0.25)
    top, bottom = y + h * 0.5, y + h - 1.0
    for a, b in zip(lane.idle_x0.tolist(), lane.idle_x1.tolist()):
        x0, x1 = max(x + (a - lo) * scale, x), min(x + (b - lo) * scale, x + w)
        if x1 - x0 >= 1.0:
            draw.add_rect_filled(ImVec2(x0, top), ImVec2(x1, bottom), color)
