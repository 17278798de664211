"""Exceptions of the warmup engine (kept apart so importing them costs nothing)."""

from __future__ import annotations

__all__ = ["NotWarmedError"]


class NotWarmedError(RuntimeError):
    """``require_warmed(name)`` was asked for a module that is not ready.

    Attributes:
        module: the module name asked for.
        status: ``"not warmed"``, ``"running"``, ``"failed"`` or ``"cancelled"``.
        error: the import error of a failed module, else None.
    """

    def __init__(self, module: str, status: str, message: str, *, error: str | None = None):
        super().__init__(message)
        self.module = module
        self.status = status
        self.error = error
