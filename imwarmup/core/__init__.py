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

# typing.TYPE_CHECKING without importing typing: type checkers see these, run time does not.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from .controller import WarmupController as WarmupController
    from .errors import NotWarmedError as NotWarmedError
    from .frames import FrameLog as FrameLog
    from .hooks import HookClient as HookClient
    from .hooks import HookConnectionError as HookConnectionError
    from .hooks import HookError as HookError
    from .hooks import HookHTTPError as HookHTTPError
    from .hooks import HookServer as HookServer
    from .hooks import HookServerUnavailable as HookServerUnavailable
    from .manager import WarmupManager as WarmupManager
    from .pool import IOPool as IOPool
    from .pool import make_io_pool as make_io_pool
    from .profiler import StartupProfiler as StartupProfiler
    from .profiler import format_duration as format_duration
    from .purity import MainThreadImportError as MainThreadImportError
    from .purity import MainThreadImportGuard as MainThreadImportGuard
    from .purity import MainThreadImportWarning as MainThreadImportWarning

# public name -> submodule that defines it
_LAZY = {
    "make_io_pool": "pool",
    "IOPool": "pool",
    "WarmupManager": "manager",
    "WarmupController": "controller",
    "StartupProfiler": "profiler",
    "format_duration": "profiler",
    "NotWarmedError": "errors",
    "FrameLog": "frames",
    "HookServer": "hooks",
    "HookClient": "hooks",
    "HookError": "hooks",
    "HookHTTPError": "hooks",
    "HookConnectionError": "hooks",
    "HookServerUnavailable": "hooks",
    "MainThreadImportGuard": "purity",
    "MainThreadImportError": "purity",
    "MainThreadImportWarning": "purity",
}

__all__ = sorted(_LAZY)


__getattr__ = lazy_getattr(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
