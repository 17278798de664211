"""Colours and sizes in one place: roles (ready, warming, failed, ...) mapped to a dark and a light
palette, and sizes in em.

``Role``, ``PALETTES``, ``Sizes`` are pure data. ``Theme`` (which reads the host's ImGui style to pick
dark or light) imports imgui, so it loads on first use.
"""

from __future__ import annotations

from .._lazy import lazy_getattr

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from .current import Theme as Theme
from .palette import PALETTES, STATUS_ROLES, Rgba, Role, role_for_status, variant_for_background
from .sizes import SIZES, Sizes

__all__ = [
    "PALETTES", "STATUS_ROLES", "Rgba", "Role", "role_for_status", "variant_for_background",
    "SIZES", "Sizes", "Theme",
]


# Theme reads the host's ImGui style: it imports imgui, so it loads on first use.
__getattr__ = lazy_getattr(__name__, {"Theme": "current"}, globals())
