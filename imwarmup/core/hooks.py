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

Endpoints (``GET`` only, all JSON): ``/api/health``, ``/api/warmup_status``,
``/api/warmup_wait?timeout=S`` (S in [0, 60]), ``/api/canaries``, ``/api/io_pool_status``,
``/api/startup_profile``. Errors are ``{"error": "..."}`` with
400/401/403/404/405/408/411/413/414/421/431/500/503/505.

What it refuses (see ``HookServer``): requests whose ``Host`` is not a loopback name or address
with the server's port (421: DNS rebinding), requests a web page sent (a foreign ``Origin`` or
``Sec-Fetch-Site``, 403), requests whose head takes longer than ``request_timeout`` (408:
slowloris), connections beyond ``max_connections`` (an immediate 503).

Threads: the whole server is one event loop on ``controller.service_pool("hooks")``
(``controller-hooks-0``), never on the warmup workers or the GUI thread, so warmup keeps its full
parallelism. It reads requests without blocking, answers them from the controller's copies of
its state, and answers ``warmup_wait`` requests itself when warmup completes or their timeout
passes: a slow or idle client costs a socket, never a thread. No endpoint imports anything.
"""

from __future__ import annotations

import errno
import hmac
import http
import ipaddress
import json
import math
import os
import re
import selectors
import socket
import sys
import threading
import time
import urllib.parse
import weakref
from concurrent.futures import CancelledError
from typing import Any, Callable

__all__ = [
    "HookServer",
    "HookClient",
    "HookError",
    "HookHTTPError",
    "HookConnectionError",
    "HookServerUnavailable",
    "start_hook_server_for_demo",
    "MAX_WAIT_TIMEOUT",
]

#: The longest ``warmup_wait`` a client may ask for, in seconds.
MAX_WAIT_TIMEOUT = 60.0
#: Request bodies above this many bytes are refused with 413 (no endpoint takes a body).
MAX_BODY_BYTES = 64 * 1024
#: A request head (request line and headers) above this many bytes is refused with 431.
MAX_HEAD_BYTES = 16 * 1024
# Headers beyond this many lines are refused with 431 (http.server's limit too).
_MAX_HEADER_LINES = 100
# A request line above this many bytes is refused with 414 before the head is complete.
_MAX_REQUEST_LINE = 8 * 1024
# How often the loop checks whether its pool was shut down without cancelling the loop's
# sentinel job, or the interpreter is exiting; stop() and controller.shutdown() wake it at once.
_POLL_SECONDS = 0.25
# After an answer is sent, how long the loop reads (and drops) what the client still sends
# before closing: closing with unread input resets the connection, and a reset can destroy the
# answer before the client has read it (a 413 sent while the client still uploads its body).
_LINGER_SECONDS = 1.0
# A client that does not read its answer holds a connection for at most this long.
_WRITE_TIMEOUT = 10.0
# stop(): how long answers already due (waiters told {"done": false}) may take to leave.
_STOP_FLUSH_SECONDS = 0.5
# Accept at most this many connections per wake-up, so a flood cannot starve the others.
_ACCEPT_BATCH = 128
# accept() failed for lack of file descriptors: pause accepting this long (the kernel keeps the
# client queued) instead of spinning on a listener that stays readable.
_ACCEPT_PAUSE_SECONDS = 0.1


# ------------------------------------------------------------------------------------ errors
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




# ------------------------------------------------------------------------------- route table
# path -> what answers it from the controller. warmup_wait is answered by the event loop itself
# (when warmup completes or the timeout passes), hence None here.
_ROUTES: dict[str, Callable[[Any], Any] | None] = {
    "/api/health": lambda controller: {"ok": True},
    "/api/warmup_status": lambda controller: controller.warmup_status(),
    "/api/warmup_wait": None,
    "/api/canaries": lambda controller: controller.canaries(),
    "/api/io_pool_status": lambda controller: controller.io_pool_status(),
    "/api/startup_profile": lambda controller: controller.profiler.report(),
}
_ENDPOINTS = tuple(_ROUTES)


# --------------------------------------------------------------------------- request parsing
class _BadRequest(Exception):
    """A request the server refuses before routing: ``status`` and a message for the client."""

    def __init__(self, status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


class _Request:
    __slots__ = ("method", "target", "version", "headers")

    def __init__(self, method: str, target: str, version: str, headers: dict[str, list[str]]) -> None:
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers  # lower-case name -> every value it was given

    def header(self, name: str) -> str | None:
        """The one value of header ``name``, None when absent; two or more values are a 400."""
        values = self.headers.get(name)
        if not values:
            return None
        if len(values) > 1 and len(set(values)) > 1:
            raise _BadRequest(400, f"header {name!r} was given {len(values)} different values")
        return values[0]


_TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_VERSION = re.compile(rb"HTTP/(\d)\.(\d)")


def _check_request_line(line: bytes) -> tuple[str, str, str]:
    """``(method, target, version)`` of a request line, or ``_BadRequest`` (400 or 505)."""
    parts = line.split(b" ")
    if len(parts) != 3 or not _TOKEN.fullmatch(parts[0]) or not parts[1] \
            or not _VERSION.fullmatch(parts[2]):
        raise _BadRequest(400, f"malformed request line {line[:100].decode('latin-1')!r}: expected "
                               f"'GET /api/<endpoint> HTTP/1.1'")
    if parts[2] not in (b"HTTP/1.0", b"HTTP/1.1"):
        raise _BadRequest(505, f"{parts[2].decode()} is not supported; the hook API speaks "
                               f"HTTP/1.0 and HTTP/1.1")
    target = parts[1].decode("latin-1")
    if not target.startswith("/"):
        raise _BadRequest(400, f"request target {target[:100]!r} must be a path starting with '/'")
    return parts[0].decode("ascii"), target, parts[2].decode("ascii")


def _find_head_end(buf: bytearray) -> tuple[int, int]:
    """(end of the head, start of the body), or (-1, -1) while the blank line has not come."""
    crlf = buf.find(b"\r\n\r\n")
    lf = buf.find(b"\n\n")
    if crlf >= 0 and (lf < 0 or crlf < lf):
        return crlf, crlf + 4
    if lf >= 0:
        return lf, lf + 2
    return -1, -1


def _parse_head(head: bytes) -> _Request:
    lines = [line[:-1] if line.endswith(b"\r") else line for line in head.split(b"\n")]
    if len(lines) - 1 > _MAX_HEADER_LINES:
        raise _BadRequest(431, f"{len(lines) - 1} header lines are over the limit of "
                               f"{_MAX_HEADER_LINES}")
    method, target, version = _check_request_line(lines[0])
    headers: dict[str, list[str]] = {}
    for line in lines[1:]:
        if line[:1] in (b" ", b"\t"):
            raise _BadRequest(400, "folded header lines (starting with a space) are not accepted")
        name, sep, value = line.partition(b":")
        if not sep or not _TOKEN.fullmatch(name):
            raise _BadRequest(400, f"malformed header line {line[:100].decode('latin-1')!r}: "
                                   f"expected 'Name: value'")
        headers.setdefault(name.decode("ascii").lower(), []).append(
            value.strip(b" \t").decode("latin-1"))
    return _Request(method, target, version, headers)


def _response(status: int, body: Any, headers: tuple[tuple[str, str], ...] = (),
              *, head_only: bool = False) -> bytes:
    """One complete HTTP/1.0 answer with a JSON body; the connection closes after it."""
    try:
        data = json.dumps(body, default=str).encode("utf-8")
    except (TypeError, ValueError) as exc:
        status, data = 500, json.dumps({"error": f"cannot encode the answer: {exc}"}).encode()
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    lines = [f"HTTP/1.0 {status} {phrase}", "Server: imwarmup-hooks",
             "Content-Type: application/json", f"Content-Length: {len(data)}",
             "Cache-Control: no-store", "X-Content-Type-Options: nosniff", "Connection: close",
             *(f"{key}: {value}" for key, value in headers)]
    out = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return out if head_only else out + data


# ----------------------------------------------------------------------------- connections
_READING, _WAITING, _WRITING, _LINGERING = "reading", "waiting", "writing", "lingering"


class _Conn:
    """One client connection, owned by the event loop thread (nothing else touches it)."""

    __slots__ = ("sock", "state", "buf", "request", "body_end", "out", "deadline", "counted")

    def __init__(self, sock: socket.socket, deadline: float, counted: bool) -> None:
        self.sock = sock
        self.state = _READING
        self.buf = bytearray()
        self.request: _Request | None = None
        self.body_end = 0  # buffer length at which the head and its body are complete
        self.out = memoryview(b"")
        self.deadline = deadline
        self.counted = counted  # counts toward max_connections (reading, waiting or writing)


_LISTENER = object()
_WAKE = object()


# ------------------------------------------------------------------------------------ server
class HookServer:
    """Serves the controller's warmup state as JSON over HTTP on loopback.

    One event loop on one thread (``controller-hooks-0``) serves every client: it reads request
    heads without blocking, answers at once from the controller's copies of its state, and
    answers ``warmup_wait`` requests itself when warmup completes or their timeout passes.

    What it accepts and refuses:

    - On a loopback address (the default), only requests whose ``Host`` header names a loopback
      name or address with the server's port (``127.0.0.1:PORT``, ``localhost:PORT``,
      ``[::1]:PORT``); others get 421. This stops a web page that rebinds its domain name to
      127.0.0.1 from reading the API. An HTTP/1.0 request without ``Host`` is a tool: accepted.
    - Never requests a web page sent: an ``Origin`` other than the server's own or a
      ``Sec-Fetch-Site`` other than ``same-origin``/``none`` get 403.
    - A request's head and body must arrive within ``request_timeout`` seconds (else 408) and the
      head must fit in 16 KiB (else 431); bodies over 64 KiB get 413 (no endpoint takes one).
    - At most ``max_connections`` clients at once: one more gets an immediate 503.
    - Malformed requests get a 400 (505 for HTTP versions but 1.0 and 1.1), methods but GET 405.

    Args:
        controller: a ``WarmupController`` (anything with ``warmup_status()``,
            ``wait_for_warmup()``, ``canaries()``, ``io_pool_status()``, ``profiler``,
            ``on_warmup_complete()``, ``add_listener()`` and ``service_pool()``).
        host: the address to bind; loopback (``127.0.0.1``, ``::1``, ``localhost``) by default.
        port: the TCP port; 0 picks a free one (read it back from ``port`` after ``start()``).
        token: if set, every request must carry ``Authorization: Bearer <token>`` (else 401).
        allow_remote: must be True to bind anything but loopback: the API has no TLS and tells
            anyone who can reach it about the app's internals. Requires ``token``; the ``Host``
            check is then left to the token (remote clients name the machine in many ways).
        max_waiters: how many ``warmup_wait`` requests may wait at once; one more gets 503.
        max_connections: how many client connections may be open at once; one more gets 503.
        request_timeout: seconds a client has to send its whole request; then 408.

    Raises:
        TypeError: ``controller`` lacks the methods above, or an argument has the wrong type.
        ValueError: ``port`` is outside 0..65535, ``token`` is empty or has whitespace or
            non-ASCII characters, ``max_waiters`` or ``max_connections`` < 1,
            ``request_timeout`` is not a positive finite number, or ``host`` is not loopback
            and ``allow_remote`` is False or no ``token`` is given.
    """

    def __init__(
        self,
        controller: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        allow_remote: bool = False,
        *,
        max_waiters: int = 256,
        max_connections: int = 512,
        request_timeout: float = 5.0,
    ) -> None:
        needed = ("warmup_status", "wait_for_warmup", "canaries", "io_pool_status",
                  "on_warmup_complete", "add_listener", "service_pool")
        missing = [name for name in needed if not callable(getattr(controller, name, None))]
        if missing or not hasattr(controller, "profiler"):
            raise TypeError(
                f"HookServer(): controller must be a WarmupController, got {controller!r} "
                f"(missing: {', '.join(missing) or 'profiler'})"
            )
        if not isinstance(host, str) or not host:
            raise TypeError(f"HookServer(): host must be a non-empty str, got {host!r}")
        if isinstance(port, bool) or not isinstance(port, int):
            raise TypeError(f"HookServer(): port must be an int, got {port!r} ({type(port).__name__})")
        if not 0 <= port <= 65535:
            raise ValueError(f"HookServer(): port must be in 0..65535 (0 = any free port), got {port}")
        if token is not None:
            _check_token(token, "HookServer()")
        if isinstance(max_waiters, bool) or not isinstance(max_waiters, int) or max_waiters < 1:
            raise ValueError(f"HookServer(): max_waiters must be an int >= 1, got {max_waiters!r}")
        if isinstance(max_connections, bool) or not isinstance(max_connections, int) \
                or max_connections < 1:
            raise ValueError(
                f"HookServer(): max_connections must be an int >= 1, got {max_connections!r}")
        if isinstance(request_timeout, bool) or not isinstance(request_timeout, (int, float)) \
                or not 0 < request_timeout < math.inf:
            raise ValueError(f"HookServer(): request_timeout must be a number of seconds > 0, "
                             f"got {request_timeout!r}")
        remote = not _is_loopback(host)
        if remote and not allow_remote:
            raise ValueError(
                f"HookServer(): host {host!r} is not a loopback address; the hook API has no TLS "
                f"and exposes the app's internals, so binding it beyond this machine needs "
                f"allow_remote=True (and a token)"
            )
        if remote and token is None:
            raise ValueError(
                f"HookServer(): allow_remote=True on {host!r} needs a token: without one anyone "
                f"who can reach the port reads the app's internals; pass token='<secret>' and "
                f"give clients HookClient(url, token='<secret>')"
            )
        self._controller = controller
        self._host = host
        self._requested_port = port
        self._token = token.encode("ascii") if token is not None else None
        self._check_host = not remote
        self._max_waiters = max_waiters
        self._max_connections = max_connections
        self._request_timeout = float(request_timeout)
        self._lock = threading.Lock()  # guards _started, _stopping and the listener's closing
        self._started = False
        self._stopping = False
        self._loop_done = False
        self._listener: socket.socket | None = None
        self._bound_port: int | None = None
        self._pool: Any = None
        self._loop_future: Any = None
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._warmup_changed = False  # set by warmup workers, cleared by the loop
        # Owned by the loop thread alone:
        self._selector: selectors.BaseSelector | None = None
        self._conns: set[_Conn] = set()
        self._counted = 0  # connections counting toward max_connections
        self._waiters: set[_Conn] = set()
        self._next_deadline = math.inf
        self._accept_paused_until: float | None = None

    # ---------------------------------------------------------------------------- lifecycle
    def start(self) -> "HookServer":
        """Bind the socket and start serving on ``controller-hooks-0``. Returns ``self``.

        Raises:
            RuntimeError: already started, or stopped (a server starts once), or the controller
                is shut down.
            OSError: the address cannot be bound (port in use, host not on this machine).
        """
        with self._lock:
            if self._stopping:
                raise RuntimeError("HookServer.start(): this server was stopped; make a new one")
            if self._started:
                raise RuntimeError("HookServer.start(): the server is already running; call it once")
            self._started = True
        family = socket.AF_INET6 if _is_ipv6(self._host) else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            # No SO_REUSEADDR: port=0 picks a fresh port; a fixed port must really be free.
            listener.bind((self._host, self._requested_port))
            # The kernel queues this many connections the loop has not accepted yet (capped by
            # net.core.somaxconn); with http.server's 5, bursts of clients were dropped.
            listener.listen(max(socket.SOMAXCONN, self._max_connections))
            listener.setblocking(False)
        except OSError as exc:
            listener.close()
            with self._lock:
                self._started = False
            raise OSError(
                exc.errno,
                f"HookServer.start(): cannot bind {self._host}:{self._requested_port}: "
                f"{exc.strerror or exc}; pick another port or use port=0 for a free one",
            ) from exc
        try:
            # One thread: the event loop. The pool also holds the loop's sentinel (see below).
            pool = self._controller.service_pool("hooks", max_workers=1)
        except BaseException:
            listener.close()
            with self._lock:
                self._started = False
            raise
        self._listener = listener
        self._bound_port = listener.getsockname()[1]
        self._pool = pool
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        # Waiters are answered on events, not polling: a canary finishing (listeners survive a
        # manager reset) and the round's completion callback (covers cancelled jobs too). The
        # manager cannot drop a listener; after stop() this one does nothing.
        self._controller.add_listener(self._on_warmup_event)
        self._controller.on_warmup_complete(self._on_warmup_event)
        self._loop_future = pool.submit(self._serve)
        self._loop_future.add_done_callback(self._on_loop_future_done)
        # The sentinel: queued behind the loop on this one-worker pool, it never runs while the
        # loop does. controller.shutdown() shuts its service pools down with cancel_futures=True,
        # which cancels the sentinel, and its callback wakes the loop to stop at once.
        sentinel = pool.submit(_nothing)
        sentinel.add_done_callback(lambda future: self._request_stop())
        _stop_at_interpreter_exit(self)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving: the port closes, blocked ``warmup_wait`` requests answer
        ``{"done": false}`` at once, other unfinished requests are dropped. Returns within
        ``timeout`` (about 0.5 s at most in practice), whatever the clients do.

        Safe to call twice, or before ``start()``.

        Args:
            timeout: the most seconds to wait for the loop to end.
        """
        already = self._request_stop()
        if already or self._loop_future is None:
            return
        try:
            self._loop_future.result(timeout=max(0.0, timeout))
        except (CancelledError, TimeoutError):
            pass  # never ran (its pool was shut down first) or still ending: nothing to wait on
        except Exception:  # noqa: BLE001 - a failed loop must not stop the close
            pass

    def __enter__(self) -> "HookServer":
        if not self._started:
            self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ------------------------------------------------------------------------------- address
    @property
    def port(self) -> int:
        """The bound TCP port (the real one when constructed with ``port=0``).

        Raises:
            RuntimeError: the server is not started (with port 0 the port is not known yet).
        """
        if self._bound_port is None:
            raise RuntimeError("HookServer.port: the server is not started; call start() first")
        return self._bound_port

    @property
    def url(self) -> str:
        """``http://HOST:PORT`` (IPv6 hosts in brackets).

        Raises:
            RuntimeError: the server is not started.
        """
        host = f"[{self._host}]" if _is_ipv6(self._host) else self._host
        return f"http://{host}:{self.port}"

    @property
    def waiting(self) -> int:
        """How many ``warmup_wait`` requests are waiting right now."""
        return len(self._waiters)  # a set only the loop changes; len() of it is atomic

    @property
    def connections(self) -> int:
        """How many client connections are open right now: being read, waiting or being
        answered (at most ``max_connections``; a refused one's 503 is not counted)."""
        return self._counted  # an int only the loop changes

    @property
    def running(self) -> bool:
        """True between ``start()`` and ``stop()`` (or the controller's shutdown)."""
        return self._started and not self._stopping

    # ------------------------------------------------------------------ other threads' side
    def _request_stop(self) -> bool:
        """Flag the stop and wake the loop; True if it was already flagged."""
        with self._lock:
            already = self._stopping
            self._stopping = True
        self._wake()
        return already

    def _wake(self) -> None:
        if self._loop_done or self._wake_w is None:
            return
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass  # full (the loop is awake anyway) or closed (the loop has ended)

    def _on_warmup_event(self, _arg: Any) -> None:
        self._warmup_changed = True
        self._wake()

    def _on_loop_future_done(self, future: Any) -> None:
        if future.cancelled():  # the pool was shut down before the loop ran: close here
            self._close_server_sockets()

    def _close_server_sockets(self) -> None:
        with self._lock:
            self._stopping = True
            self._loop_done = True
            socks, self._listener = [self._listener, self._wake_r, self._wake_w], None
        for sock in socks:
            if sock is not None:
                sock.close()

    # ------------------------------------------------------------------------- event loop
    def _serve(self) -> None:
        selector = self._selector = selectors.DefaultSelector()
        try:
            assert self._listener is not None and self._wake_r is not None
            selector.register(self._listener, selectors.EVENT_READ, _LISTENER)
            selector.register(self._wake_r, selectors.EVENT_READ, _WAKE)
            next_poll = time.monotonic() + _POLL_SECONDS
            while not self._stopping:
                now = time.monotonic()
                if now >= next_poll:
                    if self._should_stop():
                        break
                    next_poll = now + _POLL_SECONDS
                wait = min(_POLL_SECONDS, max(0.0, self._next_deadline - now))
                if self._accept_paused_until is not None:
                    wait = min(wait, max(0.0, self._accept_paused_until - now))
                for key, mask in selector.select(wait):
                    if key.data is _LISTENER:
                        self._accept()
                    elif key.data is _WAKE:
                        self._drain_wake()
                    else:
                        self._guarded(self._on_event, key.data, mask)
                now = time.monotonic()
                if self._warmup_changed:
                    self._warmup_changed = False
                    if self._waiters and self._warmup_done():
                        self._answer_waiters()
                if now >= self._next_deadline:
                    self._expire(now)
                if self._accept_paused_until is not None and now >= self._accept_paused_until:
                    self._accept_paused_until = None
                    selector.register(self._listener, selectors.EVENT_READ, _LISTENER)
            self._finish()
        finally:
            for conn in list(self._conns):
                self._close(conn)
            selector.close()
            self._close_server_sockets()

    def _should_stop(self) -> bool:
        # The pool was shut down without cancelling the sentinel: notice it, so a join of the
        # pool does not hang on this loop.
        if self._pool.status()["shutdown"]:
            return True
        # The interpreter is exiting (the main thread has finished but nobody called stop()):
        # the pool's threads are joined at exit, so leave instead of keeping the process alive.
        return not threading.main_thread().is_alive()

    def _finish(self) -> None:
        """The stop: close the port, drop unfinished requests, tell waiters and send what is due
        (for at most _STOP_FLUSH_SECONDS), then return; the caller closes whatever is left."""
        assert self._selector is not None
        with self._lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            if self._accept_paused_until is None:
                self._selector.unregister(listener)
            listener.close()
        for conn in list(self._conns):
            if conn.state in (_READING, _LINGERING):
                self._close(conn)
        if self._waiters:
            self._answer_waiters()
        deadline = time.monotonic() + _STOP_FLUSH_SECONDS
        while any(conn.state == _WRITING for conn in self._conns):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            for key, mask in self._selector.select(left):
                if key.data is _WAKE:
                    self._drain_wake()
                elif isinstance(key.data, _Conn) and mask & selectors.EVENT_WRITE:
                    self._guarded(self._flush, key.data)
            for conn in list(self._conns):
                if conn.state == _LINGERING:  # sent: no time to linger, close now
                    self._close(conn)

    def _guarded(self, fn: Callable[..., None], conn: _Conn, *args: Any) -> None:
        # One connection's failure must never end the loop (it serves everyone): report it,
        # close that connection, go on.
        try:
            fn(conn, *args)
        except Exception:  # noqa: BLE001
            import traceback

            sys.stderr.write("[imwarmup] hook server: a request failed; the server goes on\n")
            traceback.print_exc()
            self._close(conn)

    def _drain_wake(self) -> None:
        assert self._wake_r is not None
        try:
            while self._wake_r.recv(4096):
                pass
        except BlockingIOError:
            pass

    def _accept(self) -> None:
        assert self._listener is not None and self._selector is not None
        for _ in range(_ACCEPT_BATCH):
            try:
                sock, _addr = self._listener.accept()
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    self._selector.unregister(self._listener)
                    self._accept_paused_until = time.monotonic() + _ACCEPT_PAUSE_SECONDS
                return  # ECONNABORTED and the like: that client is gone already
            sock.setblocking(False)
            now = time.monotonic()
            if self._counted < self._max_connections:
                conn = _Conn(sock, now + self._request_timeout, counted=True)
                self._counted += 1
                self._conns.add(conn)
                self._selector.register(sock, selectors.EVENT_READ, conn)
                self._next_deadline = min(self._next_deadline, conn.deadline)
            elif len(self._conns) < 2 * self._max_connections:
                # Over the cap: an immediate 503, sent and lingered like any answer but not
                # counted (bounded by the second cap above).
                conn = _Conn(sock, now, counted=False)
                self._conns.add(conn)
                self._selector.register(sock, selectors.EVENT_READ, conn)
                self._send(conn, _response(503, {"error": (
                    f"too many connections ({self._max_connections} open); retry shortly")},
                    (("Retry-After", "1"),)))
            else:
                sock.close()  # twice the cap: nothing more to spend on this one

    def _on_event(self, conn: _Conn, mask: int) -> None:
        if mask & selectors.EVENT_WRITE and conn.state == _WRITING:
            self._flush(conn)
            return
        if not mask & selectors.EVENT_READ:
            return
        try:
            data = conn.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            self._close(conn)
            return
        if not data:  # the client closed (or half-closed) its side
            if conn.state == _READING and conn.buf.strip() and conn.request is None:
                # e.g. `printf 'GARBAGE' | nc`: the client can still read an answer.
                self._refuse(conn, _BadRequest(400, "the request ended before its blank line: "
                                                    "expected 'GET /api/<endpoint> HTTP/1.1' "
                                                    "and headers, each line ending in CRLF"))
            else:
                self._close(conn)  # gave up waiting, or done reading the answer
            return
        if conn.state == _READING:
            conn.buf += data
            self._read_request(conn)
        # Waiting, lingering: whatever else the client sends is dropped.

    def _read_request(self, conn: _Conn) -> None:
        try:
            if conn.request is None:
                # Empty lines before the request line are allowed (RFC 9112 2.2).
                while conn.buf[:2] == b"\r\n" or conn.buf[:1] == b"\n":
                    del conn.buf[:2 if conn.buf[:1] == b"\r" else 1]
                first = conn.buf.find(b"\n")
                if (first if first >= 0 else len(conn.buf)) > _MAX_REQUEST_LINE:
                    raise _BadRequest(414, f"request line over the {_MAX_REQUEST_LINE}-byte limit")
                if first >= 0:  # judge the request line as soon as it is complete
                    _check_request_line(bytes(conn.buf[:first]).rstrip(b"\r"))
                end, body_start = _find_head_end(conn.buf)
                if end < 0:
                    if len(conn.buf) > MAX_HEAD_BYTES:
                        raise _BadRequest(431, f"request head over the {MAX_HEAD_BYTES}-byte "
                                               f"limit")
                    return
                if end > MAX_HEAD_BYTES:
                    raise _BadRequest(431, f"request head over the {MAX_HEAD_BYTES}-byte limit")
                request = _parse_head(bytes(conn.buf[:end]))
                self._screen(request)
                conn.request = request
                conn.body_end = body_start + self._body_length(request)
            if len(conn.buf) < conn.body_end:
                return  # the rest of the body is still coming (within request_timeout)
        except _BadRequest as exc:
            self._refuse(conn, exc)
            return
        self._dispatch(conn, conn.request)

    def _screen(self, request: _Request) -> None:
        """Refuse what a browser tab sends to a local port: a Host that is not this server
        (DNS rebinding), a foreign Origin, a cross-site fetch."""
        host = request.header("host")
        if host is None:
            if request.version != "HTTP/1.0":
                raise _BadRequest(400, "an HTTP/1.1 request needs a Host header, e.g. "
                                       f"'Host: 127.0.0.1:{self.port}'")
        elif self._check_host and not _is_loopback_host_header(host, self.port):
            raise _BadRequest(421, (
                f"Host {host[:100]!r} is not this server: the hook API answers only requests "
                f"addressed to a loopback name or address with port {self.port} (e.g. "
                f"'Host: 127.0.0.1:{self.port}'), so a web page whose domain name points at this "
                f"machine cannot read it"))
        origin = request.header("origin")
        if origin is not None and (host is None or origin.lower() != f"http://{host.lower()}"):
            raise _BadRequest(403, (
                f"cross-origin request from Origin {origin[:100]!r} refused: the hook API "
                f"answers tools and tests, not web pages"))
        fetch_site = request.header("sec-fetch-site")
        if fetch_site is not None and fetch_site.lower() not in ("same-origin", "none"):
            raise _BadRequest(403, (
                f"request sent by a web page (Sec-Fetch-Site: {fetch_site[:40]}) refused: the "
                f"hook API answers tools and tests, not web pages"))

    def _body_length(self, request: _Request) -> int:
        """The body's length, to read and drop (no endpoint takes one); refuse big or chunked."""
        if request.header("transfer-encoding") is not None:
            raise _BadRequest(411, "chunked request bodies are not accepted; the hook API takes "
                                   "no body")
        length = request.header("content-length")
        if length is None:
            return 0
        if not (length.isascii() and length.isdigit()):
            raise _BadRequest(400, f"bad Content-Length header {length[:40]!r}")
        size = int(length)
        if size > MAX_BODY_BYTES:
            raise _BadRequest(413, f"request body of {size} bytes is over the {MAX_BODY_BYTES}-"
                                   f"byte limit; the hook API takes no body")
        return size

    def _dispatch(self, conn: _Conn, request: _Request) -> None:
        head_only = request.method == "HEAD"
        if request.method != "GET":
            self._send(conn, _response(405, {"error": (
                f"method {request.method} is not allowed; the hook API is read-only, use GET")},
                (("Allow", "GET"),), head_only=head_only))
            return
        if not self._check_auth(request.headers.get("authorization")):
            self._send(conn, _response(401, {"error": "missing or wrong token: send the header "
                                                      "'Authorization: Bearer <token>'"},
                                       (("WWW-Authenticate", 'Bearer realm="imwarmup"'),)))
            return
        split = urllib.parse.urlsplit(request.target)
        try:
            query = urllib.parse.parse_qs(split.query, keep_blank_values=True, strict_parsing=True) \
                if split.query else {}
        except ValueError as exc:
            self._send(conn, _response(400, {"error": f"malformed query string {split.query!r}: "
                                                      f"{exc}"}))
            return
        try:
            status, body = self._route(split.path, query)
        except Exception as exc:  # noqa: BLE001 - the app's state raised: report, keep serving
            status, body = 500, {"error": f"{type(exc).__name__}: {exc}"}
        if status == 0:
            self._start_waiting(conn, body)
        else:
            self._send(conn, _response(status, body))

    def _route(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        """(status, JSON body); status 0 means "wait", with the timeout as the body."""
        if path == "/api/warmup_wait":
            unknown = sorted(set(query) - {"timeout"})
            if unknown:
                return 400, {"error": f"unknown query parameter {unknown[0]!r}; "
                                      f"/api/warmup_wait takes only timeout=S"}
            values = query.get("timeout")
            if not values:
                return 400, {"error": "missing query parameter 'timeout': use "
                                      "/api/warmup_wait?timeout=S with S seconds in [0, 60]"}
            if len(values) > 1:
                return 400, {"error": "query parameter 'timeout' given more than once"}
            try:
                timeout = float(values[0])
            except ValueError:
                timeout = math.nan
            if not (0.0 <= timeout <= MAX_WAIT_TIMEOUT):  # NaN fails this too
                return 400, {"error": f"timeout must be a number of seconds in [0, "
                                      f"{MAX_WAIT_TIMEOUT:g}], got {values[0]!r}"}
            return 0, timeout
        if query:
            return 400, {"error": f"{path} takes no query parameters, got "
                                  f"{', '.join(sorted(query))}"}
        answer = _ROUTES.get(path)
        if answer is None:
            return 404, {"error": f"no endpoint {path!r}; the endpoints are {', '.join(_ENDPOINTS)}"}
        return 200, answer(self._controller)

    def _warmup_done(self) -> bool:
        try:
            return bool(self._controller.wait_for_warmup(0))
        except Exception:  # noqa: BLE001 - the waiters' own answer will report the error
            return True

    def _start_waiting(self, conn: _Conn, timeout: float) -> None:
        if timeout > 0 and not self._controller.wait_for_warmup(0):
            if len(self._waiters) >= self._max_waiters:
                self._send(conn, _response(503, {"error": (
                    f"too many concurrent warmup_wait requests ({self._max_waiters} already "
                    f"waiting); retry shortly")}, (("Retry-After", "1"),)))
                return
            conn.state = _WAITING
            conn.deadline = time.monotonic() + timeout
            self._next_deadline = min(self._next_deadline, conn.deadline)
            self._waiters.add(conn)
            return
        self._send(conn, self._wait_answer())

    def _wait_answer(self) -> bytes:
        done = bool(self._controller.wait_for_warmup(0))
        return _response(200, {"done": done, "status": self._controller.warmup_status()})

    def _answer_waiters(self, waiters: Any = None) -> None:
        waiters = list(self._waiters if waiters is None else waiters)
        try:
            data = self._wait_answer()  # one answer for all: they ask the same question
        except Exception as exc:  # noqa: BLE001 - the app's state raised: report, keep serving
            data = _response(500, {"error": f"{type(exc).__name__}: {exc}"})
        for conn in waiters:
            self._waiters.discard(conn)
            self._guarded(self._send, conn, data)

    def _expire(self, now: float) -> None:
        """Act on every deadline that has passed; find the next one."""
        due_waiters = []
        next_deadline = math.inf
        for conn in list(self._conns):
            if conn.deadline > now:
                next_deadline = min(next_deadline, conn.deadline)
            elif conn.state == _WAITING:
                due_waiters.append(conn)
            elif conn.state == _READING:
                self._refuse(conn, _BadRequest(408, (
                    f"the request did not arrive within {self._request_timeout:g} s; send the "
                    f"whole request at once")))
                if conn.state == _LINGERING or conn.state == _WRITING:
                    next_deadline = min(next_deadline, conn.deadline)
            else:  # writing to a client that does not read, or lingering: done with it
                self._close(conn)
        self._next_deadline = next_deadline
        if due_waiters:
            self._answer_waiters(due_waiters)

    def _refuse(self, conn: _Conn, exc: _BadRequest) -> None:
        self._send(conn, _response(exc.status, {"error": exc.message}, exc.headers))

    def _send(self, conn: _Conn, data: bytes) -> None:
        conn.state = _WRITING
        conn.out = memoryview(data)
        conn.buf = bytearray()  # the request is done with; drop it
        conn.deadline = time.monotonic() + _WRITE_TIMEOUT
        self._next_deadline = min(self._next_deadline, conn.deadline)
        self._flush(conn)

    def _flush(self, conn: _Conn) -> None:
        assert self._selector is not None
        try:
            sent = conn.sock.send(conn.out)
        except BlockingIOError:
            sent = 0
        except OSError:  # reset, broken pipe: the client is gone
            self._close(conn)
            return
        conn.out = conn.out[sent:]
        if conn.out:
            self._selector.modify(conn.sock, selectors.EVENT_WRITE, conn)
            return
        # All sent: half-close, then read and drop what the client still sends until it
        # closes or _LINGER_SECONDS pass, so the close cannot reset the answer away.
        try:
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self._close(conn)
            return
        self._uncount(conn)
        conn.state = _LINGERING
        conn.deadline = time.monotonic() + _LINGER_SECONDS
        self._next_deadline = min(self._next_deadline, conn.deadline)
        self._selector.modify(conn.sock, selectors.EVENT_READ, conn)

    def _uncount(self, conn: _Conn) -> None:
        if conn.counted:
            conn.counted = False
            self._counted -= 1

    def _close(self, conn: _Conn) -> None:
        if conn not in self._conns:
            return
        self._conns.discard(conn)
        self._waiters.discard(conn)
        self._uncount(conn)
        try:
            if self._selector is not None:
                self._selector.unregister(conn.sock)
        except (KeyError, ValueError):
            pass
        conn.sock.close()

    def _check_auth(self, values: list[str] | None) -> bool:
        if self._token is None:
            return True
        if not values or len(values) != 1:
            return False
        scheme, _, value = values[0].partition(" ")
        if scheme.lower() != "bearer":
            return False
        try:
            given = value.strip().encode("ascii")
        except UnicodeEncodeError:
            return False
        return hmac.compare_digest(given, self._token)


def _nothing() -> None:
    """The loop's sentinel job (see ``HookServer.start``)."""


def start_hook_server_for_demo(controller: Any, port: int, port_file: str | os.PathLike | None = None,
                               *, token: str | None = None, stream: Any = None) -> HookServer:
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


# ------------------------------------------------------------------------------------ client
class HookClient:
    """Asks a running app's ``HookServer`` about its warmup (``urllib`` only).

    Args:
        url: the server's base URL, ``http://HOST:PORT`` (what ``HookServer.url`` gives).
        token: the bearer token, if the server requires one.

    Raises:
        TypeError: ``url`` is not a str.
        ValueError: ``url`` is not ``http://HOST:PORT`` (other schemes, paths, queries), or the
            token is empty or has whitespace or non-ASCII characters.
    """

    def __init__(self, url: str, token: str | None = None) -> None:
        if not isinstance(url, str):
            raise TypeError(f"HookClient(): url must be a str like 'http://127.0.0.1:8765', got {url!r}")
        split = urllib.parse.urlsplit(url)
        try:
            port = split.port
        except ValueError:
            port = None
        if split.scheme != "http" or not split.hostname or port is None \
                or split.path not in ("", "/") or split.query or split.fragment:
            raise ValueError(
                f"HookClient(): url must be 'http://HOST:PORT' with no path, got {url!r} "
                f"(use HookServer.url or the 'imwarmup hooks:' line the app printed)"
            )
        if token is not None:
            _check_token(token, "HookClient()")
        self.url = url.rstrip("/")
        self._token = token

    def __repr__(self) -> str:
        return f"HookClient({self.url!r}{', token=...' if self._token else ''})"

    def health(self, *, timeout: float = 5.0) -> dict[str, Any]:
        """``{"ok": true}`` when the server is up.

        Raises:
            HookHTTPError: an error status (401 for a missing or wrong token).
            HookConnectionError: the server cannot be reached.
        """
        return self._get("/api/health", timeout=timeout)

    def warmup_status(self) -> dict[str, list[str]]:
        """``{"pending": [...], "completed": [...], "failed": [...]}``. Raises as ``health()``."""
        return self._get("/api/warmup_status")

    def wait_for_warmup(self, timeout: float) -> bool:
        """Block until the app's warmup is done or ``timeout`` seconds pass; True when done.

        Returns a bool (like ``WarmupController.wait_for_warmup``) so ``assert
        client.wait_for_warmup(30)`` means what it says; call ``warmup_status()`` for details.

        Args:
            timeout: seconds, a number in [0, 60].

        Raises:
            TypeError, ValueError: ``timeout`` is not a number in [0, 60].
            HookHTTPError, HookConnectionError: as ``health()``.
        """
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
            raise TypeError(f"wait_for_warmup(): timeout must be a number of seconds, got {timeout!r}")
        if not 0 <= timeout <= MAX_WAIT_TIMEOUT:
            raise ValueError(
                f"wait_for_warmup(): timeout must be in [0, {MAX_WAIT_TIMEOUT:g}] seconds, got "
                f"{timeout!r}; call it again to wait longer"
            )
        body = self._get(f"/api/warmup_wait?timeout={float(timeout)!r}", timeout=timeout + 10.0)
        return bool(body["done"])

    def canaries(self) -> list[dict[str, Any]]:
        """Every canary record of the app's warmup. Raises as ``health()``."""
        return self._get("/api/canaries")

    def io_pool_status(self) -> dict[str, Any]:
        """The app's warmup pool: sizes, worker names, job counts. Raises as ``health()``."""
        return self._get("/api/io_pool_status")

    def startup_profile(self) -> dict[str, Any]:
        """The app's ``StartupProfiler.report()``. Raises as ``health()``."""
        return self._get("/api/startup_profile")

    def wait_for_server(self, timeout: float = 15.0) -> dict[str, Any]:
        """Poll ``/api/health`` until the server answers or ``timeout`` seconds pass.

        Returns:
            The health answer, ``{"ok": true}``.

        Raises:
            ValueError: ``timeout`` is negative or not a number.
            HookHTTPError: the server answered with an error (e.g. 401: the token is wrong);
                retrying cannot help, so this raises at once.
            HookServerUnavailable: no answer in time (the message has the last error).
        """
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout >= 0:
            raise ValueError(f"wait_for_server(): timeout must be a number >= 0, got {timeout!r}")
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while True:
            try:
                return self.health(timeout=max(0.5, min(5.0, deadline - time.monotonic())))
            except HookConnectionError as exc:
                last = exc
            if time.monotonic() >= deadline:
                raise HookServerUnavailable(
                    f"no hook server answered at {self.url}/api/health within {timeout:g} s "
                    f"(last error: {last}); is the app running and started with its hook port?"
                )
            time.sleep(0.05)  # polling another process: there is nothing to wait on here

    def _get(self, path: str, *, timeout: float = 10.0) -> Any:
        # Imported here, not at the top: an app that only serves never pays for urllib.request
        # (~8 ms); the client runs in test suites and tools, where it does not matter.
        import http.client
        import urllib.error
        import urllib.request

        url = self.url + path
        request = urllib.request.Request(url, method="GET")
        if self._token is not None:
            request.add_header("Authorization", f"Bearer {self._token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                data = response.read()
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            exc.close()
            try:
                error = json.loads(raw)["error"]
            except (ValueError, KeyError, TypeError):
                error = raw.decode("utf-8", "replace")[:200]
            raise HookHTTPError(exc.code, error, url) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            raise HookConnectionError(f"cannot reach the hook server at {url}: {reason}") from exc
        try:
            return json.loads(data)
        except ValueError as exc:
            raise HookConnectionError(f"{url} did not answer JSON: {data[:200]!r}") from exc


# ----------------------------------------------------------------------------------- helpers
def _stop_at_interpreter_exit(server: HookServer) -> None:
    # At exit, concurrent.futures joins every pool thread *before* the main thread is marked
    # stopped, so an app that never calls stop() would hang there on the accept loop. The hook
    # concurrent.futures itself uses to run first is threading._register_atexit (private, hence
    # the getattr): callbacks registered later run earlier, so ours ends the loop before the join.
    register = getattr(threading, "_register_atexit", None)
    if register is None:
        return  # the main-thread check in _should_stop() is the fallback
    ref = weakref.ref(server)

    def stop_server() -> None:
        live = ref()
        if live is not None:
            live._request_stop()

    try:
        register(stop_server)
    except RuntimeError:  # "can't register atexit after shutdown": the loop sees it anyway
        pass


def _check_token(token: Any, where: str) -> None:
    if not isinstance(token, str):
        raise TypeError(f"{where}: token must be a str or None, got {type(token).__name__}")
    if not token or not token.isascii() or not token.isprintable() or any(c.isspace() for c in token):
        raise ValueError(
            f"{where}: token must be non-empty printable ASCII without spaces (it travels in an "
            f"HTTP header), got a {len(token)}-character value that is not"
        )


def _is_ipv6(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).version == 6
    except ValueError:
        return False


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # another host name: it may resolve anywhere


def _is_loopback_host_header(value: str, port: int) -> bool:
    """True when a ``Host`` header names a loopback name or address with ``port``:
    ``127.0.0.1:PORT``, ``localhost:PORT``, ``[::1]:PORT`` (no port means 80)."""
    value = value.strip()
    if value.startswith("["):
        host, sep, rest = value[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            return False
        port_text = rest[1:] if rest else "80"
    else:
        host, sep, port_text = value.rpartition(":")
        if not sep:
            host, port_text = value, "80"
    if not (port_text.isascii() and port_text.isdigit()) or int(port_text) != port:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # another name: it may resolve anywhere (that is the rebinding attack)
