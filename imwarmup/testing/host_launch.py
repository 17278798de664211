"""Run someone else's app with the plugin added the README's way, drive it, and report what happened.

    python -m imwarmup.testing.host_launch TARGET --result OUT.json [--screenshot OUT.png]
        [--modules json,sqlite3,numpy] [--timeout 40] [--size 800x600] [--ini-dir DIR]
        [--switch-layout NAME@FRAME] [--reset-layout] [--press-palette] [--settle 6] [--open-after 8]

TARGET is a host script: one of imgui-bundle's demos from the installed wheel, or a small app of
your own. It runs unchanged, as ``__main__`` (``runpy``), except for its own run call:
``immapp.run``, ``hello_imgui.run`` and ``immapp.run_with_markdown`` are patched so that, right
before the host's call goes through, the README's lines are added:

- RunnerParams form: ``controller = WarmupController(modules); controller.start();
  plugin = DiagnosticsPlugin(controller); plugin.install(runner_params)``;
- gui-function form: the same controller and plugin, and ``run(plugin.wrap(gui), ...)``.

A host that installs a plugin itself (``DiagnosticsPlugin.install``/``wrap`` are watched) keeps
its own: nothing is added twice. Ini files go to ``--ini-dir`` (a fresh temp folder by default;
pass the same folder twice to test a layout persisted by an earlier run), and the run's working
folder is that folder too, so a gui-function host's ini (named after its title) lands there.

A driver chained onto ``callbacks.before_imgui_render`` (and ``pre_new_frame`` for keystrokes),
after whatever the host put there, counts frames (it never sleeps) and walks these phases:
``warming`` (until the plugin says ready or failed) → ``opening`` (``plugin.show_debug_window()``)
→ ``charting`` (until the chart has drawn bars on ``controller-io-N`` lanes and the completion
toast has faded in) → [``reset``: ``docking_params.layout_reset = True``, then charting again] →
``settling`` (a few frames) → [``palette``: Ctrl+Shift+P through imgui's io] → ``done``, where it
records a probe of the final frame and sets ``app_shall_exit``. ``--timeout`` bounds the whole run
(the driver gives up and says in which phase); a watchdog thread ends a process whose frames
stopped coming. After the host's run call returns, the last frame is written as a PNG.

The result JSON (rewritten at each phase, so a crash still leaves how far it got) has: ``reason``
(``done``, or why not), ``phase``, ``frames``, ``errors`` (exceptions seen: escaping the host's
run, ``sys.excepthook``, ``threading.excepthook``, unraisable, the driver's own), ``injection``
(``install``, ``wrap``, ``host``, or what went wrong), ``missing`` (plugin attributes the probe
looked for and did not find), ``draws_per_frame`` (the segment's ``draws_this_frame`` over the
settled frames) and ``probe``: the plugin's state (segment ``last_draw``, chart, lanes, toasts),
the windows (status bar, diagnostics window and its dock node, toasts, palettes, focus), the
host's own status items as measured around its ``show_status`` callback, and which windows showed.
Exit code: 0 when the host ran to its end, 1 when an exception escaped it, 3 when the driver gave
up (timeout), 4 when the watchdog had to end a hung process.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import os
import re
import runpy
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

__all__ = ["run", "build_parser", "launch_host", "HostRun", "LANE_PATTERN"]

DEFAULT_MODULES = "json,email.mime.multipart,sqlite3,decimal,numpy"
LANE_PATTERN = re.compile(r"controller-io-\d+")
READY_TOAST_PREFIX = "All providers ready"
_PHASE_TIMEOUT = 10.0  # seconds a phase after warming may take before the driver gives up


# ------------------------------------------------------------------------------------- options
def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--size must look like 800x600, got {text!r}") from None
    return w, h


def _switch(text: str) -> tuple[str, int]:
    name, sep, frame = text.rpartition("@")
    if not sep or not name or not frame.isdigit():
        raise argparse.ArgumentTypeError(
            f"--switch-layout must look like 'Layout name@30' (switch at that frame), got {text!r}")
    return name, int(frame)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m imwarmup.testing.host_launch",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("target", help="the host script to run as __main__")
    p.add_argument("--result", required=True, help="write the run's JSON result here")
    p.add_argument("--screenshot", help="write the last frame here (PNG)")
    p.add_argument("--modules", default=DEFAULT_MODULES, help="the warmup set, comma-separated")
    p.add_argument("--timeout", type=float, default=40.0, help="seconds for the whole run")
    p.add_argument("--size", type=_size, help="force the app window's size, e.g. 380x500")
    p.add_argument("--ini-dir", help="folder for the ini file(s) (default: a fresh temp folder)")
    p.add_argument("--switch-layout", type=_switch, help="NAME@FRAME: hello_imgui.switch_layout")
    p.add_argument("--switch-after-open", metavar="NAME",
                   help="switch_layout(NAME) once the window shows its chart; it must stay open")
    p.add_argument("--reset-layout", action="store_true",
                   help="once the chart shows, set docking_params.layout_reset (Restore default layout)")
    p.add_argument("--press-palette", action="store_true",
                   help="once settled, press Ctrl+Shift+P and let a few frames pass")
    p.add_argument("--settle", type=int, default=6, help="frames to let pass before the probe")
    p.add_argument("--open-after", type=int, default=8,
                   help="open the diagnostics window no earlier than this frame (the host applies "
                        "its layout in its first frames; a user clicks later than that)")
    return p


# -------------------------------------------------------------------------------------- result
class Result:
    """The run's JSON result, rewritten atomically whenever something worth keeping happened."""

    def __init__(self, path: str, args: argparse.Namespace) -> None:
        self.path = path
        self.data: dict[str, Any] = {
            "target": args.target, "reason": None, "phase": "starting", "frames": 0,
            "errors": [], "injection": None, "missing": [], "draws_per_frame": [],
            "run_calls": [], "events": [], "probe": None, "toasts_seen": [],
            "elapsed": None, "screenshot": None, "palette_presses": [],
        }
        self._lock = threading.Lock()
        self._t0 = time.monotonic()
        self.watchdog_pool: Any = None  # the pool the watchdog runs on (see _watchdog)

    def error(self, where: str, exc: BaseException | str) -> None:
        text = exc if isinstance(exc, str) else "".join(traceback.format_exception(exc))
        with self._lock:
            self.data["errors"].append(f"[{where}] {text}")
        self.write()

    def event(self, text: str) -> None:
        with self._lock:
            self.data["events"].append([round(time.monotonic() - self._t0, 3), self.data["frames"], text])

    def write(self) -> None:
        with self._lock:
            self.data["elapsed"] = round(time.monotonic() - self._t0, 3)
            tmp = f"{self.path}.tmp{threading.get_ident()}"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(self.data, f, indent=1, default=repr)
            os.replace(tmp, self.path)  # a reader never sees half a file


