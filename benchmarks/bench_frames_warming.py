"""Frames while the real SDK set warms in a GUI (issue 'Performance', target 2): p99 frame interval
<= 1.5x the idle p99, and no frame over 100 ms; printed beside the floor (the longest stretch one
import holds the interpreter lock, which no schedule can shorten).

    .venv/bin/pip install -e '.[bench]'                   # the SDK set of bench_warmup.py
    .venv/bin/python benchmarks/bench_frames_warming.py   # [--rounds N] [--only a,b] [--engine REV]

A small hello_imgui host (800x600, a few lines of text, its own status item, idling off: it
renders flat out) with the DiagnosticsPlugin installed. Every variant runs in a fresh process
under Xvfb (started here when DISPLAY is unset); rounds interleave the variants in a rotated
order. The frame interval is the time between two calls of the host's gui function (perf_counter).

- ``idle``: no warmup; 400 frames after 60 skipped.
- every other variant: the warmup starts on frame 60; the frames until it is done count, and its
  wall time (start() to done) is printed too: the schedule's cost to target 1.
- ``floor`` (no window): the default controller warms the set while a sampler thread sleeps 1 ms
  at a time and notes how late it wakes, less the time it and the lock's holder sat in the
  kernel's run queue (``schedstat``: another process had the CPU; workers at nice 0 here): a
  wake-up later than the switch interval means
  someone held the interpreter lock without offering it (a C extension's init, a long C call). The
  longest such stretch per module is the floor: a frame that needs the lock then waits at least
  that long, whatever the schedule.

- ``*-lp0`` (``idle-lp0``, ``gated-lp0``, ``cpu-hog-lp0``): the same with Mesa's software
  renderer held to the GL thread (``LP_NUM_THREADS=0``). llvmpipe rasterizes on every core, so on
  this 2-core machine it and the warmup take turns on the second one; held to one thread it
  leaves that core to the warmup, as a GPU would. Their p99 is compared with ``idle-lp0``'s, whose
  frames are slower: the ``+p99`` column (ms added to the p99) says what the ratio hides.

``--engine REV`` runs the package of git revision REV (``git archive``) instead of the tree.
It prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ENGINE_ENV = "BENCH_FRAMES_ENGINE_DIR"
sys.path.insert(0, os.environ.get(ENGINE_ENV, ROOT))
sys.path.insert(1, HERE)

from bench_warmup import DISTRIBUTIONS, SDK_SET, loadavg  # noqa: E402 - after the path set-up

SKIP, IDLE_FRAMES = 60, 400
HITCH_MS = 100.0

VARIANTS: dict[str, str] = {
    "idle": "no warmup: the reference p99",
    "free-gc-off": "WarmupController(concurrency=None, gc_while_warming=None): 4 imports at "
                   "once, the collector left alone (the first default)",
    "gated-gc-off": "ImportGate(1, switch_interval=None), gc_while_warming=None: one import at "
                    "a time, the import pausing 4 ms after each frame starts (the plugin calls "
                    "note_frame()), the host's 5 ms switch interval, the collector left alone "
                    "(the default before gc handling and the 1 ms switch interval)",
    "gated": "WarmupController() default: one import at a time with the frame pause, switch "
             "interval 1 ms while an import runs, gc_while_warming='defer' (no full collection "
             "while warming, gc.freeze() at the end)",
    "gated-gc-freeze": "the gate, gc_while_warming='freeze' (gc.freeze() after each import)",
    "gated-gc-disable": "the gate, gc_while_warming='disable' (gc off while warming)",
    "gated-switch1ms": "ImportGate(1, switch_interval=0.001): the switch interval 1 ms while an "
                       "import runs (the host's back after; the default since)",
    "gated-switch5ms": "the default with ImportGate(1, switch_interval=0.005) (the host's 5 ms)",
    "gated-switch2ms": "the default, and ImportGate(1, switch_interval=0.002) while an import "
                       "runs",
    "gated-nopause": "the default without the frame pause (ImportGate(1, frame_pause=None))",
    "gated-pause8ms": "the default with ImportGate(1, frame_pause=0.008): the import pauses at "
                      "nested imports for 8 ms after each frame starts (4 ms by default)",
    "gated-pause12ms": "the default with ImportGate(1, frame_pause=0.012)",
    "gated-nice0": "the default, workers at nice 0",
    "free": "WarmupController(concurrency=None): 4 imports at once, default gc handling",
    "floor": "no window: a 1 ms sampler thread measures the longest lock hold per module",
    "gated-idling": "the default, the host idling as hello_imgui's default does (fps_idle 9): "
                    "only the warm wall counts (its frames are the idling's)",
    "gated-idling-refresh": "gated-idling, and a refresh asked for on every frame while warming "
                            "(what the plugin did before: the host never idled then)",
    "cpu-hog": "no warmup; from frame 60, another process at nice 10 (the workers' nice) spins "
               "on one CPU for as many frames as idle: what a second busy core costs the "
               "frames with no interpreter lock involved (Mesa's software renderer uses both)",
    "cpu-hog-schedidle": "cpu-hog with the spinning process under SCHED_IDLE instead of nice 10 "
                         "(it runs only when a CPU has nothing else to run)",
    "gated-schedidle": "the default with each worker thread under SCHED_IDLE (set by a listener "
                       "on the worker, at its first canary) instead of nice 10",
    "gil-hog": "no warmup; from frame 60, a thread of this process at nice 10 runs pure Python "
               "with the 1 ms switch interval for as many frames as idle: the busy core plus "
               "the lock, with no import, C extension or collector",
}
# The same variants with Mesa's software renderer held to the GL thread (LP_NUM_THREADS=0 in the
# child): llvmpipe otherwise rasterizes on every core, so on 2 cores the warmup's worker and the
# renderer take turns on the second one. Held to one thread, the renderer leaves that core to the
# warmup, as a GPU would (though each frame takes longer). Their p99/idle is against idle-lp0.
SOFT_ONE_THREAD = "-lp0"
for _name in ("idle", "gated", "cpu-hog"):
    VARIANTS[_name + SOFT_ONE_THREAD] = (
        VARIANTS[_name] + "; Mesa's software renderer on the GL thread only (LP_NUM_THREADS=0)")
# Variants without a warmup: they run IDLE_FRAMES frames from frame SKIP.
NO_WARMUP = ("idle", "cpu-hog", "cpu-hog-schedidle", "gil-hog", "idle-lp0", "cpu-hog-lp0")
# Variants whose host idles: their frame intervals are not target 2's (no verdict), their wall is.
IDLING = ("gated-idling", "gated-idling-refresh")
DEFAULT_VARIANTS = ["idle", "free-gc-off", "gated-gc-off", "gated", "gated-gc-freeze",
                    "gated-switch5ms", "idle-lp0", "gated-lp0", "floor"]


def reference(variant: str) -> str:
    """The idle variant a variant's p99 is compared with: the one with the same renderer."""
    return "idle" + SOFT_ONE_THREAD if variant.endswith(SOFT_ONE_THREAD) else "idle"


