"""The hook API against hostile or careless clients (issue 11): DNS rebinding, remote binding
without a token, slowloris, bursts of waiters, malformed request lines, a controller shut down
under a running server. Real sockets on loopback."""

from __future__ import annotations

import json
import resource
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from imwarmup.core.controller import WarmupController
from imwarmup.core.hooks import HookClient, HookServer

from test_hooks import controller, gates, server, wait_until  # noqa: F401 - fixtures

SLOW_HEAD = b"GET /api/health HTTP/1.0\r\nX: "  # a head that never ends: what slowloris sends


@pytest.fixture(autouse=True)
def enough_file_descriptors():
    # Some tests open a few hundred sockets at once (both ends live in this process).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, 4096)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    yield
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def exchange(port: int, data: bytes, *, timeout: float = 5.0, half_close: bool = False) -> bytes:
    """Send raw bytes, read until the server closes; what it answered."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        return b"".join(iter(lambda: sock.recv(65536), b""))


def parse(answer: bytes) -> tuple[int, dict[str, str], object]:
    """(status, headers, JSON body) of a raw answer; fails if it is not HTTP with a JSON body."""
    head, sep, body = answer.partition(b"\r\n\r\n")
    assert sep, f"no HTTP head in {answer[:200]!r}"
    status_line, *lines = head.decode("latin-1").split("\r\n")
    assert status_line.startswith("HTTP/1."), f"no status line in {answer[:200]!r}"
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    assert headers["content-type"] == "application/json"
    return int(status_line.split()[1]), headers, json.loads(body)


def get(port: int, path: str, headers: dict[str, str] | None = None, version: str = "1.1",
        timeout: float = 5.0) -> tuple[int, dict[str, str], object]:
    lines = [f"GET {path} HTTP/{version}", *(f"{k}: {v}" for k, v in (headers or {}).items())]
    return parse(exchange(port, ("\r\n".join(lines) + "\r\n\r\n").encode(), timeout=timeout))


def open_slow_clients(port: int, count: int) -> list[socket.socket]:
    socks = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(SLOW_HEAD)
        socks.append(sock)
    return socks


def health_within(port: int, seconds: float) -> bool:
    """True when /api/health answers 200 within ``seconds`` (connect included)."""
    try:
        status, _, body = get(port, "/api/health", {"Host": f"127.0.0.1:{port}"}, timeout=seconds)
    except OSError:
        return False
    return (status, body) == (200, {"ok": True})


def refused(port: int) -> bool:
    """True once nothing listens on ``port``. A connection the kernel queued just as the server
    closed its listening socket is reset instead: not closed yet, ask again."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    except ConnectionResetError:
        return False
    return False


# ------------------------------------------------------------------------------ DNS rebinding
def test_requests_addressed_to_another_host_get_421_and_no_data(controller, server):
    controller.add_modules(["json"])
    controller.start()
    assert controller.wait_for_warmup(10)
    port = server.port
    for host in (f"attacker.example:{port}", f"127.0.0.1.nip.io:{port}", f"127.0.0.1:{port + 1}",
                 "127.0.0.1", "localhost", f"localhost.:{port}", f"2130706433:{port}",
                 f"[::2]:{port}", f"127.0.0.1:{port}@evil", ""):
        status, _, body = get(port, "/api/canaries", {"Host": host,
                                                       "Origin": f"http://{host}"})
        assert status == 421, host
        assert "loopback" in body["error"] and "json" not in json.dumps(body), host
    # What a tool or test sends is answered: loopback names and addresses with this port.
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}",
                 f"127.0.0.2:{port}", f"[::1]:{port}"):
        status, _, body = get(port, "/api/canaries", {"Host": host})
        assert status == 200 and body[0]["module"] == "json", host
    assert HookClient(f"http://localhost:{port}").canaries()[0]["module"] == "json"


def test_requests_from_web_pages_get_403(controller, server):
    port = server.port
    host = {"Host": f"127.0.0.1:{port}"}
    for extra in ({"Origin": "http://evil.example"}, {"Origin": "null"},
                  {"Origin": f"http://localhost:{port}"},  # another origin than the Host's
                  {"Origin": f"http://127.0.0.1:{port + 1}"},
                  {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}):
        status, _, body = get(port, "/api/health", {**host, **extra})
        assert status == 403 and "not web pages" in body["error"], extra
    # HTTP/1.0 without Host but with an Origin: a page, not a tool.
    assert get(port, "/api/health", {"Origin": "http://evil.example"}, version="1.0")[0] == 403
    for extra in ({"Origin": f"http://127.0.0.1:{port}"}, {"Sec-Fetch-Site": "same-origin"},
                  {"Sec-Fetch-Site": "none"}):
        assert get(port, "/api/health", {**host, **extra})[:3:2] == (200, {"ok": True}), extra


