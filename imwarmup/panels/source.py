"""What the plugin needs from the app: a duck-typed warmup source.

``WarmupController`` is one; so is any app controller with these two methods. Optional extras the
plugin uses when present: ``revision`` (a number that changes whenever the status or any
canary changes; the plugin then reads the status only when it moved), ``profiler`` (the startup
profile tab), ``require_warmed``/``add_modules`` (numpy for the chart through the warmup),
``add_listener`` (wake an idle window when a canary changes), ``guard`` (main-thread violations).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

__all__ = ["WarmupSource", "check_source"]


@runtime_checkable
class WarmupSource(Protocol):
    def warmup_status(self) -> dict[str, list[str]]: ...

    def canaries(self) -> list[dict[str, Any]]: ...


def check_source(source: Any) -> WarmupSource:
    """Return ``source`` if it has ``warmup_status()`` and ``canaries()``.

    Raises:
        TypeError: naming the missing method(s).
    """
    missing = [m for m in ("warmup_status", "canaries") if not callable(getattr(source, m, None))]
    if missing:
        raise TypeError(
            f"DiagnosticsPlugin needs a warmup source with warmup_status() and canaries(); "
            f"{type(source).__name__} has no {' and no '.join(missing)}(). Pass a "
            f"WarmupController or an object with those two methods."
        )
    return source
