"""What the plugin costs the host's frame: main-thread CPU per frame, A/B, fresh processes.

One small hello_imgui host (a window of text, its own status item, idling off) runs until 600
frames are measured: the first 60 are skipped, then ``time.thread_time()`` is read once per frame
(in ``before_imgui_render``) and the differences are the frame's main-thread CPU. Two states:

- ``steady``: a warmup of a few stdlib modules finished before the window opens, diagnostics
  window closed, measured once the plugin's "ready" toast is gone: the plugin shows one static
  segment;
- ``warming``: a warmup of 400 generated modules, each sleeping 0.2 s in its import (about 20 s
  on 4 workers), runs during the measured frames; only frames while it is still warming count.
  The bare host runs the same controller, so both sides carry its worker threads.

Variants, each in its own process (one code tree on its PYTHONPATH):

- ``bare``: the host alone (with the ``--after`` tree's controller when warming);
- ``before``: the plugin from ``--before`` (e.g. a ``git worktree`` of an older commit), if given;
- ``after``: the plugin from ``--after`` (default: this checkout);
- with ``--parts``, bare hosts plus one piece of what the plugin adds, to see what each costs by
  itself: ``bare+window`` (a hidden DockableWindow in the layout), ``bare+chains`` (Python no-op
  callbacks chained on ``show_status`` and ``post_render_dockable_windows``), ``bare+pnf-py`` /
  ``bare+pnf-cpp`` (``pre_new_frame`` set to a Python no-op / to hello_imgui's
  ``empty_void_function``).

Every round runs every variant once, in a rotated order (interleaved: a machine shared with other
runs loads all variants alike). Printed per state and variant: the median over rounds of each
run's median CPU µs per frame, and the added cost over the bare host, in µs and as a share of
it. Target (issue "Performance"): steady <= 5% and <= 30 µs; warming <= 10%.

``--mode inproc`` (part of the default ``both``): one process per run alternates blocks of
BLOCK frames with and without the callbacks under test (see ``inproc``); ``floor``, the same
with one empty Python callback instead of the plugin: what any Python guest costs at least; and
``segment``, the host's status callback chained with ``same_line()`` and one ``text()``: the least
a status segment written in Python can cost (no dot, no colour, no check of the room); and
``calls``, the host's status callback chained with the plugin's quiet frame's nine imgui calls
(frame count, window width, the host's corner compared, the hover test, draw list, dot, text,
Ctrl) in one flat function with every argument ready: what those calls cost by themselves, the
least the plugin's quiet frame can be without dropping one of its checks.

Run: ``.venv/bin/python benchmarks/bench_frame_cost.py [--rounds 5] [--before DIR] [--after DIR]
[--states steady,warming] [--parts] [--mode fresh|inproc|both] [--window-size WxH]`` (starts its own
Xvfb when DISPLAY is unset).
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
WARM_MODULES, WARM_SLEEP = 400, 0.2
WINDOW_SIZE = [800, 600]  # the host's window (--window-size)
BLOCK = 5  # frames per block in the in-process A/B (short: load changes hit both sides alike)

CHILD = r"""
import json, os, sys, time
from imgui_bundle import hello_imgui, imgui, immapp

spec, out, tmp = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
rp = hello_imgui.RunnerParams()
rp.app_window_params.window_geometry.size = tuple(spec["size"])
rp.ini_folder_type = hello_imgui.IniFolderType.temp_folder
rp.ini_filename = f"bench-frame-cost-{os.getpid()}.ini"
rp.fps_idling.enable_idling = False
rp.imgui_window_params.show_status_bar = True
samples, state = [], {"frames": 0, "last": None, "settled": None, "ended": False}
plugin = controller = None

def gui():
    imgui.text("A host window with a few lines of text.")
    for i in range(5):
        imgui.text(f"line {i}")

def status():
    imgui.text("Host: connected")

def measuring():
    if controller is not None and spec["state"] == "warming":
        return not controller.manager.is_done()
    # Steady state: (with the plugin) after its "ready" toast.
    return plugin is None or not plugin.toasts.active

# In-process A/B ("abab"): the process alternates blocks of BLOCK frames between the host's
# own callbacks ("bare") and the callbacks under test ("alt": the plugin's chains as installed,
# or one Python no-op added), swapping them in before_imgui_render. The first frame of each
# block is dropped (it renders the previous block's draw data).
CALLBACKS = ("show_status", "post_render_dockable_windows", "pre_new_frame", "show_gui",
             "post_new_frame", "before_imgui_render", "show_menus", "show_app_menu_items")
