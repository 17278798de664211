"""Main-thread purity: catch heavy imports that run on the GUI thread while the app is running.

The rule: the thread that enters ``immapp.run()`` imports nothing heavier than imgui_bundle and
the lean GUI skeleton; heavy modules arrive through the warmup (``controller-io-N``).

Quick start::

    from imwarmup.core.purity import MainThreadImportGuard

    guard = MainThreadImportGuard(heavy=["numpy", "google.genai"], mode="warn").enable()
    ...                                  # run the app
    for v in guard.violations():         # also listed in the debug window
        print(v["module"], v["file"], v["line"])

Modes: ``"record"`` only records; ``"warn"`` also issues a ``MainThreadImportWarning`` that points
at the importing line; ``"raise"`` makes the import itself fail with ``MainThreadImportError``.

What is caught: every way a module gets loaded on the main thread. An enabled guard puts a finder
first on ``sys.meta_path``, so ``import``, ``importlib.import_module``, ``importlib.__import__``
and ``__import__`` are all seen before the module runs; an audit hook on ``exec`` also sees a
module executed by hand (``spec.loader.exec_module(module)``). A module already in
``sys.modules`` (warmed on a worker) costs nothing and is never reported, and neither is a mere
look-up (``importlib.util.find_spec``) or an import that finds nothing.

Each violation is one of two kinds:

- **direct**: a heavy module (or one of its submodules) that is not loaded yet is imported on the
  main thread. ``"raise"`` mode refuses it.
- **lazy** (``violation["lazy"] is True``): the code of a heavy package that *is* warmed imports
  something on first use (``np.info()`` imports ``pydoc``, scipy loads ``scipy.stats`` on first
  access). It costs the frame, so it is recorded (and warned about in ``"warn"`` and ``"raise"``
  mode), but it never fails: the user's call into the warmed package must keep working.
  ``violation["by"]`` names the heavy module whose code asked for it.

The file and line are the user's code that caused the import: the first frame on the stack
outside importlib and outside the top-level package of any heavy module (so with
``heavy=["numpy.linalg"]``, ``import numpy`` is blamed on that line, not on numpy's own
``from numpy.linalg import ...``).
"""

from __future__ import annotations

import sys
import threading
import time
import types
import warnings
from importlib.machinery import ModuleSpec
from typing import Any, Callable, Iterable

__all__ = [
    "MainThreadImportGuard",
    "MainThreadImportError",
    "MainThreadImportWarning",
    "DEFAULT_HEAVY",
    "MODES",
    "heavy_root",
    "is_module_name",
    "check_module_names",
]

#: Modules that cost tens to hundreds of milliseconds (or pull in native runtimes) to import.
DEFAULT_HEAVY = (
    "numpy", "pandas", "scipy", "torch", "matplotlib", "google.genai", "openai", "anthropic",
)
MODES = ("record", "warn", "raise")

# importlib's own frames sit between an import statement / import_module() call and the import
# they cause; they are never the place to blame.
_IMPORTLIB_MODULES = frozenset({
    "importlib", "importlib._bootstrap", "importlib._bootstrap_external", "importlib.util",
})


class MainThreadImportError(ImportError):
    """A guard in ``"raise"`` mode refused a heavy import on the main thread.

    Attributes:
        violation: the violation record (``module``, ``file``, ``line`` ...).
    """

    def __init__(self, message: str, violation: dict[str, Any]) -> None:
        super().__init__(message, name=violation["module"])
        self.violation = violation


class MainThreadImportWarning(RuntimeWarning):
    """A guard in ``"warn"`` mode saw a heavy import on the main thread (or a guard in ``"warn"``
    or ``"raise"`` mode saw a warmed package import something lazily)."""


