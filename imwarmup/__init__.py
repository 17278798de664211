"""imwarmup: start-up diagnostics for Dear ImGui apps on imgui-bundle.

Heavy imports (provider SDKs, numpy, feature-gated GUI code) warm on a small background pool
(``controller-io-0`` ... ``controller-io-3``) while the main thread draws frames; the plugin shows
that warmup in the status bar, a toast and a debug window with a Gantt chart.

Quick start::

    from imwarmup import WarmupController
    from imwarmup.panels import DiagnosticsPlugin

    controller = WarmupController(["numpy", "sqlite3"]); controller.start()
    DiagnosticsPlugin(controller).install(runner_params)

``import imwarmup`` is lean: it imports neither imgui_bundle nor numpy, and the engine's parts
load on first use of a name below.
"""

from __future__ import annotations


from ._lazy import lazy_getattr

__version__ = "0.1.0"

# typing.TYPE_CHECKING without importing typing (~20 ms cold): type checkers treat any constant
# of this name as True, so IDEs and mypy see the real classes; at run time nothing loads here.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from .core.controller import WarmupController as WarmupController
    from .core.errors import NotWarmedError as NotWarmedError
    from .core.hooks import HookClient as HookClient
    from .core.hooks import HookServer as HookServer
    from .core.manager import WarmupManager as WarmupManager
    from .core.pool import IOPool as IOPool
    from .core.pool import make_io_pool as make_io_pool
    from .core.profiler import StartupProfiler as StartupProfiler
    from .core.purity import MainThreadImportError as MainThreadImportError
    from .core.purity import MainThreadImportGuard as MainThreadImportGuard

_CORE_NAMES = (
    "make_io_pool",
    "IOPool",
    "WarmupManager",
    "WarmupController",
    "StartupProfiler",
    "NotWarmedError",
    "HookServer",
    "HookClient",
    "MainThreadImportGuard",
    "MainThreadImportError",
)

__all__ = list(_CORE_NAMES)


# Every public name lives in the engine; ``imwarmup.core`` resolves it lazily in turn.
__getattr__ = lazy_getattr(__name__, {name: "core" for name in _CORE_NAMES}, globals())


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
