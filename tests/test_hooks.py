"""The hook API over real HTTP on loopback: endpoints, errors, token, waiters, threads."""

from __future__ import annotations

import http.client
import io
import json
import re
import socket
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from imwarmup.core.controller import WarmupController
from imwarmup.core.hooks import (
    HookClient,
    HookConnectionError,
    HookHTTPError,
    HookServer,
    HookServerUnavailable,
)
from imwarmup.demo_hooks import start_hook_server_for_demo


# ------------------------------------------------------------------------------------ helpers
class Gates:
    """Generated modules whose import blocks until the test opens their gate."""

    def __init__(self, tmp_path, monkeypatch) -> None:
        self.tag = f"hookgate_{uuid.uuid4().hex[:8]}"
        self.names: list[str] = []
        (tmp_path / f"{self.tag}_ctl.py").write_text(
            "import threading\nrelease = threading.Event()\n"
        )
        monkeypatch.syspath_prepend(str(tmp_path))
        self.tmp_path = tmp_path
        self.ctl = __import__(f"{self.tag}_ctl")

    def module(self) -> str:
        name = f"{self.tag}_{len(self.names)}"
        (self.tmp_path / f"{name}.py").write_text(
            f"from {self.tag}_ctl import release\n"
            f"assert release.wait(30), 'the test never opened the gate'\n"
        )
        self.names.append(name)
        return name

    def open(self) -> None:
        self.ctl.release.set()

    def cleanup(self) -> None:
        self.open()
        for name in [*self.names, f"{self.tag}_ctl"]:
            sys.modules.pop(name, None)


@pytest.fixture
def gates(tmp_path, monkeypatch):
    g = Gates(tmp_path, monkeypatch)
    yield g
    g.cleanup()


@pytest.fixture
def controller():
    c = WarmupController(log_to_stderr=False)
    yield c
    c.shutdown(wait=True)


@pytest.fixture
def server(controller):
    with HookServer(controller) as s:
        yield s


