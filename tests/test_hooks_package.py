"""The hook package's shape: its public names, one route table, a client that loads without
the server, reprs that say what a server is doing, and ``mypy --strict`` on the package."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import imwarmup
import imwarmup.core
from imwarmup.core.controller import WarmupController
from imwarmup.core.hooks import (
    HookClient,
    HookConnectionError,
    HookError,
    HookHTTPError,
    HookServer,
    HookServerUnavailable,
)
from imwarmup.core.hooks.routes import ROUTES

from test_hooks import gates, raw, wait_until  # noqa: F401 - gates is a fixture

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def controller():
    c = WarmupController(log_to_stderr=False)
    yield c
    c.shutdown(wait=True)


# ------------------------------------------------------------------------------ public names
def test_the_public_names_are_the_submodules_classes():
    from imwarmup.core.hooks import client, errors, server

    assert HookServer is server.HookServer and HookClient is client.HookClient
    assert (HookError, HookHTTPError, HookConnectionError, HookServerUnavailable) == (
        errors.HookError, errors.HookHTTPError, errors.HookConnectionError,
        errors.HookServerUnavailable)
    assert imwarmup.HookServer is imwarmup.core.HookServer is HookServer
    assert imwarmup.HookClient is imwarmup.core.HookClient is HookClient
    assert issubclass(HookServerUnavailable, TimeoutError)
    assert issubclass(HookConnectionError, ConnectionError)


def test_an_unknown_name_is_an_attribute_error():
    import imwarmup.core.hooks as hooks

    with pytest.raises(AttributeError, match="has no attribute 'start_hook_server_for_demo'"):
        hooks.start_hook_server_for_demo  # noqa: B018 - moved to imwarmup.demo_hooks


def test_importing_the_client_loads_neither_the_server_nor_selectors():
    code = (
        "import json, sys\n"
        "from imwarmup.core.hooks import HookClient, HookError\n"
        "HookClient('http://127.0.0.1:1')\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=60, check=True)
    loaded = set(json.loads(out.stdout))
    assert "imwarmup.core.hooks.client" in loaded
    assert not loaded & {"imwarmup.core.hooks.server", "selectors", "socket",
                         "concurrent.futures", "urllib.request"}


# -------------------------------------------------------------------------------- route table
def test_the_404_lists_every_route_of_the_table(controller):
    with HookServer(controller) as server:
        status, _, body = raw(server, "GET", "/api/nope")
        assert status == 404
        assert body["error"] == f"no endpoint '/api/nope'; the endpoints are {', '.join(ROUTES)}"
        # Every listed endpoint exists; an unknown path is a 404 even with a query.
        for path in ROUTES:
            query = "?timeout=0" if path == "/api/warmup_wait" else ""
            assert raw(server, "GET", path + query)[0] == 200, path
        assert raw(server, "GET", "/api/nope?timeout=1")[0] == 404


# -------------------------------------------------------------------------------------- reprs
def test_server_repr_says_where_whether_running_and_how_busy(controller, gates):
    server = HookServer(controller, token="s3cret-token", max_connections=8, max_waiters=4)
    assert repr(server) == "<HookServer not started: 127.0.0.1, port 0 (any free port), token required>"
    controller.add_modules([gates.module()])
    controller.start()
    socks = []
    with server:
        assert repr(server) == (f"<HookServer running at {server.url}: 0 connections (max 8), "
                                f"0 waiting (max 4), token required>")
        for _ in range(2):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            sock.sendall(b"GET /api/warmup_wait?timeout=30 HTTP/1.0\r\n"
                         b"Authorization: Bearer s3cret-token\r\n\r\n")
            socks.append(sock)
        wait_until(lambda: server.waiting == 2, what="2 blocked warmup_wait requests")
        assert repr(server) == (f"<HookServer running at {server.url}: 2 connections (max 8), "
                                f"2 waiting (max 4), token required>")
        assert "s3cret" not in repr(server)
    assert repr(server) == f"<HookServer stopped: {server.url}, token required>"
    for sock in socks:
        sock.close()


def test_server_repr_without_a_token_and_after_the_controllers_shutdown():
    controller = WarmupController(log_to_stderr=False)
    server = HookServer(controller, port=0).start()
    url = server.url
    assert repr(server).startswith(f"<HookServer running at {url}: 0 connections")
    assert "token" not in repr(server)
    controller.shutdown(wait=True)
    wait_until(lambda: not server.running, what="the server to stop with its controller")
    assert repr(server) == f"<HookServer stopped: {url}>"


def test_client_repr_shows_the_url_never_the_token():
    assert repr(HookClient("http://127.0.0.1:8765/")) == "HookClient('http://127.0.0.1:8765')"
    with_token = repr(HookClient("http://[::1]:8765", token="s3cret-token"))
    assert with_token == "HookClient('http://[::1]:8765', token=...)"


# ------------------------------------------------------------------------------------- typing
def test_the_hook_package_is_clean_under_mypy_strict():
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(ROOT / ".mypy_cache"),
         "imwarmup/core/hooks", "imwarmup/demo_hooks.py"],
        capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_takes_a_controller_for_the_server_and_refuses_anything_else(tmp_path):
    snippet = tmp_path / "user_app.py"
    snippet.write_text(
        "from imwarmup import HookServer, WarmupController\n"
        "from imwarmup.demo_hooks import start_hook_server_for_demo\n"
        "server: HookServer = start_hook_server_for_demo(WarmupController(), 0)\n"
        "HookServer(WarmupController(), token='t').start().stop()\n"
        "HookServer('http://127.0.0.1:8765')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
         "--cache-dir", str(ROOT / ".mypy_cache"), str(snippet)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.count("error:") == 1, proc.stdout
    assert ('user_app.py:5: error: Argument 1 to "HookServer" has incompatible type "str"; '
            'expected "WarmupSource"') in proc.stdout
