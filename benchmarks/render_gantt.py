"""Screenshots of the chart and the table, to look at (issue 5): 10, 200 and 10,000 canaries,
and the tooltip of a failed bar.

    python benchmarks/render_gantt.py [out_dir]       # default /tmp/gantt_shots

Each scene is a real window under Xvfb (started when DISPLAY is unset) with a frozen clock; the
tooltip scene moves the real pointer over the failed bar. Open the PNGs and look at them.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from gantt_scenes import NOW, ensure_display, every_state, many, pointer, run_frames  # noqa: E402


def scene(path: str, canaries, *, hover_id: int | None = None, highlight_id: int | None = None,
          frames: int = 40) -> None:
    from imgui_bundle import imgui
    from PIL import Image

    from imwarmup.theme import Theme
    from imwarmup.widgets.canary_rows import TableView, table_rows
    from imwarmup.widgets.canary_table import draw_canary_table
    from imwarmup.widgets.gantt import draw_gantt
    from imwarmup.core.report import summarize
    from imwarmup.widgets.gantt_model import GanttModel

    mouse = pointer()
    mouse.moveTo(1279, 799)
    model = GanttModel()
    model.update(canaries, 1)
    rows = table_rows(canaries, None, NOW)
    view = TableView()
    st: dict = {"theme": None}

    def gui(frame: int) -> None:
        if st["theme"] is None:
            st["theme"] = Theme("dark")
        imgui.text(summarize(canaries, NOW).line())
        ev = draw_gantt(model, st["theme"], NOW, highlight_id=highlight_id, fit=frame == 0)
        if hover_id is not None and frame >= frames // 2:
            target = ev.bar_pixel(model, hover_id, 0.5, NOW)
            mouse.moveTo(int(target[0]), int(target[1]))
        draw_canary_table(rows, view, st["theme"], highlight_id=ev.hovered_id or highlight_id,
                          now=NOW)

    shot = run_frames(gui, frames, size=(1200, 760), title="render-gantt")
    Image.fromarray(shot).save(path)
    print(path)


def main() -> None:
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/gantt_shots"
    os.makedirs(out, exist_ok=True)
    display = ensure_display()
    try:
        ten = every_state()
        scene(os.path.join(out, "gantt_10.png"), ten, highlight_id=1)
        scene(os.path.join(out, "gantt_200.png"), many(200))
        scene(os.path.join(out, "gantt_10000.png"), many(10_000))
        scene(os.path.join(out, "gantt_tooltip_failed.png"), ten, hover_id=3)
    finally:
        if display is not None:
            display.stop()


if __name__ == "__main__":
    main()