abab = {"bare": [], "alt": [], "bare_gui": [], "alt_gui": [], "sets": None, "current": "alt",
        "left": 0}
gui_t0 = [None]

def gui_phase_start():  # post_new_frame: the frame's GUI callbacks start (host's and plugin's)
    gui_t0[0] = time.thread_time()

def swap(callbacks):
    which = "bare" if abab["current"] == "alt" else "alt"
    for name, fn in abab["sets"][which].items():
        setattr(callbacks, name, fn)
    abab["current"], abab["left"] = which, BLOCK

def tick():  # once per frame, before the frame is rendered
    state["frames"] += 1
    now = time.thread_time()
    if state["settled"] is None:
        if state["frames"] > SKIP and measuring():
            state["settled"] = state["frames"]
            if spec["abab"]:
                callbacks = hello_imgui.get_runner_params().callbacks
                live = {name: getattr(callbacks, name) for name in CALLBACKS}
                changed = {n: f for n, f in live.items() if f is not host_callbacks[n]}
                abab["sets"] = {
                    "alt": changed,
                    "bare": {n: (host_callbacks[n] if host_callbacks[n] is not None
                                 else hello_imgui.empty_void_function) for n in changed}}
                swap(callbacks)
    elif state["last"] is not None:
        if spec["state"] == "warming" and not measuring():
            state["ended"] = True  # the warmup ended first: keep what was measured
        elif spec["abab"]:
            if abab["left"] < BLOCK:  # not the block's first frame
                abab[abab["current"]].append(now - state["last"])
                if gui_t0[0] is not None:
                    abab[abab["current"] + "_gui"].append(now - gui_t0[0])
        else:
            samples.append(now - state["last"])
        if spec["abab"]:
            abab["left"] -= 1
            if abab["left"] <= 0:
                swap(hello_imgui.get_runner_params().callbacks)
        done = (min(len(abab["bare"]), len(abab["alt"])) if spec["abab"] else len(samples))
        if done >= FRAMES or state["ended"]:
            hello_imgui.get_runner_params().app_shall_exit = True
    state["last"] = now

rp.callbacks.show_gui = gui
rp.callbacks.show_status = status
rp.callbacks.before_imgui_render = tick
rp.callbacks.post_new_frame = gui_phase_start

def noop():
    pass

for part in spec["parts"]:
    if part == "window":
        w = hello_imgui.DockableWindow()
        w.label, w.dock_space_name, w.is_visible = "Hidden", "MainDockSpace", False
        w.gui_function = noop
        rp.docking_params.dockable_windows = [*rp.docking_params.dockable_windows, w]
    elif part == "chains":
        for name in ("show_status", "post_render_dockable_windows"):
            previous = getattr(rp.callbacks, name)
            def chained(previous=previous):
                if previous is not None:
                    previous()
                noop()
            setattr(rp.callbacks, name, chained)
    elif part == "pnf-py":
        rp.callbacks.pre_new_frame = noop
    elif part == "pnf-cpp":
        rp.callbacks.pre_new_frame = hello_imgui.empty_void_function

from imwarmup import WarmupController
if spec["state"] == "warming":
    pkg = os.path.join(tmp, "benchslow")
    os.makedirs(pkg, exist_ok=True)
    open(os.path.join(pkg, "__init__.py"), "w").close()
    for i in range(WARM_MODULES):
        with open(os.path.join(pkg, f"m{i:03d}.py"), "w") as f:
            f.write(f"import time\ntime.sleep({WARM_SLEEP})\nVALUE = {i}\n")
    sys.path.insert(0, tmp)
    # numpy too: the plugin adds it to a warmup not yet started (its chart), so all do.
    controller = WarmupController([f"benchslow.m{i:03d}" for i in range(WARM_MODULES)] + ["numpy"],
                                  log_to_stderr=False)
    started = [False]
    def start_warmup():  # the warmup starts with the window: it spans the measured frames
        if not started[0]:
            started[0] = True
            controller.start()
    rp.callbacks.post_init = start_warmup
else:
    if spec["plugin"]:
        controller = WarmupController(["json", "decimal", "sqlite3"], log_to_stderr=False)
        controller.start()
        controller.wait_for_warmup(30)
host_callbacks = {name: getattr(rp.callbacks, name) for name in CALLBACKS}
if spec["plugin"]:
    from imwarmup.panels import DiagnosticsPlugin
    plugin = DiagnosticsPlugin(controller)
    plugin.install(rp)
if spec["noop"]:  # the floor: one Python callback more than the host has (an empty one)
    rp.callbacks.post_render_dockable_windows = noop
