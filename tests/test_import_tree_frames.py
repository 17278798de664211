"""Import trees in the diagnostics window, in real frames under Xvfb (issue 14, part 3): a click
on a lane's label shows its canaries' import trees as a flame chart under the bars (numpy's real
tree), hovering a node tells its module, self/cum time and lock waits, a canary's tooltip lists
its five costliest sub-imports and lock waits, and selecting a canary shows its breakdown table,
sortable by self and cumulative time. Each scene's last frame is compared with its golden under
``tests/screenshots/`` (``pytest --update-goldens`` after looking at the new PNGs)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gantt_scenes import pointer, run_frames
from import_tree_scenes import numpy_tree, place, synthetic_tree
from imwarmup.testing.goldens import compare_to_golden
from imwarmup.testing.pixels import count_color, rgb255
from imwarmup.testing.scripted import ORIGIN, ScriptedSource, StepClock, plan
from imwarmup.theme import PALETTES, Role

GOLDENS = Path(__file__).parent / "screenshots"
ARTIFACTS = Path(os.environ.get("IMWARMUP_ARTIFACTS", Path(__file__).parent.parent / "artifacts")) / "screenshots"
SIZE = (1200, 760)
PARK = (1270, 790)
NOW = ORIGIN + 2.0
NUMPY_STRETCH = 3.0   # numpy's 120 ms tree drawn over a 0.36 s bar (a loaded machine's warmup)

PLANNED = (
    plan("numpy", "controller-io-0", start=0.01, end=0.01 + 0.1195 * NUMPY_STRETCH),
    plan("sqlite3", "controller-io-1", start=0.01, end=0.09),
    plan("email.mime.multipart", "controller-io-2", start=0.02, end=0.35),
    plan("provider_sdk", "controller-io-3", start=0.02, end=0.22, outcome="failed",
         error="ImportError: vendor SDK needs libfoo.so, which is not installed"),
    plan("decimal", "controller-io-1", start=0.10, end=0.16),
)


def colour(role: Role) -> tuple[int, int, int]:
    return rgb255(PALETTES["dark"][role])


class TreeSource(ScriptedSource):
    """The scripted round with import trees, as ``WarmupController.import_trees()`` gives them:
    numpy's real tree, a generated one with a lock wait and an import that raised."""

    def __init__(self) -> None:
        super().__init__(PLANNED, StepClock(NOW, 0.0))
        email = synthetic_tree("email.mime.multipart", 24, 3, 0.33, ORIGIN + 0.02,
                               "controller-io-2", seed=3)
        for i, node in enumerate(email):   # own work: its CPU less its children's, as recorded
            node["self_cpu_ms"] = node["cpu_ms"] - sum(n["cpu_ms"] for n in email
                                                       if n["parent"] == i)
        email[2]["lock_waits"] = [{"module": "email.utils", "holder": "controller-io-1",
                                   "wait_ms": 41.0}]
        costliest = max(range(1, len(email)), key=lambda i: email[i]["self_ms"])
        email[costliest]["error"] = "ImportError: cannot import name 'Charset'"
        numpy = place(numpy_tree(), ORIGIN + 0.01, "controller-io-0", NUMPY_STRETCH)
        for node in numpy:   # stretched by waiting on a loaded machine: the CPU stays -X importtime's
            node["self_cpu_ms"] = node["self_ms"] / NUMPY_STRETCH
        self.trees = {1: numpy,
                      3: email,
                      2: synthetic_tree("sqlite3", 4, 1, 0.08, ORIGIN + 0.01, "controller-io-1")}

    def import_trees(self):
        return {cid: [dict(n) for n in tree] for cid, tree in self.trees.items()}


def chart_crop(image, window):
    """The chart with its legend, lane labels and x axis: what this feature draws (the summary
    and the canary table above and below belong to other features and change on their own)."""
    px, py, pw, ph = window.last_chart.plot_rect
    return image.crop((0, int(py - 45), image.size[0], int(py + ph + 40)))


def scene(steps):
    """Run the diagnostics window's contents on ``TreeSource`` for 60 frames, calling
    ``steps[frame](window, mouse)`` on the frames it names; returns (last frame, window)."""
    from imwarmup.panels.debug_window import DebugWindow
    from imwarmup.theme import Theme

    source = TreeSource()
    window = DebugWindow(source, lambda: None)
    mouse = pointer()
    mouse.moveTo(*PARK)
    state = {}

    def gui(frame: int) -> None:
        theme = state.setdefault("theme", Theme("dark"))
        window.draw_contents(theme, NOW)
        step = steps.get(frame)
        if step is not None:
            step(window, mouse)

    shot = run_frames(gui, 60, size=SIZE, title="test-import-tree")
    return Image.fromarray(shot), window


