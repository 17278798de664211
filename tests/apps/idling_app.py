"""A host that idles (hello_imgui's FPS idling, as most apps have it) while a slow warmup runs:
the plugin must let it idle, and its frame log must not count the idle waits as frames.

argv: RESULT_JSON MODULE_DIR
"""

import json
import os
import sys
import tempfile
import time

from imgui_bundle import hello_imgui, imgui, immapp

from imwarmup import WarmupController
from imwarmup.panels import DiagnosticsPlugin

result_path, module_dir = sys.argv[1], sys.argv[2]
sys.path.insert(0, module_dir)
MODULES = [f"idlepkg.m{i}" for i in range(6)]

controller = WarmupController(MODULES, log_to_stderr=False, history=False)
plugin = DiagnosticsPlugin(controller)
params = hello_imgui.RunnerParams()
params.app_window_params.window_geometry.size = (640, 480)
params.ini_folder_type = hello_imgui.IniFolderType.absolute_path
params.ini_filename = os.path.join(tempfile.mkdtemp(prefix="imwarmup-idling-app-"), "imgui.ini")
params.fps_idling.enable_idling = True
params.fps_idling.fps_idle = 4.0                       # an idle wait is up to 250 ms
params.fps_idling.time_active_after_last_event = 0.1   # idle soon after the start
seen = {"frames": [], "errors": []}


def gui() -> None:
    imgui.text("host window")
    idling = hello_imgui.get_runner_params().fps_idling.is_idling
    seen["frames"].append((time.perf_counter(), bool(idling), controller.manager.is_done()))
    seen["idle_wait_s"] = max(seen.get("idle_wait_s", 0.0), controller.frames.idle_wait_s)
    if len(seen["frames"]) == 2:
        controller.start()
    shown = plugin.status_bar.line.state == "ready"  # the plugin said so (and its toast went)
    if (shown and not plugin.toasts.toasts) or len(seen["frames"]) > 3000:
        hello_imgui.get_runner_params().app_shall_exit = True


params.callbacks.show_gui = gui
plugin.install(params)
immapp.run(params)
seen["logged_ms"] = [interval * 1000.0 for _start, interval in controller.frames.frames()]
seen["idle_ms"] = [wait * 1000.0 for _start, wait in controller.frames.idle_waits()]
seen["status"] = plugin.status_bar.line.text
controller.shutdown()
with open(result_path, "w") as out:
    json.dump(seen, out)
