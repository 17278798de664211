"""Tiny generated modules for engine tests: written into ``tmp_path`` (on ``sys.path`` for one test
only), plus in-memory *gates* (``threading.Event`` holders in ``sys.modules``) that blocking
modules wait on, so no test sleeps.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
import threading
import types
import uuid
from pathlib import Path

import pytest

HANG = 10.0  # a generated module gives up waiting on its gate after this (a failing test only)


class Gen:
    """Writes tiny modules into a directory on ``sys.path`` and makes gates for them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.prefix = f"_iw{uuid.uuid4().hex[:8]}_"
        self.names: list[str] = []
        self.gates: list[types.ModuleType] = []

    def module(self, body: str = "", stem: str = "mod") -> str:
        name = self._write(body, stem)
        importlib.invalidate_caches()
        return name

    def modules(self, count: int, body: str = "", stem: str = "many") -> list[str]:
        names = [self._write(body, stem) for _ in range(count)]
        importlib.invalidate_caches()
        return names

    def _write(self, body: str, stem: str) -> str:
        name = f"{self.prefix}{stem}{len(self.names)}"
        (self.root / f"{name}.py").write_text(textwrap.dedent(body))
        self.names.append(name)
        return name

    def gate(self) -> types.ModuleType:
        """An in-memory module with ``started``/``release`` events and a ``runs`` list."""
        gate = types.ModuleType(f"{self.prefix}gate{len(self.gates)}")
        gate.started = threading.Event()
        gate.release = threading.Event()
        gate.runs = []
        sys.modules[gate.__name__] = gate
        self.gates.append(gate)
        return gate

    def blocking(self, gate: types.ModuleType, stem: str = "slow") -> str:
        """A module whose import records its thread, sets ``gate.started`` and waits for release."""
        return self.module(
            f"""
            import threading
            import {gate.__name__} as _gate
            _gate.runs.append(threading.current_thread().name)
            _gate.started.set()
            if not _gate.release.wait({HANG}):
                raise TimeoutError("the test never released the gate")
            """,
            stem,
        )

    def counted(self, gate: types.ModuleType, stem: str = "counted") -> str:
        """A module whose import appends its thread name to ``gate.runs``."""
        return self.module(
            f"""
            import threading
            import {gate.__name__} as _gate
            _gate.runs.append(threading.current_thread().name)
            """,
            stem,
        )

    def release_all(self) -> None:
        for gate in self.gates:
            gate.release.set()


@pytest.fixture
def gen(tmp_path):
    g = Gen(tmp_path)
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    yield g
    g.release_all()
    sys.path.remove(str(tmp_path))
    sys.path_importer_cache.pop(str(tmp_path), None)
    for name in g.names + [gate.__name__ for gate in g.gates]:
        sys.modules.pop(name, None)


@pytest.fixture
def controllers(gen):
    """``controllers(...)`` makes a quiet WarmupController; after the test the gates are
    released and every controller must shut down (all its workers ended) within ``HANG``."""
    from imwarmup import WarmupController

    made = []

    def make(modules=(), **kwargs):
        kwargs.setdefault("log_to_stderr", False)
        controller = WarmupController(modules, **kwargs)
        made.append(controller)
        return controller

    yield make
    gen.release_all()
    for controller in made:
        assert controller.shutdown(wait=True, timeout=HANG) is True
