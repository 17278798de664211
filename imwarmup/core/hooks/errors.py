"""The hook client's errors: what ``HookClient`` raises when the server refuses or cannot be
reached. Standard library only, no imports at all."""

from __future__ import annotations

__all__ = ["HookError", "HookHTTPError", "HookConnectionError", "HookServerUnavailable"]


class HookError(Exception):
    """Base class of the hook client's errors."""


class HookHTTPError(HookError):
    """The server answered with an error status.

    Attributes:
        status: the HTTP status code (e.g. 401, 404).
        error: the server's ``{"error": ...}`` message (or the raw body if it was not JSON).
        url: the URL that was asked.
    """

    def __init__(self, status: int, error: str, url: str) -> None:
        super().__init__(f"{url} answered HTTP {status}: {error}")
        self.status = status
        self.error = error
        self.url = url


class HookConnectionError(HookError, ConnectionError):
    """The server could not be reached (refused, reset, timed out, bad JSON)."""


class HookServerUnavailable(HookError, TimeoutError):
    """``wait_for_server()`` gave up: the server did not answer ``/api/health`` in time."""