# --------------------------------------------------------------------------------- child side
def child_floor() -> None:
    from imwarmup import WarmupController

    # Workers at nice 0: a nice 10 worker that the kernel takes off the CPU while it holds the
    # lock (a loaded machine) would count as a hold here; the frames variants show that cost.
    controller = WarmupController(SDK_SET, log_to_stderr=False, worker_nice=0)
    late: list[tuple[float, float]] = []  # (when it woke, seconds late)
    stop = threading.Event()

    def queued() -> dict[str, float]:
        # Seconds each thread of the process spent runnable but off the CPU (another process
        # had it): the kernel's doing, not the lock's. The sampler's own wait, and the longest
        # wait of another thread (the lock's holder, preempted), are taken off the lateness.
        out = {}
        for task in os.listdir("/proc/self/task"):
            try:
                with open(f"/proc/self/task/{task}/schedstat", "rb") as stat:
                    out[task] = int(stat.read().split()[1]) / 1e9
            except OSError:
                pass
        return out

    def sampler() -> None:
        me = str(threading.get_native_id())
        while not stop.is_set():
            q0 = queued()
            t = time.perf_counter()
            time.sleep(0.001)
            now = time.perf_counter()
            q1 = queued()
            own = q1.get(me, 0.0) - q0.get(me, 0.0)
            others = max((q1[k] - q0[k] for k in q1 if k in q0 and k != me), default=0.0)
            late.append((now, max(0.0, now - t - 0.001 - own - others)))

    # A bare thread, not the package's pool: this is the benchmark's own instrument.
    thread = threading.Thread(target=sampler, name="bench-sampler", daemon=True)
    thread.start()
    t0 = time.perf_counter()
    clock0 = time.time()  # canaries are on time.time: map the sampler's clock onto it
    controller.start()
    controller.wait_for_warmup(600)
    wall = time.perf_counter() - t0
    stop.set()
    thread.join()
    per_module: dict[str, float] = {}
    for canary in controller.canaries():
        if canary["start_ts"] is None or canary["end_ts"] is None:
            continue
        a = canary["start_ts"] - clock0 + t0
        b = canary["end_ts"] - clock0 + t0
        # A wake-up at `now` that was `d` late: the lock was held over [now - d, now].
        holds = [d for now, d in late if a <= now - d and now <= b + 0.002]
        per_module[canary["module"]] = max(holds, default=0.0) * 1000.0
    print(json.dumps({"wall": wall, "per_module_ms": per_module,
                      "worst_ms": max((d for _, d in late), default=0.0) * 1000.0,
                      "switch_ms": sys.getswitchinterval() * 1000.0,
                      "failed": controller.warmup_status()["failed"]}))


