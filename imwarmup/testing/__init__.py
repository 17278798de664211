"""Testing helpers for imwarmup and for apps that use it: deterministic scripted sources,
stepped clocks, named scenes, and a scene runner that renders a real window to a PNG.

Quick start::

    from imwarmup.testing import ScriptedSource, StepClock, plan

    clock = StepClock(start=1000.0, step=1 / 60)
    source = ScriptedSource([plan("numpy", "controller-io-0", start=0.1, end=0.5)], clock)
    plugin = DiagnosticsPlugin(source, clock=clock)

To check the plugin inside someone else's app, ``python -m imwarmup.testing.host_launch HOST.py
--result OUT.json --screenshot OUT.png`` runs that app with the README's lines added to its own run
call, opens the diagnostics window once warmup is done and reports what it saw (``host_launch``).

Nothing here imports imgui_bundle or numpy at import time.
"""

from __future__ import annotations

from .scripted import FrozenClock, MockClock, PlannedCanary, ScriptedSource, StepClock, plan

__all__ = ["FrozenClock", "MockClock", "PlannedCanary", "ScriptedSource", "StepClock", "plan"]
