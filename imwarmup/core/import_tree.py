"""ImportRecorder: the nested import tree of every canary, on every warmup thread (issue 14).

While a canary runs, every module its import executes is recorded, nested: name, parent, start
and end on the canaries' clock, thread, self and cumulative time (as ``-X importtime`` counts
them), thread CPU time (with children, and of its own code alone), and each wait on a module
lock that another thread held.

Quick start::

    controller = WarmupController(["numpy"]).start()      # record_imports=True by default
    controller.wait_for_warmup()
    tree = controller.import_tree(1)                      # flat list, pre-order; node 0 = numpy
    [(n["module"], n["depth"], n["cum_ms"]) for n in tree[:3]]

How: CPython's import statement calls ``importlib._bootstrap._find_and_load`` by attribute
lookup each time a module is not in ``sys.modules`` yet (3.11-3.13; ``importlib.import_module``
and ``from pkg import sub`` go through it too), and every wait for a module lock goes through
``_bootstrap._ModuleLock.acquire``. The recorder replaces both while a warmup runs (from the
first canary start to the end of the round) and puts the originals back after: imports after
the warmup pay nothing. A thread with no canary running (the GUI's main thread) goes straight
to the original at the cost of one dict lookup.

The two replacements are compiled with ``__name__ == "importlib._bootstrap"`` and keep the
originals' names and argument names: code that walks the stack to find who asked for an import
(``MainThreadImportGuard``) sees the import system there, not imwarmup. Their frames show as
``<imwarmup import recorder>`` in tracebacks.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, Callable

from .errors import describe_exception, short_error

__all__ = ["ImportRecorder", "TREE_FIELDS", "installed"]

# importlib._bootstrap as the interpreter holds it (``import importlib._bootstrap`` is the same
# module object); looked up here so that importing this module imports nothing more.
_bootstrap: Any = sys.modules["_frozen_importlib"]

#: The keys of each node ``ImportRecorder.tree()`` returns, in order.
TREE_FIELDS = ("module", "parent", "depth", "start_ts", "end_ts", "self_ms", "cum_ms", "cpu_ms",
               "self_cpu_ms", "thread_name", "lock_waits", "error")


class _Node:
    """One module import: filled in by its thread only; readers copy it (``_node_dicts``)."""

    __slots__ = ("index", "module", "parent", "depth", "start", "end", "cpu0", "cpu1", "waits",
                 "error")

    def __init__(self, index: int, module: str, parent: int | None, depth: int, start: float,
                 cpu0: float) -> None:
        self.index = index  # its place in its recording's nodes
        self.module = module
        self.parent = parent
        self.depth = depth
        self.start = start
        self.end: float | None = None
        self.cpu0 = cpu0
        self.cpu1: float | None = None
        # (module, holder thread ident, wait start, wait end) per wait on another thread's lock
        self.waits: list[tuple[str, int, float, float]] = []
        self.error: str | None = None


class _Canary:
    """The recording of one canary on one thread: its nodes in creation order (= pre-order)."""

    __slots__ = ("canary_id", "thread_name", "ident", "clock", "nodes", "stack")

    def __init__(self, canary_id: int, clock: Callable[[], float]) -> None:
        thread = threading.current_thread()
        self.canary_id = canary_id
        self.thread_name = thread.name
        self.ident = threading.get_ident()
        self.clock = clock
        self.nodes: list[_Node] = []
        self.stack: list[_Node] = []


# ----------------------------------------------------------------------- the process-wide hook
# Threads recording now: ident -> their canary's recording. Read without a lock by the hooks
# (one dict lookup); changed under _HOOK_LOCK.
_recording: dict[int, _Canary] = {}
_HOOK_LOCK = threading.Lock()
_users = 0  # recorders between their first begin() and close(): the hooks are in while > 0
_originals: dict[str, Any] = {}

_HOOK_SOURCE = '''
def _find_and_load(name, import_):
    rec = _recording.get(_get_ident())
    if rec is None:
        return _original_find_and_load(name, import_)
    stack = rec.stack
    if stack:
        module = _modules.get(name)
        if module is not None and not getattr(getattr(module, "__spec__", None),
                                               "_initializing", False):
            return _original_find_and_load(name, import_)  # loaded already: nothing runs
    parent = stack[-1] if stack else None
    nodes = rec.nodes
    node = _Node(len(nodes), name, None if parent is None else parent.index, len(stack),
                 rec.clock(), _thread_time())
    nodes.append(node)
    stack.append(node)
    try:
        return _original_find_and_load(name, import_)
    except BaseException as exc:
        node.error = _describe(exc)
        raise
    finally:
        node.end = rec.clock()
        node.cpu1 = _thread_time()
        stack.pop()


def acquire(self):
    ident = _get_ident()
    rec = _recording.get(ident)
    owner = self.owner
    if rec is None or not rec.stack or owner is None or owner == ident:
        return _original_acquire(self)
    start = rec.clock()
    try:
        return _original_acquire(self)
    finally:
        rec.stack[-1].waits.append((self.name, owner, start, rec.clock()))
'''


def _describe(exc: BaseException) -> str:
    return short_error(describe_exception(exc)) or type(exc).__name__


def _compile_hooks() -> dict[str, Any]:
    namespace: dict[str, Any] = {
        "__name__": "importlib._bootstrap",  # see the module docstring
        "_recording": _recording,
        "_get_ident": threading.get_ident,
        "_modules": sys.modules,
        "_Node": _Node,
        "_thread_time": time.thread_time,
        "_describe": _describe,
        "getattr": getattr,
    }
    exec(compile(_HOOK_SOURCE, "<imwarmup import recorder>", "exec"), namespace)
    return namespace


# Compiled once, at import (a fraction of a millisecond): the first canary's install costs
# two attribute stores, not a compile that would delay that canary.
_HOOKS = _compile_hooks()


def _install_locked() -> None:
    global _users
    _users += 1
    if _users > 1:
        return
    hooks = _HOOKS
    # The hooks call whatever was in place when they went in (looked up at each call).
    hooks["_original_find_and_load"] = _bootstrap._find_and_load
    hooks["_original_acquire"] = _bootstrap._ModuleLock.__dict__["acquire"]
    _originals["find_and_load"] = _bootstrap._find_and_load
    _originals["acquire"] = _bootstrap._ModuleLock.__dict__["acquire"]
    _originals["hook_find_and_load"] = hooks["_find_and_load"]
    _originals["hook_acquire"] = hooks["acquire"]
    _bootstrap._ModuleLock.acquire = hooks["acquire"]
    _bootstrap._find_and_load = hooks["_find_and_load"]


def _uninstall_locked() -> None:
    global _users
    _users -= 1
    if _users:
        return
    # Put the originals back unless someone patched over the hooks since: then the hooks stay
    # under theirs, passing every import straight through (no thread is recording any more).
    if _bootstrap._find_and_load is _originals["hook_find_and_load"]:
        _bootstrap._find_and_load = _originals["find_and_load"]
    if _bootstrap._ModuleLock.__dict__.get("acquire") is _originals["hook_acquire"]:
        _bootstrap._ModuleLock.acquire = _originals["acquire"]
    _originals.clear()


def installed() -> bool:
    """Whether the recorder's hooks are in ``importlib._bootstrap`` now (some warmup runs)."""
    with _HOOK_LOCK:
        return _users > 0


