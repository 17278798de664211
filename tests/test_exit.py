"""Exit: closing an app while warmup imports run ends the process at once, whatever the imports do.

The exit cases run a real app script in a subprocess: it warms generated modules that sleep 30 s
or block forever, waits (on a listener's Event) until they run, and returns from its main script.
The test measures from the script's "main done" line to the process's end, and reads the one
stderr line each abandoned import gets. The shutdown cases run in this process, on gates.
"""

from __future__ import annotations

import gc
import json
import math
import os
import subprocess
import sys
import textwrap
import threading
import time
import uuid
import weakref
from pathlib import Path

import pytest
from modgen import Gen, controllers, gen  # noqa: F401 - shared modules and the gen/controllers fixtures

from imwarmup import WarmupController

WAIT = 5.0
ROOT = Path(__file__).resolve().parents[1]
# The requirement is 1 s from the end of the app's main script to the end of the process
# (measured here: 7-17 ms on 3.11-3.13). The bound leaves room for a slow CI machine and is far
# below the 30 s the abandoned import would have held the process before.
EXIT_BOUND = 2.0
SLEEPS_30_S = "import time\ntime.sleep(30)\n"
BLOCKS_FOREVER = "import threading\nthreading.Event().wait()\n"

APP = """\
import json, sys, threading
sys.path.insert(0, {root!r})
from imwarmup import WarmupController

blocking = {blocking!r}
controller = WarmupController({modules!r}, log_to_stderr={log!r})
all_running = threading.Event()

def on_canary(_record):
    running = {{c["module"] for c in controller.canaries()
                if c["status"] == "running" and c["start_ts"] is not None}}
    if running >= set(blocking):
        all_running.set()

controller.add_listener(on_canary)
{setup}
controller.start()
if blocking and not all_running.wait(10):
    sys.exit("the blocking imports never started")
if not blocking and not controller.wait_for_warmup(10):
    sys.exit("the warmup never finished")
print(json.dumps({{c["module"]: c["thread_name"] for c in controller.canaries()}}), flush=True)
{ending}
print("main done", flush=True)
"""


def run_app(tmp_path: Path, modules: list[str], blocking: list[str], ending: str = "",
            log: bool = True, setup: str = "") -> tuple[dict[str, str], float, str]:
    """Run the app; return its canaries' workers, seconds from "main done" to exit, and stderr.

    ``setup`` runs before ``start()``, ``ending`` after the imports run (or warmup finished).
    """
    script = tmp_path / f"app_{uuid.uuid4().hex[:6]}.py"
    script.write_text(APP.format(root=str(tmp_path), blocking=blocking, modules=modules, log=log,
                                 setup=textwrap.dedent(setup), ending=textwrap.dedent(ending)))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        workers = json.loads(proc.stdout.readline() or "null")
        marker = proc.stdout.readline()
        done_at = time.monotonic()
        proc.wait(timeout=30)
        exit_seconds = time.monotonic() - done_at
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    assert workers is not None and marker == "main done\n", f"the app failed:\n{stderr}"
    assert proc.returncode == 0, stderr
    return workers, exit_seconds, stderr


def abandoned_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "abandoned" in line]


# ------------------------------------------------------------------------- exit in a subprocess
@pytest.mark.parametrize("body", [SLEEPS_30_S, BLOCKS_FOREVER], ids=["sleeps-30s", "blocks-forever"])
@pytest.mark.parametrize(
    "ending",
    ["", "assert controller.shutdown(wait=False) is False",
     "assert controller.shutdown(wait=True, timeout=0.2) is False",
     "controller.__exit__(None, None, None)"],
    ids=["main-returns", "shutdown-no-wait", "shutdown-timeout", "with-block-exit"],
)
def test_closing_during_warmup_exits_at_once_with_one_line_per_abandoned_import(
        tmp_path, body, ending):
    g = Gen(tmp_path)
    slow = g.modules(3, body, "slow")
    workers, exit_seconds, stderr = run_app(tmp_path, ["json", *slow], slow, ending)
    assert exit_seconds < EXIT_BOUND, f"the process took {exit_seconds:.2f} s to exit:\n{stderr}"
    lines = abandoned_lines(stderr)
    assert len(lines) == len(slow), stderr
    for name in slow:
        [line] = [line for line in lines if repr(name) in line]
        assert line.startswith("[imwarmup] exit: abandoned the import of ")
        assert f" on {workers[name]} after " in line and line.endswith(" s")
    assert {workers[name] for name in slow} <= {f"controller-io-{i}" for i in range(4)}
    assert "json" not in "".join(lines)  # finished: nothing to say about it


APP_JOB = """
    def app_job():
        print("app job ran", file=sys.stderr, flush=True)
"""


