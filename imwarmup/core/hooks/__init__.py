"""The hook API: a small JSON-over-HTTP server that lets tests and tools ask a running app about
its warmup, and the client its test suite uses. Standard library only.

Quick start (in the app)::

    controller = WarmupController(["numpy"]).start()
    server = HookServer(controller).start()         # loopback, a free port
    print(server.url)                               # http://127.0.0.1:PORT
    ...
    server.stop()                                   # or: with HookServer(controller) as server:

Quick start (in a test, or use the ``live_app`` pytest fixture)::

    client = HookClient("http://127.0.0.1:PORT")
    client.wait_for_server()                        # until /api/health answers
    assert client.wait_for_warmup(timeout=30)
    assert client.warmup_status()["failed"] == []

Endpoints (``GET`` only, all JSON; the table is ``routes.ROUTES``): ``/api/health``,
``/api/warmup_status``, ``/api/warmup_wait?timeout=S`` (S in [0, 60]), ``/api/canaries``,
``/api/io_pool_status``, ``/api/startup_profile``. Errors are ``{"error": "..."}`` with
400/401/403/404/405/408/411/413/414/421/431/500/503/505.

What it refuses (see ``HookServer``): requests whose ``Host`` is not a loopback name or address
with the server's port (421: DNS rebinding), requests a web page sent (a foreign ``Origin`` or
``Sec-Fetch-Site``, 403), requests whose head takes longer than ``request_timeout`` (408:
slowloris), connections beyond ``max_connections`` (an immediate 503).

Threads: the whole server is one event loop on ``controller.service_pool("hooks")``
(``controller-hooks-0``), never on the warmup workers or the GUI thread, so warmup keeps its full
parallelism. No endpoint imports anything.

The package, one concern a module:

- ``errors``: what the client raises (``HookError`` and its subclasses).
- ``client``: ``HookClient`` (``urllib``, loaded on the first request).
- ``server``: ``HookServer``, its lifecycle and its ``selectors`` event loop.
- ``routes``: the route table, the 404's endpoint list, the ``warmup_wait`` answer.
- ``request`` / ``response``: parsing and screening a request; encoding an answer.
- ``connection``: one client connection's state; ``auth``, ``addresses``: tokens, loopback.
- ``source``: ``WarmupSource``, what the server needs from a controller (a ``Protocol``).

Names load on first use: ``from imwarmup.core.hooks import HookClient`` does not import the
server, ``selectors`` or ``socket``.
"""

from __future__ import annotations

import importlib

# typing.TYPE_CHECKING without importing typing: type checkers see these, run time does not.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from .client import HookClient as HookClient
    from .errors import HookConnectionError as HookConnectionError
    from .errors import HookError as HookError
    from .errors import HookHTTPError as HookHTTPError
    from .errors import HookServerUnavailable as HookServerUnavailable
    from .routes import MAX_WAIT_TIMEOUT as MAX_WAIT_TIMEOUT
    from .server import HookServer as HookServer

# public name -> submodule that defines it
_LAZY = {
    "HookServer": "server",
    "HookClient": "client",
    "HookError": "errors",
    "HookHTTPError": "errors",
    "HookConnectionError": "errors",
    "HookServerUnavailable": "errors",
    "MAX_WAIT_TIMEOUT": "routes",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> object:
    # Not imwarmup._lazy.lazy_getattr: the same few lines, typed, so `mypy --strict` on this
    # package checks nothing outside it. A loaded name is cached as a plain global.
    submodule = _LAZY.get(name)
    if submodule is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{submodule}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
