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

from .._lazy import lazy_getattr

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


__getattr__ = lazy_getattr(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