# ------------------------------------------------------------------------------- probe helpers
def _rect(window: Any) -> list[float] | None:
    return None if window is None else [window.pos.x, window.pos.y, window.size.x, window.size.y]


def _window_info(name: str) -> dict[str, Any] | None:
    """Where window ``name`` is and whether it shows this frame (None: imgui never saw it)."""
    from imgui_bundle import imgui

    window = imgui.internal.find_window_by_name(name)
    if window is None:
        return None
    info: dict[str, Any] = {
        "rect": _rect(window), "active": bool(window.active), "hidden": bool(window.hidden),
        "collapsed": bool(window.collapsed), "docked": window.dock_node is not None,
        "dock_root_id": None, "dock_host": None,
    }
    info["shown"] = info["active"] and not info["hidden"] and not info["collapsed"]
    if window.dock_node is not None:
        root = imgui.internal.dock_node_get_root_node(window.dock_node)
        info["dock_root_id"] = int(root.id_)
        info["dock_node_id"] = int(window.dock_node.id_)
        host = root.host_window
        info["dock_host"] = host.name if host is not None else None
        info["dock_selected"] = int(window.dock_node.selected_tab_id) == int(window.tab_id)
    return info


def _shown_windows() -> list[str]:
    """Names of the top-level and docked windows drawn this frame (child windows left out)."""
    from imgui_bundle import imgui

    names = []
    for window in imgui.get_current_context().windows:
        name = window.name
        if window.active and not window.hidden and "/" not in name:
            names.append(name)
    return names


def _rgb(vec: Any) -> list[int]:
    return [round(vec.x * 255), round(vec.y * 255), round(vec.z * 255)]


class Missing:
    """Collects the plugin attributes the probe looked for and did not find (interface gaps)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def get(self, obj: Any, dotted: str, default: Any = None) -> Any:
        value = obj
        for part in dotted.split("."):
            if value is None or not hasattr(value, part):
                if dotted not in self.names:
                    self.names.append(dotted)
                return default
            value = getattr(value, part)
        return value


def _plain(obj: Any, fields: Sequence[str]) -> dict[str, Any] | None:
    if obj is None:
        return None
    out = {}
    for name in fields:
        value = getattr(obj, name, None)
        if isinstance(value, (tuple, list)):
            value = [float(v) if isinstance(v, (int, float)) else repr(v) for v in value]
        elif hasattr(value, "x") and hasattr(value, "y"):
            value = [value.x, value.y]
        elif value is not None and not isinstance(value, (int, float, str, bool)):
            value = repr(value)
        out[name] = value
    return out


# -------------------------------------------------------------------------------------- driver
@dataclass
class HostStatus:
    """The host's own status items, measured around its ``show_status`` callback."""

    calls: int = 0
    drew: bool = False
    left: float | None = None
    right: float | None = None

    def wrap(self, host: Callable[[], None]) -> Callable[[], None]:
        from imgui_bundle import imgui

        def measured() -> None:
            self.calls += 1
            before = imgui.get_cursor_screen_pos()
            host()
            after = imgui.get_cursor_screen_pos()
            self.drew = (after.x, after.y) != (before.x, before.y)
            if self.drew:
                self.left = before.x
                self.right = imgui.get_item_rect_max().x  # items are joined with SameLine
            else:
                self.left = self.right = None

        return measured


