"""The GUI frames during warmup as figures: p50, p99, the worst frame and what ran on the workers
then, and every hitch (over 2x the median or over 50 ms). What ``GET /api/frames`` answers and
the frames lane's tooltips say. Pure Python, no GUI import.

Quick start::

    frame_summary(controller.frames, controller.canaries())
    # {"count": 412, "p50_ms": 16.7, "p99_ms": 48.0, "worst_ms": 216.0, "worst_start": ...,
    #  "worst_culprits": [{"module": "pandas", "thread_name": "controller-io-3", ...}],
    #  "hitches": [{"frame": 213, "start": ..., "ms": 216.0, "culprits": [...], "text": ...}]}
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

__all__ = ["HITCH_MS", "HITCH_FACTOR", "frame_summary", "culprits", "inner_module", "hitch_text",
           "is_hitch"]

#: A frame longer than this is a hitch, whatever the median.
HITCH_MS = 50.0
#: A frame longer than this many medians is a hitch.
HITCH_FACTOR = 2.0


def is_hitch(ms: float, p50_ms: float) -> bool:
    """Over ``HITCH_FACTOR`` times the median or over ``HITCH_MS``."""
    return ms > HITCH_MS or ms > HITCH_FACTOR * p50_ms


def culprits(canaries: Iterable[dict[str, Any]], start: float, end: float,
             trees: Mapping[int, Sequence[Mapping[str, Any]]] | None = None,
             ) -> list[dict[str, Any]]:
    """The imports that ran on a worker during ``[start, end)`` (canary clock), the likeliest
    cause first: the longest overlap, weighed by how much of the import was its own work
    (``cpu_ms / elapsed_ms`` when known: a module that sleeps beside a frame does not slow it):
    ``[{"module", "thread_name", "canary_id", "inner"}]``. Imports on the main thread
    are left out (they are in the frame, not beside it). With the canaries' import ``trees``
    (``controller.import_trees()``), ``inner`` names the nested module whose own code ran
    longest during the frame (``"pandas._libs.tslibs"`` under ``pandas``); None without a tree
    or when that was the canary's module itself."""
    found = []
    for c in canaries:
        s, e = c.get("start_ts"), c.get("end_ts")
        if s is None or c.get("main_thread"):
            continue
        e = end if e is None else e
        overlap = min(e, end) - max(s, start)
        if overlap > 0:
            tree = trees.get(c["canary_id"]) if trees else None
            found.append((overlap * _busy(c), {"module": c["module"], "thread_name": c.get("thread_name"),
                                    "canary_id": c["canary_id"],
                                    "inner": inner_module(tree, start, end) if tree else None}))
    found.sort(key=lambda pair: -pair[0])
    return [entry for _overlap, entry in found]


def _busy(canary: Mapping[str, Any]) -> float:
    """The share of an ended import's time that was its own work (thread CPU / elapsed): an
    import that slept or waited beside a frame did not hold the interpreter lock the frame
    needed. 1.0 when not known (still running, no CPU time)."""
    cpu, elapsed = canary.get("cpu_ms"), canary.get("elapsed_ms")
    if cpu is None or not elapsed:
        return 1.0
    return min(max(float(cpu) / float(elapsed), 0.01), 1.0)


def inner_module(tree: Sequence[Mapping[str, Any]], start: float, end: float) -> str | None:
    """The module of ``tree`` (``import_tree()``'s pre-order nodes) whose own code, its
    children's time taken out, overlapped ``[start, end)`` the most; None when that is the
    root (the canary's own module) or nothing overlapped."""
    def overlap(node: Mapping[str, Any]) -> float:
        s, e = node.get("start_ts"), node.get("end_ts")
        if s is None:
            return 0.0
        e = end if e is None else e
        return max(0.0, min(e, end) - max(s, start))

    own = [overlap(node) for node in tree]
    for node, total in zip(tree, list(own)):
        parent = node.get("parent")
        if parent is not None and 0 <= parent < len(own):
            own[parent] -= total
    if not own:
        return None
    best = max(range(len(own)), key=lambda i: (own[i], tree[i].get("depth", 0)))
    if best == 0 or own[best] <= 0.0:
        return None
    return str(tree[best]["module"])


def hitch_text(number: int, ms: float, blamed: Sequence[dict[str, Any]]) -> str:
    """``"frame 213: 216 ms while pandas (in pandas._libs.tslibs) was importing on
    controller-io-3"``."""
    text = f"frame {number}: {ms:.0f} ms"
    if not blamed:
        return text + " (no import was running)"
    first = blamed[0]
    inner = f" (in {first['inner']})" if first.get("inner") else ""
    text += f" while {first['module']}{inner} was importing on {first['thread_name']}"
    if len(blamed) > 1:
        others = ", ".join(b["module"] for b in blamed[1:4])
        more = len(blamed) - 4
        text += f" (and {others}{f' and {more} more' if more > 0 else ''})"
    return text


def frame_summary(frames: Any, canaries: Sequence[dict[str, Any]],
                  start: float | None = None, end: float | None = None,
                  trees: Mapping[int, Sequence[Mapping[str, Any]]] | None = None,
                  ) -> dict[str, Any]:
    """Frame figures from ``frames`` (a ``FrameLog``) between ``start`` and ``end`` (canary
    clock; default: the frames the log holds), each hitch blamed on the imports running then
    (and, with the import ``trees``, on the nested module that ran: see ``culprits``).

    Returns:
        ``{"count": 0, "hitches": []}`` when there is no frame; else ``FrameLog.stats()``'s
        ``count, p50_ms, p99_ms, worst_ms, worst_start`` plus ``worst_culprits`` and
        ``hitches``: ``[{"frame", "start", "ms", "culprits", "text"}]`` (``frame`` counts from 1
        in the log).
    """
    stats = frames.stats(start, end) if frames is not None else None
    if stats is None:
        return {"count": 0, "hitches": []}
    all_frames = frames.frames(start, end)
    p50 = stats["p50_ms"]
    hitches = []
    for number, (frame_start, interval) in enumerate(all_frames, 1):
        ms = interval * 1000.0
        if is_hitch(ms, p50):
            blamed = culprits(canaries, frame_start, frame_start + interval, trees)
            hitches.append({"frame": number, "start": frame_start, "ms": ms,
                            "culprits": blamed, "text": hitch_text(number, ms, blamed)})
    worst_start = stats["worst_start"]
    summary = dict(stats)
    summary["worst_culprits"] = culprits(canaries, worst_start,
                                         worst_start + stats["worst_ms"] / 1000.0, trees)
    summary["hitches"] = hitches
    return summary
