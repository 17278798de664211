"""The demo's hook server: ``python -m imwarmup --hook-port PORT --hook-port-file PATH`` starts
it, and the ``live_app`` pytest fixture reads the port file. An app of yours that the fixture
launches can do the same with ``start_hook_server_for_demo``.

Imports ``imwarmup.core.hooks.server`` (sockets, ``selectors``) when called, not when imported,
so the demo imports this module on a pool job and its main thread never pays for it.
"""

from __future__ import annotations

import os
import sys
from typing import IO

TYPE_CHECKING = False
if TYPE_CHECKING:
    from imwarmup.core.hooks import HookServer
    from imwarmup.core.hooks.source import WarmupSource

__all__ = ["start_hook_server_for_demo"]


def start_hook_server_for_demo(controller: WarmupSource, port: int,
                               port_file: str | os.PathLike[str] | None = None,
                               *, token: str | None = None,
                               stream: IO[str] | None = None) -> HookServer:
    """Start a loopback ``HookServer``, print ``imwarmup hooks: URL`` and write the bound port to
    ``port_file`` (what the ``live_app`` pytest fixture reads).

    The file is written atomically (a temporary file renamed into place), so a reader never sees
    a partial number.

    Args:
        controller: the app's ``WarmupController``.
        port: the port to bind, 0 for a free one.
        port_file: where to write the port as decimal text; None to skip.
        token: the bearer token the server requires, or None.
        stream: where the URL line goes; ``sys.stdout`` by default (flushed at once).

    Returns:
        The running server; stop it (or shut the controller down) when the app exits.

    Raises:
        TypeError, ValueError: see ``HookServer``.
        OSError: the port cannot be bound or the port file cannot be written (the server is
            stopped again first).
    """
    from imwarmup.core.hooks import HookServer

    server = HookServer(controller, port=port, token=token).start()
    try:
        if port_file is not None:
            path = os.fspath(port_file)
            tmp = f"{path}.{os.getpid()}.tmp"
            with open(tmp, "w", encoding="ascii") as f:
                f.write(f"{server.port}\n")
            os.replace(tmp, path)
        out = stream if stream is not None else sys.stdout
        out.write(f"imwarmup hooks: {server.url}\n")
        out.flush()
    except BaseException:
        server.stop()
        raise
    return server
