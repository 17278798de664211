"""The status bar segment: dot, "Warming up... (N/M)" text and a thin progress bar.

Drawn inside the host's status bar (hello_imgui ``callbacks.show_status``) or any window. It runs
every frame, so it makes few imgui calls: one invisible button for hover/click, then shapes and
text straight into the draw list.

A guest in a crowded status bar shrinks before it overlaps: given the width it may use, it drops
the progress bar first, then shortens the text, then keeps only the dot (whose tooltip still says
everything), and draws nothing when not even the dot fits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from imgui_bundle import imgui

from ..theme.current import Theme
from ..theme.palette import Role
from .status_line import StatusLine

__all__ = ["LEVELS", "SegmentAnchors", "SegmentEvents", "SegmentLayout", "segment_anchors",
           "segment_layout", "status_segment", "segment_colors", "paint_segment"]

# From the most to the least informative; ``SegmentLayout.fit`` picks the first that fits.
LEVELS = ("full", "no_bar", "short", "dot")


@dataclass(frozen=True)
class SegmentEvents:
    hovered: bool
    clicked: bool
    level: str = "full"    # what was drawn: one of LEVELS, or "hidden"
    width: float = 0.0     # pixels used


@dataclass(frozen=True)
class _Variant:
    level: str
    text: str
    width: float
    size: imgui.ImVec2  # (width, height), built once: this draw runs every frame
    bar: bool
    # This variant's events on a frame with no hover and no click (the usual frame): made once,
    # a plain attribute (a property and a dict lookup cost µs in a frame with cold caches).
    quiet: SegmentEvents = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "quiet", SegmentEvents(hovered=False, clicked=False,
                                                        level=self.level, width=self.width))


@dataclass(frozen=True)
class SegmentLayout:
    """Pixel sizes of a segment for one text at one font size (compute once, reuse every frame)."""

    height: float
    dot_radius: float
    text_x: float
    bar_gap: float
    bar_width: float
    bar_height: float
    variants: tuple[_Variant, ...]  # one per level, widest first
    # The colours packed for the draw list (dot, text, bar track, bar fill), resolved with the
    # layout (``segment_layout``: per text and theme generation) so a frame packs none; None:
    # looked up in the theme at draw time.
    colors: tuple[int, int, int, int] | None = None
    # The progress bar's filled share (the line's ``fraction``): its rectangle is built with
    # the anchors, not on each frame.
    fraction: float = 0.0

    @property
    def width(self) -> float:
        """The full segment's width."""
        return self.variants[0].width

    def fit(self, available: float | None) -> _Variant | None:
        """The most informative variant no wider than ``available`` pixels (None: no limit)."""
        if available is None:
            return self.variants[0]
        for variant in self.variants:
            if variant.width <= available:
                return variant
        return None


def short_text(line: StatusLine) -> str:
    """The few characters the segment keeps when the status bar is crowded."""
    if line.state == "warming":
        # A stalled import is what a user must not miss: the short form keeps the word.
        return f"{line.finished}/{line.total}" + (" stalled" if line.stalled else "")
    if line.state == "failed":
        return f"{line.failed} failed"
    if line.state == "ready":
        # Not "Ready" when some modules were never imported: the short text keeps that too.
        return f"{line.cancelled} cancelled" if line.cancelled else "Ready"
    if line.state == "error":
        return "Error"
    return "Idle"


def segment_layout(line: StatusLine, theme: Theme) -> SegmentLayout:
    """Measure ``line`` at the current font size (calls imgui: do it when the text changes)."""
    sizes = theme.sizes
    height = imgui.get_text_line_height()
    radius = theme.px(sizes.status_dot_radius)
    text_x = radius * 2.0 + theme.px(0.45)
    bar_gap = theme.px(0.6)
    bar_w = theme.px(sizes.status_progress_width)
    full_text_w = text_x + imgui.calc_text_size(line.text).x
    short = short_text(line)
    short_w = text_x + imgui.calc_text_size(short).x
    candidates = []
    if line.state == "warming":
        candidates.append(("full", line.text, full_text_w + bar_gap + bar_w, True))
        candidates.append(("no_bar", line.text, full_text_w, False))
    else:
        candidates.append(("full", line.text, full_text_w, False))
    candidates.append(("short", short, short_w, False))
    candidates.append(("dot", "", radius * 2.0, False))
    variants = tuple(_Variant(level, text, width, imgui.ImVec2(width, height), bar)
                     for level, text, width, bar in candidates)
    colors = (theme.u32(line.role), theme.u32_text(), theme.u32(Role.QUEUED),
              theme.u32(Role.WARMING))
    return SegmentLayout(height, radius, text_x, bar_gap, bar_w,
                         theme.px(sizes.status_progress_height), variants, colors, line.fraction)


