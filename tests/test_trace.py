"""The Chrome trace-event export (issue 14): the rules Perfetto UI and speedscope need, checked
on real traces of real warmups (nesting per thread, integer tids, metadata, µs units), the GUI
frames track, clamping, and GET /api/trace."""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time

import pytest
from modgen import HANG, controllers, gen  # noqa: F401 - shared modules and fixtures

from imwarmup import HookServer
from imwarmup.core.trace import FRAMES_TRACK, build_trace, trace_events, write_trace


def speedscope_warnings(trace: dict) -> list[str]:
    """What speedscope says importing ``trace``: a line-by-line port of its trace-event importer
    (jlfwong/speedscope, src/import/trace-event.ts: convertToEventQueues, selectQueueToTakeFromNext,
    eventListToProfile), which reads B, E and X events per (pid, tid) and warns where an end
    does not match the frame on top of its stack, or a frame is still open at the end. Any
    warning means the thread's flame graph is wrong from there on."""
    warnings: list[str] = []
    tracks: dict[tuple, list[dict]] = {}
    for e in trace["traceEvents"]:
        if e["ph"] in ("B", "E", "X"):
            tracks.setdefault((e["pid"], e["tid"]), []).append(e)

    def key(e: dict) -> str:   # getEventId: the name, then the args as JSON ({} included)
        name = e.get("name") or "(unnamed)"
        return name if e.get("args") is None else f"{name} {json.dumps(e['args'])}"

    for events in tracks.values():
        x = sorted((e for e in events if e["ph"] == "X"), key=lambda e: (e["ts"], -e.get("dur", 0)))
        begins = [e for e in events if e["ph"] == "B"] + [dict(e, ph="B") for e in x]
        ends = [e for e in events if e["ph"] == "E"] + [
            dict(e, ph="E", ts=e["ts"] + e.get("dur", 0)) for e in x]
        begins.sort(key=lambda e: e["ts"])   # stable, as speedscope's sortBy
        ends.sort(key=lambda e: e["ts"])
        stack: list[dict] = []
        while begins or ends:
            if not ends or (begins and (begins[0]["ts"] < ends[0]["ts"] or (
                    begins[0]["ts"] == ends[0]["ts"] and key(begins[0]) == key(ends[0])))):
                stack.append(begins.pop(0))
                continue
            if stack:   # an end at the same ts that matches the top of the stack goes first
                top = stack[-1]
                same = [i for i, e in enumerate(ends) if e["ts"] == ends[0]["ts"]]
                match = next((i for i in same[1:] if key(ends[i]) == key(top)), None)
                if match is None:
                    match = next((i for i in same[1:] if ends[i]["name"] == top["name"]), None)
                if match is not None:
                    ends[0], ends[match] = ends[match], ends[0]
            e = ends.pop(0)
            if not stack:
                warnings.append(f"Tried to end frame {key(e)!r}, but the stack was empty")
            elif e["name"] != stack[-1]["name"]:
                warnings.append(f"ts={e['ts']}: Tried to end {key(e)!r} when "
                                f"{key(stack[-1])!r} was on the top of the stack")
            else:
                stack.pop()
        warnings += [f"Frame {key(f)!r} was still open at end of profile" for f in stack[::-1]]
    return warnings


def check_trace_rules(trace: dict) -> dict[int, str]:
    """Assert the trace-event rules; return tid -> thread name."""
    assert set(trace) >= {"traceEvents", "displayTimeUnit"}
    events = trace["traceEvents"]
    json.dumps(trace)  # JSON all the way down
    pids = {e["pid"] for e in events}
    assert len(pids) == 1 and isinstance(next(iter(pids)), int)
    meta = [e for e in events if e["ph"] == "M"]
    spans = [e for e in events if e["ph"] == "X"]
    instants = [e for e in events if e["ph"] == "i"]
    assert len(meta) + len(spans) + len(instants) == len(events), "only X, i and M events"
    assert len([e for e in meta if e["name"] == "process_name"]) == 1
    names = {e["tid"]: e["args"]["name"] for e in meta if e["name"] == "thread_name"}
    assert len(set(names.values())) == len(names), "one track per thread"
    for e in spans + instants:
        assert isinstance(e["tid"], int) and not isinstance(e["tid"], bool)
        assert 1 <= e["tid"] <= len(names), "small integer tids"
        assert e["tid"] in names, f"tid {e['tid']} has no thread_name"
        assert isinstance(e["ts"], int) and e["ts"] >= 0, "whole µs"
        assert isinstance(e["name"], str) and e["name"]
    for e in spans:   # a zero-length X throws speedscope's stack off (see speedscope_warnings)
        assert isinstance(e["dur"], int) and e["dur"] > 0, f"{e['name']}: dur {e['dur']}"
    for e in instants:
        assert e["s"] == "t" and "dur" not in e, "an instant on its thread's track"
    # Nested properly per thread: two events on one track either nest or do not overlap.
    for tid in names:
        track = sorted((e for e in spans if e["tid"] == tid), key=lambda e: (e["ts"], -e["dur"]))
        stack: list[dict] = []
        for e in track:
            while stack and e["ts"] >= stack[-1]["ts"] + stack[-1]["dur"]:
                stack.pop()
            if stack:
                top = stack[-1]
                assert e["ts"] + e["dur"] <= top["ts"] + top["dur"], (
                    f"partial overlap on {names[tid]}: {e['name']} {e['ts']}+{e['dur']} "
                    f"against {top['name']} {top['ts']}+{top['dur']}")
            stack.append(e)
    assert speedscope_warnings(trace) == [], "speedscope would draw this trace wrong"
    return names


