"""Screenshots of the start-up history in the diagnostics window (issue 16): the table's "vs usual"
column and the summary's "vs usual", and the Trends tab, with a real warmup of the demo's module
set (``python -m imwarmup``'s defaults) and a history of several runs.

    python benchmarks/render_history.py [out_dir]      # default /tmp/history_shots

First one real warmup records a run in a history file in a temporary folder; seven earlier runs
are made from it (each module's time within +-8%, numpy's at 40% of this machine's, so the next
start-up shows numpy as a regression). Then two shots, each in a fresh process warming the same
set with a copy of that history: ``table`` (the Timeline tab, the table with "vs usual") and
``trends`` (the Trends tab, brought to the front with ``DebugWindow.select_tab``). Uses
``$DISPLAY`` when set, else starts Xvfb. Open the PNGs and look at them.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
sys.path.insert(0, os.path.join(HERE, ".."))

SHOTS = ("table", "trends")
SIZE = (1280, 800)
EARLIER_RUNS = 7


def record_one(path: str) -> None:
    """A real warmup of the demo's set that appends its run to ``path``."""
    from imwarmup import WarmupController
    from imwarmup.__main__ import DEFAULT_MODULES

    c = WarmupController(list(DEFAULT_MODULES), log_to_stderr=False, history=path).start()
    assert c.wait_for_warmup(120) and c.shutdown(wait=True, timeout=30)


def earlier_runs(path: str) -> None:
    """Replace ``path``'s one run with seven made from it, numpy much faster than here."""
    from imwarmup.core.history import HistoryFile

    real = HistoryFile(path).read()[-1]
    rng = random.Random(16)
    os.remove(path)
    f = HistoryFile(path)
    for i in range(EARLIER_RUNS):
        run = json.loads(json.dumps(real))
        run["run"] = f"{real['run'][:9]}{i:02d}0000-00{i:02x}"
        for m in run["modules"]:
            scale = (0.4 if m["module"] == "numpy" else 1.0) * rng.uniform(0.92, 1.08)
            for key in ("elapsed_ms", "cpu_ms"):
                if m.get(key) is not None:
                    m[key] = round(m[key] * scale, 3)
        run["wall_ms"] = round(real["wall_ms"] * rng.uniform(0.7, 0.85), 3)
        f.append(run)


def shoot(kind: str, history: str, png: str) -> None:
    """One shot in this process (see the module docstring)."""
    from imgui_bundle import hello_imgui, imgui

    from gantt_scenes import pointer, run_diagnostics_and_save, screen_params
    from imwarmup import WarmupController
    from imwarmup.__main__ import DEFAULT_MODULES
    from imwarmup.panels import DiagnosticsPlugin
    from imwarmup.panels.debug_window import WINDOW_TITLE

    controller = WarmupController(list(DEFAULT_MODULES), log_to_stderr=False, history=history)
    plugin = DiagnosticsPlugin(controller)
    controller.start()
    pointer().moveTo(SIZE[0] - 2, SIZE[1] - 2)   # off the plot: no hover text in the shot
    params, ini_folder = screen_params("imwarmup history", SIZE)  # its own ini: no sort from a past run
    params.app_window_params.borderless = True
    params.imgui_window_params.show_status_fps = False
    state = {"step": 0, "wait": 0, "frames": 0}
    dw = plugin.debug_window

    def gui() -> None:
        imgui.text("Sample host panel")
        state["frames"] += 1
        if state["frames"] > 60 * 60:
            raise RuntimeError("nothing to show after 60 s of frames")
        snap = dw._snapshot
        if state["wait"]:
            state["wait"] -= 1
            return
        if state["step"] == 0 and controller.manager.is_done() \
                and controller.history.wait_saved(0) and snap is not None \
                and not snap.summary.running and snap.rows and snap.rows[0].usual_ms is not None:
            viewport = imgui.get_main_viewport()
            imgui.set_window_pos(WINDOW_TITLE, viewport.work_pos)
            imgui.set_window_size(WINDOW_TITLE, imgui.ImVec2(viewport.work_size.x,
                                                             viewport.work_size.y - 30))
            if kind == "trends":
                dw.select_tab("Trends")
            state["step"], state["wait"] = 1, 20
        elif state["step"] == 1:
            print(f"{kind}: {snap.summary.line()}")
            for row in snap.rows:
                if row.vs_usual_ms is not None and abs(row.vs_usual_ms) > 5:
                    print(f"  {row.module}: usual {row.usual_ms:.1f} ms, "
                          f"vs usual {row.vs_usual_ms:+.1f} ms{' REGRESSED' if row.regressed else ''}")
            hello_imgui.get_runner_params().app_shall_exit = True

    params.callbacks.show_gui = gui
    run_diagnostics_and_save(params, plugin, ini_folder, png)
    controller.shutdown(wait=False)
    print(png)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--record":
        record_one(sys.argv[2])
        return
    if len(sys.argv) > 2 and sys.argv[1] == "--shot":
        shoot(sys.argv[2], sys.argv[3], sys.argv[4])
        return
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/history_shots"
    os.makedirs(out, exist_ok=True)
    from gantt_scenes import ensure_display, xauthority_env

    display = None if os.environ.get("DISPLAY") else ensure_display()
    tmp = tempfile.mkdtemp(prefix="imwarmup-history-shots-")
    env = xauthority_env(tmp)
    env.pop("IMWARMUP_HISTORY", None)
    try:
        base = os.path.join(tmp, "base.jsonl")
        subprocess.run([sys.executable, os.path.abspath(__file__), "--record", base], check=True,
                       env=env)
        earlier_runs(base)
        for kind in SHOTS:
            history = os.path.join(tmp, f"{kind}.jsonl")
            shutil.copy(base, history)
            subprocess.run([sys.executable, os.path.abspath(__file__), "--shot", kind, history,
                            os.path.join(out, f"history_{kind}.png")], check=True, env=env)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if display is not None:
            display.stop()


if __name__ == "__main__":
    main()