# ------------------------------------------------------------------------------ the recorder
class ImportRecorder:
    """Records the import tree of each canary on the thread that runs it.

    The controller calls ``begin(canary_id)`` on the worker just before the canary's import,
    ``end(canary_id)`` after it, and ``close()`` at the end of the round (or at shutdown).
    Recordings stay readable after ``close()``; once closed a recorder records nothing more.

    Args:
        clock: the canaries' clock (the manager's); node times are read from it.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        if not callable(clock):
            raise TypeError(f"ImportRecorder(): clock must be callable, got {clock!r}")
        self._clock = clock
        self._lock = threading.Lock()
        self._canaries: dict[int, _Canary] = {}
        self._active = False  # counted in _users
        self._closed = False

    def begin(self, canary_id: int) -> None:
        """Record the imports the calling thread runs from now on as canary ``canary_id``'s
        (installs the hooks with the first canary). Does nothing once closed."""
        rec = _Canary(canary_id, self._clock)
        with _HOOK_LOCK:
            if self._closed:
                return
            if not self._active:
                self._active = True
                _install_locked()
            with self._lock:
                self._canaries[canary_id] = rec
            _recording[rec.ident] = rec

    def end(self, canary_id: int) -> None:
        """Stop recording canary ``canary_id`` (on whichever thread it ran)."""
        with _HOOK_LOCK:
            with self._lock:
                rec = self._canaries.get(canary_id)
            if rec is not None and _recording.get(rec.ident) is rec:
                del _recording[rec.ident]

    def close(self) -> None:
        """Stop recording on every thread and take the hooks out when no other recorder needs
        them: imports after this pay nothing. Safe to call again."""
        with _HOOK_LOCK:
            if self._closed:
                return
            self._closed = True
            with self._lock:
                mine = list(self._canaries.values())
            for rec in mine:
                if _recording.get(rec.ident) is rec:
                    del _recording[rec.ident]
            if self._active:
                self._active = False
                _uninstall_locked()

    @property
    def closed(self) -> bool:
        return self._closed

    def recorded(self, canary_id: int) -> bool:
        """Whether canary ``canary_id`` began recording."""
        with self._lock:
            return canary_id in self._canaries

    def tree(self, canary_id: int) -> list[dict[str, Any]]:
        """Canary ``canary_id``'s import tree: a flat list in pre-order (a parent before its
        children, children in start order), node 0 the canary's own module; ``[]`` when it
        never began (queued, cancelled) or imported nothing. Keys: ``TREE_FIELDS``.

        An import still running has ``end_ts`` None and its times measured up to now. A
        canary retried after a failure keeps only its last attempt.
        """
        with self._lock:
            rec = self._canaries.get(canary_id)
        if rec is None:
            return []
        return _node_dicts(rec, self._clock)


def _thread_names() -> dict[int, str]:
    return {t.ident: t.name for t in threading.enumerate() if t.ident is not None}


def _node_dicts(rec: _Canary, clock: Callable[[], float]) -> list[dict[str, Any]]:
    nodes = list(rec.nodes)  # one snapshot; the worker only appends
    roots = [i for i, n in enumerate(nodes) if n.parent is None]
    if not roots:
        return []
    first = roots[-1]  # a retried canary: its last attempt
    nodes = nodes[first:]
    now = None
    names: dict[int, str] | None = None
    out: list[dict[str, Any]] = []
    children_cum = [0.0] * len(nodes)
    children_cpu = [0.0] * len(nodes)
    ends: list[float] = []
    for node in nodes:
        end = node.end
        if end is None:
            if now is None:
                now = clock()
            end = now
        ends.append(end)
    for i in range(len(nodes) - 1, -1, -1):  # children come after their parent
        node = nodes[i]
        cum = (ends[i] - node.start) * 1000.0
        parent = None if node.parent is None else node.parent - first
        if parent is not None:
            children_cum[parent] += cum
            if node.cpu1 is not None:
                children_cpu[parent] += (node.cpu1 - node.cpu0) * 1000.0
    for i, node in enumerate(nodes):
        cum = (ends[i] - node.start) * 1000.0
        waits = []
        for module, owner, w0, w1 in list(node.waits):
            if names is None:
                names = _thread_names()
            waits.append({"module": module, "holder": names.get(owner, f"thread {owner}"),
                          "wait_ms": (w1 - w0) * 1000.0, "start_ts": w0, "end_ts": w1})
        cpu1 = node.cpu1
        cpu = None if cpu1 is None else (cpu1 - node.cpu0) * 1000.0
        out.append({
            "module": node.module,
            "parent": None if node.parent is None else node.parent - first,
            "depth": node.depth,
            "start_ts": node.start,
            "end_ts": node.end,
            "self_ms": max(cum - children_cum[i], 0.0),
            "cum_ms": cum,
            "cpu_ms": cpu,
            # Its own code's CPU (children's taken off): self_ms far above it was waiting
            # (the GIL, I/O, a pause for the GUI's frame), not work.
            "self_cpu_ms": None if cpu is None else max(cpu - children_cpu[i], 0.0),
            "thread_name": rec.thread_name,
            "lock_waits": waits,
            "error": node.error,
        })
    return out