def child_gui(variant: str) -> None:
    from imgui_bundle import hello_imgui, imgui, immapp

    from imwarmup import WarmupController
    from imwarmup.panels import DiagnosticsPlugin

    kwargs: dict[str, Any] = {"log_to_stderr": False}
    if variant.startswith("free"):
        kwargs["concurrency"] = None
    if variant.endswith("nice0"):
        kwargs["worker_nice"] = 0
    if variant.endswith("gc-off"):
        kwargs["gc_while_warming"] = None
    gate_kwargs: dict[str, float | None] = {}
    if variant == "gated-gc-off":
        gate_kwargs["switch_interval"] = None
    elif variant.endswith("gc-freeze"):
        kwargs["gc_while_warming"] = "freeze"
    elif variant.endswith("gc-disable"):
        kwargs["gc_while_warming"] = "disable"
    for part in variant.split("-"):
        if part.startswith("switch") and part.endswith("ms"):
            gate_kwargs["switch_interval"] = float(part[6:-2]) / 1000.0
        if part.startswith("pause") and part.endswith("ms"):
            gate_kwargs["frame_pause"] = float(part[5:-2]) / 1000.0
    if variant == "gated-nopause":
        gate_kwargs["frame_pause"] = None
    if gate_kwargs:
        from imwarmup.core.schedule import ImportGate

        kwargs["concurrency"] = ImportGate(1, **gate_kwargs)
    controller = WarmupController([] if variant in NO_WARMUP else SDK_SET, **kwargs)
    plugin = DiagnosticsPlugin(controller)
    if variant.endswith("schedidle") and variant not in NO_WARMUP:
        def sched_idle(_record: Any) -> None:  # on the worker, as each canary starts or ends
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))

        controller.add_listener(sched_idle)
    hog = start_hog if variant in ("cpu-hog", "cpu-hog-schedidle", "gil-hog") else None
    marks: list[float] = []
    # The GUI thread's run-queue time (runnable, off the CPU: another process had it) at each
    # mark: what of a long frame is the machine's load, not the interpreter lock.
    queued: list[float] = []
    sched = f"/proc/self/task/{threading.get_native_id()}/schedstat"
    state: dict[str, Any] = {"frame": 0, "start": None, "end": None, "warm_from": None}
    collections = gc_recorder()

    def gui() -> None:
        now = time.perf_counter()
        state["frame"] += 1
        frame = state["frame"]
        marks.append(now)
        queued.append(run_queue_s(sched))
        imgui.text("A host window with a few lines of text.")
        for i in range(5):
            imgui.text(f"line {i}")
        if variant == "gated-idling-refresh" and state["end"] is None:
            hello_imgui.request_refresh()  # what the plugin did on every frame while warming
        if frame == SKIP:
            state["warm_from"] = len(marks) - 1
            if hog is not None:
                state["hog"] = hog(variant)
            elif variant != "idle":
                state["start"] = time.perf_counter()
                state["offset"] = time.time() - state["start"]  # canaries are on time.time
                controller.start()
        elif variant in NO_WARMUP:
            if frame >= SKIP + IDLE_FRAMES:
                state["end_index"] = len(marks) - 1
                hello_imgui.get_runner_params().app_shall_exit = True
        elif state["end"] is None and controller.manager.is_done():
            state["end"] = time.perf_counter()
            state["end_index"] = len(marks) - 1
            hello_imgui.get_runner_params().app_shall_exit = True

    def status() -> None:
        imgui.text("Host: connected")

    params = hello_imgui.RunnerParams()
    params.app_window_params.window_geometry.size = (800, 600)
    params.fps_idling.enable_idling = variant in IDLING
    params.ini_folder_type = hello_imgui.IniFolderType.temp_folder
    params.ini_filename = f"bench-frames-warming-{os.getpid()}.ini"
    params.imgui_window_params.show_status_bar = True
    params.callbacks.show_gui = gui
    params.callbacks.show_status = status
    plugin.install(params)
    immapp.run(params)
    hello_imgui.delete_ini_settings(params)  # (its ini in the temp folder: no litter)
    if "hog" in state:
        state["hog"]()
    lo, hi = state["warm_from"], state["end_index"]
    intervals = [(b - a) * 1000.0 for a, b in zip(marks[lo:hi], marks[lo + 1:hi + 1])]
    worst_in: list[str] = []
    worst_queued = 0.0
    if intervals:
        i = max(range(len(intervals)), key=intervals.__getitem__)
        worst_queued = (queued[lo + i + 1] - queued[lo + i]) * 1000.0
    if intervals and variant not in NO_WARMUP:
        a, b = marks[lo + i] + state["offset"], marks[lo + i + 1] + state["offset"]
        worst_in = [c["module"] for c in controller.canaries()
                    if c["start_ts"] is not None and c["start_ts"] < b
                    and (c["end_ts"] is None or c["end_ts"] > a)]
    t_lo, t_hi = marks[lo], marks[hi]
    during = [c for c in collections if t_lo <= c[0] <= t_hi]
    out = {"intervals": intervals, "worst_in": worst_in, "worst_queued_ms": worst_queued,
           "gc_max_ms": max((c[1] for c in during), default=0.0),
           "gc_total_ms": sum(c[1] for c in during),
           "gc_full": sum(1 for c in during if c[2] == 2),
           "wall": (state["end"] - state["start"]) if state["start"] is not None else None,
           "failed": controller.warmup_status()["failed"]}
    print(json.dumps(out))
    sys.stdout.flush()
    os._exit(0)  # skip the SDKs' atexit work


