"""What the plugin costs the host's frame: main-thread CPU per frame, A/B, fresh processes.

One small hello_imgui host (a window of text, its own status item, idling off) runs until 600
frames are measured: the first 60 are skipped (and, with the plugin, those while its "ready"
toast shows), then ``time.thread_time()`` is read once per frame. Variants, each in
its own process, interleaved, several rounds:

- ``bare``: the host alone;
- ``plugin``: the host with the README's lines (warmup of a few stdlib modules finished before
  the window opens, diagnostics window closed: the steady state where the plugin shows one
  static segment).

Prints per variant the median over rounds of the median CPU µs per frame, and the plugin's added
cost (absolute and as a share of the bare host). Target (issue "Performance"): <= 5% and <= 30 µs.

Run: ``.venv/bin/python benchmarks/bench_frame_cost.py [--rounds 5]`` (starts its own Xvfb when
DISPLAY is unset).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SKIP, FRAMES = 60, 600

CHILD = r"""
import json, sys, time
from imgui_bundle import hello_imgui, imgui, immapp

variant, out = sys.argv[1], sys.argv[2]
rp = hello_imgui.RunnerParams()
rp.app_window_params.window_geometry.size = (800, 600)
rp.ini_folder_type = hello_imgui.IniFolderType.temp_folder
rp.ini_filename = "bench-frame-cost.ini"
rp.fps_idling.enable_idling = False
rp.imgui_window_params.show_status_bar = True
samples, state = [], {"frames": 0, "last": None, "settled": None}
plugin = None

def gui():
    imgui.text("A host window with a few lines of text.")
    for i in range(5):
        imgui.text(f"line {i}")

def status():
    imgui.text("Host: connected")

def tick():  # once per frame, before the frame is rendered
    state["frames"] += 1
    now = time.thread_time()
    if state["settled"] is None:
        # Steady state: past the first frames and (with the plugin) after its "ready" toast.
        if state["frames"] > SKIP and (plugin is None or not plugin.toasts.active):
            state["settled"] = state["frames"]
    elif state["last"] is not None:
        samples.append(now - state["last"])
        if len(samples) >= FRAMES:
            hello_imgui.get_runner_params().app_shall_exit = True
    state["last"] = now

rp.callbacks.show_gui = gui
rp.callbacks.show_status = status
rp.callbacks.before_imgui_render = tick
if variant == "plugin":
    from imwarmup import WarmupController
    from imwarmup.panels import DiagnosticsPlugin
    controller = WarmupController(["json", "decimal", "sqlite3"], log_to_stderr=False)
    controller.start()
    controller.wait_for_warmup(30)
    plugin = DiagnosticsPlugin(controller)
    plugin.install(rp)
immapp.run(rp)
json.dump({"samples_us": [s * 1e6 for s in samples]}, open(out, "w"))
""".replace("SKIP", str(SKIP)).replace("FRAMES", str(FRAMES))


def run_variant(variant: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.json")
        env = dict(os.environ, PYTHONPATH=ROOT)
        subprocess.run([sys.executable, "-c", CHILD, variant, out], check=True, env=env,
                       cwd=tmp, timeout=120, capture_output=True)
        with open(out) as f:
            samples = json.load(f)["samples_us"]
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not os.environ.get("DISPLAY"):
        sys.path.insert(0, ROOT)
        from imwarmup.testing.display import VirtualDisplay

        display = VirtualDisplay().start()
    else:
        display = None
    try:
        results: dict[str, list[float]] = {"bare": [], "plugin": []}
        for n in range(args.rounds):
            order = ("bare", "plugin") if n % 2 == 0 else ("plugin", "bare")
            for variant in order:
                results[variant].append(run_variant(variant))
            print(f"round {n + 1}: bare {results['bare'][-1]:7.1f} µs   "
                  f"plugin {results['plugin'][-1]:7.1f} µs", flush=True)
    finally:
        if display is not None:
            display.stop()
    bare = statistics.median(results["bare"])
    plugin = statistics.median(results["plugin"])
    print()
    print(f"main-thread CPU per frame (median of {args.rounds} rounds of {FRAMES} frames each)")
    print(f"  bare host      {bare:8.1f} µs")
    print(f"  with plugin    {plugin:8.1f} µs")
    print(f"  plugin adds    {plugin - bare:8.1f} µs  ({(plugin - bare) / bare:+.1%} of the host)"
          f"   target: <= 30 µs and <= 5%")


if __name__ == "__main__":
    main()