@pytest.mark.parametrize(
    "ending, line",
    [("controller.submit_job(app_job)", "[imwarmup] exit: dropped the queued job "
                                        "__main__.app_job: it never ran"),
     ("controller.submit_job(app_job)\ncontroller.__exit__(None, None, None)",
      "[imwarmup] exit: dropped the queued job __main__.app_job: it never ran"),
     ("controller.submit_job(app_job)\ncontroller.shutdown(wait=False)",
      "[imwarmup] shutdown: dropped the queued job __main__.app_job: it never ran "
      "(shutdown(wait=False)); its future is cancelled")],
    ids=["main-returns", "with-block-exit", "shutdown-no-wait"],
)
def test_an_app_job_still_queued_at_exit_gets_a_line(tmp_path, ending, line):
    slow = Gen(tmp_path).modules(4, BLOCKS_FOREVER, "slow")  # every worker blocks
    _, exit_seconds, stderr = run_app(tmp_path, slow, slow, ending, setup=APP_JOB)
    assert exit_seconds < EXIT_BOUND, stderr
    assert "app job ran" not in stderr
    assert [l for l in stderr.splitlines() if "app_job" in l] == [line]
    assert len(abandoned_lines(stderr)) == 4


@pytest.mark.parametrize("ending", ["", "assert controller.shutdown() is True"],
                         ids=["main-returns", "shutdown"])
def test_a_clean_run_exits_at_once_and_says_nothing_about_abandoning(tmp_path, ending):
    fast = Gen(tmp_path).module("VALUE = 1", "fast")
    _, exit_seconds, stderr = run_app(tmp_path, ["json", fast], [], ending)
    assert exit_seconds < EXIT_BOUND, stderr
    assert abandoned_lines(stderr) == []
    assert "[warmup done]" in stderr  # the app did log: only the exit line is absent


def test_the_summary_and_completion_callbacks_are_not_cut_off_by_the_exit(tmp_path):
    # wait_for_warmup() returns before the summary and the callbacks run (on the daemon worker
    # that finished last); the app then returns at once. A callback that takes 0.3 s still ends.
    setup = """
        def slow_callback(status):
            threading.Event().wait(0.3)
            print("callback done", status["completed"], file=sys.stderr, flush=True)
        controller.on_warmup_complete(slow_callback)
    """
    _, exit_seconds, stderr = run_app(tmp_path, ["json"], [], setup=setup)
    assert "[warmup done] 1 module: 1 completed" in stderr
    assert "callback done ['json']" in stderr
    assert exit_seconds < EXIT_BOUND


def test_a_completion_callback_that_never_returns_does_not_hold_the_exit(tmp_path):
    setup = "controller.on_warmup_complete(lambda status: threading.Event().wait())"
    _, exit_seconds, stderr = run_app(tmp_path, ["json"], [], setup=setup)
    assert exit_seconds < EXIT_BOUND, stderr  # it gets a short grace, then is left behind
    assert abandoned_lines(stderr) == []  # json's import is done; only a callback was cut


def test_a_quiet_controller_abandons_without_a_line(tmp_path):
    slow = Gen(tmp_path).modules(1, BLOCKS_FOREVER, "slow")
    _, exit_seconds, stderr = run_app(tmp_path, slow, slow, log=False)
    assert exit_seconds < EXIT_BOUND
    assert stderr == ""


# ---------------------------------------------------------------------- shutdown, in process
def test_shutdown_without_wait_returns_at_once_while_an_import_blocks(gen, controllers):
    gate = gen.gate()
    slow = gen.blocking(gate)
    controller = controllers([slow, "json"], max_workers=1)
    controller.start()
    assert gate.started.wait(WAIT)
    begin = time.monotonic()
    assert controller.shutdown(wait=False) is False
    assert time.monotonic() - begin < 0.5
    states = {c["module"]: c["status"] for c in controller.canaries()}
    assert states == {slow: "running", "json": "cancelled"}


def test_shutdown_with_a_timeout_returns_in_time_and_reports_not_finished(gen, controllers):
    gate = gen.gate()
    slow = gen.blocking(gate)
    controller = controllers([slow, "json"], max_workers=1)
    controller.start()
    assert gate.started.wait(WAIT)
    begin = time.monotonic()
    assert controller.shutdown(wait=True, timeout=0.2) is False
    assert 0.15 <= time.monotonic() - begin < 1.0
    assert controller.canaries()[1]["status"] == "cancelled"
    gate.release.set()
    assert controller.shutdown(wait=True, timeout=WAIT) is True  # a later call waits again
    assert controller.warmup_status() == {"pending": [], "completed": [slow], "failed": [],
                                          "cancelled": ["json"]}
    assert controller.io_pool_status()["workers"] == []


