"""The runtime main-thread import guard, with tiny generated "heavy" modules."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import textwrap
import uuid
import warnings

import pytest

from imwarmup.core.controller import WarmupController
from imwarmup.core.purity import (
    DEFAULT_HEAVY,
    MainThreadImportError,
    MainThreadImportGuard,
    MainThreadImportWarning,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Project:
    """Generated modules in tmp_path: heavy packages (with a submodule each) and importers."""

    def __init__(self, tmp_path, monkeypatch) -> None:
        self.tmp_path = tmp_path
        self.tag = uuid.uuid4().hex[:8]
        self.created: list[str] = []
        monkeypatch.syspath_prepend(str(tmp_path))

    def heavy(self, label: str) -> str:
        name = f"heavy_{label}_{self.tag}"
        pkg = self.tmp_path / name
        pkg.mkdir()
        # The package imports its own submodule and a stdlib module: one violation, not three.
        (pkg / "__init__.py").write_text("from . import core\nimport colorsys\n")
        (pkg / "core.py").write_text("VALUE = 42\n")
        self.created += [name, f"{name}.core"]
        return name

    def importer(self, label: str, body: str) -> tuple[str, str]:
        name = f"importer_{label}_{self.tag}"
        path = self.tmp_path / f"{name}.py"
        path.write_text(textwrap.dedent(body))
        self.created.append(name)
        return name, str(path)

    def cleanup(self) -> None:
        for name in self.created:
            sys.modules.pop(name, None)


@pytest.fixture
def project(tmp_path, monkeypatch):
    p = Project(tmp_path, monkeypatch)
    yield p
    p.cleanup()


def test_main_thread_heavy_import_is_recorded_with_file_and_line(project):
    heavy = project.heavy("a")
    name, path = project.importer("a", f'''\
        """An app module."""
        import json
        import {heavy}
        import {heavy}.core
    ''')
    with MainThreadImportGuard(heavy=[heavy]) as guard:
        importlib.import_module(name)
        importlib.import_module(name)  # already imported: nothing new
    [violation] = guard.violations()
    assert violation["module"] == heavy
    assert (violation["file"], violation["line"]) == (path, 3)
    assert violation["importer"] == name
    assert violation["thread_name"] == "MainThread"
    assert heavy in sys.modules


def test_submodule_import_is_recorded_under_its_name(project):
    heavy = project.heavy("b")
    name, path = project.importer("b", f"import {heavy}.core as core\n")
    with MainThreadImportGuard(heavy=[heavy]) as guard:
        importlib.import_module(name)
    [violation] = guard.violations()
    assert (violation["module"], violation["file"], violation["line"]) == (f"{heavy}.core", path, 1)


def test_import_module_call_is_blamed_on_its_caller(project):
    heavy = project.heavy("c")
    with MainThreadImportGuard(heavy=[heavy]) as guard:
        line = sys._getframe().f_lineno + 1
        importlib.import_module(heavy)
    [violation] = guard.violations()
    assert violation["module"] == heavy
    assert (violation["file"], violation["line"]) == (__file__, line)


def test_the_same_import_on_a_warmup_worker_is_not_recorded(project):
    heavy = project.heavy("d")
    control = project.heavy("e")
    with MainThreadImportGuard(heavy=[heavy, control]) as guard:
        with WarmupController([heavy], log_to_stderr=False) as controller:
            controller.start()
            assert controller.wait_for_warmup(10)
            [canary] = controller.canaries()
            assert canary["status"] == "completed"
            assert canary["thread_name"].startswith("controller-io-")
        assert heavy in sys.modules and guard.violations() == []
        # The control: the same kind of module imported here, on the main thread, is caught.
        importlib.import_module(control)
    assert [v["module"] for v in guard.violations()] == [control]


def test_already_imported_modules_and_light_modules_are_ignored(project):
    heavy = project.heavy("f")
    importlib.import_module(heavy)  # warmed before the guard looks
    name, _ = project.importer("f", f"import {heavy}\nimport colorsys\nimport fractions\n")
    with MainThreadImportGuard(heavy=[heavy]) as guard:
        importlib.import_module(name)
    assert guard.violations() == []


def test_disabled_guard_records_nothing_and_keeps_what_it_had(project):
    first, second = project.heavy("g"), project.heavy("h")
    guard = MainThreadImportGuard(heavy=[first, second])
    assert guard.enable() is guard and guard.enabled
    importlib.import_module(first)
    guard.disable()
    importlib.import_module(second)
    assert not guard.enabled
    assert [v["module"] for v in guard.violations()] == [first]
    copy = guard.violations()
    copy[0]["module"] = "changed"
    copy.clear()
    assert [v["module"] for v in guard.violations()] == [first]  # a copy each time
    revision = guard.revision
    guard.clear()
    assert guard.violations() == [] and guard.revision > revision


def test_warn_mode_warns_at_the_importing_line(project):
    heavy = project.heavy("i")
    name, path = project.importer("i", f"x = 1\nimport {heavy}\n")
    with MainThreadImportGuard(heavy=[heavy], mode="warn"):
        with pytest.warns(MainThreadImportWarning) as record:
            importlib.import_module(name)
    [warning] = record.list
    assert (warning.filename, warning.lineno) == (path, 2)
    message = str(warning.message)
    assert f"heavy module {heavy!r} imported on the main thread at {path}:2" in message
    assert "WarmupController" in message and "require_warmed" in message


def test_raise_mode_refuses_the_import(project):
    heavy = project.heavy("j")
    name, path = project.importer("j", f"import {heavy}\n")
    with MainThreadImportGuard(heavy=[heavy], mode="raise") as guard:
        with pytest.raises(MainThreadImportError, match=f"at {path}:1") as info:
            importlib.import_module(name)
    assert isinstance(info.value, ImportError) and info.value.name == heavy
    assert info.value.violation["line"] == 1
    assert heavy not in sys.modules
    assert len(guard.violations()) == 1


def test_two_guards_see_the_same_import(project):
    heavy = project.heavy("k")
    with MainThreadImportGuard(heavy=[heavy]) as one, MainThreadImportGuard(heavy=[heavy]) as two:
        importlib.import_module(heavy)
    assert len(one.violations()) == len(two.violations()) == 1


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"heavy": "numpy"}, TypeError, "wrap it in a list"),
        ({"heavy": 5}, TypeError, "iterable of module names"),
        ({"heavy": []}, ValueError, "heavy is empty"),
        ({"heavy": ["numpy", 3]}, TypeError, "heavy[1] must be a str"),
        ({"heavy": ["numpy", "1bad"]}, ValueError, "heavy[1] is not a dotted module name"),
        ({"mode": "loud"}, ValueError, "mode must be one of record, warn, raise"),
        ({"clock": 3}, TypeError, "clock must be callable"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=__import__("re").escape(message)):
        MainThreadImportGuard(**kwargs)


def test_defaults():
    guard = MainThreadImportGuard()
    assert guard.heavy == list(DEFAULT_HEAVY) and guard.mode == "record" and not guard.enabled
    assert {"numpy", "google.genai", "torch"} <= set(DEFAULT_HEAVY)


SELF_CHECK = r"""
import importlib.util, json, sys
# Load the guard from its file so imwarmup itself is not imported before the guard watches.
spec = importlib.util.spec_from_file_location("standalone_purity", sys.argv[1])
purity = importlib.util.module_from_spec(spec)
spec.loader.exec_module(purity)
guard = purity.MainThreadImportGuard(heavy=["numpy", "imgui_bundle", *purity.DEFAULT_HEAVY]).enable()
import imwarmup
import imwarmup.core
names = [imwarmup.WarmupController, imwarmup.core.HookServer, imwarmup.core.HookClient,
         imwarmup.core.MainThreadImportGuard, imwarmup.core.StartupProfiler]
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("numpy", "imgui_bundle"))
clean = [v["module"] for v in guard.violations()]
guard.disable()
# The GUI package may import imgui_bundle; nothing heavier.
gui_guard = purity.MainThreadImportGuard(heavy=purity.DEFAULT_HEAVY).enable()
import imwarmup.panels
gui = [v["module"] for v in gui_guard.violations()]
import numpy  # the control: the guard does see a heavy import here
print(json.dumps({"loaded": loaded, "violations": clean, "panels": gui,
                  "control": [v["module"] for v in gui_guard.violations()]}))
"""


def test_importing_imwarmup_and_its_panels_pulls_in_no_heavy_module():
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run(
        [sys.executable, "-c", SELF_CHECK, os.path.join(ROOT, "imwarmup", "core", "purity.py")],
        capture_output=True, text=True, env=env, timeout=60, check=True,
    )
    result = __import__("json").loads(out.stdout)
    assert result["loaded"] == []
    assert result["violations"] == []
    assert result["panels"] == []
    assert result["control"] == ["numpy"]