@dataclass
class Driver:
    """Frame by frame: wait for the warmup, open the window, wait for bars and toast, probe, exit."""

    args: argparse.Namespace
    result: Result
    plugin: Any = None
    host_status: HostStatus = field(default_factory=HostStatus)
    phase: str = "warming"
    frames: int = 0
    phase_started: float = 0.0
    phase_frame: int = 0
    reset_done: bool = False
    switched_after_open: bool = False
    keys: list[tuple[int, list[tuple[Any, bool]]]] = field(default_factory=list)
    t0: float = field(default_factory=time.monotonic)
    attached: bool = False
    finished: bool = False
    host_windows_before: list[str] | None = None
    toast_expired: bool = False
    press_frame: int = -1

    # ---- chaining
    def attach(self, params: Any) -> None:
        """Chain the driver after the host's (and the plugin's) callbacks; never replace them."""
        if self.attached:
            return
        self.attached = True
        for name, ours in (("before_imgui_render", self.after_frame), ("pre_new_frame", self.before_frame)):
            previous = getattr(params.callbacks, name)

            def chained(previous: Any = previous, ours: Callable[[], None] = ours) -> None:
                if previous is not None:
                    previous()
                ours()

            setattr(params.callbacks, name, chained)
        self.result.event("driver attached")

    def _set_phase(self, phase: str) -> None:
        self.phase = phase
        self.phase_started = time.monotonic()
        self.phase_frame = self.frames
        self.result.data["phase"] = phase
        self.result.event(f"phase {phase}")
        self.result.write()

    # ---- per frame
    def before_frame(self) -> None:
        try:
            if self.keys and self.keys[0][0] <= self.frames:
                from imgui_bundle import imgui

                io = imgui.get_io()
                for key, down in self.keys.pop(0)[1]:
                    io.add_key_event(key, down)
        except Exception as exc:  # noqa: BLE001 - the driver must never break the host
            self.result.error("driver.pre_new_frame", exc)

    def after_frame(self) -> None:
        if self.finished:
            return
        self.frames += 1
        self.result.data["frames"] = self.frames
        try:
            self._check_segment()
            self._step()
        except Exception as exc:  # noqa: BLE001 - recorded, then the run ends
            self.result.error("driver", exc)
            self._finish("driver error")

    def _check_segment(self) -> None:
        """Every frame, not only the last: the segment stays in the status bar, after the host's
        items and before its limit, whatever the state (a progress bar while warming)."""
        from imgui_bundle import imgui

        status_bar = getattr(self.plugin, "status_bar", None)
        seg = getattr(status_bar, "last_draw", None)
        if seg is None or getattr(seg, "frame", None) != imgui.get_frame_count():
            return
        history = self.result.data.setdefault(
            "segment_frames", {"frames": 0, "levels": {}, "violations": []})
        history["frames"] += 1
        state = getattr(getattr(status_bar, "line", None), "state", "?")
        levels = history["levels"].setdefault(state, [])
        if seg.level not in levels:
            levels.append(seg.level)
        bar = imgui.internal.find_window_by_name("StatusBar")
        wrong = []
        if seg.limit is not None and seg.x + seg.width > seg.limit + 0.5:
            wrong.append(f"ends at {seg.x + seg.width:.1f} past its limit {seg.limit:.1f}")
        if seg.host_right is not None and seg.x < seg.host_right:
            wrong.append(f"starts at {seg.x:.1f} over the host's items (to {seg.host_right:.1f})")
        if bar is not None and not (bar.pos.y <= seg.y and seg.y + seg.height <= bar.pos.y + bar.size.y + 0.5):
            wrong.append(f"y {seg.y:.1f}..{seg.y + seg.height:.1f} outside the status bar "
                         f"{bar.pos.y:.1f}..{bar.pos.y + bar.size.y:.1f}")
        if wrong and len(history["violations"]) < 5:
            history["violations"].append(f"frame {seg.frame} ({state}, {seg.level}): " + "; ".join(wrong))

    def _step(self) -> None:
        from imgui_bundle import hello_imgui, imgui

        args = self.args
        elapsed = time.monotonic() - self.t0
        if elapsed > args.timeout:
            self._finish(f"timeout after {args.timeout:.0f}s in phase {self.phase}: "
                         f"{self._waiting_for()}")
            return
        if self.phase != "warming" and time.monotonic() - self.phase_started > _PHASE_TIMEOUT:
            self._finish(f"gave up after {_PHASE_TIMEOUT:.0f}s in phase {self.phase}: "
                         f"{self._waiting_for()}")
            return
        if args.switch_layout and self.frames == args.switch_layout[1]:
            hello_imgui.switch_layout(args.switch_layout[0])
            self.result.data["layout_switched"] = args.switch_layout[0]
            self.result.event(f"switch_layout({args.switch_layout[0]!r})")
        self._collect_toasts()
        plugin = self.plugin
        if plugin is None:
            if elapsed > 10.0:
                self._finish("no plugin was installed (the run call was not intercepted)")
            return
        injection = self.result.data["injection"]
        if injection not in ("install", "wrap", "host") and self.frames >= args.open_after:
            self._finish(f"the plugin was not added: {injection}")  # nothing to wait for
            return
        if self.phase == "warming":
            state = getattr(getattr(getattr(plugin, "status_bar", None), "line", None), "state", None)
            earliest = args.open_after
            if args.switch_layout:
                earliest = max(earliest, args.switch_layout[1] + 3)  # switch first, then open
            if state in ("ready", "failed") and self.frames >= earliest:
                self.host_windows_before = _shown_windows()
                self._set_phase("opening")
        elif self.phase == "opening":
            plugin.show_debug_window()
            self._set_phase("charting")
        elif self.phase == "charting":
            if self._chart_ready() and self._toast_ready() and self.frames - self.phase_frame >= 3:
                if args.switch_after_open and not self.switched_after_open:
                    self.switched_after_open = True
                    hello_imgui.switch_layout(args.switch_after_open)
                    self.result.data["layout_switched"] = args.switch_after_open
                    self.result.event(f"switch_layout({args.switch_after_open!r}) with the window open")
                    self._set_phase("charting")  # the window must stay open in the new layout
                elif args.reset_layout and not self.reset_done:
                    self.reset_done = True
                    hello_imgui.get_runner_params().docking_params.layout_reset = True
                    self.result.event("layout_reset = True")
                    self._set_phase("charting")  # the window must come back (docked) and draw again
                else:
                    self._set_phase("settling")
        elif self.phase == "settling":
            draws = getattr(getattr(plugin, "status_bar", None), "draws_this_frame", None)
            self.result.data["draws_per_frame"].append(draws)
            if self.frames - self.phase_frame >= args.settle or (
                    self.frames - self.phase_frame >= 2 and self._toast_fading_soon()):
                if args.press_palette:
                    self._set_phase("palette")
                    self._press_palette()
                else:
                    self._finish("done")
        elif self.phase == "palette":
            if self.frames == self.press_frame:
                io = imgui.get_io()
                delivered = io.key_ctrl and io.key_shift and imgui.is_key_down(imgui.Key.p)
                self.result.data["palette_presses"].append(bool(delivered))
                if not delivered and len(self.result.data["palette_presses"]) < 3:
                    # The keys were cleared before the host could read them: on a shared
                    # virtual display another app's window can take the X focus (imgui then
                    # clears its keys). That says nothing about the plugin: press again.
                    self.result.event("Ctrl+Shift+P did not reach imgui intact; pressing again")
                    self._press_palette()
            elif not self.keys and (self.frames - self.press_frame >= 10 or (
                    self.frames - self.press_frame >= 4 and self._toast_fading_soon())):
                self._finish("done")

    def _press_palette(self) -> None:
        """Ctrl+Shift+P through imgui's io: all keys down on the next frame, up on the one after
        (as a backend sends them), so the host reads the chord on one frame."""
        from imgui_bundle import imgui

        chord = [imgui.Key.mod_ctrl, imgui.Key.left_ctrl, imgui.Key.mod_shift, imgui.Key.left_shift,
                 imgui.Key.p]
        at = self.frames + 1  # sent by before_frame() at the start of frame `at`
        self.keys = [(at - 1, [(key, True) for key in chord]),
                     (at, [(key, False) for key in reversed(chord)])]
        self.press_frame = at

    def _collect_toasts(self) -> None:
        toasts = getattr(getattr(self.plugin, "toasts", None), "toasts", None) or []
        seen = self.result.data["toasts_seen"]
        for toast in toasts:
            text = getattr(toast, "text", None)
            if text is not None and text not in seen:
                seen.append(text)

    def _chart(self) -> tuple[Any, list[str]]:
        window = getattr(self.plugin, "debug_window", None)
        chart = getattr(window, "last_chart", None)
        lanes = list(getattr(window, "chart_lanes", None) or [])
        return chart, lanes

    def _chart_ready(self) -> bool:
        chart, lanes = self._chart()
        rect = getattr(chart, "plot_rect", None)
        if not rect or rect[2] <= 0 or rect[3] <= 0:
            return False
        return any(LANE_PATTERN.fullmatch(str(lane)) for lane in lanes)

    def _ready_toast(self) -> Any:
        for toast in getattr(getattr(self.plugin, "toasts", None), "toasts", None) or []:
            if str(getattr(toast, "text", "")).startswith(READY_TOAST_PREFIX):
                return toast
        return None

    def _toast_ready(self) -> bool:
        toast = self._ready_toast()
        if toast is None:
            if any(t.startswith(READY_TOAST_PREFIX) for t in self.result.data["toasts_seen"]):
                self.toast_expired = True  # it came and went before the chart showed: go on
                return True
            return False
        timing = getattr(getattr(self.plugin, "toasts", None), "timing", None)
        fade_in = getattr(timing, "fade_in", 0.3)
        return getattr(toast, "age", fade_in) >= fade_in  # fully opaque in the screenshot

    def _toast_fading_soon(self) -> bool:
        """The ready toast starts fading within three frames: probe now, while it is opaque (a
        slow host, e.g. the big demo at a few fps under load, has few frames per toast)."""
        from imgui_bundle import imgui

        toast = self._ready_toast()
        timing = getattr(getattr(self.plugin, "toasts", None), "timing", None)
        if toast is None or timing is None or not hasattr(toast, "age"):
            return False
        return toast.age + 3 * imgui.get_io().delta_time >= timing.fade_in + timing.hold

    def _waiting_for(self) -> str:
        if self.plugin is None:
            return "a plugin to be installed"
        if self.phase == "warming":
            line = getattr(getattr(self.plugin, "status_bar", None), "line", None)
            return f"warmup to finish (status: {getattr(line, 'text', None)!r})"
        if self.phase == "charting":
            chart, lanes = self._chart()
            wants = []
            if not self._chart_ready():
                wants.append(f"chart bars on controller-io lanes (last_chart={chart!r}, lanes={lanes})")
            if not self._toast_ready():
                wants.append(f"the ready toast (seen: {self.result.data['toasts_seen']})")
            return "; ".join(wants) or "a few more frames"
        return f"phase {self.phase} to end"

    def _finish(self, reason: str) -> None:
        from imgui_bundle import hello_imgui

        if self.finished:
            return
        self.finished = True
        self.result.data["reason"] = reason
        self.result.data["toast_expired_before_chart"] = self.toast_expired
        self.result.event(f"finish: {reason}")
        try:
            self.result.data["probe"] = self.probe()
        except Exception as exc:  # noqa: BLE001
            self.result.error("driver.probe", exc)
        self.result.write()
        hello_imgui.get_runner_params().app_shall_exit = True

    # ---- the probe: this frame's state, as the screenshot will show it
    def probe(self) -> dict[str, Any]:
        from imgui_bundle import hello_imgui, imgui

        from ..panels.debug_window import WINDOW_TITLE
        from ..theme.palette import PALETTES, Role

        missing = Missing()
        plugin = self.plugin
        params = hello_imgui.get_runner_params()
        io = imgui.get_io()
        font = imgui.get_font_size()
        status_bar = _window_info("StatusBar")
        probe: dict[str, Any] = {
            "frame": imgui.get_frame_count(),
            "display_size": [io.display_size.x, io.display_size.y],
            "font_size": font,
            "status_bar": status_bar,
            "show_status_bar": params.imgui_window_params.show_status_bar,
            "show_status_fps": params.imgui_window_params.show_status_fps,
            "fps_x": None,
            "window_type": params.imgui_window_params.default_imgui_window_type.name,
            "layout_name": params.docking_params.layout_name,
            "main_dock_id": None,
            "host_status": vars(self.host_status).copy(),
            "text_rgb": _rgb(imgui.get_style().color_(imgui.Col_.text)),
            "shown_windows": _shown_windows(),
            "shown_windows_before_open": self.host_windows_before,
            "windows_before_open_now": {name: _window_info(name) for name in self.host_windows_before or []},
            "dockable_windows": [[w.label, w.dock_space_name, bool(w.is_visible)]
                                 for w in params.docking_params.dockable_windows],
            "diagnostics": _window_info(WINDOW_TITLE),
            "plugin_palette": _window_info("Command palette"),
        }
        if status_bar is not None and params.imgui_window_params.show_status_fps:
            # hello_imgui's FPS/"Enable idling" block: SameLine(DisplaySize.x - 14 em), window-local
            probe["fps_x"] = status_bar["rect"][0] + io.display_size.x - 14.0 * font
        dock_id = params.docking_params.dock_space_id_from_name("MainDockSpace")
        probe["main_dock_id"] = int(dock_id) if dock_id is not None else None
        nav = imgui.get_current_context().nav_window
        probe["nav_window"] = nav.name if nav is not None else None
        probe["nav_root"] = nav.root_window.name if nav is not None and nav.root_window is not None else None
        probe["plugin"] = None
        if plugin is not None:
            last_draw = missing.get(plugin, "status_bar.last_draw")
            variant = missing.get(plugin, "theme.variant", "dark")
            chart, lanes = self._chart()
            missing.get(plugin, "debug_window.last_chart")
            missing.get(plugin, "debug_window.chart_lanes")
            palette = getattr(plugin, "palette", None)
            toasts = []
            for toast in missing.get(plugin, "toasts.toasts", []) or []:
                toasts.append({"text": getattr(toast, "text", None), "age": getattr(toast, "age", None),
                               "window": _window_info(f"##imwarmup-toast-{getattr(toast, 'id', '?')}")})
            probe["plugin"] = {
                "debug_window_open": missing.get(plugin, "debug_window_open"),
                "status_text": missing.get(plugin, "status_bar.line.text"),
                "status_state": missing.get(plugin, "status_bar.line.state"),
                "last_draw": _plain(last_draw, ("frame", "x", "y", "width", "height", "level",
                                                "host_right", "limit")),
                "draws_this_frame": missing.get(plugin, "status_bar.draws_this_frame"),
                "chart": _plain(chart, ("plot_rect", "x_range")),
                "chart_lanes": lanes,
                "toasts": toasts,
                "palette_open": bool(getattr(palette, "is_open", False)) if palette is not None else None,
                "theme": variant,
                "ready_rgb": [round(c * 255) for c in PALETTES.get(variant, PALETTES["dark"])[Role.READY][:3]],
            }
        probe["missing"] = missing.names
        self.result.data["missing"] = missing.names
        return probe


