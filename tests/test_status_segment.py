"""The status segment shrinks before it overlaps: which variant fits a given width (no window)."""

import pytest
from imgui_bundle import imgui

from imwarmup.widgets.status_line import status_line
from imwarmup.widgets.status_segment import LEVELS, SegmentLayout, _Variant, short_text


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
])
def test_short_text_keeps_the_count_or_the_verdict(status, text):
    assert short_text(status_line(status)) == text
