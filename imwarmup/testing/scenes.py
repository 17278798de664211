"""Named, deterministic scenes: a scripted source, a stepped clock and how to show them.

Each scene renders the same pixels every run (fixed origin, fixed clock step per frame, fonts
from imgui-bundle). Used by the screenshot tests and the real-frame tests; apps can copy the idea.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .scripted import ORIGIN, PlannedCanary, ScriptedProfiler, plan

__all__ = ["Scene", "SCENES", "get_scene", "MIXED_CANARIES"]

_ERR = "ImportError: vendor SDK needs libfoo.so, which is not installed"

# Every state at once, for the debug window: done, failed, cancelled, running, queued, and one
# import on the main thread (a purity violation). ``cpu``: the ended imports' own work, the rest
# of their bars waiting (as on a real worker, mostly the GIL).
MIXED_CANARIES: tuple[PlannedCanary, ...] = (
    plan("numpy", "controller-io-0", start=0.01, end=0.48, cpu=0.21),
    plan("sqlite3", "controller-io-1", start=0.01, end=0.09, cpu=0.06),
    plan("email.mime.multipart", "controller-io-2", start=0.02, end=0.35, cpu=0.04),
    plan("provider_sdk", "controller-io-3", start=0.02, end=0.22, outcome="failed", error=_ERR,
         cpu=0.012),
    plan("decimal", "controller-io-1", start=0.10, end=0.16, cpu=0.035),
    plan("ssl", "controller-io-1", start=0.17, end=0.30, outcome="cancelled"),
    plan("json", "MainThread", start=0.0, end=0.03, cpu=0.026),
    plan("xml.dom.minidom", "controller-io-2", start=0.36, end=None),
    plan("slow_sdk", "controller-io-3", start=0.23, end=None),
    plan("tarfile", None, start=None, end=None),
)

# 8 modules, 3 finished at t=0.5 s: "Warming up... (3/8)".
WARMING_CANARIES: tuple[PlannedCanary, ...] = (
    plan("numpy", "controller-io-0", start=0.01, end=0.30),
    plan("sqlite3", "controller-io-1", start=0.01, end=0.12),
    plan("decimal", "controller-io-2", start=0.02, end=0.20),
    plan("email.mime.multipart", "controller-io-3", start=0.02, end=None),
    plan("http.server", "controller-io-1", start=0.13, end=None),
    plan("ssl", "controller-io-2", start=0.21, end=None),
    plan("tarfile", "controller-io-0", start=0.31, end=None),
    plan("unittest", None, start=None, end=None),
)


def _all_done(failures: int) -> tuple[PlannedCanary, ...]:
    names = ["numpy", "sqlite3", "decimal", "email.mime.multipart", "http.server", "ssl",
             "tarfile", "unittest"]
    out = []
    for i, name in enumerate(names):
        lane = f"controller-io-{i % 4}"
        start = 0.01 + 0.06 * (i // 4) + 0.01 * (i % 4)
        failed = i >= len(names) - failures
        out.append(plan(name, lane, start=start, end=start + 0.05 + 0.03 * (i % 3),
                        outcome="failed" if failed else "completed",
                        error=f"ModuleNotFoundError: No module named '{name}_vendor'" if failed else None))
    return tuple(out)


def _profile() -> ScriptedProfiler:
    phases = [
        {"name": "config.load", "kind": "sequential", "start_ms": 0.0, "duration_ms": 4.2, "depth": 0, "thread": "MainThread", "error": None, "done": True},
        {"name": "gui.setup", "kind": "sequential", "start_ms": 4.2, "duration_ms": 18.5, "depth": 0, "thread": "MainThread", "error": None, "done": True},
        {"name": "warmup:numpy", "kind": "async", "start_ms": 10.0, "duration_ms": 470.0, "depth": 0, "thread": "controller-io-0", "error": None, "done": True},
        {"name": "warmup:provider_sdk", "kind": "async", "start_ms": 20.0, "duration_ms": 200.0, "depth": 0, "thread": "controller-io-3", "error": _ERR, "done": True},
    ]
    report = {"total_ms": 480.0, "critical_path_ms": 22.7, "phases": phases,
              "marks": [{"name": "first_frame", "at_ms": 31.0}]}
    text = "\n".join([
        "Startup profile",
        "phase                      start  duration",
        "Sequential phases",
        "  config.load             0.0 µs    4.2 ms",
        "  gui.setup               4.2 ms   18.5 ms",
        "Async phases",
        "  warmup:numpy           10.0 ms  470.0 ms",
        "  warmup:provider_sdk    20.0 ms  200.0 ms  ! " + _ERR,
        "Marks",
        "  first_frame            31.0 ms            ready",
        "Critical path: 22.7 ms",
        "Total: 480.0 ms",
    ])
    return ScriptedProfiler(report, text)


@dataclass(frozen=True)
class Scene:
    """How to show one deterministic state.

    ``start``: seconds after the plan's origin at the first frame; ``step``: clock seconds per
    frame; ``frames``: frames to render before the capture (non-interactive runs).
    """

    name: str
    canaries: tuple[PlannedCanary, ...]
    start: float = 0.0
    step: float = 1 / 60
    frames: int = 30
    open_diagnostics: bool = False
    toasts: bool = True        # False: toasts vanish at once (stable interactive captures)
    profile: bool = True
    description: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def origin(self) -> float:
        return ORIGIN


SCENES: dict[str, Scene] = {s.name: s for s in (
    Scene("status_warming", WARMING_CANARIES, start=0.5, step=0.0, frames=20, toasts=False,
          description="Warming up... (3/8), amber dot, progress bar"),
    Scene("status_ready", _all_done(0), start=2.0, step=0.0, frames=20, toasts=False,
          description="green dot, All imports ready"),
    Scene("status_failed", _all_done(2), start=2.0, step=0.0, frames=20, toasts=False,
          description="red dot, Imports ready, 2 failed"),
    Scene("toast", _all_done(0), start=0.0, step=1 / 60, frames=60,
          description="warmup completes at ~0.3 s; the toast is fully in at ~0.6 s"),
    Scene("timeline", MIXED_CANARIES[:7] + (
        plan("xml.dom.minidom", "controller-io-2", start=0.36, end=1.2),
        plan("slow_sdk", "controller-io-3", start=0.23, end=1.6, outcome="failed",
             error="TimeoutError: the SDK's licence server did not answer"),
        plan("tarfile", "controller-io-0", start=0.5, end=0.9),
    ), start=-0.5, step=1 / 60, frames=240,
          description="idle -> warming -> done with failures, toast; every state on the way"),
    Scene("debug_window", MIXED_CANARIES, start=0.6, step=0.0, frames=30, open_diagnostics=True,
          toasts=False, description="the diagnostics window with every canary state"),
    Scene("interactive", MIXED_CANARIES, start=0.6, step=0.0, frames=0, toasts=False,
          description="static mixed state for pyautogui-driven tests"),
)}


def get_scene(name: str) -> Scene:
    """The scene called ``name``; ``KeyError`` lists the known ones."""
    try:
        return SCENES[name]
    except KeyError:
        raise KeyError(f"unknown scene {name!r}; known scenes: {', '.join(sorted(SCENES))}") from None
