"""The command palette (imgui-bundle's ``imgui_command_palette``): Ctrl+Shift+P, type, Enter.

A guest never fights the host's palette. ``imgui_command_palette`` keeps one process-wide
current context (``ImCmd::CreateContext`` only makes a new context current when there is none),
so a host that made its own palette owns the commands list the plugin would add to. Policy:

- ``mode="auto"`` (the plugin's default): until the user first presses Ctrl+Shift+P the plugin
  makes no palette context. If the host has one by then, the plugin's commands go into the
  host's palette ("Warmup: Show diagnostics" shows up there) and the plugin's own shortcut stays
  off for good. Otherwise the plugin owns a palette on Ctrl+Shift+P.
- ``mode="own"``: the plugin always owns its palette window (its commands are added to the
  current context, which may be the host's).
- Either way the shortcut does nothing on a frame where the host reacted to it first: a popup is
  open, a text field has the keyboard, or another window took the focus that frame.

A host that already has a palette can also pass ``palette=False`` to ``DiagnosticsPlugin`` and
register ``plugin.commands()`` itself with :func:`register_commands`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

from imgui_bundle import imgui
from imgui_bundle import imgui_command_palette as imcmd

__all__ = ["PaletteCommand", "CommandPalette", "register_commands", "host_palette_exists"]

_MODES = ("auto", "own")
# Ctrl and Shift read with IsKeyDown(ImGuiMod_*) and int keys: ~2 µs each on a frame right after
# the host rendered, against ~5 µs for an attribute of the io (key_ctrl) and ~10 µs with the
# enum argument. Checked on every frame.
_is_key_down = imgui.is_key_down
_MOD_CTRL = int(imgui.Key.mod_ctrl)
_MOD_SHIFT = int(imgui.Key.mod_shift)


@dataclass(frozen=True)
class PaletteCommand:
    """A named action, e.g. ``PaletteCommand("Warmup: Show diagnostics", plugin.show_debug_window)``."""

    name: str
    run: Callable[[], None]


def register_commands(commands: Iterable[PaletteCommand]) -> None:
    """Add ``commands`` to the *current* imgui_command_palette context (the host's, or ours).

    Raises:
        RuntimeError: there is no palette context yet (make one with
            ``imgui_command_palette.ContextWrapper()`` first).
    """
    for command in commands:
        cmd = imcmd.Command()
        cmd.name = command.name
        cmd.initial_callback = command.run
        try:
            imcmd.add_command(cmd)
        except RuntimeError as exc:  # IM_ASSERT(gContext != nullptr)
            raise RuntimeError(
                f"register_commands(): no imgui_command_palette context exists ({exc}); create "
                f"one with imgui_command_palette.ContextWrapper() and keep it alive first"
            ) from None


def host_palette_exists() -> bool:
    """True when some imgui_command_palette context is current (the host made one).

    Asks with ``remove_command`` of a name nobody registers: it asserts (a RuntimeError in
    imgui-bundle) only when there is no context, and changes nothing when there is one.
    """
    try:
        imcmd.remove_command("##imwarmup-probe")
    except RuntimeError:
        return False
    return True


class CommandPalette:
    """Owns the plugin's palette: its context (made on first use), open/closed state, shortcut.

    Args:
        commands: the plugin's commands.
        window_name: the palette window's title.
        mode: ``"auto"`` or ``"own"`` (see the module docstring).
    """

    def __init__(self, commands: Iterable[PaletteCommand], window_name: str = "Command palette",
                 mode: str = "auto"):
        if mode not in _MODES:
            raise ValueError(f"CommandPalette(): mode must be one of {_MODES}, got {mode!r}")
        self._commands = list(commands)
        self._window_name = window_name
        self._mode = mode
        self._context: Any = None  # our ContextWrapper, kept alive for the process (see below)
        self.in_host_palette = False  # our commands live in the host's palette; shortcut off
        self.is_open = False
        self._io: imgui.IO | None = None
        self._focus_before: Any = None  # the focused window while Ctrl+Shift is held
        self.ctrl_down = False  # Ctrl was down at the latest poll_shortcut()

    def open(self) -> None:
        """Open the palette (when the host's palette has our commands, this does nothing)."""
        if self._ensure_context() and not self.in_host_palette:
            self.is_open = True

    def forget_run(self) -> None:
        """The app's run ended (its ImGui context is going): drop what pointed into it, so a
        second run in the same process never reads the first run's io."""
        self._io = None
        self._focus_before = None
        self.is_open = False

    def attach(self) -> None:
        """Look for a host palette once the app runs (its first frame): in ``"auto"`` mode our
        commands join it and our shortcut stays off. Makes no context of our own."""
        if self._mode == "auto" and self._context is None and not self.in_host_palette:
            if host_palette_exists():
                self._ensure_context()

    def _ensure_context(self) -> bool:
        """Make or find the palette context and register our commands (once). False on error."""
        if self._context is not None or self.in_host_palette:
            return True
        try:
            if self._mode == "auto" and host_palette_exists():
                register_commands(self._commands)
                self.in_host_palette = True
                return True
            # Kept for the process's lifetime: the library may have made it its current
            # context, and destroying it would leave the host's palette calls dangling.
            self._context = imcmd.ContextWrapper()
            register_commands(self._commands)
        except RuntimeError:
            self.in_host_palette = True  # no palette rather than a broken frame
            return False
        return True

    def _host_reacted(self) -> bool:
        """The host handled this Ctrl+Shift+P itself (its palette or a popup took the input)."""
        io = self._io
        if io.want_text_input:
            return True
        if imgui.is_popup_open("", imgui.PopupFlags_.any_popup):
            return True
        focused = _focused_window_id()
        return self._focus_before is not None and focused != self._focus_before

    def draw(self) -> None:
        """Handle Ctrl+Shift+P and draw the palette when open. Call once per frame, after the
        host's windows (hello_imgui's ``post_render_dockable_windows``)."""
        self.poll_shortcut()
        self.draw_open()

    def poll_shortcut(self) -> None:
        """The first half of ``draw()``: handle Ctrl+Shift+P (once per frame; it may open the
        palette), without drawing anything."""
        # This runs every frame: test the modifiers first, the key only when Ctrl and Shift are
        # down (see _is_key_down).
        if self._io is None:
            self._io = imgui.get_io()  # (for _host_reacted; and the host's quiet frames' check)
        self.ctrl_down = ctrl = _is_key_down(_MOD_CTRL)
        if ctrl and _is_key_down(_MOD_SHIFT) and not self.in_host_palette:
            if imgui.is_key_pressed(imgui.Key.p, False):
                if self.is_open:
                    self.is_open = False
                # The context first: a host palette made since start-up turns our shortcut off.
                elif self._ensure_context() and not self.in_host_palette and not self._host_reacted():
                    self.is_open = True
            # Remember who had the focus on this frame, to tell next frame whether the
            # host's own window took it.
            self._focus_before = _focused_window_id()
        elif self._focus_before is not None:
            self._focus_before = None

    def draw_open(self) -> None:
        """The second half of ``draw()``: the palette's window, when it is open."""
        if not self.is_open:
            return
        if imgui.is_key_pressed(imgui.Key.escape, False):
            # The palette widget only clears its search box on Esc; users expect it to close.
            self.is_open = False
            return
        imgui.set_next_window_size(
            imgui.ImVec2(min(imgui.get_font_size() * 30, imgui.get_main_viewport().size.x * 0.9), 0)
        )
        self.is_open = imcmd.command_palette_window(self._window_name, True)


def _focused_window_id() -> int | None:
    window = imgui.get_current_context().nav_window
    return None if window is None else window.id_
