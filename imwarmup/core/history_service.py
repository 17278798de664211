"""The controller's start-up history service: reads the previous runs when warmup starts and
appends this run when the round ends, both on its own service pool (``controller-history-0``),
never on the GUI thread or a warmup worker. See ``history.py`` for the file.
"""

from __future__ import annotations

import sys
import threading
import weakref
from typing import TYPE_CHECKING, Any, Callable

from .history import (
    USUAL_RUNS, HistoryFile, history_order, make_record, usual_own_times, write_atomic,
    usual_times,
)

if TYPE_CHECKING:
    from .controller import WarmupController

__all__ = ["HistoryService", "ORDER_SCHEMA"]

ORDER_SCHEMA = "imwarmup.order/1"


class HistoryService:
    """Owned by a ``WarmupController`` whose history is on (``controller.history``).

    Everything it hands out is a copy taken under its lock; until the previous runs are read,
    ``runs()`` is empty and ``usual()`` knows no module.
    """

    def __init__(self, path: str, app: str, write: Callable[[str], None] | None = None) -> None:
        self.file = HistoryFile(path)
        self.app = app
        self._write_line = write or _stderr
        self._lock = threading.Lock()
        self._runs: list[dict[str, Any]] = []
        self._usual: dict[str, float] = {}
        self._usual_wall: float | None = None
        self._loaded = threading.Event()
        self._saved = threading.Event()
        self._saved.set()           # nothing to save until a round is under way
        self._pool: Any = None
        self._error: str | None = None
        self._last: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"HistoryService({self.file.path!r}, runs={len(self._runs)})"

    @property
    def path(self) -> str:
        return self.file.path

    # ----------------------------------------------------------------------- lifecycle
    def start(self, controller: "WarmupController") -> None:
        """At ``controller.start()``: read the previous runs, and save this one at round end.

        Nothing here keeps the controller alive: the round's end takes its figures (copies)
        and hands only those to the service's worker."""
        self._pool = controller.service_pool("history")
        self._saved.clear()
        self._pool.submit(self._load)
        ref = weakref.ref(controller)
        controller.manager.on_complete(lambda _status: self._round_ended(ref))

    def _load(self) -> None:
        try:
            # scan(), not read() under warnings.catch_warnings: that swaps the whole process's
            # warning filters from this thread while the app's threads run.
            runs, problem = self.file.scan()
            if problem is not None:
                problem = problem.removeprefix("imwarmup history: ")
                self._write_line(f"[imwarmup] history: {problem}")
        except Exception as exc:  # noqa: BLE001 - the history must never break the app
            runs = []
            self._write_line(f"[imwarmup] history: cannot read {self.path}: {exc}")
        usual = usual_times(runs)
        walls = sorted(float(r["wall_ms"]) for r in runs[-USUAL_RUNS:]
                       if isinstance(r.get("wall_ms"), (int, float)))
        usual_wall = None
        if walls:
            mid = len(walls) // 2
            usual_wall = walls[mid] if len(walls) % 2 else (walls[mid - 1] + walls[mid]) / 2.0
        with self._lock:
            self._runs = runs + self._runs  # a round that ended first stays last
            self._usual = usual
            self._usual_wall = usual_wall
        self._loaded.set()

    def _round_ended(self, ref: "weakref.ref[WarmupController]") -> None:
        # On the worker that finished the round: copy the figures (cheap), write nothing here.
        controller = ref()
        if controller is None:
            self._saved.set()
            return
        try:
            figures = (controller.canaries(), controller.profiler.report(),
                       _frame_stats(controller), _trees(controller))
        except Exception as exc:  # noqa: BLE001 - the history must never break the app
            self._fail(exc)
            return
        del controller
        try:
            self._pool.submit(self._save, *figures)
        except RuntimeError:  # the controller is shutting down: its pools take no more jobs
            self._saved.set()

    def _save(self, canaries: list[dict[str, Any]], profile: dict[str, Any],
              frames: dict[str, Any] | None, trees: dict[int, list[dict[str, Any]]] | None) -> None:
        try:
            self._loaded.wait(5.0)  # the read was queued first on this one-worker pool
            record = make_record(canaries, app=self.app, profile=profile, frames=frames,
                                 trees=trees)
            with self._lock:
                self._runs.append(record)
                self._last = record
                runs = list(self._runs)
            self.file.append(record)
        except Exception as exc:  # noqa: BLE001 - an unwritable folder or a full disk: one line
            self._fail(exc)
            return
        try:
            self._write_order(usual_own_times(runs))
        except Exception as exc:  # noqa: BLE001 - the run is saved; only the next order is not
            self._error = f"{type(exc).__name__}: {exc}"
            self._write_line(f"[imwarmup] history: this run is saved to {self.path}, but the next "
                             f"start order is not ({self.order_path}: {self._error})")
        finally:
            self._saved.set()

    def _fail(self, exc: BaseException) -> None:
        self._error = f"{type(exc).__name__}: {exc}"
        self._write_line(f"[imwarmup] history: not saved to {self.path}: {self._error}")
        self._saved.set()

    # The next start's order (history_order) comes from a small side file, so ``start()`` reads
    # a few hundred bytes on the app's thread instead of the whole history.
    @property
    def order_path(self) -> str:
        return self.file.path + ".order.json"

    def _write_order(self, own_ms: dict[str, float]) -> None:
        import json

        data = json.dumps({"schema": ORDER_SCHEMA, "own_ms": own_ms}).encode()
        write_atomic(self.order_path, data)

    def start_order(self, modules: list[str]) -> list[str]:
        """``modules`` in the order the history says finishes soonest (``history_order``);
        as given when there is no usable side file yet (first run, unreadable, foreign)."""
        import json

        try:
            with open(self.order_path, encoding="utf-8") as f:
                data = json.load(f)
            usual = data["own_ms"] if data.get("schema") == ORDER_SCHEMA else None
            if not isinstance(usual, dict):
                return list(modules)
            usual = {str(k): float(v) for k, v in usual.items()
                     if isinstance(v, (int, float)) and not isinstance(v, bool)}
        except (OSError, ValueError, TypeError, AttributeError, KeyError):
            return list(modules)
        return history_order(modules, usual)

    def wait_saved(self, timeout: float | None) -> bool:
        """Wait until this round's record is written (or failed to be); True when it is."""
        return self._saved.wait(timeout)

    # ----------------------------------------------------------------------------- reads
    def runs(self) -> list[dict[str, Any]]:
        """Previous runs and, once saved, this one: oldest first (copies of the list)."""
        with self._lock:
            return list(self._runs)

    def usual(self) -> dict[str, float]:
        """Per module: the median elapsed ms of its last 5 completed imports before this run."""
        with self._lock:
            return dict(self._usual)

    def usual_wall_ms(self) -> float | None:
        """The whole warmup's usual wall time: the median of the last 5 runs before this one."""
        with self._lock:
            return self._usual_wall

    @property
    def loaded(self) -> bool:
        return self._loaded.is_set()

    @property
    def error(self) -> str | None:
        """Why the last save failed, or None."""
        return self._error


def _frame_stats(controller: Any) -> dict[str, Any] | None:
    frames = getattr(controller, "frames", None)
    if frames is None:
        return None
    canaries = controller.canaries()
    starts = [c["submit_ts"] for c in canaries if c.get("submit_ts") is not None]
    ends = [c["end_ts"] for c in canaries if c.get("end_ts") is not None]
    if not starts or not ends:
        return None
    try:
        stats = frames.stats(min(starts), max(ends))
    except Exception:  # noqa: BLE001 - a figure we can do without
        return None
    return dict(stats) if stats else None


def _trees(controller: Any) -> dict[int, list[dict[str, Any]]] | None:
    trees = getattr(controller, "import_trees", None)
    if trees is None:
        return None
    try:
        return trees() or None
    except Exception:  # noqa: BLE001 - a figure we can do without
        return None


def _stderr(line: str) -> None:
    try:
        sys.stderr.write(line + "\n")
    except Exception:  # noqa: BLE001 - a closed stderr at exit
        pass
