"""The import tree recorder (issue 14): the nested imports of each canary on its worker, lock
waits between workers, hooks in only while warmup runs, the controller's API, the report's
"Slow imports" section and the text CLI's --trace."""

from __future__ import annotations

import importlib
import json
import os
import statistics
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from modgen import HANG, Gen, controllers, gen  # noqa: F401 - shared modules and fixtures

from imwarmup.core import import_tree
from imwarmup.core.import_tree import TREE_FIELDS, ImportRecorder
from imwarmup.core.report import format_slow_imports, format_text_report

_bootstrap = sys.modules["_frozen_importlib"]
ORIGINALS = (_bootstrap._find_and_load, _bootstrap._ModuleLock.__dict__["acquire"])


def hooks_are_originals() -> bool:
    return (_bootstrap._find_and_load, _bootstrap._ModuleLock.__dict__["acquire"]) == ORIGINALS


def write_package(gen: Gen, files: dict[str, str]) -> str:
    """Write a package tree under ``gen.root``: ``files`` maps dotted names relative to a fresh
    top-level package (``""`` is its ``__init__``) to module bodies, with ``PKG`` standing for
    the package's name. Returns the package name."""
    pkg = f"{gen.prefix}pkg{len(gen.names)}"
    gen.names.append(pkg)
    packages = {""} | {".".join(rel.split(".")[:i]) for rel in files for i in range(1, rel.count(".") + 1)}
    for rel in sorted(set(files) | packages):
        parts = [pkg, *(rel.split(".") if rel else [])]
        body = textwrap.dedent(files.get(rel, "")).replace("PKG", pkg)
        if rel in packages:
            folder = gen.root.joinpath(*parts)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "__init__.py").write_text(body)
        else:
            gen.root.joinpath(*parts[:-1], f"{parts[-1]}.py").write_text(body)
    importlib.invalidate_caches()
    return pkg


@pytest.fixture
def forget_packages(gen):
    yield
    for name in list(sys.modules):
        if name.startswith(gen.prefix):
            del sys.modules[name]


def shape(tree):
    """(module, parent module, depth) per node: the tree's shape, names relative to node 0."""
    root = tree[0]["module"]
    rel = lambda m: m.replace(root, "PKG", 1)  # noqa: E731
    return [(rel(n["module"]), None if n["parent"] is None else rel(tree[n["parent"]]["module"]),
             n["depth"]) for n in tree]


