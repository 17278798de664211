"""Render a named scene in a real hello_imgui window: ``python -m imwarmup.testing.scene_app NAME``.

A small host app (menu bar, a panel, the status bar) with the plugin installed on a scripted
source and a stepped clock. Two ways to run it:

- ``--frames N --out PNG``: render N frames, save the last frame, exit.
- ``--interactive --ready-file F --stop-file S``: keep running (a test drives it with pyautogui)
  until ``S`` exists or ``--timeout`` passes; ``F`` is written (JSON: window position and size)
  once the first frames are drawn.

``--result JSON`` writes what the plugin saw (status text, toasts shown, frames, errors).
``--probe JSON`` (interactive runs) rewrites a small JSON file every few frames with the state a
test waits on and the screen positions it points at (see ``Probe``): is the palette or the
diagnostics window open, which bar is hovered, where the failed bar and the table's headers
are, how the table is sorted and filtered. ``--diagnostics-fill`` makes the diagnostics window
fill the app's work area once it opens, for app windows smaller than its default size (HiDPI).
The window sits at the screen's top-left corner (there is no window manager under Xvfb), so a
screenshot region is simply ``(0, 0, width, height)``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import traceback
from typing import Any, Sequence

from .scenes import SCENES, get_scene
from .scripted import ScriptedSource, StepClock


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--size must look like 800x600, got {text!r}")
    return w, h


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m imwarmup.testing.scene_app")
    p.add_argument("scene", choices=sorted(SCENES))
    p.add_argument("--out", help="save the last frame here (PNG)")
    p.add_argument("--frames", type=int, default=None, help="frames to render (default: the scene's)")
    p.add_argument("--size", type=_size, default=(800, 600))
    p.add_argument("--open-diagnostics", action="store_true", help="open the window at start")
    p.add_argument("--theme", choices=("dark", "light"), default="dark")
    p.add_argument("--scale", type=float, default=None, help="DPI factor (HiDPI scenes)")
    p.add_argument("--interactive", action="store_true")
    p.add_argument("--ready-file")
    p.add_argument("--stop-file")
    p.add_argument("--timeout", type=float, default=60.0)
    p.add_argument("--result", help="write a JSON summary of the run here")
    p.add_argument("--probe", help="interactive: rewrite this JSON file every few frames (see Probe)")
    p.add_argument("--diagnostics-fill", action="store_true",
                   help="the diagnostics window fills the work area once it opens")
    return p


class Probe:
    """What an interactive test waits on, written as JSON every ``every`` frames.

    A test drives the app from another process with pyautogui; it cannot ask imgui what
    happened, so the app tells it: which windows are open, what is hovered, how the table is
    sorted, and where things are on screen (window coordinates = screen coordinates, since the
    window is at (0, 0)). Keys: ``frame``, ``palette_open``, ``palette_rect``, ``debug_open``,
    ``debug_rect``, ``tooltip_rect``, ``hovered_id``, ``failed_id``, ``failed_bar``, ``lanes``
    (name -> centre y), ``plot_rect``, ``sort`` (column, ascending), ``filter``, ``rows``
    (module, elapsed ms, in display order), ``headers`` (label -> centre), ``filter_box``
    (centre). Rects are ``[x, y, w, h]``.

    It reads what the diagnostics window drew on its last frame (``DebugWindow.last_chart``,
    ``last_table``, ``chart_model``, ``table_view``, ``rows``): public state, so moving a widget's
    import cannot silently break the probes.
    """

    def __init__(self, path: str, plugin: Any, source: Any, every: int = 2) -> None:
        self.path = path
        self.plugin = plugin
        self.every = every
        failed = [c for c in source.canaries() if c["status"] == "failed"]
        self.failed_id = failed[0]["canary_id"] if failed else None
        self.data: dict[str, Any] = {}
        self._last_text = ""

    def _chart(self, window: Any) -> None:
        events, model = window.last_chart, window.chart_model
        if events is None or model is None:
            return
        d = self.data
        d["hovered_id"] = events.hovered_id
        d["plot_rect"] = list(events.plot_rect) if events.plot_rect else None
        d["short"] = bool(getattr(window, "short", False))   # a one-line summary, no frames lane
        d["failed_bar"] = None
        if self.failed_id is not None:
            pixel = events.bar_pixel(model, self.failed_id, now=self.plugin.now)
            d["failed_bar"] = list(pixel) if pixel else None
        if events.plot_rect:
            x, y, w, h = events.plot_rect
            lane_h = h / max(len(model.lanes), 1)
            d["lanes"] = {name: y + (k + 0.5) * lane_h for k, name in enumerate(model.lanes)}

    def _table(self, window: Any) -> None:
        from imgui_bundle import imgui

        from ..widgets.canary_table import shown_headers

        events, view = window.last_table, window.table_view
        if events is None:
            return
        d = self.data
        d["sort"] = [view.sort_column, view.ascending]
        d["filter"] = view.filter_text
        d["rows"] = [[r.module, r.elapsed_ms] for r in view.visible(window.rows)]
        if events.filter_rect is not None:
            x, y, w, h = events.filter_rect
            d["filter_box"] = [x + w / 2, y + h / 2]
        table = imgui.internal.table_find_by_id(events.table_id) if events.table_id else None
        if table is not None:
            header_y = table.outer_rect.min.y + imgui.get_text_line_height() / 2 \
                + imgui.get_style().cell_padding.y
            headers = {}
            for n, label in enumerate(shown_headers(window.rows, view)):
                cell = imgui.internal.table_get_cell_bg_rect(table, n)
                headers[label] = [(cell.min.x + cell.max.x) / 2, header_y]
            d["headers"] = headers

    def after_frame(self, frame: int) -> None:
        from imgui_bundle import imgui

        from ..panels.debug_window import WINDOW_TITLE

        d = self.data
        d["frame"] = frame
        d["failed_id"] = self.failed_id
        palette = self.plugin.palette
        d["palette_open"] = bool(palette is not None and palette.is_open)
        d["palette_rect"] = _window_rect("Command palette")
        d["debug_rect"] = _window_rect(WINDOW_TITLE)
        d["debug_open"] = d["debug_rect"] is not None
        if d["debug_open"]:
            self._chart(self.plugin.debug_window)
            self._table(self.plugin.debug_window)
        d["tooltip_rect"] = _window_rect("##Tooltip_00")
        if not d["debug_open"]:
            for key in ("hovered_id", "failed_bar", "lanes", "plot_rect", "headers"):
                d.pop(key, None)
        d["mouse"] = [imgui.get_io().mouse_pos.x, imgui.get_io().mouse_pos.y]
        if frame % self.every == 0:
            _write_json(self.path, d)


def _window_rect(name: str) -> list[float] | None:
    """``[x, y, w, h]`` of the imgui window ``name`` if it shows this frame, else None.

    A window that auto-fits its size (a tooltip) is hidden on its first frame while it is
    measured: that frame reports None, not the provisional size."""
    from imgui_bundle import imgui

    window = imgui.internal.find_window_by_name(name)
    if window is None or not window.active or window.hidden:
        return None
    return [window.pos.x, window.pos.y, window.size.x, window.size.y]


def run(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    scene = get_scene(args.scene)

    from imgui_bundle import hello_imgui, imgui, immapp

    # A scripted source has no pool to warm numpy on: the harness loads it up front, so the
    # chart draws from the first frame (in an app, numpy comes through the warmup).
    import numpy  # noqa: F401

    from ..panels import DiagnosticsPlugin
    from ..widgets.toast import ToastTiming

    clock = StepClock(scene.origin + scene.start, scene.step)
    profiler = None
    if scene.profile:
        from .scenes import _profile

        profiler = _profile()
    source = ScriptedSource(scene.canaries, clock, origin=scene.origin, profiler=profiler)
    timing = ToastTiming() if scene.toasts else ToastTiming(fade_in=1e-3, hold=0.0, fade_out=1e-3)
    plugin = DiagnosticsPlugin(source, clock=clock, theme=None, toast_timing=timing)

    params = hello_imgui.RunnerParams()
    params.app_window_params.window_title = f"imwarmup scene {scene.name}"
    params.app_window_params.window_geometry.size = args.size
    params.app_window_params.window_geometry.position_mode = hello_imgui.WindowPositionMode.from_coords
    params.app_window_params.window_geometry.position = (0, 0)
    params.app_window_params.borderless = True  # no decorations to offset the screenshot region
    params.imgui_window_params.show_menu_bar = True
    params.imgui_window_params.show_status_fps = False  # a changing number breaks goldens
    params.imgui_window_params.remember_status_bar_settings = False
    # A private folder for the layout file, removed after the run: a name made of the pid in the
    # shared temp folder was read again by a later app that got the same pid (pids wrap at
    # 32768), which then started with that run's table sort and window places.
    ini_dir = tempfile.mkdtemp(prefix="imwarmup-scene-")
    params.ini_folder_type = hello_imgui.IniFolderType.absolute_path
    params.ini_filename = os.path.join(ini_dir, "imgui.ini")
    params.fps_idling.enable_idling = False
    if args.scale:
        params.dpi_aware_params.dpi_window_size_factor = args.scale
    probe = Probe(args.probe, plugin, source) if args.probe else None
    if args.theme == "light":
        params.imgui_window_params.tweaked_theme.theme = hello_imgui.ImGuiTheme_.imgui_colors_light

    frames_wanted = scene.frames if args.frames is None else args.frames
    state: dict[str, Any] = {"frames": 0, "status_texts": [], "toasts": [], "errors": []}

    def gui() -> None:
        imgui.text("Sample host panel")
        imgui.button("Switch provider")

    def after_frame() -> None:
        state["frames"] += 1
        text = plugin.status_bar.line.text
        if not state["status_texts"] or state["status_texts"][-1] != text:
            state["status_texts"].append(text)
        for toast in plugin.toasts.toasts:
            if toast.text not in state["toasts"]:
                state["toasts"].append(toast.text)
        if args.diagnostics_fill and not state.get("diagnostics_sized"):
            from ..panels.debug_window import WINDOW_TITLE

            if _window_rect(WINDOW_TITLE) is not None:
                # After the plugin's own first sizing (this frame), as a user would drag it.
                state["diagnostics_sized"] = True
                viewport = imgui.get_main_viewport()
                status_bar = imgui.get_frame_height() * 1.6  # hello_imgui's, not in work_size
                imgui.set_window_pos(WINDOW_TITLE, viewport.work_pos)
                imgui.set_window_size(WINDOW_TITLE, imgui.ImVec2(
                    viewport.work_size.x, viewport.work_size.y - status_bar))
        if probe is not None:
            probe.after_frame(state["frames"])
        if args.interactive:
            if state["frames"] == 1:
                # A blinking caret in the palette's or the table's text box would make two
                # screenshots of the same state differ: keep it steadily on.
                imgui.get_io().config_input_text_cursor_blink = False
            if state["frames"] == 10 and args.ready_file:
                _write_json(args.ready_file, {"x": 0, "y": 0, "width": args.size[0], "height": args.size[1]})
            if (args.stop_file and os.path.exists(args.stop_file)) or state["frames"] > args.timeout * 60:
                hello_imgui.get_runner_params().app_shall_exit = True
        elif state["frames"] >= frames_wanted:
            hello_imgui.get_runner_params().app_shall_exit = True

    params.callbacks.show_gui = gui
    params.callbacks.before_imgui_render = after_frame
    plugin.install(params)
    if scene.open_diagnostics or args.open_diagnostics:
        params.callbacks.enqueue_post_init(plugin.show_debug_window)

    code = 0
    try:
        immapp.run(params, immapp.AddOnsParams(with_implot=True))
        if args.out:
            from ..panels.screenshot import save_final_frame

            save_final_frame(args.out)
    except Exception as exc:  # noqa: BLE001 - reported to the test through the result file
        state["errors"].append("".join(traceback.format_exception(exc)))
        traceback.print_exc()
        code = 1
    finally:
        shutil.rmtree(ini_dir, ignore_errors=True)
    state["final_status"] = plugin.status_bar.line.text
    if profiler is not None:
        state["ready_marks"] = profiler.ready_marks
    if args.result:
        _write_json(args.result, state)
    return code


def _write_json(path: str, data: Any) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f)
    os.replace(tmp, path)  # a reader never sees half a file


if __name__ == "__main__":
    sys.exit(run())
