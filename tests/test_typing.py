"""A typed public API: every name a package face lists is importable from it, and type checkers
see the real classes through the lazy faces (``mypy --strict`` on a user's snippet)."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FACES = ["imwarmup", "imwarmup.core", "imwarmup.panels", "imwarmup.theme"]

USER_SNIPPET = """
from imgui_bundle import hello_imgui
from imwarmup import HookClient, HookServer, NotWarmedError, WarmupController
from imwarmup.panels import DiagnosticsPlugin


def main() -> None:
    controller = WarmupController(["json", "sqlite3"], max_workers=2)
    controller.start()
    ready: bool = controller.wait_for_warmup(5.0)
    status: dict[str, list[str]] = controller.warmup_status()
    try:
        json_module = controller.require_warmed("json")
    except NotWarmedError as exc:
        print(exc.status, ready, status)
    else:
        print(json_module)
    server = HookServer(controller).start()
    client = HookClient(server.url)
    print(client.canaries()[0]["module"])
    server.stop()
    plugin = DiagnosticsPlugin(controller, palette=False)
    params = hello_imgui.RunnerParams()
    plugin.install(params).show_debug_window()
    controller.shutdown()
"""

WRONG_SNIPPET = """
from imwarmup import WarmupController
from imwarmup.panels import DiagnosticsPlugin

controller = WarmupController(["json"], max_workers="four")
count: int = controller.warmup_status()
DiagnosticsPlugin(controller).install("runner params")
"""


@pytest.mark.parametrize("face", FACES)
def test_every_name_a_face_lists_is_importable_from_it(face):
    module = importlib.import_module(face)
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert missing == [], f"{face}.__all__ lists names it cannot give: {missing}"


def test_the_package_is_marked_typed():
    assert (ROOT / "imwarmup" / "py.typed").is_file()


def mypy(tmp_path: Path, code: str) -> subprocess.CompletedProcess:
    snippet = tmp_path / "user_app.py"
    snippet.write_text(textwrap.dedent(code))
    # Errors are checked in the user's file only (--follow-imports=silent): what matters is
    # that the package's types reach it, strictly.
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
         "--cache-dir", str(ROOT / ".mypy_cache"), str(snippet)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path)


def test_mypy_strict_accepts_a_users_app_through_the_lazy_faces(tmp_path):
    proc = mypy(tmp_path, USER_SNIPPET)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_sees_real_signatures_not_any(tmp_path):
    proc = mypy(tmp_path, WRONG_SNIPPET)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert 'Argument "max_workers" to "WarmupController" has incompatible type "str"' in out
    assert 'has type "dict[str, list[str]]", variable has type "int"' in out
    assert 'Argument 1 to "install" of "DiagnosticsPlugin" has incompatible type "str"' in out