def raw(server: HookServer, method: str, path: str, headers=None, body=None):
    """One request with http.client: (status, headers, parsed JSON or None for HEAD)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, response, (json.loads(data) if data else None)
    finally:
        conn.close()


def wait_until(predicate, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(0.01)


# ---------------------------------------------------------------------------------- endpoints
def test_every_endpoint_answers_json(controller, gates):
    slow = gates.module()
    controller.add_modules([slow, "json"])
    with HookServer(controller) as server:
        client = HookClient(server.url)
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url)
        assert client.health() == {"ok": True}
        assert client.warmup_status() == {"pending": [], "completed": [], "failed": [],
                                          "cancelled": []}
        assert client.wait_for_warmup(0) is False  # nothing submitted yet

        controller.start()
        wait_until(lambda: "json" in controller.warmup_status()["completed"], what="json warmed")
        assert client.warmup_status() == {"pending": [slow], "completed": ["json"], "failed": [],
                                          "cancelled": []}
        assert client.wait_for_warmup(0.05) is False
        canaries = client.canaries()
        assert [c["module"] for c in canaries] == [slow, "json"]
        assert canaries[0]["status"] == "running"
        pool = client.io_pool_status()
        assert pool["max_workers"] == 4 and pool["thread_name_prefix"] == "controller-io"
        assert {"total_ms", "critical_path_ms", "phases", "marks"} <= set(client.startup_profile())

        gates.open()
        assert client.wait_for_warmup(10) is True
        status, response, body = raw(server, "GET", "/api/warmup_wait?timeout=0")
        assert status == 200 and response.headers["Content-Type"] == "application/json"
        assert body == {"done": True, "status": {"pending": [], "completed": ["json", slow],
                                                 "failed": [], "cancelled": []}}
        phases = client.startup_profile()["phases"]
        assert {p["name"] for p in phases} == {f"warmup:{slow}", "warmup:json"}
        for path in ("/api/health", "/api/warmup_status", "/api/canaries",
                     "/api/io_pool_status", "/api/startup_profile"):
            status, response, _ = raw(server, "GET", path)
            assert (status, response.headers["Content-Type"]) == (200, "application/json"), path


@pytest.mark.parametrize(
    "path, status, message",
    [
        ("/nope", 404, "no endpoint '/nope'"),
        ("/api", 404, "no endpoint"),
        ("/api/warmup_wait", 400, "missing query parameter 'timeout'"),
        ("/api/warmup_wait?timeout=-1", 400, "got '-1'"),
        ("/api/warmup_wait?timeout=60.5", 400, "in [0, 60]"),
        ("/api/warmup_wait?timeout=abc", 400, "got 'abc'"),
        ("/api/warmup_wait?timeout=nan", 400, "got 'nan'"),
        ("/api/warmup_wait?timeout=inf", 400, "got 'inf'"),
        ("/api/warmup_wait?timeout=", 400, "got ''"),
        ("/api/warmup_wait?timeout=1&timeout=2", 400, "more than once"),
        ("/api/warmup_wait?timeout=1&x=2", 400, "unknown query parameter 'x'"),
        ("/api/warmup_wait?timeout=1&&", 400, "malformed query string"),
        ("/api/warmup_wait?=3", 400, "unknown query parameter ''"),
        ("/api/health?verbose=1", 400, "takes no query parameters"),
    ],
)
def test_bad_requests_get_json_errors(server, path, status, message):
    got, response, body = raw(server, "GET", path)
    assert got == status
    assert response.headers["Content-Type"] == "application/json"
    assert message in body["error"]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "BREW"])
def test_other_methods_get_405(server, method):
    status, response, body = raw(server, method, "/api/warmup_status", body=b"{}")
    assert status == 405 and response.headers["Allow"] == "GET"
    assert f"method {method} is not allowed" in body["error"]


def test_head_gets_405_without_body(server):
    status, response, body = raw(server, "HEAD", "/api/health")
    assert status == 405 and body is None


def test_request_bodies_are_limited(server):
    status, _, body = raw(server, "GET", "/api/health", headers={"Content-Length": "100000"})
    assert status == 413 and "65536-byte limit" in body["error"]
    status, _, body = raw(server, "GET", "/api/health", headers={"Content-Length": "x"})
    assert status == 400 and "Content-Length" in body["error"]
    status, _, body = raw(server, "GET", "/api/health", headers={"Transfer-Encoding": "chunked"},
                          body=iter([b"ab"]))
    assert status == 411
    status, _, body = raw(server, "GET", "/api/health", body=b"small body is read and dropped")
    assert (status, body) == (200, {"ok": True})


def test_malformed_request_line_is_a_json_400(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET /api/health extra-word HTTP/1.0\r\n\r\n")
        data = b"".join(iter(lambda: sock.recv(4096), b""))
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 400")
    assert "error" in json.loads(body)


# -------------------------------------------------------------------------------------- token
def test_token_is_required_when_set(controller):
    with HookServer(controller, token="s3cret-token") as server:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic s3cret-token"},
                        {"Authorization": "Bearer"}, {"Authorization": "Bearer s3cret-token2"}):
            status, response, body = raw(server, "GET", "/api/health", headers=headers)
            assert status == 401, headers
            assert "Authorization: Bearer <token>" in body["error"]
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        status, _, body = raw(server, "GET", "/api/health",
                              headers={"Authorization": "Bearer s3cret-token"})
        assert (status, body) == (200, {"ok": True})
        # 401 comes before routing: an unauthenticated caller learns nothing about the paths.
        assert raw(server, "GET", "/nope")[0] == 401

        assert HookClient(server.url, token="s3cret-token").warmup_status()["pending"] == []
        with pytest.raises(HookHTTPError) as info:
            HookClient(server.url).warmup_status()
        assert info.value.status == 401 and "Bearer" in info.value.error
        started = time.monotonic()
        with pytest.raises(HookHTTPError):  # a wrong token is not retried until the timeout
            HookClient(server.url, token="nope").wait_for_server(timeout=10)
        assert time.monotonic() - started < 5


def test_no_token_means_no_header_needed(server):
    assert raw(server, "GET", "/api/health")[0] == 200
    assert raw(server, "GET", "/api/health", headers={"Authorization": "Bearer anything"})[0] == 200


# --------------------------------------------------------------------------- bind and misuse
@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.com", ""])
def test_non_loopback_host_needs_allow_remote(controller, host):
    with pytest.raises((ValueError, TypeError), match="allow_remote=True|non-empty"):
        HookServer(controller, host=host)


def test_allow_remote_binds_all_interfaces(controller):
    with HookServer(controller, host="0.0.0.0", allow_remote=True, token="t") as server:
        assert server.url.startswith("http://0.0.0.0:")
        assert HookClient(f"http://127.0.0.1:{server.port}", token="t").health() == {"ok": True}


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.0.0.2"])
def test_loopback_hosts_are_accepted(controller, host):
    with HookServer(controller, host=host) as server:
        assert HookClient(server.url).health() == {"ok": True}


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"port": -1}, ValueError, "0..65535"),
        ({"port": 70000}, ValueError, "0..65535"),
        ({"port": "8080"}, TypeError, "port must be an int"),
        ({"port": True}, TypeError, "port must be an int"),
        ({"token": ""}, ValueError, "token must be non-empty"),
        ({"token": "has space"}, ValueError, "without spaces"),
        ({"token": "é"}, ValueError, "ASCII"),
        ({"token": 123}, TypeError, "token must be a str"),
        ({"max_waiters": 0}, ValueError, "max_waiters"),
    ],
)
def test_bad_server_arguments(controller, kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        HookServer(controller, **kwargs)


def test_controller_must_be_a_controller():
    with pytest.raises(TypeError, match="controller must be a WarmupController"):
        HookServer(object())


def test_lifecycle_misuse(controller):
    server = HookServer(controller)
    with pytest.raises(RuntimeError, match="not started"):
        server.port
    server.start()
    with pytest.raises(RuntimeError, match="already running"):
        server.start()
    server.stop()
    server.stop()  # idempotent
    with pytest.raises(RuntimeError, match="was stopped"):
        server.start()
    assert not server.running


def test_port_in_use_is_an_os_error_naming_the_port(controller, server):
    with pytest.raises(OSError, match=f"cannot bind 127.0.0.1:{server.port}"):
        HookServer(controller, port=server.port).start()


# ------------------------------------------------------------------------------ waiters/threads
@pytest.fixture
def free_controller():
    # Four imports at once (the old schedule): what this test checks is that the hook server's
    # waiters take no warmup worker, which the one-import gate would hide.
    c = WarmupController(log_to_stderr=False, concurrency=None, history=False)
    yield c
    c.shutdown(wait=True)


def test_fifty_waiters_block_neither_status_nor_warmup(free_controller, gates):
    controller = free_controller
    slow = [gates.module() for _ in range(4)]
    controller.add_modules(slow)
    with HookServer(controller) as server:
        client = HookClient(server.url)
        controller.start()
        with ThreadPoolExecutor(50, thread_name_prefix="test-waiter") as clients:
            futures = [clients.submit(client.wait_for_warmup, 30) for _ in range(50)]
            wait_until(lambda: server.waiting == 50, what="50 blocked warmup_wait requests")

            # Status requests are answered at once while the 50 waiters block.
            started = time.monotonic()
            for _ in range(10):
                assert client.warmup_status()["pending"] == slow
            assert time.monotonic() - started < 2.0
            assert not any(f.done() for f in futures)

            # Warmup kept its full parallelism: all 4 gated imports run at once on controller-io.
            pool = client.io_pool_status()
            assert pool["max_workers"] == 4 and pool["jobs_running"] == 4
            running_on = {c["thread_name"] for c in client.canaries()}
            assert running_on == {f"controller-io-{i}" for i in range(4)}

            # The whole server is one event loop on the hooks service pool: waiters cost no thread.
            hook_threads = [t.name for t in threading.enumerate()
                            if t.name.startswith("controller-hooks-")]
            assert hook_threads == ["controller-hooks-0"]

            gates.open()
            assert [f.result(timeout=15) for f in futures] == [True] * 50
        assert server.waiting == 0
    assert set(controller.warmup_status()["completed"]) == set(slow)


def test_stop_releases_waiters_with_done_false(controller, gates):
    controller.add_modules([gates.module()])
    controller.start()
    server = HookServer(controller).start()
    client = HookClient(server.url)
    with ThreadPoolExecutor(6) as clients:
        futures = [clients.submit(client.wait_for_warmup, 60) for _ in range(5)]
        bodies = clients.submit(raw, server, "GET", "/api/warmup_wait?timeout=60")
        wait_until(lambda: server.waiting == 6, what="6 blocked warmup_wait requests")
        started = time.monotonic()
        server.stop()
        assert [f.result(timeout=5) for f in futures] == [False] * 5
        status, _, body = bodies.result(timeout=5)
        assert time.monotonic() - started < 5
    assert status == 200 and body["done"] is False
    assert body["status"]["pending"] == gates.names
    with pytest.raises(HookConnectionError):
        client.health()


def test_controller_shutdown_ends_the_server_and_its_waiters(gates):
    controller = WarmupController([gates.module()], log_to_stderr=False).start()
    server = HookServer(controller).start()
    client = HookClient(server.url)
    with ThreadPoolExecutor(2) as helpers:
        waiter = helpers.submit(client.wait_for_warmup, 60)
        wait_until(lambda: server.waiting == 1, what="a blocked warmup_wait request")
        # shutdown(wait=True) joins the hooks pool first, then the warmup pool (which waits for
        # the gated import). The waiter must answer while the gate is still closed, or the join
        # of the hooks pool would hang on it.
        shutdown = helpers.submit(controller.shutdown, True)
        assert waiter.result(timeout=5) is False
        # The loop answers the waiter as it stops: "not running" may follow the answer by a beat.
        wait_until(lambda: not server.running, timeout=5, what="the server stopped")
        gates.open()
        shutdown.result(timeout=10)
    server.stop()


def test_too_many_waiters_get_503(controller, gates):
    controller.add_modules([gates.module()])
    controller.start()
    with HookServer(controller, max_waiters=1) as server:
        with ThreadPoolExecutor(1) as clients:
            first = clients.submit(raw, server, "GET", "/api/warmup_wait?timeout=30")
            wait_until(lambda: server.waiting == 1, what="a blocked warmup_wait request")
            status, _, body = raw(server, "GET", "/api/warmup_wait?timeout=30")
            assert status == 503 and "too many concurrent warmup_wait" in body["error"]
            gates.open()
            assert first.result(timeout=10)[2]["done"] is True


def test_requests_import_nothing(server):
    # Raw sockets on the client side, so only the server could add a module.
    paths = ["/api/health", "/api/warmup_status", "/api/warmup_wait?timeout=0", "/api/canaries",
             "/api/io_pool_status", "/api/startup_profile", "/nope", "/api/health?x=1"]
    before = set(sys.modules)
    for path in paths:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(f"GET {path} HTTP/1.0\r\n\r\n".encode())
            assert b"".join(iter(lambda: sock.recv(4096), b"")).startswith(b"HTTP/1.0 ")
    assert set(sys.modules) - before == set()


# ------------------------------------------------------------------------------- client, demo
@pytest.mark.parametrize(
    "url", ["127.0.0.1:80", "https://127.0.0.1:80", "http://127.0.0.1", "http://127.0.0.1:80/api",
            "http://127.0.0.1:80?x=1", "http://:80", "http://127.0.0.1:port"],
)
def test_client_rejects_bad_urls(url):
    with pytest.raises(ValueError, match="http://HOST:PORT"):
        HookClient(url)


def test_client_argument_errors():
    with pytest.raises(TypeError, match="url must be a str"):
        HookClient(8080)
    client = HookClient("http://127.0.0.1:9/")
    assert client.url == "http://127.0.0.1:9"
    for bad, error in ((61, ValueError), (-1, ValueError), ("5", TypeError), (None, TypeError)):
        with pytest.raises(error, match="timeout"):
            client.wait_for_warmup(bad)
    with pytest.raises(ValueError, match="timeout must be a number >= 0"):
        client.wait_for_server(-1)


def test_wait_for_server_gives_up_with_a_clear_error():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = HookClient(f"http://127.0.0.1:{port}")
    started = time.monotonic()
    with pytest.raises(HookServerUnavailable, match=f"no hook server answered at {client.url}"):
        client.wait_for_server(timeout=0.3)
    assert time.monotonic() - started < 3
    with pytest.raises(HookConnectionError, match="cannot reach the hook server"):
        client.canaries()


def test_demo_helper_prints_url_and_writes_port_file(controller, tmp_path):
    out = io.StringIO()
    port_file = tmp_path / "port"
    server = start_hook_server_for_demo(controller, 0, port_file, stream=out)
    try:
        assert int(port_file.read_text()) == server.port
        assert out.getvalue() == f"imwarmup hooks: http://127.0.0.1:{server.port}\n"
        assert [p.name for p in tmp_path.iterdir()] == ["port"]  # no temporary file left
    finally:
        server.stop()
