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

Each violation is the *first* import of a heavy module (or one of its submodules) that actually
executes on the main thread: a module already in ``sys.modules`` (warmed on a worker) costs
nothing and is never reported. The file and line are the code that asked for the import, found by
walking the stack past importlib and past the heavy package's own code, so
``importlib.import_module("numpy")`` is attributed to its caller as well.
"""

from __future__ import annotations

import sys
import threading
import time
import warnings
from typing import Any, Callable, Iterable

__all__ = [
    "MainThreadImportGuard",
    "MainThreadImportError",
    "MainThreadImportWarning",
    "DEFAULT_HEAVY",
    "MODES",
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
    """A guard in ``"warn"`` mode saw a heavy import on the main thread."""


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
        self._mode = mode
        self._clock = clock
        self._lock = threading.Lock()
        self._violations: list[dict[str, Any]] = []
        self._seen: set[tuple[str, str, int]] = set()
        self._enabled = False
        self._revision = 0

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
        """Start watching imports (installs the process's audit hook on first use). Returns self."""
        _dispatcher.add(self)
        self._enabled = True
        return self

    def disable(self) -> None:
        """Stop watching; the recorded violations stay. The audit hook stays installed (Python
        cannot remove one) but does nothing for a disabled guard."""
        self._enabled = False
        _dispatcher.remove(self)

    def __enter__(self) -> "MainThreadImportGuard":
        return self.enable()

    def __exit__(self, *exc: Any) -> None:
        self.disable()

    def violations(self) -> list[dict[str, Any]]:
        """A copy of each violation: ``{"module", "imported", "file", "line", "importer",
        "thread_name", "ts"}``. ``module`` is the heavy module that was loaded, ``imported`` the
        name the import event was for (a submodule or a dependency of it), ``importer`` the
        module name of the blamed code."""
        with self._lock:
            return [dict(v) for v in self._violations]

    def clear(self) -> None:
        """Forget the recorded violations."""
        with self._lock:
            self._violations.clear()
            self._seen.clear()
            self._revision += 1

    # ---------------------------------------------------------------------------- matching
    def _heavy_root(self, name: str | None) -> str | None:
        if not name:
            return None
        for root in self._heavy:
            if name == root or name.startswith(root + "."):
                return root
        return None

    def _on_import(self, name: str, frame: Any) -> None:
        """Called by the audit hook on the main thread for a module not in ``sys.modules``."""
        heavy_module = None  # the outermost heavy module whose code is on the stack
        blamed = None
        while frame is not None:
            module = frame.f_globals.get("__name__")
            if module in _IMPORTLIB_MODULES:
                frame = frame.f_back
                continue
            if self._heavy_root(module) is not None:
                heavy_module = module  # keep walking: blame whoever imported the heavy package
                frame = frame.f_back
                continue
            blamed = frame
            break
        target = heavy_module or name
        root = self._heavy_root(target)
        if root is None:
            return  # neither the imported module nor any code on the stack is heavy
        file = blamed.f_code.co_filename if blamed is not None else "<unknown>"
        line = blamed.f_lineno if blamed is not None else 0
        # One record per heavy package and blamed line: `import numpy` fires an event for numpy,
        # its parents and every module numpy's __init__ pulls in.
        key = (root, file, line)
        with self._lock:
            if key in self._seen:
                return
            self._seen.add(key)
            violation = {
                "module": target if heavy_module is None else heavy_module,
                "imported": name,
                "file": file,
                "line": line,
                "importer": blamed.f_globals.get("__name__") if blamed is not None else None,
                "thread_name": threading.current_thread().name,
                "ts": self._clock(),
            }
            self._violations.append(violation)
            self._revision += 1
        message = (
            f"heavy module {violation['module']!r} imported on the main thread at {file}:{line}; "
            f"warm it on a worker instead (WarmupController([{root!r}, ...]) and "
            f"controller.require_warmed({violation['module']!r}) once ready)"
        )
        if self._mode == "warn":
            warnings.warn_explicit(
                message, MainThreadImportWarning, file, line,
                module=violation["importer"] or "<unknown>",
            )
        elif self._mode == "raise":
            raise MainThreadImportError(message, dict(violation))


class _Dispatcher:
    """The one audit hook of the process, forwarding import events to the enabled guards.

    This is process-wide state on purpose (STYLE.md item 4 prefers state owned by objects):
    ``sys.addaudithook`` hooks can never be removed, so installing one per guard would leak a
    hook per guard for the life of the process. One hook, installed on the first ``enable()``,
    serves every guard; a disabled guard simply leaves the list.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._guards: tuple[MainThreadImportGuard, ...] = ()  # replaced, never mutated: lock-free reads
        self._installed = False
        self._busy = threading.local()

    def add(self, guard: MainThreadImportGuard) -> None:
        with self._lock:
            if guard not in self._guards:
                self._guards = self._guards + (guard,)
            if not self._installed:
                sys.addaudithook(self._hook)
                self._installed = True

    def remove(self, guard: MainThreadImportGuard) -> None:
        with self._lock:
            self._guards = tuple(g for g in self._guards if g is not guard)

    def _hook(self, event: str, args: tuple[Any, ...]) -> None:
        # Runs for every audited event in the process: return as early and cheaply as possible.
        if event != "import" or not self._guards:
            return
        name = args[0]
        if name in sys.modules or threading.get_ident() != threading.main_thread().ident:
            return
        if getattr(self._busy, "active", False):
            return  # an import made by a guard itself (warnings may import linecache)
        self._busy.active = True
        try:
            frame = sys._getframe(1)
            for guard in self._guards:
                guard._on_import(name, frame)
        finally:
            self._busy.active = False


_dispatcher = _Dispatcher()


def _validate_heavy(heavy: Iterable[str]) -> tuple[str, ...]:
    if isinstance(heavy, (str, bytes)):
        raise TypeError(
            f"MainThreadImportGuard(): heavy must be an iterable of module names, got the bare "
            f"str {heavy!r}; wrap it in a list: [{heavy!r}]"
        )
    try:
        names = list(heavy)
    except TypeError:
        raise TypeError(
            f"MainThreadImportGuard(): heavy must be an iterable of module names, got {heavy!r}"
        ) from None
    if not names:
        raise ValueError("MainThreadImportGuard(): heavy is empty: the guard would never fire")
    for index, name in enumerate(names):
        if not isinstance(name, str):
            raise TypeError(
                f"MainThreadImportGuard(): heavy[{index}] must be a str, got {name!r}"
            )
        if not name or not all(part.isidentifier() for part in name.split(".")):
            raise ValueError(
                f"MainThreadImportGuard(): heavy[{index}] is not a dotted module name: {name!r}"
            )
    return tuple(dict.fromkeys(names))
