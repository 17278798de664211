"""The diagnostics window's data path without a window: snapshots are built off the GUI thread,
on a pool of the source's own, throttled, and carry the chart's model once numpy is warm."""

import threading

import pytest

from imwarmup import WarmupController
from imwarmup.panels.debug_window import DebugWindow
from imwarmup.testing import FrozenClock, ScriptedSource, plan


class Recording:
    """Wraps a controller and records which thread reads its canaries."""

    def __init__(self, controller):
        self._c = controller
        self.readers = []

    def __getattr__(self, name):
        return getattr(self._c, name)

    def canaries(self):
        self.readers.append(threading.current_thread().name)
        return self._c.canaries()


def settle(window, now, timeout=10.0):
    """Refresh until a snapshot with the chart's model arrives (bounded by job waits)."""
    for _ in range(100):
        window.refresh(now)
        snap = window._snapshot
        if snap is not None and snap.model is not None:
            return snap
        if window._job is not None:
            window._job.result(timeout)
        now += 0.25
    raise AssertionError("no snapshot with a model arrived")


def test_snapshots_are_built_on_the_diagnostics_pool_not_the_gui_thread():
    with WarmupController(["json", "numpy"], log_to_stderr=False) as controller:
        controller.start()
        assert controller.wait_for_warmup(60)
        source = Recording(controller)
        window = DebugWindow(source, copy_report=lambda: None)
        snap = settle(window, now=1e9)
        assert source.readers and set(source.readers) == {"controller-diagnostics-0"}
        assert [c["module"] for c in snap.canaries] == ["json", "numpy"]
        assert [r.module for r in snap.rows] == ["json", "numpy"]
        assert snap.summary.completed == 2
        assert snap.model.lanes and all(l.startswith("controller-io-") for l in snap.model.lanes)
        # The warmup pool kept its 4 workers to itself.
        assert controller.io_pool_status()["max_workers"] == 4


def test_a_source_without_a_pool_is_read_inline_and_throttled():
    clock = FrozenClock(1_700_000_000.0)
    source = ScriptedSource([plan("numpy", "controller-io-0", start=0.0, end=None)], clock)
    import numpy  # noqa: F401 - a scripted source has no pool: the plot engine needs numpy loaded

    window = DebugWindow(source, copy_report=lambda: None)
    window.refresh(clock.now)
    first = window._snapshot
    assert first is not None and first.summary.running == 1
    window.refresh(clock.now + 0.05)          # running, but within the refresh interval
    assert window._snapshot is first
    window.refresh(clock.now + 0.3)           # running canaries refresh as their times grow
    assert window._snapshot is not first and window._snapshot.version > first.version


def test_a_failing_source_does_not_break_the_window():
    class Broken(ScriptedSource):
        calls = 0

        def canaries(self):
            Broken.calls += 1
            if Broken.calls == 1:
                raise OSError("source went away")
            return super().canaries()

        def service_pool(self, name, max_workers=1):
            return self._pool

    from concurrent.futures import ThreadPoolExecutor

    clock = FrozenClock(1_700_000_000.0)
    source = Broken([plan("json", "controller-io-0", start=0.0, end=0.1)], clock)
    source._pool = ThreadPoolExecutor(1)
    try:
        window = DebugWindow(source, copy_report=lambda: None)
        window.refresh(clock.now)
        window._job.exception(10)
        window.refresh(clock.now + 1)   # the failed job is dropped; the next read is inline
        window.refresh(clock.now + 2)
        assert window._snapshot is not None and window._snapshot.summary.modules == 1
        assert Broken.calls >= 2  # it was read again, on the frame, after the failed job
    finally:
        source._pool.shutdown()