def wait_until_blocked_on_a_module_lock(controller, canary_id: int) -> None:
    """Wait (bounded) until canary ``canary_id``'s worker waits for a module lock."""
    deadline = time.monotonic() + HANG
    while True:
        assert time.monotonic() < deadline, f"canary {canary_id} never waited for a module lock"
        ident = controller.canaries()[canary_id - 1]["thread_id"]
        frame = sys._current_frames().get(ident) if ident else None
        if frame is not None and frame.f_code.co_name == "acquire":
            return
        threading.Event().wait(0.005)


def by_cat(trace: dict, cat: str) -> list[dict]:
    return [e for e in trace["traceEvents"] if e.get("cat") == cat]


def test_a_real_warmup_trace_follows_the_rules(controllers, gen):
    gate = gen.gate()
    shared = gen.blocking(gate, "shared")
    leaf = gen.module("import colorsys\n", "leaf")
    first = gen.module(f"import {leaf}\nimport {shared}\n", "first")
    second = gen.module(f"import {gate.__name__} as g\ng.started.wait({HANG})\nimport {shared}\n",
                        "second")
    broken = gen.module("raise ImportError('no SDK here')\n", "broken")
    controller = controllers([first, second, broken], max_workers=3, concurrency=None)
    controller.start()
    assert gate.started.wait(HANG)
    wait_until_blocked_on_a_module_lock(controller, canary_id=2)
    running = build_trace(controller)  # while the shared module still imports
    check_trace_rules(running)
    gate.release.set()
    assert controller.wait_for_warmup(HANG)
    trace = build_trace(controller)
    names = check_trace_rules(trace)
    canaries = {c["canary_id"]: c for c in controller.canaries()}
    assert sorted(names.values()) == sorted({c["thread_name"] for c in canaries.values()})
    # One canary event per canary, in µs, with its args.
    events = {e["args"]["canary_id"]: e for e in by_cat(trace, "canary")}
    assert set(events) == set(canaries)
    origin = min(c["submit_ts"] for c in canaries.values())
    for cid, e in events.items():
        c = canaries[cid]
        assert names[e["tid"]] == c["thread_name"]
        assert e["name"] == e["args"]["module"] == c["module"]
        assert e["args"]["status"] == c["status"]
        assert abs(e["ts"] - (c["start_ts"] - origin) * 1e6) <= 1
        assert abs(e["dur"] - c["elapsed_ms"] * 1e3) <= 2
        assert e["args"]["cpu_ms"] == pytest.approx(c["cpu_ms"], abs=1e-3)
    assert events[3]["args"]["status"] == "failed"
    assert "no SDK here" in events[3]["args"]["error"]
    # Every import of every tree, under its canary on its thread, with self/cum/cpu.
    imports = by_cat(trace, "import")
    trees = controller.import_trees()
    assert len(imports) == sum(len(t) for t in trees.values())
    for e in imports:
        assert names[e["tid"]] == canaries[e["args"]["canary_id"]]["thread_name"]
        assert {"module", "self_ms", "cum_ms", "cpu_ms", "self_cpu_ms"} <= set(e["args"])
    first_imports = [e["name"] for e in imports if e["args"]["canary_id"] == 1]
    assert first_imports[:2] == [first, leaf] and shared in first_imports
    # The second import waited for the shared module's lock: a lock-wait event nests there.
    (wait,) = by_cat(trace, "lock_wait")
    assert wait["name"] == f"lock wait: {shared}"
    assert wait["args"]["holder"] == canaries[1]["thread_name"]
    assert names[wait["tid"]] == canaries[2]["thread_name"]
    assert wait["dur"] > 0


