"""One client connection's state, as the server's event loop keeps it.

A connection goes ``READING`` (its request head and body arrive) -> ``WAITING`` (a
``warmup_wait`` request held until warmup completes or its timeout) -> ``WRITING`` (the answer
goes out) -> ``LINGERING`` (answer sent, write side shut; what the client still sends is read
and dropped until it closes) -> closed. ``WAITING`` is skipped by every other request.
"""

from __future__ import annotations

import socket

from .request import Request

__all__ = ["READING", "WAITING", "WRITING", "LINGERING", "Connection"]

READING, WAITING, WRITING, LINGERING = "reading", "waiting", "writing", "lingering"


class Connection:
    """One client connection: plain data, owned by the event loop thread (nothing else touches
    it).

    Attributes:
        sock: the non-blocking client socket.
        state: one of ``READING``, ``WAITING``, ``WRITING``, ``LINGERING``.
        buf: what was read and not parsed yet.
        request: the parsed head, once it is complete.
        body_end: buffer length at which the head and its body are complete.
        out: what is left to send.
        deadline: ``time.monotonic()`` at which the current state times out.
        counted: counts toward ``max_connections`` (reading, waiting or writing; a refused
            connection's 503 is not counted).
    """

    __slots__ = ("sock", "state", "buf", "request", "body_end", "out", "deadline", "counted")

    def __init__(self, sock: socket.socket, deadline: float, counted: bool) -> None:
        self.sock = sock
        self.state = READING
        self.buf = bytearray()
        self.request: Request | None = None
        self.body_end = 0
        self.out = memoryview(b"")
        self.deadline = deadline
        self.counted = counted