def start_hog(variant: str) -> Any:
    """Start the busy neighbour of the ``cpu-hog`` / ``gil-hog`` variants; returns its stop."""
    if variant in ("cpu-hog", "cpu-hog-schedidle"):
        sched = ["chrt", "--idle", "0"] if variant == "cpu-hog-schedidle" else ["nice", "-n", "10"]
        proc = subprocess.Popen([*sched, sys.executable, "-c", "while True: pass"])
        return lambda: (proc.kill(), proc.wait())
    stop = threading.Event()
    previous = sys.getswitchinterval()
    sys.setswitchinterval(0.001)  # what the gate sets while an import runs

    def spin() -> None:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        n = 0
        while not stop.is_set():
            for _ in range(1000):
                n += 1

    # A bare thread: the benchmark's own instrument, not the package's.
    thread = threading.Thread(target=spin, name="bench-gil-hog", daemon=True)
    thread.start()

    def end() -> None:
        stop.set()
        thread.join()
        sys.setswitchinterval(previous)
    return end


def run_queue_s(path: str) -> float:
    try:
        with open(path, "rb") as stat:
            return int(stat.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


def gc_recorder() -> list[tuple[float, float, int]]:
    """Every collection from now on, any thread: ``(start perf_counter, ms, generation)``.
    A collection holds the interpreter lock for its whole length."""
    import gc

    made: list[tuple[float, float, int]] = []
    started: dict[int, float] = {}

    def callback(phase: str, info: dict[str, Any]) -> None:
        ident = threading.get_ident()
        if phase == "start":
            started[ident] = time.perf_counter()
        elif ident in started:
            t0 = started.pop(ident)
            made.append((t0, (time.perf_counter() - t0) * 1000.0, info["generation"]))

    gc.callbacks.append(callback)
    return made


# -------------------------------------------------------------------------------- parent side
def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run_child(variant: str, engine_dir: str) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=engine_dir, **{ENGINE_ENV: engine_dir},
               BENCH_WARMUP_ENGINE_DIR=engine_dir)  # bench_warmup (imported) puts it first
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    child = variant
    if variant.endswith(SOFT_ONE_THREAD):
        child = variant[: -len(SOFT_ONE_THREAD)]
        env["LP_NUM_THREADS"] = "0"  # Mesa's llvmpipe: rasterize on the GL thread only
    proc = subprocess.run([sys.executable, __file__, "--child", child], capture_output=True,
                          text=True, timeout=900, cwd=ROOT, env=env)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise SystemExit(f"variant {variant} crashed (exit {proc.returncode}):\n"
                         f"{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds (>= 5 for the medians)")
    parser.add_argument("--only", default="", help="comma-separated variants (idle added), or 'all'; default: "
                        + ", ".join(DEFAULT_VARIANTS))
    parser.add_argument("--engine", default="", help="git revision whose imwarmup to run")
    args = parser.parse_args()
    names = list(DEFAULT_VARIANTS)
    if args.only == "all":
        names = list(VARIANTS)
    elif args.only:
        wanted = [v.strip() for v in args.only.split(",") if v.strip()]
        unknown = [v for v in wanted if v not in VARIANTS]
        if unknown:
            raise SystemExit(f"unknown variant(s) {unknown}; known: {', '.join(VARIANTS)}")
        references = list(dict.fromkeys(reference(v) for v in ["idle", *wanted]))
        names = references + [v for v in wanted if v not in references]
    from importlib.metadata import PackageNotFoundError, version

    missing = []
    for dist in DISTRIBUTIONS.values():
        try:
            version(dist)
        except PackageNotFoundError:
            missing.append(dist)
    if missing:
        raise SystemExit(f"missing SDK package(s): {', '.join(missing)}; nothing was measured. "
                         f"Install the set with: {sys.executable} -m pip install -e '.[bench]'")
    display = None
    if not os.environ.get("DISPLAY"):
        from imwarmup.testing.display import VirtualDisplay

        display = VirtualDisplay().start()
    try:
        if args.engine:
            with tempfile.TemporaryDirectory(prefix="bench-frames-engine-") as engine_dir:
                rev = subprocess.run(["git", "rev-parse", "--short", args.engine], cwd=ROOT,
                                     check=True, capture_output=True, text=True).stdout.strip()
                archive = subprocess.run(["git", "archive", rev, "imwarmup"], cwd=ROOT,
                                         check=True, capture_output=True).stdout
                subprocess.run(["tar", "-x", "-C", engine_dir], input=archive, check=True)
                measure(args, names, engine_dir, f"imwarmup of {args.engine} ({rev})")
        else:
            measure(args, names, ROOT, f"imwarmup of the working tree {ROOT}")
    finally:
        if display is not None:
            display.stop()


