"""Save the app's last frame as a PNG (for ``--screenshot`` and headless tests).

PNG is written with the standard library (zlib), so the demo needs no image package. Reading the
frame needs numpy (hello_imgui returns a numpy array); numpy is a dependency of imwarmup.
"""

from __future__ import annotations

import importlib.util
import struct
import zlib

from imgui_bundle import hello_imgui

__all__ = ["ScreenshotUnavailableError", "save_final_frame", "write_png"]


def write_png(path: str, pixels) -> None:
    """Write an ``(h, w, 3|4)`` uint8 array (numpy or anything with ``.shape`` and ``.tobytes()``)."""
    height, width, channels = pixels.shape
    if channels not in (3, 4):
        raise ValueError(f"write_png(): expected 3 or 4 channels, got {channels}")
    raw = pixels.tobytes()
    stride = width * channels
    rows = b"".join(b"\x00" + raw[y * stride:(y + 1) * stride] for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    color_type = 6 if channels == 4 else 2
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b""))


class ScreenshotUnavailableError(RuntimeError):
    """The last frame cannot be read: numpy is missing, or no frame was rendered."""


def save_final_frame(path: str) -> None:
    """Save the last frame of the app that just ran (call after ``immapp.run`` returns).

    Raises:
        ScreenshotUnavailableError: numpy is not installed (hello_imgui hands the frame over
            as a numpy array), or no frame was rendered.
    """
    # Without numpy, hello_imgui fails with "could not export nanobind::ndarray", which names
    # neither the cause nor the fix. numpy is a dependency of imwarmup, so this means a broken
    # install. find_spec looks the module up without importing it.
    if importlib.util.find_spec("numpy") is None:
        raise ScreenshotUnavailableError(
            "save_final_frame(): hello_imgui returns the frame as a numpy array and numpy is not "
            "installed; install it (pip install 'numpy>=1.24', a dependency of imwarmup)"
        )
    pixels = hello_imgui.final_app_window_screenshot()
    if pixels is None or getattr(pixels, "size", 0) == 0:
        raise ScreenshotUnavailableError("save_final_frame(): the app rendered no frame to save")
    write_png(path, pixels)
