"""``HookServer``: the event loop that serves the route table (``routes.py``) over loopback.

One ``selectors`` loop on ``controller.service_pool("hooks")`` (``controller-hooks-0``) accepts
connections, reads requests without blocking (``request.py``), answers them from the
controller's copies of its state, and answers ``warmup_wait`` requests itself when warmup
completes or their timeout passes: a slow or idle client costs a socket, never a thread.

Threads: ``start()``, ``stop()`` and the properties run on any thread; every method below the
"event loop" line runs on the loop thread alone, which owns the selector and the connections.
Other threads reach the loop only through ``_request_stop()`` and ``_on_warmup_event()``: they
set a flag and write a byte to the wake-up socket.
"""

from __future__ import annotations

import errno
import math
import selectors
import socket
import sys
import threading
import time
import urllib.parse
import weakref
from concurrent.futures import CancelledError
from typing import Any, Callable, Iterable

from .addresses import is_ipv6, is_loopback
from .auth import bearer_matches, check_token
from .connection import LINGERING, READING, WAITING, WRITING, Connection
from .request import (
    MAX_HEAD_BYTES,
    MAX_REQUEST_LINE,
    Request,
    RequestRefused,
    body_length,
    check_request_line,
    find_head_end,
    parse_head,
    screen,
)
from .response import encode_response
from .routes import Reply, Wait, route, wait_answer
from .source import NEEDED, WarmupSource

__all__ = ["HookServer"]

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

