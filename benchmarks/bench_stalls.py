"""What the stall watcher costs: one tick (``StallWatcher.check``) while 4 imports run, with
none of them stalled (the usual tick, 4 per second while warming) and with all 4 stalled (each
stack re-read at most once a second), plus the GUI-side read the status bar makes per frame
(``stall_note()``). The tick runs on controller-watch-0 but holds the GIL meanwhile, so its time
is time the GUI thread cannot run. Variants interleaved in one process, medians of rounds.

    .venv/bin/python benchmarks/bench_stalls.py
"""

from __future__ import annotations

import statistics
import threading
import time

from imwarmup.core.stalls import StallWatcher

ROUNDS, CALLS = 9, 2000


class FakeManager:
    """4 imports in flight on real threads that wait (so their stacks are real)."""

    def __init__(self, start: float) -> None:
        self.release = threading.Event()
        self.threads = [threading.Thread(target=self.release.wait, name=f"controller-io-{i}")
                        for i in range(4)]
        for t in self.threads:
            t.start()
        self.records = [{"canary_id": i + 1, "module": f"mod{i}", "thread_name": t.name,
                         "thread_id": t.ident, "start_ts": start} for i, t in enumerate(self.threads)]

    def importing(self):
        return [dict(r) for r in self.records]

    def mark_stalled(self, cid, since):
        return True

    def is_done(self):
        return False


def per_call_us(fn, calls: int = CALLS) -> float:
    t0 = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t0) / calls * 1e6


def main() -> None:
    now = 1000.0
    manager = FakeManager(start=now - 1.0)
    quiet = StallWatcher(manager, clock=time.time, stall_after=10.0, freeze_after=1.0, log=False)
    stalled = StallWatcher(manager, clock=time.time, stall_after=0.5, freeze_after=1.0, log=False)
    stalled.check(now)  # all 4 stalled from here on
    t = [now]

    def stalled_tick():  # every call a second later: each stack is re-read every time
        t[0] += 1.0
        stalled.check(t[0])

    results = {"tick, 4 running, none stalled": [], "tick, 4 stalled, stacks re-read": [],
               "stall_note() (per GUI frame)": []}
    for _ in range(ROUNDS):  # interleaved
        results["tick, 4 running, none stalled"].append(per_call_us(lambda: quiet.check(now)))
        results["tick, 4 stalled, stacks re-read"].append(per_call_us(stalled_tick, 500))
        results["stall_note() (per GUI frame)"].append(per_call_us(stalled.stall_note, 100_000))
    manager.release.set()
    for name, values in results.items():
        print(f"{name:36s} median {statistics.median(values):8.2f} µs "
              f"(min {min(values):.2f}, max {max(values):.2f}, {ROUNDS} rounds)")
    print(f"ticks per second while warming: {1 / quiet.tick:.0f} (tick {quiet.tick:.2f} s)")


if __name__ == "__main__":
    main()
