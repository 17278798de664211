"""Stalled imports and GUI freezes (``WarmupController.stalls()``), each with its stack: the
innermost line of the module being imported (or where the GUI thread waited) is marked."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from imgui_bundle import imgui

from ..core.stalls import format_seconds
from ..theme.current import Theme
from ..theme.palette import Role

__all__ = ["draw_stalls", "stall_heading"]


def stall_heading(stall: Mapping[str, Any]) -> str:
    """One line per stall or freeze: what, how long, where."""
    if stall.get("kind") == "freeze":
        return str(stall.get("text") or "GUI froze")
    text = (f"{stall['module']} stalled: importing for {format_seconds(stall['running_s'])} "
            f"on {stall['thread_name']}")
    share = stall.get("cpu_share")
    if share is not None:   # what the thread does: computing, or waiting for something
        text += (f", busy on a CPU {share:.0%} (computing)" if share >= 0.5
                 else f", on a CPU {share:.0%} (waiting: sleep, I/O, a lock or the network)")
    return text


def draw_stalls(stalls: Sequence[Mapping[str, Any]], theme: Theme) -> None:
    """A collapsible entry per stall (open while it lasts) with its stack, newest frame last."""
    for i, stall in enumerate(stalls):
        ongoing = stall.get("kind") == "stall" or stall.get("ongoing")
        role = Role.FAILED if ongoing else Role.WARMING
        imgui.push_style_color(imgui.Col_.text, theme.vec4(role))
        flags = imgui.TreeNodeFlags_.default_open if ongoing else 0
        opened = imgui.tree_node_ex(f"{stall_heading(stall)}###imwarmup-stall-{i}", flags)
        imgui.pop_style_color()
        if not opened:
            continue
        marked = stall.get("marked")
        stack = stall.get("stack") or []
        if not stack:
            imgui.text_colored(theme.vec4(Role.TEXT_DIM), "(no Python stack: in a C call)")
        for j, entry in enumerate(stack):
            if j == marked:
                imgui.text_colored(theme.vec4(Role.FAILED), f"> {entry}")
            else:
                imgui.text_colored(theme.vec4(Role.TEXT_DIM), f"  {entry}")
        imgui.tree_pop()
