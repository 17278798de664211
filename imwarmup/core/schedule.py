"""The warmup's schedule: how many imports execute at once (``ImportGate``).

Imports hold the interpreter lock (GIL) while they run module code, so four of them on four
workers do not run four times faster: they trade the GIL thousands of times a second and each
trade costs (measured on the SDK set of benchmarks/bench_warmup.py: 26,000 voluntary context
switches with every import let in at once, 150 with one at a time, and the whole warmup slower
than importing the same set one after the other on the main thread). The gate lets
``concurrency`` imports in at once, the lowest canary id (submit order) first; the others wait on
a condition variable, which takes neither CPU nor GIL turns from the import that runs. The jobs
stay on the pool's workers (``controller-io-0`` ...): the one let in runs on its own lane.

An import that does not use the CPU does not hold the others back for long: one that sleeps,
waits on the network or on a lock (it releases the GIL) is *stalled* when its thread ran (or
waited in the kernel's run queue) for less than ``stall_cpu`` of the wall time over the last
``stall_window`` seconds, and the next import goes in beside it. Linux reads that from the
thread's ``schedstat``, so a worker starved by a busy machine is not taken for a stalled one;
other POSIX systems with ``pthread_getcpuclockid`` use the thread's CPU time. Whatever it does, an import stops counting after ``max_hold`` seconds, so one
that spins forever delays the others by ``max_hold`` at most. A stalled import that starts using
the CPU again counts again.

Quick start::

    gate = ImportGate(1)
    manager = WarmupManager(make_io_pool(4), gate=gate)   # what WarmupController() does

``WarmupController(concurrency=None)`` (or 0) has no gate: every worker imports at once.
"""

from __future__ import annotations

import bisect
import math
import numbers
import sys
import threading
import time
from typing import Any, Callable

__all__ = ["ImportGate", "make_gate", "DEFAULT_CONCURRENCY", "STALL_CPU", "STALL_WINDOW_SECONDS",
           "MAX_HOLD_SECONDS", "FRAME_PAUSE_SECONDS", "SWITCH_INTERVAL_SECONDS"]

DEFAULT_CONCURRENCY = 1
# An import whose thread used less than this share of one CPU over the last STALL_WINDOW_SECONDS
# is waiting for something (sleep, network, a lock, a subprocess), not importing: it lets the next
# one in. An import that only waits for the GIL while the GUI holds it still gets well above it.
STALL_CPU = 0.1
STALL_WINDOW_SECONDS = 0.2
# Whatever an import does, after this long it no longer keeps the next one waiting (an import
# that spins for ever, or runs where thread CPU clocks cannot be read). The slowest module of the
# SDK set takes about 1.5 s alone on a loaded 2-CPU machine.
MAX_HOLD_SECONDS = 5.0
# A job that reaches the gate before the one submitted just before it (two workers took them in
# the same instant) waits for it this long at most; the manager forgets the tickets it cancels,
# so only a job lost some other way costs this once.
LINE_GRACE_SECONDS = 0.1
# After a GUI frame starts (note_frame()), the import running pauses at its next nested import
# until this long after the frame's start: the frame's callbacks, which each need the lock, find
# it free instead of waiting up to a switch interval apiece. Measured in
# benchmarks/bench_frames_warming.py; the warmup's wall time did not move.
FRAME_PAUSE_SECONDS = 0.004
# The interpreter's switch interval while an import runs (the host's back after): a GUI thread
# that needs the lock for each callback of a frame waits up to one interval per callback while
# an import holds it (5 ms by default). Measured in benchmarks/bench_frames_warming.py: the frame
# p99 while the SDK set warms 3.4x the idle p99 with 5 ms, 1.9x with 1 ms; the warmup's process
# CPU about 3% more (bench_warmup.py, controller-switch1ms), its wall time unchanged.
SWITCH_INTERVAL_SECONDS = 0.001
# How often the next import in line looks at the CPU clocks of those running (only while one
# waits): 20 wake-ups a second, each a few microseconds.
POLL_SECONDS = 0.05

# A thread's CPU clock read from another thread: POSIX, but not every platform has it (macOS
# has no pthread_getcpuclockid); there, only max_hold lets the next import in.
_CPU_CLOCK = getattr(time, "pthread_getcpuclockid", None)