# ------------------------------------------------------------------------- the recorded tree
def test_a_package_tree_is_recorded_nested_in_pre_order(controllers, gen, forget_packages):
    pkg = write_package(gen, {
        "": "import PKG.a\nimport PKG.b\n",
        "a": "import PKG.sub.x\nimport PKG.sub.y\n",
        "b": "import PKG.a\nimport PKG.sub.y\nfrom PKG.sub import z\n",
        "sub.x": "import time\n_end = time.thread_time() + 0.004\nwhile time.thread_time() < _end: pass\n",
        "sub.y": "import time\ntime.sleep(0.03)\n",
        "sub.z": "",
    })
    controller = controllers([pkg], max_workers=1)
    assert hooks_are_originals()
    controller.start()
    assert controller.wait_for_warmup(HANG)
    tree = controller.import_tree(1)
    assert [tuple(node) for node in tree] == [TREE_FIELDS] * len(tree)
    # Every module once, where it first ran: PKG.a is already loaded when PKG.b imports it.
    assert shape(tree) == [
        # importlib loads a parent package from inside the submodule's import (so does
        # -X importtime): PKG.sub nests under PKG.sub.x.
        ("PKG", None, 0), ("PKG.a", "PKG", 1), ("PKG.sub.x", "PKG.a", 2),
        ("PKG.sub", "PKG.sub.x", 3), ("PKG.sub.y", "PKG.a", 2), ("PKG.b", "PKG", 1),
        ("PKG.sub.z", "PKG.b", 2),
    ]
    canary = controller.canaries()[0]
    assert canary["start_ts"] <= tree[0]["start_ts"] <= tree[0]["end_ts"] <= canary["end_ts"]
    for i, node in enumerate(tree):
        assert node["thread_name"] == canary["thread_name"] == "controller-io-0"
        assert node["error"] is None and node["lock_waits"] == []
        kids = [n for n in tree if n["parent"] == i]
        assert node["cum_ms"] == pytest.approx((node["end_ts"] - node["start_ts"]) * 1000.0)
        assert node["self_ms"] == pytest.approx(node["cum_ms"] - sum(k["cum_ms"] for k in kids),
                                                abs=1e-6)
        for kid in kids:  # nested in time, children in start order
            assert node["start_ts"] <= kid["start_ts"] <= kid["end_ts"] <= node["end_ts"]
        starts = [k["start_ts"] for k in kids]
        assert starts == sorted(starts)
        assert node["self_cpu_ms"] == pytest.approx(
            max(node["cpu_ms"] - sum(k["cpu_ms"] for k in kids), 0.0), abs=1e-6)
    # The module that burns 4 ms of CPU: its own thread CPU time says so.
    x = next(n for n in tree if n["module"].endswith("sub.x"))
    assert x["cpu_ms"] >= 4.0 and x["self_ms"] >= 4.0 and x["self_cpu_ms"] >= 4.0
    assert tree[0]["cpu_ms"] >= x["cpu_ms"]
    # The one that sleeps 30 ms: a long self time, little CPU of its own (it waited).
    y = next(n for n in tree if n["module"].endswith("sub.y"))
    assert y["self_ms"] >= 30.0 and y["self_cpu_ms"] < 10.0
    assert tree[1]["self_cpu_ms"] <= tree[1]["cpu_ms"] - 4.0    # PKG.a: x's work is x's
    assert controller.import_trees() == {1: tree}


def test_failed_imports_are_nodes_with_their_error(controllers, gen, forget_packages):
    pkg = write_package(gen, {
        "": "try:\n    import PKG.optional\nexcept ImportError:\n    pass\nimport PKG.broken\n",
        "optional": "raise ImportError('optional SDK missing')\n",
        "broken": "raise ValueError('broken vendor code')\n",
    })
    controller = controllers([pkg], max_workers=1)
    controller.start()
    assert controller.wait_for_warmup(HANG)
    tree = controller.import_tree(1)
    assert shape(tree) == [("PKG", None, 0), ("PKG.optional", "PKG", 1), ("PKG.broken", "PKG", 1)]
    assert tree[1]["error"] == "ImportError: optional SDK missing"
    assert tree[2]["error"] == "ValueError: broken vendor code"
    assert tree[0]["error"] == "ValueError: broken vendor code"
    assert controller.canaries()[0]["status"] == "failed"


def test_an_already_imported_module_is_one_node(controllers):
    controller = controllers(["json"], max_workers=1)
    controller.start()
    assert controller.wait_for_warmup(HANG)
    (node,) = controller.import_tree(1)
    assert node["module"] == "json" and node["parent"] is None and node["depth"] == 0
    assert node["cum_ms"] < 50.0


