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

_LAZY = {
    "DiagnosticsPlugin": "plugin",
    "PaletteCommand": "command_palette",
    "register_commands": "command_palette",
    "WarmupSource": "source",
}

__all__ = sorted(_LAZY)


__getattr__ = lazy_getattr(__name__, _LAZY, globals())
