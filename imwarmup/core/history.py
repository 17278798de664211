"""Start-up history: one JSON line per finished warmup round, the last runs kept, compared run to
run (pure Python, no GUI import).

Quick start::

    from imwarmup.core.history import HistoryFile, compare, usual_times

    runs = HistoryFile("~/.cache/imwarmup/myapp.jsonl").read()   # oldest first
    deltas = compare(runs[:-1], runs[-1])      # the last run against the usual of the 5 before
    [d for d in deltas if d.regressed]

The controller appends a record at the end of each warmup round (``WarmupController(history=...)``,
on a service thread). The file is JSON lines, at most ``MAX_RUNS`` of them: each append takes a
lock on ``<file>.lock``, reads the file, adds its line, drops the oldest beyond the bound and
replaces the file atomically, so two apps appending at once lose nothing and a reader never sees
half a file. A line that is not a record of ours (corrupt, cut short, foreign) is skipped with one
warning per read; an unwritable folder or a full disk costs one stderr line, never the app.

Where the file lives: ``WarmupController(history=PATH)``; ``history=False`` turns it off; the
``IMWARMUP_HISTORY`` environment variable overrides both (a path, or ``off``); by default
``<cache>/imwarmup/<app>.jsonl`` with ``<cache>`` = ``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux,
``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` on Windows, and ``<app>`` the running script's
name.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import warnings
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping, Sequence

__all__ = [
    "SCHEMA", "MAX_RUNS", "ENV_VAR", "USUAL_RUNS", "HistoryWarning", "HistoryFile",
    "default_history_path", "resolve_history_path", "app_name", "make_record",
    "ModuleDelta", "usual_times", "compare", "is_regression", "history_order", "usual_own_times", "ORDERS", "parse_threshold", "find_run",
    "format_runs", "format_compare",
]

SCHEMA = "imwarmup.history/1"
MAX_RUNS = 100            # lines kept per history file
USUAL_RUNS = 5            # "usual" = median of this many previous runs of the same module
TOP_IMPORTS = 5           # sub-imports kept per canary when an import tree is known
ENV_VAR = "IMWARMUP_HISTORY"
_OFF = {"", "0", "off", "false", "no", "none"}
LOCK_TIMEOUT_S = 10.0     # an append waits at most this long for another writer's lock


class HistoryWarning(UserWarning):
    """A history line was skipped (corrupt or not ours), or the file could not be read."""


# ------------------------------------------------------------------------------ where it lives
def app_name(argv0: str | None = None) -> str:
    """The app's name for its history file: the running script's name (``myapp`` for
    ``myapp.py`` or ``python -m myapp``), safe as a file name; ``python`` when there is none."""
    path = sys.argv[0] if argv0 is None and sys.argv else (argv0 or "")
    base = os.path.basename(path.rstrip("/\\"))
    stem = os.path.splitext(base)[0]
    if stem == "__main__":  # python -m package: the package folder names the app
        stem = os.path.basename(os.path.dirname(os.path.abspath(path)))
    if stem in ("", "-c", "-"):
        stem = "python"
    return re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or "python"


def _cache_dir() -> str:
    if sys.platform == "win32":
        return os.environ.get("LOCALAPPDATA") or os.path.expanduser(r"~\AppData\Local")
    if sys.platform == "darwin":
        return os.path.expanduser("~/Library/Caches")
    return os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")


def default_history_path(app: str | None = None) -> str:
    """``<user cache folder>/imwarmup/<app>.jsonl`` (see the module docstring)."""
    return os.path.join(_cache_dir(), "imwarmup", f"{app or app_name()}.jsonl")


def resolve_history_path(history: Any = None, *, app: str | None = None,
                         where: str = "history") -> str | None:
    """The file a controller writes, or None when history is off.

    Args:
        history: ``None``/``True`` (the default location), ``False`` (off), or a path
            (``str``/``os.PathLike``; ``~`` is expanded). ``IMWARMUP_HISTORY`` overrides it:
            a path, or ``off``/``0``/``false`` (off).
        app: the app's name in the default file name (default: the running script's name).

    Raises:
        TypeError: ``history`` is none of those (e.g. a number).
        ValueError: ``history`` is an empty path.
    """
    env = os.environ.get(ENV_VAR)
    if env is not None:
        if env.strip().lower() in _OFF:
            return None
        return os.path.abspath(os.path.expanduser(env.strip()))
    if history is None or history is True:
        return default_history_path(app)
    if history is False:
        return None
    if not isinstance(history, (str, os.PathLike)):
        raise TypeError(
            f"{where} must be a path, True (the default location) or False (off), "
            f"got {history!r}"
        )
    path = os.fspath(history)
    if not isinstance(path, str) or not path.strip():
        raise ValueError(f"{where} must be a non-empty path, got {history!r}")
    return os.path.abspath(os.path.expanduser(path))


# ------------------------------------------------------------------------------- the record
def make_record(
    canaries: Iterable[Mapping[str, Any]],
    *,
    app: str,
    profile: Mapping[str, Any] | None = None,
    frames: Mapping[str, Any] | None = None,
    trees: Mapping[int, Sequence[Mapping[str, Any]]] | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """One history line from a finished round: every canary with its wall and CPU time (when
    known), the profile's phases, the frame figures and the top of each import tree."""
    rows = [dict(c) for c in canaries]
    starts = [c["submit_ts"] for c in rows if c.get("submit_ts") is not None]
    ends = [c["end_ts"] for c in rows if c.get("end_ts") is not None]
    origin = min(starts) if starts else None
    wall_ms = (max(ends) - origin) * 1000.0 if starts and ends else None
    modules = []
    for c in rows:
        entry: dict[str, Any] = {
            "module": c.get("module"),
            "status": c.get("status"),
            "elapsed_ms": _round(c.get("elapsed_ms")),
            "cpu_ms": _round(c.get("cpu_ms")),
            "thread_name": c.get("thread_name"),
            "start_ms": _round(None if origin is None or c.get("start_ts") is None
                               else (c["start_ts"] - origin) * 1000.0),
        }
        if c.get("error"):
            entry["error"] = str(c["error"]).splitlines()[0][:300]
        tree = (trees or {}).get(c.get("canary_id"))  # type: ignore[call-overload]
        if tree:
            entry["top_imports"] = _top_imports(tree)
        modules.append(entry)
    stamp = time.time() if now is None else now
    record: dict[str, Any] = {
        "schema": SCHEMA,
        "run": _run_id(stamp),
        "app": app,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp)),
        "python": "%d.%d.%d" % sys.version_info[:3],
        "platform": sys.platform,
        "wall_ms": _round(wall_ms),
        "modules": modules,
    }
    if profile:
        record["phases"] = [
            {"name": p.get("name"), "kind": p.get("kind"), "start_ms": _round(p.get("start_ms")),
             "duration_ms": _round(p.get("duration_ms"))}
            for p in profile.get("phases", ())
        ]
    if frames:
        record["frames"] = {k: (_round(v) if isinstance(v, float) else v)
                            for k, v in frames.items()}
    return record


