"""The "Export trace" action: write the warmup's Chrome trace (Perfetto, speedscope) from the
diagnostics window or the palette, on a service pool job, never on the GUI thread.

A big import tree takes a while to serialise, so ``start()`` hands the engine's
``imwarmup.core.trace.write_trace(source, path)`` to the source's ``service_pool("trace")`` and
returns at once; the plugin calls ``poll()`` only while a job is pending (a bool test per frame
otherwise) and turns the outcome into a toast and a line in the window: where the file went, or
why it could not be written (a missing or read-only folder).

Quick start::

    export = TraceExport(source)                 # a SourceAdapter
    export.start()                               # imwarmup-trace-YYYYmmdd-HHMMSS.json in the cwd
    ...
    if export.pending:
        done = export.poll()                     # (text, Role) once the job ended
"""

from __future__ import annotations

import os
import time
from typing import Any, Callable

from ..theme.palette import Role
from .source import SourceAdapter

__all__ = ["TraceExport", "default_trace_path"]


def default_trace_path(folder: str | os.PathLike[str] | None = None,
                       clock: Callable[[], float] = time.time) -> str:
    """``<folder>/imwarmup-trace-YYYYmmdd-HHMMSS.json``; ``folder`` defaults to the cwd."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(clock()))
    return os.path.abspath(os.path.join(folder or os.getcwd(), f"imwarmup-trace-{stamp}.json"))


def _write(source: Any, path: str) -> int:
    from ..core.trace import write_trace   # the engine's writer, loaded on the job's thread

    return write_trace(source, path)


class TraceExport:
    """One export at a time for a warmup source.

    Args:
        source: the ``SourceAdapter`` of the plugin's source (``write_trace`` reads its
            ``canaries()``, and ``import_trees()`` / ``frames`` when it has them).
        folder: where files go (default: the current directory at export time).
        write: ``write(source_object, path) -> events``; the engine's ``write_trace`` by default.

    Attributes:
        message: the last outcome as one line (shown in the window), or None.
        role: its colour role (``Role.READY`` written, ``Role.FAILED`` not).
        path: the last file written, or None.
    """

    def __init__(self, source: SourceAdapter, folder: str | os.PathLike[str] | None = None,
                 write: Callable[[Any, str], int] = _write) -> None:
        if not callable(write):
            raise TypeError(f"TraceExport(): write must be callable, got {write!r}")
        self._source = source
        self._folder = folder
        self._write = write
        self._job: Any = None
        self._target: str | None = None
        self.message: str | None = None
        self.role: Role = Role.TEXT_DIM
        self.path: str | None = None

    @property
    def pending(self) -> bool:
        """An export is running (the frame then calls ``poll()``)."""
        return self._job is not None

    def start(self, path: str | os.PathLike[str] | None = None) -> str:
        """Start writing the trace to ``path`` (default: ``default_trace_path(folder)``) on the
        source's ``controller-trace-0`` worker; returns the line to show meanwhile. A second
        call while one runs does nothing but say so."""
        if self._job is not None:
            return f"Already writing {self._target}…"
        target = os.path.abspath(os.fspath(path)) if path is not None \
            else default_trace_path(self._folder)
        pool = self._source.service_pool("trace")
        if pool is None:
            return self._done(f"Could not export the trace: the warmup source "
                              f"({type(self._source.source).__name__}) has no worker to write it "
                              f"on (a WarmupController has one), or it is shut down", Role.FAILED)
        self._target = target
        try:
            self._job = pool.submit(self._write, self._source.source, target)
        except RuntimeError as exc:   # the pool shut down between the two calls
            return self._done(f"Could not export the trace: {exc}", Role.FAILED)
        self.message, self.role = f"Writing the trace to {target}…", Role.TEXT_DIM
        return self.message

    def poll(self) -> tuple[str, Role] | None:
        """The outcome once the job ended (and only once): ``(text, role)``; else None."""
        job = self._job
        if job is None or not job.done():
            return None
        self._job = None
        error = job.exception()
        if error is None:
            self.path = self._target
            count = job.result()
            return self._done(f"Trace written to {self._target} ({count} events): open it in "
                              f"ui.perfetto.dev or speedscope.app", Role.READY), Role.READY
        if isinstance(error, OSError):
            why = error.strerror or str(error)
            folder = os.path.dirname(self._target or "") or "."
            return self._done(f"Could not write the trace to {self._target}: {why} (is the "
                              f"folder {folder} there and writable?)", Role.FAILED), Role.FAILED
        return self._done(f"Could not export the trace: {type(error).__name__}: {error}",
                          Role.FAILED), Role.FAILED

    def _done(self, text: str, role: Role) -> str:
        self.message, self.role = text, role
        return text