def test_lock_waits_name_the_module_and_the_thread_that_held_it(controllers, gen):
    gate = gen.gate()
    shared = gen.blocking(gate, "shared")
    first = gen.module(f"import {shared}\n", "first")
    second = gen.module(f"import {gate.__name__} as g\ng.started.wait({HANG})\nimport {shared}\n",
                        "second")
    controller = controllers([first, second], max_workers=2, concurrency=None)
    controller.start()
    assert gate.started.wait(HANG)
    # Release the shared module once the second worker is blocked on its module lock.
    deadline = time.monotonic() + HANG
    second_ident = None
    while True:
        assert time.monotonic() < deadline, "the second import never waited for the module lock"
        canary = controller.canaries()[1]
        second_ident = canary["thread_id"]
        frame = sys._current_frames().get(second_ident) if second_ident else None
        if frame is not None and frame.f_code.co_name == "acquire":
            break
        threading.Event().wait(0.005)
    gate.release.set()
    assert controller.wait_for_warmup(HANG)
    holder = controller.canaries()[0]["thread_name"]
    tree = controller.import_tree(2)
    assert [n["module"] for n in tree] == [second]  # it ran none of the shared module's code
    (wait,) = tree[0]["lock_waits"]
    assert wait["module"] == shared and wait["holder"] == holder
    assert wait["wait_ms"] > 0.0
    assert tree[0]["start_ts"] <= wait["start_ts"] <= wait["end_ts"] <= tree[0]["end_ts"]
    assert [n["module"] for n in controller.import_tree(1)] == [first, shared]
    assert controller.import_tree(1)[0]["lock_waits"] == []


# ------------------------------------------------------------------- in only while warming
def test_hooks_are_in_while_warming_and_the_originals_after(controllers, gen):
    gate = gen.gate()
    slow = gen.blocking(gate)
    on_main = gen.module("", "onmain")
    controller = controllers([slow], max_workers=1)
    controller.start()
    assert gate.started.wait(HANG)
    assert not hooks_are_originals() and import_tree.installed()
    importlib.import_module(on_main)  # the main thread has no canary: not recorded
    gate.release.set()
    assert controller.wait_for_warmup(HANG)
    # wait_for_warmup() returned: the recorder is gone, imports pay nothing.
    assert hooks_are_originals() and not import_tree.installed()
    assert [n["module"] for n in controller.import_tree(1)] == [slow]


def test_hooks_go_at_shutdown_even_with_an_import_still_running(controllers, gen):
    gate = gen.gate()
    controller = controllers([gen.blocking(gate)], max_workers=1)
    controller.start()
    assert gate.started.wait(HANG)
    assert not hooks_are_originals()
    controller.shutdown(wait=False)
    assert hooks_are_originals()
    gate.release.set()
    tree = controller.import_tree(1)
    assert len(tree) == 1  # recorded up to the shutdown


def test_two_controllers_share_the_hooks_until_both_are_done(controllers, gen):
    gate1, gate2 = gen.gate(), gen.gate()
    c1 = controllers([gen.blocking(gate1)], max_workers=1, thread_name_prefix="one")
    c2 = controllers([gen.blocking(gate2)], max_workers=1, thread_name_prefix="two")
    c1.start(), c2.start()
    assert gate1.started.wait(HANG) and gate2.started.wait(HANG)
    gate1.release.set()
    assert c1.wait_for_warmup(HANG)
    assert not hooks_are_originals()  # c2 still warming
    gate2.release.set()
    assert c2.wait_for_warmup(HANG)
    assert hooks_are_originals()


def test_recorder_leaves_a_hook_someone_patched_over_in_place():
    recorder = ImportRecorder()
    done = threading.Event()

    def work():
        recorder.begin(1)
        importlib.import_module("json")
        recorder.end(1)
        done.set()

    worker = threading.Thread(target=work, name="recorder-test")
    worker.start()
    worker.join(HANG)
    assert done.is_set()
    hook = _bootstrap._find_and_load
    assert hook is not ORIGINALS[0]

    def theirs(name, import_):
        return hook(name, import_)

    _bootstrap._find_and_load = theirs
    try:
        recorder.close()
        assert _bootstrap._find_and_load is theirs  # not torn out from under them
        assert _bootstrap._ModuleLock.__dict__["acquire"] is ORIGINALS[1]
    finally:
        _bootstrap._find_and_load = ORIGINALS[0]
    assert recorder.tree(1)[0]["thread_name"] == "recorder-test"