if spec["text"]:  # the least a status segment can be: a text after the host's item
    def status_and_text(host_status=rp.callbacks.show_status):
        host_status()
        imgui.same_line()
        imgui.text("All imports ready")
    rp.callbacks.show_status = status_and_text
if spec["calls"]:  # the quiet frame's own imgui calls, in one flat function: no structure
    def status_and_calls(host_status=rp.callbacks.show_status, frame_count=imgui.get_frame_count,
                         width=imgui.get_window_width, rect_max=imgui.get_item_rect_max,
                         eq=imgui.ImVec2.__eq__, hovering=imgui.is_mouse_hovering_rect,
                         draw_list=imgui.get_window_draw_list, key_down=imgui.is_key_down,
                         ctrl=int(imgui.Key.mod_ctrl), seen=[-1, None]):
        host_status()
        frame = frame_count()
        if seen[0] == frame:
            return
        seen[0] = frame
        if seen[1] is None:  # the first frame: where the segment goes, as the plugin finds it
            corner = rect_max()
            imgui.same_line()
            at = imgui.get_cursor_screen_pos()
            h = imgui.get_text_line_height()
            seen[1] = (corner, width() - 1.0, imgui.ImVec2(at.x, at.y),
                       imgui.ImVec2(at.x + 200.0, at.y + h),
                       imgui.ImVec2(at.x + h * 0.5, at.y + h * 0.5), h * 0.3,
                       imgui.ImVec2(at.x + h, at.y), imgui.get_color_u32(imgui.Col_.text))
        corner, low, rmin, rmax, dot, radius, text_at, color = seen[1]
        if not eq(rect_max(), corner) or not width() > low or hovering(rmin, rmax):
            return
        draw = draw_list()
        draw.add_circle_filled(dot, radius, 0xFF50C878, 0)
        draw.add_text(text_at, color, "All imports ready")
        key_down(ctrl)
    rp.callbacks.show_status = status_and_calls
immapp.run(rp)
hello_imgui.delete_ini_settings(rp)  # its ini in the temp folder: no litter run after run
if controller is not None:
    controller.shutdown()
json.dump({"samples_us": [s * 1e6 for s in samples], "ended_early": state["ended"],
           "bare_us": [s * 1e6 for s in abab["bare"]], "alt_us": [s * 1e6 for s in abab["alt"]],
           "bare_gui_us": [s * 1e6 for s in abab["bare_gui"]],
           "alt_gui_us": [s * 1e6 for s in abab["alt_gui"]]},
          open(out, "w"))
