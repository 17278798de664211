"""The live_app fixture, driven against a tiny stand-in app (the demo needs a window)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import tomllib

import pytest

from imwarmup.pytest_plugin import LiveAppError, launch_app

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# What the demo does with --hook-port/--hook-port-file, minus the window. It writes its pid and
# its child's pid so the test can check that teardown ended the whole process group.
STAND_IN_APP = """\
import argparse, os, subprocess, sys, time
from imwarmup.core.controller import WarmupController
from imwarmup.demo_hooks import start_hook_server_for_demo

parser = argparse.ArgumentParser()
parser.add_argument("--hook-port", type=int, required=True)
parser.add_argument("--hook-port-file")
parser.add_argument("--pid-file")
args = parser.parse_args()
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
with open(args.pid_file, "w") as f:
    f.write(f"{os.getpid()} {child.pid}")
controller = WarmupController(["json", "colorsys"], log_to_stderr=False).start()
controller.profiler.mark_ready("first_frame")
server = start_hook_server_for_demo(controller, args.hook_port, args.hook_port_file)
sys.stdin.read()  # until the fixture ends us
"""


def env_with_root() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}


def gone(pid: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # The child is re-parented to init once its parent dies; a zombie still answers kill 0.
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().split(") ")[1].startswith("Z"):
                    return True
        except (FileNotFoundError, IndexError):
            return True
        time.sleep(0.02)
    return False


def test_live_app_fixture_in_a_pytest_run(tmp_path):
    app = tmp_path / "stand_in_app.py"
    app.write_text(STAND_IN_APP)
    pid_file = tmp_path / "pids"
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(f"""\
        import sys, pytest

        @pytest.fixture
        def live_app_command():
            return [sys.executable, {str(app)!r}, "--pid-file", {str(pid_file)!r}]

        def test_app(live_app):
            assert live_app.wait_for_warmup(10)
            assert sorted(live_app.warmup_status()["completed"]) == ["colorsys", "json"]
            assert [c["module"] for c in live_app.canaries()] == ["json", "colorsys"]
            assert live_app.io_pool_status()["max_workers"] == 4
            assert live_app.startup_profile()["marks"][0]["name"] == "first_frame"
    """))
    # Autoload off: the plugin is loaded explicitly whether or not imwarmup is pip-installed.
    env = {**env_with_root(), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "imwarmup.pytest_plugin",
         "-p", "no:cacheprovider", str(tmp_path / "test_inner.py")],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    app_pid, child_pid = map(int, pid_file.read_text().split())
    assert gone(app_pid) and gone(child_pid), "teardown left the app or its child running"


def test_warmup_budget_on_live_app_names_the_offenders(tmp_path):
    # The CI gate: the budget helpers on what live_app yields (a HookClient), not only
    # on a controller in the test's own process.
    app = tmp_path / "stand_in_app.py"
    app.write_text(STAND_IN_APP)
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(f"""\
        import sys, pytest
        from imwarmup.pytest_plugin import assert_warmup_budget

        @pytest.fixture
        def live_app_command():
            return [sys.executable, {str(app)!r}, "--pid-file", {str(tmp_path / "pids")!r}]

        def test_within(warmup_budget):
            warmup_budget(total_s=30, module_s={{"json": 10, "*": 10}})

        def test_over(live_app):
            with pytest.raises(AssertionError) as caught:
                assert_warmup_budget(live_app, module_s={{"colorsys": 1e-9}})
            message = str(caught.value)
            assert message.startswith("warmup budget exceeded: 1 module(s) over budget:"), message
            assert "colorsys " in message and "> 1e-09 s (on controller-io-" in message, message
            assert "json" not in message, message
    """))
    env = {**env_with_root(), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "imwarmup.pytest_plugin",
         "-p", "no:cacheprovider", str(tmp_path / "test_inner.py")],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=90,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


def test_launch_app_yields_a_client_and_ends_the_group(tmp_path):
    app = tmp_path / "stand_in_app.py"
    app.write_text(STAND_IN_APP)
    pid_file = tmp_path / "pids"
    with launch_app([sys.executable, str(app), "--pid-file", str(pid_file)],
                    env=env_with_root(), workdir=tmp_path) as client:
        assert client.health() == {"ok": True}
        assert client.wait_for_warmup(10)
        assert client.url == f"http://127.0.0.1:{int((tmp_path / 'hook-port').read_text())}"
    app_pid, child_pid = map(int, pid_file.read_text().split())
    assert gone(app_pid) and gone(child_pid)


def test_app_that_exits_early_is_reported_with_its_output(tmp_path):
    app = tmp_path / "crash.py"
    app.write_text("import sys\nprint('config file missing: app.toml')\nsys.exit(3)\n")
    with pytest.raises(LiveAppError, match=r"(?s)exited with code 3.*config file missing"):
        with launch_app([sys.executable, str(app)], timeout=10):
            pass


def test_app_that_never_writes_its_port_times_out(tmp_path):
    app = tmp_path / "silent.py"
    app.write_text("import sys\nprint('no hook flags here', flush=True)\nsys.stdin.read()\n")
    started = time.monotonic()
    with pytest.raises(LiveAppError, match=r"(?s)wrote no port .* within 0.5 s.*--hook-port-file"
                                           r".*no hook flags here"):
        with launch_app([sys.executable, str(app)], timeout=0.5):
            pass
    assert time.monotonic() - started < 8


@pytest.mark.parametrize("command", ["python -m app", [], b"app"])
def test_launch_app_needs_an_argument_list(command):
    with pytest.raises(TypeError, match="non-empty list of arguments"):
        with launch_app(command):
            pass


def test_plugin_is_registered_as_a_pytest11_entry_point():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)["project"]
    assert project["entry-points"]["pytest11"] == {"imwarmup": "imwarmup.pytest_plugin"}
