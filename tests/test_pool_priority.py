"""Warmup workers run at a higher niceness so the GUI thread wins the CPU (Linux)."""

import os
import sys
import threading

import pytest

from imwarmup import WarmupController, make_io_pool

linux_only = sys.platform.startswith("linux")


def worker_niceness(pool):
    return pool.submit(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())).result(10)


def test_nice_workers_get_the_added_niceness_and_the_caller_keeps_its_own():
    base = os.getpriority(os.PRIO_PROCESS, 0)
    pool = make_io_pool(2, "nice-test", nice=10)
    try:
        got = worker_niceness(pool)
    finally:
        pool.shutdown()
    assert got == (min(19, base + 10) if linux_only else base)
    assert os.getpriority(os.PRIO_PROCESS, 0) == base  # the process (GUI thread) is untouched


def test_default_pool_keeps_normal_priority():
    base = os.getpriority(os.PRIO_PROCESS, 0)
    pool = make_io_pool(1)
    try:
        assert worker_niceness(pool) == base
    finally:
        pool.shutdown()


@pytest.mark.parametrize("bad", [-1, 20, 2.5, True, "10"])
def test_bad_nice_is_refused_with_its_value(bad):
    with pytest.raises(ValueError, match="nice must be an int in 0..19"):
        make_io_pool(1, nice=bad)


def test_controller_warms_on_niced_workers_by_default_and_reports_it():
    with WarmupController(["json"], log_to_stderr=False) as controller:
        assert controller.io_pool_status()["nice"] == (10 if linux_only else 0)
    with WarmupController(["json"], log_to_stderr=False, worker_nice=0) as controller:
        assert controller.io_pool_status()["nice"] == 0
