"""A host app with its own callbacks, to prove install() chains and never replaces them.

argv: RESULT_JSON ORDER   (ORDER: "before" = install before the host sets its callbacks,
                           "after" = install after)
"""

import json
import os
import sys
import tempfile

from imgui_bundle import hello_imgui, imgui, immapp

from imwarmup.panels import DiagnosticsPlugin
from imwarmup.testing import ScriptedSource, StepClock
from imwarmup.testing.scenes import get_scene

result_path, order = sys.argv[1], sys.argv[2]
scene = get_scene("status_ready")
clock = StepClock(scene.origin + scene.start, 0.0)
source = ScriptedSource(scene.canaries, clock, origin=scene.origin)
if order == "broken":
    class BrokenSource(ScriptedSource):
        """A host controller whose status and canaries raise: the app must keep running."""

        def warmup_status(self):
            raise ConnectionError("the provider registry is down")

        def canaries(self):
            raise ConnectionError("the provider registry is down")

    source = BrokenSource(scene.canaries, clock, origin=scene.origin)
plugin = DiagnosticsPlugin(source, clock=clock)
seen = {"host_status": 0, "host_post_init": 0, "host_menus": 0, "host_window": 0,
        "host_before_exit": 0, "frames": 0}

params = hello_imgui.RunnerParams()
params.app_window_params.window_geometry.size = (640, 480)
params.ini_folder_type = hello_imgui.IniFolderType.absolute_path   # a fresh layout every run
params.ini_filename = os.path.join(tempfile.mkdtemp(prefix="imwarmup-host-app-"), "imgui.ini")
params.fps_idling.enable_idling = False
params.imgui_window_params.show_menu_bar = True


def host_status():
    seen["host_status"] += 1
    imgui.text("host item")


def host_post_init():
    seen["host_post_init"] += 1


def host_menus():
    seen["host_menus"] += 1


def host_window():
    seen["host_window"] += 1
    imgui.text("host window")


def host_before_exit():
    seen["host_before_exit"] += 1


def gui():
    seen["frames"] += 1
    if seen["frames"] == 40:
        hello_imgui.get_runner_params().app_shall_exit = True


def set_host_callbacks():
    params.callbacks.show_status = host_status
    params.callbacks.post_init = host_post_init
    params.callbacks.show_menus = host_menus
    params.callbacks.before_exit = host_before_exit
    params.callbacks.show_gui = gui
    window = hello_imgui.DockableWindow()
    window.label = "Host window"
    window.gui_function = host_window
    params.docking_params.dockable_windows = [window]


if order == "before":
    plugin.install(params)
    set_host_callbacks()
elif order == "broken":
    set_host_callbacks()
    plugin.install(params)
    params.callbacks.enqueue_post_init(plugin.show_debug_window)
    params.callbacks.enqueue_post_init(plugin.copy_report)
else:
    set_host_callbacks()
    plugin.install(params)

immapp.run(params)
seen["plugin_status"] = plugin.status_bar.line.text
seen["window_error"] = plugin.debug_window.error
seen["toasts"] = [t.text for t in plugin.toasts.toasts]
seen["plugin_frames"] = plugin.frame
seen["windows"] = [w.label for w in params.docking_params.dockable_windows]
with open(result_path, "w") as f:
    json.dump(seen, f)
