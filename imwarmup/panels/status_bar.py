"""The status bar segment panel: owns the cached status line; draws it every frame.

In hello_imgui's status bar it is a guest (``draw_in_host_status_bar``): it goes on the same line
after the host's own items, and never reaches hello_imgui's FPS block, which the runner draws
14 em from the window's right edge (``menu_statusbar.cpp``) right after ``show_status`` returns.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Any, Callable

from imgui_bundle import imgui

from ..theme.current import Theme
from ..theme.palette import Role
from ..widgets.status_line import (StatusLine, pending_tooltip, status_line,
                                   status_line_counts)
from ..widgets.status_segment import (SegmentAnchors, SegmentEvents, SegmentLayout,
                                      paint_segment, segment_anchors, segment_colors,
                                      segment_layout, status_segment)

__all__ = ["StatusBar", "SegmentDraw", "FPS_BLOCK_EM"]

# hello_imgui: ImGui::SameLine(DisplaySize.x - 14.f * FontSize) before "Enable idling" + FPS.
FPS_BLOCK_EM = 14.0

# The status bar window's cursor start and the style's spacing/padding are re-read this often
# (frames), and whenever the theme changed: a style edited at run time shows within 0.25 s.
_GEOMETRY_FRAMES = 15

_HIDDEN_EVENTS = SegmentEvents(hovered=False, clicked=False, level="hidden", width=0.0)


@dataclass(frozen=True)
class SegmentDraw:
    """Where the segment was drawn on one frame (screen pixels), for tests and probes."""

    frame: int
    x: float
    y: float
    width: float
    height: float
    level: str                 # "full", "no_bar", "short", "dot" or "hidden"
    host_right: float | None   # where the host's status items end (None: it drew none)
    limit: float | None        # the x the segment must not pass (None: no limit)


class StatusBar:
    """Draws the warmup segment from the status the plugin polled this frame.

    The text is rebuilt only when the status counts change; the tooltip (which reads the
    canaries) is built only while hovered.
    """

    def __init__(self, canaries: Callable[[], list[dict[str, Any]]], on_click: Callable[[], None],
                 status: Callable[[], dict[str, list[str]]] | None = None):
        self._canaries = canaries
        self._on_click = on_click
        self._status = status  # read for the tooltip's pending names after update_counts()
        self._key: tuple[int, int, int, int, str | None] | None = None
        self._pending: list[str] | None = []
        self.line: StatusLine = status_line({"pending": [], "completed": [], "failed": []})
        self._error: str | None = None
        self._layout: SegmentLayout | None = None
        self._layout_line: StatusLine | None = None
        self._layout_generation = -1
        self._anchors: SegmentAnchors | None = None
        self._geometry = (0.0, 0.0, 0.0, 0.0)  # see _read_geometry
        self._fit_low, self._fit_high = 0.0, -1.0  # see _relayout: no variant chosen yet
        self._geometry_countdown = 0
        self._geometry_generation = -1
        self._fps_block: bool | None = None  # the FPS toggle when the geometry was read
        self._drawn: tuple | None = None  # SegmentDraw's fields but the frame
        # Where the host's last item ended and the room at the start of the next line, read on
        # a full frame that may hand over to quiet frames (see SteadySegment), else None.
        self._basis: tuple[imgui.ImVec2, float] | None = None  # (corner, room - window width)
        self._engaged = False  # the segment was hovered, clicked or held on its latest draw
        # The SteadySegment drawing the quiet frames: it notes its frame and room only, and
        # last_draw / draws_this_frame take them over from it when asked (see _sync_quiet).
        self._quiet_segment: SteadySegment | None = None
        self._last_draw: SegmentDraw | None = None
        self._draw_frame = -1
        self._draws = 0

    @property
    def draws_this_frame(self) -> int:
        """How many times the segment was drawn on the latest frame it was drawn in."""
        if self._quiet_segment is not None:
            self._sync_quiet()
        return self._draws

    def _sync_quiet(self) -> None:
        """Take over the latest quiet frame's draw from the SteadySegment, if it is newer."""
        quiet = self._quiet_segment
        if quiet._frame > self._draw_frame:
            self._draw_frame, self._draws = quiet._frame, 1  # one draw per quiet frame
            x = quiet._x
            self._drawn = (x, quiet._y, quiet._width, quiet._height, quiet._level,
                           x - quiet._spacing_x, x + quiet._available)
        if quiet.frames_left <= 0 and quiet.checks_left <= 0:
            self._quiet_segment = None

    def _tooltip_lines(self, now: float) -> list[str]:
        if self.line.state == "error":
            return [f"The warmup source failed: {self._error}", "The app goes on; see stderr."]
        try:
            pending = self._pending
            if pending is None:  # counts only this frame: the names, now that they are shown
                pending = self._status()["pending"] if self._status is not None else []
            return pending_tooltip(self._canaries(), pending, now)
        except Exception as exc:  # noqa: BLE001 - a failing source shows as text, never a crash
            return [f"The warmup source failed: {type(exc).__name__}: {exc}"]

    def update(self, status: dict[str, list[str]], stalled: str | None = None) -> StatusLine:
        """Take this frame's status (and the source's ``stall_note()``); returns the (possibly
        cached) status line."""
        key = (len(status["pending"]), len(status["completed"]), len(status["failed"]),
               len(status.get("cancelled", ())), stalled)
        if key != self._key:
            self._key = key
            self.line = status_line(status, stalled)
        self._pending = status["pending"]
        return self.line

    def update_counts(self, counts: tuple[int, int, int, int],
                      stalled: str | None = None) -> StatusLine:
        """``update()`` from ``(pending, completed, failed, cancelled)`` (``status_counts()``):
        nothing is copied per frame; the tooltip asks for the pending names when shown."""
        key = (*counts, stalled)
        if key != self._key:
            self._key = key
            self.line = status_line_counts(*counts, stalled)
        self._pending = None
        return self.line

    def source_failed(self, exc: BaseException) -> None:
        """The source raised: say so in red (and once on stderr) instead of breaking the frame."""
        text = f"{type(exc).__name__}: {exc}"
        if text != self._error:
            self._error = text
            sys.stderr.write(f"[imwarmup] the warmup source failed: {text}\n")
        self._key = None
        self.line = StatusLine("error", "Warmup status unavailable", Role.FAILED, 0, 0, 0, 0.0)

    @property
    def last_draw(self) -> SegmentDraw | None:
        """Where the segment was drawn on the latest frame it was drawn in (built when asked:
        the frame itself keeps plain values)."""
        if self._quiet_segment is not None:
            self._sync_quiet()
        if self._drawn is None:
            return None
        if self._last_draw is None or self._last_draw.frame != self._draw_frame:
            self._last_draw = SegmentDraw(self._draw_frame, *self._drawn)
        return self._last_draw

    def draw(self, theme: Theme, now: float, available: float | None = None, *,
             host_right: float | None = None, limit: float | None = None,
             pos: tuple[float, float] | None = None, frame: int | None = None) -> None:
        """Draw the segment at the cursor, in at most ``available`` pixels (None: whole).

        Args:
            pos: the cursor's screen position, when the caller already read it.
            frame: this frame's number, when the caller already read it.
        """
        if pos is None:
            cursor = imgui.get_cursor_screen_pos()
            x, y = cursor.x, cursor.y
        else:
            x, y = pos
        if frame is None:
            frame = imgui.get_frame_count()
        self._draw_at(theme, now, x, y, available, host_right, limit, frame)

    def _draw_at(self, theme: Theme, now: float, x: float, y: float, available: float | None,
                 host_right: float | None, limit: float | None, frame: int) -> None:
        # Every frame in the steady state draws the same segment at the same place, and this
        # runs right after the host rendered, with cold caches: each Python call, attribute
        # chain or imgui call costs about a µs (bench_frame_cost.py). So the frame that changed
        # nothing compares a few numbers and makes the widget's five imgui calls; the text is
        # measured, the variant chosen and the points built only when something moved.
        line = self.line
        anchors = self._anchors
        if (anchors is None or line is not self._layout_line or x != anchors.x or y != anchors.y
                or theme.generation != self._layout_generation
                or not (self._fit_low <= (-1.0 if available is None else available)
                        < self._fit_high)):
            anchors = self._relayout(line, theme, x, y, available)
        if anchors is None:
            events = _HIDDEN_EVENTS  # not even the dot fits: nothing drawn, no item submitted
        else:
            events = status_segment(line, self._layout, theme, available, anchors=anchors)
        if self._quiet_segment is not None:
            self._sync_quiet()
        if frame != self._draw_frame:
            self._draw_frame = frame
            self._draws = 0
        self._draws += 1
        self._drawn = (x, y, events.width, self._layout.height, events.level, host_right, limit)
        self._engaged = events is not _HIDDEN_EVENTS and events is not anchors.variant.quiet
        if self._engaged:
            self._after_draw(events, now)

    def _after_draw(self, events: SegmentEvents, now: float) -> None:
        """A frame with a hover (the tooltip) or a click (open the diagnostics)."""
        if events.hovered:
            if imgui.begin_tooltip():
                for text in self._tooltip_lines(now):
                    imgui.text_unformatted(text)
                imgui.end_tooltip()
        if events.clicked:
            self._on_click()

    def steady(self, theme: Theme, frames: int,
               clock_owner: Any = None) -> "SteadySegment | None":
        """The segment just drawn, to draw again unchanged on up to ``frames`` quiet frames
        (the next ones; ``clock_owner``: a plugin whose clock is read on each of them, see
        ``SteadySegment.draw``), or None when it cannot be: not drawn this frame as a guest
        after the host's items by ``draw_in_host_status_bar``, or hovered, clicked or held down.
        The geometry's countdown counts those frames."""
        if self._quiet_segment is not None:
            self._sync_quiet()  # its latest draw (this frame's, perhaps) before it is replaced
        quiet = self._quiet_segment
        if quiet is not None and quiet._made == self._draw_frame and quiet._frame < 0:
            # Made by this same full draw and not drawn since (draw_in_host_status_bar's, for
            # the frames while warming): the checks held this frame; only its count and clock
            # change. Its frames that never came are given back to the geometry's countdown.
            self._geometry_countdown += quiet.frames_left - frames
            quiet.frames_left, quiet._clock_owner = frames, clock_owner
            return quiet
        anchors = self._anchors
        if (anchors is None or self._drawn is None
                or self._drawn[5] is None or self._layout_line is not self.line
                or self._layout_generation != theme.generation or self._basis is None
                or self._engaged or imgui.is_item_active()):
            # (Our button is the window's last item here: held down and dragged off the
            # segment, a release back on it would click, so it must be submitted next frame.)
            self._quiet_segment = None
            return None
        self._geometry_countdown -= frames  # re-read on the full frame after them if due
        self._quiet_segment = SteadySegment(self, theme, frames, anchors, self._layout,
                                            clock_owner)
        return self._quiet_segment

    def _relayout(self, line: StatusLine, theme: Theme, x: float, y: float,
                  available: float | None) -> SegmentAnchors | None:
        """The text, the variant that fits or the cursor changed: measure (only when the text or
        the theme changed), pick the variant, and build its points. None: nothing fits."""
        if line is not self._layout_line or theme.generation != self._layout_generation:
            self._layout_line, self._layout_generation = line, theme.generation
            self._layout = segment_layout(line, theme)
        layout = self._layout
        variant = layout.fit(available)
        # The range of ``available`` for which ``fit`` picks this same variant (None: -1.0,
        # below any width), so the next frames skip ``fit``.
        if available is None:
            self._fit_low, self._fit_high = -1.0, -0.5
        else:
            index = layout.variants.index(variant) if variant is not None else len(layout.variants)
            self._fit_low = variant.width if variant is not None else -math.inf
            self._fit_high = layout.variants[index - 1].width if index > 0 else math.inf
        if variant is None:
            self._anchors = None
            return None
        self._anchors = segment_anchors(layout, variant, x, y)
        return self._anchors

    def draw_in_host_status_bar(self, theme: Theme, now: float,
                                fps_block: bool | Callable[[], bool], *,
                                display_width: float | None = None,
                                frame: int | None = None) -> None:
        """Draw as a guest in hello_imgui's status bar window, after whatever the host drew.

        Args:
            fps_block: hello_imgui will draw its FPS block (``show_status_fps``) after us; or a
                callable returning that, read with the geometry (every few frames).
            display_width: ``io.display_size.x``, when the caller has it (None: read here
                when needed).
            frame: this frame's number, when the caller already read it.
        """
        # The segment of the latest full draw is drawn again while its line and theme stay and
        # it can be (SteadySegment.draw: the host's items, the room and the mouse as they were):
        # while warming, the counts change every few frames, the frame comes every 16 ms. A
        # full draw every _GEOMETRY_FRAMES frames at least re-reads the geometry.
        again = self._quiet_segment
        if (again is not None and again.frames_left > 0 and again.line is self.line
                and again.generation == theme.generation and again._clock_owner is None):
            again.frames_left -= 1
            if again.draw(imgui.get_frame_count() if frame is None else frame):
                return
        # What changes only with the style or the window's setup is re-read every
        # _GEOMETRY_FRAMES frames and whenever the theme changed, not on every frame: the
        # window's cursor start, the style's item spacing, and where the segment must stop
        # relative to the right edge of the window's content region (the FPS block, padding).
        if self._geometry_countdown > 0 and self._geometry_generation == theme.generation:
            self._geometry_countdown -= 1
            start_x, start_y, spacing_x, limit_offset = self._geometry
        else:
            start_x, start_y, spacing_x, limit_offset = self._read_geometry(
                theme, fps_block, display_width)
        self._basis = corner = None
        if imgui.get_cursor_pos_y() > start_y + 0.5:
            # The host drew items: go on their line, after the last one (hello_imgui's own
            # convention for status items), instead of a second line the bar clips. (What the
            # next frames compare with, to draw this segment again: see steady().)
            corner, width = imgui.get_item_rect_max(), imgui.get_window_width()
            imgui.same_line()
            cursor = imgui.get_cursor_screen_pos()
            x = cursor.x
            # SameLine() puts the cursor one item spacing after the last item's right edge.
            host_right = x - spacing_x
        else:
            cursor = imgui.get_cursor_screen_pos()
            x = cursor.x
            # The host left the cursor on its line (its own SameLine()): after its last item.
            host_right = (imgui.get_item_rect_max().x if imgui.get_cursor_pos_x() > start_x + 0.5
                          else None)
        # The content region's right edge follows the window's size on every frame.
        available = imgui.get_content_region_avail().x + limit_offset
        if corner is not None:
            # While the host's last item stays put (the window and its items did not move),
            # the room changes with the window's width alone.
            self._basis = (corner, available - width)
        self._draw_at(theme, now, x, cursor.y, available if available > 0.0 else 0.0,
                      host_right, x + available,
                      imgui.get_frame_count() if frame is None else frame)
        if self._basis is not None:
            self.steady(theme, _GEOMETRY_FRAMES)  # the next frames draw it again if they can

    def count_quiet_frames(self, frames: int) -> None:
        """``frames`` more quiet frames come before the next full draw: the geometry's countdown
        counts them (a full draw after them re-reads it when due)."""
        self._geometry_countdown -= frames

    def fps_block_unchanged(self, fps_block: Callable[[], bool] | None) -> bool:
        """The FPS toggle (``show_status_fps``, read by ``fps_block``) is as it was when the
        geometry was last read (so is where the segment must stop). None: nothing to read.
        When it changed, the next full draw re-reads the geometry."""
        if fps_block is None or bool(fps_block()) == self._fps_block:
            return True
        self._geometry_countdown = 0
        return False

    def _read_geometry(self, theme: Theme, fps_block: bool | Callable[[], bool],
                       display_width: float | None) -> tuple[float, float, float, float]:
        """``(start_x, start_y, item_spacing_x, limit_offset)``: the window's cursor start, and
        the segment's limit minus the right edge of the content region (hello_imgui's FPS block
        starts FPS_BLOCK_EM font sizes left of the display's right edge, one item spacing before
        it; without it, the window's padding)."""
        start = imgui.get_cursor_start_pos()
        style = imgui.get_style()
        spacing_x = style.item_spacing.x
        window_x = imgui.get_window_pos().x
        width = imgui.get_window_width()
        if callable(fps_block):
            fps_block = fps_block()
        self._fps_block = bool(fps_block)
        if fps_block:
            if display_width is None:
                display_width = imgui.get_io().display_size.x
            font_size = theme.font_size or imgui.get_font_size()
            limit = window_x + display_width - FPS_BLOCK_EM * font_size - spacing_x
        else:
            limit = window_x + width - style.window_padding.x
        # The content region's right edge in screen coordinates, wherever the cursor is.
        content_right = imgui.get_cursor_screen_pos().x + imgui.get_content_region_avail().x
        geometry = self._geometry = (start.x, start.y, spacing_x, limit - content_right)
        self._geometry_countdown = _GEOMETRY_FRAMES
        self._geometry_generation = theme.generation
        return geometry


