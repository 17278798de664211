"""Benchmarks of the warmup engine, against the targets of issue 3.

    python benchmarks/bench_core.py            # from the repository root

1. ``import imwarmup`` in a fresh process, over the bare interpreter start (target < 15 ms), and
   proof that it imports neither numpy nor imgui_bundle.
2. Manager overhead: warming 1,000 already-imported modules on the 4-worker pool, from
   ``submit()`` to ``wait()`` returning (target < 50 ms, i.e. < 50 µs per module).
3. ``status()`` with 200 modules (target < 5 µs median).

It prints figures; it asserts nothing (a benchmark is not a timed test).
"""

from __future__ import annotations

import importlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import Executor, Future
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from imwarmup import WarmupManager, make_io_pool  # noqa: E402

IMPORT_RUNS = 20
MANAGER_MODULES = 1000
MANAGER_ROUNDS = 15
STATUS_MODULES = 200
STATUS_CALLS = 20_000


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


# -------------------------------------------------------------------------- 1. import time
def child_env(pycache: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=pycache)
    # An installed package has its bytecode compiled (pip does it); this checkout may run with
    # PYTHONDONTWRITEBYTECODE=1, which would time the compiler instead of the import.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def bench_import() -> None:
    print("== import imwarmup in a fresh process ==")
    with tempfile.TemporaryDirectory(prefix="imwarmup-pyc-") as pycache:
        env = child_env(pycache)
        py = sys.executable

        def run(code: str, *flags: str) -> subprocess.CompletedProcess:
            return subprocess.run([py, *flags, "-c", code], env=env, capture_output=True,
                                  text=True, check=True)

        run("import imwarmup")  # writes the bytecode cache
        bare, with_pkg = [], []
        for _ in range(IMPORT_RUNS):  # interleaved, so drift in machine load hits both alike
            start = time.perf_counter()
            run("pass")
            bare.append(time.perf_counter() - start)
            start = time.perf_counter()
            run("import imwarmup")
            with_pkg.append(time.perf_counter() - start)
        bare_ms = statistics.median(bare) * 1000
        pkg_ms = statistics.median(with_pkg) * 1000
        print(f"python -c pass             median {bare_ms:7.2f} ms  (min {min(bare) * 1000:.2f})")
        print(f"python -c 'import imwarmup' median {pkg_ms:7.2f} ms  (min {min(with_pkg) * 1000:.2f})")
        over = pkg_ms - bare_ms
        print(f"import imwarmup over bare start: {over:.2f} ms (median)  "
              f"{min(with_pkg) * 1000 - min(bare) * 1000:.2f} ms (min)   target < 15 ms: "
              f"{'OK' if over < 15 else 'MISSED'}")

        cumulative, typing_us = [], []
        for _ in range(IMPORT_RUNS):
            err = run("import imwarmup", "-X", "importtime").stderr
            for line in err.splitlines():
                parts = [p.strip() for p in line.split("|")]
                if len(parts) == 3 and parts[2] == "imwarmup":
                    cumulative.append(int(parts[1]))
                if len(parts) == 3 and parts[2] == "typing":
                    typing_us.append(int(parts[1]))
        print(f"-X importtime cumulative for imwarmup: median {statistics.median(cumulative) / 1000:.2f} ms"
              + (f"  (of which typing: {statistics.median(typing_us) / 1000:.2f} ms)"
                 if typing_us else ""))
        if typing_us:
            # imwarmup/__init__.py imports typing only for an annotation (``-> Any``); with
            # ``from __future__ import annotations`` that import is not needed at run time.
            own = statistics.median(c - t for c, t in zip(cumulative, typing_us)) / 1000
            print(f"imwarmup's own import without typing: {own:.2f} ms")
        heavy = run(
            "import sys, imwarmup; "
            "print(*[m for m in ('numpy', 'imgui_bundle', 'concurrent.futures') if m in sys.modules])"
        ).stdout.strip()
        print(f"after import imwarmup, loaded among numpy/imgui_bundle/concurrent.futures: "
              f"{heavy or 'none'}")


# ------------------------------------------------------------------- 2. manager overhead
def make_modules(root: Path, count: int) -> list[str]:
    names = [f"_iwbench_{i}" for i in range(count)]
    for name in names:
        (root / f"{name}.py").write_text("VALUE = 1\n")
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    for name in names:
        importlib.import_module(name)  # already imported: what is timed is the manager
    return names