def _top_imports(tree: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    nodes = [n for n in tree[1:] if isinstance(n, Mapping)]
    nodes.sort(key=lambda n: -(n.get("self_ms") or 0.0))
    return [{"module": n.get("module"), "self_ms": _round(n.get("self_ms")),
             "cum_ms": _round(n.get("cum_ms"))} for n in nodes[:TOP_IMPORTS]]


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 3)


_RUN_SEQ = iter(range(1 << 30))


def _run_id(stamp: float) -> str:
    # Sortable, readable, unique enough for two apps finishing in the same second.
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime(stamp)) + "-%04x" % (
        (os.getpid() * 31 + next(_RUN_SEQ)) & 0xFFFF)


def _is_record(value: Any) -> bool:
    return (isinstance(value, dict) and value.get("schema") == SCHEMA
            and isinstance(value.get("run"), str) and isinstance(value.get("modules"), list)
            and all(isinstance(m, dict) and isinstance(m.get("module"), str)
                    for m in value["modules"]))


# ---------------------------------------------------------------------------------- the file
class HistoryFile:
    """A bounded JSON-lines history file (see the module docstring).

    Args:
        path: the file; its folder is created on the first append.
        max_runs: lines kept (the oldest are dropped), at least 1.

    Raises:
        TypeError, ValueError: a bad ``path`` or ``max_runs``.
    """

    def __init__(self, path: str | os.PathLike[str], max_runs: int = MAX_RUNS) -> None:
        if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
            raise TypeError(f"HistoryFile(): path must be a non-empty path, got {path!r}")
        if isinstance(max_runs, bool) or not isinstance(max_runs, int):
            raise TypeError(f"HistoryFile(): max_runs must be an int, got {max_runs!r}")
        if max_runs < 1:
            raise ValueError(f"HistoryFile(): max_runs must be >= 1, got {max_runs}")
        self.path = os.path.abspath(os.path.expanduser(os.fspath(path)))
        self.max_runs = max_runs

    def __repr__(self) -> str:
        return f"HistoryFile({self.path!r}, max_runs={self.max_runs})"

    def read(self) -> list[dict[str, Any]]:
        """Every record, oldest first. A missing file is an empty history; lines that are not
        records of ours are skipped with one ``HistoryWarning`` naming how many and where."""
        records, problem = self.scan()
        if problem is not None:
            warnings.warn(problem, HistoryWarning, stacklevel=2)
        return records

    def scan(self) -> tuple[list[dict[str, Any]], str | None]:
        """``read()`` without the warning: the records and what went wrong (one sentence), or
        None. For threads: ``warnings.catch_warnings`` changes the whole process's filters."""
        try:
            with open(self.path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return [], None
        except OSError as exc:
            return [], f"imwarmup history: cannot read {self.path}: {exc}"
        records, skipped = _parse(data)
        if not skipped:
            return records, None
        where = ", ".join(str(n) for n in skipped[:5]) + (" ..." if len(skipped) > 5 else "")
        return records, (f"imwarmup history: skipped {len(skipped)} line(s) of {self.path} that "
                         f"are not imwarmup run records (line {where})")

    def append(self, record: Mapping[str, Any]) -> None:
        """Add one record, keeping the last ``max_runs``; atomic, safe beside other writers.

        Raises:
            ValueError: ``record`` is not a run record (see ``make_record``).
            OSError: the folder cannot be made or written, the disk is full, or another writer
                held the lock for ``LOCK_TIMEOUT_S``. The file is then as it was.
        """
        if not _is_record(record):
            raise ValueError(
                "HistoryFile.append(): not an imwarmup run record (make one with make_record()), "
                f"got keys {sorted(record) if isinstance(record, Mapping) else type(record).__name__}"
            )
        line = json.dumps(record, separators=(",", ":"), allow_nan=False).encode() + b"\n"
        folder = os.path.dirname(self.path)
        os.makedirs(folder, exist_ok=True)
        with _FileLock(self.path + ".lock"):
            try:
                with open(self.path, "rb") as f:
                    old = f.read()
            except FileNotFoundError:
                old = b""
            # Keep the lines as they were (even ones we skip when reading: a newer imwarmup's
            # records must survive an older one appending), minus the oldest beyond the bound.
            lines = [ln for ln in old.splitlines(keepends=True) if ln.strip()]
            lines = [ln if ln.endswith(b"\n") else ln + b"\n" for ln in lines]
            lines = lines[-(self.max_runs - 1):] if self.max_runs > 1 else []
            write_atomic(self.path, b"".join(lines) + line)


def write_atomic(path: str, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step (a temporary file beside it, fsync, rename):
    a reader sees the old file or the new one, never half of it; on failure the old one stays."""
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=".imwarmup-", suffix=".tmp", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _parse(data: bytes) -> tuple[list[dict[str, Any]], list[int]]:
    records: list[dict[str, Any]] = []
    skipped: list[int] = []
    for number, raw in enumerate(data.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except ValueError:  # JSONDecodeError, UnicodeDecodeError
            skipped.append(number)
            continue
        if _is_record(value):
            records.append(value)
        else:
            skipped.append(number)
    return records, skipped


class _FileLock:
    """An exclusive lock on a side file between processes (flock; msvcrt on Windows), waited
    for at most LOCK_TIMEOUT_S."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd = -1

    def __enter__(self) -> "_FileLock":
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        delay = 0.001
        try:
            while True:
                try:
                    _try_lock(self._fd)
                    return self
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise OSError(f"{self.path}: another writer held the lock for "
                                      f"{LOCK_TIMEOUT_S:g} s") from None
                    time.sleep(delay)  # no event to wait on across processes; bounded backoff
                    delay = min(delay * 2, 0.05)
        except BaseException:  # the timeout, or a file system without locks (ENOLCK)
            os.close(self._fd)
            raise

    def __exit__(self, *exc: Any) -> None:
        try:
            _unlock(self._fd)
        finally:
            os.close(self._fd)


if sys.platform == "win32":  # pragma: no cover - not run on this project's CI
    import msvcrt

    def _try_lock(fd: int) -> None:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            raise BlockingIOError from None

    def _unlock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


# ------------------------------------------------------------------------------- comparing
@dataclass(frozen=True)
class ModuleDelta:
    """One module of a comparison: ``base_ms`` (the other run, or the usual) and ``new_ms``.

    ``base_status`` is None for a module new in the compared run, ``new_status`` None for one
    the compared run no longer has. Times are compared only when both imports completed: a
    failed import's time says how fast it failed, not how fast the module loads."""

    module: str
    base_ms: float | None
    new_ms: float | None
    new_status: str | None
    base_status: str | None

    @property
    def delta_ms(self) -> float | None:
        if self.base_ms is None or self.new_ms is None or self.new_status != "completed" \
                or self.base_status != "completed":
            return None
        return self.new_ms - self.base_ms

    @property
    def delta_pct(self) -> float | None:
        d = self.delta_ms
        if d is None or not self.base_ms:
            return None
        return d / self.base_ms * 100.0

    @property
    def now_fails(self) -> bool:
        return self.new_status == "failed" and self.base_status == "completed"

    @property
    def change(self) -> str:
        """What happened besides the time, in words ('' when both imports completed)."""
        new, base = self.new_status, self.base_status
        if new is None:
            return "not in this run"
        if base is None:
            return "new" if new == "completed" else f"new, {new}"
        if new == base == "completed":
            return ""
        if self.now_fails:
            return "now fails"
        if new == "completed":
            return f"{base} before, completed now"
        return f"{new} (was {base})" if new != base else f"still {new}"

    def regressed_by(self, pct: float, ms: float) -> bool:
        """Slower by more than ``pct`` percent and more than ``ms`` ms, or newly failing."""
        if self.now_fails:
            return True
        d = self.delta_ms
        return d is not None and is_regression(self.new_ms, self.base_ms, pct, ms)


def is_regression(new_ms: float | None, base_ms: float | None, pct: float = 20.0,
                  ms: float = 20.0) -> bool:
    """``new_ms`` is slower than ``base_ms`` by more than ``pct`` percent and ``ms`` ms (the
    rule of ``compare``, the table's "vs usual" column and the summary)."""
    if new_ms is None or base_ms is None:
        return False
    d = new_ms - base_ms
    return d > ms and d > base_ms * pct / 100.0


def _times(run: Mapping[str, Any]) -> dict[str, tuple[float | None, str | None]]:
    return {m["module"]: (m.get("elapsed_ms"), m.get("status")) for m in run.get("modules", ())}


def usual_times(runs: Sequence[Mapping[str, Any]], n: int = USUAL_RUNS) -> dict[str, float]:
    """Per module: the median elapsed ms of its last ``n`` completed imports in ``runs``."""
    import statistics  # ~5 ms of imports (fractions, decimal, random): only when comparing

    seen: dict[str, list[float]] = {}
    for run in reversed(runs):
        for module, (ms, status) in _times(run).items():
            if status == "completed" and ms is not None and len(seen.setdefault(module, [])) < n:
                seen[module].append(ms)
    return {m: statistics.median(v) for m, v in seen.items() if v}


def compare(base: Mapping[str, Any] | Sequence[Mapping[str, Any]],
            new: Mapping[str, Any]) -> list[ModuleDelta]:
    """Per module of ``new``: its time against ``base`` — one run, or several runs whose usual
    (median of the last ``USUAL_RUNS``) is the reference — and, after them, the modules the
    base had and ``new`` has not (``new_status`` None; with several runs: those of the last).
    Newly failing first, then the slowest change first, then the rest (new, gone, failing)."""
    if isinstance(base, Mapping):
        base_times = {m: ms for m, (ms, st) in _times(base).items()}
        base_status = {m: st for m, (ms, st) in _times(base).items()}
        latest = set(base_times)
    else:
        base_times = dict(usual_times(base))
        base_status = {}
        for run in base:  # the latest status of each module ever seen, for the words
            base_status.update((m, st) for m, (ms, st) in _times(run).items())
        base_status.update((m, "completed") for m in base_times)  # the usual: completed runs
        latest = set(_times(base[-1])) if base else set()
    new_times = _times(new)
    out = [ModuleDelta(module, base_times.get(module), ms, status, base_status.get(module))
           for module, (ms, status) in new_times.items()]
    gone = [ModuleDelta(module, base_times.get(module), None, None, base_status.get(module))
            for module in sorted(latest - set(new_times))]
    out.sort(key=lambda d: (not d.now_fails, d.delta_ms is None,
                            -(d.delta_ms if d.delta_ms is not None else 0.0)))
    return out + gone


ORDERS = ("history", "submit")


def history_order(modules: Sequence[str], own_ms: Mapping[str, float]) -> list[str]:
    """The warmup's start order with history: modules never seen first (in the given order),
    then the others by their usual own work (thread CPU ms), least first.

    Imports execute one at a time (the gate), so on CPU-bound imports every order ends the round
    at the same time, and least work first makes the modules ready soonest on average (what a
    user clicking a provider feels). An import that mostly waits (network, disk, a sleep) has
    little own work, so it starts early and its waiting overlaps the others' work instead of
    ending the round alone. ``benchmarks/bench_history_order.py`` measures it.
    """
    unknown = [m for m in modules if m not in own_ms]
    known = sorted((m for m in modules if m in own_ms), key=lambda m: own_ms[m])
    return unknown + known


def usual_own_times(runs: Sequence[Mapping[str, Any]], n: int = USUAL_RUNS) -> dict[str, float]:
    """Per module: the median own work (``cpu_ms``; ``elapsed_ms`` for records without it) of
    its last ``n`` completed imports in ``runs``."""
    import statistics

    seen: dict[str, list[float]] = {}
    for run in reversed(runs):
        for m in run.get("modules", ()):
            value = m.get("cpu_ms") if m.get("cpu_ms") is not None else m.get("elapsed_ms")
            if m.get("status") == "completed" and isinstance(value, (int, float)) \
                    and len(seen.setdefault(m["module"], [])) < n:
                seen[m["module"]].append(float(value))
    return {m: statistics.median(v) for m, v in seen.items() if v}


def parse_threshold(text: str) -> tuple[float, float]:
    """``"20%"``, ``"20ms"``, ``"20%,20ms"`` (either order) -> ``(pct, ms)``; a part left out
    keeps its default of 20.

    Raises:
        ValueError: anything else, naming what was given.
    """
    pct, ms = 20.0, 20.0
    parts = [p.strip().lower() for p in str(text).split(",") if p.strip()]
    if not parts or len(parts) > 2:
        raise ValueError(f"threshold must look like 20%, 20ms or 20%,20ms, got {text!r}")
    for part in parts:
        match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(%|ms)", part)
        if not match:
            raise ValueError(f"threshold must look like 20%, 20ms or 20%,20ms, got {text!r}")
        if match.group(2) == "%":
            pct = float(match.group(1))
        else:
            ms = float(match.group(1))
    return pct, ms


def find_run(runs: Sequence[Mapping[str, Any]], key: str) -> Mapping[str, Any]:
    """A run by its id (``20261130-235901-1a2b``, or a unique prefix) or its number as
    ``history`` lists it (1 = oldest; ``last``, ``last-1``, ...).

    Raises:
        LookupError: no such run, or the prefix names several; the message says what exists.
    """
    key = key.strip()
    if not runs:
        raise LookupError(f"run {key!r}: the history has no runs")
    exists = (f"the history has {len(runs)} run(s): numbers 1 to {len(runs)}, last, "
              f"last-1 .. last-{len(runs) - 1}, or ids {runs[0]['run']} .. {runs[-1]['run']}"
              if len(runs) > 1 else f"the history has 1 run: 1, last or {runs[0]['run']}")
    match = re.fullmatch(r"last(?:-(\d+))?", key)
    if match:
        back = int(match.group(1) or 0)
        if back >= len(runs):
            raise LookupError(f"run {key!r}: no such run; {exists}")
        return runs[-1 - back]
    if key.isdigit() and 1 <= int(key) <= len(runs):
        return runs[int(key) - 1]
    # Other digits may start an id (its date: 20261130): looked up as a prefix below.
    hits = [r for r in runs if r["run"] == key] or (
        [r for r in runs if r["run"].startswith(key)] if key else [])
    if len(hits) != 1:
        raise LookupError(f"run {key!r}: " + (f"no such run; {exists}" if not hits else
                                             f"{len(hits)} runs start with it: "
                                             + ", ".join(r["run"] for r in hits[:5])
                                             + (" ..." if len(hits) > 5 else "")))
    return hits[0]


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 1000.0:
        return f"{value / 1000.0:.2f} s"
    return f"{value:.1f} ms" if value < 10.0 else f"{value:.0f} ms"


def _signed_ms(value: float) -> str:
    if abs(value) >= 1000.0:
        return f"{value / 1000.0:+.2f} s"
    return f"{value:+.1f} ms" if abs(value) < 10.0 else f"{value:+.0f} ms"


def format_runs(runs: Sequence[Mapping[str, Any]]) -> str:
    """The ``history`` listing: one line per run, oldest first."""
    lines = [f"{'#':>3}  {'run':<22} {'time (UTC)':<20} {'wall':>9} {'mods':>4} {'fail':>4}  slowest"]
    for number, run in enumerate(runs, 1):
        mods = run.get("modules", [])
        failed = sum(1 for m in mods if m.get("status") == "failed")
        slow = max(mods, key=lambda m: m.get("elapsed_ms") or 0.0, default=None)
        slowest = f"{slow['module']} {_ms(slow.get('elapsed_ms'))}" if slow else "-"
        lines.append(f"{number:>3}  {run['run']:<22} {str(run.get('time', ''))[:19]:<20} "
                     f"{_ms(run.get('wall_ms')):>9} {len(mods):>4} {failed:>4}  {slowest}")
    return "\n".join(lines)


def format_compare(deltas: Sequence[ModuleDelta], pct: float, ms: float,
                   base_label: str, new_label: str) -> str:
    """The ``compare`` table: per module base, new, delta, and what changed (REGRESSED where it
    did), then one line that says the verdict with the offenders' figures (for CI logs)."""
    width = max([len(d.module) for d in deltas] + [6])
    lines = [f"{new_label} against {base_label}",
             f"regression: slower by more than {pct:g}% and more than {ms:g} ms, or newly failing",
             f"{'module':<{width}} {'base':>9} {'new':>9} {'delta':>10} {'%':>7}"]
    regressed = []
    for d in deltas:
        delta = "-" if d.delta_ms is None else _signed_ms(d.delta_ms)
        pc = "-" if d.delta_pct is None else f"{d.delta_pct:+.0f}%"
        words = d.change
        if d.regressed_by(pct, ms):
            regressed.append(d)
            words = "REGRESSED" + (f" ({words})" if words else "")
        lines.append(f"{d.module:<{width}} {_ms(d.base_ms):>9} {_ms(d.new_ms):>9} "
                     f"{delta:>10} {pc:>7}  {words}".rstrip())
    if regressed:
        lines.append(f"{len(regressed)} module(s) regressed: " + ", ".join(
            f"{d.module} now fails" if d.now_fails else
            f"{d.module} {_signed_ms(d.delta_ms or 0.0)}"
            + ("" if d.delta_pct is None else f" ({d.delta_pct:+.0f}%)")
            for d in regressed))
    else:
        lines.append("no module regressed")
    return "\n".join(lines)


def iter_regressions(deltas: Iterable[ModuleDelta], pct: float, ms: float) -> Iterator[ModuleDelta]:
    return (d for d in deltas if d.regressed_by(pct, ms))
