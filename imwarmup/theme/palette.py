"""Colour roles and the dark and light palettes. Pure data: no imgui import, testable anywhere.

Every colour the plugin draws comes from here, looked up by *role* (what it means), never by
value at the call site, so dark and light hosts both read well and a status always has the same
colour in the status bar, the toast, the Gantt chart and the table.
"""

from __future__ import annotations

import enum

__all__ = ["Role", "Rgba", "PALETTES", "STATUS_ROLES", "role_for_status", "text_role_for_status",
           "variant_for_background"]

Rgba = tuple[float, float, float, float]


class Role(enum.Enum):
    """What a colour means."""

    READY = "ready"              # completed import, green dot
    WARMING = "warming"          # running import, amber dot
    FAILED = "failed"            # failed import, red dot
    CANCELLED = "cancelled"      # reset/shutdown cancelled it
    QUEUED = "queued"            # submitted, waiting for a worker (drawn faint)
    MAIN_THREAD = "main_thread"  # an import on the main thread: breaks purity
    IDLE = "idle"                # nothing submitted yet
    LANE_BG = "lane_bg"          # Gantt lane background
    LANE_BG_ALT = "lane_bg_alt"  # every other lane
    BAR_TEXT = "bar_text"        # module name inside a bar
    FOLDED = "folded"            # a block of bars too narrow to draw one by one
    HIGHLIGHT = "highlight"      # outline of the selected/hovered bar
    TOAST_BG = "toast_bg"
    TOAST_TEXT = "toast_text"
    TEXT_DIM = "text_dim"        # secondary text (durations, hints)
    PHASE_SEQUENTIAL = "phase_sequential"  # startup profile: a phase on the critical path
    PHASE_ASYNC = "phase_async"            # startup profile: a phase beside it


def _hex(value: str, alpha: float = 1.0) -> Rgba:
    value = value.lstrip("#")
    r, g, b = (int(value[i:i + 2], 16) / 255.0 for i in (0, 2, 4))
    return (r, g, b, alpha)


PALETTES: dict[str, dict[Role, Rgba]] = {
    "dark": {
        Role.READY: _hex("#3fb950"),
        Role.WARMING: _hex("#e3a21a"),
        Role.FAILED: _hex("#f85149"),
        Role.CANCELLED: _hex("#8b949e"),
        Role.QUEUED: _hex("#8b949e", 0.35),
        Role.MAIN_THREAD: _hex("#ff3b8d"),
        Role.IDLE: _hex("#6e7681"),
        Role.LANE_BG: _hex("#ffffff", 0.03),
        Role.LANE_BG_ALT: _hex("#ffffff", 0.07),
        Role.BAR_TEXT: _hex("#0d1117"),
        Role.FOLDED: _hex("#a371f7"),
        Role.HIGHLIGHT: _hex("#ffffff"),
        Role.TOAST_BG: _hex("#1f2630", 0.96),
        Role.TOAST_TEXT: _hex("#e6edf3"),
        Role.TEXT_DIM: _hex("#8b949e"),
        Role.PHASE_SEQUENTIAL: _hex("#58a6ff"),
        Role.PHASE_ASYNC: _hex("#39c5cf"),
    },
    "light": {
        Role.READY: _hex("#1a7f37"),
        Role.WARMING: _hex("#bf8700"),
        Role.FAILED: _hex("#cf222e"),
        Role.CANCELLED: _hex("#6e7781"),
        Role.QUEUED: _hex("#6e7781", 0.30),
        Role.MAIN_THREAD: _hex("#bf3989"),
        Role.IDLE: _hex("#8c959f"),
        Role.LANE_BG: _hex("#000000", 0.03),
        Role.LANE_BG_ALT: _hex("#000000", 0.07),
        Role.BAR_TEXT: _hex("#ffffff"),
        Role.FOLDED: _hex("#8250df"),
        Role.HIGHLIGHT: _hex("#0d1117"),
        Role.TOAST_BG: _hex("#ffffff", 0.97),
        Role.TOAST_TEXT: _hex("#1f2328"),
        Role.TEXT_DIM: _hex("#57606a"),
        Role.PHASE_SEQUENTIAL: _hex("#0969da"),
        Role.PHASE_ASYNC: _hex("#1b7c83"),
    },
}

# Canary status -> role. "queued" is a running canary whose start_ts is still None.
STATUS_ROLES: dict[str, Role] = {
    "completed": Role.READY,
    "running": Role.WARMING,
    "failed": Role.FAILED,
    "cancelled": Role.CANCELLED,
    "queued": Role.QUEUED,
}


def role_for_status(status: str) -> Role:
    """The colour role of a canary status; raises ``ValueError`` for an unknown status."""
    try:
        return STATUS_ROLES[status]
    except KeyError:
        raise ValueError(
            f"unknown canary status {status!r}; expected one of {sorted(STATUS_ROLES)}"
        ) from None


def text_role_for_status(status: str) -> Role:
    """The colour role for a status written as text: as ``role_for_status``, except "queued",
    whose role is a faint fill meant for bars; queued text is dim text instead.

    Raises:
        ValueError: an unknown status.
    """
    role = role_for_status(status)
    return Role.TEXT_DIM if role is Role.QUEUED else role


def variant_for_background(rgba: Rgba) -> str:
    """``"light"`` when a window background is light (relative luminance > 0.5), else ``"dark"``."""
    r, g, b = rgba[:3]
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "light" if luminance > 0.5 else "dark"
