"""Scripted canaries and a real-window frame runner, shared by the Gantt tests, the benchmark
(`benchmarks/bench_gantt.py`) and the screenshot script (`benchmarks/render_gantt.py`).

The canaries look like ``WarmupController.canaries()`` records; time is frozen (``T0`` is the
first submit, ``NOW`` the injected clock), so every run draws the same picture.
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
from typing import Any, Callable

T0 = 1_700_000_000.0   # the first submit (absolute seconds, like time.time())
NOW = T0 + 2.0         # the frozen clock of the scripted scenes

_NAMES = ("numpy", "sqlite3", "json", "email.mime.text", "xml.dom.minidom", "http.client",
          "urllib.request", "decimal", "asyncio", "concurrent.futures", "logging.handlers",
          "multiprocessing.pool", "unittest.mock", "ctypes.util", "zipfile", "tarfile", "csv")


def record(cid: int, module: str, *, thread: str | None, submit: float, start: float | None,
           end: float | None, status: str, error: str | None = None,
           main_thread: bool = False, cpu: float | None = None) -> dict[str, Any]:
    """One canary record with times in seconds after ``T0``; ``cpu``: the import's own work
    (thread CPU seconds) of an ended canary, or None (not measured)."""
    return {
        "canary_id": cid, "module": module, "thread_name": thread,
        "thread_id": None if thread is None else 1000 + cid,
        "submit_ts": T0 + submit,
        "start_ts": None if start is None else T0 + start,
        "end_ts": None if end is None else T0 + end,
        "elapsed_ms": None if start is None or end is None else (end - start) * 1000.0,
        "cpu_ms": None if cpu is None else cpu * 1000.0,
        "status": status, "error": error, "main_thread": main_thread,
    }


def every_state() -> list[dict[str, Any]]:
    """A round in every state: completed, failed, cancelled (started and not), running,
    queued, and an import on the main thread. Lanes: controller-io-0..3 and MainThread."""
    io = [f"controller-io-{k}" for k in range(4)]
    return [
        record(1, "numpy", thread=io[0], submit=0.0, start=0.01, end=0.90, status="completed",
               cpu=0.30),
        record(2, "sqlite3", thread=io[1], submit=0.0, start=0.01, end=0.30, status="completed",
               cpu=0.25),
        record(3, "broken_sdk", thread=io[1], submit=0.0, start=0.32, end=0.80, status="failed",
               error="ModuleNotFoundError: No module named 'broken_sdk'", cpu=0.02),
        record(4, "email.mime.text", thread=io[2], submit=0.0, start=0.02, end=0.55,
               status="cancelled"),
        record(5, "asyncio", thread=io[3], submit=0.0, start=0.05, end=None, status="running"),
        record(6, "xml.dom.minidom", thread=io[2], submit=0.0, start=0.60, end=None,
               status="running"),
        record(7, "decimal", thread=None, submit=0.0, start=None, end=None, status="running"),
        record(8, "tarfile", thread=None, submit=0.0, start=None, end=1.0, status="cancelled"),
        record(9, "json", thread="MainThread", submit=0.2, start=0.25, end=0.70,
               status="completed", main_thread=True, cpu=0.40),
        record(10, "csv", thread=io[0], submit=0.0, start=0.92, end=1.60, status="completed",
               cpu=0.12),
    ]


def at_time(final: list[dict[str, Any]], now: float) -> tuple[list[dict[str, Any]], int]:
    """The scripted round as it was at ``now``: a canary is queued before its start, running
    before its end, then in its final state; also a revision that counts the events so far."""
    out, events = [], 0
    for c in final:
        c = dict(c)
        events += c["submit_ts"] <= now
        if c["submit_ts"] > now:
            continue
        start, end = c["start_ts"], c["end_ts"]
        if start is not None and start > now:
            c.update(start_ts=None, thread_name=None, thread_id=None, main_thread=False)
            start = None
        events += start is not None
        if start is None and end is not None and end > now:
            c.update(end_ts=None, status="running", error=None)   # not yet cancelled
        elif end is not None and end > now:
            c.update(end_ts=None, elapsed_ms=None, cpu_ms=None, status="running", error=None)
        events += c["end_ts"] is not None
        out.append(c)
    return out, events


def many(n: int, lanes: int = 4, seed: int = 1, fail_every: int = 23) -> list[dict[str, Any]]:
    """``n`` finished canaries packed back to back on ``lanes`` workers (submitted at once),
    durations from 0.05 ms to tens of ms, every ``fail_every``-th one failed."""
    rng = random.Random(seed)
    t = [0.001 * (k + 1) for k in range(lanes)]
    out = []
    for cid in range(1, n + 1):
        k = min(range(lanes), key=t.__getitem__)      # the first free worker takes the job
        dur = rng.choice((0.00005, 0.0002, 0.001, 0.004, 0.02, 0.06)) * rng.uniform(0.5, 1.5)
        name = f"{_NAMES[cid % len(_NAMES)]}_{cid}" if n > len(_NAMES) else _NAMES[cid - 1]
        failed = cid % fail_every == 0
        out.append(record(
            cid, name, thread=f"controller-io-{k}", submit=0.0, start=t[k], end=t[k] + dur,
            status="failed" if failed else "completed",
            error=f"ImportError: cannot import name 'x' from '{name}'" if failed else None))
        t[k] += dur + 0.00002
    return out


# ------------------------------------------------------------------------------ the display
def ensure_display():
    """A ``VirtualDisplay`` started when there is no ``DISPLAY`` (stop it when done), or None."""
    import os

    from imwarmup.testing.display import VirtualDisplay

    os.environ.setdefault("XDG_SESSION_TYPE", "x11")
    if os.environ.get("DISPLAY"):
        return None
    return VirtualDisplay().start()


# -------------------------------------------------------------------------------- frames
def pointer():
    """pyautogui with no pause between calls (it moves the real X pointer: the GLFW backend
    reads the cursor every frame, so ``io.add_mouse_pos_event`` would be overridden)."""
    import pyautogui

    pyautogui.PAUSE = 0.0
    pyautogui.FAILSAFE = False
    return pyautogui


def screen_params(title: str, size) -> tuple[Any, str]:
    """A hello_imgui ``RunnerParams`` for a window at the screen's top-left (window pixels are
    screen pixels, for pyautogui), idling off so every frame renders, and its ini file in a
    private temp folder (no layout, sort or dock state from another run); returns the params
    and that folder, to remove after the run."""
    from imgui_bundle import hello_imgui

    params = hello_imgui.RunnerParams()
    params.app_window_params.window_title = title
    params.app_window_params.window_geometry.size = size
    params.app_window_params.window_geometry.position_mode = (
        hello_imgui.WindowPositionMode.from_coords)
    params.app_window_params.window_geometry.position = (0, 0)
    params.fps_idling.enable_idling = False
    tmp = tempfile.mkdtemp(prefix="imwarmup-ini-")
    params.ini_folder_type = hello_imgui.IniFolderType.absolute_path
    params.ini_filename = os.path.join(tmp, "imgui.ini")
    return params, tmp


def run_diagnostics_and_save(params: Any, plugin: Any, ini_folder: str, png: str) -> None:
    """Install ``plugin`` into ``params`` (from ``screen_params``), open its diagnostics window,
    run the app with implot, remove ``ini_folder`` and save the final frame to ``png``."""
    from imgui_bundle import hello_imgui, immapp
    from PIL import Image

    plugin.install(params)
    params.callbacks.enqueue_post_init(plugin.show_debug_window)
    try:
        immapp.run(params, immapp.AddOnsParams(with_implot=True))
    finally:
        shutil.rmtree(ini_folder, ignore_errors=True)
    shot = hello_imgui.final_app_window_screenshot()
    Image.fromarray(shot[..., :3]).save(png)


def xauthority_env(folder: str) -> dict[str, str]:
    """The environment for child processes that use pyautogui on the current display: its Xlib
    refuses a display without an Xauthority file, so an empty one of ours in ``folder`` when
    none exists (as imwarmup.testing.display does for the Xvfb it starts)."""
    env = dict(os.environ)
    if not os.path.exists(env.get("XAUTHORITY") or os.path.expanduser("~/.Xauthority")):
        env["XAUTHORITY"] = os.path.join(folder, "Xauthority")
        open(env["XAUTHORITY"], "wb").close()
    return env


def run_frames(gui: Callable[[int], None], frames: int, *, size=(1200, 760),
               title: str = "gantt-harness", screenshot: bool = True):
    """Run ``gui(frame_index)`` inside a real hello_imgui window with implot for ``frames``
    frames, then return the last frame as an RGB numpy array (or None).

    The ini file goes to a temp dir (no layout leaks between runs), idling is off so every
    frame renders, and the default font is used (no assets needed).
    """
    from imgui_bundle import hello_imgui, immapp

    params, tmp = screen_params(title, size)
    params.imgui_window_params.default_imgui_window_type = (
        hello_imgui.DefaultImGuiWindowType.provide_full_screen_window)
    count = [0]
    errors: list[BaseException] = []

    def show() -> None:
        # Draw on every frame up to the last one (which the screenshot shows), then exit.
        try:
            gui(min(count[0], frames - 1))
        except BaseException as exc:      # collected, raised after the run
            errors.append(exc)
            params.app_shall_exit = True
        count[0] += 1
        if count[0] >= frames:
            params.app_shall_exit = True

    params.callbacks.show_gui = show
    addons = immapp.AddOnsParams(with_implot=True)
    try:
        immapp.run(params, addons)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if errors:
        raise errors[0]
    if count[0] < frames:
        raise RuntimeError(f"the window ran {count[0]} of {frames} frames")
    if not screenshot:
        return None
    shot = hello_imgui.final_app_window_screenshot()
    return shot[..., :3].copy()
