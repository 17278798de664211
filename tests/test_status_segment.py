"""The status segment shrinks before it overlaps: which variant fits a given width (no window)."""

import pytest
from imgui_bundle import imgui

from imwarmup.widgets.status_line import status_line
from imwarmup.widgets.status_segment import LEVELS, SegmentLayout, _Variant, segment_anchors, short_text


def st(pending=(), completed=(), failed=()):
    return {"pending": list(pending), "completed": list(completed), "failed": list(failed)}


def layout(widths):
    variants = tuple(_Variant(level, level, w, imgui.ImVec2(w, 15.0), level == "full")
                     for level, w in zip(LEVELS, widths))
    return SegmentLayout(15.0, 4.8, 15.0, 9.0, 90.0, 4.5, variants)


@pytest.mark.parametrize("available, level", [
    (None, "full"), (1000.0, "full"), (240.0, "full"), (239.9, "no_bar"), (150.0, "no_bar"),
    (149.0, "short"), (50.0, "short"), (49.0, "dot"), (9.6, "dot"),
])
def test_the_most_informative_variant_that_fits_wins(available, level):
    assert layout([240.0, 150.0, 50.0, 9.6]).fit(available).level == level


def test_nothing_fits_below_the_dot():
    assert layout([240.0, 150.0, 50.0, 9.6]).fit(9.5) is None
    assert layout([240.0, 150.0, 50.0, 9.6]).fit(0.0) is None


@pytest.mark.parametrize("status, text", [
    (st(pending=["a", "b"], completed=["c"], failed=["d"]), "2/4"),
    (st(completed=["a", "b"]), "Ready"),
    (st(completed=["a"], failed=["b", "c"]), "2 failed"),
    (st(), "Idle"),
    ({"pending": [], "completed": ["a"], "failed": [], "cancelled": ["b", "c"]}, "2 cancelled"),
])
def test_short_text_keeps_the_count_or_the_verdict(status, text):
    assert short_text(status_line(status)) == text


def test_a_quiet_frame_reuses_one_events_record_per_variant():
    variant = layout([240.0, 150.0, 50.0, 9.6]).variants[1]
    events = variant.quiet
    assert (events.hovered, events.clicked, events.level, events.width) == (False, False, "no_bar", 150.0)
    assert variant.quiet is events  # built once, not every frame


def test_anchors_place_dot_text_and_bar_from_the_cursor():
    lay = layout([240.0, 150.0, 50.0, 9.6])
    anchors = segment_anchors(lay, lay.variants[0], 100.0, 580.0)
    assert (anchors.dot.x, anchors.dot.y) == pytest.approx((104.8, 587.5))  # ImVec2 holds floats
    assert (anchors.text.x, anchors.text.y) == (115.0, 580.0)
    top_left, bottom_right, left, top = anchors.bar
    assert (left, top) == (250.0, 585.25) and (top_left.x, top_left.y) == (250.0, 585.25)
    assert (bottom_right.x, bottom_right.y) == (340.0, 589.75)
    assert segment_anchors(lay, lay.variants[2], 100.0, 580.0).bar is None


def test_anchors_hold_the_bars_filled_part_for_the_layouts_fraction():
    lay = layout([240.0, 150.0, 50.0, 9.6])
    assert segment_anchors(lay, lay.variants[0], 100.0, 580.0).fill is None  # nothing done yet
    third = SegmentLayout(15.0, 4.8, 15.0, 9.0, 90.0, 4.5, lay.variants, None, 1 / 3)
    fill = segment_anchors(third, third.variants[0], 100.0, 580.0).fill
    assert (fill.x, fill.y) == pytest.approx((280.0, 589.75))  # a third of 90 px from x=250
    tiny = SegmentLayout(15.0, 4.8, 15.0, 9.0, 90.0, 4.5, lay.variants, None, 0.01)
    # Never thinner than the bar is high (a round cap), and no fill without a bar.
    assert segment_anchors(tiny, tiny.variants[0], 100.0, 580.0).fill.x == pytest.approx(254.5)
    assert segment_anchors(third, third.variants[2], 100.0, 580.0).fill is None
