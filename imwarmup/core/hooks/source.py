"""What the hook server needs from a controller, as a type: ``WarmupController`` has all of it.

Only the methods the server and its routes call, with the loosest types that still catch a wrong
object, so the engine's own signatures can grow without breaking this. ``HookServer()`` checks
the same names at run time (``NEEDED``).
"""

from __future__ import annotations

from typing import Any, Callable, Protocol

__all__ = ["WarmupSource", "NEEDED"]

#: The callables ``HookServer()`` checks for at run time (besides the ``profiler`` attribute).
NEEDED = ("warmup_status", "wait_for_warmup", "canaries", "io_pool_status",
          "on_warmup_complete", "add_listener", "service_pool")


class WarmupSource(Protocol):
    """A ``WarmupController``, as far as the hook server is concerned."""

    @property
    def profiler(self) -> Any:
        """Has ``report()``: the ``/api/startup_profile`` answer."""

    def warmup_status(self) -> dict[str, list[str]]: ...

    def wait_for_warmup(self, timeout: float) -> bool: ...

    def canaries(self) -> list[dict[str, Any]]: ...

    def io_pool_status(self) -> dict[str, Any]: ...

    def on_warmup_complete(self, callback: Callable[[dict[str, list[str]]], Any]) -> None: ...

    def add_listener(self, listener: Callable[[dict[str, Any]], Any]) -> None: ...

    def service_pool(self, name: str, max_workers: int) -> Any:
        """A pool with ``submit(fn, *args)`` returning a future and ``status()["shutdown"]``."""