# ------------------------------------------------------------------------------------ injector
class Injector:
    """Patches the run functions so the host's own call gets the README's lines right before it."""

    def __init__(self, args: argparse.Namespace, result: Result, driver: Driver, ini_dir: str) -> None:
        self.args = args
        self.result = result
        self.driver = driver
        self.ini_dir = ini_dir
        self.controller: Any = None
        self.host_installs: list[tuple[Any, Any]] = []  # (plugin, runner_params) the host installed
        self.host_wraps: list[Any] = []  # plugins whose wrap() the host called itself
        self.originals: dict[str, Any] = {}
        self._install: Any = None
        self._wrap: Any = None

    def patch(self) -> None:
        from imgui_bundle import hello_imgui, immapp

        from ..panels import plugin as plugin_module

        cls = plugin_module.DiagnosticsPlugin
        install, wrap = cls.install, getattr(cls, "wrap", None)

        def spied_install(plugin: Any, runner_params: Any, *a: Any, **kw: Any) -> Any:
            self.host_installs.append((plugin, runner_params))
            return install(plugin, runner_params, *a, **kw)

        def spied_wrap(plugin: Any, *a: Any, **kw: Any) -> Any:
            self.host_wraps.append(plugin)
            return wrap(plugin, *a, **kw)

        # Watch the class, not an instance: a host makes its plugin before we can see it.
        cls.install = spied_install
        if wrap is not None:
            cls.wrap = spied_wrap
        self._install, self._wrap = install, wrap  # ours call these: not counted as the host's
        for module, name in ((immapp, "run"), (hello_imgui, "run"), (immapp, "run_with_markdown")):
            original = getattr(module, name)
            self.originals[f"{module.__name__}.{name}"] = original

            def patched(*a: Any, _original: Any = original, _name: str = f"{module.__name__}.{name}",
                        **kw: Any) -> Any:
                return self.run_call(_name, _original, a, kw)

            setattr(module, name, patched)

    # ---- the README's lines
    def _new_plugin(self) -> Any:
        from .. import WarmupController
        from ..panels import DiagnosticsPlugin

        modules = [m for m in self.args.modules.split(",") if m]
        self.controller = WarmupController(modules)
        self.controller.start()
        return DiagnosticsPlugin(self.controller)

    def run_call(self, name: str, original: Any, a: tuple, kw: dict) -> Any:
        from imgui_bundle import hello_imgui

        self.result.data["run_calls"].append(name)
        if len(self.result.data["run_calls"]) > 1:
            self.result.event(f"another run call ({name}): passed through untouched")
            return original(*a, **kw)
        first = a[0] if a else kw.get("runner_params", kw.get("simple_params", kw.get("gui_function")))
        if isinstance(first, hello_imgui.RunnerParams):
            return self._run_params(name, original, first, a, kw)
        if isinstance(first, hello_imgui.SimpleRunnerParams):
            first.gui_function = self._wrap_gui(first.gui_function)
            if self.args.size:
                first.window_size = self.args.size
            return self._call(original, a, kw)
        if callable(first):
            wrapped = self._wrap_gui(first)
            if a:
                a = (wrapped, *a[1:])
            else:
                kw["gui_function"] = wrapped
            if self.args.size:
                kw.pop("window_size_auto", None)
                if len(a) > 4:  # positional: gui, title, size_auto, restore, window_size
                    a = (*a[:4], self.args.size, *a[5:])
                else:
                    kw["window_size"] = self.args.size
            return self._call(original, a, kw)
        self.result.data["injection"] = f"unknown run call form: {name}({first!r})"
        return self._call(original, a, kw)

    def _run_params(self, name: str, original: Any, params: Any, a: tuple, kw: dict) -> Any:
        from imgui_bundle import hello_imgui

        installed = [plugin for plugin, rp in self.host_installs if rp is params]
        # Ini and window size first, as the host would have set them (before install, which
        # must not care).
        rel = params.ini_filename or "host.ini"
        params.ini_folder_type = hello_imgui.IniFolderType.absolute_path
        params.ini_filename = os.path.join(self.ini_dir, rel.lstrip("/"))
        self.result.data["ini_file"] = params.ini_filename
        if os.path.exists(params.ini_filename):  # persisted by an earlier run
            with open(params.ini_filename, encoding="utf-8", errors="replace") as f:
                text = f.read()
            self.result.data["ini_before"] = {"bytes": len(text),
                                              "has_diagnostics_window": "Warmup diagnostics" in text}
        if self.args.size:
            params.app_window_params.window_geometry.size = self.args.size
        host_show_status = params.callbacks.show_status
        if host_show_status is not None and not installed:
            # Measure where the host's status items end (the shim draws nothing of its own).
            params.callbacks.show_status = self.driver.host_status.wrap(host_show_status)
        if installed:
            self.driver.plugin = installed[-1]
            self.result.data["injection"] = "host"
        else:
            try:
                plugin = self._new_plugin()
                self._install(plugin, params)  # README: plugin.install(runner_params)
                self.driver.plugin = plugin
                self.result.data["injection"] = "install"
            except Exception as exc:  # noqa: BLE001 - reported; the host still runs
                self.result.data["injection"] = f"install failed: {type(exc).__name__}: {exc}"
                self.result.error("install", exc)
        self.driver.attach(params)
        return self._call(original, a, kw)

    def _wrap_gui(self, gui: Callable[[], None]) -> Callable[[], None]:
        """``plugin.wrap(gui)``, with the driver attached on the first frame (a gui-function
        host has no RunnerParams before the run starts)."""
        from imgui_bundle import hello_imgui

        driver = self.driver

        def attach_then_gui() -> None:
            if not driver.attached:
                driver.attach(hello_imgui.get_runner_params())
            gui()

        if self.host_wraps:  # the host called plugin.wrap(gui) itself: this gui is already wrapped
            driver.plugin = self.host_wraps[-1]
            self.result.data["injection"] = "host"
            return attach_then_gui
        try:
            plugin = self._new_plugin()
        except Exception as exc:  # noqa: BLE001
            self.result.data["injection"] = f"plugin failed: {type(exc).__name__}: {exc}"
            self.result.error("plugin", exc)
            return attach_then_gui
        driver.plugin = plugin
        if self._wrap is None:
            self.result.data["injection"] = (
                "DiagnosticsPlugin has no wrap(): the documented path for gui-function hosts, "
                "immapp.run(plugin.wrap(gui), ...), is not there; the host ran without the plugin"
            )
            return attach_then_gui
        try:
            wrapped = self._wrap(plugin, attach_then_gui)  # README: immapp.run(plugin.wrap(gui), ...)
        except Exception as exc:  # noqa: BLE001
            self.result.data["injection"] = f"wrap failed: {type(exc).__name__}: {exc}"
            self.result.error("wrap", exc)
            return attach_then_gui
        self.result.data["injection"] = "wrap"
        return wrapped

    def _call(self, original: Any, a: tuple, kw: dict) -> Any:
        self.result.data["phase"] = "running"
        self.result.write()
        try:
            return original(*a, **kw)
        finally:
            self.result.event("run returned")
            self.after_run()

    def after_run(self) -> None:
        """Save the last frame (before anything else can disturb it) and stop the warmup."""
        if self.args.screenshot:
            try:
                from ..panels.screenshot import save_final_frame

                save_final_frame(self.args.screenshot)
                self.result.data["screenshot"] = self.args.screenshot
            except Exception as exc:  # noqa: BLE001 - e.g. the host died before its first frame
                self.result.data["screenshot_error"] = f"{type(exc).__name__}: {exc}"
        if self.controller is not None:
            try:
                self.controller.shutdown()
            except Exception as exc:  # noqa: BLE001
                self.result.error("controller.shutdown", exc)


