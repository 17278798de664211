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
``/api/startup_profile``. Errors are ``{"error": "..."}`` with 400/401/404/405/411/413/503.

Threads: the accept loop and every request run on ``controller.service_pool("hooks")``
(``controller-hooks-0`` ...), never on the warmup workers, so warmup keeps its full parallelism;
the GUI thread never serves. No endpoint imports anything: the server only reads the
controller's copies of its state.
"""

from __future__ import annotations

import hmac
import http.client
import http.server
import ipaddress
import json
import math
import os
import selectors
import socket
import socketserver
import sys
import threading
import time
import urllib.parse
import weakref
from typing import Any

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
# How often the accept loop checks whether its pool was shut down (controller.shutdown()) or the
# interpreter is exiting; stop() itself wakes the loop at once through a socket pair.
_POLL_SECONDS = 0.25
# A client that connects and then sends nothing holds a worker for at most this long.
_REQUEST_SOCKET_TIMEOUT = 10.0

_ENDPOINTS = (
    "/api/health",
    "/api/warmup_status",
    "/api/warmup_wait",
    "/api/canaries",
    "/api/io_pool_status",
    "/api/startup_profile",
)


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


# ------------------------------------------------------------------------------------ server
class HookServer:
    """Serves the controller's warmup state as JSON over HTTP on loopback.

    Args:
        controller: a ``WarmupController`` (anything with ``warmup_status()``,
            ``wait_for_warmup()``, ``canaries()``, ``io_pool_status()``, ``profiler``,
            ``on_warmup_complete()``, ``add_listener()`` and ``service_pool()``).
        host: the address to bind; loopback (``127.0.0.1``, ``::1``, ``localhost``) by default.
        port: the TCP port; 0 picks a free one (read it back from ``port`` after ``start()``).
        token: if set, every request must carry ``Authorization: Bearer <token>`` (else 401).
        allow_remote: must be True to bind anything but loopback: the API has no TLS and tells
            anyone who can reach it about the app's internals.
        max_waiters: how many ``warmup_wait`` requests may block at once; one more gets 503.
            The service pool has room for these plus a few other requests, so waiters never
            delay a ``warmup_status`` answer.

    Raises:
        TypeError: ``controller`` lacks the methods above, or an argument has the wrong type.
        ValueError: ``port`` is outside 0..65535, ``token`` is empty or has whitespace or
            non-ASCII characters, ``max_waiters`` < 1, or ``host`` is not loopback and
            ``allow_remote`` is False.
    """

    _SPARE_WORKERS = 8  # request threads beyond the waiters: status, canaries, health ...

    def __init__(
        self,
        controller: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        allow_remote: bool = False,
        *,
        max_waiters: int = 64,
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
        if not _is_loopback(host) and not allow_remote:
            raise ValueError(
                f"HookServer(): host {host!r} is not a loopback address; the hook API has no TLS "
                f"and exposes the app's internals, so binding it beyond this machine needs "
                f"allow_remote=True (and a token)"
            )
        self._controller = controller
        self._host = host
        self._requested_port = port
        self._token = token.encode("ascii") if token is not None else None
        self._max_waiters = max_waiters
        self._lock = threading.Lock()
        # Waiters block on this condition; warmup completion, stop() and the pool's shutdown
        # notify it. It guards _stopping, _waiters and _active.
        self._changed = threading.Condition(self._lock)
        self._stopping = False
        self._started = False
        self._waiters = 0
        self._active = 0
        self._httpd: _PooledHTTPServer | None = None
        self._pool: Any = None
        self._loop_future: Any = None
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None

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
        try:
            family = socket.AF_INET6 if _is_ipv6(self._host) else socket.AF_INET
            httpd = _PooledHTTPServer(self, (self._host, self._requested_port), family)
        except OSError as exc:
            with self._lock:
                self._started = False
            raise OSError(
                exc.errno,
                f"HookServer.start(): cannot bind {self._host}:{self._requested_port}: "
                f"{exc.strerror or exc}; pick another port or use port=0 for a free one",
            ) from exc
        try:
            # 1 accept loop + every allowed waiter + spare workers for the quick endpoints. The
            # pool starts threads only when work arrives, so an idle server costs one thread.
            pool = self._controller.service_pool(
                "hooks", max_workers=1 + self._max_waiters + self._SPARE_WORKERS
            )
        except BaseException:
            httpd.server_close()
            with self._lock:
                self._started = False
            raise
        self._httpd = httpd
        self._pool = pool
        self._wake_r, self._wake_w = socket.socketpair()
        # Waiters are woken by events, not polling: a canary finishing (listeners survive a
        # manager reset) and the round's completion callback (covers cancelled jobs too).
        # (The manager cannot drop a listener; after stop() this one only notifies a condition
        # nobody waits on.)
        self._controller.add_listener(self._on_warmup_event)
        self._controller.on_warmup_complete(self._on_warmup_event)
        self._loop_future = pool.submit(self._serve)
        _stop_at_interpreter_exit(self)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving: blocked ``warmup_wait`` requests answer ``{"done": false}`` at once,
        requests in flight get up to ``timeout`` seconds to finish, then the socket closes.

        Safe to call twice, or before ``start()``.

        Args:
            timeout: seconds to wait for the accept loop and in-flight requests.
        """
        already = self._request_stop()
        if already or self._httpd is None:
            return
        deadline = time.monotonic() + max(0.0, timeout)
        try:
            self._loop_future.result(timeout=max(0.0, deadline - time.monotonic()))
        except Exception:  # noqa: BLE001 - a timed-out or failed loop must not stop the close
            pass
        with self._changed:
            self._changed.wait_for(lambda: self._active == 0, max(0.0, deadline - time.monotonic()))
        self._httpd.server_close()
        for sock in (self._wake_r, self._wake_w):
            if sock is not None:
                sock.close()

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
        if self._httpd is None:
            raise RuntimeError("HookServer.port: the server is not started; call start() first")
        return self._httpd.server_address[1]

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
        """How many ``warmup_wait`` requests are blocked right now."""
        with self._lock:
            return self._waiters

    @property
    def running(self) -> bool:
        """True between ``start()`` and ``stop()`` (or the controller's shutdown)."""
        return self._started and not self._stopping

    # ---------------------------------------------------------------------------- serving
    def _serve(self) -> None:
        httpd = self._httpd
        assert httpd is not None and self._wake_r is not None
        httpd.timeout = 0  # handle_request() below must not block: select() already said ready
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(httpd, selectors.EVENT_READ)
                selector.register(self._wake_r, selectors.EVENT_READ)
                while not self._should_stop():
                    for key, _ in selector.select(_POLL_SECONDS):
                        if key.fileobj is httpd:
                            httpd.handle_request()
        finally:
            # Whatever ended the loop (stop(), the controller's shutdown, interpreter exit),
            # blocked waiters must answer now: a pool shutting down joins their threads.
            with self._changed:
                self._stopping = True
                self._changed.notify_all()

    def _should_stop(self) -> bool:
        if self._stopping:
            return True
        # controller.shutdown() shuts the service pool down and joins its threads: notice it, so
        # the join does not hang on this loop.
        if self._pool.status()["shutdown"]:
            return True
        # The interpreter is exiting (the main thread has finished but nobody called stop()):
        # the pool's threads are joined at exit, so leave instead of keeping the process alive.
        return not threading.main_thread().is_alive()

    def _request_stop(self) -> bool:
        """Flag the stop, release the waiters and wake the accept loop; True if already flagged."""
        with self._changed:
            already = self._stopping
            self._stopping = True
            self._changed.notify_all()
        self._wake()
        return already

    def _wake(self) -> None:
        try:
            if self._wake_w is not None:
                self._wake_w.send(b"x")
        except OSError:
            pass

    def _on_warmup_event(self, _arg: Any) -> None:
        with self._changed:
            self._changed.notify_all()

    def _check_auth(self, header: str | None) -> bool:
        if self._token is None:
            return True
        if not header:
            return False
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer":
            return False
        try:
            given = value.strip().encode("ascii")
        except UnicodeEncodeError:
            return False
        return hmac.compare_digest(given, self._token)

    def _request_started(self) -> None:
        with self._lock:
            self._active += 1

    def _request_finished(self) -> None:
        with self._changed:
            self._active -= 1
            self._changed.notify_all()

    def _wait_for_warmup(self, timeout: float) -> dict[str, Any] | None:
        """Block until warmup is done, ``timeout`` passes or the server stops; None when too
        many waiters already block (the caller answers 503)."""
        with self._changed:
            if self._waiters >= self._max_waiters:
                return None
            self._waiters += 1
            try:
                self._changed.wait_for(
                    lambda: self._stopping or self._controller.wait_for_warmup(0), timeout
                )
            finally:
                self._waiters -= 1
        done = bool(self._controller.wait_for_warmup(0))
        return {"done": done, "status": self._controller.warmup_status()}

    def _answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        """Route one GET; returns (status, JSON body)."""
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
            result = self._wait_for_warmup(timeout)
            if result is None:
                return 503, {"error": f"too many concurrent warmup_wait requests "
                                      f"({self._max_waiters} already waiting); retry shortly"}
            return 200, result
        if query:
            return 400, {"error": f"{path} takes no query parameters, got "
                                  f"{', '.join(sorted(query))}"}
        controller = self._controller
        if path == "/api/health":
            return 200, {"ok": True}
        if path == "/api/warmup_status":
            return 200, controller.warmup_status()
        if path == "/api/canaries":
            return 200, controller.canaries()
        if path == "/api/io_pool_status":
            return 200, controller.io_pool_status()
        if path == "/api/startup_profile":
            return 200, controller.profiler.report()
        return 404, {"error": f"no endpoint {path!r}; the endpoints are {', '.join(_ENDPOINTS)}"}


