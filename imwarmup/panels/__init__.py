"""The plugin's panels: status bar segment, toasts, command palette, debug window, and
``DiagnosticsPlugin`` which installs them all into a hello_imgui app.

Quick start::

    from imwarmup import WarmupController
    from imwarmup.panels import DiagnosticsPlugin

    controller = WarmupController(["numpy", "sqlite3"]); controller.start()
    DiagnosticsPlugin(controller).install(runner_params)

Importing this package loads imgui_bundle only when a name is first used, and never numpy.
"""

from __future__ import annotations

from .._lazy import lazy_getattr

# typing.TYPE_CHECKING without importing typing: type checkers see these, run time does not.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from .command_palette import PaletteCommand as PaletteCommand
    from .command_palette import register_commands as register_commands
    from .plugin import DiagnosticsPlugin as DiagnosticsPlugin
    from .source import FullWarmupSource as FullWarmupSource
    from .source import WarmupSource as WarmupSource

_LAZY = {
    "DiagnosticsPlugin": "plugin",
    "PaletteCommand": "command_palette",
    "register_commands": "command_palette",
    "WarmupSource": "source",
    "FullWarmupSource": "source",
}

__all__ = sorted(_LAZY)


__getattr__ = lazy_getattr(__name__, _LAZY, globals())