class MainThreadImportGuard:
    """Records (and optionally warns about or refuses) heavy imports executed on the main thread.

    Args:
        heavy: module names whose import (or any submodule's) on the main thread is a violation;
            :data:`DEFAULT_HEAVY` by default.
        mode: ``"record"``, ``"warn"`` or ``"raise"`` (see the module docstring).
        clock: wall-clock seconds for each violation's ``ts``; ``time.time`` by default.

    Raises:
        TypeError: ``heavy`` is a bare str or holds a non-str, or ``clock`` is not callable.
        ValueError: a heavy name is not a dotted module name, ``heavy`` is empty, or ``mode``
            is not one of ``record``, ``warn``, ``raise``.
    """

    def __init__(
        self,
        heavy: Iterable[str] = DEFAULT_HEAVY,
        mode: str = "record",
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._heavy = _validate_heavy(heavy)
        if mode not in MODES:
            raise ValueError(
                f"MainThreadImportGuard(): mode must be one of {', '.join(MODES)}, got {mode!r}"
            )
        if not callable(clock):
            raise TypeError(f"MainThreadImportGuard(): clock must be callable, got {clock!r}")
        # Top-level packages of the heavy names: their frames are library code, never the user's
        # line to blame (numpy's own modules, for heavy=["numpy.linalg"]).
        self._families = frozenset(name.partition(".")[0] for name in self._heavy)
        self._mode = mode
        self._clock = clock
        self._lock = threading.Lock()
        self._violations: list[dict[str, Any]] = []
        self._seen: set[tuple[str, str, int]] = set()
        # key -> (message, violation) of each refused import: a retry is refused again.
        self._refused: dict[tuple[str, str, int], tuple[str, dict[str, Any]]] = {}
        self._enabled = False
        self._revision = 0
        # (start, end, module) of each main-thread import the guard timed: see import_spans().
        self._spans: list[tuple[float, float, str]] = []

    # ------------------------------------------------------------------------------ control
    @property
    def heavy(self) -> list[str]:
        """The heavy module names (a copy)."""
        return list(self._heavy)

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def enabled(self) -> bool:
        return self._enabled

    @property
    def revision(self) -> int:
        """Grows with every new violation: poll it to redraw only when something changed."""
        return self._revision

    def enable(self) -> "MainThreadImportGuard":
        """Start watching imports: puts the process's import finder first on ``sys.meta_path``
        (and installs its ``exec`` audit hook on first use). Returns self."""
        _dispatcher.add(self)
        self._enabled = True
        return self

    def disable(self) -> None:
        """Stop watching; the recorded violations stay. The finder leaves ``sys.meta_path`` when
        the last guard is disabled; the audit hook stays installed (Python cannot remove one) but
        does nothing without an enabled guard."""
        self._enabled = False
        _dispatcher.remove(self)

    def __enter__(self) -> "MainThreadImportGuard":
        return self.enable()

    def __exit__(self, *exc: Any) -> None:
        self.disable()

    def violations(self) -> list[dict[str, Any]]:
        """A copy of each violation: ``{"module", "imported", "file", "line", "importer",
        "thread_name", "ts", "lazy", "by"}``. ``module`` is the module that was loaded (for a
        direct violation, the outermost heavy module being imported), ``imported`` the name the
        import statement or call asked for when the load was seen (``numpy.linalg`` for
        ``import numpy.linalg``), ``importer`` the module name of the blamed code, ``lazy``
        whether a warmed heavy package asked for it on first use and ``by`` the module whose code
        asked for the import (None for the user's own import)."""
        with self._lock:
            return [dict(v) for v in self._violations]

    def import_spans(self) -> list[tuple[float, float, str]]:
        """When the main thread was busy importing what this guard watches: ``(start, end,
        module)`` on the guard's clock, one per outermost import (``import pandas`` is one span,
        numpy inside it is not another), in the order they ended.

        Timed from the moment the import system asked for the module to the moment it finished
        running (or failed); an import refused in ``"raise"`` mode ran nothing and has no span.
        The diagnostics summary adds them up as the main thread's time spent importing heavy
        modules (``imwarmup.core.report.main_thread_import_ms``).
        """
        with self._lock:
            return [(a, b, m) for a, b, m in self._spans]

    def import_ms(self) -> float:
        """The total of ``import_spans()`` in milliseconds."""
        return sum(b - a for a, b, _ in self.import_spans()) * 1000.0

    def clear(self) -> None:
        """Forget the recorded violations and import spans."""
        with self._lock:
            self._spans.clear()
            self._violations.clear()
            self._seen.clear()
            self._refused.clear()
            self._revision += 1

    # ---------------------------------------------------------------------------- matching
    def _heavy_root(self, name: str | None) -> str | None:
        return heavy_root(name, self._heavy)

    def _cares(self, name: str, requester: Any) -> bool:
        """Cheap test before the import is looked at closely: a heavy name, or a function of a
        heavy module asking for anything (a possible lazy import)."""
        if self._heavy_root(name) is not None:
            return True
        return (requester is not None and requester.f_code.co_name != "<module>"
                and self._heavy_root(requester.f_globals.get("__name__")) is not None)

    def _on_import(self, name: str, frame: Any) -> MainThreadImportError | None:
        """Judge the main-thread load of ``name``; ``frame`` is the innermost frame that is not
        the guard's own. Records (and warns); returns the error to raise in ``"raise"`` mode."""
        requested = name    # what the import statement / import_module() call asked for
        requester = None    # the innermost frame outside importlib: the code that asked
        outer_heavy = None  # the outermost heavy module whose import is running on the stack
        blamed = None
        while frame is not None:
            module = frame.f_globals.get("__name__")
            if module in _IMPORTLIB_MODULES:
                if requester is None and frame.f_code.co_name == "_find_and_load":
                    # `import pkg.sub` loads pkg first: name the submodule that was asked for.
                    asked = frame.f_locals.get("name")
                    if isinstance(asked, str):
                        requested = asked
                frame = frame.f_back
                continue
            if requester is None:
                requester = frame
            if self._heavy_root(module) is not None:
                if frame.f_code.co_name == "<module>":
                    outer_heavy = module
            elif not (isinstance(module, str) and module.partition(".")[0] in self._families):
                blamed = frame
                break
            frame = frame.f_back

        name_root = self._heavy_root(name)
        by = requester.f_globals.get("__name__") if requester is not None else None
        by_heavy = (requester is not None and isinstance(by, str)
                    and (by.partition(".")[0] in self._families))
        if outer_heavy is not None:
            # Part of a heavy package's own import running here: one record for that package.
            lazy, target, key_root = False, outer_heavy, self._heavy_root(outer_heavy)
        elif name_root is not None and not (_loaded(name_root) and by_heavy):
            lazy = False
            target = requested if self._heavy_root(requested) is not None else name
            key_root = name_root
        else:
            # A warmed heavy package's code loads something on first use.
            by_root = (self._heavy_root(by) if requester is not None
                       and requester.f_code.co_name != "<module>" else None)
            key_root = name_root or by_root
            if key_root is None or not _loaded(key_root):
                return None  # light code importing light modules, or a package mid-import
            lazy, target = True, name
        file = blamed.f_code.co_filename if blamed is not None else "<unknown>"
        line = blamed.f_lineno if blamed is not None else 0
        # One record per heavy package and blamed line: `import numpy` loads numpy, its parents
        # and every module numpy's __init__ pulls in.
        assert key_root is not None  # outer_heavy and name_root are heavy names
        key = (key_root, file, line)
        with self._lock:
            if key in self._seen:
                refused = self._refused.get(key)
                return None if refused is None else MainThreadImportError(
                    refused[0], dict(refused[1]))
            self._seen.add(key)
            violation = {
                "module": target,
                "imported": requested,
                "file": file,
                "line": line,
                "importer": blamed.f_globals.get("__name__") if blamed is not None else None,
                "thread_name": threading.current_thread().name,
                "ts": self._clock(),
                "lazy": lazy,
                "by": by if requester is not blamed else None,
            }
            self._violations.append(violation)
            self._revision += 1
        if lazy:
            message = (
                f"{target!r} was imported lazily on the main thread at {file}:{line}, on first "
                f"use of the warmed {key_root!r} (asked for by {by}); it cost this frame. Warm it "
                f"too: WarmupController([{key_root!r}, {target!r}, ...])"
            )
        else:
            message = (
                f"heavy module {target!r} imported on the main thread at {file}:{line}; warm it "
                f"on a worker instead (WarmupController([{key_root!r}, ...]) and "
                f"controller.require_warmed({target!r}) once ready)"
            )
        if self._mode == "warn" or (lazy and self._mode == "raise"):
            warnings.warn_explicit(
                message, MainThreadImportWarning, file, line,
                module=violation["importer"] or "<unknown>",
            )
        elif self._mode == "raise":
            with self._lock:
                self._refused[key] = (message, dict(violation))
            return MainThreadImportError(message, dict(violation))
        return None


def _loaded(name: str) -> bool:
    """Whether module ``name`` is in ``sys.modules`` and has finished running (a module whose
    import is in progress is in ``sys.modules`` already, with ``__spec__._initializing`` set)."""
    module = sys.modules.get(name)
    if module is None:
        return False
    return not getattr(getattr(module, "__spec__", None), "_initializing", False)


def _requester(frame: Any) -> Any:
    """The innermost frame at or above ``frame`` that is not importlib's."""
    while frame is not None and frame.f_globals.get("__name__") in _IMPORTLIB_MODULES:
        frame = frame.f_back
    return frame


def _is_import(frame: Any) -> bool:
    """Whether ``frame`` (the caller of a meta-path finder) is the import system loading a module,
    rather than ``importlib.util.find_spec`` only looking one up."""
    back = frame.f_back
    return (frame.f_code.co_name == "_find_spec" and back is not None
            and back.f_code.co_name == "_find_and_load_unlocked"
            and back.f_globals.get("__name__") == "importlib._bootstrap")


def _module_executed(frame: Any) -> types.ModuleType | None:
    """The module an ``exec`` call at ``frame`` runs, when a loader's ``exec_module(module)``
    (directly or through importlib's ``_call_with_frames_removed``) made it; else None."""
    for _ in range(2):
        if frame is None:
            return None
        if frame.f_code.co_name == "exec_module":
            module = frame.f_locals.get("module")
            return module if isinstance(module, types.ModuleType) else None
        frame = frame.f_back
    return None


class _Finder:
    """The finder the dispatcher keeps first on ``sys.meta_path`` while a guard is enabled.

    It finds nothing of its own: for an import a guard cares about it asks the finders after it
    for the spec (an import that finds nothing ran nothing and is not a violation), lets the
    guards judge it, and returns that spec, so the module is searched for only once.
    """

    def __init__(self, dispatcher: "_Dispatcher") -> None:
        self._dispatcher = dispatcher

    def __repr__(self) -> str:
        return "<imwarmup MainThreadImportGuard finder>"

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        dispatcher = self._dispatcher
        guards = dispatcher.guards_here()
        if not guards:
            if dispatcher.watches(name) and _is_import(sys._getframe(1)):
                # A worker loads a heavy module: the main thread may block on its module lock.
                return dispatcher.watch_load(self._find_after_me(name, path, target))
            return None
        caller = sys._getframe(1)
        if not _is_import(caller):
            return None  # importlib.util.find_spec: a look-up, nothing runs
        requester = _requester(caller)
        if not any(guard._cares(name, requester) for guard in guards):
            return None
        with dispatcher.busy():
            spec = self._find_after_me(name, path, target)
            if spec is not None:
                dispatcher.judge(guards, name, caller)
                dispatcher.time_load(guards, spec)
        return spec

    def _find_after_me(self, name: str, path: Any, target: Any) -> Any:
        finders = list(sys.meta_path)
        after = finders[finders.index(self) + 1:] if self in finders else finders
        for finder in after:
            find_spec = getattr(finder, "find_spec", None)
            if find_spec is None:
                continue
            spec = find_spec(name, path, target)
            if spec is not None:
                return spec
        return None


class _Dispatcher:
    """The process's import finder and audit hook, forwarding main-thread loads to the guards.

    This is process-wide state on purpose (STYLE.md item 4 prefers state owned by objects):
    ``sys.addaudithook`` hooks can never be removed, so installing one per guard would leak a
    hook per guard for the life of the process, and one finder serves every guard. The hook is
    installed on the first ``enable()``; the finder is on ``sys.meta_path`` only while a guard is
    enabled.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._guards: tuple[MainThreadImportGuard, ...] = ()  # replaced, never mutated: lock-free reads
        self._hook_installed = False
        self._finder = _Finder(self)
        self._local = threading.local()
        self._timed: Any = None  # the spec of the outermost main-thread load being timed

    def add(self, guard: MainThreadImportGuard) -> None:
        with self._lock:
            if guard not in self._guards:
                self._guards = self._guards + (guard,)
            if not self._hook_installed:
                sys.addaudithook(self._hook)
                self._hook_installed = True
            # First, so no other finder loads a module unseen; moved back to the front if
            # something was inserted before it since. A new list, never an edit of the old one:
            # an import running on a worker iterates the old list, and removing an entry under
            # it would make it skip a finder (a spurious ModuleNotFoundError).
            sys.meta_path = [self._finder, *(f for f in sys.meta_path if f is not self._finder)]

    def remove(self, guard: MainThreadImportGuard) -> None:
        with self._lock:
            self._guards = tuple(g for g in self._guards if g is not guard)
            if not self._guards and self._finder in sys.meta_path:
                sys.meta_path = [f for f in sys.meta_path if f is not self._finder]

    def guards_here(self) -> tuple[MainThreadImportGuard, ...]:
        """The enabled guards when called on the main thread outside a guard's own work, else ()."""
        guards = self._guards
        if not guards or threading.get_ident() != threading.main_thread().ident:
            return ()
        if getattr(self._local, "active", False):
            return ()  # an import made while a guard works (warnings may import linecache)
        return guards

    def busy(self) -> "_Busy":
        return _Busy(self._local)

    def judge(self, guards: tuple[MainThreadImportGuard, ...], name: str, frame: Any) -> None:
        """Every guard records the load; then the first refusal is raised."""
        errors = [error for guard in guards if (error := guard._on_import(name, frame))]
        if errors:
            raise errors[0]

    def time_load(self, guards: tuple[MainThreadImportGuard, ...], spec: Any) -> None:
        """Time the main-thread load of ``spec`` unless an outer one is being timed already.

        The import system sets ``spec._initializing`` to True before the module runs and to
        False once it has run or failed (``_load_unlocked``, the same in 3.11 to 3.13): for
        the length of one load the spec becomes a ``_TimedSpec``, whose setter ends the span
        and turns it back into a plain ``ModuleSpec``. Nothing else about the spec changes."""
        open_spec = self._timed
        if open_spec is not None:
            if open_spec.__dict__.get("_initializing"):
                return  # inside an outer timed import: its span covers this one
            self._timed = None  # found but never loaded (e.g. a loader failed before running)
        if type(spec) is not ModuleSpec:
            return  # a finder's own spec class: left alone
        spec.__dict__["_imwarmup_span"] = (guards, [guard._clock() for guard in guards])
        spec.__class__ = _TimedSpec
        self._timed = spec

    def watches(self, name: str) -> bool:
        """Whether this thread (not the main one) loads a module an enabled guard calls heavy."""
        guards = self._guards
        return bool(guards) and threading.get_ident() != threading.main_thread().ident \
            and any(guard._heavy_root(name) is not None for guard in guards)

    def watch_load(self, spec: Any) -> Any:
        """Make a worker's heavy ``spec`` a ``_WatchedSpec`` for the length of its load: if the
        main thread finds the module still initializing (it then blocks on the module lock the
        worker holds), the wait is timed like a main-thread import. Returns ``spec``."""
        if type(spec) is ModuleSpec:
            spec.__class__ = _WatchedSpec
        return spec

    def end_load(self, spec: Any, started: tuple[tuple[MainThreadImportGuard, ...],
                                                 list[float]]) -> None:
        if self._timed is spec:
            self._timed = None
        guards, starts = started
        for guard, start in zip(guards, starts):
            end = guard._clock()
            with guard._lock:
                guard._spans.append((start, end, spec.name))
                guard._revision += 1

    def _hook(self, event: str, args: tuple[Any, ...]) -> None:
        # Runs for every audited event in the process: return as early and cheaply as possible.
        if event != "exec":
            return
        guards = self.guards_here()
        if not guards:
            return
        frame = sys._getframe(1)
        module = _module_executed(frame)
        name = getattr(module, "__name__", None)
        if not isinstance(name, str):
            return
        requester = _requester(frame)
        if not any(guard._cares(name, requester) for guard in guards):
            return
        with self.busy():
            self.judge(guards, name, frame)


class _TimedSpec(ModuleSpec):
    """A ``ModuleSpec`` for the length of one timed main-thread load (see
    ``_Dispatcher.time_load``): setting ``_initializing`` to False ends the load's span."""

    @property
    def _initializing(self) -> bool:
        return bool(self.__dict__.get("_initializing", False))

    @_initializing.setter
    def _initializing(self, value: bool) -> None:
        self.__dict__["_initializing"] = value
        if not value:
            started = self.__dict__.pop("_imwarmup_span", None)
            self.__class__ = ModuleSpec  # a plain spec again; the value stays in __dict__
            if started is not None:
                _dispatcher.end_load(self, started)


class _WatchedSpec(_TimedSpec):
    """A worker's heavy ``ModuleSpec`` while it loads (see ``_Dispatcher.watch_load``): the main
    thread reading ``_initializing`` as True is the import system about to wait for the module
    lock the worker holds (``_find_and_load``, and the C fast path of an ``import`` statement),
    so that read starts a span; the worker's setting it to False (just before it releases the
    lock) ends it."""

    @property
    def _initializing(self) -> bool:
        value = bool(self.__dict__.get("_initializing", False))
        if (value and threading.get_ident() == threading.main_thread().ident
                and "_imwarmup_span" not in self.__dict__
                and not getattr(_dispatcher._local, "active", False)):  # not the guard's look
            guards = _dispatcher._guards
            if guards:
                self.__dict__["_imwarmup_span"] = (guards, [guard._clock() for guard in guards])
        return value

    @_initializing.setter
    def _initializing(self, value: bool) -> None:
        _TimedSpec._initializing.fset(self, value)  # type: ignore[attr-defined]


class _Busy:
    """Marks this thread as doing a guard's own work for the length of a with-block."""

    def __init__(self, local: threading.local) -> None:
        self._local = local

    def __enter__(self) -> None:
        self._local.active = True

    def __exit__(self, *exc: Any) -> None:
        self._local.active = False


_dispatcher = _Dispatcher()


# The module-name checks live here, not in errors.py, because this file must load on its own
# (``spec_from_file_location``), with no package around it: a guard that watches the import of
# imwarmup itself cannot import imwarmup first. The manager and the audit import them from here.


def is_module_name(name: object) -> bool:
    """Whether ``name`` is a dotted module name such as ``"google.genai"``."""
    return (isinstance(name, str) and bool(name)
            and all(part.isidentifier() for part in name.split(".")))


def check_module_names(
    names: Iterable[str], *, where: str, what: str, after: str = ""
) -> list[str]:
    """Check an argument that holds module names (the manager's modules, the guard's heavy
    list); return them in order, duplicates dropped.

    Args:
        names: the argument's value.
        where: the call, e.g. ``"submit()"``; ``what``: the argument's name, e.g. ``"modules"``.
        after: appended to the messages about an entry, e.g. ``"; nothing was submitted"``.

    Raises:
        TypeError: ``names`` is a bare ``str``/``bytes`` or not iterable, or an entry is not a str.
        ValueError: an entry is empty or not a dotted module name.
    """
    if isinstance(names, (str, bytes, bytearray)):
        raise TypeError(
            f"{where}: {what} must be an iterable of module names, got the bare "
            f"{type(names).__name__} {names!r}; wrap it in a list: [{names!r}]"
        )
    try:
        entries = list(names)
    except TypeError:
        raise TypeError(
            f"{where}: {what} must be an iterable of module names, got {names!r} "
            f"({type(names).__name__})"
        ) from None
    for index, name in enumerate(entries):
        if not isinstance(name, str):
            raise TypeError(
                f"{where}: {what}[{index}] must be a str, got {name!r} "
                f"({type(name).__name__}){after}"
            )
        if not is_module_name(name):
            raise ValueError(
                f"{where}: {what}[{index}] is not a dotted module name: {name!r}{after}"
            )
    return list(dict.fromkeys(entries))


def heavy_root(name: str | None, heavy: Iterable[str]) -> str | None:
    """The first of ``heavy`` that is ``name`` or a parent package of it, else None.

    ``heavy_root("numpy.linalg", ["numpy"])`` is ``"numpy"``; ``"numpyx"`` matches nothing.
    The guard and the static audit (``imwarmup.audit``) both match names with it.
    """
    if not name:
        return None
    for root in heavy:
        if name == root or name.startswith(root + "."):
            return root
    return None


def _validate_heavy(heavy: Iterable[str]) -> tuple[str, ...]:
    names = check_module_names(heavy, where="MainThreadImportGuard()", what="heavy")
    if not names:
        raise ValueError("MainThreadImportGuard(): heavy is empty: the guard would never fire")
    return tuple(names)
