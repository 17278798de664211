"""WarmupController(gc_while_warming=...): what the collector does while a round runs, and the
app's gc settings back (exactly) after the round, after a failing import, after a cancel; a
setting the app changed meanwhile stays as the app set it."""

from __future__ import annotations

import gc

import pytest

from modgen import HANG, controllers, gen  # noqa: F401 - shared modules and fixtures

from imwarmup import WarmupController
from imwarmup.core.gc_warming import DEFERRED_THRESHOLD, GCWhileWarming


@pytest.fixture(autouse=True)
def app_gc():
    """A threshold of the app's own (not CPython's default), gc enabled; each test gets the
    process's settings back after it."""
    saved, enabled = gc.get_threshold(), gc.isenabled()
    gc.set_threshold(611, 9, 13)
    gc.enable()
    yield (611, 9, 13)
    gc.set_threshold(*saved)
    (gc.enable if enabled else gc.disable)()


def making_objects(gen, count=500):
    """A module that makes ``count`` tracked objects that live as long as it does."""
    return gen.module(f"DATA = [[i] for i in range({count})]\n", stem="objs")


def test_default_is_defer_no_full_collection_while_warming_and_the_threshold_back_after(
        gen, controllers, app_gc):
    gate = gen.gate()
    blocking, objs = gen.blocking(gate), making_objects(gen)
    controller = controllers([objs, blocking])
    frozen = gc.get_freeze_count()
    controller.start()
    assert gate.started.wait(HANG)
    # The round runs: generation 2 never collects; the young ones still do.
    assert gc.get_threshold() == (app_gc[0], app_gc[1], DEFERRED_THRESHOLD)
    assert gc.isenabled()
    assert gc.get_freeze_count() <= frozen  # one freeze, at the round's end
    gate.release.set()
    assert controller.wait_for_warmup(HANG)
    # Back before wait_for_warmup() returns, not only once the completion callbacks ran.
    assert gc.get_threshold() == app_gc
    assert gc.isenabled()
    # What the imports made is frozen: the first module's 500 lists and more.
    assert gc.get_freeze_count() >= frozen + 500
    assert controller.warmup_status()["failed"] == []


def test_freeze_leaves_the_threshold_and_freezes_after_each_import(gen, controllers, app_gc):
    gate = gen.gate()
    objs, blocking = making_objects(gen, 800), gen.blocking(gate)
    controller = controllers([objs, blocking], gc_while_warming="freeze")
    frozen = gc.get_freeze_count()
    controller.start()
    assert gate.started.wait(HANG)
    assert gc.get_threshold() == app_gc  # collections as usual
    assert gc.get_freeze_count() >= frozen + 800
    gate.release.set()
    assert controller.wait_for_warmup(HANG)
    assert gc.get_threshold() == app_gc and gc.isenabled()


def test_disable_turns_the_collector_off_for_the_round_only(gen, controllers, app_gc):
    gate = gen.gate()
    controller = controllers([gen.blocking(gate)], gc_while_warming="disable")
    controller.start()
    assert gate.started.wait(HANG)
    assert not gc.isenabled()
    assert gc.get_threshold() == app_gc
    frozen = gc.get_freeze_count()
    gate.release.set()
    assert controller.wait_for_warmup(HANG)
    assert gc.isenabled()
    assert gc.get_threshold() == app_gc
    assert gc.get_freeze_count() > frozen  # the round's objects frozen before gc is back on


def test_none_leaves_the_collector_alone(gen, controllers, app_gc):
    gate = gen.gate()
    controller = controllers([making_objects(gen), gen.blocking(gate)], gc_while_warming=None)
    frozen = gc.get_freeze_count()
    controller.start()
    assert gate.started.wait(HANG)
    assert gc.get_threshold() == app_gc and gc.isenabled()
    gate.release.set()
    assert controller.wait_for_warmup(HANG)
    assert gc.get_freeze_count() <= frozen  # nothing frozen (frozen objects may be freed)
    assert gc.get_threshold() == app_gc


