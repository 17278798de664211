"""``import imwarmup`` is lean: in a fresh process it never even *attempts* numpy, imgui_bundle or
concurrent.futures, and the engine itself (imwarmup.core) never imports numpy or imgui_bundle.

A ``sys.meta_path`` finder installed before anything else records every module name the import
system is asked for, so a guarded ``try: import numpy`` is caught too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

RECORDER = textwrap.dedent(
    """
    import json, sys

    class Recorder:
        attempted = []

        def find_spec(self, name, path=None, target=None):
            Recorder.attempted.append(name)
            return None  # let the real finders do the work

    sys.meta_path.insert(0, Recorder())
    """
)


def run_recorded(body: str) -> dict:
    """Run ``body`` in a fresh interpreter after the recorder; return what it printed as JSON."""
    code = RECORDER + textwrap.dedent(body)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def attempted_under(names: list[str], package: str) -> list[str]:
    return [n for n in names if n == package or n.startswith(package + ".")]


def test_import_imwarmup_never_attempts_heavy_modules():
    result = run_recorded(
        """
        import imwarmup
        print(json.dumps({"attempted": Recorder.attempted, "loaded": sorted(sys.modules)}))
        """
    )
    attempted, loaded = result["attempted"], result["loaded"]
    assert "imwarmup" in attempted  # the recorder works
    for heavy in ("numpy", "imgui_bundle", "concurrent"):
        assert attempted_under(attempted, heavy) == [], f"import imwarmup attempted {heavy}"
        assert attempted_under(loaded, heavy) == []
    # nothing of the engine loads until a name is used
    assert attempted_under(attempted, "imwarmup.core") == []


def test_the_engine_never_attempts_numpy_or_imgui_bundle():
    result = run_recorded(
        """
        from imwarmup import (WarmupController, WarmupManager, StartupProfiler, make_io_pool,
                              NotWarmedError)
        with WarmupController(["json"], log_to_stderr=False) as controller:
            with controller.profiler.phase("boot"):
                controller.start()
            assert controller.wait_for_warmup(10)
            controller.require_warmed("json")
            controller.profiler.format_report()
        print(json.dumps({"attempted": Recorder.attempted}))
        """
    )
    for heavy in ("numpy", "imgui_bundle"):
        assert attempted_under(result["attempted"], heavy) == [], f"the engine attempted {heavy}"


def test_public_api_is_reexported_lazily():
    import imwarmup
    from imwarmup.core import controller, errors, manager, pool, profiler

    assert imwarmup.make_io_pool is pool.make_io_pool
    assert imwarmup.WarmupManager is manager.WarmupManager
    assert imwarmup.WarmupController is controller.WarmupController
    assert imwarmup.StartupProfiler is profiler.StartupProfiler
    assert imwarmup.NotWarmedError is errors.NotWarmedError
    assert issubclass(imwarmup.NotWarmedError, RuntimeError)
    for name in ("make_io_pool", "WarmupManager", "WarmupController", "StartupProfiler",
                 "NotWarmedError"):
        assert name in imwarmup.__all__ and name in dir(imwarmup)
    with pytest.raises(AttributeError, match="no_such_name"):
        imwarmup.no_such_name  # noqa: B018


def test_not_warmed_error_carries_its_fields():
    from imwarmup import NotWarmedError

    error = NotWarmedError("numpy", "failed", "module 'numpy' failed", error="ImportError: x")
    assert (error.module, error.status, error.error) == ("numpy", "failed", "ImportError: x")
    assert str(error) == "module 'numpy' failed"