# ------------------------------------------------------------------------------- from a test
@dataclass
class HostRun:
    """One host run in a subprocess, as a test sees it."""

    returncode: int | None  # None: killed after the timeout
    stdout: str
    stderr: str
    data: dict[str, Any] | None  # the result JSON (None: the process wrote none, e.g. a segfault)
    image: str | None  # the last frame's PNG, if written
    seconds: float


def launch_host(target: str, out_dir: str, name: str, args: Sequence[str] = (),
                timeout: float = 40.0) -> HostRun:
    """Run ``target`` under this launcher in its own process group; end it if it outlives
    ``timeout`` plus a grace period. Writes ``name.json`` and ``name.png`` into ``out_dir``."""
    from .launch import AppProcess

    result = os.path.join(out_dir, f"{name}.json")
    image = os.path.join(out_dir, f"{name}.png")
    for path in (result, image):
        if os.path.exists(path):
            os.unlink(path)
    cmd = [sys.executable, "-m", "imwarmup.testing.host_launch", target, "--result", result,
           "--screenshot", image, "--timeout", str(timeout), *args]
    t0 = time.monotonic()
    app = AppProcess(cmd)
    try:
        returncode: int | None = app.proc.wait(timeout=timeout + 25.0)
    except Exception:  # noqa: BLE001 - subprocess.TimeoutExpired: the watchdog failed too
        returncode = None
    stdout, stderr = app.close()
    seconds = time.monotonic() - t0
    data = None
    if os.path.exists(result):
        with open(result, encoding="utf-8") as f:
            data = json.load(f)
    return HostRun(returncode, stdout, stderr, data, image if os.path.exists(image) else None, seconds)


