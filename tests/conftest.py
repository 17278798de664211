"""Shared fixtures: one virtual display per session for the GUI tests; start-up history is off
for the suite, so no test sees the runs of the tests before it."""

from __future__ import annotations

import os

import pytest

# Every WarmupController remembers its runs (imwarmup/core/history.py) and, by default, orders its
# jobs by them and shows "vs usual" beside them: with one file shared by the whole suite a test's
# canary order and pixels would depend on which tests ran before it. The environment variable
# overrides every controller in this process and in the apps the tests launch; the history tests
# set their own files (monkeypatch) and pass them explicitly.
os.environ["IMWARMUP_HISTORY"] = "off"

from imwarmup.testing.display import VirtualDisplay


@pytest.fixture(scope="session")
def virtual_display():
    """A fixed 1280x800x24 Xvfb screen for the whole session (DISPLAY is set while it runs)."""
    with VirtualDisplay() as display:
        yield display


def pytest_addoption(parser):
    parser.addoption(
        "--update-goldens", action="store_true", default=False,
        help="rewrite tests/screenshots/*.png from this run (look at the images first)",
    )


@pytest.fixture(scope="session")
def update_goldens(request) -> bool:
    return bool(request.config.getoption("--update-goldens"))
