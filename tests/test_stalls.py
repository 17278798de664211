"""Stalled imports, GUI freezes and main-thread-only imports (issue 15, parts 2-4): a module that
hangs on a worker, a main thread that waits for a worker's module lock, the watcher's thread,
its stderr lines, the API, and the thresholds' validation. Gates (modgen) instead of sleeps:
a "sleeping" module waits on an event the test sets."""

from __future__ import annotations

import math
import sys
import threading
import time

import pytest

from modgen import HANG, controllers, gen  # noqa: F401 - fixtures

from imwarmup import WarmupController
from imwarmup.core.hooks import HookClient, HookServer
from imwarmup.core.stalls import StallWatcher, format_seconds
from imwarmup.widgets.status_line import status_line
from imwarmup.widgets.status_segment import short_text

STALL_KEYS = {"module", "canary_id", "thread_name", "running_s", "stack"}


def _line_of(path, text: str) -> int:
    """The 1-based line number of the first line of the file containing ``text``."""
    for number, line in enumerate(open(path).read().splitlines(), 1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


def started_blocking(controllers, gen, **kw):
    """A controller warming one module that blocks on its gate until the test releases it,
    started: ``(gate, module, controller)``."""
    gate = gen.gate()
    slow = gen.blocking(gate)
    controller = controllers([slow], **kw)
    controller.start()
    return gate, slow, controller


# ------------------------------------------------------------------------------ stalls
def test_a_sleeping_import_is_stalled_with_its_live_stack(controllers, gen, capsys):
    gate = gen.gate()
    slow = gen.blocking(gate)
    quick = gen.module("X = 1")
    controller = controllers([slow, quick], stall_after=0.3, log_to_stderr=True)
    watcher = controller.stall_watcher
    controller.start()
    assert gate.started.wait(HANG)
    assert watcher.wait_for(lambda: watcher.stall_note() is not None, HANG)

    [stall] = controller.stalls()
    assert STALL_KEYS <= set(stall)
    assert stall["kind"] == "stall" and stall["module"] == slow
    assert stall["thread_name"].startswith("controller-io-")
    assert stall["running_s"] >= 0.3
    canary = controller.manager.canary_for(slow)
    assert stall["canary_id"] == canary["canary_id"]
    # The stack starts in the module (the pool's and importlib's frames left out) and the
    # module's own line where it waits is the marked one; below it, threading's wait.
    stack = stall["stack"]
    path = gen.root / f"{slow}.py"
    marked = stack[stall["marked"]]
    assert marked == f"{path}:{_line_of(path, '_gate.release.wait')} in <module>"
    assert stack[0] == marked  # nothing of the plumbing above the module
    assert any("threading.py" in entry and entry.endswith(" in wait") for entry in stack[1:])
    assert not any("<frozen" in entry for entry in stack)

    # The status bar's text, from the snapshot the watcher keeps (no stack walk per frame).
    note = controller.stall_note()
    assert note.startswith(f"{slow} stalled ") and note.endswith(" s")
    line = status_line(controller.warmup_status(), note)
    assert line.text == f"Warming up... (1/2) \u00b7 {note}"
    assert short_text(line) == "1/2 stalled"
    assert short_text(status_line(controller.warmup_status())) == "1/2"

    # One stderr line when it became stalled, however many ticks saw it.
    rev = watcher.revision
    assert watcher.wait_for(lambda: watcher.revision > rev, HANG)
    err = capsys.readouterr().err
    stalled_lines = [ln for ln in err.splitlines() if ln.startswith("[imwarmup] stalled:")]
    assert len(stalled_lines) == 1, err
    assert f"{slow!r} has been importing for" in stalled_lines[0]
    assert "on controller-io-" in stalled_lines[0] and "(stall_after=0.3 s)" in stalled_lines[0]
    assert f"{slow}.py:{_line_of(path, '_gate.release.wait')}" in stalled_lines[0]

    # It finishes after all: no stall any more, and its canary keeps how long it was stalled.
    gate.release.set()
    assert controller.wait_for_warmup(HANG)
    assert watcher.wait_for(lambda: not watcher.running, HANG)  # the watcher ends with warmup
    assert controller.stalls() == [] and controller.stall_note() is None
    done = controller.manager.canary_for(slow)
    expected = done["end_ts"] - (done["start_ts"] + 0.3)
    assert done["stalled_s"] == pytest.approx(expected, abs=1e-6)
    assert done["stalled_s"] > 0
    assert controller.manager.canary_for(quick)["stalled_s"] is None


def test_stalls_over_the_hook_api(controllers, gen):
    gate, slow, controller = started_blocking(controllers, gen, stall_after=0.2)
    watcher = controller.stall_watcher
    assert watcher.wait_for(lambda: watcher.stall_note() is not None, HANG)
    with HookServer(controller) as server:
        client = HookClient(server.url)
        [stall] = client.stalls()
        assert STALL_KEYS <= set(stall)
        assert stall["module"] == slow and isinstance(stall["stack"], list)
        assert all(isinstance(entry, str) and ":" in entry for entry in stall["stack"])
        gate.release.set()
        assert controller.wait_for_warmup(HANG)
        assert watcher.wait_for(lambda: not watcher.running, HANG)
        assert client.stalls() == []


def test_the_watcher_runs_on_its_own_service_thread_and_never_delays_shutdown(controllers, gen):
    gate, slow, controller = started_blocking(controllers, gen, stall_after=0.2)
    watcher = controller.stall_watcher
    assert gate.started.wait(HANG)
    names = {t.name for t in threading.enumerate()}
    assert "controller-watch-0" in names
    assert watcher.running
    # The warmup pool's workers stay the warmup's: the watcher is not one of them.
    assert "controller-watch-0" not in controller.io_pool_status()["workers"]
    started = time.monotonic()
    controller.shutdown(wait=False)
    assert watcher.wait_for(lambda: not watcher.running, HANG)
    assert time.monotonic() - started < 1.0  # woken by shutdown, not by its next tick
    gate.release.set()


def test_no_watcher_thread_when_both_thresholds_are_never(controllers, gen):
    gate, slow, controller = started_blocking(controllers, gen, stall_after=math.inf,
                                              freeze_after=math.inf)
    assert gate.started.wait(HANG)
    assert not controller.stall_watcher.running
    assert "controller-watch-0" not in {t.name for t in threading.enumerate()}
    gate.release.set()


@pytest.mark.parametrize("name", ["stall_after", "freeze_after"])
@pytest.mark.parametrize("value, error", [
    ("10", TypeError), (True, TypeError), (None, TypeError), ([1], TypeError),
    (0, ValueError), (-1.0, ValueError), (math.nan, ValueError),
])
def test_bad_thresholds_are_refused_naming_the_value(name, value, error):
    with pytest.raises(error) as info:
        WarmupController([], **{name: value})
    message = str(info.value)
    assert message.startswith("WarmupController(): ")
    assert f"{name} must be a number of seconds > 0" in message
    assert repr(value) in message


def test_format_seconds():
    assert format_seconds(12.9) == "12 s"
    assert format_seconds(125) == "2 min 5 s"


# ------------------------------------------------------------------------------ freezes
class _Frames:
    """A frame log as the watcher sees it: only ``last``."""

    def __init__(self, last=None):
        self.last = last


class _IdleManager:
    """A manager with nothing importing, as the freeze checks below need."""

    def importing(self):
        return []

    def is_done(self):
        return False


def _freeze_watcher(frames):
    """A watcher of ``frames`` (freeze after 1 s), and the manager it holds weakly (keep it)."""
    manager = _IdleManager()
    return StallWatcher(manager, clock=time.time, stall_after=10.0, freeze_after=1.0,
                        frames=lambda: frames, log=False), manager


def test_no_frames_means_no_freeze_detection():
    frames = _Frames()
    watcher, _manager = _freeze_watcher(frames)
    assert watcher.check(1000.0) is False and watcher.stalls() == []
    frames.last = 1000.0
    assert watcher.check(1000.5) is False          # a frame 0.5 s old: not frozen
    assert watcher.check(1002.0) is True           # 2 s without a frame: frozen
    [freeze] = watcher.stalls()
    assert freeze["kind"] == "freeze" and freeze["ongoing"]
    assert freeze["running_s"] == pytest.approx(2.0)
    frames.last = 1002.5                            # the next frame started: it is over
    assert watcher.check(1002.6) is False
    [freeze] = watcher.stalls()
    assert not freeze["ongoing"] and freeze["running_s"] == pytest.approx(2.5)
    assert freeze["text"].startswith("GUI froze 2.5 s at ")


def test_a_host_idling_between_frames_is_no_freeze():
    frames = _Frames(last=1000.0)
    frames.idle_wait_s = 2.0  # the host idles: up to 2 s between frames (fps_idle 0.5)
    watcher, _manager = _freeze_watcher(frames)
    assert watcher.check(1002.5) is False           # 2.5 s: within the wait plus the threshold
    assert watcher.check(1003.2) is True            # 3.2 s: frozen after all
    frames.idle_wait_s = 0.0                         # frames come flat out again
    frames.last = 1003.5
    assert watcher.check(1004.0) is False
    assert watcher.check(1004.6) is True            # 1.1 s without a frame: frozen


def _release_when(watcher, predicate, gate, seen):
    """Test helper thread: once the watcher's snapshot satisfies ``predicate``, keep a copy and
    let the blocked import go on."""
    try:
        if watcher.wait_for(lambda: predicate(watcher._freezes), HANG):
            seen.extend(dict(f) for f in watcher._freezes)
    finally:
        gate.release.set()


def test_a_gui_thread_waiting_for_a_workers_module_lock_is_a_freeze_blamed_on_that_worker(
        controllers, gen, capsys):
    gate, slow, controller = started_blocking(controllers, gen, freeze_after=0.2,
                                              log_to_stderr=True)
    watcher = controller.stall_watcher
    assert gate.started.wait(HANG)  # the worker holds the module's import lock now
    seen: list = []
    helper = threading.Thread(target=_release_when, args=(
        watcher, lambda freezes: freezes and freezes[-1].get("blame"), gate, seen))
    helper.start()
    frames = controller.frames
    frames.mark(frames.clock())
    __import__(slow)  # the GUI thread needs the module: it waits for the worker's lock
    frames.mark(frames.clock())
    helper.join(HANG)
    assert seen, "the watcher never blamed the freeze"
    assert seen[-1]["ongoing"]
    assert controller.wait_for_warmup(HANG)
    assert watcher.wait_for(lambda: not watcher.running, HANG)

    [freeze] = controller.stalls()
    worker = controller.manager.canary_for(slow)
    assert freeze["kind"] == "freeze" and not freeze["ongoing"]
    assert freeze["blame"] == {"reason": "lock", "lock": slow, "module": slow,
                               "canary_id": worker["canary_id"],
                               "thread_name": worker["thread_name"]}
    assert freeze["module"] == slow and freeze["thread_name"] == "MainThread"
    here = _line_of(__file__, "__import__(slow)  # the GUI thread")
    assert freeze["at"] == f"{__file__}:{here} in {sys._getframe().f_code.co_name}"
    assert freeze["running_s"] >= 0.2
    assert freeze["text"] == (
        f"GUI froze {freeze['running_s']:.1f} s at tests/test_stalls.py:{here}: waiting for "
        f"the import lock of {slow!r}, held by {worker['thread_name']} (importing {slow})")
    assert f"[imwarmup] {freeze['text']}" in capsys.readouterr().err.splitlines()


def test_a_gui_thread_importing_a_slow_module_itself_is_a_freeze_blamed_on_that_import(
        controllers, gen):
    gate = gen.gate()
    hang = gen.blocking(gate, stem="self")
    other_gate = gen.gate()
    keep_warming = gen.blocking(other_gate)  # the watcher runs while warmup runs
    controller = controllers([keep_warming], freeze_after=0.2)
    watcher = controller.stall_watcher
    controller.start()
    seen: list = []
    helper = threading.Thread(target=_release_when, args=(
        watcher, lambda freezes: freezes and freezes[-1].get("blame"), gate, seen))
    helper.start()
    frames = controller.frames
    frames.mark(frames.clock())
    __import__(hang)  # a heavy import on the GUI thread itself
    frames.mark(frames.clock())
    helper.join(HANG)
    other_gate.release.set()
    assert seen
    blame = seen[-1]["blame"]
    assert blame["reason"] == "import" and blame["module"] == hang
    assert blame["thread_name"] == "MainThread" and blame["canary_id"] is None
    assert controller.wait_for_warmup(HANG)
    assert watcher.wait_for(lambda: not watcher.running, HANG)
    [freeze] = controller.stalls()
    assert freeze["text"].endswith(f": importing {hang!r} on the GUI thread itself")


# --------------------------------------------------------------------- main-thread-only
def test_a_module_that_must_be_imported_on_the_main_thread_says_so_and_what_to_do(
        controllers, gen):
    name = gen.module("""
        import signal
        signal.signal(signal.SIGINT, signal.default_int_handler)
    """, stem="sig")
    controller = controllers([name])
    controller.start()
    assert controller.wait_for_warmup(HANG)
    error = controller.manager.canary_for(name)["error"]
    first = error.splitlines()[0]
    assert first.startswith("ValueError: signal only works in main thread")
    assert f"{name!r} must be imported on the main thread" in first
    assert "before controller.start()" in first and "leave it out of the warmup" in first
    with pytest.raises(Exception) as info:
        controller.require_warmed(name)
    assert "must be imported on the main thread" in str(info.value)


def test_other_failures_get_no_main_thread_advice(controllers, gen):
    name = gen.module("raise ImportError('no provider SDK')", stem="plain")
    controller = controllers([name])
    controller.start()
    assert controller.wait_for_warmup(HANG)
    assert controller.manager.canary_for(name)["error"] == "ImportError: no provider SDK"


# ------------------------------------------------------------------------------ frames
def test_frames_summary_blames_each_hitch_on_the_imports_running_then(controllers):
    from imwarmup.core.frame_summary import frame_summary
    from imwarmup.core.frames import FrameLog

    log = FrameLog(clock=time.time)
    t = 100.0
    for interval in [0.016] * 20 + [0.216] + [0.016] * 5:
        log.mark(t)
        t += interval
    log.mark(t)
    hitch_start = 100.0 + 20 * 0.016
    canaries = [
        {"canary_id": 1, "module": "pandas", "thread_name": "controller-io-3",
         "start_ts": hitch_start - 0.1, "end_ts": hitch_start + 0.3, "main_thread": False},
        {"canary_id": 2, "module": "early", "thread_name": "controller-io-0",
         "start_ts": 99.0, "end_ts": 99.5, "main_thread": False},
    ]
    summary = frame_summary(log, canaries)
    assert summary["count"] == 26
    assert summary["p50_ms"] == pytest.approx(16.0)
    assert summary["worst_ms"] == pytest.approx(216.0)
    assert [c["module"] for c in summary["worst_culprits"]] == ["pandas"]
    [hitch] = summary["hitches"]
    assert hitch["frame"] == 21
    assert hitch["text"] == "frame 21: 216 ms while pandas was importing on controller-io-3"

    # With its import tree, the hitch names the nested module whose own code ran then: not
    # pandas (its own code ran before), not the parent pandas._libs (its child took the frame).
    h0, h1 = hitch_start, hitch_start + 0.216
    tree = [
        {"module": "pandas", "parent": None, "depth": 0, "start_ts": h0 - 0.1, "end_ts": h0 + 0.3},
        {"module": "pandas._libs", "parent": 0, "depth": 1, "start_ts": h0 - 0.01,
         "end_ts": h1 + 0.01},
        {"module": "pandas._libs.tslibs", "parent": 1, "depth": 2, "start_ts": h0 + 0.02,
         "end_ts": h1 - 0.02},
        {"module": "pandas.core", "parent": 0, "depth": 1, "start_ts": h1 + 0.02,
         "end_ts": h0 + 0.3},
    ]
    summary = frame_summary(log, canaries, trees={1: tree, 2: []})
    [hitch] = summary["hitches"]
    assert hitch["culprits"][0]["inner"] == "pandas._libs.tslibs"
    assert hitch["text"] == ("frame 21: 216 ms while pandas (in pandas._libs.tslibs) was "
                             "importing on controller-io-3")
    assert summary["worst_culprits"][0]["inner"] == "pandas._libs.tslibs"
    # The canary's own module's code took the frame: nothing nested to name.
    own = [dict(tree[0]), dict(tree[3], parent=0)]
    summary = frame_summary(log, canaries, trees={1: own})
    assert summary["hitches"][0]["culprits"][0]["inner"] is None


def test_frames_over_the_hook_api(controllers):
    controller = controllers([])
    frames = controller.frames
    for t in (10.0, 10.016, 10.032, 10.3, 10.316):
        frames.mark(t)
    with HookServer(controller) as server:
        body = HookClient(server.url).frames()
    assert body["count"] == 4
    assert [h["frame"] for h in body["hitches"]] == [3]
    assert body["hitches"][0]["text"] == "frame 3: 268 ms (no import was running)"


def test_frames_over_the_hook_api_split_while_warming_and_after(controllers):
    from imwarmup.core.report import AFTER_MIN_FRAMES

    controller = controllers(["json"])
    controller.start()
    assert controller.wait_for_warmup(30)
    [canary] = controller.canaries()
    frames = controller.frames
    with HookServer(controller) as server:
        client = HookClient(server.url)
        assert (client.frames()["warming"], client.frames()["after"]) == (None, None)
        # One long frame across the import, then 10 ms frames after it: one too few at first.
        frames.mark(canary["submit_ts"])
        t = canary["end_ts"] + 0.040
        long_ms = (t - canary["submit_ts"]) * 1000.0
        for _ in range(AFTER_MIN_FRAMES):
            frames.mark(t)
            t += 0.010
        body = client.frames()
        assert body["warming"]["count"] == 1
        assert abs(body["warming"]["p99_ms"] - long_ms) < 1e-3
        assert body["after"] is None
        frames.mark(t)
        body = client.frames()
    assert body["after"]["count"] == AFTER_MIN_FRAMES
    assert abs(body["after"]["p99_ms"] - 10.0) < 1e-3
    assert body["count"] == AFTER_MIN_FRAMES + 1      # the whole log, as before


def test_a_retried_import_that_hangs_is_watched_too(controllers, gen):
    # The first attempt fails as if another import had it half-run (a retryable error); the
    # retry then hangs: it is in flight again, and the watcher reports it with its stack.
    gate = gen.gate()
    gate.attempts = 0
    flaky = gen.module(f"""
        import {gate.__name__} as _gate
        _gate.attempts += 1
        if _gate.attempts == 1:
            raise ImportError("cannot import name 'X' from partially initialized module 'other'")
        _gate.started.set()
        if not _gate.release.wait({HANG}):
            raise TimeoutError("the test never released the gate")
        """, "flaky")
    controller = controllers([flaky], stall_after=0.3)
    watcher = controller.stall_watcher
    controller.start()
    assert gate.started.wait(HANG)                       # the retry is running
    assert watcher.wait_for(lambda: watcher.stall_note() is not None, HANG)
    [stall] = controller.stalls()
    assert stall["module"] == flaky and stall["kind"] == "stall"
    path = gen.root / f"{flaky}.py"
    assert stall["stack"][stall["marked"]] == \
        f"{path}:{_line_of(path, '_gate.release.wait')} in <module>"
    gate.release.set()
    assert controller.wait_for_warmup(HANG)
    canary = controller.manager.canary_for(flaky)
    assert canary["status"] == "completed" and canary["retried"]
    assert canary["stalled_s"] is not None and canary["stalled_s"] > 0.0
    assert watcher.wait_for(lambda: not watcher.running, HANG)  # the watcher ends with warmup
    assert controller.stalls() == [] and controller.stall_note() is None


def test_a_stall_says_whether_its_thread_computes_or_waits(controllers, gen, monkeypatch):
    import imwarmup.core.stalls as stalls_module
    from imwarmup.widgets.stall_list import stall_heading

    monkeypatch.setattr(stalls_module, "STACK_REFRESH_SECONDS", 0.1)
    waiting, spinning = gen.gate(), gen.gate()
    asleep = gen.blocking(waiting)
    busy = gen.module(f"""
        import {spinning.__name__} as _gate
        _gate.started.set()
        n = 0
        while not _gate.release.is_set():
            n += 1
        """, "spin")
    controller = controllers([asleep, busy], stall_after=0.2, concurrency=None)
    watcher = controller.stall_watcher
    controller.start()
    assert waiting.started.wait(HANG) and spinning.started.wait(HANG)

    def shares() -> dict[str, float | None]:
        return {s["module"]: s.get("cpu_share") for s in controller.stalls()}

    try:
        deadline = time.monotonic() + HANG
        seen = shares()
        while (len(seen) < 2 or None in seen.values()) and time.monotonic() < deadline:
            rev = watcher.revision     # wait_for's predicate runs under the watcher's lock:
            watcher.wait_for(lambda: watcher.revision > rev, 1.0)  # read stalls() outside it
            seen = shares()
        assert seen[asleep] < 0.2, seen        # waiting on an event: off the CPU
        assert seen[busy] > 0.5, seen          # a Python loop: on a CPU most of the time
        by_module = {s["module"]: s for s in controller.stalls()}
        assert "(computing)" in stall_heading(by_module[busy])
        assert "(waiting: sleep, I/O, a lock or the network)" in stall_heading(by_module[asleep])
    finally:
        waiting.release.set()
        spinning.release.set()
    assert controller.wait_for_warmup(HANG)


def test_the_app_after_its_gui_run_is_not_a_gui_freeze(virtual_display, controllers, gen):
    # The GUI runs a few frames and ends while an import still runs; the app then shuts down
    # slowly. The plugin ends the frame log's series at before_exit: no "GUI froze" for that.
    import tempfile

    from imgui_bundle import hello_imgui, immapp

    from imwarmup.panels import DiagnosticsPlugin

    gate, slow, controller = started_blocking(controllers, gen, freeze_after=0.3,
                                              stall_after=math.inf)
    plugin = DiagnosticsPlugin(controller)
    params = hello_imgui.RunnerParams()
    params.app_window_params.window_geometry.size = (400, 300)
    params.fps_idling.enable_idling = False
    params.ini_folder_type = hello_imgui.IniFolderType.absolute_path
    params.ini_filename = tempfile.mkdtemp(prefix="imwarmup-ini-") + "/imgui.ini"
    frames = [0]

    def gui() -> None:
        frames[0] += 1
        if frames[0] >= 20:
            params.app_shall_exit = True

    params.callbacks.show_gui = gui
    plugin.install(params)
    try:
        immapp.run(params)
        assert frames[0] >= 20 and len(controller.frames) >= 10   # the run was logged
        assert controller.frames.last is None                    # and its series ended
        watcher = controller.stall_watcher
        rev = watcher.revision
        # Three times freeze_after with no frame: a freeze would have shown by now.
        assert not watcher.wait_for(lambda: watcher.revision != rev, 0.9)
        assert [s for s in controller.stalls() if s["kind"] == "freeze"] == []
    finally:
        gate.release.set()
    assert controller.wait_for_warmup(HANG)
