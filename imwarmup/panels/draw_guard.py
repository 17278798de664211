"""A part of the plugin's drawing that fails costs that part, never the host's frame.

An exception raised half-way through an ImGui window leaves its stacks unbalanced (a child
window begun, a colour pushed): Dear ImGui then asserts at the end of the frame, which
imgui-bundle turns into an exception out of ``immapp.run()``: the host app dies of a bug in a
guest. ``DrawGuard.run`` stores the stacks' sizes before the part draws (Dear ImGui's
``ErrorRecoveryStoreState``), and on an exception pops what the part left open
(``ErrorRecoveryTryToRecoverState``, with its asserts and its tooltip off while it does),
keeps the error and says it once on stderr. The part shows the error instead of drawing until
``reset()``.

Quick start::

    guard = DrawGuard("the diagnostics window")
    if guard.error is None:
        guard.run(draw_contents, theme, now)
"""

from __future__ import annotations

import sys
import traceback
from typing import Any, Callable

from imgui_bundle import imgui
from imgui_bundle.imgui import internal

__all__ = ["DrawGuard"]


class DrawGuard:
    """Runs one part's drawing so that an exception in it is contained (see the module doc).

    Args:
        what: the part, for the stderr line ("the diagnostics window").
    """

    def __init__(self, what: str) -> None:
        self.what = what
        self.error: str | None = None      # the traceback of the error that stopped the part
        self.summary: str | None = None    # its last line ("ValueError: ...")
        self._state: Any = None            # one ErrorRecoveryState, reused every frame

    def __repr__(self) -> str:
        return f"<DrawGuard {self.what!r} {'failed: ' + self.summary if self.summary else 'ok'}>"

    def run(self, draw: Callable[..., None], *args: Any) -> bool:
        """Call ``draw(*args)``; True when it returned, False when it raised (the error is kept
        and ImGui's stacks are back to where they were before the call)."""
        if self._state is None:
            self._state = internal.ErrorRecoveryState()
        internal.error_recovery_store_state(self._state)
        try:
            draw(*args)
            return True
        except Exception as exc:  # noqa: BLE001 - a guest's bug must not end the host's run
            _recover(self._state)
            self.error = "".join(traceback.format_exception(exc))
            self.summary = "".join(traceback.format_exception_only(exc)).strip()
            print(f"imwarmup: {self.what} stopped after an error (the app goes on): "
                  f"{self.summary}", file=sys.stderr)
            return False

    def reset(self) -> None:
        """Let the part draw again (a "Try again" button)."""
        self.error = self.summary = None


def _recover(state: Any) -> None:
    """Pop what was pushed since ``state`` was stored, without the asserts (imgui-bundle raises
    them as exceptions) or the error tooltip Dear ImGui would show the host's user."""
    io = imgui.get_io()
    saved = (io.config_error_recovery_enable_assert, io.config_error_recovery_enable_tooltip,
             io.config_error_recovery_enable_debug_log)
    io.config_error_recovery_enable_assert = False
    io.config_error_recovery_enable_tooltip = False
    io.config_error_recovery_enable_debug_log = False
    try:
        internal.error_recovery_try_to_recover_state(state)
    finally:
        (io.config_error_recovery_enable_assert, io.config_error_recovery_enable_tooltip,
         io.config_error_recovery_enable_debug_log) = saved