def _demand_reader() -> Callable[[], float | None] | None:
    """For the calling thread: a function that returns the seconds this thread has run or
    waited to run so far (None once it has ended), readable from any thread.

    Linux: the thread's ``schedstat`` (time on a CPU + time runnable in the run queue). A thread
    that wants the CPU but does not get it (the machine is busy; a nice 10 worker beside other
    processes gets a tenth of a CPU) is not stalled; only one that sleeps, waits for I/O or a
    lock is. Elsewhere: the thread's CPU clock, which cannot tell the two apart.
    """
    path = f"/proc/self/task/{threading.get_native_id()}/schedstat"

    def schedstat() -> float | None:
        try:
            with open(path, "rb") as stat:
                on_cpu, queued = stat.read().split()[:2]
            return (int(on_cpu) + int(queued)) / 1e9
        except (OSError, ValueError):
            return None

    if schedstat() is not None:
        return schedstat
    if _CPU_CLOCK is None:
        return None
    try:
        clock_id = _CPU_CLOCK(threading.get_ident())
    except (OSError, OverflowError):
        return None

    def cpu_clock() -> float | None:
        try:
            return time.clock_gettime(clock_id)
        except OSError:  # the thread has ended
            return None

    return cpu_clock


class _Admitted:
    """One import let in (made on its thread): how to read its thread's CPU demand, and samples
    of it, ``(wall, seconds run or runnable)``."""

    __slots__ = ("ticket", "read", "since", "samples", "stalled", "ident")

    def __init__(self, ticket: int, now: float) -> None:
        self.ticket = ticket
        self.ident = threading.get_ident()
        self.read = _demand_reader()
        self.since = now
        cpu = self.read() if self.read is not None else None
        self.samples: list[tuple[float, float]] = [] if cpu is None else [(now, cpu)]
        self.stalled = False

    def counts(self, now: float, stall_cpu: float, window: float, max_hold: float) -> bool:
        """Whether this import still keeps the next one out (sampling its CPU clock now)."""
        if now - self.since >= max_hold:
            return False
        cpu = self.read() if self.read is not None else None
        if cpu is None:
            return True  # no clock: only max_hold ends its turn
        samples = self.samples
        samples.append((now, cpu))
        # Keep the newest sample at least `window` old and everything after it.
        cut = 0
        for i, (t, _) in enumerate(samples):
            if now - t >= window:
                cut = i
            else:
                break
        del samples[:cut]
        t0, cpu0 = samples[0]
        if now - t0 < window:
            return True  # not watched for a whole window yet
        self.stalled = (cpu - cpu0) < stall_cpu * (now - t0)
        return not self.stalled