def test_the_hook_frames_count_as_importlib_for_stack_walkers():
    """MainThreadImportGuard blames the first frame outside importlib: never the recorder."""
    recorder = ImportRecorder()
    recorder.begin(1)  # on this thread; installs the hooks
    try:
        seen = []

        class Finder:
            def find_spec(self, name, path=None, target=None):
                if name == "_iw_stack_probe":
                    frame = sys._getframe(1)
                    while frame.f_globals.get("__name__") in (
                            "importlib._bootstrap", "importlib._bootstrap_external"):
                        frame = frame.f_back
                    seen.append(frame.f_code.co_filename)
                return None

        sys.meta_path.insert(0, Finder())
        try:
            with pytest.raises(ModuleNotFoundError):
                import _iw_stack_probe  # noqa: F401
        finally:
            sys.meta_path.pop(0)
        assert seen == [__file__]
    finally:
        recorder.close()
    assert hooks_are_originals()
    assert recorder.tree(1)[0]["error"].startswith("ModuleNotFoundError")


# ---------------------------------------------------------------------------------- the API
def test_import_tree_api_errors_and_recording_off(controllers):
    with pytest.raises(TypeError, match="record_imports must be True or False, got 'yes'"):
        controllers(["json"], record_imports="yes")
    off = controllers(["json"], record_imports=False)
    assert off.records_imports is False
    with pytest.raises(ValueError, match="no canary with id 1 .*call start"):
        off.import_tree(1)
    off.start()
    assert off.wait_for_warmup(HANG)
    assert hooks_are_originals()
    assert off.import_tree(1) is None and off.import_trees() == {}
    with pytest.raises(ValueError, match=r"no canary with id 7 \(ids 1\.\.1\)"):
        off.import_tree(7)
    with pytest.raises(TypeError, match="canary_id must be an int .* got '1'"):
        off.import_tree("1")
    with pytest.raises(TypeError, match="got True"):
        off.import_tree(True)
    assert controllers(["json"]).records_imports is True


def test_canaries_keep_their_shape(controllers):
    off = controllers(["json"], record_imports=False).start()
    on = controllers(["json"], thread_name_prefix="on").start()
    assert off.wait_for_warmup(HANG) and on.wait_for_warmup(HANG)
    assert [set(c) for c in on.canaries()] == [set(c) for c in off.canaries()]


def test_a_queued_canary_has_an_empty_tree(controllers, gen):
    gate = gen.gate()
    controller = controllers([gen.blocking(gate), gen.module("")], max_workers=1)
    controller.start()
    assert gate.started.wait(HANG)
    assert controller.import_tree(2) == []
    running = controller.import_tree(1)
    assert running[0]["end_ts"] is None and running[0]["cum_ms"] >= 0.0
    gate.release.set()
    assert controller.wait_for_warmup(HANG)
    assert controller.import_tree(1)[0]["end_ts"] is not None


