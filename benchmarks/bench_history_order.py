"""Start order with history against submit order, on the real SDK set (issue "Start-up history",
part 3: "the warmup starts its jobs in the order that finishes the round soonest").

    .venv/bin/pip install -e '.[bench]'                  # the SDK set (see bench_warmup.py)
    .venv/bin/python benchmarks/bench_history_order.py   # [--rounds N]

First, calibration: two warmups of the set with a history file in a temporary folder, as an app
would have after two start-ups; the engine's own ``history_order`` turns that history into the
order the third start-up uses. Then rounds of fresh processes, interleaved (order rotating):
``submit`` (the set in the order given), ``longest`` (the usual elapsed, longest first: the
classic rule for parallel lanes) and ``history`` (the engine's order: least own work first),
all the default ``WarmupController`` otherwise (history off in the timed runs). Per variant:
median wall time to all imported, median process CPU, and the median of the mean time until a
module is ready (what a user clicking a provider feels), and the per-round ratios.

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
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

from bench_warmup import DISTRIBUTIONS, SDK_SET, loadavg  # noqa: E402


def child(order: list[str], history: str | None) -> None:
    from imwarmup import WarmupController

    kwargs = {"history": history} if history else {"history": False}
    c = WarmupController(order, log_to_stderr=False, **kwargs)
    t0 = time.time()
    p0 = time.process_time()
    c.start()
    done = c.wait_for_warmup(timeout=600)
    wall = time.time() - t0
    cpu = time.process_time() - p0
    canaries = c.canaries()
    if history:
        c.shutdown(wait=True, timeout=30)  # the record lands
    ends = [x["end_ts"] - t0 for x in canaries if x["end_ts"] is not None]
    print(json.dumps({
        "wall": wall, "cpu": cpu, "done": done,
        "ready_mean": sum(ends) / len(ends) if ends else None,
        "order": [x["module"] for x in canaries],
        "failed": {x["module"]: x["error"] for x in canaries if x["status"] == "failed"},
    }))
    sys.stdout.flush()
    os._exit(0)


def run(order: list[str], history: str | None = None) -> dict:
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop("IMWARMUP_HISTORY", None)  # the argument decides, not the caller's environment
    proc = subprocess.run([sys.executable, __file__, "--child", ",".join(order), history or ""],
                          capture_output=True, text=True, timeout=900, cwd=ROOT, env=env)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise SystemExit(f"child failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    if out["failed"] or not out["done"]:
        raise SystemExit(f"warmup failed or did not finish: {out['failed']}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from importlib.metadata import version

    from imwarmup.core.history import HistoryFile, history_order, usual_own_times, usual_times

    print(f"start order with history vs submit order: {args.rounds} rounds, fresh processes, "
          f"interleaved; Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {loadavg()}")
    print("set: " + ", ".join(f"{d} {version(d)}" for d in DISTRIBUTIONS.values()))
    folder = tempfile.mkdtemp(prefix="bench-history-")
    path = os.path.join(folder, "app.jsonl")
    for _ in range(2):
        run(SDK_SET, history=path)
    runs = HistoryFile(path).read()
    usual, own = usual_times(runs), usual_own_times(runs)
    learned = history_order(SDK_SET, own)
    longest = sorted(SDK_SET, key=lambda m: -usual[m])
    print("calibration (2 runs), usual elapsed / own ms: "
          + ", ".join(f"{m} {usual[m]:.0f}/{own[m]:.0f}" for m in learned))
    print(f"submit order:  {', '.join(SDK_SET)}")
    print(f"longest first: {', '.join(longest)}")
    print(f"history order: {', '.join(learned)}")
    variants = {"submit": SDK_SET, "longest": longest, "history": learned}
    results: dict[str, list[dict]] = {name: [] for name in variants}
    names = list(variants)
    for r in range(args.rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            results[name].append(run(variants[name]))
    print(f"{'variant':<10}{'wall med':>10}{'cpu med':>10}{'ready mean (med)':>18}"
          f"{'wall ratio / round':>22}{'ready ratio / round':>22}")
    for name in names:
        rs = results[name]
        ratios = [a["wall"] / b["wall"] for a, b in zip(rs, results["submit"])]
        ready = [a["ready_mean"] / b["ready_mean"] for a, b in zip(rs, results["submit"])]
        print(f"{name:<10}{statistics.median(x['wall'] for x in rs):>9.2f}s"
              f"{statistics.median(x['cpu'] for x in rs):>9.2f}s"
              f"{statistics.median(x['ready_mean'] for x in rs):>17.2f}s"
              f"{statistics.median(ratios):>12.3f}x ({min(ratios):.2f}-{max(ratios):.2f})"
              f"{statistics.median(ready):>12.3f}x ({min(ready):.2f}-{max(ready):.2f})")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child([m for m in sys.argv[2].split(",") if m], sys.argv[3] or None)
    else:
        main()
