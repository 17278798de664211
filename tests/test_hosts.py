"""Host compatibility: the plugin, added with the README's lines, inside other people's apps.

Each case runs a host script (one of imgui-bundle's demos from the installed wheel, or a small
host of ours in tests/hosts/) under ``imwarmup.testing.host_launch``, in its own process, on the
session's virtual display. The launcher adds the README's lines right before the host's own run
call, opens the diagnostics window once warmup is done, waits for the chart's bars and the toast,
and records the final frame's state next to its screenshot. Every case is then judged by state
and by pixels: no exception, exits by itself, the segment drawn once per frame inside the status
bar next to the host's items and left of hello_imgui's FPS block, the host's items still showing,
the diagnostics window open (a tab of the host's dock space when it has one, floating otherwise)
with bars on controller-io-N lanes, and the completion toast.

The hosts run in parallel (a few at a time) as soon as the first test of this module asks, so the
tier costs about as long as its slowest few hosts. Screenshots and results land in
``artifacts/hosts/`` (git-ignored): look at them.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image

import imgui_bundle
from imwarmup.testing.host_launch import LANE_PATTERN, HostRun, launch_host
from imwarmup.testing.pixels import count_color

HOSTS = Path(__file__).parent / "hosts"
DEMOS = Path(imgui_bundle.__file__).parent / "demos_python"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "hosts"
READY_TOAST = "All providers ready (5 modules)."
TIMEOUT = 40.0
PARALLEL = 2
# Windows that belong to hello_imgui or to the plugin, not to the host.
NOT_HOST = re.compile(r"^(Warmup diagnostics|##imwarmup|Debug##Default|StatusBar|##MainMenuBar|"
                      r"Command palette|##Tooltip|MainDockSpace$|Main window \(title bar invisible\))")


@dataclass(frozen=True)
class Case:
    id: str
    target: Path
    args: tuple[str, ...] = ()
    dock: bool = False                    # the host has a dock space: the window must be a tab
    host_windows: tuple[str, ...] = ()    # host windows that must show before and after opening
    host_status: bool = False             # the host draws its own status bar items
    layout: str | None = None             # the layout name expected at the end
    palette: str | None = None            # the host's palette window, which must end focused
    runs: int = 1                         # >1: the same host again with the same ini folder
    level: tuple[str, ...] = ("full", "no_bar", "short", "dot")  # acceptable segment levels


def own(name: str, **kw) -> Case:
    return Case(f"own-{name}", HOSTS / f"{name}.py", **kw)


def demo(name: str, path: str, **kw) -> Case:
    return Case(f"demo-{name}", DEMOS / path, **kw)


CASES = [
    # Layouts
    own("dock_splits", dock=True, host_windows=("Panel",)),
    own("dock_no_splits", dock=True),
    own("no_default_window", host_windows=("Host tools",)),
    own("full_screen_window"),
    own("alt_layouts", dock=True, host_windows=("Files", "Console"), layout="Wide editor",
        args=("--switch-layout", "Wide editor@5")),
    Case("own-switch_with_window_open", HOSTS / "alt_layouts.py", dock=True,
         host_windows=("Files", "Console"), layout="Wide editor",
         args=("--switch-after-open", "Wide editor")),
    own("replaced_layout", dock=True, host_windows=("Panel",), layout="Rebuilt"),
    Case("own-layout_reset", HOSTS / "dock_splits.py", dock=True, host_windows=("Panel",),
         args=("--reset-layout",)),
    Case("own-ini_persisted", HOSTS / "dock_splits.py", dock=True, host_windows=("Panel",), runs=2),
    # Status bar
    own("host_status", host_status=True),
    own("status_sequence", host_status=True),
    own("narrow", host_status=True),
    # Run forms, add-ons, palettes
    own("gui_function"),
    own("no_implot"),
    own("own_palette", palette="CommandPalette", args=("--press-palette",)),
    # imgui-bundle's own demos, from the installed wheel
    demo("docking", "demos_immapp/demo_docking.py", dock=True, args=("--size", "1000x760"),
         host_windows=("Features Demo", "Logs", "Alternative Theme")),
    demo("docking_alternative_layout", "demos_immapp/demo_docking.py", dock=True,
         layout="Alternative Layout", host_windows=("Features Demo", "Logs"),
         args=("--size", "1000x760", "--switch-layout", "Alternative Layout@5")),
    demo("layout_docking", "demos_immapp/layout_docking.py", dock=True),
    demo("testengine", "demos_immapp/demo_testengine.py", dock=True, args=("--size", "1000x760")),
    demo("command_palette", "demos_immapp/demo_command_palette.py", palette="CommandPalette",
         args=("--press-palette",)),
    demo("powersave", "demos_immapp/demo_powersave.py"),
    demo("imgui_bundle", "demo_imgui_bundle.py", host_status=True, args=("--size", "1200x760")),
    demo("implot_heart_narrow", "demos_immapp/haiku_implot_heart.py"),
    demo("hello_world", "demos_immapp/demo_hello_world.py"),
]
CASE_BY_ID = {case.id: case for case in CASES}


def _run_case(case: Case, work: Path) -> list[HostRun]:
    """Run the case (twice with one ini folder for ``runs=2``) in ``work``; copy each screenshot
    and result to ARTIFACTS for people to look at (the test judges the copies in ``work``, so
    two sessions at once cannot mix their files)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    runs = []
    for n in range(case.runs):
        name = case.id if case.runs == 1 else f"{case.id}-run{n + 1}"
        run = launch_host(str(case.target), str(work), name,
                          [*case.args, "--ini-dir", str(work / "ini")], timeout=TIMEOUT)
        for suffix in (".png", ".json"):
            source = work / f"{name}{suffix}"
            if source.exists():
                staged = ARTIFACTS / f".{name}{suffix}.{os.getpid()}"
                shutil.copyfile(source, staged)
                os.replace(staged, ARTIFACTS / f"{name}{suffix}")
        runs.append(run)
    return runs


