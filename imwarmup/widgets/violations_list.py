"""Main-thread import violations (from ``MainThreadImportGuard.violations()``) as a table."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from imgui_bundle import imgui

from ..theme.current import Theme
from ..theme.palette import Role

__all__ = ["draw_violations"]


def draw_violations(violations: Sequence[Mapping[str, Any]], theme: Theme) -> None:
    """One row per heavy import that ran on the main thread, with where it came from."""
    if not violations:
        imgui.text_colored(theme.vec4(Role.READY), "No heavy import ran on the main thread.")
        return
    imgui.text_colored(
        theme.vec4(Role.FAILED),
        f"{len(violations)} heavy import(s) ran on the main thread: warm them on the pool "
        f"(WarmupController([...])) and take them with require_warmed().",
    )
    flags = imgui.TableFlags_.row_bg | imgui.TableFlags_.borders_inner_v | imgui.TableFlags_.scroll_y
    if not imgui.begin_table("##imwarmup-violations", 3, flags):
        return
    imgui.table_setup_column("module")
    imgui.table_setup_column("imported at")
    imgui.table_setup_column("thread")
    imgui.table_headers_row()
    for v in violations:
        imgui.table_next_row()
        imgui.table_next_column()
        name = str(v.get("imported") or v.get("module"))
        if v.get("lazy"):
            # A warmed package importing on first use: it cost the frame, nothing was refused.
            imgui.text_colored(theme.vec4(Role.WARMING), f"{name} (lazy, by {v.get('by')})")
        else:
            imgui.text_colored(theme.vec4(Role.FAILED), name)
        imgui.table_next_column()
        imgui.text_unformatted(f"{v.get('file')}:{v.get('line')}")
        imgui.table_next_column()
        imgui.text_unformatted(str(v.get("thread_name") or "MainThread"))
    imgui.end_table()