def bench_manager() -> None:
    print(f"\n== manager overhead: {MANAGER_MODULES} already-imported modules, 4 workers ==")
    with tempfile.TemporaryDirectory(prefix="imwarmup-bench-") as tmp:
        names = make_modules(Path(tmp), MANAGER_MODULES)
        pool = make_io_pool(4)
        try:
            import threading

            barrier = threading.Barrier(4)  # start all 4 workers before timing
            for f in [pool.submit(barrier.wait) for _ in range(4)]:
                f.result()
            for label, kwargs in (
                ("log_to_stderr=False", {"log_to_stderr": False}),
                ("logging to StringIO", {"log_to_stderr": True, "stream": io.StringIO()}),
            ):
                times = []
                for _ in range(MANAGER_ROUNDS):
                    manager = WarmupManager(pool, **kwargs)
                    start = time.perf_counter()
                    manager.submit(names)
                    assert manager.wait(30)
                    times.append(time.perf_counter() - start)
                    assert len(manager.status()["completed"]) == MANAGER_MODULES
                med = statistics.median(times) * 1000
                print(f"{label:22s} submit->wait median {med:6.1f} ms  best {min(times) * 1000:6.1f} ms"
                      f"  = {med * 1000 / MANAGER_MODULES:5.1f} µs/module   target < 50 ms: "
                      f"{'OK' if med < 50 else 'MISSED'}")

            # the same bookkeeping without a thread pool: what the manager itself costs
            times = []
            for _ in range(MANAGER_ROUNDS):
                manager = WarmupManager(_Inline(), log_to_stderr=False)
                start = time.perf_counter()
                manager.submit(names)
                times.append(time.perf_counter() - start)
            med = statistics.median(times) * 1000
            print(f"{'inline executor':22s} submit->done median {med:6.1f} ms  "
                  f"= {med * 1000 / MANAGER_MODULES:5.1f} µs/module (manager bookkeeping alone)")
        finally:
            pool.shutdown()
            sys.path.remove(tmp)
            for name in names:
                sys.modules.pop(name, None)


class _Inline(Executor):
    def submit(self, fn, /, *args, **kwargs):
        future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


class _Never(Executor):
    """Accepts jobs and never runs them: every module stays pending."""

    def submit(self, fn, /, *args, **kwargs):
        return Future()


# ----------------------------------------------------------------------------- 3. status()
def bench_status() -> None:
    print(f"\n== status() with {STATUS_MODULES} modules ==")
    names = ["json", "os", "sys"] + [f"_iwbench_pending_{i}" for i in range(STATUS_MODULES - 3)]
    done = WarmupManager(_Inline(), log_to_stderr=False)
    done.submit(names[:3] + ["_iwbench_missing_" + str(i) for i in range(STATUS_MODULES - 3)])
    pending = WarmupManager(_Never(), log_to_stderr=False)
    pending.submit(names)
    clock = time.perf_counter_ns
    for label, manager in (("all finished", done), ("all pending", pending)):
        status = manager.status
        for _ in range(1000):
            status()
        samples = []
        for _ in range(STATUS_CALLS):
            t0 = clock()
            status()
            samples.append(clock() - t0)
        # a batch timing without the per-call timer overhead, for comparison
        t0 = clock()
        for _ in range(STATUS_CALLS):
            status()
        batch = (clock() - t0) / STATUS_CALLS / 1000
        med = statistics.median(samples) / 1000
        print(f"{label:13s} median {med:5.2f} µs  p99 {pct(samples, 0.99) / 1000:5.2f} µs  "
              f"(mean over a batch {batch:5.2f} µs)   target < 5 µs median: "
              f"{'OK' if med < 5 else 'MISSED'}")
    canaries = statistics.median(_time_calls(done.canaries, 2000)) / 1000
    print(f"canaries() with {STATUS_MODULES} records: median {canaries:6.2f} µs (for reference)")


def _time_calls(fn, n: int) -> list[int]:
    clock = time.perf_counter_ns
    out = []
    for _ in range(n):
        t0 = clock()
        fn()
        out.append(clock() - t0)
    return out


def main() -> None:
    print(f"python {sys.version.split()[0]} on {sys.platform}, {os.cpu_count()} CPUs")
    bench_import()
    bench_manager()
    bench_status()


if __name__ == "__main__":
    main()