@pytest.fixture(scope="module")
def host_runs(request, virtual_display, tmp_path_factory):
    """Start every selected case now, a few at a time; each test waits for its own."""
    wanted = [item.callspec.params["case_id"] for item in request.session.items
              if item.module is request.module and hasattr(item, "callspec")
              and "case_id" in item.callspec.params]
    pool = ThreadPoolExecutor(max_workers=PARALLEL, thread_name_prefix="host-case")
    futures: dict[str, Future] = {
        cid: pool.submit(_run_case, CASE_BY_ID[cid], tmp_path_factory.mktemp(f"host-{cid}"))
        for cid in dict.fromkeys(wanted)}
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


# ----------------------------------------------------------------------------------- judging
@dataclass
class Verdict:
    """Every problem of one run, so a failing case says all that is wrong at once."""

    name: str
    problems: list[str] = field(default_factory=list)

    def check(self, ok: bool, text: str) -> bool:
        if not ok:
            self.problems.append(text)
        return ok


def _box(rect, pad: float = 0.0) -> tuple[int, int, int, int]:
    x, y, w, h = rect
    return (int(x - pad), int(y - pad), int(x + w + pad), int(y + h + pad))


def _crash(run: HostRun) -> str:
    """A process killed by a signal: which, in which phase, and where (faulthandler's stack)."""
    try:
        name = signal.Signals(-run.returncode).name
    except ValueError:
        name = f"signal {-run.returncode}"
    where = "before writing any result"
    if run.data:
        last = run.data["events"][-1] if run.data["events"] else None
        where = (f"in phase {run.data['phase']!r} at frame {run.data['frames']}"
                 + (f", after {last[2]!r}" if last else ""))
    lines = run.stderr.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("Fatal Python error")), None)
    stack = lines[start:start + 14] if start is not None else lines[-12:]
    return f"crashed: killed by {name} {where}; faulthandler says:\n" + "\n".join(stack)


