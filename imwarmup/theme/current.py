"""The theme of the running app: picks the dark or light palette from the host's ImGui style.

This is the only theme module that imports imgui; the palette and sizes stay pure data.
"""

from __future__ import annotations

from imgui_bundle import hello_imgui, imgui

from .palette import PALETTES, Rgba, Role, variant_for_background
from .sizes import SIZES, Sizes

__all__ = ["Theme"]


class Theme:
    """Colours and sizes for one frame.

    Args:
        variant: ``"dark"``/``"light"``, or None to pick from the host's window background.
        sizes: sizes in em.
    """

    def __init__(self, variant: str | None = None, sizes: Sizes = SIZES) -> None:
        if variant is not None and variant not in PALETTES:
            raise ValueError(f"Theme(): variant must be one of {sorted(PALETTES)}, got {variant!r}")
        self._fixed = variant
        self.sizes = sizes
        self.variant = variant or "dark"
        self._u32: dict[tuple[Role, float], int] = {}
        self._bg_key: tuple | None = None

    def refresh(self) -> None:
        """Follow the host's style (call once per frame; cheap when nothing changed)."""
        if self._fixed is not None:
            return
        bg = imgui.get_style().color_(imgui.Col_.window_bg)
        key = (bg.x, bg.y, bg.z)
        if key != self._bg_key:
            self._bg_key = key
            variant = variant_for_background((bg.x, bg.y, bg.z, bg.w))
            if variant != self.variant:
                self.variant = variant
                self._u32.clear()

    def rgba(self, role: Role) -> Rgba:
        return PALETTES[self.variant][role]

    def vec4(self, role: Role, alpha: float = 1.0) -> imgui.ImVec4:
        r, g, b, a = self.rgba(role)
        return imgui.ImVec4(r, g, b, a * alpha)

    def u32(self, role: Role, alpha: float = 1.0) -> int:
        """The role's colour packed for a draw list (cached per role and alpha)."""
        key = (role, alpha)
        value = self._u32.get(key)
        if value is None:
            r, g, b, a = self.rgba(role)
            value = self._u32[key] = imgui.color_convert_float4_to_u32(
                imgui.ImVec4(r, g, b, a * alpha)
            )
        return value

    @staticmethod
    def px(em: float) -> float:
        """``em`` font sizes in pixels at the current font scale."""
        return hello_imgui.em_size(em)
