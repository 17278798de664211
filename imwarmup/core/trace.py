"""The warmup as a Chrome trace-event file: Perfetto UI (ui.perfetto.dev), chrome://tracing and
speedscope open it (issue 14).

Quick start::

    from imwarmup.core.trace import build_trace, write_trace
    write_trace(controller, "warmup.trace.json")      # or: python -m imwarmup text --trace PATH
                                                      # or: GET /api/trace on the hook server

What is in it:

- one ``X`` (complete) event per canary that ran, and one per module its import executed (the
  import tree, ``controller.import_tree()``), nested under it on its worker's track; waits for a
  module lock another thread held are ``X`` events too (``lock wait: numpy``);
- ``ts`` and ``dur`` in whole microseconds from the first canary's submit; children are clamped
  into their parent and after their previous sibling, because Perfetto refuses partial overlaps
  on a track;
- an event that lasts under half a microsecond (or none once clamped) is a thread-scoped
  instant event (``"ph": "i", "s": "t"``) with the same ``args``, never an ``X`` with
  ``dur: 0``: speedscope puts a zero-length ``X`` inside a sibling that starts at the same
  microsecond and then mismatches every later end on that thread;
- small integer ``tid`` s, each named by a ``thread_name`` metadata event (``controller-io-0``,
  ``MainThread``), one ``pid`` named by ``process_name``;
- ``args``: canary_id, module, status, error, self_ms, cum_ms, cpu_ms (with children) and
  self_cpu_ms (its own code) when known;
- with ``controller.frames`` (the GUI's frame log), a "GUI frames" track with one event per frame.

Pure Python, no GUI import.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Iterable, Mapping

__all__ = ["build_trace", "write_trace", "trace_events"]

FRAMES_TRACK = "GUI frames"


def _us(seconds: float, origin: float) -> int:
    return int(round((seconds - origin) * 1_000_000))


def _ms(value: Any) -> float | None:
    return None if value is None else round(float(value), 3)


def _clean(args: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in args.items() if v is not None}


def _track_order(name: str) -> tuple[int, str, int]:
    """MainThread first, then the workers by name and number (controller-io-2 before -10),
    the frames track last."""
    stem, _, number = name.rpartition("-")
    rank = 0 if name == "MainThread" else 2 if name == FRAMES_TRACK else 1
    if stem and number.isdigit():
        return rank, stem, int(number)
    return rank, name, -1


class _Tracks:
    """Thread name -> small integer tid (1, 2, ...), in ``_track_order``."""

    def __init__(self, names: Iterable[str]) -> None:
        self.tids = {name: i for i, name in enumerate(sorted(set(names), key=_track_order), 1)}

    def tid(self, name: str) -> int:
        return self.tids[name]


def _span(start: int, end: int, lo: int, hi: int) -> tuple[int, int]:
    """``[start, end]`` clamped into ``[lo, hi]``, never negative in length."""
    start = min(max(start, lo), hi)
    end = min(max(end, start), hi)
    return start, end


def trace_events(
    canaries: Iterable[Mapping[str, Any]],
    trees: Mapping[int, list[dict[str, Any]]] | None = None,
    frames: list[tuple[float, float]] | None = None,
    *,
    now: float,
    pid: int = 1,
    process_name: str = "imwarmup",
) -> list[dict[str, Any]]:
    """The trace events of ``canaries`` (``controller.canaries()``), their import ``trees``
    (``controller.import_trees()``) and GUI ``frames`` (``FrameLog.frames()``); canaries and
    imports still running end at ``now``. Times are µs after the first submit."""
    rows = list(canaries)
    trees = trees or {}
    starts = [c["submit_ts"] for c in rows if c.get("submit_ts") is not None]
    origin = min(starts) if starts else (frames[0][0] if frames else now)
    names = [str(c.get("thread_name") or "?") for c in rows if c.get("start_ts") is not None]
    tracks = _Tracks(names + ([FRAMES_TRACK] if frames else []))
    body: list[dict[str, Any]] = []
    for c in sorted(rows, key=lambda c: (c.get("start_ts") is None, c.get("start_ts") or 0.0)):
        start = c.get("start_ts")
        if start is None:
            continue  # queued or cancelled before it ran: nothing happened on any thread
        end = c.get("end_ts")
        end = now if end is None else end
        tid = tracks.tid(str(c.get("thread_name") or "?"))
        c0 = _us(start, origin)
        c1 = max(_us(end, origin), c0)
        body.append({
            "name": c["module"], "cat": "canary", "ph": "X", "pid": pid, "tid": tid,
            "ts": c0, "dur": c1 - c0,
            "args": _clean({"canary_id": c["canary_id"], "module": c["module"],
                            "status": c.get("status"), "error": c.get("error"),
                            "elapsed_ms": _ms(c.get("elapsed_ms")), "cpu_ms": _ms(c.get("cpu_ms")),
                            "retried": c.get("retried"), "main_thread": c.get("main_thread")}),
        })
        body.extend(_tree_events(c["canary_id"], trees.get(c["canary_id"]) or [], c0, c1,
                                 origin, now, pid, tid))
    if frames:
        tid = tracks.tid(FRAMES_TRACK)
        previous_end = None
        for frame_start, interval in frames:
            f0 = _us(frame_start, origin)
            if previous_end is not None:
                f0 = max(f0, previous_end)
            f1 = max(_us(frame_start + interval, origin), f0)
            previous_end = f1
            body.append({"name": "frame", "cat": "frame", "ph": "X", "pid": pid, "tid": tid,
                         "ts": f0, "dur": f1 - f0,
                         "args": {"interval_ms": round(interval * 1000.0, 3)}})
    for event in body:
        if event["dur"] == 0:   # see the module docstring: an instant, not a zero-length X
            del event["dur"]
            event["ph"], event["s"] = "i", "t"
    meta: list[dict[str, Any]] = [
        {"name": "process_name", "ph": "M", "pid": pid, "tid": 0,
         "args": {"name": process_name}},
    ]
    for name, tid in tracks.tids.items():
        meta.append({"name": "thread_name", "ph": "M", "pid": pid, "tid": tid,
                     "args": {"name": name}})
        meta.append({"name": "thread_sort_index", "ph": "M", "pid": pid, "tid": tid,
                     "args": {"sort_index": tid}})
    return meta + body


def _tree_events(canary_id: int, tree: list[dict[str, Any]], c0: int, c1: int, origin: float,
                 now: float, pid: int, tid: int) -> list[dict[str, Any]]:
    """The import tree's events, each clamped into its parent (node 0 into the canary) and
    after the previous event at its level."""
    events: list[dict[str, Any]] = []
    # Per node: its clamped span, and where the next child may start.
    spans: list[tuple[int, int]] = []
    cursor: list[int] = []
    root_cursor = c0
    for node in tree:
        parent = node.get("parent")
        if parent is None or parent >= len(spans):
            lo, hi, after = c0, c1, root_cursor
        else:
            lo, hi = spans[parent]
            after = cursor[parent]
        end = node.get("end_ts")
        s, e = _span(_us(node["start_ts"], origin), _us(now if end is None else end, origin),
                     max(lo, after), hi)
        spans.append((s, e))
        cursor.append(s)
        if parent is None or parent >= len(spans) - 1:
            root_cursor = e
        else:
            cursor[parent] = e
        events.append({
            "name": node["module"], "cat": "import", "ph": "X", "pid": pid, "tid": tid,
            "ts": s, "dur": e - s,
            "args": _clean({"canary_id": canary_id, "module": node["module"],
                            "self_ms": _ms(node.get("self_ms")), "cum_ms": _ms(node.get("cum_ms")),
                            "cpu_ms": _ms(node.get("cpu_ms")),
                            "self_cpu_ms": _ms(node.get("self_cpu_ms")), "error": node.get("error"),
                            "depth": node.get("depth")}),
        })
        index = len(spans) - 1
        for wait in node.get("lock_waits") or ():
            if wait.get("start_ts") is None or wait.get("end_ts") is None:
                continue
            w0, w1 = _span(_us(wait["start_ts"], origin), _us(wait["end_ts"], origin),
                           max(s, cursor[index]), e)
            cursor[index] = w1
            events.append({
                "name": f"lock wait: {wait['module']}", "cat": "lock_wait", "ph": "X",
                "pid": pid, "tid": tid, "ts": w0, "dur": w1 - w0,
                "args": _clean({"canary_id": canary_id, "module": wait["module"],
                                "holder": wait.get("holder"), "wait_ms": _ms(wait.get("wait_ms"))}),
            })
    return events


def build_trace(controller: Any, *, now: float | None = None) -> dict[str, Any]:
    """The whole trace of ``controller``'s warmup, as a JSON-ready dict
    (``{"traceEvents": [...], "displayTimeUnit": "ms", "otherData": {...}}``).

    ``controller`` needs ``canaries()``; ``import_trees()`` and ``frames`` are used when it has
    them. ``now`` (the canaries' clock) ends what is still running; by default the
    controller's clock, else the newest time in the canaries.
    """
    canaries = controller.canaries()
    trees = controller.import_trees() if callable(getattr(controller, "import_trees", None)) else {}
    if now is None:
        clock = getattr(controller, "_clock", None)
        if callable(clock):
            now = clock()
        else:
            times = [t for c in canaries for t in (c.get("end_ts"), c.get("start_ts"),
                                                  c.get("submit_ts")) if t is not None]
            now = max(times, default=0.0)
    frames = None
    log = getattr(controller, "frames", None)
    if log is not None and callable(getattr(log, "frames", None)):
        starts = [c["submit_ts"] for c in canaries if c.get("submit_ts") is not None]
        frames = log.frames(min(starts), None) if starts else log.frames()
    events = trace_events(canaries, trees, frames, now=now, pid=os.getpid(),
                          process_name=f"imwarmup: {os.path.basename(sys.argv[0] or 'python')}")
    return {
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": {"generator": "imwarmup", "canaries": len(canaries),
                      "import_trees": bool(trees)},
    }


def write_trace(controller: Any, path: str | os.PathLike[str]) -> int:
    """Write ``build_trace(controller)`` to ``path`` (JSON); return how many events it has.

    The file appears whole or not at all (written beside it, then renamed); a failed write
    leaves nothing behind.

    Raises:
        OSError: the file cannot be written (its folder is missing, no permission, a full
            disk); its ``filename`` is ``path``, never the temporary file's name.
    """
    trace = build_trace(controller)
    target = os.fspath(path)
    tmp = f"{target}.tmp{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(trace, f, separators=(",", ":"))
        os.replace(tmp, target)
    except OSError as exc:
        try:
            os.remove(tmp)
        except OSError:
            pass   # never created, or already gone
        raise OSError(exc.errno, exc.strerror or str(exc), target) from exc
    return len(trace["traceEvents"])