# ------------------------------------------------------------------------------ the report
def test_report_lists_slow_canaries_costliest_sub_imports(controllers, gen, forget_packages):
    burn = "import time\n_end = time.thread_time() + {s}\nwhile time.thread_time() < _end: pass\n"
    pkg = write_package(gen, {
        "": "import PKG.heavy\nimport PKG.light\nimport PKG.sleepy\n" + burn.format(s=0.03),
        "heavy": burn.format(s=0.08),
        "light": "",
        "sleepy": "import time\ntime.sleep(0.15)\n",   # waits (like I/O or the GIL): no CPU
    })
    controller = controllers([pkg, gen.module("")], max_workers=1)
    controller.start()
    assert controller.wait_for_warmup(HANG)
    trees = controller.import_trees()
    text = format_slow_imports(controller.canaries(), trees, slow_ms=100.0, top=3)
    lines = text.splitlines()
    assert lines[0].startswith("Slow imports (over 100.0 ms): the costliest modules each one "
                               "executed, by self time")
    assert lines[1].startswith(f"  #1 {pkg} (") and "4 modules on controller-io-0" in lines[1]
    # "<self> ms self <cum> ms cum <own> ms own  module", by self time (which of the three
    # comes first depends on the machine's load: self is wall time); the sleeper has little CPU
    # of its own, the module that computes 80 ms has its CPU as its own work.
    rows = [line.split() for line in lines[2:]]
    assert all([r[2], r[5], r[8]] == ["self", "cum", "own"] for r in rows), lines
    to_ms = {"µs": 1e-3, "ms": 1.0, "s": 1e3}
    figures = {r[9]: {name: float(r[i]) * to_ms[r[i + 1]]
                      for name, i in (("self", 0), ("cum", 3), ("own", 6))} for r in rows}
    assert set(figures) == {f"{pkg}.sleepy", f"{pkg}.heavy", pkg}   # not PKG.light
    selfs = [figures[r[9]]["self"] for r in rows]
    assert selfs == sorted(selfs, reverse=True)
    sleepy, heavy = figures[f"{pkg}.sleepy"], figures[f"{pkg}.heavy"]
    assert sleepy["self"] >= 150.0 and sleepy["own"] < 10.0
    assert heavy["own"] >= 80.0 and heavy["self"] >= heavy["own"] - 1.0
    assert len(lines) == 5  # the fast canary is not listed; top=3
    report = format_text_report(controller.canaries(), time.time(), trees=trees)
    assert "Slow imports" in report and f"{pkg}.heavy" in report
    assert format_slow_imports(controller.canaries(), {}) == ""
    assert format_slow_imports(controller.canaries(), trees, slow_ms=1e9) == ""


