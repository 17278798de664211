"""The purity guard times the main thread's heavy imports (``import_spans()``): the summary's
"main thread importing" figure. The modules here are generated; one spins until its thread
has used 100 ms of CPU, so the span is at least that long whatever the machine's load.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
import time
import uuid

import pytest

from imwarmup.core.purity import MainThreadImportError, MainThreadImportGuard
from imwarmup.core.report import main_thread_import_ms, summarize

SPIN = """
import time
_end = time.thread_time() + {seconds}
while time.thread_time() < _end:
    pass
"""


@pytest.fixture
def mods(tmp_path, monkeypatch):
    """``mods(label, body)`` writes a package ``heavy_<label>_<tag>`` whose __init__ is body."""
    monkeypatch.syspath_prepend(str(tmp_path))
    tag = uuid.uuid4().hex[:8]
    made: list[str] = []

    def make(label: str, body: str, sub: str | None = None) -> str:
        name = f"heavy_{label}_{tag}"
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(body)
        if sub is not None:
            (tmp_path / name / "core.py").write_text(sub)
        made.extend([name, f"{name}.core"])
        importlib.invalidate_caches()
        return name

    yield make
    for name in made:
        sys.modules.pop(name, None)


def test_a_main_thread_heavy_import_gets_one_span_as_long_as_it_ran(mods):
    heavy = mods("a", SPIN.format(seconds=0.1))
    with MainThreadImportGuard(heavy=[heavy], clock=time.perf_counter) as guard:
        before = time.perf_counter()
        importlib.import_module(heavy)
        after = time.perf_counter()
    [(start, end, module)] = guard.import_spans()
    assert module == heavy
    assert before <= start < end <= after
    assert end - start >= 0.1                        # it spun 100 ms of CPU
    assert guard.import_ms() == pytest.approx((end - start) * 1000.0)
    # The spec is a plain ModuleSpec again, marked done as the import system left it.
    spec = sys.modules[heavy].__spec__
    assert type(spec) is importlib.machinery.ModuleSpec and spec._initializing is False


def test_nested_heavy_imports_count_once(mods):
    inner = mods("inner", SPIN.format(seconds=0.05))
    outer = mods("outer", f"import {inner}\n" + SPIN.format(seconds=0.05))
    with MainThreadImportGuard(heavy=[inner, outer]) as guard:
        importlib.import_module(outer)
    [(start, end, module)] = guard.import_spans()
    assert module == outer and end - start >= 0.1
    assert {v["module"] for v in guard.violations()} == {outer}


def test_a_failing_import_still_ends_its_span_and_the_next_one_is_timed(mods):
    broken = mods("broken", SPIN.format(seconds=0.02) + "raise RuntimeError('boom')\n")
    fine = mods("fine", "VALUE = 1\n")
    with MainThreadImportGuard(heavy=[broken, fine]) as guard:
        with pytest.raises(RuntimeError, match="boom"):
            importlib.import_module(broken)
        importlib.import_module(fine)
    assert [m for _, _, m in guard.import_spans()] == [broken, fine]
    assert guard.import_spans()[0][1] - guard.import_spans()[0][0] >= 0.02


def test_light_imports_and_refused_imports_have_no_span(mods):
    heavy = mods("refused", "VALUE = 1\n")
    light = mods("light", "VALUE = 1\n")
    with MainThreadImportGuard(heavy=[heavy], mode="raise") as guard:
        importlib.import_module(light)               # not heavy: not timed
        with pytest.raises(MainThreadImportError):
            importlib.import_module(heavy)           # refused: nothing ran
    assert guard.import_spans() == [] and guard.import_ms() == 0.0


def test_spans_feed_the_summary_figure_and_clear_forgets_them(mods):
    heavy = mods("sum", SPIN.format(seconds=0.03))
    with MainThreadImportGuard(heavy=[heavy]) as guard:
        importlib.import_module(heavy)
    assert main_thread_import_ms([], guard.import_spans()) == pytest.approx(guard.import_ms())
    assert guard.import_ms() >= 30.0
    summary = summarize([], time.time(), guard=guard)
    assert summary.guarded and summary.main_import_ms == pytest.approx(guard.import_ms())
    assert f"main thread importing {summary.main_import_ms:.1f} ms" in summary.line()
    guard.clear()
    assert guard.import_spans() == []


def test_a_main_thread_import_that_waits_for_a_worker_counts_as_main_thread_time(mods):
    """The worker holds the module's lock while it imports it; the main thread's ``import``
    of the same module blocks until the worker is done: that wait is main-thread time."""
    from imwarmup import make_io_pool

    gate = type(sys)(f"_iwgate_{uuid.uuid4().hex[:8]}")
    import threading

    gate.started, gate.release = threading.Event(), threading.Event()
    sys.modules[gate.__name__] = gate
    heavy = mods("held", f"import {gate.__name__} as g\ng.started.set()\n"
                         f"assert g.release.wait(10)\n")
    pool = make_io_pool(2, "controller-io")
    try:
        with MainThreadImportGuard(heavy=[heavy], clock=time.perf_counter) as guard:
            loading = pool.submit(importlib.import_module, heavy)
            assert gate.started.wait(10)
            # Let go of it 150 ms from now, on the other worker: the main thread waits so long.
            pool.submit(lambda: (gate.release.wait(0.15), gate.release.set()))
            before = time.perf_counter()
            importlib.import_module(heavy)                 # blocks on the worker's module lock
            waited = time.perf_counter() - before
            loading.result(10)
        [(start, end, module)] = guard.import_spans()
        assert module == heavy and guard.violations() == []   # not a main-thread import
        assert before <= start and end - start >= 0.1 and end - start <= waited + 0.01
        assert type(sys.modules[heavy].__spec__) is importlib.machinery.ModuleSpec
    finally:
        gate.release.set()
        pool.shutdown(wait=True)
        sys.modules.pop(gate.__name__, None)


def test_a_worker_import_the_main_thread_never_waits_for_has_no_span(mods):
    from imwarmup import make_io_pool

    heavy = mods("alone", SPIN.format(seconds=0.02))
    pool = make_io_pool(1, "controller-io")
    try:
        with MainThreadImportGuard(heavy=[heavy]) as guard:
            pool.submit(importlib.import_module, heavy).result(10)
            importlib.import_module(heavy)                 # already imported: no wait
        assert guard.import_spans() == []
        assert type(sys.modules[heavy].__spec__) is importlib.machinery.ModuleSpec
    finally:
        pool.shutdown(wait=True)
