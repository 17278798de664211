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
    assert violation["imported"] == f"{heavy}.core"  # what the debug window's table shows


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


# ------------------------------------------------------------- every way of loading a module
def _load_by_import_module(name, path):
    line = sys._getframe().f_lineno + 1
    importlib.import_module(name)


def _load_by_importlib_dunder_import(name, path):
    line = sys._getframe().f_lineno + 1
    importlib.__import__(name)


def _load_by_find_spec_and_exec_module(name, path):
    import importlib.util

    spec = importlib.util.find_spec(name)  # a look-up only: nothing runs yet
    module = importlib.util.module_from_spec(spec)
    line = sys._getframe().f_lineno + 1
    spec.loader.exec_module(module)


def _load_by_spec_from_file_location(name, path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    line = sys._getframe().f_lineno + 1
    spec.loader.exec_module(module)


def _loading_line(exc_info) -> int:
    """The `line` local of the _load_by_* function the error went through."""
    return next(entry.locals["line"] for entry in exc_info.traceback
                if entry.name.startswith("_load_by_"))


@pytest.mark.parametrize("load", [
    _load_by_import_module, _load_by_importlib_dunder_import,
    _load_by_find_spec_and_exec_module, _load_by_spec_from_file_location,
])
def test_every_way_of_loading_a_heavy_module_is_refused(project, load):
    # A plain module (no package): the old audit hook saw only `import` statements.
    name = f"heavy_sdk_{project.tag}"
    path = project.tmp_path / f"{name}.py"
    path.write_text("X = 1\n")
    project.created.append(name)
    with MainThreadImportGuard(heavy=[name], mode="raise") as guard:
        with pytest.raises(MainThreadImportError, match=f"heavy module '{name}'") as info:
            load(name, str(path))
    [violation] = guard.violations()
    assert violation["module"] == name and violation["lazy"] is False
    # Blamed on the loading line inside load(): the first frame outside importlib.
    assert (violation["file"], violation["line"]) == (__file__, _loading_line(info))
    assert name not in sys.modules


def test_a_heavy_import_that_finds_nothing_ran_nothing_and_is_not_recorded(project):
    missing = f"heavy_missing_{project.tag}"
    name, path = project.importer("missing", f'''\
        try:
            import {missing}
        except ImportError:
            {missing} = None
    ''')
    with MainThreadImportGuard(heavy=[missing], mode="raise") as guard:
        importlib.import_module(name)  # an optional dependency that is not installed
    assert guard.violations() == []


# ---------------------------------------------------- lazy imports inside a warmed package
def _lazy_package(project, label: str, body: str) -> str:
    name = f"heavy_{label}_{project.tag}"
    pkg = project.tmp_path / name
    pkg.mkdir()
    (pkg / "__init__.py").write_text(textwrap.dedent(body))
    (pkg / "extra.py").write_text("VALUE = 7\n")
    light = f"light_dep_{label}_{project.tag}"
    (project.tmp_path / f"{light}.py").write_text("VALUE = 8\n")
    project.created += [name, f"{name}.extra", light]
    return name


def test_a_warmed_package_importing_on_first_use_is_recorded_and_never_breaks_the_call(project):
    heavy = _lazy_package(project, "lazy", f'''\
        def info():
            import light_dep_lazy_{project.tag}   # a plain dependency, loaded on first use
            return 1

        def more():
            from . import extra                    # its own submodule, loaded on first use
            return extra.VALUE
    ''')
    package = importlib.import_module(heavy)  # warmed before the guard looks
    with MainThreadImportGuard(heavy=[heavy], mode="raise") as guard:
        with pytest.warns(MainThreadImportWarning, match="imported lazily") as record:
            info_line = sys._getframe().f_lineno + 1
            assert package.info() == 1
            extra_line = sys._getframe().f_lineno + 1
            assert package.more() == 7
            package.info(), package.more()  # loaded now: nothing new
    first, second = guard.violations()
    assert first["module"] == f"light_dep_lazy_{project.tag}" and first["lazy"] is True
    assert first["by"] == heavy
    assert (first["file"], first["line"]) == (__file__, info_line)
    assert (second["module"], second["lazy"]) == (f"{heavy}.extra", True)
    assert (second["file"], second["line"]) == (__file__, extra_line)
    assert [(w.filename, w.lineno) for w in record.list] == [(__file__, info_line),
                                                           (__file__, extra_line)]
    assert f"WarmupController([{heavy!r}, 'light_dep_lazy_{project.tag}', ...])" in str(
        record.list[0].message)


def test_a_warmed_package_importing_an_unwarmed_heavy_package_is_still_refused(project):
    other = project.heavy("other")
    heavy = _lazy_package(project, "plots", f"def plot():\n    import {other}\n")
    package = importlib.import_module(heavy)
    with MainThreadImportGuard(heavy=[heavy, other], mode="raise") as guard:
        line = sys._getframe().f_lineno + 2
        with pytest.raises(MainThreadImportError):
            package.plot()
        # The user's own import of a submodule of the warmed package is refused too.
        with pytest.raises(MainThreadImportError):
            importlib.import_module(f"{heavy}.extra")
    first, second = guard.violations()
    assert (first["module"], first["lazy"], first["line"]) == (other, False, line)
    assert (second["module"], second["lazy"]) == (f"{heavy}.extra", False)


# ---------------------------------------------------------------------------- blame
def test_a_heavy_submodule_pulled_in_by_its_package_is_blamed_on_the_users_import(project):
    pkg = f"numlike_{project.tag}"
    root = project.tmp_path / pkg
    (root / "linalg").mkdir(parents=True)
    (root / "matrixlib").mkdir()
    (root / "__init__.py").write_text("from . import matrixlib\n")
    (root / "matrixlib" / "__init__.py").write_text("from .defmatrix import matrix\n")
    (root / "matrixlib" / "defmatrix.py").write_text(
        f"import sys\n\nfrom {pkg}.linalg import norm\nmatrix = object\n")
    (root / "linalg" / "__init__.py").write_text("def norm():\n    return 0\n")
    project.created += [pkg, f"{pkg}.matrixlib", f"{pkg}.matrixlib.defmatrix", f"{pkg}.linalg"]
    name, path = project.importer("blame", f"import json\nimport {pkg}\n")
    with MainThreadImportGuard(heavy=[f"{pkg}.linalg"]) as guard:
        importlib.import_module(name)
    [violation] = guard.violations()
    assert violation["module"] == f"{pkg}.linalg"
    assert (violation["file"], violation["line"], violation["importer"]) == (path, 2, name)


def test_finder_is_first_while_enabled_and_gone_after(project):
    heavy = project.heavy("finder")
    before = list(sys.meta_path)
    in_flight = sys.meta_path  # the list an import on a worker may be iterating right now
    guard = MainThreadImportGuard(heavy=[heavy]).enable()
    try:
        assert sys.meta_path[1:] == before and "MainThreadImportGuard" in repr(sys.meta_path[0])
        # Enabling and disabling replace sys.meta_path: editing the list in place under a
        # worker's import would make it skip a finder (a spurious ModuleNotFoundError).
        assert in_flight == before
        in_flight = sys.meta_path
        importlib.import_module(heavy)
    finally:
        guard.disable()
    assert sys.meta_path == before and in_flight[1:] == before
    assert [v["module"] for v in guard.violations()] == [heavy]


REAL_NUMPY = r"""
import io, json, sys, warnings
sys.path.insert(0, sys.argv[1])
from imwarmup.core.purity import MainThreadImportGuard
warnings.simplefilter("ignore")
blame = MainThreadImportGuard(heavy=["numpy.linalg"]).enable()
import numpy as np  # line 7
blame.disable()
lazy = MainThreadImportGuard(heavy=["numpy"], mode="raise").enable()
out = io.StringIO()
np.info(np.sum, output=out)  # line 11
print(json.dumps({"blame": blame.violations(), "lazy": lazy.violations(),
                  "info": "sum" in out.getvalue()}))
"""


def test_real_numpy_blame_and_lazy_pydoc():
    out = subprocess.run([sys.executable, "-c", REAL_NUMPY, ROOT], capture_output=True,
                         text=True, timeout=60, check=True)
    result = __import__("json").loads(out.stdout)
    [blame] = result["blame"]
    assert (blame["module"], blame["file"], blame["line"]) == ("numpy.linalg", "<string>", 7)
    assert result["info"] is True  # np.info worked under a raise-mode guard
    assert result["lazy"] and all(v["lazy"] and v["line"] == 11 for v in result["lazy"])


def test_raise_mode_refuses_a_retry_of_the_same_import_again(project):
    heavy = project.heavy("retry")
    with MainThreadImportGuard(heavy=[heavy], mode="raise") as guard:
        for attempt in range(3):  # e.g. a loop around `try: import x except ImportError: ...`
            with pytest.raises(MainThreadImportError, match=f"heavy module '{heavy}'"):
                importlib.import_module(heavy)
    assert heavy not in sys.modules
    assert len(guard.violations()) == 1  # one violation, refused each time


@pytest.mark.parametrize(
    "heavy, text",
    [
        (["numpy", 3], "MainThreadImportGuard(): heavy[1] must be a str, got 3 (int)"),
        (["numpy", "1bad"], "MainThreadImportGuard(): heavy[1] is not a dotted module name: '1bad'"),
        ("numpy", "MainThreadImportGuard(): heavy must be an iterable of module names, got the "
                  "bare str 'numpy'; wrap it in a list: ['numpy']"),
    ],
)
def test_the_guard_checks_heavy_with_the_managers_validator(heavy, text):
    with pytest.raises((TypeError, ValueError)) as info:
        MainThreadImportGuard(heavy=heavy)
    assert str(info.value) == text


def test_heavy_root_is_the_one_matcher_of_the_guard_and_the_audit():
    from imwarmup import audit
    from imwarmup.core import purity

    assert purity.heavy_root("numpy.linalg", ["numpy"]) == "numpy"
    assert purity.heavy_root("numpy", ["google.genai", "numpy"]) == "numpy"
    assert purity.heavy_root("numpyx", ["numpy"]) is None
    assert purity.heavy_root("google", ["google.genai"]) is None
    assert purity.heavy_root(None, ["numpy"]) is None
    assert audit.heavy_root is purity.heavy_root
    assert MainThreadImportGuard(heavy=["numpy"])._heavy_root("numpy.fft") == "numpy"