# ------------------------------------------------------------------------------------------ run
def _watch_exceptions(result: Result) -> None:
    previous_hook = sys.excepthook

    def excepthook(kind: Any, value: BaseException, tb: Any) -> None:
        result.error("sys.excepthook", value)
        previous_hook(kind, value, tb)

    def thread_hook(hook_args: Any) -> None:
        if hook_args.exc_value is not None:
            result.error(f"thread {getattr(hook_args.thread, 'name', '?')}", hook_args.exc_value)

    def unraisable(hook_args: Any) -> None:
        result.error("unraisable", f"{hook_args.exc_type.__name__}: {hook_args.exc_value} "
                                   f"({hook_args.err_msg} {hook_args.object!r})")

    sys.excepthook = excepthook
    threading.excepthook = thread_hook
    sys.unraisablehook = unraisable


def _watchdog(result: Result, driver: Driver, timeout: float) -> None:
    """Ends a run whose frames stopped coming: ask politely, then end the process."""

    def watch() -> None:
        time.sleep(timeout + 5.0)
        result.data["reason"] = result.data["reason"] or (
            f"frames stopped: no exit within {timeout:.0f}s (phase {driver.phase}, "
            f"{driver.frames} frames)")
        result.write()
        try:
            from imgui_bundle import hello_imgui

            hello_imgui.get_runner_params().app_shall_exit = True
            hello_imgui.request_refresh()
        except Exception:  # noqa: BLE001 - the process is about to end anyway
            pass
        time.sleep(10.0)
        result.data["reason"] = f"hung: the process did not end after {timeout + 15:.0f}s"
        result.write()
        sys.stderr.flush()
        os._exit(4)

    # On a pool of the project's own (daemon workers, never holding the exit), like any
    # background work in the package; the result keeps it for the run.
    from ..core.pool import make_io_pool

    result.watchdog_pool = make_io_pool(1, "host-launch-watchdog")
    result.watchdog_pool.submit(watch)