class ImportGate:
    """Lets at most ``concurrency`` imports run at once, lowest ticket (canary id) first.

    The warmup manager calls ``enter(ticket, abandoned)`` on the worker before an import and
    ``leave(ticket)`` after it; ``wake()`` when it cancels canaries, so a cancelled job waiting
    here returns at once.

    Args:
        concurrency: imports let in at once, an ``int >= 1``.
        stall_cpu: an import whose thread used less than this share of a CPU over the last
            ``stall_window`` seconds is stalled and lets the next one in; in ``0..1``.
        stall_window: seconds, ``> 0``.
        max_hold: seconds after which an import no longer keeps the next one out, ``> 0``
            (``math.inf``: never).
        frame_pause: seconds ``> 0`` (default 0.004), or None: after each ``note_frame()`` (the
            GUI calls it when a frame starts; ``DiagnosticsPlugin`` does), the import running
            pauses at its next nested import until that many seconds after the frame's start, so
            the frame's callbacks find the interpreter lock free (a finder first on
            ``sys.meta_path`` while an import runs). Without ``note_frame()`` calls nothing
            pauses.
        switch_interval: seconds ``> 0`` (default 0.001): the interpreter's switch interval
            while an import runs, the host's value back as soon as none does or at
            ``restore_switch_interval()`` (unless the host changed it meanwhile); None leaves
            ``sys.setswitchinterval`` alone. A GUI thread that needs the lock for each callback
            of a frame waits up to one interval per callback while an import holds it (5 ms by
            default).

    Raises:
        TypeError, ValueError: a bad argument, named with the value given.
    """

    def __init__(
        self,
        concurrency: int = DEFAULT_CONCURRENCY,
        *,
        stall_cpu: float = STALL_CPU,
        stall_window: float = STALL_WINDOW_SECONDS,
        max_hold: float = MAX_HOLD_SECONDS,
        switch_interval: float | None = SWITCH_INTERVAL_SECONDS,
        frame_pause: float | None = FRAME_PAUSE_SECONDS,
    ) -> None:
        if isinstance(concurrency, bool) or not isinstance(concurrency, int):
            raise TypeError(
                f"ImportGate(): concurrency must be an int >= 1, got {concurrency!r} "
                f"({type(concurrency).__name__})"
            )
        if concurrency < 1:
            raise ValueError(f"ImportGate(): concurrency must be >= 1, got {concurrency!r}")
        self._limit = concurrency
        self._stall_cpu = _number(stall_cpu, "stall_cpu", low=0.0, high=1.0)
        self._window = _number(stall_window, "stall_window", low=0.0, open_low=True)
        self._max_hold = _number(max_hold, "max_hold", low=0.0, open_low=True)
        self._switch = (None if switch_interval is None else
                        _number(switch_interval, "switch_interval", low=0.0, open_low=True))
        self._saved_switch: float | None = None  # the host's interval while ours is set
        self._pause = (None if frame_pause is None else
                       _number(frame_pause, "frame_pause", low=0.0, open_low=True))
        self._frame_at = -math.inf  # perf_counter() of the latest note_frame()
        self._pausing: frozenset[int] = frozenset()  # thread idents of the imports let in
        self._paused_s = 0.0  # seconds imports spent paused for frames
        self._finder: _FramePause | None = None
        self._switch_set = 0.0
        self._cond = threading.Condition(threading.Lock())
        self._waiting: list[int] = []  # tickets waiting to enter, kept sorted
        self._line: list[int] = []  # tickets expected and not yet let in or given up, sorted
        self._admitted: dict[int, _Admitted] = {}
        self._entered = 0
        self._bypassed = 0  # admissions made while an import was stalled or over max_hold

    @property
    def concurrency(self) -> int:
        return self._limit

    # ------------------------------------------------------------------------------ workers
    def expect(self, tickets: list[int]) -> None:
        """Tickets submitted (in this order): the lowest one not yet in goes in first, even when
        a later one reaches the gate before it."""
        with self._cond:
            self._line.extend(tickets)
            self._line.sort()

    def forget(self, tickets: list[int]) -> None:
        """Tickets whose jobs will not come (cancelled): nobody waits for them any more."""
        with self._cond:
            gone = set(tickets)
            self._line = [t for t in self._line if t not in gone]
            self._cond.notify_all()

    def enter(self, ticket: int, abandoned: Callable[[], bool] = lambda: False) -> bool:
        """Wait (on the calling worker) until ``ticket`` may import.

        Args:
            ticket: the job's place in line; lower goes first (the manager uses canary ids).
            abandoned: returns True once the job no longer needs to run (its canary was
                cancelled); checked on every wake-up (see ``wake()``).

        Returns:
            True: the import may run; call ``leave(ticket)`` after it. False: abandoned.
        """
        cond = self._cond
        with cond:
            self._waiting.append(ticket)
            self._waiting.sort()
            if ticket not in self._line:
                bisect.insort(self._line, ticket)
            lowest_since: float | None = None  # when this job became the lowest one waiting
            try:
                while True:
                    if abandoned():
                        return False
                    head = self._waiting[0] == ticket
                    if head and self._line[0] != ticket:
                        # An earlier ticket has not reached the gate yet: give it a moment.
                        now = time.monotonic()
                        lowest_since = now if lowest_since is None else lowest_since
                        if now - lowest_since < LINE_GRACE_SECONDS:
                            cond.wait(LINE_GRACE_SECONDS - (now - lowest_since))
                            continue
                    if head:
                        busy = self._busy_locked()
                        if busy < self._limit:
                            now = time.monotonic()
                            if len(self._admitted) >= self._limit:
                                self._bypassed += 1
                            if self._switch is not None and not self._admitted:
                                self._saved_switch = sys.getswitchinterval()
                                sys.setswitchinterval(self._switch)
                                self._switch_set = sys.getswitchinterval()  # as stored
                            self._admitted[ticket] = _Admitted(ticket, now)
                            self._admitted_changed_locked()
                            self._entered += 1
                            return True
                    # The head polls the CPU clocks of the imports running; the others sleep
                    # until the line moves (an admission, a leave, a wake()).
                    cond.wait(POLL_SECONDS if head and self._admitted else None)
            finally:
                self._waiting.remove(ticket)
                if ticket in self._line:
                    self._line.remove(ticket)
                cond.notify_all()  # the next in line is now the head

    def leave(self, ticket: int) -> None:
        """The import of ``ticket`` has ended (or its job gave up after entering)."""
        with self._cond:
            self._admitted.pop(ticket, None)
            self._admitted_changed_locked()
            if not self._admitted:
                self._restore_switch_locked()
            self._cond.notify_all()

    def restore_switch_interval(self) -> None:
        """Give the host its switch interval back now, even while an import still runs (the
        controller's ``shutdown()``; unless the host changed it meanwhile). Imports let in
        later set it again."""
        with self._cond:
            self._restore_switch_locked()

    def _restore_switch_locked(self) -> None:
        """The host's switch interval back, if this gate set one (and the host did not set
        its own since)."""
        if self._saved_switch is not None:
            if sys.getswitchinterval() == self._switch_set:  # else the host set its own
                sys.setswitchinterval(self._saved_switch)
            self._saved_switch = None

    def note_frame(self) -> None:
        """A GUI frame starts now (call it on the GUI thread, once per frame; one float store).
        With ``frame_pause``, the import running pauses at its next nested import until
        ``frame_pause`` seconds after this call."""
        self._frame_at = time.perf_counter()

    def _admitted_changed_locked(self) -> None:
        if self._pause is None:
            return
        self._pausing = frozenset(entry.ident for entry in self._admitted.values())
        # Rebinding sys.meta_path (never changing the list in place) leaves an import that is
        # walking the old list on another thread undisturbed (as purity.py does).
        if self._pausing and self._finder is None:
            self._finder = _FramePause(self)
            sys.meta_path = [self._finder, *sys.meta_path]
        elif not self._pausing and self._finder is not None:
            finder, self._finder = self._finder, None
            sys.meta_path = [f for f in sys.meta_path if f is not finder]

    def _frame_wait(self) -> None:
        """On an importing thread, at a nested import: pause while a frame is being built."""
        if threading.get_ident() not in self._pausing or self._pause is None:
            return
        left = self._frame_at + self._pause - time.perf_counter()
        if 0.0 < left <= self._pause:
            time.sleep(left)  # releases the interpreter lock: the frame's callbacks take it
            self._paused_s += left

    def wake(self) -> None:
        """Make every waiting job check ``abandoned()`` again (the manager cancelled some)."""
        with self._cond:
            self._cond.notify_all()

    def _busy_locked(self) -> int:
        now = time.monotonic()
        return sum(1 for entry in self._admitted.values()
                   if entry.counts(now, self._stall_cpu, self._window, self._max_hold))

    # ------------------------------------------------------------------------------ queries
    def status(self) -> dict[str, Any]:
        """A copy of the gate's state: limit, tickets running and waiting, admissions so far
        and how many of them went past an import that was stalled or over ``max_hold``."""
        with self._cond:
            return {
                "concurrency": self._limit,
                "running": sorted(self._admitted),
                "stalled": sorted(t for t, e in self._admitted.items() if e.stalled),
                "waiting": list(self._waiting),
                "entered": self._entered,
                "bypassed": self._bypassed,
                "paused_s": self._paused_s,
            }

    def __repr__(self) -> str:
        status = self.status()
        return (f"<ImportGate concurrency={self._limit}: {len(status['running'])} running, "
                f"{len(status['waiting'])} waiting, {status['bypassed']} let past a stall>")


