"""Screenshots of the import trees in the diagnostics window with a real warmup (issue 14): the
demo's SDK-free module set (``python -m imwarmup``'s defaults: numpy and a dozen stdlib
packages) warmed by a real ``WarmupController`` that records the trees, in a real window.

    python benchmarks/render_import_tree.py [out_dir]      # default /tmp/import_tree_shots

Three shots, each in a fresh process (a module is imported once per process): ``expanded``
(numpy's lane and the next one expanded by clicking their labels), ``tooltip`` (the pointer on
numpy's bar: its five costliest sub-imports), ``breakdown`` (numpy selected: its breakdown
table). Starts Xvfb when DISPLAY is unset. Open the PNGs and look at them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
sys.path.insert(0, os.path.join(HERE, ".."))

SHOTS = ("expanded", "tooltip", "breakdown")
SIZE = (1280, 800)


def shoot(kind: str, path: str) -> None:
    """One shot in this process (see the module docstring)."""
    from imgui_bundle import hello_imgui, imgui

    from gantt_scenes import pointer, run_diagnostics_and_save, screen_params
    from imwarmup import WarmupController
    from imwarmup.__main__ import DEFAULT_MODULES
    from imwarmup.panels import DiagnosticsPlugin
    from imwarmup.panels.debug_window import WINDOW_TITLE

    controller = WarmupController(list(DEFAULT_MODULES), log_to_stderr=False, history=False)
    plugin = DiagnosticsPlugin(controller)
    controller.start()
    mouse = pointer()
    mouse.moveTo(SIZE[0] - 2, SIZE[1] - 2)
    params, ini_folder = screen_params("imwarmup import trees", SIZE)  # its own ini: no sort from a past run
    params.app_window_params.borderless = True
    params.imgui_window_params.show_status_fps = False
    state = {"step": 0, "wait": 0, "frames": 0}
    dw = plugin.debug_window

    def gui() -> None:
        imgui.text("Sample host panel")
        state["frames"] += 1
        if state["frames"] > 60 * 60:
            raise RuntimeError("nothing to show after 60 s of frames")
        snap = dw._snapshot
        ready = (controller.manager.is_done() and snap is not None and snap.flame is not None
                 and dw.last_chart is not None and not snap.summary.running)
        if state["step"] == 0 and ready:
            viewport = imgui.get_main_viewport()
            imgui.set_window_pos(WINDOW_TITLE, viewport.work_pos)
            imgui.set_window_size(WINDOW_TITLE, imgui.ImVec2(viewport.work_size.x,
                                                             viewport.work_size.y - 30))
            state["step"], state["wait"] = 1, 10
            return
        if state["wait"]:
            state["wait"] -= 1
            return
        model = dw.chart_model
        numpy_id = next(c["canary_id"] for c in snap.canaries if c["module"] == "numpy") \
            if snap is not None else None
        ev = dw.last_chart
        if state["step"] == 1:
            lane = int(model.lane[model.index_of(numpy_id)])
            state["lanes"] = [lane] if kind != "expanded" else [lane, (lane + 1) % len(model.lanes)]
            state["step"], state["wait"] = 2, 2
        elif state["step"] == 2 and state["lanes"]:
            k = state["lanes"][0]
            mouse.moveTo(int(ev.plot_rect[0] - 30), int(ev._lane_y(model, k)))
            state["step"], state["wait"] = 3, 3
        elif state["step"] == 3:
            mouse.click()
            state["lanes"].pop(0)
            state["step"], state["wait"] = (2 if state["lanes"] else 4), 6
        elif state["step"] == 4:
            if kind == "tooltip":
                mouse.moveTo(*(int(v) for v in ev.bar_pixel(model, numpy_id, 0.2)))
            elif kind == "breakdown":
                dw.selected_id = numpy_id
                mouse.moveTo(SIZE[0] - 2, SIZE[1] - 2)
            else:
                mouse.moveTo(SIZE[0] - 2, SIZE[1] - 2)
            state["step"], state["wait"] = 5, 20
        elif state["step"] == 5:
            print(f"{kind}: expanded {sorted(dw.expanded_lanes)}, selected {dw.selected_id}, "
                  f"{len(snap.flame)} tree nodes on the chart")
            hello_imgui.get_runner_params().app_shall_exit = True

    params.callbacks.show_gui = gui
    run_diagnostics_and_save(params, plugin, ini_folder, path)
    controller.shutdown(wait=False)
    print(path)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--shot":
        shoot(sys.argv[2], sys.argv[3])
        return
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/import_tree_shots"
    os.makedirs(out, exist_ok=True)
    from gantt_scenes import ensure_display, xauthority_env

    display = None if os.environ.get("DISPLAY") else ensure_display()
    tmp = tempfile.mkdtemp(prefix="imwarmup-import-tree-shots-")
    env = xauthority_env(tmp)  # (with DISPLAY set, pyautogui failed without an Xauthority)
    try:
        for kind in SHOTS:
            subprocess.run([sys.executable, os.path.abspath(__file__), "--shot", kind,
                            os.path.join(out, f"import_tree_{kind}.png")], check=True, env=env)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if display is not None:
            display.stop()


if __name__ == "__main__":
    main()
