"""The command palette (imgui-bundle's ``imgui_command_palette``): Ctrl+Shift+P, type, Enter.

A host that already has its own palette passes ``palette=False`` to ``install()`` and registers
``plugin.commands()`` in its own with :func:`register_commands`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from imgui_bundle import imgui
from imgui_bundle import imgui_command_palette as imcmd

__all__ = ["PaletteCommand", "CommandPalette", "register_commands"]


@dataclass(frozen=True)
class PaletteCommand:
    """A named action, e.g. ``PaletteCommand("Warmup: Show diagnostics", plugin.show_debug_window)``."""

    name: str
    run: Callable[[], None]


def register_commands(commands: Iterable[PaletteCommand]) -> None:
    """Add ``commands`` to the *current* imgui_command_palette context (the host's, or ours)."""
    for command in commands:
        cmd = imcmd.Command()
        cmd.name = command.name
        cmd.initial_callback = command.run
        imcmd.add_command(cmd)


class CommandPalette:
    """Owns an imgui_command_palette context with the given commands and its open/closed state."""

    def __init__(self, commands: Iterable[PaletteCommand], window_name: str = "Command palette"):
        self._commands = list(commands)
        self._window_name = window_name
        self._context: imcmd.ContextWrapper | None = None
        self.is_open = False
        self._io: imgui.IO | None = None

    def open(self) -> None:
        self.is_open = True

    def draw(self) -> None:
        """Handle Ctrl+Shift+P and draw the palette when open. Call once per frame."""
        # This runs every frame: test the cached io's modifier flags first, the key only when
        # Ctrl is down (a key query is the dearest call here, measured in bench_plugin.py).
        io = self._io
        if io is None:
            io = self._io = imgui.get_io()
        if io.key_ctrl and io.key_shift and imgui.is_key_pressed(imgui.Key.p, False):
            self.is_open = not self.is_open
        if not self.is_open:
            return
        if imgui.is_key_pressed(imgui.Key.escape, False):
            # The palette widget only clears its search box on Esc; users expect it to close.
            self.is_open = False
            return
        if self._context is None:
            # The palette's context needs a live ImGui context, so it is made on first use.
            self._context = imcmd.ContextWrapper()
            register_commands(self._commands)
        imgui.set_next_window_size(
            imgui.ImVec2(min(imgui.get_font_size() * 30, imgui.get_main_viewport().size.x * 0.9), 0)
        )
        self.is_open = imcmd.command_palette_window(self._window_name, True)
