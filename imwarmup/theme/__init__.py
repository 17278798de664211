"""Colours and sizes in one place: roles (ready, warming, failed, ...) mapped to a dark and a light
palette, and sizes in em.

``Role``, ``PALETTES``, ``Sizes`` are pure data. ``Theme`` (which reads the host's ImGui style to pick
dark or light) imports imgui, so it loads on first use.
"""

from __future__ import annotations

from typing import Any

from .palette import PALETTES, STATUS_ROLES, Rgba, Role, role_for_status, variant_for_background
from .sizes import SIZES, Sizes

__all__ = [
    "PALETTES", "STATUS_ROLES", "Rgba", "Role", "role_for_status", "variant_for_background",
    "SIZES", "Sizes", "Theme",
]


def __getattr__(name: str) -> Any:
    if name == "Theme":
        from .current import Theme

        return Theme
    raise AttributeError(f"module 'imwarmup.theme' has no attribute {name!r}")
