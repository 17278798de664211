"""FrameLog: when each GUI frame started, for frame-time figures while the warmup runs.

The GUI marks one frame start per frame on its main thread; anyone else (a diagnostics lane, a
freeze watcher on another thread, a summary) reads copies. Pure Python: no GUI import.

Quick start::

    log = controller.frames                 # every WarmupController owns one
    log.mark(log.clock())                   # the plugin does this once per frame, at its start
    log.last                                # the latest frame start (a freeze watcher polls it)
    log.stats(start, end)                   # {"count", "p50_ms", "p99_ms", "worst_ms", ...}

A frame is the interval from one mark to the next: the latest mark is a frame still running and
is not counted until the next mark. ``DiagnosticsPlugin`` marks from its first frame until
``FRAME_LOG_TAIL_S`` after the warmup is done (and again while a later warmup runs), so a
long-running app stops paying for it; ``stop()`` ends a series, so the pause before the next
mark is never counted as a frame.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Any, Callable

__all__ = ["FrameLog", "FRAME_LOG_TAIL_S"]

# How long the plugin keeps marking frames after the warmup is done: the frames right after it
# (the first draws of what was warmed) still count; after that the app pays nothing.
FRAME_LOG_TAIL_S = 5.0


class FrameLog:
    """A bounded ring of completed frames, ``(frame_start, interval_s)``.

    Args:
        capacity: how many completed frames are kept (the oldest drop out); 4096 frames is
            about 68 s at 60 fps.
        clock: the clock marks are read from (``mark(log.clock())``); ``WarmupController``
            passes its own, so frame starts share the canaries' time axis.

    Raises:
        TypeError: ``capacity`` is not an int, or ``clock`` is not callable.
        ValueError: ``capacity`` is below 1.
    """

    def __init__(self, capacity: int = 4096, *,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        if not isinstance(capacity, int) or isinstance(capacity, bool):
            raise TypeError(f"FrameLog(): capacity must be an int (frames kept), got {capacity!r}")
        if capacity < 1:
            raise ValueError(f"FrameLog(): capacity must be at least 1 frame, got {capacity}")
        if not callable(clock):
            raise TypeError(f"FrameLog(): clock must be callable, got {clock!r}")
        self.capacity = capacity
        self.clock = clock
        self._frames: deque[tuple[float, float]] = deque(maxlen=capacity)
        self._last: float | None = None
        # Seconds the GUI may now wait for an event before its next frame (its host idles:
        # hello_imgui's idling waits up to 1 / fps_idle); the GUI sets it, a freeze watcher
        # allows it on top of its threshold. 0.0: frames come as fast as they are drawn.
        self.idle_wait_s = 0.0
        # The host's idle waits, ``(start, seconds)``: the spans between frames that were no
        # frame (``idle()``), kept as many as the frames.
        self._idle: deque[tuple[float, float]] = deque(maxlen=capacity)
        self._lock = threading.Lock()

    def mark(self, now: float) -> None:
        """A frame starts at ``now`` (and the previous one, if any, ends there). The GUI thread,
        once per frame: the only writer of the ring.

        No lock: right after the host rendered, a lock taken on the frame costs µs (cold), and
        none is needed with one writer: ``deque.append`` and attribute stores are atomic, and
        readers copy the ring with ``list()`` in one C call (``frames()``), so they see each
        completed frame whole or not at all."""
        last = self._last
        self._last = now
        if last is not None:
            self._frames.append((last, now - last))

    def stop(self) -> None:
        """End the current series: the frame in progress is dropped and the next ``mark()``
        starts a new series (the pause in between is not a frame). ``last`` becomes None."""
        with self._lock:
            self._last = None

    @property
    def last(self) -> float | None:
        """The latest frame start, or None before the first mark and after ``stop()``."""
        return self._last  # one attribute read: atomic, no lock needed

    def idle(self, now: float, next_wait_s: float = 0.0) -> None:
        """The host idled before the frame starting at ``now`` (it waited for an event, as
        hello_imgui's idling does): the span since the latest frame start is kept as an idle
        wait, not a frame, and the series ends (call ``mark(now)`` next). ``next_wait_s``: how
        long the next wait may be (``idle_wait_s``). The GUI thread, like ``mark()``."""
        with self._lock:
            last = self._last
            if last is not None and now > last:
                self._idle.append((last, now - last))
            self._last = None
        self.idle_wait_s = next_wait_s

    def idle_waits(self, start: float | None = None,
                   end: float | None = None) -> list[tuple[float, float]]:
        """A copy of the idle waits ``(start, seconds)`` (see ``idle()``) whose start is in
        ``[start, end)`` (None: unbounded), oldest first."""
        with self._lock:
            waits = list(self._idle)
        lo = -math.inf if start is None else start
        hi = math.inf if end is None else end
        return [w for w in waits if lo <= w[0] < hi]

    def frames(self, start: float | None = None,
               end: float | None = None) -> list[tuple[float, float]]:
        """A copy of the completed frames ``(frame_start, interval_s)`` whose start is in
        ``[start, end)`` (None: unbounded), oldest first."""
        while True:
            try:
                frames = list(self._frames)  # one C call: mark() cannot run in between
                break
            except RuntimeError:  # "deque mutated during iteration": only if the copy let
                continue          # another thread run (a finalizer); copy again
        if start is None and end is None:
            return frames
        lo = -math.inf if start is None else start
        hi = math.inf if end is None else end
        return [f for f in frames if lo <= f[0] < hi]

    def stats(self, start: float | None = None, end: float | None = None) -> dict[str, Any] | None:
        """Frame-interval figures over the frames ``frames(start, end)`` returns, or None when
        there is none: ``count``, ``p50_ms`` and ``p99_ms`` (nearest rank: the smallest
        interval that at least 50% / 99% of the frames do not exceed), ``worst_ms`` and
        ``worst_start`` (the longest frame and when it started), ``idle_waits`` (how many of
        the host's idle waits, left out of the figures, started in the same span)."""
        frames = self.frames(start, end)
        if not frames:
            return None
        intervals = sorted(f[1] for f in frames)
        n = len(intervals)
        worst = max(frames, key=lambda f: f[1])
        return {
            "count": n,
            "p50_ms": intervals[max(0, math.ceil(0.50 * n) - 1)] * 1000.0,
            "p99_ms": intervals[max(0, math.ceil(0.99 * n) - 1)] * 1000.0,
            "worst_ms": worst[1] * 1000.0,
            "worst_start": worst[0],
            "idle_waits": len(self.idle_waits(start, end)),
        }

    def __len__(self) -> int:
        return len(self._frames)

    def __repr__(self) -> str:
        return f"<FrameLog {len(self._frames)}/{self.capacity} frames, last {self._last!r}>"