_item_rect_max = imgui.get_item_rect_max
# ImVec2's own (C++) comparison called directly: about 1 µs on a cold frame, against 3 µs for
# ``==`` (which goes through the type's rich-comparison slot first).
_vec_eq = imgui.ImVec2.__eq__
_window_width = imgui.get_window_width
_is_mouse_hovering_rect = imgui.is_mouse_hovering_rect
_window_draw_list = imgui.get_window_draw_list


class SteadySegment:
    """The segment of the latest full draw, drawn again as it was on the next frames: the quiet
    frames once the warmup is done (``HelloImguiHost`` calls ``draw``, the status not polled),
    and the frames while warming whose line did not change (``draw_in_host_status_bar``).

    Made by ``StatusBar.steady()`` after a full draw; everything a frame needs sits in this
    one object (slots) and in module-level names for the imgui calls: right after the host
    rendered, caches are cold, and each object, attribute chain or Python call touched costs
    about a µs (bench_frame_cost.py). So such a frame makes six imgui calls (eight with the
    progress bar): where the host's last item ends (the same place as on the full draw: the
    segment's place is the same, with no SameLine), the window's width (the room left),
    whether the mouse is over the segment, and the dot, text (and bar) into the draw list. No
    item is submitted: the mouse over the segment (where its invisible button could be hovered
    or clicked), the host's items moved or the room changed hand over to the full draw at once,
    which submits the button. (A full draw with the segment hovered, clicked or held makes no
    SteadySegment.) The shapes are ``status_segment()``'s own (``paint_segment``).
    """

    __slots__ = ("frames_left", "checks_left", "line", "generation", "_clock_owner", "_made",
                 "_spacing_x", "_corner", "_avail_offset", "_rect_min", "_rect_max", "_x", "_y",
                 "_low", "_high", "_layout", "_anchors", "_colors", "_width", "_height",
                 "_level", "_frame", "_available", "_dot", "_radius", "_dot_color", "_text_at",
                 "_text_color", "_text")

    def __init__(self, bar: "StatusBar", theme: Theme, frames: int, anchors: SegmentAnchors,
                 layout: SegmentLayout, clock_owner: Any = None) -> None:
        self.frames_left = frames
        # Quiet periods a check frame may still add (set by HelloImguiHost; 0: none).
        self.checks_left = 0
        self.line, self.generation = bar.line, theme.generation  # what it shows
        self._frame, self._available = -1, 0.0  # the latest quiet frame drawn, and its room
        self._made = bar._draw_frame  # the full draw's frame
        # The plugin, when its clock must be read on every frame (a test's StepClock).
        self._clock_owner = clock_owner
        self._spacing_x = bar._geometry[2]
        # The host's last item's corner, and the room minus the window's width (see
        # draw_in_host_status_bar).
        self._corner, self._avail_offset = bar._basis
        variant = anchors.variant
        self._x, self._y, self._low, self._high = anchors.x, anchors.y, bar._fit_low, bar._fit_high
        self._rect_min = imgui.ImVec2(anchors.x, anchors.y)
        self._rect_max = imgui.ImVec2(anchors.x + variant.size.x, anchors.y + variant.size.y)
        # What paint_segment draws (the widget's own shapes, as on the full draw).
        self._layout, self._anchors = layout, anchors
        self._colors = colors = segment_colors(layout, bar.line, theme)
        self._width, self._height, self._level = variant.width, layout.height, variant.level
        # paint_segment's own calls for a segment without a bar (once the warmup is done),
        # their arguments read here once: each attribute chain costs on a cold frame.
        self._dot, self._radius, self._dot_color = anchors.dot, layout.dot_radius, colors[0]
        self._text_at, self._text_color, self._text = anchors.text, colors[1], variant.text

    def draw(self, frame: int) -> bool:
        """Draw this frame's segment (as a guest in hello_imgui's status bar), or hand over:
        False when the host's last item moved, the room changed or the mouse is over the
        segment (nothing was drawn or submitted, no quiet frame or check is left: call the full
        draw).
        """
        available = _window_width() + self._avail_offset
        if (not _vec_eq(_item_rect_max(), self._corner)
                or not self._low <= available < self._high
                or _is_mouse_hovering_rect(self._rect_min, self._rect_max)):
            self.frames_left = self.checks_left = 0
            return False
        owner = self._clock_owner
        if owner is not None:  # a test's clock, read once per frame
            owner._now = owner._clock()
        if self._anchors.bar is None:  # paint_segment's dot and text, as it draws them
            draw = _window_draw_list()
            draw.add_circle_filled(self._dot, self._radius, self._dot_color, 0)
            if self._text:
                draw.add_text(self._text_at, self._text_color, self._text)
        else:
            paint_segment(_window_draw_list(), self._layout, self._anchors, self._colors)
        self._frame, self._available = frame, available  # the status bar's last_draw, if asked
        return True