def tooltip_rect() -> tuple[int, int, int, int]:
    """The box of the tooltip shown this frame (Dear ImGui's "##Tooltip_00" window)."""
    from imgui_bundle import imgui

    tip = imgui.internal.find_window_by_name("##Tooltip_00")
    return (int(tip.pos.x), int(tip.pos.y), int(tip.pos.x + tip.size.x),
            int(tip.pos.y + tip.size.y))


def label_point(window, lane: str) -> tuple[float, float]:
    """A point on a lane's label, left of the plot."""
    ev, model = window.last_chart, window.chart_model
    k = model.lanes.index(lane)
    return ev.plot_rect[0] - 30, ev._lane_y(model, k)


def test_label_click_expands_the_lane_into_its_import_tree(virtual_display, update_goldens):
    from imgui_bundle import imgui

    seen = {}

    def before(window, mouse):
        seen["plot_h"] = window.last_chart.plot_rect[3]
        assert window.expanded_lanes == set()
        mouse.moveTo(*label_point(window, "controller-io-0"))

    def press(window, mouse):
        seen["hover_cursor"] = imgui.get_mouse_cursor()
        mouse.click()

    def after(window, mouse):
        seen["expanded"] = set(window.expanded_lanes)
        mouse.moveTo(*PARK)

    image, window = scene({20: before, 23: press, 30: after})
    assert seen["hover_cursor"] == imgui.MouseCursor_.hand   # the label says it is clickable
    assert seen["expanded"] == {"controller-io-0"}
    ev, flame = window.last_chart, window._snapshot.flame
    assert flame.rows(0) == max(n["depth"] for n in numpy_tree())   # numpy's 12 levels
    assert ev.layout.flame_rows == (flame.rows(0), 0, 0, 0)
    assert ev.plot_rect[3] > seen["plot_h"] * 2        # the chart grew to hold the tree
    compare_to_golden(chart_crop(image, window), "import_tree_expanded", GOLDENS, ARTIFACTS,
                      update=update_goldens)
    # The tree's rows are drawn below numpy's bar in the flame colours, and not on other lanes.
    px, py, pw, ph = ev.plot_rect
    unit = ph / ev.layout.total
    tree_box = (int(px), int(py + unit * 1.05), int(px + pw), int(py + ev.layout.bottom(0) * unit))
    blue, teal = colour(Role.PHASE_SEQUENTIAL), colour(Role.PHASE_ASYNC)
    assert count_color(image, blue, tree_box, 6) > 3000
    assert count_color(image, teal, tree_box, 6) > 3000
    rest = (int(px), int(py + ev.layout.tops[1] * unit), int(px + pw), int(py + ph))
    assert count_color(image, blue, rest, 6) == 0
    # A named node is where the tree says: numpy.__config__ (depth 1) has its name drawn in it.
    config = next(i for i, n in enumerate(numpy_tree()) if n["module"] == "numpy.__config__")
    x, y = ev.node_pixel(flame, 1, config, 0.5)
    assert tuple(image.getpixel((int(x), int(y - unit * 0.3)))) == blue


def test_flame_node_and_canary_tooltips(virtual_display, update_goldens):
    seen = {"nodes": set()}
    tree = numpy_tree()
    inspect = next(i for i, n in enumerate(tree) if n["module"] == "inspect")

    def expand(window, mouse):
        window.expanded_lanes.add("controller-io-0")

    def hover_node(window, mouse):
        mouse.moveTo(*window.last_chart.node_pixel(window._snapshot.flame, 1, inspect, 0.5))

    def look(window, mouse):
        seen["nodes"].add(window.last_chart.hovered_node)

    def hover_bar(window, mouse):
        mouse.moveTo(*window.last_chart.bar_pixel(window.chart_model, 1, 0.25))

    def bar(window, mouse):
        seen["bar"] = window.last_chart.hovered_id
        seen["tip"] = tooltip_rect()

    steps = {5: expand, 15: hover_node, 25: look, 30: hover_bar, 59: bar}
    image, window = scene(steps)
    assert (1, inspect) in seen["nodes"]
    assert seen["bar"] == 1
    assert count_color(image, colour(Role.WARMING), seen["tip"], 40) == 0   # no lock wait
    compare_to_golden(chart_crop(image, window), "import_tree_tooltip", GOLDENS, ARTIFACTS,
                      update=update_goldens)
    # The tooltip lists the five costliest sub-imports by own time: the two costliest
    # names are drawn in its table (light text somewhere right of the pointer).
    x, y = window.last_chart.bar_pixel(window.chart_model, 1, 0.25)
    box = (int(x), int(y), int(x) + 420, int(y) + 330)
    assert count_color(image, rgb255((0.9, 0.9, 0.9, 1.0)), box, 40) > 400


