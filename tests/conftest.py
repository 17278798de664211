"""Shared fixtures: one virtual display per session for the GUI tests."""

from __future__ import annotations

import pytest

from imwarmup.testing.display import VirtualDisplay


@pytest.fixture(scope="session")
def virtual_display():
    """A fixed 1280x800x24 Xvfb screen for the whole session (DISPLAY is set while it runs)."""
    with VirtualDisplay() as display:
        yield display