def test_gui_frames_get_their_own_track(controllers):
    controller = controllers(["json"], max_workers=1)
    controller.start()
    assert controller.wait_for_warmup(HANG)
    start = controller.canaries()[0]["submit_ts"]
    for i in range(4):
        controller.frames.mark(start + 0.016 * i)
    trace = build_trace(controller)
    names = check_trace_rules(trace)
    frames = by_cat(trace, "frame")
    assert len(frames) == 3  # the last mark is a frame still running
    assert {names[e["tid"]] for e in frames} == {FRAMES_TRACK}
    assert [e["ts"] for e in frames] == [0, 16000, 32000]
    assert all(e["dur"] == 16000 for e in frames)
    assert max(names) == [t for t, n in names.items() if n == FRAMES_TRACK][0]  # last track


def test_children_are_clamped_into_their_parent_and_after_their_sibling():
    canary = {"canary_id": 7, "module": "pkg", "thread_name": "controller-io-1",
              "submit_ts": 10.0, "start_ts": 10.0, "end_ts": 10.010, "status": "completed",
              "elapsed_ms": 10.0}
    tree = [
        # node 0 starts before its canary and ends after it
        {"module": "pkg", "parent": None, "start_ts": 9.999, "end_ts": 10.011, "self_ms": 1.0},
        {"module": "pkg.a", "parent": 0, "start_ts": 10.001, "end_ts": 10.006},
        # starts before its sibling ended, and ends after its parent
        {"module": "pkg.b", "parent": 0, "start_ts": 10.005, "end_ts": 10.020},
        {"module": "pkg.b.c", "parent": 2, "start_ts": 10.004, "end_ts": 10.007},
    ]
    events = trace_events([canary], {7: tree}, now=11.0)
    spans = {e["name"] + ("" if e["cat"] == "import" else "#canary"): (e["ts"], e["ts"] + e["dur"])
             for e in events if e["ph"] == "X"}
    assert spans == {"pkg#canary": (0, 10000), "pkg": (0, 10000), "pkg.a": (1000, 6000),
                     "pkg.b": (6000, 10000), "pkg.b.c": (6000, 7000)}
    check_trace_rules({"traceEvents": events, "displayTimeUnit": "ms"})


def test_running_canaries_end_at_now_and_queued_ones_are_left_out():
    rows = [
        {"canary_id": 1, "module": "a", "thread_name": "controller-io-0", "submit_ts": 0.0,
         "start_ts": 0.5, "end_ts": None, "status": "running"},
        {"canary_id": 2, "module": "b", "thread_name": None, "submit_ts": 0.0,
         "start_ts": None, "end_ts": None, "status": "running"},
        {"canary_id": 3, "module": "c", "thread_name": "MainThread", "submit_ts": 0.0,
         "start_ts": 0.1, "end_ts": 0.2, "status": "completed"},
    ]
    tree = [{"module": "a", "parent": None, "start_ts": 0.5, "end_ts": None}]
    events = trace_events(rows, {1: tree}, now=2.0)
    names = check_trace_rules({"traceEvents": events, "displayTimeUnit": "ms"})
    assert names == {1: "MainThread", 2: "controller-io-0"}
    spans = [(e["name"], e["ts"], e["dur"]) for e in events if e["ph"] == "X"]
    assert spans == [("c", 100000, 100000), ("a", 500000, 1500000), ("a", 500000, 1500000)]


def test_write_trace_writes_json_and_says_how_many_events(controllers, tmp_path):
    controller = controllers(["json"], max_workers=1).start()
    assert controller.wait_for_warmup(HANG)
    path = tmp_path / "t.json"
    count = write_trace(controller, path)
    data = json.loads(path.read_text())
    assert count == len(data["traceEvents"]) and count >= 4
    check_trace_rules(data)
    with pytest.raises(OSError):
        write_trace(controller, tmp_path / "missing" / "t.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.json"]  # no temporary left


def test_api_trace_serves_the_trace(controllers):
    controller = controllers(["json"], max_workers=1)
    controller.start()
    assert controller.wait_for_warmup(HANG)
    with HookServer(controller) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            conn.request("GET", "/api/trace")
            response = conn.getresponse()
            body = json.loads(response.read())
            assert response.status == 200
            conn.request("GET", "/api/trace?x=1")
            refused = conn.getresponse()
            assert refused.status == 400 and "takes no query parameters" in refused.read().decode()
        finally:
            conn.close()
    check_trace_rules(body)
    assert [e["name"] for e in by_cat(body, "canary")] == ["json"]
    assert [e["name"] for e in by_cat(body, "import")] == ["json"]


