"""Golden-image comparison for screenshot tests (needs Pillow), as matplotlib's ``compare.py``.

    compare_to_golden(image, "status_ready", goldens_dir, artifacts_dir, update=False)

A pixel differs when any RGB channel differs by more than ``CHANNEL_TOLERANCE``; the images
match when at most ``MAX_DIFF_SHARE`` of the pixels differ. Why these numbers: the scenes are
deterministic (fixed clock, fonts from imgui-bundle, Mesa's software renderer), so on this kind of
machine two runs give identical pixels; the tolerance only absorbs antialiasing noise from another
Mesa/llvmpipe build on glyph and circle edges (a few levels per channel), and 0.003% of an
800x600 frame (14 pixels) lets a stray edge pixel or two through while one changed digit of
small text (~30 pixels, measured in tests/test_goldens.py) already fails. Semantic pixel checks in each
test (the dot's hue, a bar's colour on its lane) catch what a tolerance could hide.

On a mismatch the actual image and a diff image (differing pixels in magenta over a dimmed copy)
are written under ``artifacts_dir`` and the failure message names both. ``update=True``
(``pytest --update-goldens``) rewrites the golden instead: do that only after looking at the image.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["CHANNEL_TOLERANCE", "MAX_DIFF_SHARE", "GoldenMismatch", "compare_to_golden", "diff_count"]

CHANNEL_TOLERANCE = 12
MAX_DIFF_SHARE = 0.00003


class GoldenMismatch(AssertionError):
    """The screenshot differs from its golden (the message names the actual and diff images)."""


def diff_count(actual, golden, tolerance: int = CHANNEL_TOLERANCE):
    """``(differing_pixels, diff_image)`` for two same-size PIL images."""
    from PIL import Image, ImageChops

    a = actual.convert("RGB")
    b = golden.convert("RGB")
    delta = ImageChops.difference(a, b)
    # A pixel differs when its largest channel difference exceeds the tolerance.
    r, g, bl = delta.split()
    worst = ImageChops.lighter(ImageChops.lighter(r, g), bl)
    mask = worst.point(lambda v: 255 if v > tolerance else 0)
    count = mask.histogram()[255]
    dimmed = Image.blend(a, Image.new("RGB", a.size, (0, 0, 0)), 0.6)
    diff = Image.composite(Image.new("RGB", a.size, (255, 0, 255)), dimmed, mask)
    return count, diff


def compare_to_golden(image, name: str, goldens_dir: Path, artifacts_dir: Path, *,
                      update: bool = False, max_share: float = MAX_DIFF_SHARE) -> None:
    """Compare ``image`` with ``goldens_dir/name.png``.

    Raises:
        GoldenMismatch: no golden yet, a size change, or too many differing pixels.
    """
    goldens_dir = Path(goldens_dir)
    artifacts_dir = Path(artifacts_dir)
    golden_path = goldens_dir / f"{name}.png"
    image = image.convert("RGB")
    if update:
        goldens_dir.mkdir(parents=True, exist_ok=True)
        image.save(golden_path, optimize=True)
        return
    artifacts_dir.mkdir(parents=True, exist_ok=True)
    actual_path = artifacts_dir / f"{name}-actual.png"
    if not golden_path.exists():
        image.save(actual_path)
        raise GoldenMismatch(
            f"no golden for {name!r} ({golden_path}); look at {actual_path} and, if it is right, "
            f"run pytest --update-goldens"
        )
    from PIL import Image

    golden = Image.open(golden_path)
    if golden.size != image.size:
        image.save(actual_path)
        raise GoldenMismatch(
            f"{name}: size {image.size} differs from the golden's {golden.size}; actual: {actual_path}"
        )
    count, diff = diff_count(image, golden)
    share = count / (image.size[0] * image.size[1])
    if share > max_share:
        diff_path = artifacts_dir / f"{name}-diff.png"
        image.save(actual_path)
        diff.save(diff_path)
        raise GoldenMismatch(
            f"{name}: {count} pixels ({share:.3%}) differ from {golden_path} by more than "
            f"{CHANNEL_TOLERANCE}/255 (allowed {max_share:.3%}); actual: {actual_path}, diff: {diff_path}"
        )
