"""What the plugin calls on every frame while warming, resolved once from the controller
(issue 13 target 3, the plugin's cost per frame): ``revision_reader()`` and ``frame_noter()``
give the same answers as ``revision`` and ``note_frame()`` without a Python frame of their own."""

from __future__ import annotations

from modgen import HANG, controllers, gen  # noqa: F401 - shared modules and fixtures

from imwarmup.core.schedule import FRAME_PAUSE_SECONDS
from imwarmup.panels.source import check_source

WAIT = 5.0


def test_revision_reader_reads_both_counters_that_revision_sums(gen, controllers):
    controller = controllers([gen.module("X = 1\n")])
    read = controller.revision_reader()
    seen = []

    def look() -> None:
        value = read()
        manager, watcher = controller.manager.revision, controller.stall_watcher.revision
        assert value == (manager, watcher) and sum(value) == controller.revision
        seen.append(value)

    look()
    controller.start()
    assert controller.wait_for_warmup(WAIT)
    look()
    assert seen[1][0] > seen[0][0]  # the canaries moved the manager's counter
    assert controller.shutdown(wait=True, timeout=HANG)
    look()
    assert seen[2][1] > seen[0][1]  # the stall watcher ran and ended: its counter moved too
    # The plugin polls this reader (a C-level callable), and compares what it returns.
    assert check_source(controller).read_revision is not None
    assert check_source(controller).read_revision() == read()


def test_frame_noter_is_the_gates_note_frame_or_none_without_a_gate(gen, controllers):
    inner = gen.module("X = 1\n", "inner")
    outer = gen.module(f"import {inner}\n", "outer")
    controller = controllers([outer])  # the default gate pauses FRAME_PAUSE_SECONDS per frame
    note = controller.frame_noter()
    note()  # a frame starts: the import's nested import pauses for it
    controller.start()
    assert controller.wait_for_warmup(WAIT)
    assert 0.0 < controller.gate.status()["paused_s"] <= FRAME_PAUSE_SECONDS
    assert controllers([], concurrency=None).frame_noter() is None  # no gate: nothing to call
