"""What the cyclic garbage collector does while a warmup round runs (``GCWhileWarming``).

Imports make hundreds of thousands of objects that live as long as the process (modules,
classes, functions). The collector's full (generation 2) collections walk every one of them: on
the SDK set of benchmarks/bench_warmup.py, six of them took 0.7-1.5 s of a 3.5-4.8 s import on
this 2-CPU machine, up to 0.95 s apiece, holding the interpreter lock the whole time (on a
worker, a frame that needs the lock waits for it). The modes:

- ``"defer"`` (the controller's default): no full collection while the round runs (generation
  2's threshold raised; the young generations still collect, so cyclic garbage does not pile
  up), then ``gc.freeze()`` when it ends: what the imports made moves to the permanent
  generation, which no later collection walks (the app's own full collections after the warmup
  included: without it the first one walks it all, on whichever thread allocates, often the
  GUI's). The app's threshold is back when the round ends.
- ``"freeze"``: ``gc.freeze()`` after each import ends; collections keep running as usual, the
  full ones walk only what was made since the last freeze.
- ``"disable"``: ``gc.disable()`` for the round (what Instagram does at start-up) and
  ``gc.freeze()`` + ``gc.enable()`` when it ends. Cyclic garbage made while the round runs
  (about 3,000 objects for the SDK set) is frozen with the rest and never freed.
- ``None``: the collector is left alone.

Whatever the mode, the app's settings come back when the round ends (the last import ends, or
``shutdown()`` cancels the rest) unless the app changed them meanwhile: a threshold it set, or a
collector it enabled, stays as it is. Frozen objects stay frozen (``gc.unfreeze()`` would put
them back under the full collections the mode saved). The price of a freeze: an object alive
then (the app's too) that later becomes unreachable only through a reference cycle is never
freed, e.g. a controller dropped without ``shutdown()`` after its warmup. It is paid once per
freeze, so ``"defer"`` (one freeze) pins least; the SDK set itself leaves about ten such
objects.

Quick start::

    policy = GCWhileWarming("defer")
    policy.begin()          # the round starts
    ...                     # policy.after_import() on the worker after each import
    policy.end()            # the round ends (idempotent)
"""

from __future__ import annotations

import gc
import threading
from typing import Any

__all__ = ["GCWhileWarming", "GC_MODES", "DEFAULT_GC_MODE", "validate_gc_mode"]

GC_MODES = ("freeze", "defer", "disable")
DEFAULT_GC_MODE = "defer"
# Generation 2's threshold while a "defer" round runs: no full collection (it is an int in C).
DEFERRED_THRESHOLD = 1_000_000_000


def validate_gc_mode(mode: Any, where: str = "WarmupController()") -> str | None:
    """``mode`` checked: None or one of ``GC_MODES``.

    Raises:
        TypeError: ``mode`` is not None or a str.
        ValueError: a str that is not one of ``GC_MODES``.
    """
    if mode is None:
        return None
    if not isinstance(mode, str):
        raise TypeError(f"{where}: gc_while_warming must be None or one of "
                        f"{', '.join(map(repr, GC_MODES))}, got {mode!r} ({type(mode).__name__})")
    if mode not in GC_MODES:
        raise ValueError(f"{where}: gc_while_warming must be None (leave the collector alone) or "
                         f"one of {', '.join(map(repr, GC_MODES))}, got {mode!r}")
    return mode


class GCWhileWarming:
    """Applies a ``mode`` (see the module docstring) to one warmup round.

    ``begin()`` when the round starts, ``after_import()`` on the worker after each import,
    ``end()`` when the round ends or is cancelled (idempotent: the first call restores, the
    others do nothing; ``after_import()`` after ``end()`` does nothing).

    Args:
        mode: None, ``"freeze"``, ``"defer"`` or ``"disable"``.

    Raises:
        TypeError, ValueError: a bad ``mode``, named.
    """

    def __init__(self, mode: str | None) -> None:
        self.mode = validate_gc_mode(mode, "GCWhileWarming()")
        self._lock = threading.Lock()
        self._active = False
        self._saved_threshold: tuple[int, ...] | None = None  # the app's, while ours is set
        self._set_threshold: tuple[int, ...] | None = None  # ours, as gc stores it
        self._disabled = False  # this round turned the collector off
        self.frozen = 0  # gc.freeze() calls made

    @property
    def active(self) -> bool:
        """Between ``begin()`` and ``end()``."""
        return self._active

    def begin(self) -> None:
        with self._lock:
            if self._active or self.mode is None:
                return
            self._active = True
            if self.mode == "defer":
                saved = gc.get_threshold()
                gc.set_threshold(saved[0], saved[1], DEFERRED_THRESHOLD)
                self._saved_threshold, self._set_threshold = saved, gc.get_threshold()
            elif self.mode == "disable" and gc.isenabled():
                gc.disable()
                self._disabled = True

    def after_import(self) -> None:
        """An import has ended (on its worker): ``"freeze"`` freezes what it made."""
        if self.mode != "freeze" or not self._active:  # a plain read: a late freeze is harmless
            return
        gc.freeze()
        self.frozen += 1

    def end(self) -> None:
        """The round is over: freeze what the last imports made, give the app its settings
        back (those it has not changed meanwhile)."""
        with self._lock:
            if not self._active:
                return
            self._active = False
            gc.freeze()
            self.frozen += 1
            if self._saved_threshold is not None:
                if gc.get_threshold() == self._set_threshold:  # else the app set its own
                    gc.set_threshold(*self._saved_threshold)
                self._saved_threshold = self._set_threshold = None
            if self._disabled:
                if not gc.isenabled():  # else the app enabled it: leave it
                    gc.enable()
                self._disabled = False

    def __repr__(self) -> str:
        state = "active" if self._active else "idle"
        return f"<GCWhileWarming mode={self.mode!r} {state}, {self.frozen} freezes>"