def test_a_token_does_not_let_a_rebound_page_in(controller):
    with HookServer(controller, token="tok") as server:
        auth = {"Authorization": "Bearer tok"}
        assert get(server.port, "/api/health", {"Host": "attacker.example", **auth})[0] == 421
        assert get(server.port, "/api/health",
                   {"Host": f"127.0.0.1:{server.port}", "Origin": "http://x.example", **auth})[0] == 403


# ------------------------------------------------------------------------------ remote binding
@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_remote_binding_needs_a_token(controller, host):
    with pytest.raises(ValueError, match=r"allow_remote=True on .* needs a token"):
        HookServer(controller, host=host, allow_remote=True)


def test_remote_binding_leaves_the_host_check_to_the_token(controller):
    with HookServer(controller, host="0.0.0.0", allow_remote=True, token="t") as server:
        auth = {"Authorization": "Bearer t"}
        assert get(server.port, "/api/health", {"Host": f"myhost.lan:{server.port}", **auth})[0] == 200
        assert get(server.port, "/api/health", {"Host": f"myhost.lan:{server.port}"})[0] == 401
        # Web pages are refused there too.
        assert get(server.port, "/api/health", {"Host": f"myhost.lan:{server.port}",
                                                "Sec-Fetch-Site": "cross-site", **auth})[0] == 403


# ---------------------------------------------------------------------------------- slowloris
def test_two_hundred_slow_clients_do_not_shut_others_out(server):
    slow = open_slow_clients(server.port, 200)
    try:
        # Held by the server, not just queued by the kernel: each slow client is being read.
        wait_until(lambda: server.connections == 200, timeout=10, what="200 slow clients held")
        latencies = []
        for _ in range(20):
            started = time.monotonic()
            assert health_within(server.port, 1.0)
            latencies.append(time.monotonic() - started)
        assert max(latencies) < 1.0
    finally:
        for sock in slow:
            sock.close()


def test_a_request_head_that_does_not_arrive_in_time_gets_408(controller):
    with HookServer(controller, request_timeout=0.3) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(SLOW_HEAD)
            started = time.monotonic()
            answer = b""
            # One byte every 0.1 s, as slowloris does; each recv() is the pause, and returns
            # early once the server answers.
            sock.settimeout(0.1)
            while time.monotonic() - started < 5:
                try:
                    chunk = sock.recv(65536)
                except TimeoutError:
                    sock.send(b"a")
                    continue
                if not chunk:
                    break
                answer += chunk
            elapsed = time.monotonic() - started
        status, _, body = parse(answer)
        assert status == 408 and "within 0.3 s" in body["error"]
        assert 0.25 < elapsed < 2.0
        assert health_within(server.port, 1.0)


def test_connections_over_the_cap_get_an_immediate_503(controller):
    with HookServer(controller, max_connections=3) as server:
        idle = open_slow_clients(server.port, 3)
        try:
            wait_until(lambda: _answer_status(server.port) == 503, timeout=5,
                       what="a 503 once 3 connections are open")
            started = time.monotonic()
            status, headers, body = get(server.port, "/api/health", {"Host": f"127.0.0.1:{server.port}"})
            assert time.monotonic() - started < 0.5
            assert status == 503 and "too many connections (3 open)" in body["error"]
            assert headers["retry-after"] == "1"
        finally:
            idle.pop().close()
        # A freed slot serves again.
        wait_until(lambda: health_within(server.port, 1.0), timeout=5, what="a freed slot")
        for sock in idle:
            sock.close()


def _answer_status(port: int) -> int:
    return get(port, "/api/health", {"Host": f"127.0.0.1:{port}"})[0]


def test_stop_is_prompt_and_closes_the_port_with_slow_clients_connected(controller):
    server = HookServer(controller).start()
    slow = open_slow_clients(server.port, 50)
    try:
        wait_until(lambda: health_within(server.port, 1.0), timeout=5, what="the server serving")
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 1.0
        assert refused(server.port)
        for sock in slow:  # each slow client is dropped: it reads the end of the stream
            assert sock.recv(100) == b""
    finally:
        for sock in slow:
            sock.close()


def test_controller_shutdown_is_prompt_with_slow_clients_connected():
    controller = WarmupController(log_to_stderr=False)
    server = HookServer(controller).start()
    slow = open_slow_clients(server.port, 3)
    try:
        wait_until(lambda: health_within(server.port, 1.0), timeout=5, what="the server serving")
        started = time.monotonic()
        assert controller.shutdown(wait=True, timeout=10) is True
        assert time.monotonic() - started < 1.0
        assert not server.running
        assert refused(server.port)
    finally:
        for sock in slow:
            sock.close()
        server.stop()