class _PooledHTTPServer(http.server.HTTPServer):
    """An HTTP server whose requests each run on the hook server's service pool.

    Like ``ThreadingHTTPServer`` but with named, bounded pool threads (``controller-hooks-N``)
    instead of a fresh ``threading.Thread`` per request.
    """

    allow_reuse_address = False  # port=0 picks a fresh port; a fixed port must really be free

    def __init__(self, owner: HookServer, address: tuple[str, int], family: int) -> None:
        self.address_family = family
        self.owner = owner
        super().__init__(address, _HookRequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        try:
            self.owner._pool.submit(self._process_on_worker, request, client_address)
        except RuntimeError:  # the pool is shut down: the controller is closing
            self.shutdown_request(request)

    def _process_on_worker(self, request: Any, client_address: Any) -> None:
        self.owner._request_started()
        try:
            self.finish_request(request, client_address)
        except Exception:  # noqa: BLE001 - one bad request must not end the worker
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            self.owner._request_finished()

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return  # the client went away: nothing to report
        super().handle_error(request, client_address)  # prints the traceback to stderr


class _HookRequestHandler(http.server.BaseHTTPRequestHandler):
    server: _PooledHTTPServer
    server_version = "imwarmup-hooks"
    sys_version = ""
    protocol_version = "HTTP/1.0"  # one request per connection: no idle keep-alive threads
    timeout = _REQUEST_SOCKET_TIMEOUT

    def __getattr__(self, name: str) -> Any:
        # BaseHTTPRequestHandler looks up do_<METHOD> and answers 501 when it is missing; every
        # method but GET is a 405 here, so any do_* lookup lands on one handler.
        if name.startswith("do_"):
            return self._method_not_allowed
        raise AttributeError(name)

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        owner = self.server.owner
        if not self._body_ok():
            return
        if not owner._check_auth(self.headers.get("Authorization")):
            self._send_json(401, {"error": "missing or wrong token: send the header "
                                           "'Authorization: Bearer <token>'"},
                            {"WWW-Authenticate": 'Bearer realm="imwarmup"'})
            return
        split = urllib.parse.urlsplit(self.path)
        try:
            query = urllib.parse.parse_qs(split.query, keep_blank_values=True, strict_parsing=True) \
                if split.query else {}
        except ValueError as exc:
            self._send_json(400, {"error": f"malformed query string {split.query!r}: {exc}"})
            return
        try:
            status, body = owner._answer(split.path, query)
        except Exception as exc:  # noqa: BLE001 - the app's state raised: report, keep serving
            status, body = 500, {"error": f"{type(exc).__name__}: {exc}"}
        self._send_json(status, body)

    def _method_not_allowed(self) -> None:
        if not self._body_ok():
            return
        self._send_json(405, {"error": f"method {self.command} is not allowed; the hook API is "
                                       f"read-only, use GET"}, {"Allow": "GET"})

    def _body_ok(self) -> bool:
        """Read and drop a small request body; refuse big or chunked ones (no endpoint takes one)."""
        if self.headers.get("Transfer-Encoding"):
            self._send_json(411, {"error": "chunked request bodies are not accepted; the hook "
                                           "API takes no body"})
            return False
        length = self.headers.get("Content-Length")
        if length is None:
            return True
        try:
            size = int(length)
            if size < 0:
                raise ValueError
        except ValueError:
            self._send_json(400, {"error": f"bad Content-Length header {length!r}"})
            return False
        if size > MAX_BODY_BYTES:
            self._send_json(413, {"error": f"request body of {size} bytes is over the "
                                           f"{MAX_BODY_BYTES}-byte limit; the hook API takes no body"})
            return False
        if size:
            # Read it so closing the socket does not reset the connection before the client
            # has read the answer.
            self.rfile.read(size)
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # http.server's own errors (bad request line, header too long ...) as JSON too.
        self.close_connection = True
        self._send_json(code, {"error": message or explain or f"HTTP {code}"})

    def _send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        try:
            data = json.dumps(body, default=str).encode("utf-8")
        except (TypeError, ValueError) as exc:
            status, data = 500, json.dumps({"error": f"cannot encode the answer: {exc}"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        pass  # one stderr line per request would drown the warmup log


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
