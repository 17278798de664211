"""pytest plugin: the ``live_app`` fixture runs the app in a subprocess and hands the test a
``HookClient`` connected to its hook server.

Registered through the ``pytest11`` entry point, so installing imwarmup is enough. Quick start::

    # conftest.py: which app to launch (default: the imwarmup demo)
    import sys, pytest

    @pytest.fixture
    def live_app_command():
        return [sys.executable, "-m", "myapp"]

    # test_startup.py
    def test_warmup_completes(live_app):
        assert live_app.wait_for_warmup(timeout=30)
        assert live_app.warmup_status()["failed"] == []

The app must accept ``--hook-port PORT --hook-port-file PATH`` (the fixture appends them, with
port 0): bind its ``HookServer`` there and write the bound port to PATH, which
``imwarmup.demo_hooks.start_hook_server_for_demo`` does. At teardown the app's whole process
group gets SIGTERM, then SIGKILL if it has not exited after a few seconds.

For another scope (one app for a whole module), use :func:`launch_app` in your own fixture.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable, Iterator, Mapping, Sequence

import pytest

from imwarmup.core.hooks import HookClient

__all__ = ["launch_app", "LiveAppError", "live_app", "live_app_command", "live_app_timeout",
           "assert_warmup_budget", "warmup_budget"]

_TERMINATE_GRACE_SECONDS = 5.0


class LiveAppError(RuntimeError):
    """The app did not come up: it exited, or wrote no port in time. The message has its output."""


@contextlib.contextmanager
def launch_app(
    command: Sequence[str],
    *,
    timeout: float = 15.0,
    workdir: str | os.PathLike | None = None,
    env: dict[str, str] | None = None,
    token: str | None = None,
) -> Iterator[HookClient]:
    """Start ``command + ["--hook-port", "0", "--hook-port-file", PATH]``, wait for its hook
    server, yield a ``HookClient``, and end the app's process group on exit.

    Args:
        command: the app's command line, e.g. ``[sys.executable, "-m", "myapp"]``.
        timeout: seconds for the app to write its port and answer ``/api/health``.
        workdir: where the port file and the app's output logs go; a temporary directory
            (removed afterwards) by default.
        env: the app's environment; this process's environment by default.
        token: the hook token the app's server requires, if any.

    Yields:
        A ``HookClient`` for the running app.

    Raises:
        TypeError: ``command`` is a bare str or empty.
        LiveAppError: the app exited before its server answered, or did not write its port in
            ``timeout`` seconds (the message includes the app's output).
    """
    if isinstance(command, (str, bytes)) or not command:
        raise TypeError(
            f"launch_app(): command must be a non-empty list of arguments such as "
            f"[sys.executable, '-m', 'myapp'], got {command!r}"
        )
    with contextlib.ExitStack() as stack:
        if workdir is None:
            workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="imwarmup-live-"))
        workdir = os.fspath(workdir)
        port_file = os.path.join(workdir, "hook-port")
        with contextlib.suppress(FileNotFoundError):
            os.remove(port_file)
        log_path = os.path.join(workdir, "app-output.log")
        log = stack.enter_context(open(log_path, "wb"))
        argv = [*map(str, command), "--hook-port", "0", "--hook-port-file", port_file]
        process = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT, env=env,
            # Its own process group, so teardown also ends the app's children.
            start_new_session=(os.name == "posix"),
        )
        stack.callback(_terminate, process)
        client = _connect(process, argv, port_file, log_path, timeout, token)
        yield client


def _connect(process: subprocess.Popen, argv: list[str], port_file: str, log_path: str,
             timeout: float, token: str | None) -> HookClient:
    deadline = time.monotonic() + timeout
    port = None
    # Polling: the app is another process, with nothing in this one to block on.
    while port is None:
        if process.poll() is not None:
            raise LiveAppError(
                f"the app exited with code {process.returncode} before its hook server came up: "
                f"{' '.join(argv)}\n{_tail(log_path)}"
            )
        try:
            with open(port_file, encoding="ascii") as f:
                text = f.read().strip()
            port = int(text)
        except (FileNotFoundError, ValueError):
            if time.monotonic() >= deadline:
                raise LiveAppError(
                    f"the app wrote no port to {port_file} within {timeout:g} s; does it accept "
                    f"--hook-port and --hook-port-file? {' '.join(argv)}\n{_tail(log_path)}"
                ) from None
            time.sleep(0.02)
    client = HookClient(f"http://127.0.0.1:{port}", token=token)
    try:
        client.wait_for_server(timeout=max(0.5, deadline - time.monotonic()))
    except Exception as exc:
        raise LiveAppError(f"{exc}\n{_tail(log_path)}") from exc
    return client


def _terminate(process: subprocess.Popen) -> None:
    if process.poll() is None:
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(_TERMINATE_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)
            process.wait(_TERMINATE_GRACE_SECONDS)
    else:
        # The app is gone, but children it left in its group would outlive the test.
        _signal_group(process, signal.SIGTERM)
    if process.stdin is not None:
        process.stdin.close()


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        if os.name == "posix":
            os.killpg(process.pid, sig)
        else:
            process.send_signal(sig)
    except (ProcessLookupError, PermissionError):
        pass  # already gone


def _tail(path: str, limit: int = 4000) -> str:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return "(no app output)"
    text = data[-limit:].decode("utf-8", "replace").strip()
    return f"app output (last {limit} bytes):\n{text}" if text else "(the app printed nothing)"


@pytest.fixture
def live_app_command() -> list[str]:
    """The app command ``live_app`` launches; override it in your conftest.py.
    Default: the imwarmup demo."""
    return [sys.executable, "-m", "imwarmup"]


@pytest.fixture
def live_app_timeout() -> float:
    """Seconds ``live_app`` waits for the app's hook server; override for slow apps."""
    return 15.0


@pytest.fixture
def live_app(live_app_command: list[str], live_app_timeout: float, tmp_path) -> Iterator[HookClient]:
    """A ``HookClient`` for the app started from ``live_app_command`` (see the module docs).

    The app's output is in ``tmp_path / "live-app" / "app-output.log"``; the app is ended at
    teardown.
    """
    workdir = tmp_path / "live-app"
    workdir.mkdir(exist_ok=True)
    with launch_app(live_app_command, timeout=live_app_timeout, workdir=workdir) as client:
        yield client


# ------------------------------------------------------------------------------ budgets
def assert_warmup_budget(
    app: Any,
    *,
    total_s: float | None = None,
    module_s: float | Mapping[str, float] | None = None,
    frames_p99_x: float | None = None,
    wait_s: float = 60.0,
) -> None:
    """Assert the app's warmup fits its budget; the message names every offender.

    ``app`` is what ``live_app`` yields (a ``HookClient``) or a ``WarmupController``: anything
    with ``wait_for_warmup(timeout)`` and ``canaries()``. Quick start::

        def test_startup_budget(live_app):
            assert_warmup_budget(live_app, total_s=5.0, module_s={"pandas": 2.0, "*": 1.0},
                                 frames_p99_x=1.5)

    Args:
        total_s: the whole round, first submit to last import done, in seconds.
        module_s: each module's import (its canary's wall time), in seconds: one number for all,
            or per module with ``"*"`` for the others (a module not named and no ``"*"``: no limit).
        frames_p99_x: the GUI's frames while warming: their p99 at most this many times the p99
            of the frames after the round (the app's own pace; the plugin logs them for 5 s
            after it, and the check waits, within ``wait_s``, until 60 are in). Needs an app
            that draws frames with the ``DiagnosticsPlugin`` installed.
        wait_s: how long to wait for the warmup to finish first (and for the frames after it).

    Raises:
        AssertionError: warmup did not finish in ``wait_s``, an import failed, or something
            took longer than its budget (each offender with its time, budget and thread).
        TypeError, ValueError: a budget that is not a positive number, or names a module the
            app does not warm.
    """
    budgets = _module_budgets(module_s)
    total = None if total_s is None else _seconds_budget(total_s, "total_s")
    frames_x = None if frames_p99_x is None else _ratio_budget(frames_p99_x, "frames_p99_x")
    deadline = time.monotonic() + wait_s
    done = app.wait_for_warmup(timeout=wait_s)
    canaries = list(app.canaries())
    if not done:
        running = [c["module"] for c in canaries if c.get("status") == "running"]
        raise AssertionError(f"warmup budget: warmup not done after {wait_s:g} s; still running: "
                             + (", ".join(running) or "(none reported)"))
    names = {c["module"] for c in canaries}
    unknown = sorted(set(budgets) - names - {"*"})
    if unknown:
        raise ValueError(f"assert_warmup_budget(): module_s names modules the app does not warm: "
                         f"{', '.join(unknown)} (it warms {', '.join(sorted(names))})")
    problems: list[str] = []
    failed = [c for c in canaries if c.get("status") == "failed"]
    for c in failed:
        error = str(c.get("error") or "").splitlines()
        problems.append(f"{c['module']} failed: {error[-1] if error else 'no error text'}")
    if total is not None:
        starts = [c["submit_ts"] for c in canaries if c.get("submit_ts") is not None]
        ends = [c["end_ts"] for c in canaries if c.get("end_ts") is not None]
        wall = (max(ends) - min(starts)) if starts and ends else 0.0
        if wall > total:
            problems.append(f"whole round {_seconds(wall, total)} > {total:g} s")
    over = []
    for c in canaries:
        limit = budgets.get(c["module"], budgets.get("*"))
        elapsed = c.get("elapsed_ms")
        if limit is None or elapsed is None or c.get("status") != "completed":
            continue
        if elapsed / 1000.0 > limit:
            own = c.get("cpu_ms")
            detail = f"on {c.get('thread_name')}" + (
                f", own work {_seconds(own / 1000.0)}" if isinstance(own, (int, float)) else "")
            over.append((elapsed / 1000.0 - limit,
                         f"{c['module']} {_seconds(elapsed / 1000.0, limit)} > {limit:g} s "
                         f"({detail})"))
    over.sort(key=lambda item: -item[0])
    if over:
        problems.append(f"{len(over)} module(s) over budget: " + "; ".join(t for _, t in over))
    if frames_x is not None:
        frames_problem = _frames_over(app, frames_x, deadline)
        if frames_problem:
            problems.append(frames_problem)
    if problems:
        raise AssertionError("warmup budget exceeded: " + "; ".join(problems))


def _seconds(value: float, limit: float | None = None) -> str:
    """``value`` seconds as the message prints it: ms under a second, else seconds with two
    decimals, or more when two would print the ``limit`` it exceeds ("2.004 s > 2 s", never
    "2.00 s > 2 s")."""
    if value < 0.9995:   # would print as "1000.0 ms"
        digits = 1
        while limit is not None and round(value * 1000.0, digits) <= limit * 1000.0 and digits < 6:
            digits += 1
        return f"{value * 1000.0:.{digits}f} ms"
    digits = 2
    while limit is not None and round(value, digits) <= limit and digits < 9:
        digits += 1
    return f"{value:.{digits}f} s"


def _seconds_budget(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"assert_warmup_budget(): {what} must be seconds (a number), got {value!r}")
    if not value > 0:  # refuses NaN too
        raise ValueError(f"assert_warmup_budget(): {what} must be > 0 seconds, got {value!r}")
    return float(value)


def _ratio_budget(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"assert_warmup_budget(): {what} must be a ratio (a number, e.g. 1.5), "
                        f"got {value!r}")
    if not value >= 1.0:  # refuses NaN too
        raise ValueError(f"assert_warmup_budget(): {what} must be >= 1 (the frames while "
                         f"warming against those after it), got {value!r}")
    return float(value)


def _frame_figures(app: Any) -> tuple[Any, Any]:
    """``(warming, after)``: the frame figures of the app's round and of the frames since
    (each None until there is one), from a ``HookClient`` (``/api/frames``) or in process from a
    ``WarmupController`` (its ``FrameLog``, on the canaries' clock)."""
    frames = getattr(app, "frames", None)
    if callable(getattr(frames, "stats", None)):   # a WarmupController's FrameLog
        from imwarmup.core.report import round_frames

        return round_frames(app.canaries(), frames)
    if callable(frames):                              # a HookClient
        body = frames()
        return body.get("warming"), body.get("after")
    raise TypeError(f"assert_warmup_budget(): frames_p99_x needs the app's frames: a HookClient "
                    f"(live_app) or a WarmupController, got {type(app).__name__}")


def _frames_over(app: Any, budget: float, deadline: float) -> str | None:
    """The frames budget's problem, or None: waits (until ``deadline``) for the frames after
    the round, which the GUI draws after the warmup is done."""
    from imwarmup.core.frames import FRAME_LOG_TAIL_S
    from imwarmup.core.report import AFTER_MIN_FRAMES

    # The plugin logs frames for FRAME_LOG_TAIL_S after the round, which ended before now.
    deadline = min(deadline, time.monotonic() + FRAME_LOG_TAIL_S + 1.0)
    while True:
        warming, after = _frame_figures(app)
        if after is not None or time.monotonic() >= deadline:
            break
        time.sleep(0.1)  # the frames come from the app's GUI: nothing to wait on but time
    if not warming:
        return ("frames while warming: none logged (an app that draws frames, with the "
                "DiagnosticsPlugin installed, logs them)")
    if after is None:
        return (f"frames while warming: fewer than {AFTER_MIN_FRAMES} frames were drawn after the "
                f"round in the time given (wait_s): nothing to compare their p99 "
                f"({warming['p99_ms']:.1f} ms) with")
    ratio = warming["p99_ms"] / after["p99_ms"] if after["p99_ms"] > 0 else float("inf")
    if ratio <= budget:
        return None
    return (f"frames while warming p99 {warming['p99_ms']:.1f} ms = {ratio:.2f}x the "
            f"{after['p99_ms']:.1f} ms after it > {budget:g}x (worst {warming['worst_ms']:.1f} "
            f"ms; {warming['count']} frame(s) while warming, {after['count']} after)")


def _module_budgets(module_s: Any) -> dict[str, float]:
    if module_s is None:
        return {}
    if isinstance(module_s, Mapping):
        return {str(name): _seconds_budget(v, f"module_s[{name!r}]") for name, v in module_s.items()}
    return {"*": _seconds_budget(module_s, "module_s")}


@pytest.fixture
def warmup_budget(live_app: HookClient) -> Callable[..., None]:
    """``warmup_budget(total_s=5, module_s={"pandas": 2, "*": 1})`` asserts ``live_app``'s
    warmup budget (see ``assert_warmup_budget``)."""

    def check(**budget: Any) -> None:
        assert_warmup_budget(live_app, **budget)

    return check