def judge(case: Case, run: HostRun, label: str) -> Verdict:
    v = Verdict(label)
    data = run.data
    tail = "\n".join(run.stderr.strip().splitlines()[-12:])
    if run.returncode is not None and run.returncode < 0:
        v.check(False, _crash(run))
        return v
    if not v.check(data is not None, f"no result written (exit {run.returncode}); stderr ends:\n{tail}"):
        return v
    v.check(run.returncode is not None, f"did not exit by itself within {TIMEOUT + 25:.0f}s")
    v.check(run.returncode == 0, f"exit code {run.returncode}; stderr ends:\n{tail}")
    v.check(data["reason"] == "done", f"the run did not complete: {data['reason']}")
    v.check(not data["errors"], "exceptions:\n" + "\n".join(e.strip() for e in data["errors"]))
    v.check("Traceback" not in run.stderr, f"a traceback on stderr:\n{tail}")
    v.check("dockSpaceName" not in run.stderr,
            "hello_imgui: " + "; ".join(l for l in run.stderr.splitlines() if "dockSpaceName" in l))
    v.check(data["injection"] in ("install", "wrap", "host"), f"injection: {data['injection']}")
    v.check(not data["missing"], f"plugin interface missing: {data['missing']}")
    probe = data.get("probe")
    if not v.check(probe is not None and probe.get("plugin") is not None, "no probe of the final frame"):
        return v
    plugin = probe["plugin"]
    image = Image.open(run.image).convert("RGB") if run.image else None
    v.check(image is not None, "no screenshot")
    ready = tuple(plugin["ready_rgb"])
    text = tuple(probe["text_rgb"])

    # ---- status bar segment
    draws = data["draws_per_frame"]
    v.check(bool(draws) and all(d == 1 for d in draws),
            f"segment drawn {draws} times per frame over the settled frames (want 1 each)")
    seg, bar = plugin["last_draw"], probe["status_bar"]
    if v.check(seg is not None and bar is not None and bar["shown"],
               f"no segment drawn ({seg}) or no status bar ({bar})"):
        bx, by, bw, bh = bar["rect"]
        x, y, w, h = seg["x"], seg["y"], seg["width"], seg["height"]
        v.check(seg["frame"] == probe["frame"], f"last_draw is from frame {seg['frame']}, "
                                                f"not the final frame {probe['frame']}")
        v.check(seg["level"] in case.level, f"segment level {seg['level']!r}, want one of {case.level}")
        v.check(bx <= x and x + w <= bx + bw + 0.5 and by <= y and y + h <= by + bh + 0.5,
                f"segment {[x, y, w, h]} not inside the status bar {bar['rect']} "
                f"(a second, clipped line?)")
        measured = probe["host_status"]
        host_right = seg["host_right"]
        if case.host_status:
            v.check(host_right is not None, "the host drew status items but host_right is None")
        if measured["drew"]:
            v.check(host_right is not None and abs(host_right - measured["right"]) <= 1.0,
                    f"host_right {host_right} but the host's items end at {measured['right']}")
            v.check(x >= measured["right"], f"segment starts at {x}, over the host's items "
                                            f"(they end at {measured['right']})")
        if host_right is not None:
            v.check(x >= host_right, f"segment starts at {x}, left of host_right {host_right}")
        limit, fps_x = seg["limit"], probe["fps_x"]
        v.check(limit is not None and x + w <= limit + 0.5,
                f"segment ends at {x + w:.1f}, past its limit {limit}")
        if fps_x is not None:
            v.check(limit is not None and limit <= fps_x + 0.5,
                    f"limit {limit} is right of hello_imgui's FPS block at {fps_x}")
            v.check(x + w <= fps_x, f"segment ends at {x + w:.1f}, under the FPS block at {fps_x}")
        if image is not None:
            dot = count_color(image, ready, _box((x, y, h, h)))
            v.check(dot >= 15, f"no ready-coloured dot at the segment ({dot} px)")
            everywhere = count_color(image, ready, _box(bar["rect"]))
            v.check(everywhere <= dot * 1.6 + 5,
                    f"ready colour {everywhere} px in the status bar for a {dot} px dot "
                    f"(segment drawn twice?)")
            if seg["level"] in ("full", "no_bar", "short"):
                label_px = count_color(image, text, _box((x + h, y, max(1.0, w - h), h)))
                v.check(label_px >= 10, f"the segment's text does not show ({label_px} px)")
            if host_right is not None:
                host_px = count_color(image, text, (int(bx), int(by), int(host_right), int(by + bh)))
                v.check(host_px >= 20, f"the host's status items do not show ({host_px} text px)")
            if fps_x is not None:
                fps_px = count_color(image, text, (int(fps_x), int(by), int(bx + bw), int(by + bh)))
                v.check(fps_px >= 20, f"hello_imgui's FPS block does not show ({fps_px} text px)")

    history = data.get("segment_frames") or {}
    v.check(not history.get("violations"), f"segment misplaced on earlier frames: {history.get('violations')}")

    # ---- diagnostics window
    diag = probe["diagnostics"]
    v.check(plugin["debug_window_open"] is True, f"debug_window_open is {plugin['debug_window_open']}")
    if v.check(diag is not None and diag["shown"], f"the diagnostics window does not show: {diag}"):
        if case.dock:
            v.check(diag["docked"] and diag["dock_root_id"] == probe["main_dock_id"],
                    f"not a tab of the host's dock space (docked={diag['docked']}, "
                    f"root={diag['dock_root_id']}, MainDockSpace={probe['main_dock_id']})")
        else:
            v.check(not diag["docked"], f"docked into {diag['dock_host']} in a host with no dock space")
    lanes = plugin["chart_lanes"]
    v.check(bool(lanes) and all(LANE_PATTERN.fullmatch(lane) for lane in lanes),
            f"chart lanes {lanes}, want controller-io-N")
    chart = plugin["chart"]
    if v.check(chart is not None and chart["plot_rect"], f"no chart drawn: {chart}") and diag:
        px, py, pw, ph = chart["plot_rect"]
        dx, dy, dw, dh = diag["rect"]
        v.check(dx <= px and px + pw <= dx + dw + 1 and dy <= py and py + ph <= dy + dh + 1,
                f"the chart is cut off by its window: plot {chart['plot_rect']} (x, y, w, h) "
                f"does not fit the diagnostics window {diag['rect']}, so some lanes do not show")
        if image is not None:
            bars = count_color(image, ready, _box(chart["plot_rect"]))
            v.check(bars >= 100, f"no completed bars in the plot ({bars} ready-coloured px)")

    # ---- toast
    v.check(READY_TOAST in data["toasts_seen"], f"toast {READY_TOAST!r} never shown: {data['toasts_seen']}")
    shown = [t for t in plugin["toasts"] if t["text"] == READY_TOAST and t["window"] and t["window"]["shown"]]
    if v.check(bool(shown), f"the ready toast is not on the final frame: {plugin['toasts']}") and image:
        accent = count_color(image, ready, _box(shown[0]["window"]["rect"]))
        v.check(accent >= 20, f"the toast shows no ready-coloured dot/border ({accent} px)")

    # ---- the host's own windows
    before = probe["shown_windows_before_open"] or []
    for name in case.host_windows:
        v.check(name in before, f"host window {name!r} did not show before opening: {before}")
    node = diag.get("dock_node_id") if diag else None
    for name, info in (probe["windows_before_open_now"] or {}).items():
        if NOT_HOST.match(name) or name.startswith("##"):
            continue
        behind = info is not None and node is not None and info.get("dock_node_id") == node
        v.check(info is not None and (info["shown"] or behind),
                f"host window {name!r} showed before the diagnostics window opened, not after: {info}")

    # ---- layouts and palettes
    if case.layout is not None:
        v.check(probe["layout_name"] == case.layout, f"layout {probe['layout_name']!r}, want {case.layout!r}")
    if case.palette is not None:
        presses = data.get("palette_presses") or []
        v.check(bool(presses) and presses[-1],
                f"Ctrl+Shift+P never reached imgui intact ({presses}): the test could not press it")
        v.check(probe["nav_root"] == case.palette,
                f"focus is on {probe['nav_window']!r}, not the host's palette {case.palette!r}")
        v.check(case.palette in probe["shown_windows"], f"the host's palette does not show: "
                                                       f"{probe['shown_windows']}")
        v.check(not plugin["palette_open"] and not (probe["plugin_palette"] or {}).get("shown"),
                "the plugin's own palette opened too")
    return v


@pytest.mark.parametrize("case_id", [case.id for case in CASES])
def test_host(case_id, host_runs):
    case = CASE_BY_ID[case_id]
    runs = host_runs[case_id].result()
    verdicts = [judge(case, run, f"run {n + 1}" if case.runs > 1 else case_id)
                for n, run in enumerate(runs)]
    if case.runs > 1 and runs[-1].data:
        # The later run started from the ini the earlier one wrote, window settings included.
        persisted = Verdict("ini")
        before = runs[-1].data.get("ini_before")
        persisted.check(before is not None and before["has_diagnostics_window"],
                        f"the second run found no ini from the first with the diagnostics window "
                        f"in it ({runs[-1].data.get('ini_file')}: {before})")
        verdicts.append(persisted)
    problems = [f"[{v.name}] {p}" for v in verdicts for p in v.problems]
    shots = ", ".join(str(ARTIFACTS / Path(run.image).name) if run.image else "(none)" for run in runs)
    if problems:
        pytest.fail(f"{case.target.name} {' '.join(case.args)}: {len(problems)} problem(s); "
                    f"screenshot(s): {shots}\n" + "\n".join(problems), pytrace=False)