class _FramePause:
    """A meta-path finder that finds nothing: it only lets ``ImportGate._frame_wait`` run at
    each nested import of the thread importing."""

    def __init__(self, gate: ImportGate) -> None:
        self._gate = gate

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        self._gate._frame_wait()
        return None


def make_gate(concurrency: Any, where: str = "WarmupController()") -> ImportGate | None:
    """The gate for a ``concurrency`` argument: None or 0 make none (every worker imports at
    once); an ``int >= 1`` makes an :class:`ImportGate`; an ``ImportGate`` (its stall settings
    chosen) is used as it is.

    Raises:
        TypeError: ``concurrency`` is not None, an int or an ImportGate (a bool, a float, a str).
        ValueError: ``concurrency`` is negative.
    """
    if concurrency is None or isinstance(concurrency, ImportGate):
        return concurrency
    if isinstance(concurrency, bool) or not isinstance(concurrency, int):
        raise TypeError(
            f"{where}: concurrency must be None, an int >= 0 (how many imports execute at "
            f"once; None or 0: no limit) or an ImportGate, got {concurrency!r} "
            f"({type(concurrency).__name__})"
        )
    if concurrency < 0:
        raise ValueError(
            f"{where}: concurrency must be >= 0, got {concurrency!r}; pass 1 (the default: one "
            f"import at a time) or None for every worker at once"
        )
    return ImportGate(concurrency) if concurrency else None


def _number(value: Any, name: str, *, low: float, high: float | None = None,
            open_low: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"ImportGate(): {name} must be a number, got {value!r} "
                        f"({type(value).__name__})")
    try:
        number = float(value)
    except OverflowError:  # an int such as 10**400: beyond any bound
        number = math.inf if value > 0 else -math.inf  # type: ignore[operator]
    bad = (number != number or number < low or (open_low and number == low)
           or (high is not None and number > high))
    if bad:
        bounds = f"{'>' if open_low else '>='} {low:g}" + (f" and <= {high:g}" if high else "")
        raise ValueError(f"ImportGate(): {name} must be {bounds}, got {value!r}")
    return number
