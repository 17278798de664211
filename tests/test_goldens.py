"""The golden comparison itself: identical passes, a small real change fails with artifacts."""

import pytest
from PIL import Image, ImageDraw

from imwarmup.testing.goldens import GoldenMismatch, compare_to_golden


def picture(text="All imports ready", noise=0):
    image = Image.new("RGB", (800, 600), (30, 31, 34))
    draw = ImageDraw.Draw(image)
    draw.text((24, 580), text, fill=(220, 220, 220))
    draw.ellipse((6, 582, 16, 592), fill=(63 + noise, 185, 80))
    return image


def test_identical_and_near_identical_images_match(tmp_path):
    compare_to_golden(picture(), "scene", tmp_path / "g", tmp_path / "a", update=True)
    compare_to_golden(picture(), "scene", tmp_path / "g", tmp_path / "a")
    compare_to_golden(picture(noise=8), "scene", tmp_path / "g", tmp_path / "a")  # AA-level noise
    assert not (tmp_path / "a" / "scene-diff.png").exists()


def test_changed_text_fails_and_writes_actual_and_diff(tmp_path):
    compare_to_golden(picture("Warming up... (3/8)"), "scene", tmp_path / "g", tmp_path / "a", update=True)
    with pytest.raises(GoldenMismatch) as info:
        compare_to_golden(picture("Warming up... (4/8)"), "scene", tmp_path / "g", tmp_path / "a")
    message = str(info.value)
    actual, diff = tmp_path / "a" / "scene-actual.png", tmp_path / "a" / "scene-diff.png"
    assert str(actual) in message and str(diff) in message
    assert actual.exists() and diff.exists()
    assert Image.open(diff).getpixel((0, 0)) != (255, 0, 255)  # only changed pixels are marked


def test_missing_golden_says_how_to_create_it(tmp_path):
    with pytest.raises(GoldenMismatch, match="--update-goldens"):
        compare_to_golden(picture(), "new_scene", tmp_path / "g", tmp_path / "a")
    assert (tmp_path / "a" / "new_scene-actual.png").exists()


def test_size_change_fails(tmp_path):
    compare_to_golden(picture(), "scene", tmp_path / "g", tmp_path / "a", update=True)
    with pytest.raises(GoldenMismatch, match="size"):
        compare_to_golden(picture().resize((400, 300)), "scene", tmp_path / "g", tmp_path / "a")