# ---------------------------------------------------------------------------- bursts of waiters
def test_two_hundred_concurrent_waiters_all_get_an_answer(controller, gates):
    """Every client of a burst gets an answer: 200 when it could wait, else a prompt JSON 503."""
    controller.add_modules([gates.module()])
    controller.start()
    with HookServer(controller) as server, HookServer(controller, max_waiters=50) as small:

        def wait_once(port: int) -> tuple[int, float]:
            go.wait()  # all at once, like a burst of test processes
            started = time.monotonic()
            status, _, _ = get(port, "/api/warmup_wait?timeout=30",
                               {"Host": f"127.0.0.1:{port}"}, timeout=30)
            return status, time.monotonic() - started

        go = threading.Barrier(400)
        with ThreadPoolExecutor(400, thread_name_prefix="test-waiter") as clients:
            futures = [clients.submit(wait_once, port)
                       for port in (server.port, small.port) for _ in range(200)]
            wait_until(lambda: server.waiting == 200 and small.waiting == 50, timeout=20,
                       what="200 + 50 waiting clients")
            # The 150 beyond max_waiters=50 were refused at once; nobody else has an answer yet.
            wait_until(lambda: sum(f.done() for f in futures) == 150, timeout=5,
                       what="150 refusals")
            refusals = [f.result() for f in futures[200:] if f.done()]
            assert len(refusals) == 150 and {status for status, _ in refusals} == {503}
            assert max(seconds for _, seconds in refusals) < 5.0
            assert health_within(server.port, 1.0)
            gates.open()
            statuses = [f.result(timeout=20)[0] for f in futures]
        assert statuses[:200] == [200] * 200
        assert sorted(statuses[200:]) == [200] * 50 + [503] * 150
        assert server.waiting == small.waiting == 0


def test_a_waiter_that_hangs_up_frees_its_slot(controller, gates):
    controller.add_modules([gates.module()])
    controller.start()
    with HookServer(controller, max_waiters=1) as server:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        sock.sendall(b"GET /api/warmup_wait?timeout=60 HTTP/1.0\r\n\r\n")
        wait_until(lambda: server.waiting == 1, what="a waiting client")
        sock.close()
        wait_until(lambda: server.waiting == 0, timeout=5, what="the slot freed by the hang-up")
        status, _, _ = get(server.port, "/api/warmup_wait?timeout=0",
                           {"Host": f"127.0.0.1:{server.port}"})
        assert status == 200


# ------------------------------------------------------------------------------ malformed input
@pytest.mark.parametrize("line", [b"GARBAGE", b"HTTP/2.0", b"FOO/1.0", b"GET", b"GET /api/health"])
@pytest.mark.parametrize("ending", [b"\r\n\r\n", b"\r\n", b""])
def test_malformed_request_lines_get_a_real_400(server, line, ending):
    # With the blank line, with only the line's end, or cut short by the client's half-close.
    status, _, body = parse(exchange(server.port, line + ending, half_close=True))
    assert status == 400 and "error" in body


@pytest.mark.parametrize(
    "data, status, message",
    [
        (b"GET /api/health HTTP/2.0\r\n\r\n", 505, "HTTP/2.0 is not supported"),
        (b"GET api/health HTTP/1.0\r\n\r\n", 400, "must be a path starting with '/'"),
        (b"GET http://127.0.0.1/api/health HTTP/1.0\r\n\r\n", 400, "starting with '/'"),
        (b"GET /api/health HTTP/1.1\r\n\r\n", 400, "needs a Host header"),
        (b"GET /api/health HTTP/1.0\r\nno colon here\r\n\r\n", 400, "malformed header line"),
        (b"GET /api/health HTTP/1.0\r\nX: 1\r\n folded\r\n\r\n", 400, "folded header"),
        (b"GET /api/health HTTP/1.0\r\nBad Name: 1\r\n\r\n", 400, "malformed header line"),
        (b"GET /api/health HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400, "2 different values"),
        (b"GET /" + b"a" * 9000 + b" HTTP/1.0\r\n\r\n", 414, "request line over"),
        (b"GET /api/health HTTP/1.0\r\n" + b"X: y\r\n" * 101 + b"\r\n", 431, "header lines"),
        (b"GET /api/health HTTP/1.0\r\nX: " + b"y" * 17000 + b"\r\n\r\n", 431, "head over"),
    ],
)
def test_bad_heads_get_a_status_line_and_a_json_error(server, data, status, message):
    got, _, body = parse(exchange(server.port, data))
    assert got == status and message in body["error"]


def test_requests_with_bare_newlines_and_leading_blank_lines_are_answered(server):
    answer = exchange(server.port, b"\r\n\nGET /api/health HTTP/1.0\nAccept: */*\n\n")
    assert parse(answer)[:3:2] == (200, {"ok": True})


# ------------------------------------------------------------------------ controller shutdown
@pytest.mark.parametrize("wait", [True, False])
def test_controller_shutdown_closes_the_port(wait):
    controller = WarmupController(log_to_stderr=False)
    server = HookServer(controller).start()
    assert health_within(server.port, 1.0)
    controller.shutdown(wait=wait)
    if wait:
        assert refused(server.port)  # the pool joined the loop, which closed the port
    else:
        wait_until(lambda: refused(server.port), timeout=2, what="the port closed")
    assert not server.running
    server.stop()  # still safe
