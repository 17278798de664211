"""The warmup engine: pure Python, no GUI import (imgui_bundle and numpy never load from here).

Quick start::

    from imwarmup.core import WarmupController

    controller = WarmupController(["numpy", "sqlite3"]).start()
    controller.warmup_status()       # poll it every frame: cheap, never blocks
    np = controller.require_warmed("numpy")

Submodules load on first use (``concurrent.futures`` alone costs ~10 ms to import), so
``import imwarmup.core`` is nearly free.
"""

from __future__ import annotations

import importlib

# public name -> submodule that defines it
_LAZY = {
    "make_io_pool": "pool",
    "IOPool": "pool",
    "WarmupManager": "manager",
    "WarmupController": "controller",
    "StartupProfiler": "profiler",
    "format_duration": "profiler",
    "NotWarmedError": "errors",
    "HookServer": "hooks",
    "HookClient": "hooks",
    "MainThreadImportGuard": "purity",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'imwarmup.core' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
