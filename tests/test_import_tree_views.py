"""The import tree's views without a window (issue 14, part 3 and the export of part 4): the
breakdown's rows and sort, the tooltip's five costliest sub-imports and lock waits, the flame
rows' layout, folding and hit tests, the diagnostics window's snapshot with trees, and the
"Export trace" job (on a service worker, where it wrote, why it could not)."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from gantt_scenes import T0, record
from import_tree_scenes import numpy_tree, place, synthetic_tree
from imwarmup.widgets.import_tree_rows import (
    TreeTableView, check_tree, costliest, costliest_lines, lock_waits, node_tooltip,
    sort_tree_rows, tree_rows,
)


def node(module, parent, depth, start, end, self_ms, cum_ms, **kw):
    n = {"module": module, "parent": parent, "depth": depth, "start_ts": T0 + start,
         "end_ts": None if end is None else T0 + end, "self_ms": self_ms, "cum_ms": cum_ms,
         "cpu_ms": None, "thread_name": "controller-io-0", "lock_waits": [], "error": None}
    n.update(kw)
    return n


# app (100 ms) -> a (30, own 10) -> a.x (20); app -> b (50, own 50, waited 12 ms on numpy)
SMALL = [
    node("app", None, 0, 0.0, 0.1, 20.0, 100.0),
    node("a", 0, 1, 0.0, 0.03, 10.0, 30.0),
    node("a.x", 1, 2, 0.0, 0.02, 20.0, 20.0, error="ImportError: no x\nmore lines"),
    node("b", 0, 1, 0.03, 0.08, 50.0, 50.0,
         lock_waits=[{"module": "numpy", "holder": "controller-io-1", "wait_ms": 12.0}]),
]


# ------------------------------------------------------------------------------- rows
def test_rows_keep_the_tree_and_sort_siblings_under_their_parent():
    rows = tree_rows(SMALL)
    assert [(r.module, r.depth, r.has_children) for r in rows] == [
        ("app", 0, True), ("a", 1, True), ("a.x", 2, False), ("b", 1, False)]
    assert rows[2].error == "ImportError: no x… (11 more characters)"   # one short line
    assert rows[3].wait_ms == 12.0 and rows[3].waits == "numpy (controller-io-1) 12.0 ms"
    by_cum = [r.module for r in sort_tree_rows(rows, "cum", ascending=False)]
    assert by_cum == ["app", "b", "a", "a.x"]            # b (50) before a (30), a.x stays under a
    by_self = [r.module for r in sort_tree_rows(rows, "self", ascending=True)]
    assert by_self == ["app", "a", "a.x", "b"]           # a (10) before b (50)
    with pytest.raises(ValueError, match=r"unknown column 'elapsed'.*'self', 'own', 'cum'"):
        sort_tree_rows(rows, "elapsed")


def test_view_caches_until_the_rows_or_the_sort_change():
    rows = tree_rows(SMALL)
    view = TreeTableView("cum", False)
    first = view.visible(rows)
    assert view.visible(rows) is first
    view.sort_column = "self"
    assert view.visible(rows) is not first
    assert [r.module for r in view.visible(rows)] == ["app", "b", "a", "a.x"]


def test_numpy_tree_sorted_by_cum_puts_every_child_right_under_its_parent():
    rows = TreeTableView("cum", False).visible(tree_rows(numpy_tree()))
    assert len(rows) == len(numpy_tree()) and rows[0].module == "numpy"
    seen = set()
    for r in rows:
        assert r.parent is None or r.parent in seen      # a parent before its children
        seen.add(r.index)


@pytest.mark.parametrize("bad, message", [
    ("numpy", r"tree: expected a list of import-tree nodes, got str"),
    ([{"module": "a", "parent": None, "self_ms": 1.0, "cum_ms": 1.0}, 3],
     r"tree\[1\]: expected a dict, got int"),
    ([{"module": "a", "parent": 0, "self_ms": 1.0, "cum_ms": 1.0}],
     r"tree\[0\] \('a'\): node 0 is the root, its parent must be None, got 0"),
    ([{"module": "a", "parent": None, "self_ms": 1.0, "cum_ms": 1.0},
      {"module": "b", "parent": 1, "self_ms": 1.0, "cum_ms": 1.0}],
     r"tree\[1\] \('b'\): parent must be the index of an earlier node \(pre-order\), got 1"),
    ([{"module": "a", "parent": None, "cum_ms": 1.0}], r"tree\[0\] \('a'\): no 'self_ms' key"),
])
def test_a_malformed_tree_is_refused_naming_the_node(bad, message):
    with pytest.raises((TypeError, ValueError), match=message):
        check_tree(bad)


# ---------------------------------------------------------------------------- tooltip
def test_costliest_ranks_sub_imports_by_own_time_and_lists_lock_waits():
    assert [n["module"] for n in costliest(SMALL)] == ["b", "a.x", "a"]   # node 0 excluded
    assert [n["module"] for n in costliest(SMALL, 1)] == ["b"]
    lines = costliest_lines(SMALL)
    assert lines[0] == "Costliest sub-imports (self / cum), of 3:"   # no CPU recorded here
    assert lines[1].split() == ["b", "50.0", "ms", "/", "50.0", "ms"]
    assert "Lock waits: 1, 12.0 ms in all" in lines
    assert "  waited 12.0 ms for numpy, held by controller-io-1" in lines
    assert lock_waits(SMALL)[0]["in"] == "b"
    assert costliest_lines(None) == [] and costliest_lines(SMALL[:1]) == []
    with pytest.raises(ValueError, match="n must be >= 0, got -1"):
        costliest(SMALL, -1)


def test_the_breakdown_sorts_by_own_work_too():
    tree = [dict(SMALL[0], self_cpu_ms=18.0), dict(SMALL[1], self_cpu_ms=9.5),
            dict(SMALL[2], self_cpu_ms=19.0), dict(SMALL[3], self_cpu_ms=2.0)]
    rows = tree_rows(tree)
    assert [r.own_ms for r in rows] == [18.0, 9.5, 19.0, 2.0]
    # b has the most self time (50 ms) but the least own work (2 ms): a (9.5) goes first.
    assert [r.module for r in sort_tree_rows(rows, "own", ascending=False)] == [
        "app", "a", "a.x", "b"]
    assert [r.module for r in sort_tree_rows(rows, "self", ascending=False)] == [
        "app", "b", "a", "a.x"]
    assert tree_rows(SMALL)[0].own_ms is None                   # not recorded: no figure


def test_a_sub_import_that_mostly_waited_says_so_beside_its_self_time():
    """Self time is wall time, as -X importtime counts it: an import that waited for the GIL
    (a GUI frame) or for I/O gets a long one. Its own CPU beside it says the code is not the
    cost, in the canary's tooltip block and in the node's tooltip."""
    tree = [dict(SMALL[0], self_cpu_ms=18.0), dict(SMALL[1], self_cpu_ms=9.5),
            dict(SMALL[2], self_cpu_ms=19.0), dict(SMALL[3], self_cpu_ms=2.0)]
    lines = costliest_lines(tree)
    assert lines[0] == "Costliest sub-imports (self / cum / own work), of 3:"
    assert lines[1].split() == ["b", "50.0", "ms", "/", "50.0", "ms", "/", "2.0", "ms"]
    assert lines[2].split()[-2:] == ["19.0", "ms"]
    assert lines[4] == "  (self far above own work: it mostly waited, its code is not the cost)"
    assert "own work: 2.0 ms CPU (it mostly waited)" in node_tooltip(tree[3], "app").split("\n")
    assert "own work: 19.0 ms CPU" in node_tooltip(tree[2]).split("\n")   # it ran: no remark
    # Nothing waited: no remark.
    busy = [dict(n, self_cpu_ms=n["self_ms"]) for n in SMALL]
    assert not any("waited" in line for line in costliest_lines(busy)[:4])


def test_numpy_costliest_five_are_its_biggest_own_times():
    tree = numpy_tree()
    top = costliest(tree)
    own = sorted((n["self_ms"] for n in tree[1:]), reverse=True)[:5]
    assert [n["self_ms"] for n in top] == own and len(top) == 5


def test_node_tooltip_says_module_importer_times_waits_and_error():
    text = node_tooltip(SMALL[3], "app")
    assert text.split("\n") == [
        "b", "imported by: app (depth 1)", "self:  50.0 ms   cum: 50.0 ms",
        "thread: controller-io-0", "waited 12.0 ms for numpy, held by controller-io-1"]
    assert node_tooltip(SMALL[2]).endswith("error: ImportError: no x… (11 more characters)")


# ------------------------------------------------------------------------- flame model
def model_with(trees_by_lane):
    """A GanttModel with one canary per lane and a FlameModel of their trees."""
    from imwarmup.widgets.flame import FlameModel
    from imwarmup.widgets.gantt_model import GanttModel

    canaries, trees = [], {}
    for k, tree in enumerate(trees_by_lane):
        cid = k + 1
        start, end = tree[0]["start_ts"] - T0, tree[0]["end_ts"] - T0
        canaries.append(record(cid, tree[0]["module"], thread=f"controller-io-{k}", submit=0.0,
                               start=start, end=end, status="completed"))
        trees[cid] = tree
    model = GanttModel()
    model.update(canaries, 1)
    return model, FlameModel(model, trees)


def test_flame_rows_are_the_tree_depths_per_lane():
    model, flame = model_with([place(numpy_tree(), T0, "controller-io-0"),
                               place(SMALL, 0.0, "controller-io-1")])
    assert flame.rows(0) == max(n["depth"] for n in numpy_tree()) == 12
    assert flame.rows(1) == 2 and flame.rows(7) == 0
    assert len(flame) == len(numpy_tree()) - 1 + 3     # every node but the roots
    assert flame.lane_of == {1: 0, 2: 1}
    assert flame.tree(2)[3]["module"] == "b" and flame.tree(99) is None


def test_flame_folds_narrow_imports_at_zoom_out_and_shows_them_zoomed_in():
    model, flame = model_with([place(numpy_tree(), T0, "controller-io-0")])
    end = numpy_tree()[0]["end_ts"]
    out = flame.view(0, 0, 0.0, end, 800.0)                # all of numpy over 800 px
    assert (out.ref == -1).any()                           # some depth-1 imports folded
    assert out.count.sum() == sum(1 for n in numpy_tree() if n["depth"] == 1)
    narrow = out.ref >= 0
    assert (((out.x1 - out.x0) * 800.0 / end)[~narrow] < 8 * 3.0 + 3.0).all()   # small blocks
    assert flame.view(0, 0, 0.0, end, 800.0) is out        # cached for the same range
    zoomed = flame.view(0, 0, 0.0, end, 8_000_000.0)       # a pixel is a few ns: nothing folds
    assert (zoomed.ref >= 0).all() and len(zoomed.ref) == out.count.sum()
    part = flame.view(0, 0, end * 0.5, end * 0.6, 800.0)   # culled to the range
    assert 0 < part.count.sum() < out.count.sum()


def test_flame_hit_test_finds_the_node_under_the_mouse():
    model, flame = model_with([place(SMALL, 0.0, "controller-io-0")])
    hit = flame.hit_test(0, 0, 0.05, 0.0, 0.1, 1000.0, T0 + 1.0)     # depth 1 at 50 ms: b
    assert (hit.canary_id, hit.node) == (1, 3)
    hit = flame.hit_test(0, 1, 0.01, 0.0, 0.1, 1000.0, T0 + 1.0)     # depth 2 at 10 ms: a.x
    assert (hit.canary_id, hit.node) == (1, 2)
    assert flame.hit_test(0, 1, 0.06, 0.0, 0.1, 1000.0, T0 + 1.0) is None
    assert "imported by: a (depth 2)" in flame.node_tooltip(1, 2)


def test_a_malformed_tree_names_its_canary():
    from imwarmup.widgets.flame import FlameModel

    model, _ = model_with([place(SMALL, 0.0, "controller-io-0")])
    bad = [dict(SMALL[0]), dict(SMALL[1], parent=5)]
    with pytest.raises(ValueError, match=r"import_trees\(\)\[1\]\[1\] \('a'\): parent must be"):
        FlameModel(model, {1: bad})


def test_lane_layout_places_flame_rows_under_their_lane():
    from imwarmup.widgets.flame import FLAME_ROW, lane_layout

    layout = lane_layout(3, [0, 2, 0])
    assert layout.tops == (0.0, 1.0, 2.0 + 2 * FLAME_ROW)
    assert layout.total == 3.0 + 2 * FLAME_ROW
    assert layout.locate(0.5) == (0, -1)
    assert layout.locate(1.2) == (1, -1)
    assert layout.locate(2.0 + FLAME_ROW * 0.5) == (1, 0)
    assert layout.locate(2.0 + FLAME_ROW * 1.5) == (1, 1)
    assert layout.locate(layout.total - 0.1) == (2, -1)
    assert layout.locate(-0.1) is None and layout.locate(layout.total) is None
    assert lane_layout(2).tops == (0.0, 1.0)
    with pytest.raises(ValueError, match="2 flame row counts for 3 lanes"):
        lane_layout(3, [1, 2])


# -------------------------------------------------------------- the window's snapshot
def test_snapshot_carries_trees_and_flame_and_survives_broken_trees():
    from imwarmup.panels.debug_window import build_snapshot

    canaries = [record(1, "app", thread="controller-io-0", submit=0.0, start=0.0, end=0.1,
                       status="completed")]
    snap = build_snapshot(lambda: canaries, T0 + 1, 1, True, lambda: {1: SMALL})
    assert snap.trees == {1: SMALL} and snap.flame.rows(0) == 2 and snap.tree_error is None

    def broken():
        raise RuntimeError("recorder gone")

    snap = build_snapshot(lambda: canaries, T0 + 1, 2, True, broken)
    assert snap.model is not None and snap.rows                 # chart and table still there
    assert snap.trees is None and snap.tree_error == "RuntimeError: recorder gone"
    snap = build_snapshot(lambda: canaries, T0 + 1, 3, True, lambda: {1: [dict(SMALL[0], parent=2)]})
    assert snap.flame is None and "node 0 is the root" in snap.tree_error
    snap = build_snapshot(lambda: canaries, T0 + 1, 4, False, lambda: {1: SMALL})
    assert snap.trees == {1: SMALL} and snap.flame is None      # the table works before numpy


# ----------------------------------------------------------------------- export trace
@pytest.fixture
def controller():
    from imwarmup import WarmupController

    c = WarmupController(["json", "email.mime.text"], log_to_stderr=False).start()
    assert c.wait_for_warmup(30)
    yield c
    c.shutdown(wait=True, timeout=5)


def test_export_writes_on_a_service_worker_and_says_where(controller, tmp_path):
    import json

    from imwarmup.panels.source import check_source
    from imwarmup.panels.trace_export import TraceExport, _write
    from imwarmup.theme import Role

    threads = []

    def write(source, path):
        threads.append(threading.current_thread().name)
        return _write(source, path)

    export = TraceExport(check_source(controller), folder=tmp_path, write=write)
    text = export.start()
    assert text.startswith(f"Writing the trace to {tmp_path}{os.sep}imwarmup-trace-")
    assert export.pending
    export._job.result(30)
    text, role = export.poll()
    assert role is Role.READY and export.path is not None
    assert text.startswith(f"Trace written to {export.path} (") and "ui.perfetto.dev" in text
    assert threads == ["controller-trace-0"]                       # never the caller's thread
    events = json.loads(open(export.path).read())["traceEvents"]
    assert {"json", "email.mime.text"} <= {e["args"].get("module") for e in events
                                            if e.get("ph") == "X" and "args" in e}
    assert export.poll() is None and not export.pending             # told once


def test_export_to_a_missing_folder_says_so(controller, tmp_path):
    from imwarmup.panels.source import check_source
    from imwarmup.panels.trace_export import TraceExport
    from imwarmup.theme import Role

    export = TraceExport(check_source(controller))
    target = tmp_path / "no-such-dir" / "t.json"
    export.start(target)
    export._job.exception(30)
    text, role = export.poll()
    assert role is Role.FAILED
    assert text.startswith(f"Could not write the trace to {target}: No such file or directory")
    assert f"is the folder {tmp_path / 'no-such-dir'} there and writable?" in text


def test_export_without_a_worker_refuses_at_once():
    from imwarmup.panels.source import check_source
    from imwarmup.panels.trace_export import TraceExport
    from imwarmup.testing import FrozenClock, ScriptedSource, plan

    export = TraceExport(check_source(ScriptedSource([plan("json")], FrozenClock())))
    text = export.start()
    assert not export.pending
    assert text.startswith("Could not export the trace: the warmup source (ScriptedSource) has "
                           "no worker to write it on")
    with pytest.raises(TypeError, match="write must be callable, got 3"):
        TraceExport(check_source(ScriptedSource([], FrozenClock())), write=3)


def test_plugin_export_trace_toasts_where_it_wrote_or_why_not(controller, tmp_path):
    from imwarmup.panels import DiagnosticsPlugin
    from imwarmup.testing import FrozenClock, ScriptedSource, plan
    from imwarmup.theme import Role

    plugin = DiagnosticsPlugin(controller, palette=False)
    export = plugin.debug_window.trace_export
    target = tmp_path / "warmup.trace.json"
    assert plugin.export_trace(str(target)) == f"Writing the trace to {target}…"
    command = {c.name: c.run for c in plugin.commands()}["Warmup: Export trace"]
    assert command.__func__ is DiagnosticsPlugin.export_trace      # the palette runs the same
    assert "Already writing" in plugin.export_trace(str(target))     # one export at a time
    export._job.result(30)
    plugin._trace_exported()                                         # what the frame does
    toast = plugin.toasts.toasts[-1]
    assert toast.role is Role.READY and toast.text.startswith(f"Trace written to {target} (")
    assert target.exists() and export.message == toast.text         # the window's line too

    scripted = DiagnosticsPlugin(ScriptedSource([plan("json")], FrozenClock()), palette=False)
    scripted.export_trace()
    toast = scripted.toasts.toasts[-1]
    assert toast.role is Role.FAILED and "has no worker to write it on" in toast.text


def test_copy_report_lists_slow_imports_without_the_window_ever_opened(tmp_path, monkeypatch):
    """'Warmup: Copy report' from the palette, the diagnostics window never drawn (so it has no
    snapshot): the report still names the slow canary's costliest sub-imports."""
    from imwarmup import WarmupController
    from imwarmup.panels import DiagnosticsPlugin

    burn = "import time\n_end = time.thread_time() + {s}\nwhile time.thread_time() < _end: pass\n"
    (tmp_path / "iw_slow_pkg").mkdir()
    (tmp_path / "iw_slow_pkg" / "__init__.py").write_text("import iw_slow_pkg.costly\n")
    (tmp_path / "iw_slow_pkg" / "costly.py").write_text(burn.format(s=0.12))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "iw_slow_pkg", raising=False)
    monkeypatch.delitem(sys.modules, "iw_slow_pkg.costly", raising=False)
    controller = WarmupController(["iw_slow_pkg"], log_to_stderr=False).start()
    try:
        assert controller.wait_for_warmup(30)
        plugin = DiagnosticsPlugin(controller, palette=False)
        assert plugin.debug_window._snapshot is None               # never drawn
        text = plugin.report_text()
        section = text[text.index("Slow imports"):].splitlines()
        assert section[1].startswith("  #1 iw_slow_pkg (")
        assert section[2].split()[-1] == "iw_slow_pkg.costly"      # the costliest, by self time
    finally:
        controller.shutdown(wait=True, timeout=5)
        for name in ("iw_slow_pkg", "iw_slow_pkg.costly"):
            sys.modules.pop(name, None)