# ------------------------------------------------------------------------------ the CLI
def test_text_mode_writes_a_trace(tmp_path):
    path = tmp_path / "warmup.trace.json"
    result = subprocess.run(
        [sys.executable, "-m", "imwarmup", "text", "--modules", "email.mime.multipart,sqlite3",
         "--trace", str(path), "--quiet"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"events written to {path}" in result.stdout
    events = json.loads(path.read_text())["traceEvents"]
    canaries = [e for e in events if e.get("cat") == "canary"]
    assert sorted(e["name"] for e in canaries) == ["email.mime.multipart", "sqlite3"]
    imports = [e for e in events if e.get("cat") == "import"]
    assert {"email.mime.base", "sqlite3.dbapi2"} <= {e["name"] for e in imports}


def test_text_mode_lists_a_slow_canarys_costliest_sub_imports(tmp_path):
    """`python -m imwarmup text` names what made a slow canary slow (the report's "Slow
    imports"), from a fresh process."""
    burn = "import time\n_end = time.thread_time() + {s}\nwhile time.thread_time() < _end: pass\n"
    (tmp_path / "iw_text_slow").mkdir()
    (tmp_path / "iw_text_slow" / "__init__.py").write_text(
        "import iw_text_slow.costly\nimport iw_text_slow.cheap\n")
    (tmp_path / "iw_text_slow" / "costly.py").write_text(burn.format(s=0.15))
    (tmp_path / "iw_text_slow" / "cheap.py").write_text("")
    result = subprocess.run(
        [sys.executable, "-m", "imwarmup", "text", "--modules", "json,iw_text_slow", "--quiet"],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("Slow imports (over 100.0 ms)"))
    assert lines[at + 1].startswith("  #2 iw_text_slow (") and "3 modules on controller-io-" \
        in lines[at + 1]
    costliest = lines[at + 2].split()
    assert costliest[-1] == "iw_text_slow.costly" and costliest[2:9:3] == ["self", "cum", "own"]
    assert not any("json" in line for line in lines[at:at + 6])   # fast: not listed


@pytest.mark.parametrize("argv, message", [
    (["--trace", "x.json"], "--trace works in text mode only"),
    (["text", "--trace", "/no/such/folder/x.json"], "--trace: folder '/no/such/folder' does not exist"),
    (["text", "--trace", "/tmp"], "--trace: '/tmp' is a folder"),
])
def test_trace_argument_errors(argv, message, capsys):
    from imwarmup.__main__ import parse_args

    with pytest.raises(SystemExit):
        parse_args(argv)
    assert message in capsys.readouterr().err


def test_trace_to_a_folder_that_is_not_writable_is_refused_before_warming(monkeypatch, capsys,
                                                                           tmp_path):
    from imwarmup.__main__ import parse_args

    # (The suite runs as root here, for whom every folder is writable: os.access says no.)
    monkeypatch.setattr(os, "access", lambda path, mode: os.fspath(path) != str(tmp_path))
    with pytest.raises(SystemExit) as caught:
        parse_args(["text", "--trace", str(tmp_path / "t.json")])
    assert caught.value.code == 2
    assert f"--trace: folder {str(tmp_path)!r} is not writable" in capsys.readouterr().err


def test_text_mode_says_why_the_trace_could_not_be_written_and_exits_2():
    # /proc takes no new files, even from root: the write fails after the warmup.
    path = "/proc/imwarmup-no-such-trace.json"
    result = subprocess.run([sys.executable, "-m", "imwarmup", "text", "--modules", "json",
                             "--trace", path, "--quiet"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"python -m imwarmup: --trace {path}: could not write the trace to {path}: No such file "
        f"or directory (is the folder /proc there and writable?)")
    assert "imwarmup report" in result.stdout and "Trace:" not in result.stdout


# ------------------------------------------------------------------------- agree with CPython
# A fresh process per measurement, run with -X importtime: the controller machinery is loaded
# first, then MODULE is imported by the builtin __import__ (CPython's own timer runs for it) on
# a controller-io worker at niceness 0, recorded by an ImportRecorder ("both") or not
# ("importtime"). With both in one process, the machine's load hits the two timers alike; the
# "importtime" runs show that recording does not change the tree. The recorder's cost is
# measured by benchmarks/bench_import_tree.py.
AGREE_CHILD = '''
import builtins, sys
mode, module, extra = sys.argv[1], sys.argv[2], sys.argv[3]
if extra:
    sys.path.insert(0, extra)
from imwarmup import WarmupController
from imwarmup.core.import_tree import ImportRecorder
import inspect
kw = dict(max_workers=1, worker_nice=0, log_to_stderr=False, history=False, concurrency=None)
if "stall_after" in inspect.signature(WarmupController).parameters:  # no watcher thread either
    kw.update(stall_after=float("inf"), freeze_after=float("inf"))
with WarmupController(["sys"], **kw) as warm:  # load everything a warmup loads
    warm.start()
    assert warm.wait_for_warmup(60)
# imwarmup itself may have loaded MODULE (json): forget it, so that it is imported anew.
for name in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
    del sys.modules[name]
recorder = ImportRecorder()
controller = WarmupController([], **kw)
# No garbage collection during the import: since 3.12 a collection runs at the next check of
# the eval loop, which is often the entry of the recorder's hook, before it reads the clock, so
# a pause CPython's timer gives the child is the parent's in the tree. Off, both count work.
import gc
gc.disable()

def job():
    if mode == "both":
        recorder.begin(1)
    try:
        builtins.__import__(module)
    finally:
        recorder.end(1)

controller.submit_job(job).result(120)
recorder.close()
tree = recorder.tree(1)
import json  # only now: the import measured may be json itself
print(json.dumps([[n["module"], None if n["parent"] is None else tree[n["parent"]]["module"],
                   n["cum_ms"], n["error"]] for n in tree]))
controller.shutdown()
'''


def parse_importtime(stderr: str, module: str) -> list[list]:
    """``-X importtime`` lines (post-order, 2 spaces a level) -> the subtree of the last
    top-level import of ``module``: [[module, parent module, cum_ms], ...]."""
    pending: dict[int, list[tuple[str, float, list]]] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        _self_us, cum_us, name = line[len("import time:"):].split("|", 2)
        name = name[1:]
        level = (len(name) - len(name.lstrip(" "))) // 2
        node = (name.strip(), int(cum_us) / 1000.0, pending.pop(level + 1, []))
        pending.setdefault(level, []).append(node)
    roots = [node for node in pending.get(0, []) if node[0] == module]
    assert roots, f"-X importtime has no top-level import of {module}"
    root = roots[-1]
    out: list[list] = []

    def walk(node, parent):
        out.append([node[0], parent, node[1]])
        for kid in node[2]:
            walk(kid, node[0])

    walk(root, None)
    return out


def run_agree_child(tmp_path, mode: str, module: str, extra: str) -> tuple[list[list], list[list]]:
    """(recorded tree, -X importtime tree) of one fresh process."""
    script = tmp_path / "agree_child.py"
    if not script.exists():
        script.write_text(AGREE_CHILD)
    result = subprocess.run([sys.executable, "-X", "importtime", str(script), mode, module, extra],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout), parse_importtime(result.stderr, module)


BURN = "import time\n_end = time.thread_time() + {ms} / 1000\nwhile time.thread_time() < _end: pass\n"


@pytest.mark.parametrize("module", ["json", "email.mime.multipart", "numpy", "generated"])
def test_recorded_times_agree_with_python_x_importtime(module, tmp_path, gen, forget_packages):
    extra = ""
    if module == "generated":
        # A package tree whose modules burn a known CPU time (so they are above 5 ms whatever
        # the machine) and import stdlib modules too.
        module = write_package(gen, {
            "": "import PKG.core\nimport PKG.io\n" + BURN.format(ms=6),
            "core": "import PKG.core.fast\nimport PKG.core.slow\n" + BURN.format(ms=8),
            "core.fast": "import colorsys\n",
            "core.slow": BURN.format(ms=25),
            "io": "import PKG.core.slow\nimport PKG.io.codec\n",
            "io.codec": "import PKG.core.fast\n" + BURN.format(ms=12),
        })
        extra = str(gen.root)
    runs = [run_agree_child(tmp_path, "both", module, extra) for _ in range(5)]
    plain = run_agree_child(tmp_path, "importtime", module, extra)[1]
    assert run_agree_child(tmp_path, "importtime", module, extra)[0] == []  # nothing recorded
    # The same shape: every module under the same parent (a name is unique in one tree), in
    # every run, and the same as without the recorder.
    edges = {(m, p) for m, p, *_ in plain}
    for recorded, timed in runs:
        assert {(m, p) for m, p, *_ in timed} == edges
        assert {(m, p) for m, p, *_ in recorded} == edges, (
            sorted({(m, p) for m, p, *_ in recorded} - edges),
            sorted(edges - {(m, p) for m, p, *_ in recorded}))
        assert recorded[0][3] is None  # (sub-imports may fail and be caught: numpy's do)
    if module == "json":
        assert len(edges) >= 3  # json, json.decoder, json.scanner, ...
    # Per module above 5 ms: the recorded cumulative time minus -X importtime's of the same
    # run, median over the runs, within 15% (of importtime's median) or 3 ms.
    def cum(tree: list[list], module: str) -> float:
        return next(c for m, _, c, *_ in tree if m == module)

    compared = {}
    for m, _ in edges:
        timed_ms = statistics.median(cum(run[1], m) for run in runs)
        if timed_ms > 5.0:
            diff = statistics.median(cum(run[0], m) - cum(run[1], m) for run in runs)
            compared[m] = (timed_ms + diff, timed_ms)
    if module != "json":
        assert compared, f"no module of {module} took over 5 ms: nothing compared"
    off = {m: f"recorded {r:.1f} ms vs -X importtime {t:.1f} ms"
           for m, (r, t) in compared.items() if abs(r - t) > max(0.15 * t, 3.0)}
    assert not off, off