@pytest.mark.parametrize("mode", ["defer", "disable"])
def test_settings_back_after_a_failing_import(gen, controllers, app_gc, mode):
    bad = gen.module("raise RuntimeError('broken on purpose')\n", stem="bad")
    controller = controllers([bad, making_objects(gen)], gc_while_warming=mode)
    controller.start()
    assert controller.wait_for_warmup(HANG)
    assert controller.warmup_status()["failed"] == [bad]
    assert gc.get_threshold() == app_gc
    assert gc.isenabled()


@pytest.mark.parametrize("mode", ["defer", "disable"])
def test_settings_back_at_shutdown_while_an_import_still_runs_and_others_are_cancelled(
        gen, controllers, app_gc, mode):
    gate = gen.gate()
    blocking = gen.blocking(gate)
    queued = [making_objects(gen) for _ in range(3)]
    controller = controllers([blocking, *queued], gc_while_warming=mode)
    controller.start()
    assert gate.started.wait(HANG)
    assert (gc.get_threshold()[2] == DEFERRED_THRESHOLD) if mode == "defer" else (
        not gc.isenabled())
    assert controller.shutdown(wait=False) is False  # the blocked import still runs
    assert gc.get_threshold() == app_gc
    assert gc.isenabled()
    assert sorted(controller.warmup_status()["cancelled"]) == sorted(queued)
    gate.release.set()  # the import left running ends: nothing of the app's changes again
    assert controller.shutdown(wait=True, timeout=HANG) is True
    assert gc.get_threshold() == app_gc and gc.isenabled()


def test_a_threshold_the_app_sets_meanwhile_stays(gen, controllers):
    gate = gen.gate()
    controller = controllers([gen.blocking(gate)])
    controller.start()
    assert gate.started.wait(HANG)
    gc.set_threshold(1000, 20, 30)  # the app's own, while the round runs
    gate.release.set()
    assert controller.wait_for_warmup(HANG)
    assert gc.get_threshold() == (1000, 20, 30)


def test_a_collector_the_app_disabled_before_stays_disabled(gen, controllers, app_gc):
    gc.disable()
    controller = controllers([making_objects(gen)], gc_while_warming="disable")
    controller.start()
    assert controller.wait_for_warmup(HANG)
    assert not gc.isenabled()  # not ours to turn on


def test_a_collector_the_app_enables_meanwhile_stays_enabled(gen, controllers, app_gc):
    gate = gen.gate()
    controller = controllers([gen.blocking(gate)], gc_while_warming="disable")
    controller.start()
    assert gate.started.wait(HANG)
    gc.enable()
    gate.release.set()
    assert controller.wait_for_warmup(HANG)
    assert gc.isenabled()


def test_an_empty_round_restores_at_once(controllers, app_gc):
    controller = controllers([])
    controller.start()
    assert controller.wait_for_warmup(HANG)
    assert gc.get_threshold() == app_gc


def test_end_is_idempotent_and_after_import_after_end_does_nothing(app_gc):
    policy = GCWhileWarming("defer")
    policy.begin()
    policy.begin()  # a second begin does not save our threshold as the app's
    assert gc.get_threshold()[2] == DEFERRED_THRESHOLD
    policy.end()
    assert gc.get_threshold() == app_gc
    frozen = policy.frozen
    policy.end()
    assert policy.frozen == frozen and not policy.active
    freezing = GCWhileWarming("freeze")
    freezing.begin()
    freezing.after_import()
    assert freezing.frozen == 1
    freezing.end()
    freezing.after_import()  # after the end: nothing
    assert freezing.frozen == 2 and not freezing.active
    assert gc.get_threshold() == app_gc


@pytest.mark.parametrize("value, error, words", [
    ("off", ValueError, "'off'"),
    ("Defer", ValueError, "'Defer'"),
    ("", ValueError, "''"),
    (True, TypeError, "True (bool)"),
    (0, TypeError, "0 (int)"),
    (["freeze"], TypeError, "['freeze'] (list)"),
])
def test_bad_values_raise_naming_the_value(value, error, words):
    with pytest.raises(error) as info:
        WarmupController([], gc_while_warming=value, log_to_stderr=False, history=False)
    message = str(info.value)
    assert "gc_while_warming" in message and words in message
    assert "'freeze', 'defer', 'disable'" in message
