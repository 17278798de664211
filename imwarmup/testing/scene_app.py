"""Render a named scene in a real hello_imgui window: ``python -m imwarmup.testing.scene_app NAME``.

A small host app (menu bar, a panel, the status bar) with the plugin installed on a scripted
source and a stepped clock. Two ways to run it:

- ``--frames N --out PNG``: render N frames, save the last frame, exit.
- ``--interactive --ready-file F --stop-file S``: keep running (a test drives it with pyautogui)
  until ``S`` exists or ``--timeout`` passes; ``F`` is written (JSON: window position and size)
  once the first frames are drawn.

``--result JSON`` writes what the plugin saw (status text, toasts shown, frames, errors).
The window sits at the screen's top-left corner (there is no window manager under Xvfb), so a
screenshot region is simply ``(0, 0, width, height)``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
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
    return p


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
    plugin = DiagnosticsPlugin(source, clock=clock, theme=None, smooth_frames=False, toast_timing=timing)

    params = hello_imgui.RunnerParams()
    params.app_window_params.window_title = f"imwarmup scene {scene.name}"
    params.app_window_params.window_geometry.size = args.size
    params.app_window_params.window_geometry.position_mode = hello_imgui.WindowPositionMode.from_coords
    params.app_window_params.window_geometry.position = (0, 0)
    params.app_window_params.borderless = True  # no decorations to offset the screenshot region
    params.imgui_window_params.show_menu_bar = True
    params.imgui_window_params.show_status_fps = False  # a changing number breaks goldens
    params.imgui_window_params.remember_status_bar_settings = False
    params.ini_folder_type = hello_imgui.IniFolderType.temp_folder
    params.ini_filename = f"imwarmup-scene-{os.getpid()}.ini"
    params.fps_idling.enable_idling = False
    if args.scale:
        params.dpi_aware_params.dpi_window_size_factor = args.scale
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
        if args.interactive:
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