def measure(args: argparse.Namespace, names: list[str], engine_dir: str, label: str) -> None:
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {loadavg()} at "
          f"start; engine: {label}; the set: {', '.join(SDK_SET)}")
    run_child("floor", engine_dir)  # discarded: fills the page cache
    results: dict[str, list[dict[str, Any]]] = {v: [] for v in names}
    for round_no in range(args.rounds):
        shift = round_no % len(names)
        for variant in names[shift:] + names[:shift]:
            results[variant].append(run_child(variant, engine_dir))
        print(f"round {round_no + 1}/{args.rounds} done, load average {loadavg()}", flush=True)

    idle_p99 = {ref: [pct(r["intervals"], 0.99) for r in results[ref]]
                for ref in {reference(v) for v in names if v != "floor"}}
    print(f"\n== frame intervals while the SDK set warms, {args.rounds} fresh processes per "
          f"variant, interleaved, idling off ==")
    print(f"{'variant':16s} {'p50':>7s} {'p99':>7s} {'p99/idle':>8s} {'per-round':>11s} "
          f"{'+p99':>7s} "
          f"{'worst':>8s} {'runq':>6s} {'>100ms':>6s} {'frames':>6s} {'warm wall':>9s} "
          f"{'wall/gated':>10s} {'gc max':>7s} {'gc sum':>7s} {'full':>4s}")
    gated_walls = [r["wall"] for r in results.get("gated", [])]
    verdicts = []
    for variant in names:
        if variant == "floor":
            continue
        runs = results[variant]
        p50 = statistics.median(pct(r["intervals"], 0.5) for r in runs)
        p99s = [pct(r["intervals"], 0.99) for r in runs]
        ratios = [p / i for p, i in zip(p99s, idle_p99[reference(variant)])]
        # What warming adds to the p99 in ms (per round, against the idle run of the same
        # renderer): a ratio reads better when the idle frame itself is slower.
        added = statistics.median(p - i for p, i in zip(p99s, idle_p99[reference(variant)]))
        worst = [max(r["intervals"]) for r in runs]
        hitches = statistics.median(sum(1 for x in r["intervals"] if x > HITCH_MS) for r in runs)
        frames = statistics.median(len(r["intervals"]) for r in runs)
        walls = [r["wall"] for r in runs if r["wall"] is not None]
        wall = f"{statistics.median(walls):8.2f}s" if walls else f"{'-':>9s}"
        vs = (f"{statistics.median(w / g for w, g in zip(walls, gated_walls)):9.3f}x"
              if walls and gated_walls else f"{'-':>10s}")
        failed = {m for r in runs for m in r["failed"]}
        runq = statistics.median(r.get("worst_queued_ms", 0.0) for r in runs)
        gc_max = statistics.median(r.get("gc_max_ms", 0.0) for r in runs)
        gc_sum = statistics.median(r.get("gc_total_ms", 0.0) for r in runs)
        gc_full = statistics.median(r.get("gc_full", 0) for r in runs)
        print(f"{variant:16s} {p50:6.1f}ms {statistics.median(p99s):6.1f}ms "
              f"{statistics.median(ratios):7.2f}x {min(ratios):4.2f}-{max(ratios):4.2f}x "
              f"{added:+5.1f}ms "
              f"{statistics.median(worst):6.1f}ms {runq:4.0f}ms {hitches:6.0f} {frames:6.0f} "
              f"{wall} {vs} {gc_max:5.0f}ms {gc_sum:5.0f}ms {gc_full:4.0f}"
              + (f"  FAILED {sorted(failed)}" if failed else ""))
        if variant not in NO_WARMUP and variant not in IDLING:
            verdicts.append((variant, statistics.median(ratios), statistics.median(worst),
                             max(worst), added))
    for variant in names:
        if variant in NO_WARMUP or variant == "floor":
            continue
        counts: dict[str, int] = {}
        for r in results[variant]:
            for module in r.get("worst_in", []):
                counts[module] = counts.get(module, 0) + 1
        print(f"  {variant}: importing during each run's worst frame: "
              + ", ".join(f"{m} {n}/{len(results[variant])}"
                          for m, n in sorted(counts.items(), key=lambda kv: -kv[1])))
    print("(p50, p99, worst: medians over rounds of each run's figure; p99/idle: median of the "
          "per-round ratio to the idle run of the same round (idle-lp0 for the -lp0 variants: the "
          "same renderer), per-round its range; +p99: the p99 minus that idle run's, median; "
          ">100ms: frames "
          "over 100 ms per run, median; runq: of the worst frame, the time the GUI thread was "
          "runnable but off the CPU (another process had it: the machine's load, not the lock), "
          "median; warm wall: start() to all imported with the GUI running; wall/gated: "
          "per-round ratio to the default controller; gc max / gc sum / full: the longest "
          "collection (it holds the lock), all collections' time and the full (generation 2) "
          "ones while warming, any thread, medians)")
    floor_ms = None
    if "floor" in results:
        runs = results["floor"]
        modules = sorted({m for r in runs for m in r["per_module_ms"]})
        per = {m: statistics.median(r["per_module_ms"].get(m, 0.0) for r in runs)
               for m in modules}
        floor_ms = statistics.median(r["worst_ms"] for r in runs)
        print(f"\n== floor: longest interpreter-lock hold a 1 ms sampler saw, per module (median "
              f"of {len(runs)} runs; switch interval {runs[0]['switch_ms']:.0f} ms) ==")
        print("  " + ", ".join(f"{m} {v:.1f}ms" for m, v in sorted(per.items(),
                                                                  key=lambda kv: -kv[1])))
        print(f"  floor (the longest hold in a run, median): {floor_ms:.1f} ms; a frame that "
              f"needs the lock then waits that long whatever the schedule")
    print(f"load average {loadavg()} at end")
    print("\n== per variant (target 2: p99 <= 1.5x idle p99 and no frame over 100 ms) ==")
    floor = f"; floor {floor_ms:.0f} ms" if floor_ms is not None else ""
    for variant, ratio, worst_med, worst_max, added in verdicts:
        p99_ok = "met" if ratio <= 1.5 else "NOT met"
        hitch_ok = "met" if worst_max <= HITCH_MS else "NOT met"
        both = "MET" if ratio <= 1.5 and worst_max <= HITCH_MS else "NOT MET"
        print(f"{variant}: {both}: p99 {ratio:.2f}x {reference(variant)} ({added:+.1f} ms; "
              f"<= 1.5x {p99_ok}); worst frame {worst_max:.0f} ms over all runs, median "
              f"{worst_med:.0f} ms (<= 100 ms {hitch_ok}){floor}; {VARIANTS[variant]}")
    for name in ("gated", "gated" + SOFT_ONE_THREAD):
        default = next((v for v in verdicts if v[0] == name), None)
        if default is None:
            continue
        _, ratio, worst_med, worst_max, added = default
        met = ratio <= 1.5 and worst_max <= HITCH_MS
        renderer = ("Mesa's renderer on one thread, against idle-lp0 (whose frames are slower: "
                    "the ratio's denominator is larger)" if name != "gated" else
                    "Mesa's renderer as it comes (on every core)")
        print(f"\nTARGET 2 with the default controller ({name}: {renderer}): "
              f"{'MET' if met else 'NOT MET'} (p99 {ratio:.2f}x idle against <= 1.5x, "
              f"{added:+.1f} ms; worst frame {worst_max:.0f} ms against <= 100 ms{floor})")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        if sys.argv[2] == "floor":
            child_floor()
            sys.stdout.flush()
            os._exit(0)
        child_gui(sys.argv[2])
    else:
        main()