""".replace("SKIP", str(SKIP)).replace("FRAMES", str(FRAMES)).replace(
    "WARM_MODULES", str(WARM_MODULES)).replace("WARM_SLEEP", str(WARM_SLEEP)).replace(
    "BLOCK", str(BLOCK))

PART_VARIANTS = {"bare+window": ["window"], "bare+chains": ["chains"],
                 "bare+pnf-py": ["pnf-py"], "bare+pnf-cpp": ["pnf-cpp"]}


def run_child(tree: str, spec: dict) -> dict:
    """One fresh process running CHILD with ``spec``; returns what it measured."""
    spec = {"parts": [], "abab": False, "noop": False, "text": False, "calls": False,
            "size": WINDOW_SIZE, **spec}
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.json")
        env = dict(os.environ, PYTHONPATH=tree)
        proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(spec), out, tmp],
                              env=env, cwd=tmp, timeout=180, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"variant {spec} from {tree} failed:\n{proc.stderr[-3000:]}")
        with open(out) as f:
            return json.load(f)


def run_variant(tree: str, state: str, plugin: bool, parts: list[str]) -> tuple[float, int]:
    """One fresh process; returns its median CPU µs per frame and the frames measured."""
    samples = run_child(tree, {"state": state, "plugin": plugin, "parts": parts})["samples_us"]
    return statistics.median(samples), len(samples)


def run_abab(tree: str, state: str, plugin: bool, noop: bool, text: bool = False,
             calls: bool = False) -> tuple[float, float, float, float, float]:
    """One process alternating blocks bare/alt; returns the medians (bare, alt) and the means
    (bare, alt) of the frames measured on each side. The median is the typical frame; the mean
    also counts the plugin's occasional full frames (every few frames once the warmup is done),
    which a median of single frames never sees: the CPU the host pays is the mean."""
    result = run_child(tree, {"state": state, "plugin": plugin, "noop": noop, "text": text,
                              "calls": calls, "abab": True})
    bare, alt = result["bare_us"], result["alt_us"]
    # The GUI phase alone (post_new_frame to before_imgui_render: every GUI callback, the
    # plugin's included, and none of the rendering): far less noise than the whole frame, but
    # it leaves out what the plugin's shapes cost the renderer. Its means' difference.
    gui = _mean(result["alt_gui_us"]) - _mean(result["bare_gui_us"])
    return (statistics.median(bare), statistics.median(alt),
            _mean(bare), _mean(alt), gui)


def _mean(samples: list[float]) -> float:
    """The mean with the top 1% left out: a frame with a burst of page faults or interrupts
    costs ms of thread CPU on either side and would swamp µs (the plugin's full frames are
    1 in 8 or rarer, well inside the 99%)."""
    kept = sorted(samples)[:max(1, len(samples) * 99 // 100)]
    return statistics.fmean(kept)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--before", help="a code tree to compare with (e.g. a git worktree)")
    parser.add_argument("--after", default=ROOT, help="the code tree measured (default: here)")
    parser.add_argument("--states", default="steady,warming")
    parser.add_argument("--parts", action="store_true", help="also bare + one part each")
    parser.add_argument("--mode", choices=("fresh", "inproc", "both"), default="both",
                        help="fresh processes per variant, in-process A/B, or both")
    parser.add_argument("--window-size", default="800x600", metavar="WxH",
                        help="the host's window (a smaller one: less for the software renderer "
                             "to fill between two frames)")
    args = parser.parse_args()
    try:
        width, height = (int(v) for v in args.window_size.lower().split("x"))
        if width < 100 or height < 100:
            raise ValueError
    except ValueError:
        parser.error(f"--window-size: expected WxH of at least 100x100 pixels, got "
                     f"{args.window_size!r}")
    WINDOW_SIZE[:] = [width, height]
    print(f"host window {width}x{height}")
    if args.mode in ("inproc", "both"):
        inproc(args)
    if args.mode in ("fresh", "both"):
        fresh(args)


def inproc(args: argparse.Namespace) -> None:
    """In-process A/B: each process alternates BLOCK-frame blocks with and without the callbacks
    under test, so both sides share the process, its memory layout and the machine's load of
    the moment (fresh-process medians of one variant spread by ±50 µs on a loaded machine).
    The bare side cannot unset a callback the plugin set (the binding refuses None): it gets
    hello_imgui's C++ no-op there, itself a call through the binding; the ``floor`` variant
    measures one empty Python callback against that no-op."""
    states = args.states.split(",")
    trees = {"after": os.path.abspath(args.after)}
    if args.before:
        trees = {"before": os.path.abspath(args.before), **trees}
    display = _display()
    floors = ["floor", "segment", "calls"]
    runs = [(state, name) for state in states for name in [*trees, *floors]]
    # Per run: (median with - median without, as a share of without, the same for the means).
    added: dict[tuple[str, str], list[tuple[float, float, float, float]]] = {r: [] for r in runs}
    try:
        for n in range(args.rounds):
            shift = n % len(runs)
            for state, name in runs[shift:] + runs[:shift]:
                tree = trees.get(name, trees["after"])
                bare, alt, bare_mean, alt_mean, gui = run_abab(
                    tree, state, plugin=name not in floors, noop=name == "floor",
                    text=name == "segment", calls=name == "calls")
                added[state, name].append((alt - bare, alt / bare - 1.0, alt_mean - bare_mean,
                                           alt_mean / bare_mean - 1.0, gui))
            print(f"inproc round {n + 1} (median/mean/gui): " + "  ".join(
                f"{state[:4]}/{name} {added[state, name][-1][0]:+6.1f}/"
                f"{added[state, name][-1][2]:+6.1f}/{added[state, name][-1][4]:+5.1f}"
                for state, name in runs), flush=True)
    finally:
        if display is not None:
            display.stop()
    print()
    print(f"in-process A/B, added main-thread CPU per frame: median over {args.rounds} processes "
          f"of (with - without), {FRAMES} frames each side in blocks of {BLOCK}; 'typical': "
          f"of the frames' medians, 'mean': of their means (top 1% out); the verdict is on the "
          f"mean, what the host pays; 'gui phase': the mean added between post_new_frame and "
          f"before_imgui_render (the GUI callbacks, no rendering: less noise, not all the cost)")
    for state in states:
        print(f"{state} (target {_target_text(state)}):")
        for name in [*trees, *floors]:
            values = added[state, name]
            us = statistics.median(v[0] for v in values)
            share = statistics.median(v[1] for v in values)
            mean_us = statistics.median(v[2] for v in values)
            mean_share = statistics.median(v[3] for v in values)
            what = {"floor": "one empty Python callback (post_render_dockable_windows)",
                    "segment": "the least a segment can be: the host's show_status chained "
                               "with same_line() and text('All imports ready')",
                    "calls": "the quiet frame's 9 imgui calls (frame count, width, corner, "
                             "hover, draw list, dot, text, Ctrl) in one flat function: the "
                             "least the plugin's quiet frame can be from Python"}.get(
                name, "plugin: " + _verdict(state, mean_us, mean_share))
            gui = [v[4] for v in values]
            print(f"  {name:7s} typical {us:+6.1f} µs ({share:+.1%})  mean {mean_us:+6.1f} µs "
                  f"({mean_share:+.1%}) [{min(v[2] for v in values):+6.1f} .. "
                  f"{max(v[2] for v in values):+6.1f}]  gui phase {statistics.median(gui):+5.1f}"
                  f" µs [{min(gui):+5.1f} .. {max(gui):+5.1f}]  {what}")


def _target_text(state: str) -> str:
    return "<= 30 µs and <= 5%" if state == "steady" else "<= 10%"


def _verdict(state: str, us: float, share: float) -> str:
    """``target met`` / ``target NOT met (...)`` for the plugin's added cost in ``state``."""
    if state == "steady":
        met = us <= 30.0 and share <= 0.05
    else:
        met = share <= 0.10
    return f"target {_target_text(state)} " + ("met" if met else "NOT met")


