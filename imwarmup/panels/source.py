"""What the plugin needs from the app: a duck-typed warmup source, resolved once.

``WarmupController`` is one; so is any app controller with ``warmup_status()`` and
``canaries()``. Everything else is optional, and the plugin uses it when present (see
``FullWarmupSource``): ``revision`` (a number that changes whenever the status or a canary
changes: the plugin then reads the status only when it moved), ``profiler`` (the startup profile
tab, the report and the "first frame" mark), ``require_warmed``/``add_modules``/``started``/
``submit_job`` (numpy for the chart, through the warmup or one background job),
``service_pool`` (a worker for the diagnostics window's snapshots), ``add_listener`` (wake an
idling window when a canary changes), ``revision_reader()`` and ``status_counts()`` (the
per-frame poll at its cheapest), ``frames`` (a ``FrameLog`` the plugin marks once per frame).

``check_source()`` looks each optional member up once and returns a ``SourceAdapter`` whose
methods have defaults for whatever the source lacks, so the panels never probe with ``getattr``.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Protocol, runtime_checkable

__all__ = ["WarmupSource", "FullWarmupSource", "SourceAdapter", "check_source"]


@runtime_checkable
class WarmupSource(Protocol):
    """The two methods every warmup source has."""

    def warmup_status(self) -> dict[str, list[str]]: ...

    def canaries(self) -> list[dict[str, Any]]: ...


class FullWarmupSource(WarmupSource, Protocol):
    """Every member the plugin uses when a source has it (``WarmupController`` has them all)."""

    revision: int
    profiler: Any  # StartupProfiler: mark_ready(name), report(), format_report()
    started: bool

    def require_warmed(self, name: str) -> Any: ...

    def add_modules(self, modules: Iterable[str]) -> None: ...

    def submit_job(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any: ...

    def service_pool(self, name: str, max_workers: int = 1) -> Any: ...

    def add_listener(self, listener: Callable[[dict[str, Any]], Any]) -> None: ...


def _method(obj: Any, name: str) -> Callable[..., Any] | None:
    member = getattr(obj, name, None)
    return member if callable(member) else None


class SourceAdapter:
    """A warmup source with its optional members resolved once (see the module docstring).

    Attributes:
        source: the app's object, as given.
        require_warmed, submit_job: the source's methods, or None when it has none.
    """

    def __init__(self, source: Any) -> None:
        self.source = source
        self.warmup_status: Callable[[], dict[str, list[str]]] = source.warmup_status
        self.canaries: Callable[[], list[dict[str, Any]]] = source.canaries
        self._has_revision = hasattr(source, "revision")
        # Polled on every frame: the source's own cheapest way to read its revision when it
        # has one (``revision_reader()``: no Python frames), else the attribute.
        reader = _method(source, "revision_reader")
        read = reader() if reader is not None else None
        self.read_revision: Callable[[], Any] = read if callable(read) else self.revision
        self._status_counts = _method(source, "status_counts")
        # A FrameLog (``mark(now)``, ``clock``) the plugin marks once per frame, or None.
        frames = getattr(source, "frames", None)
        self.frames: Any = frames if callable(getattr(frames, "mark", None)) else None
        self.require_warmed = _method(source, "require_warmed")
        self.submit_job = _method(source, "submit_job")
        self._add_modules = _method(source, "add_modules")
        self._service_pool = _method(source, "service_pool")
        self._add_listener = _method(source, "add_listener")
        self._stall_note = _method(source, "stall_note")
        self._stalls = _method(source, "stalls")
        self._history = getattr(source, "history", None)  # a HistoryService, or None (off)
        profiler = getattr(source, "profiler", None)
        self._mark_ready = _method(profiler, "mark_ready")
        self._profile_report = _method(profiler, "report")
        self._profile_text = _method(profiler, "format_report")

    def revision(self) -> Any:
        """The source's change counter, or None when it has none (then: read every time)."""
        return self.source.revision if self._has_revision else None

    def status_counts(self) -> tuple[int, int, int, int]:
        """``(pending, completed, failed, cancelled)``, from the source's ``status_counts()``
        when it has one (no lists copied), else from ``warmup_status()``."""
        if self._status_counts is not None:
            return self._status_counts()
        status = self.warmup_status()
        return (len(status["pending"]), len(status["completed"]), len(status["failed"]),
                len(status.get("cancelled", ())))

    def request_modules(self, modules: list[str]) -> bool:
        """Add ``modules`` to a warmup that has not started yet; True when they were added."""
        if self._add_modules is None or getattr(self.source, "started", True) is not False:
            return False
        self._add_modules(modules)
        return True

    def service_pool(self, name: str) -> Any:
        """A one-worker pool of the source's own, or None (no such pools, or shutting down)."""
        if self._service_pool is None:
            return None
        try:
            return self._service_pool(name, 1)
        except RuntimeError:  # the source is shutting down
            return None

    def add_listener(self, listener: Callable[[Any], Any]) -> bool:
        """Call ``listener`` whenever a canary changes; False when the source cannot."""
        if self._add_listener is None:
            return False
        self._add_listener(listener)
        return True

    def stall_note(self) -> str | None:
        """``"sympy stalled 12 s"`` while an import is stalled; None (or no such method)."""
        return self._stall_note() if self._stall_note is not None else None

    def stalls(self) -> list[dict[str, Any]]:
        """The source's stalls and GUI freezes (``WarmupController.stalls()``), or []."""
        return self._stalls() if self._stalls is not None else []

    def history_path(self) -> str | None:
        """The source's start-up history file, or None (history off, or no such source)."""
        return getattr(self._history, "path", None)

    def history_runs(self) -> list[dict[str, Any]]:
        """The runs remembered so far, oldest first ([] until read, or without history)."""
        runs = getattr(self._history, "runs", None)
        return runs() if callable(runs) else []

    def history_usual(self) -> dict[str, float]:
        """Per module, the usual elapsed ms (median of the runs before this one), or {}."""
        usual = getattr(self._history, "usual", None)
        return usual() if callable(usual) else {}

    def history_usual_wall_ms(self) -> float | None:
        """The whole warmup's usual wall time from the history, or None."""
        usual = getattr(self._history, "usual_wall_ms", None)
        return usual() if callable(usual) else None

    def mark_ready(self, name: str) -> None:
        """Record a start-up milestone in the source's profiler (if it has one)."""
        if self._mark_ready is not None:
            self._mark_ready(name)

    def profile_report(self) -> dict[str, Any] | None:
        """The startup profile as data, or None without a profiler."""
        return self._profile_report() if self._profile_report is not None else None

    def profile_text(self) -> str | None:
        """The startup profile as text, or None without a profiler."""
        return self._profile_text() if self._profile_text is not None else None


def check_source(source: Any) -> SourceAdapter:
    """Check that ``source`` has ``warmup_status()`` and ``canaries()``; resolve the rest.

    Raises:
        TypeError: naming the missing method(s).
    """
    if isinstance(source, SourceAdapter):
        return source
    missing = [m for m in ("warmup_status", "canaries") if _method(source, m) is None]
    if missing:
        raise TypeError(
            f"DiagnosticsPlugin needs a warmup source with warmup_status() and canaries(); "
            f"{type(source).__name__} has no {' and no '.join(missing)}(). Pass a "
            f"WarmupController or an object with those two methods."
        )
    return SourceAdapter(source)