def test_a_canary_tooltip_lists_its_lock_waits(virtual_display):
    """email.mime.multipart's tree (canary 3) waited 41 ms for email.utils, which
    controller-io-1 was importing: its bar's tooltip says so under its costliest sub-imports."""
    seen = {}

    def hover_bar(window, mouse):
        mouse.moveTo(*window.last_chart.bar_pixel(window.chart_model, 3, 0.2))

    def bar(window, mouse):
        seen["bar"] = window.last_chart.hovered_id
        seen["tip"] = tooltip_rect()

    image, window = scene({10: hover_bar, 58: bar})
    assert seen["bar"] == 3
    # No golden: the tooltip is translucent, and the table under it belongs to other features.
    # Its lock-wait block is the only text in the warming colour in it (numpy's tooltip, with
    # no lock wait, has none: test_flame_node_and_canary_tooltips); its two lines, in pixels.
    tip = image.crop(seen["tip"])
    warm = np.asarray(tip)[..., :3]
    hit = (np.abs(warm.astype(int) - colour(Role.WARMING)).max(axis=2) <= 40)
    rows = np.flatnonzero(hit.sum(axis=1) >= 3)
    assert len(rows) > 0, "no lock-wait line in the warming colour"
    assert rows[0] > tip.size[1] * 0.6           # under the costliest sub-imports
    assert count_color(tip, colour(Role.WARMING), None, 40) > 150


def test_selected_canary_shows_its_breakdown_sortable_by_self_and_cum(virtual_display, update_goldens):
    from imgui_bundle import imgui

    from imwarmup.widgets.import_tree_rows import sort_tree_rows, tree_rows
    from imwarmup.widgets.import_tree_table import TREE_HEADERS

    seen = {}

    def point(window, mouse):
        mouse.moveTo(*window.last_chart.bar_pixel(window.chart_model, 3, 0.5))

    def header(name):
        def step(window, mouse):
            seen["selected"] = window.selected_id
            assert window.last_tree_table is not None, "the breakdown should show for canary 3"
            table = imgui.internal.table_find_by_id(window.last_tree_table.table_id)
            n = [h for h, _ in TREE_HEADERS].index(name)
            cell = imgui.internal.table_get_cell_bg_rect(table, n)
            y = table.outer_rect.min.y + imgui.get_text_line_height() / 2 + 2
            mouse.moveTo((cell.min.x + cell.max.x) / 2, y)
        return step

    def press(window, mouse):
        mouse.click()

    def look(window, mouse):
        seen.setdefault("sorts", []).append((window.tree_view.sort_column,
                                             window.tree_view.ascending))
        rows = window.tree_view.visible(window._tree_rows[1])
        seen.setdefault("orders", []).append([r.module for r in rows])

    def park(window, mouse):
        look(window, mouse)
        seen["sort"] = (window.tree_view.sort_column, window.tree_view.ascending)
        mouse.moveTo(*PARK)

    def where(window, mouse):
        table = imgui.internal.table_find_by_id(window.last_tree_table.table_id)
        r = table.outer_rect
        seen["table"] = (int(r.min.x), int(r.min.y - imgui.get_text_line_height_with_spacing()),
                         int(r.max.x), int(r.max.y))

    # self, then cum, then self again (what the golden shows): a click on each header sorts.
    image, window = scene({12: point, 15: press, 22: header("self ms"), 24: press, 30: look,
                           32: header("cum ms"), 34: press, 40: look,
                           42: header("self ms"), 44: press, 50: park, 59: where})
    assert seen["selected"] == 3
    assert seen["sorts"] == [("self", False), ("cum", False), ("self", False)]  # longest first
    expected = {column: [r.module for r in sort_tree_rows(tree_rows(TreeSource().trees[3]),
                                                          column, ascending=False)]
                for column in ("self", "cum")}
    assert seen["orders"] == [expected["self"], expected["cum"], expected["self"]]
    assert expected["self"] != expected["cum"]        # the two sorts differ on this tree
    rows = window.tree_view.visible(window._tree_rows[1])
    assert rows[0].index == 0 and len(rows) == 24      # the root first, every node once
    for parent in {r.parent for r in rows if r.parent is not None}:
        kids = [r.self_ms for r in rows if r.parent == parent]
        assert kids == sorted(kids, reverse=True), parent   # siblings by self time, descending
    table = image.crop(seen["table"])     # the breakdown, with its title line
    compare_to_golden(table, "import_tree_breakdown", GOLDENS, ARTIFACTS, update=update_goldens)
    # The node that raised is listed in the failure colour; the lock wait in the warming colour.
    assert count_color(table, colour(Role.FAILED), None, 40) > 100
    assert count_color(table, colour(Role.WARMING), None, 40) > 40
