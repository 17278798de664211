"""Plain-text and summary views of the canaries: what "Copy report" puts on the clipboard and what
the text-mode demo prints. Pure functions over canary records (no GUI import).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from .errors import short_error
from .profiler import format_duration

__all__ = [
    "AFTER_MIN_FRAMES",
    "round_frames",
    "TimeSplit",
    "WarmupSummary",
    "SLOW_CANARY_MS",
    "format_canary_table",
    "format_slow_imports",
    "format_text_report",
    "format_time_split",
    "main_thread_import_ms",
    "slow_sub_imports",
    "summarize",
    "time_split",
]

# The summary's frames "after" the round need this many frames logged since its end: a p99 of
# fewer is one frame's accident (the log keeps FRAME_LOG_TAIL_S of them: ~300 at 60 fps).
AFTER_MIN_FRAMES = 60


@dataclass(frozen=True)
class TimeSplit:
    """How one canary's wall time divides: the import's own work (its thread's CPU time) and
    waiting (the rest: the GIL, a module lock another worker held, I/O, sleeps).

    ``lock_waits`` are the waits on module locks that the import tree recorded (issue 14's
    ``controller.import_tree(id)``), summed per holder thread and module, longest first;
    ``other_ms`` is the waiting they do not explain (the GIL, I/O, ...). Without a tree,
    ``lock_waits`` is empty and ``other_ms`` is all the waiting.
    """

    elapsed_ms: float
    own_ms: float
    wait_ms: float
    lock_waits: tuple[tuple[str, str, float], ...] = ()  # (holder thread, module, ms)
    other_ms: float = 0.0

    @property
    def lock_ms(self) -> float:
        return sum(ms for _, _, ms in self.lock_waits)


def time_split(canary: Mapping[str, Any],
               tree: Iterable[Mapping[str, Any]] | None = None) -> TimeSplit | None:
    """Own work vs waiting for an ended canary; None while it runs, for a canary that never
    started, and for a record without ``cpu_ms`` (an app's own source may not measure it).

    Args:
        canary: a canary record (``elapsed_ms`` and ``cpu_ms``).
        tree: the canary's import tree (nodes with ``lock_waits``), or None.
    """
    elapsed, cpu = canary.get("elapsed_ms"), canary.get("cpu_ms")
    if elapsed is None or cpu is None:
        return None
    elapsed = max(float(elapsed), 0.0)
    # CPU time and wall time come from two clocks: a busy import can read a hair over its wall.
    own = min(max(float(cpu), 0.0), elapsed)
    wait = elapsed - own
    per: dict[tuple[str, str], float] = {}
    for node in tree or ():
        for w in node.get("lock_waits") or ():
            key = (str(w.get("holder") or "another thread"), str(w.get("module") or "?"))
            per[key] = per.get(key, 0.0) + max(float(w.get("wait_ms") or 0.0), 0.0)
    waits = sorted(((h, m, ms) for (h, m), ms in per.items() if ms > 0.0),
                   key=lambda t: (-t[2], t[0], t[1]))
    # A lock wait is waiting: never more of it than the bar has (clocks differ by a hair).
    locked = min(sum(ms for _, _, ms in waits), wait)
    return TimeSplit(elapsed_ms=elapsed, own_ms=own, wait_ms=wait, lock_waits=tuple(waits),
                     other_ms=wait - locked)


def format_time_split(split: TimeSplit | None, *, limit: int = 3) -> str:
    """One line a user reads at a glance, e.g. ``own work 950.0 ms · waiting 7.60 s (GIL,
    other imports)``; with recorded lock waits, ``waiting 7.60 s: module lock held by
    controller-io-1 (numpy) 1.20 s, by controller-io-2 (httpx) 300.0 ms; GIL/other 6.10 s``.
    ``""`` for None.

    Args:
        split: ``time_split(...)``.
        limit: at most this many lock holders are named; the rest are summed as "more locks".
    """
    if split is None:
        return ""
    own = f"own work {format_duration(split.own_ms)}"
    wait = f"waiting {format_duration(split.wait_ms)}"
    if not split.lock_waits:
        return f"{own} · {wait} (GIL, other imports)"
    named = [f"{'module lock held' if i == 0 else ''} by {holder} ({module}) "
             f"{format_duration(ms)}".lstrip()
             for i, (holder, module, ms) in enumerate(split.lock_waits[:limit])]
    rest = split.lock_waits[limit:]
    if rest:
        named.append(f"{len(rest)} more {format_duration(sum(ms for _, _, ms in rest))}")
    return (f"{own} · {wait}: {', '.join(named)}; "
            f"GIL/other {format_duration(split.other_ms)}")


def main_thread_import_ms(canaries: Iterable[Mapping[str, Any]],
                          spans: Iterable[Sequence[Any]] = ()) -> float:
    """Milliseconds the main thread spent importing heavy modules: the warmup's own canaries
    that ran on the main thread, together with ``spans`` (``(start, end, ...)`` on the
    canaries' clock, e.g. ``MainThreadImportGuard.import_spans()``); overlaps count once."""
    intervals = [(float(c["start_ts"]), float(c["end_ts"])) for c in canaries
                 if c.get("main_thread") and c.get("start_ts") is not None
                 and c.get("end_ts") is not None]
    intervals += [(float(span[0]), float(span[1])) for span in spans]
    total, reach = 0.0, None
    for a, b in sorted(intervals):
        if b <= a:
            continue
        if reach is None or a >= reach:
            total += b - a
            reach = b
        elif b > reach:
            total += b - reach
            reach = b
    return total * 1000.0


@dataclass(frozen=True)
class WarmupSummary:
    modules: int
    completed: int
    failed: int
    cancelled: int
    running: int          # importing now
    queued: int           # submitted, waiting for a worker
    wall_ms: float        # first submit -> last end (or now while running)
    sum_ms: float         # sum of per-module elapsed (counts time waiting for the GIL and locks)
    slowest: str | None
    slowest_ms: float
    main_thread: int      # canaries that ran on the main thread
    retried: int = 0      # imports retried after another import in flight broke them
    own_ms: float = 0.0   # sum of the ended canaries' own work (their threads' CPU time)
    # The main thread's time spent importing heavy modules (see main_thread_import_ms): 0 when
    # the warmup did its job. None: not measured (no canary ended yet).
    main_import_ms: float | None = None
    guarded: bool = False  # a purity guard watched the app's own main-thread imports too
    # Frames the GUI drew while the warmup ran (FrameLog.stats over first submit -> last end):
    # {"count", "p50_ms", "p99_ms", "worst_ms", ...}, or None when the source logs no frames.
    # Once the round ended and the log holds at least AFTER_MIN_FRAMES frames after it, also
    # "after": {"count", "p50_ms", "p99_ms"} of those (the app's own pace, for comparison).
    frames: Mapping[str, Any] | None = None
    # The whole warmup's usual wall time (median of the last 5 runs in the start-up history),
    # None without history: a finished round says "wall 5.7 s (+0.9 s vs usual)".
    usual_wall_ms: float | None = None

    def line(self) -> str:
        """One summary line, e.g. for the debug window's header."""
        parts = [f"{self.modules} module{'s' if self.modules != 1 else ''}",
                 f"{self.completed} completed"]
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.cancelled:
            parts.append(f"{self.cancelled} cancelled")
        if self.retried:
            parts.append(f"{self.retried} retried")
        if self.running or self.queued:
            parts.append(f"{self.running} running, {self.queued} queued")
        text = ", ".join(parts)
        # No "speed-up" from the sum of elapsed: a worker's elapsed is mostly waiting for the
        # interpreter lock, so sum / wall reads as a gain that is not there.
        text += f" | wall {format_duration(self.wall_ms)}"
        if self.usual_wall_ms is not None and not (self.running or self.queued):
            delta = self.wall_ms - self.usual_wall_ms
            text += f" ({'+' if delta >= 0 else '-'}{format_duration(abs(delta))} vs usual)"
        if self.main_import_ms is not None:
            main = format_duration(self.main_import_ms) if self.main_import_ms > 0.0 else "0 ms"
            text += f" | main thread importing {main}"
        if self.frames and self.frames.get("count"):
            text += " | " + self.frames_text()
        if self.slowest:
            text += f" | slowest {self.slowest} ({format_duration(self.slowest_ms)})"
        return text


    def frames_text(self) -> str:
        """``"frames while warming p50 16.7 ms, p99 48.0 ms, worst 216.0 ms during pandas on
        controller-io-3"`` (the worst frame's culprit: the import that ran longest beside it,
        and how many others did); empty without frame figures."""
        f = self.frames
        if not f or not f.get("count"):
            return ""
        text = (f"frames while warming p50 {format_duration(f['p50_ms'])}, "
                f"p99 {format_duration(f['p99_ms'])}, worst {format_duration(f['worst_ms'])}")
        blamed = f.get("worst_culprits") or []
        if blamed:
            first = blamed[0]
            text += f" during {first['module']}"
            if first.get("inner"):
                text += f" (in {first['inner']})"
            if first.get("thread_name"):
                text += f" on {first['thread_name']}"
            if len(blamed) > 1:
                text += f" (+{len(blamed) - 1} more)"
        after = f.get("after")
        if after:
            text += (f"; after it p50 {format_duration(after['p50_ms'])}, "
                     f"p99 {format_duration(after['p99_ms'])}")
        idle = f.get("idle_waits") or 0
        if idle:
            text += f"; the host idled {idle} time{'s' if idle != 1 else ''} (not frames)"
        return text

    def explain(self) -> str:
        """What the line's figures mean, one per line (the summary's tooltip, the report's
        legend)."""
        lines = ["wall: from the first submit to the last import's end (or now)."]
        if self.main_import_ms is not None:
            lines.append("main thread importing: time the GUI thread spent importing heavy "
                         "modules or waiting for a module lock a worker held; 0 when the warmup "
                         "did its job.")
            if not self.guarded:
                lines.append("  Only the warmup's own imports count: no purity guard "
                             "(MainThreadImportGuard) watches the app's.")
        if self.frames and self.frames.get("count"):
            lines.append(f"frames while warming: median, 99th percentile and longest of the "
                         f"{self.frames['count']} frame intervals drawn between the first "
                         f"submit and the last end; the longest is blamed on the import that "
                         f"ran on a worker while it was drawn.")
            after = self.frames.get("after")
            if after:
                lines.append(f"after it: the same figures over the {after['count']} frames "
                             f"drawn since the last end, the app's own pace: what the warmup "
                             f"cost the frames is the difference.")
            if self.frames.get("idle_waits"):
                lines.append("the host idled: it drew no frame while nothing changed "
                             "(hello_imgui's fps_idling) and waited for an event; those waits "
                             "are not frames, and are left out of the figures (the gaps in the "
                             "GUI frames lane).")
        return "\n".join(lines)


def summarize(canaries: Iterable[Mapping[str, Any]], now: float, *, frames: Any = None,
              guard: Any = None, usual_wall_ms: float | None = None,
              trees: Mapping[int, Any] | None = None) -> WarmupSummary:
    """Summary numbers over canary records; running canaries count up to ``now``.

    Args:
        canaries: canary records.
        now: the clock's now (the canaries' clock).
        frames: the source's ``FrameLog`` (``controller.frames``), or anything with
            ``stats(start, end)``; its frames between the first submit and the last end (or
            ``now``) give the frame p99 while warming. None, or a source without frames: no
            frame figures.
        guard: a ``MainThreadImportGuard`` (anything with ``import_spans()``): the app's own
            main-thread heavy imports count in ``main_import_ms`` too.
    """
    canaries = list(canaries)
    n = completed = failed = cancelled = running = queued = main = retried = 0
    first_submit = None
    last_end = None
    total = 0.0
    slowest, slowest_ms = None, -1.0
    for c in canaries:
        n += 1
        status = c["status"]
        start, end = c.get("start_ts"), c.get("end_ts")
        if c.get("main_thread"):
            main += 1
        if c.get("retried"):
            retried += 1
        if status == "completed":
            completed += 1
        elif status == "failed":
            failed += 1
        elif status == "cancelled":
            cancelled += 1
        elif start is None:
            queued += 1
        else:
            running += 1
            end = now
        submit = c.get("submit_ts")
        if submit is not None and (first_submit is None or submit < first_submit):
            first_submit = submit
        if end is not None and (last_end is None or end > last_end):
            last_end = end
        if start is not None and end is not None:
            ms = (end - start) * 1000.0
            total += ms
            if ms > slowest_ms:
                slowest, slowest_ms = c["module"], ms
    if queued and first_submit is not None:
        last_end = now if last_end is None else max(last_end, now)
    wall = (last_end - first_submit) * 1000.0 if first_submit is not None and last_end else 0.0
    wall = max(wall, 0.0)
    spans_of = getattr(guard, "import_spans", None)
    spans = list(spans_of()) if callable(spans_of) else []
    ended = any(c.get("end_ts") is not None for c in canaries)
    main_ms = main_thread_import_ms(canaries, spans) if ended or spans else None
    stats = None
    stats_of = getattr(frames, "stats", None)
    if callable(stats_of) and first_submit is not None:
        stats = stats_of(first_submit, last_end if last_end is not None else now)
    if stats:
        # The worst frame's culprits: the imports that ran on a worker while it was drawn.
        from .frame_summary import culprits

        stats = dict(stats)
        stats["after"] = None
        if last_end is not None and not (running or queued):
            # The frames since the round ended (the frame log keeps FRAME_LOG_TAIL_S of them):
            # a p99 while warming says little without the app's own pace beside it.
            after = stats_of(last_end, None)
            if after and after["count"] >= AFTER_MIN_FRAMES:
                stats["after"] = {k: after[k] for k in ("count", "p50_ms", "p99_ms")}
        worst_start = stats.get("worst_start")
        stats["worst_culprits"] = (
            culprits(canaries, worst_start, worst_start + stats["worst_ms"] / 1000.0, trees)
            if worst_start is not None else [])
    return WarmupSummary(
        modules=n, completed=completed, failed=failed, cancelled=cancelled, running=running,
        queued=queued, wall_ms=wall, sum_ms=total,
        slowest=slowest, slowest_ms=max(slowest_ms, 0.0), main_thread=main, retried=retried,
        own_ms=sum(float(c["cpu_ms"]) for c in canaries if c.get("cpu_ms") is not None),
        main_import_ms=main_ms, guarded=callable(spans_of), frames=stats,
        usual_wall_ms=usual_wall_ms,
    )


def round_frames(canaries: Iterable[Mapping[str, Any]], frames: Any,
                 ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """``(warming, after)``: the summary's frame figures from a ``FrameLog`` (its clock is the
    canaries'): ``count, p50_ms, p99_ms, worst_ms`` of the frames while the round ran, and
    ``count, p50_ms, p99_ms`` of those since (``AFTER_MIN_FRAMES`` at least); each None until
    there is one. For the hook API and the budget helper (``summarize`` gives the same)."""
    clock = getattr(frames, "clock", None)
    if not callable(clock):
        return None, None
    figures = summarize(canaries, clock(), frames=frames).frames
    if not figures:
        return None, None
    return ({k: figures[k] for k in ("count", "p50_ms", "p99_ms", "worst_ms")},
            figures.get("after"))


def format_canary_table(canaries: Iterable[Mapping[str, Any]]) -> str:
    """An aligned table: id, module, thread, start (ms after the first submit), elapsed, own
    work (the import's thread CPU time), waiting (elapsed - own), status, error (its first line,
    at most 300 characters: ``format_text_report`` adds the whole text)."""
    rows = list(canaries)
    origin = min((c["submit_ts"] for c in rows if c.get("submit_ts") is not None), default=0.0)
    head = ("#", "module", "thread", "start", "elapsed", "own", "waiting", "status", "error")
    table = [head]
    for c in rows:
        start = c.get("start_ts")
        split = time_split(c)
        table.append((
            str(c["canary_id"]),
            c["module"],
            str(c.get("thread_name") or "-") + (" [MAIN-THREAD]" if c.get("main_thread") else ""),
            format_duration((start - origin) * 1000.0) if start is not None else "queued",
            format_duration(c.get("elapsed_ms")),
            format_duration(split.own_ms if split else None),
            format_duration(split.wait_ms if split else None),
            c["status"],
            short_error(c.get("error")),
        ))
    last = len(head) - 1
    widths = [max(len(r[i]) for r in table) for i in range(last)]
    right = {0, 3, 4, 5, 6}
    lines = []
    for r in table:
        cells = [
            f"{r[i]:>{widths[i]}}" if i in right else f"{r[i]:<{widths[i]}}" for i in range(last)
        ]
        lines.append(("  ".join(cells) + "  " + r[last]).rstrip())
    return "\n".join(lines)


#: A canary slower than this gets its costliest sub-imports listed (``format_slow_imports``).
SLOW_CANARY_MS = 100.0


def slow_sub_imports(tree: Iterable[Mapping[str, Any]], top: int = 5) -> list[Mapping[str, Any]]:
    """The ``top`` costliest sub-imports of an import tree (``controller.import_tree(id)``) by
    their own time (``self_ms``, as ``-X importtime``), costliest first; node 0, the canary's
    own module, is counted too: its own code may be the cost."""
    nodes = [n for n in tree if n.get("self_ms") is not None]
    return sorted(nodes, key=lambda n: -n["self_ms"])[:top]


def format_slow_imports(
    canaries: Iterable[Mapping[str, Any]],
    trees: Mapping[int, Iterable[Mapping[str, Any]]] | None,
    *, slow_ms: float = SLOW_CANARY_MS, top: int = 5,
) -> str:
    """Why the slow canaries were slow: for each canary over ``slow_ms`` (slowest first), its
    ``top`` costliest sub-imports (own and cumulative time) from its import tree. ``""`` when
    no canary is that slow or no tree was recorded."""
    if not trees:
        return ""
    slow = sorted((c for c in canaries if (c.get("elapsed_ms") or 0.0) >= slow_ms
                   and trees.get(c["canary_id"])),
                  key=lambda c: -c["elapsed_ms"])
    if not slow:
        return ""
    lines = [f"Slow imports (over {format_duration(slow_ms)}): the costliest modules each one "
             f"executed, by self time (wall time in its own code, as -X importtime; own: the "
             f"CPU its code used, far lower when it waited)"]
    for c in slow:
        tree = list(trees[c["canary_id"]])
        lines.append(f"  #{c['canary_id']} {c['module']} ({format_duration(c['elapsed_ms'])}, "
                     f"{len(tree)} modules on {c.get('thread_name') or '?'})")
        for node in slow_sub_imports(tree, top):
            error = f"  FAILED: {short_error(node['error'])}" if node.get("error") else ""
            own = node.get("self_cpu_ms")
            own_text = "" if own is None else f"{format_duration(own):>9} own "
            lines.append(f"    {format_duration(node['self_ms']):>9} self "
                         f"{format_duration(node.get('cum_ms')):>9} cum {own_text} "
                         f"{node['module']}{error}")
    return "\n".join(lines)


def format_text_report(
    canaries: Iterable[Mapping[str, Any]], now: float, profile_text: str | None = None, *,
    frames: Any = None, guard: Any = None,
    trees: Mapping[int, Iterable[Mapping[str, Any]]] | None = None,
) -> str:
    """The whole report: summary line, canary table, then what the table cannot hold (what
    the imports waited for, the modules cancelled, imports retried, whole error texts), and
    (when given) the startup profile.

    Args:
        canaries, now: as ``summarize``.
        profile_text: the startup profile as text, appended at the end.
        frames, guard: as ``summarize`` (frame p99 while warming; the app's main-thread
            imports).
        trees: ``controller.import_trees()`` (canary id -> import tree): the module locks each
            import waited for, and who held them.
    """
    rows = list(canaries)
    summary = summarize(rows, now, frames=frames, guard=guard, trees=trees)
    parts = ["imwarmup report", summary.line(), "", format_canary_table(rows), ""]
    if rows:
        parts.append(summary.explain())
    if any(c.get("cpu_ms") is not None for c in rows):
        parts.append("own: the import's own work (its thread's CPU time); waiting: the rest of "
                     "its elapsed time (the GIL, module locks other imports held, I/O).")
    if parts[-1] == "":
        parts.pop()
    trees = trees or {}
    locked = [(c, split) for c in rows
              if (split := time_split(c, trees.get(c["canary_id"]))) and split.lock_waits]
    if locked:
        parts += ["", f"Waiting on module locks ({len(locked)}):"]
        parts += [f"  #{c['canary_id']} {c['module']}: {format_time_split(split, limit=10)}"
                  for c, split in locked]
    slow_imports = format_slow_imports(rows, trees)
    if slow_imports:
        parts += ["", slow_imports]
    cancelled = [c["module"] for c in rows if c["status"] == "cancelled"]
    if cancelled:
        parts += ["", f"Cancelled ({len(cancelled)}; never imported, e.g. queued when the pool "
                      f"shut down): {', '.join(cancelled)}"]
    retried = [c for c in rows if c.get("retried")]
    if retried:
        parts += ["", f"Retried ({len(retried)}; the first attempt failed while other imports "
                      f"ran):"]
        parts += [f"  #{c['canary_id']} {c['module']}: {c['retried']}" for c in retried]
    long_errors = [c for c in rows if c.get("error") and short_error(c["error"]) != c["error"]]
    if long_errors:
        parts += ["", "Errors in full:"]
        for c in long_errors:
            parts += [f"  #{c['canary_id']} {c['module']}:", c["error"]]
    if profile_text:
        parts += ["", profile_text]
    return "\n".join(parts) + "\n"