_HIDDEN = SegmentEvents(hovered=False, clicked=False, level="hidden", width=0.0)


@dataclass(frozen=True)
class SegmentAnchors:
    """The points a segment is drawn at, for one cursor position and variant. Building an
    ``ImVec2`` costs a call into imgui: the status bar keeps these while the segment stays put."""

    x: float
    y: float
    variant: _Variant
    dot: imgui.ImVec2
    text: imgui.ImVec2
    bar: tuple[imgui.ImVec2, imgui.ImVec2, float, float] | None  # min, max, left, top
    # The bar's filled part's bottom-right corner (None: no bar, or nothing filled).
    fill: imgui.ImVec2 | None = None


def segment_anchors(layout: SegmentLayout, variant: _Variant, x: float, y: float) -> SegmentAnchors:
    """Where ``variant`` of ``layout`` draws with the cursor at screen ``(x, y)``."""
    h, r = layout.height, layout.dot_radius
    bar = fill = None
    if variant.bar:
        top = y + (h - layout.bar_height) * 0.5
        left = x + variant.width - layout.bar_width
        bar = (imgui.ImVec2(left, top),
               imgui.ImVec2(left + layout.bar_width, top + layout.bar_height), left, top)
        if layout.fraction > 0.0:
            filled = max(layout.bar_height, layout.bar_width * layout.fraction)
            fill = imgui.ImVec2(left + filled, top + layout.bar_height)
    return SegmentAnchors(x, y, variant, imgui.ImVec2(x + r, y + h * 0.5),
                          imgui.ImVec2(x + layout.text_x, y), bar, fill)


def status_segment(line: StatusLine, layout: SegmentLayout, theme: Theme,
                   available: float | None = None, *,
                   anchors: SegmentAnchors | None = None) -> SegmentEvents:
    """Draw ``line`` as dot + text (+ progress bar while warming) at the cursor.

    Args:
        available: pixels the segment may use from the cursor; None draws it whole.
        anchors: the points to draw at (``segment_anchors``), when the caller already has them
            for this cursor position and the variant that fits ``available``; None: computed
            here from the cursor.

    Returns:
        Whether the segment is hovered or was clicked this frame, and which variant was drawn
        ("hidden" when not even the dot fits: then nothing is drawn and no item is submitted).
    """
    if anchors is None:
        variant = layout.fit(available)
        if variant is None:
            return _HIDDEN
        pos = imgui.get_cursor_screen_pos()
        anchors = segment_anchors(layout, variant, pos.x, pos.y)
    # The steady frame: these five imgui calls and nothing else (each distinct call costs about
    # a µs after the host rendered: bench_frame_cost.py).
    variant = anchors.variant
    clicked = imgui.invisible_button("##imwarmup-status", variant.size)
    hovered = imgui.is_item_hovered()
    paint_segment(imgui.get_window_draw_list(), layout, anchors,
                  segment_colors(layout, line, theme))
    if not (hovered or clicked):
        return variant.quiet
    return SegmentEvents(hovered=hovered, clicked=clicked, level=variant.level, width=variant.width)



def segment_colors(layout: SegmentLayout, line: StatusLine,
                   theme: Theme) -> tuple[int, int, int, int]:
    """The segment's (dot, text, bar track, bar fill) colours: the layout's packed ones, or from
    the theme."""
    colors = layout.colors
    if colors is None:
        colors = (theme.u32(line.role), theme.u32_text(), theme.u32(Role.QUEUED),
                  theme.u32(Role.WARMING))
    return colors


def paint_segment(draw: Any, layout: SegmentLayout, anchors: SegmentAnchors,
                  colors: tuple[int, int, int, int]) -> None:
    """The segment's shapes into ``draw`` (a draw list) at ``anchors``: the dot, the text and,
    while warming, the progress bar. Submits no item: ``status_segment`` adds its button, the
    status bar's quiet frames (``SteadySegment``) draw only this."""
    draw.add_circle_filled(anchors.dot, layout.dot_radius, colors[0], 0)
    text = anchors.variant.text
    if text:
        draw.add_text(anchors.text, colors[1], text)
    bar = anchors.bar
    if bar is not None:
        rounding = layout.bar_height * 0.5
        draw.add_rect_filled(bar[0], bar[1], colors[2], rounding)
        if anchors.fill is not None:
            draw.add_rect_filled(bar[0], anchors.fill, colors[3], rounding)
