"""Exceptions of the warmup engine and how a failure is put into words (kept apart so importing
them costs nothing).

``describe_exception`` never raises, whatever the exception's ``__str__``/``__repr__`` do: a
canary must always get its error text. ``short_error`` is what one log line or one GUI cell shows
of it; the canary and the text report keep the whole text.
"""

from __future__ import annotations

__all__ = ["NotWarmedError", "describe_exception", "describe_import_error", "main_thread_only",
           "short_error", "SHORT_ERROR_CHARS"]

# A log line or a table cell shows at most this many characters of an error (its first line);
# a 5 MB message would otherwise be written whole into one stderr line.
SHORT_ERROR_CHARS = 300


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


def describe_exception(exc: BaseException) -> str:
    """``"<TypeName>: <message>"`` (just ``"<TypeName>"`` for an empty message); never raises.

    Module code controls its exceptions: ``__str__`` may raise (then ``__repr__`` is tried);
    both failing still gives a text that names the exception and says why the message is
    missing.
    """
    name = _type_name(exc)
    for render in (str, repr):
        try:
            text = render(exc)
        except BaseException as failure:  # noqa: BLE001 - even SystemExit from a __str__
            failure_name = _type_name(failure)
            continue
        # A str subclass from __str__ could raise again when formatted: keep a plain copy.
        text = str.__str__(text)
        if render is repr:
            return f"{name} (str() raised {failure_name}; repr: {text})"
        return f"{name}: {text}" if text else name
    return f"{name} (its str() and repr() raised {failure_name}; no message)"


# What Python and common libraries say when code that must run on the main thread runs on
# another one: signal handlers (signal.signal, set_wakeup_fd), tkinter's "main thread is not in
# main loop", asyncio's "no current event loop in thread", macOS's "must be used from main thread
# only" / "only be instantiated on the main thread".
_MAIN_THREAD_ONLY = (
    "only works in main thread",
    "main thread is not in main loop",
    "no current event loop in thread",
    "must be called from the main thread",
    "must be used from main thread",
    "only be instantiated on the main thread",
    "only be called from the main thread",
    "only from the main thread",
    "not the main thread",
)


def main_thread_only(text: str) -> bool:
    """Whether an error text says the code must run on the main thread (see
    ``_MAIN_THREAD_ONLY``)."""
    lowered = text.lower()
    return any(phrase in lowered for phrase in _MAIN_THREAD_ONLY)


def describe_import_error(exc: BaseException, module: str) -> str:
    """``describe_exception(exc)`` for a failed import of ``module`` on a warmup worker; when the
    error says the code must run on the main thread (``ValueError: signal only works in main
    thread of the main interpreter``, tkinter, asyncio, macOS GUI toolkits), its first line goes
    on to say so and what to do: import it on the main thread before ``start()``, or leave it
    out of the warmup. Never raises."""
    text = describe_exception(exc)
    if not main_thread_only(text):
        return text
    first, sep, rest = text.partition("\n")
    return (
        f"{first} -- {module!r} must be imported on the main thread (it does main-thread-only "
        f"work at import time); import it on the main thread before controller.start(), or "
        f"leave it out of the warmup{sep}{rest}"
    )


def _type_name(exc: BaseException) -> str:
    try:
        name = type(exc).__qualname__
        return name if isinstance(name, str) and name else type(exc).__name__
    except BaseException:  # noqa: BLE001 - a metaclass could make even this fail
        return "exception"


def short_error(text: str | None, limit: int = SHORT_ERROR_CHARS) -> str:
    """The first line of ``text``, at most ``limit`` characters, then ``"… (N more characters)"``
    when anything was left out. ``None`` gives ``""``.
    """
    if not text:
        return ""
    first = text.split("\n", 1)[0].rstrip("\r")
    shown = first[:limit]
    left = len(text) - len(shown)
    if left <= 0:
        return shown
    return f"{shown}… ({left} more characters)"
