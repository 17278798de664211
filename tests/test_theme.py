"""One status-to-colour mapping: the chart's bars and the table's words agree (no window)."""

import pytest

from imwarmup.theme import Role
from imwarmup.theme.palette import STATUS_ROLES, role_for_status, text_role_for_status


@pytest.mark.parametrize("status, bar, text", [
    ("completed", Role.READY, Role.READY),
    ("running", Role.WARMING, Role.WARMING),
    ("failed", Role.FAILED, Role.FAILED),
    ("cancelled", Role.CANCELLED, Role.CANCELLED),
    ("queued", Role.QUEUED, Role.TEXT_DIM),   # a faint fill for bars; dim words in the table
])
def test_every_status_has_a_bar_colour_and_a_text_colour(status, bar, text):
    assert role_for_status(status) is bar
    assert text_role_for_status(status) is text


def test_an_unknown_status_is_named():
    assert set(STATUS_ROLES) == {"completed", "running", "failed", "cancelled", "queued"}
    with pytest.raises(ValueError, match=r"unknown canary status 'lost'; expected one of"):
        text_role_for_status("lost")