def _display() -> object:
    if os.environ.get("DISPLAY"):
        return None
    sys.path.insert(0, ROOT)
    from imwarmup.testing.display import VirtualDisplay

    return VirtualDisplay().start()


def fresh(args: argparse.Namespace) -> None:
    states = args.states.split(",")
    variants: dict[str, tuple[str, bool, list[str]]] = {"bare": (args.after, False, [])}
    if args.before:
        variants["before"] = (os.path.abspath(args.before), True, [])
    variants["after"] = (os.path.abspath(args.after), True, [])
    if args.parts:
        variants.update({name: (args.after, False, parts) for name, parts in PART_VARIANTS.items()})
    display = _display()
    runs = [(state, name) for state in states for name in variants]
    results: dict[tuple[str, str], list[float]] = {run: [] for run in runs}
    frames: dict[tuple[str, str], list[int]] = {run: [] for run in runs}
    print(f"trees: after = {variants['after'][0]}"
          + (f", before = {variants['before'][0]}" if "before" in variants else ""))
    try:
        for n in range(args.rounds):
            shift = n % len(runs)  # rotate the order every round
            for state, name in runs[shift:] + runs[:shift]:
                tree, plugin, parts = variants[name]
                median, count = run_variant(tree, state, plugin, parts)
                results[state, name].append(median)
                frames[state, name].append(count)
            print(f"round {n + 1}: " + "  ".join(
                f"{state[:4]}/{name} {results[state, name][-1]:6.1f}" for state, name in runs),
                flush=True)
    finally:
        if display is not None:
            display.stop()
    print()
    print(f"main-thread CPU per frame, µs: median over {args.rounds} interleaved rounds of each "
          f"run's median ({FRAMES} frames after {SKIP} skipped; warming: frames while warming)")
    for state in states:
        bare = statistics.median(results[state, "bare"])
        print(f"{state} (target {_target_text(state)}):")
        for name in variants:
            value = statistics.median(results[state, name])
            spread = f"[{min(results[state, name]):6.1f} .. {max(results[state, name]):6.1f}]"
            line = f"  {name:13s} {value:7.1f} µs {spread}"
            if name != "bare":
                added = [r - b for r, b in zip(results[state, name], results[state, "bare"])]
                ratio = statistics.median(r / b - 1.0 for r, b in
                                          zip(results[state, name], results[state, "bare"]))
                line += (f"  adds {value - bare:+6.1f} µs ({(value - bare) / bare:+.1%}); "
                         f"per-round pairs: median {statistics.median(added):+6.1f} µs "
                         f"({ratio:+.1%})")
                if name in ("before", "after"):  # the verdict on the per-round pairs
                    line += f"; {_verdict(state, statistics.median(added), ratio)}"
                    # Fresh processes of one variant spread by far more than the budget on a
                    # loaded machine: say when the pairs cannot tell (the inproc mode can).
                    spread = max(added) - min(added)
                    budget = 0.05 if state == "steady" else 0.10
                    if spread > budget * bare:
                        line += (f" (INCONCLUSIVE: pairs spread {min(added):+.0f} .. "
                                 f"{max(added):+.0f} µs, wider than the {budget:.0%} budget; "
                                 f"trust --mode inproc)")
            if state == "warming":
                line += f"  frames measured: min {min(frames[state, name])}"
            print(line)


if __name__ == "__main__":
    main()