# Selector keys' data for the two sockets that are not client connections.
_LISTENER = object()
_WAKE = object()


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
        controller: WarmupSource,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        allow_remote: bool = False,
        *,
        max_waiters: int = 256,
        max_connections: int = 512,
        request_timeout: float = 5.0,
    ) -> None:
        missing = [name for name in NEEDED if not callable(getattr(controller, name, None))]
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
            check_token(token, "HookServer()")
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
        remote = not is_loopback(host)
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
        self._conns: set[Connection] = set()
        self._counted = 0  # connections counting toward max_connections
        self._waiters: set[Connection] = set()
        self._next_deadline = math.inf
        self._accept_paused_until: float | None = None

    # ---------------------------------------------------------------------------- lifecycle
    def start(self) -> HookServer:
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
        family = socket.AF_INET6 if is_ipv6(self._host) else socket.AF_INET
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
        _stop_at_interpreter_exit(weakref.WeakMethod(self._request_stop))
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

    def __enter__(self) -> HookServer:
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
        host = f"[{self._host}]" if is_ipv6(self._host) else self._host
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

    def __repr__(self) -> str:
        # Never raises, on any thread: it reads the same plain fields as the properties.
        auth = ", token required" if self._token is not None else ""
        if not self._started:
            return (f"<HookServer not started: {self._host}, port {self._requested_port}"
                    f"{' (any free port)' if self._requested_port == 0 else ''}{auth}>")
        where = self.url if self._bound_port is not None else self._host
        if not self.running:
            return f"<HookServer stopped: {where}{auth}>"
        return (f"<HookServer running at {where}: {self.connections} connections "
                f"(max {self._max_connections}), {self.waiting} waiting "
                f"(max {self._max_waiters}){auth}>")

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
            if conn.state in (READING, LINGERING):
                self._close(conn)
        if self._waiters:
            self._answer_waiters()
        deadline = time.monotonic() + _STOP_FLUSH_SECONDS
        while any(conn.state == WRITING for conn in self._conns):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            for key, mask in self._selector.select(left):
                if key.data is _WAKE:
                    self._drain_wake()
                elif isinstance(key.data, Connection) and mask & selectors.EVENT_WRITE:
                    self._guarded(self._flush, key.data)
            for conn in list(self._conns):
                if conn.state == LINGERING:  # sent: no time to linger, close now
                    self._close(conn)

    def _guarded(self, fn: Callable[..., None], conn: Connection, *args: Any) -> None:
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
                conn = Connection(sock, now + self._request_timeout, counted=True)
                self._counted += 1
                self._conns.add(conn)
                self._selector.register(sock, selectors.EVENT_READ, conn)
                self._next_deadline = min(self._next_deadline, conn.deadline)
            elif len(self._conns) < 2 * self._max_connections:
                # Over the cap: an immediate 503, sent and lingered like any answer but not
                # counted (bounded by the second cap above).
                conn = Connection(sock, now, counted=False)
                self._conns.add(conn)
                self._selector.register(sock, selectors.EVENT_READ, conn)
                self._send(conn, encode_response(503, {"error": (
                    f"too many connections ({self._max_connections} open); retry shortly")},
                    (("Retry-After", "1"),)))
            else:
                sock.close()  # twice the cap: nothing more to spend on this one

    def _on_event(self, conn: Connection, mask: int) -> None:
        if mask & selectors.EVENT_WRITE and conn.state == WRITING:
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
            if conn.state == READING and conn.buf.strip() and conn.request is None:
                # e.g. `printf 'GARBAGE' | nc`: the client can still read an answer.
                self._refuse(conn, RequestRefused(400, "the request ended before its blank line: "
                                                    "expected 'GET /api/<endpoint> HTTP/1.1' "
                                                    "and headers, each line ending in CRLF"))
            else:
                self._close(conn)  # gave up waiting, or done reading the answer
            return
        if conn.state == READING:
            conn.buf += data
            self._read_request(conn)
        # Waiting, lingering: whatever else the client sends is dropped.

    def _read_request(self, conn: Connection) -> None:
        try:
            if conn.request is None:
                # Empty lines before the request line are allowed (RFC 9112 2.2).
                while conn.buf[:2] == b"\r\n" or conn.buf[:1] == b"\n":
                    del conn.buf[:2 if conn.buf[:1] == b"\r" else 1]
                first = conn.buf.find(b"\n")
                if (first if first >= 0 else len(conn.buf)) > MAX_REQUEST_LINE:
                    raise RequestRefused(414, f"request line over the {MAX_REQUEST_LINE}-byte limit")
                if first >= 0:  # judge the request line as soon as it is complete
                    check_request_line(bytes(conn.buf[:first]).rstrip(b"\r"))
                end, body_start = find_head_end(conn.buf)
                if end < 0:
                    if len(conn.buf) > MAX_HEAD_BYTES:
                        raise RequestRefused(431, f"request head over the {MAX_HEAD_BYTES}-byte "
                                               f"limit")
                    return
                if end > MAX_HEAD_BYTES:
                    raise RequestRefused(431, f"request head over the {MAX_HEAD_BYTES}-byte limit")
                request = parse_head(bytes(conn.buf[:end]))
                screen(request, self.port, check_host=self._check_host)
                conn.request = request
                conn.body_end = body_start + body_length(request)
            if len(conn.buf) < conn.body_end:
                return  # the rest of the body is still coming (within request_timeout)
        except RequestRefused as exc:
            self._refuse(conn, exc)
            return
        self._dispatch(conn, conn.request)

    def _dispatch(self, conn: Connection, request: Request) -> None:
        head_only = request.method == "HEAD"
        if request.method != "GET":
            self._send(conn, encode_response(405, {"error": (
                f"method {request.method} is not allowed; the hook API is read-only, use GET")},
                (("Allow", "GET"),), head_only=head_only))
            return
        if not bearer_matches(request.headers.get("authorization"), self._token):
            self._send(conn, encode_response(401, {"error": "missing or wrong token: send the "
                                                            "header 'Authorization: Bearer "
                                                            "<token>'"},
                                             (("WWW-Authenticate", 'Bearer realm="imwarmup"'),)))
            return
        split = urllib.parse.urlsplit(request.target)
        try:
            query = urllib.parse.parse_qs(split.query, keep_blank_values=True, strict_parsing=True) \
                if split.query else {}
        except ValueError as exc:
            self._send(conn, encode_response(400, {"error": f"malformed query string "
                                                            f"{split.query!r}: {exc}"}))
            return
        try:
            answer = route(self._controller, split.path, query)
        except Exception as exc:  # noqa: BLE001 - the app's state raised: report, keep serving
            answer = Reply(500, {"error": f"{type(exc).__name__}: {exc}"})
        if isinstance(answer, Wait):
            self._start_waiting(conn, answer.timeout)
        else:
            self._send(conn, encode_response(answer.status, answer.body))

    def _warmup_done(self) -> bool:
        try:
            return bool(self._controller.wait_for_warmup(0))
        except Exception:  # noqa: BLE001 - the waiters' own answer will report the error
            return True

    def _start_waiting(self, conn: Connection, timeout: float) -> None:
        if timeout > 0 and not self._controller.wait_for_warmup(0):
            if len(self._waiters) >= self._max_waiters:
                self._send(conn, encode_response(503, {"error": (
                    f"too many concurrent warmup_wait requests ({self._max_waiters} already "
                    f"waiting); retry shortly")}, (("Retry-After", "1"),)))
                return
            conn.state = WAITING
            conn.deadline = time.monotonic() + timeout
            self._next_deadline = min(self._next_deadline, conn.deadline)
            self._waiters.add(conn)
            return
        self._send(conn, self._wait_answer())

    def _wait_answer(self) -> bytes:
        reply = wait_answer(self._controller)
        return encode_response(reply.status, reply.body)

    def _answer_waiters(self, waiters: Iterable[Connection] | None = None) -> None:
        waiters = list(self._waiters if waiters is None else waiters)
        try:
            data = self._wait_answer()  # one answer for all: they ask the same question
        except Exception as exc:  # noqa: BLE001 - the app's state raised: report, keep serving
            data = encode_response(500, {"error": f"{type(exc).__name__}: {exc}"})
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
            elif conn.state == WAITING:
                due_waiters.append(conn)
            elif conn.state == READING:
                self._refuse(conn, RequestRefused(408, (
                    f"the request did not arrive within {self._request_timeout:g} s; send the "
                    f"whole request at once")))
                if conn.state == LINGERING or conn.state == WRITING:
                    next_deadline = min(next_deadline, conn.deadline)
            else:  # writing to a client that does not read, or lingering: done with it
                self._close(conn)
        self._next_deadline = next_deadline
        if due_waiters:
            self._answer_waiters(due_waiters)

    def _refuse(self, conn: Connection, exc: RequestRefused) -> None:
        self._send(conn, encode_response(exc.status, {"error": exc.message}, exc.headers))

    def _send(self, conn: Connection, data: bytes) -> None:
        conn.state = WRITING
        conn.out = memoryview(data)
        conn.buf = bytearray()  # the request is done with; drop it
        conn.deadline = time.monotonic() + _WRITE_TIMEOUT
        self._next_deadline = min(self._next_deadline, conn.deadline)
        self._flush(conn)

    def _flush(self, conn: Connection) -> None:
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
        conn.state = LINGERING
        conn.deadline = time.monotonic() + _LINGER_SECONDS
        self._next_deadline = min(self._next_deadline, conn.deadline)
        self._selector.modify(conn.sock, selectors.EVENT_READ, conn)

    def _uncount(self, conn: Connection) -> None:
        if conn.counted:
            conn.counted = False
            self._counted -= 1

    def _close(self, conn: Connection) -> None:
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


def _nothing() -> None:
    """The loop's sentinel job (see ``HookServer.start``)."""



def _stop_at_interpreter_exit(stop: Callable[[], Callable[[], object] | None]) -> None:
    """Call ``stop()()`` when the interpreter exits, unless ``stop()`` is None by then.

    ``stop`` is a ``weakref.WeakMethod`` of the server's stop request, so a server nobody holds
    is not kept alive for the exit's sake.
    """
    # At exit, concurrent.futures joins every pool thread *before* the main thread is marked
    # stopped, so an app that never calls stop() would hang there on the accept loop. The hook
    # concurrent.futures itself uses to run first is threading._register_atexit (private, hence
    # the getattr): callbacks registered later run earlier, so ours ends the loop before the join.
    register = getattr(threading, "_register_atexit", None)
    if register is None:
        return  # the main-thread check in _should_stop() is the fallback

    def stop_server() -> None:
        live = stop()
        if live is not None:
            live()

    try:
        register(stop_server)
    except RuntimeError:  # "can't register atexit after shutdown": the loop sees it anyway
        pass