def run(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    target = os.path.abspath(args.target)
    result = Result(os.path.abspath(args.result), args)
    if args.screenshot:
        args.screenshot = os.path.abspath(args.screenshot)
    faulthandler.enable()  # a segfault still prints where it happened
    _watch_exceptions(result)
    ini_dir = os.path.abspath(args.ini_dir) if args.ini_dir else tempfile.mkdtemp(prefix="imwarmup-host-")
    os.makedirs(ini_dir, exist_ok=True)
    result.data["ini_dir"] = ini_dir
    driver = Driver(args, result)
    injector = Injector(args, result, driver, ini_dir)
    result.write()
    try:
        injector.patch()
    except Exception as exc:  # noqa: BLE001
        result.error("patch", exc)
        return 1
    _watchdog(result, driver, args.timeout)
    sys.argv = [target]
    sys.path.insert(0, os.path.dirname(target))
    os.chdir(ini_dir)  # a gui-function host's ini is named after its title, in the current folder
    code = 0
    try:
        runpy.run_path(target, run_name="__main__")
    except SystemExit as exc:
        if exc.code not in (None, 0):
            result.error("SystemExit", f"the host called sys.exit({exc.code!r})")
            code = 1
    except BaseException as exc:  # noqa: BLE001 - what killed the host is the test's verdict
        result.error("host", exc)
        traceback.print_exc()
        code = 1
    if not result.data["run_calls"]:
        result.error("host", "the host returned without calling immapp.run or hello_imgui.run")
        code = code or 1
    if result.data["reason"] is None:
        result.data["reason"] = "the host's run returned before the driver finished"
    elif result.data["reason"] != "done" and code == 0:
        code = 3
    result.data["exit_code"] = code
    result.write()
    return code


if __name__ == "__main__":
    sys.exit(run())
