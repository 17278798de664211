"""The theme of the running app: picks the dark or light palette from the host's ImGui style.

This is the only theme module that imports imgui; the palette and sizes stay pure data.
"""

from __future__ import annotations

from imgui_bundle import hello_imgui, imgui

from .palette import PALETTES, Rgba, Role, variant_for_background
from .sizes import SIZES, Sizes

__all__ = ["Theme"]

# The style is re-read this often (frames); a theme switch shows within a quarter second.
_REFRESH_FRAMES = 15
# The two style colours read, resolved once: looking up an enum member costs about 7 µs on a frame
# right after the host rendered (cold caches), more than the call that reads the colour.
_COL_TEXT = imgui.Col_.text
_COL_WINDOW_BG = imgui.Col_.window_bg


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
        self._bg_key: int | None = None  # the window background, packed, when last looked
        self._text_u32 = 0xFFFFFFFF
        self._since = _REFRESH_FRAMES  # frames since the style was last read (read at once)
        self.font_size = 0.0
        self.generation = 0  # grows when colours or the font size change: re-measure then

    def refresh(self, frames: int = 1) -> None:
        """Follow the host's style and font size. Call once per frame (or pass how many frames
        passed since the last call): it looks at the style every ``_REFRESH_FRAMES`` frames
        only, so it costs nearly nothing."""
        self._since += frames
        if self._since < _REFRESH_FRAMES:
            return
        self._since = 0
        # Three calls that return plain numbers: an ImVec4's x, y and z cost about 6 µs each to
        # read there, so the background is compared packed and unpacked only when it changed.
        font_size = imgui.get_font_size()
        text = imgui.get_color_u32(_COL_TEXT)
        variant = self.variant
        if self._fixed is None:
            key = imgui.get_color_u32(_COL_WINDOW_BG)  # (the style's alpha is on its alpha only)
            if key != self._bg_key:
                self._bg_key = key
                bg = imgui.color_convert_u32_to_float4(key)
                variant = variant_for_background((bg.x, bg.y, bg.z, bg.w))
        if variant != self.variant or font_size != self.font_size or text != self._text_u32:
            self.variant = variant
            self.font_size = font_size
            self._text_u32 = text
            self._u32.clear()
            self.generation += 1

    def u32_text(self) -> int:
        """The host's text colour (its ImGui style), packed for a draw list."""
        return self._text_u32

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
