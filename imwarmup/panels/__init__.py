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

import importlib
from typing import Any

_LAZY = {
    "DiagnosticsPlugin": "plugin",
    "PaletteCommand": "command_palette",
    "register_commands": "command_palette",
    "WarmupSource": "source",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'imwarmup.panels' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