def test_the_rule_check_refuses_a_partial_overlap():
    """The checker above can fail: two events on one track that overlap without nesting."""
    meta = [{"name": "process_name", "ph": "M", "pid": 1, "tid": 0, "args": {"name": "p"}},
            {"name": "thread_name", "ph": "M", "pid": 1, "tid": 1, "args": {"name": "t"}}]
    bad = meta + [{"name": "a", "ph": "X", "pid": 1, "tid": 1, "ts": 0, "dur": 10},
                  {"name": "b", "ph": "X", "pid": 1, "tid": 1, "ts": 5, "dur": 10}]
    with pytest.raises(AssertionError, match="partial overlap on t: b 5\\+10 against a 0\\+10"):
        check_trace_rules({"traceEvents": bad, "displayTimeUnit": "ms"})
    good = meta + [{"name": "a", "ph": "X", "pid": 1, "tid": 1, "ts": 0, "dur": 10},
                   {"name": "b", "ph": "X", "pid": 1, "tid": 1, "ts": 10, "dur": 10}]
    check_trace_rules({"traceEvents": good, "displayTimeUnit": "ms"})


# A canary whose first sub-import lasted 0.2 µs, right before its next sibling started: rounded
# to whole µs the two start at the same microsecond, and the first one lasts nothing.
ZERO_CANARY = {"canary_id": 1, "module": "pkg", "thread_name": "controller-io-0", "submit_ts": 0.0,
               "start_ts": 0.0, "end_ts": 0.010, "status": "completed"}
ZERO_TREE = [
    {"module": "pkg", "parent": None, "start_ts": 0.0, "end_ts": 0.010},
    {"module": "pkg.a", "parent": 0, "start_ts": 0.001, "end_ts": 0.0010002, "self_ms": 0.0002},
    {"module": "pkg.b", "parent": 0, "start_ts": 0.0010003, "end_ts": 0.005},
]


def test_an_import_shorter_than_a_microsecond_is_an_instant_so_speedscope_keeps_the_tree():
    events = trace_events([ZERO_CANARY], {1: ZERO_TREE}, now=1.0)
    trace = {"traceEvents": events, "displayTimeUnit": "ms"}
    check_trace_rules(trace)   # speedscope's importer included: no warning
    (a,) = [e for e in events if e["name"] == "pkg.a"]
    assert (a["ph"], a["s"], a["ts"], "dur" in a) == ("i", "t", 1000, False)
    assert a["args"] == {"canary_id": 1, "module": "pkg.a", "self_ms": 0.0}   # args kept
    spans = [(e["name"], e["ts"], e["dur"]) for e in events if e["ph"] == "X"]
    assert spans == [("pkg", 0, 10000), ("pkg", 0, 10000), ("pkg.b", 1000, 4000)]


def test_the_speedscope_check_catches_a_zero_length_x_event():
    """The same events with pkg.a as an X of dur 0 (what the export wrote before): speedscope
    nests pkg.b inside pkg.a, and every end after it on that thread misses (checked against
    speedscope's own importer, built from its sources: the same 8 warnings)."""
    events = trace_events([ZERO_CANARY], {1: ZERO_TREE}, now=1.0)
    for e in events:
        if e["ph"] == "i":
            e.pop("s")
            e["ph"], e["dur"] = "X", 0
    warnings = speedscope_warnings({"traceEvents": events})
    assert len(warnings) == 8
    assert warnings[0].startswith("ts=1000: Tried to end 'pkg.a ")
    assert warnings[4].startswith("Frame 'pkg.a ") and "still open" in warnings[4]
    with pytest.raises(AssertionError):
        check_trace_rules({"traceEvents": events, "displayTimeUnit": "ms"})


def test_a_failed_write_names_the_file_and_leaves_nothing_behind(controllers, tmp_path):
    controller = controllers(["json"], max_workers=1).start()
    assert controller.wait_for_warmup(HANG)
    folder = tmp_path / "a-folder"
    folder.mkdir()
    # The temporary file is written, then the rename onto a folder fails.
    with pytest.raises(OSError) as caught:
        write_trace(controller, folder)
    assert caught.value.filename == str(folder)     # the path asked for, not the temporary
    assert str(folder) in str(caught.value) and ".tmp" not in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-folder"]
    assert list(folder.iterdir()) == []
