"""Shared fixtures: one virtual display per session for the GUI tests; the suite's start-up
history goes to a temporary file, never the user's cache folder."""

from __future__ import annotations

import os
import tempfile

import pytest

# Every WarmupController remembers its runs (imwarmup/core/history.py); the environment variable
# overrides where, for this process and the apps the tests launch.
os.environ["IMWARMUP_HISTORY"] = os.path.join(
    tempfile.mkdtemp(prefix="imwarmup-test-history-"), "suite.jsonl")

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
