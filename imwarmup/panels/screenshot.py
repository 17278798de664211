"""Save the app's last frame as a PNG (for ``--screenshot`` and headless tests).

PNG is written with the standard library (zlib), so the demo needs no image package.
"""

from __future__ import annotations

import struct
import zlib

from imgui_bundle import hello_imgui

__all__ = ["save_final_frame", "write_png"]


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


def save_final_frame(path: str) -> None:
    """Save the last frame of the app that just ran (call after ``immapp.run`` returns).

    Raises:
        RuntimeError: no frame was rendered.
    """
    pixels = hello_imgui.final_app_window_screenshot()
    if pixels is None or getattr(pixels, "size", 0) == 0:
        raise RuntimeError("save_final_frame(): the app rendered no frame to save")
    write_png(path, pixels)
