"""A hello_imgui app with the diagnostics window open whose GUI thread sleeps 250 ms on one frame
while a module warms: the "GUI frames" lane must show that frame as a hitch. Writes the last
frame to argv[1] and, as JSON on stdout, where the lane was and where the hitch and a normal
frame are in it (screen pixels)."""

from __future__ import annotations

import json
import sys
import tempfile
import time

from imgui_bundle import hello_imgui, immapp

from imwarmup import WarmupController
from imwarmup.panels import DiagnosticsPlugin

HITCH_FRAME = 30
# A module that takes 2 s on its worker: the hitch falls inside the warmup, which the chart shows.
_mods = tempfile.mkdtemp(prefix="imwarmup-lane-")
with open(f"{_mods}/_lane_slow_sdk.py", "w") as f:
    f.write("import time\ntime.sleep(2.0)\n")
sys.path.insert(0, _mods)
controller = WarmupController(["json", "numpy", "_lane_slow_sdk"], log_to_stderr=False)
controller.start()
plugin = DiagnosticsPlugin(controller)
params = hello_imgui.RunnerParams()
params.app_window_params.window_geometry.size = (1100, 700)
params.fps_idling.enable_idling = False
params.ini_folder_type = hello_imgui.IniFolderType.absolute_path
params.ini_filename = tempfile.mkdtemp(prefix="imwarmup-ini-") + "/imgui.ini"
count = [0]
hitch_start: list[float] = []


def gui() -> None:
    count[0] += 1
    if count[0] == HITCH_FRAME:
        hitch_start.append(controller.frames.last)
        time.sleep(0.25)
    if count[0] > 120 and controller.wait_for_warmup(0):
        params.app_shall_exit = True


params.callbacks.show_gui = gui
plugin.install(params)
plugin.show_debug_window()
immapp.run(params)

from PIL import Image  # noqa: E402 - after the run: the app's own start stays lean

Image.fromarray(hello_imgui.final_app_window_screenshot()).save(sys.argv[1])
window = plugin.debug_window
lane = window._frame_lane
rect = window.frames_lane_rect
events = window.last_chart
lo, hi = events.x_range
scale = rect[2] / (hi - lo)
origin = lane.origin
i = int(abs(lane.x0 + origin - hitch_start[0]).argmin())
normal = [j for j in range(len(lane)) if not lane.hitch[j] and lo <= lane.x0[j] <= hi]
print(json.dumps({
    "rect": rect,
    "hitch_x": rect[0] + ((lane.x0[i] + lane.x1[i]) / 2 - lo) * scale,
    "hitch_ms": float(lane.ms[i]), "hitch": bool(lane.hitch[i]),
    "normal_x": [rect[0] + (lane.x0[j] - lo) * scale for j in normal[:5]],
    "tooltip": lane.tooltip(i),
}))
controller.shutdown(wait=False)
