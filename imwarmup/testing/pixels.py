"""Pixel checks on screenshots (needs Pillow): count pixels near a colour in a region."""

from __future__ import annotations

from typing import Sequence

__all__ = ["count_color", "rgb255"]


def rgb255(rgba: Sequence[float]) -> tuple[int, int, int]:
    """A theme colour (floats 0..1) as 0..255 RGB."""
    return tuple(round(c * 255) for c in rgba[:3])  # type: ignore[return-value]


def count_color(image, color: Sequence[int], box: tuple[int, int, int, int] | None = None,
                tolerance: int = 24) -> int:
    """How many pixels of ``image`` (a PIL image) in ``box`` (left, top, right, bottom) are
    within ``tolerance`` of ``color`` on every RGB channel."""
    region = image.convert("RGB")
    if box is not None:
        region = region.crop(box)
    r0, g0, b0 = color[:3]
    data = region.tobytes()
    count = 0
    for i in range(0, len(data), 3):
        if (abs(data[i] - r0) <= tolerance and abs(data[i + 1] - g0) <= tolerance
                and abs(data[i + 2] - b0) <= tolerance):
            count += 1
    return count