def test_shutdown_waits_for_the_service_pools_within_the_same_timeout(gen, controllers):
    controller = controllers(["json"])
    started, release = threading.Event(), threading.Event()
    service = controller.service_pool("exit-test")
    service.submit(lambda: (started.set(), release.wait(WAIT)))
    assert started.wait(WAIT)
    begin = time.monotonic()
    assert controller.shutdown(wait=True, timeout=0.2) is False
    assert time.monotonic() - begin < 1.0
    release.set()
    assert controller.shutdown(wait=True, timeout=WAIT) is True


def test_leaving_the_with_block_does_not_wait_for_a_blocked_import(gen):
    gate = gen.gate()
    slow = gen.blocking(gate)
    try:
        begin = time.monotonic()
        with WarmupController([slow], log_to_stderr=False) as controller:
            controller.start()
            assert gate.started.wait(WAIT)
        assert time.monotonic() - begin < 2.0
        assert controller.io_pool_status()["shutdown"] is True
    finally:
        gate.release.set()
    assert controller.shutdown(wait=True, timeout=WAIT) is True


@pytest.mark.parametrize(
    "timeout, exc",
    [(-1, ValueError), (-0.001, ValueError), (math.nan, ValueError), ("2", TypeError),
     (True, TypeError), (object(), TypeError)],
)
def test_bad_shutdown_timeout_is_refused_with_its_value_and_changes_nothing(
        controllers, timeout, exc):
    controller = controllers(["json"])
    with pytest.raises(exc, match=r"shutdown\(\): timeout") as info:
        controller.shutdown(wait=True, timeout=timeout)
    assert repr(timeout) in str(info.value)
    assert controller.io_pool_status()["shutdown"] is False
    controller.start()  # still usable
    assert controller.wait_for_warmup(WAIT)


@pytest.mark.parametrize("timeout", [math.inf, 1e20, 10**400], ids=["inf", "1e20", "10**400"])
def test_infinite_or_huge_timeout_means_no_limit(controllers, timeout):
    controller = controllers(["json"]).start()
    assert controller.wait_for_warmup(WAIT)
    assert controller.shutdown(wait=True, timeout=timeout) is True


def test_the_exit_hook_does_not_keep_a_controller_alive():
    # gc_while_warming=None: the default freezes what is alive at the round's end, this
    # controller's own reference cycles too (gc_warming.py says so); this test is the hook's.
    finished = WarmupController(["json"], log_to_stderr=True, max_workers=1,
                                gc_while_warming=None).start()
    assert finished.wait_for_warmup(WAIT)  # never shut down: its hook stays registered
    # The one worker is past the warmup job (summary, callbacks) once it has run the next job.
    finished.submit_job(lambda: None).result(WAIT)
    closed = WarmupController(["json"], log_to_stderr=True, gc_while_warming=None).start()
    assert closed.shutdown(wait=True, timeout=WAIT) is True
    refs = [weakref.ref(finished), weakref.ref(closed)]
    del finished, closed
    gc.collect()
    assert [ref() for ref in refs] == [None, None]


def test_the_exit_hook_names_running_imports_and_nothing_else(gen, capsys):
    gate = gen.gate()
    slow = gen.blocking(gate)
    controller = WarmupController([slow, "json"], max_workers=2, log_to_stderr=True)
    json_done = threading.Event()  # set after json's own log line is written
    controller.add_listener(lambda r: r["module"] == "json" and r["end_ts"] and json_done.set())
    controller.start()
    assert gate.started.wait(WAIT) and json_done.wait(WAIT)
    hook = controller._exit_report  # what start() registered with atexit
    capsys.readouterr()
    hook()
    [line] = capsys.readouterr().err.splitlines()
    worker = controller.manager.canary_for(slow)["thread_name"]
    assert line.startswith(f"[imwarmup] exit: abandoned the import of {slow!r} on {worker} after ")
    gate.release.set()
    assert controller.shutdown(wait=True, timeout=WAIT) is True
    capsys.readouterr()
    hook()  # everything finished: nothing to say
    assert capsys.readouterr().err == ""


def test_wait_quiet_waits_for_a_listener_of_a_finished_import_not_for_running_imports(
        gen, controllers):
    gate = gen.gate()
    slow = gen.blocking(gate)
    in_listener, leave_listener = threading.Event(), threading.Event()

    def listener(record):
        if record["module"] == "json" and record["end_ts"] is not None:
            in_listener.set()
            leave_listener.wait(WAIT)

    controller = controllers([slow, "json"], max_workers=2)
    controller.add_listener(listener)
    controller.start()
    assert gate.started.wait(WAIT) and in_listener.wait(WAIT)
    assert controller.manager.wait_quiet(0.1) is False  # json is still reporting
    leave_listener.set()
    assert controller.manager.wait_quiet(WAIT) is True  # the blocked import does not count
    assert controller.manager.canary_for(slow)["status"] == "running"
