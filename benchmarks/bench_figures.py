"""Do the warmup's figures tell the truth? (issue 'Performance', target 4)

    .venv/bin/python benchmarks/bench_figures.py     # [--rounds N]; needs the [bench] SDK set

Three variants of the real SDK set (``bench_warmup.SDK_SET``), each in fresh processes, rounds
interleaved (the order rotates each round), medians over the rounds:

- ``sequential``: the main thread imports the set one module after the other; per module its
  wall time and its thread CPU time. What each import costs when nothing else runs.
- ``controller``: the default ``WarmupController``; per canary ``elapsed_ms`` (wall), ``cpu_ms``
  (own work: the worker's thread CPU) and waiting (elapsed - cpu). The own work should match the
  sequential cost (the same work, done elsewhere); the elapsed need not (it counts waiting).
- ``controller-noguard``: ``controller`` without the guard: what watching costs the warmup.
- ``controller+main``: the same, and the main thread imports ``pandas`` right after start()
  (an app that did not wait for the warmup). A ``MainThreadImportGuard`` watches it; its figure
  (``import_ms()``, the summary's "main thread importing") is printed beside the main thread's
  own stopwatch around that ``import pandas`` statement. They should agree.

Shared dependencies (numpy, httpx, ...) are counted in whichever module imports them first, and
the controller may start the modules in another order than the sequential run: compare the
totals first, the per-module lines second. It prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

from bench_warmup import SDK_SET, loadavg, versions  # noqa: E402 - after the path set-up

VARIANTS = ("sequential", "controller", "controller+main", "controller-noguard")


# --------------------------------------------------------------------------------- children
def child(variant: str) -> None:
    out: dict = {"modules": {}}
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    if variant == "sequential":
        import importlib

        start = time.perf_counter()
        for name in SDK_SET:
            t0, c0 = time.perf_counter(), time.thread_time()
            importlib.import_module(name)
            out["modules"][name] = {"elapsed_ms": (time.perf_counter() - t0) * 1000.0,
                                    "cpu_ms": (time.thread_time() - c0) * 1000.0}
        out["wall_ms"] = (time.perf_counter() - start) * 1000.0
    else:
        from imwarmup import WarmupController
        from imwarmup.core.purity import MainThreadImportGuard
        from imwarmup.core.report import summarize

        guard = MainThreadImportGuard(heavy=SDK_SET)
        if variant != "controller-noguard":
            guard.enable()
        controller = WarmupController(SDK_SET, log_to_stderr=False)
        controller.start()
        if variant == "controller+main":
            t0 = time.perf_counter()
            import pandas  # noqa: F401 - the app's own main-thread import, on purpose

            out["main_stopwatch_ms"] = (time.perf_counter() - t0) * 1000.0
        assert controller.wait_for_warmup(600)
        guard.disable()
        canaries = controller.canaries()
        for c in canaries:
            out["modules"][c["module"]] = {"elapsed_ms": c["elapsed_ms"], "cpu_ms": c["cpu_ms"],
                                           "status": c["status"], "error": c["error"]}
        summary = summarize(canaries, time.time(), guard=guard)
        out["wall_ms"] = summary.wall_ms
        out["main_import_ms"] = summary.main_import_ms
        out["summary"] = summary.line()
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    out["process_cpu_ms"] = ((cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)) \
        * 1000.0
    print(json.dumps(out))
    sys.stdout.flush()
    os._exit(0)  # skip the SDKs' atexit work


def run_child(variant: str) -> dict:
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.run([sys.executable, __file__, "--child", variant], capture_output=True,
                          text=True, timeout=900, cwd=ROOT, env=env)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise SystemExit(f"{variant} crashed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------------- parent
def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    rows, missing = versions()
    if missing:
        raise SystemExit(f"missing SDK package(s): {', '.join(missing)}; nothing was measured. "
                         f"Install the set: .venv/bin/pip install -e '.[bench]'")
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {loadavg()}")
    print("versions: " + ", ".join(f"{d} {v}" for m, d, v in rows))
    print(f"set: {', '.join(SDK_SET)}; {args.rounds} rounds, fresh processes, interleaved\n")
    run_child("sequential")  # warm the OS file cache; not counted
    runs: dict[str, list[dict]] = {v: [] for v in VARIANTS}
    for r in range(args.rounds):
        order = VARIANTS[r % len(VARIANTS):] + VARIANTS[:r % len(VARIANTS)]
        for variant in order:
            runs[variant].append(run_child(variant))
        print(f"round {r + 1}: load {loadavg()}")
    for variant in VARIANTS[1:]:
        for run in runs[variant]:
            bad = {m: v["error"] for m, v in run["modules"].items() if v["status"] != "completed"}
            if bad:
                print(f"{variant}: FAILED imports {bad}")

    seq, ctl = runs["sequential"], runs["controller"]
    print(f"\n== per module, medians (ms); own = thread CPU of the import")
    print(f"{'module':<18} {'seq wall':>9} {'seq own':>9} | {'ctl elapsed':>11} {'ctl own':>9} "
          f"{'ctl waiting':>11} | {'own ctl/seq':>11}")
    for name in SDK_SET:
        sw = med([r["modules"][name]["elapsed_ms"] for r in seq])
        sc = med([r["modules"][name]["cpu_ms"] for r in seq])
        ce = med([r["modules"][name]["elapsed_ms"] for r in ctl])
        cc = med([r["modules"][name]["cpu_ms"] for r in ctl])
        cw = med([r["modules"][name]["elapsed_ms"] - r["modules"][name]["cpu_ms"] for r in ctl])
        print(f"{name:<18} {sw:>9.0f} {sc:>9.0f} | {ce:>11.0f} {cc:>9.0f} {cw:>11.0f} | "
              f"{cc / sc if sc else float('nan'):>11.2f}")

    def total(run: dict, key: str) -> float:
        return sum(v[key] for v in run["modules"].values())

    print("\n== totals, medians (ms)")
    print(f"sequential:  wall {med([r['wall_ms'] for r in seq]):.0f}, own work (sum) "
          f"{med([total(r, 'cpu_ms') for r in seq]):.0f}, process CPU "
          f"{med([r['process_cpu_ms'] for r in seq]):.0f}")
    print(f"controller:  wall {med([r['wall_ms'] for r in ctl]):.0f}, own work (sum of cpu_ms) "
          f"{med([total(r, 'cpu_ms') for r in ctl]):.0f}, sum of elapsed "
          f"{med([total(r, 'elapsed_ms') for r in ctl]):.0f}, process CPU "
          f"{med([r['process_cpu_ms'] for r in ctl]):.0f}")
    ratios = [total(c, "cpu_ms") / total(s, "cpu_ms") for c, s in zip(ctl, seq)]
    sums = [total(c, "elapsed_ms") / s["wall_ms"] for c, s in zip(ctl, seq)]
    print(f"per round: own work controller/sequential median {med(ratios):.2f}x "
          f"(range {min(ratios):.2f}-{max(ratios):.2f}); sum of elapsed / sequential wall "
          f"median {med(sums):.2f}x (the old 'speed-up' read this as a gain)")
    bare = runs["controller-noguard"]
    cost = [c["wall_ms"] / b["wall_ms"] for c, b in zip(ctl, bare)]
    print(f"the guard's own cost (it times main-thread imports, watches the workers' heavy "
          f"specs): controller wall with guard / without, per round: median {med(cost):.2f}x "
          f"(range {min(cost):.2f}-{max(cost):.2f}); without: wall "
          f"{med([r['wall_ms'] for r in bare]):.0f} ms")
    print(f"main thread importing (controller, app waits properly): median "
          f"{med([r['main_import_ms'] for r in ctl]):.1f} ms")
    main = runs["controller+main"]
    print(f"\n== controller+main: the app imports pandas on the main thread right after start()")
    print(f"{'round':>5} {'stopwatch ms':>13} {'guard ms':>9} {'ratio':>6}")
    for k, r in enumerate(main, 1):
        print(f"{k:>5} {r['main_stopwatch_ms']:>13.1f} {r['main_import_ms']:>9.1f} "
              f"{r['main_import_ms'] / r['main_stopwatch_ms']:>6.2f}")
    print(f"median guard/stopwatch: "
          f"{med([r['main_import_ms'] / r['main_stopwatch_ms'] for r in main]):.2f}x")
    print(f"summary line (last round): {main[-1]['summary']}")


if __name__ == "__main__":
    main()
