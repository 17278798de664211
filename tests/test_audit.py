"""The static audit CLI on small generated projects, and on imwarmup itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from imwarmup.audit import AuditError, main, run_audit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write(root, files: dict[str, str]) -> str:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return str(root)


def audit_json(capsys, *args: str) -> tuple[int, dict]:
    code = main([*args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def import_time(result: dict) -> list[tuple[str, str, int]]:
    return [(" -> ".join(v["chain"]), os.path.basename(v["file"]), v["line"])
            for v in result["violations"] if v["kind"] == "import-time"]


def function_body(result: dict) -> list[tuple[str, str, int]]:
    return [(v["function"], " -> ".join(v["chain"]), v["line"])
            for v in result["violations"] if v["kind"] == "function-body"]


def test_clean_project_exits_0(tmp_path, capsys):
    root = write(tmp_path, {
        "app/__init__.py": "",
        "app/main.py": "import json\nfrom app import gui\n",
        "app/gui.py": "import os.path\nfrom typing import TYPE_CHECKING\n"
                      "if TYPE_CHECKING:\n    import numpy\n",
    })
    assert main(["app.main", "--path", root]) == 0
    out = capsys.readouterr().out
    assert "clean: no heavy import reachable from app.main" in out and "3 modules scanned" in out


def test_direct_heavy_import(tmp_path, capsys):
    root = write(tmp_path, {"app.py": "import sys\nimport numpy as np\n"})
    code, result = audit_json(capsys, "app", "--path", root)
    assert code == 1
    assert import_time(result) == [("app -> numpy", "app.py", 2)]


def test_transitive_chain_through_packages(tmp_path, capsys):
    root = write(tmp_path, {
        "app/__init__.py": "",
        "app/main.py": "from app import gui\n",
        "app/gui.py": "import app.plots\n",
        "app/plots.py": "\n\nfrom numpy.linalg import norm\n",
    })
    code, result = audit_json(capsys, "app.main", "--path", root)
    assert code == 1
    assert import_time(result) == [("app.main -> app.gui -> app.plots -> numpy", "plots.py", 3)]
    assert result["scanned"] == ["app.main", "app", "app.gui", "app.plots"]
    main(["app.main", "--path", root])
    assert "import time    app.main -> app.gui -> app.plots -> numpy" in capsys.readouterr().out


def test_heavy_package_init_is_reachable_from_a_submodule_entry(tmp_path, capsys):
    root = write(tmp_path, {"app/__init__.py": "import pandas\n", "app/main.py": "x = 1\n"})
    code, result = audit_json(capsys, "app.main", "--path", root)
    assert code == 1 and import_time(result) == [("app.main -> app -> pandas", "__init__.py", 1)]


def test_function_body_imports_direct_and_through_a_project_module(tmp_path, capsys):
    root = write(tmp_path, {
        "app/__init__.py": "",
        "app/main.py": """\
            import app.tools

            class Window:
                def draw(self):
                    import torch

            def later():
                from app import plots
        """,
        "app/plots.py": "import matplotlib.pyplot\n",
        "app/tools.py": "def never_called():\n    import json\n",
    })
    code, result = audit_json(capsys, "app.main", "--path", root)
    assert code == 1
    assert import_time(result) == []
    assert function_body(result) == [
        ("app.main.Window.draw", "app.main -> torch", 5),
        ("app.main.later", "app.main -> app.plots -> matplotlib", 8),
    ]
    assert main(["app.main", "--path", root, "--no-function-bodies"]) == 0
    main(["app.main", "--path", root])
    assert "app.main.Window.draw() imports torch" in capsys.readouterr().out


def test_cyclic_imports_terminate_and_report_once(tmp_path, capsys):
    root = write(tmp_path, {
        "a.py": "import b\n",
        "b.py": "import c\n",
        "c.py": "import a\nimport b\nimport scipy\n",
    })
    code, result = audit_json(capsys, "a", "--path", root)
    assert code == 1
    assert import_time(result) == [("a -> b -> c -> scipy", "c.py", 3)]
    assert sorted(result["scanned"]) == ["a", "b", "c"]


def test_relative_imports(tmp_path, capsys):
    root = write(tmp_path, {
        "app/__init__.py": "from . import ui\n",
        "app/ui/__init__.py": "from .widgets import button\n",
        "app/ui/widgets/__init__.py": "",
        "app/ui/widgets/button.py": "from ...llm import client\n",
        "app/llm/__init__.py": "",
        "app/llm/client.py": "from google import genai\n",
    })
    code, result = audit_json(capsys, "app", "--path", root)
    assert code == 1
    assert import_time(result) == [(
        "app -> app.ui -> app.ui.widgets.button -> app.llm.client -> google.genai", "client.py", 1
    )]


def test_dynamic_imports_with_literal_names(tmp_path, capsys):
    root = write(tmp_path, {
        "app.py": "import importlib\nopenai = importlib.import_module('openai')\n"
                  "name = 'numpy'\nimportlib.import_module(name)\n",
    })
    code, result = audit_json(capsys, "app", "--path", root)
    assert code == 1 and import_time(result) == [("app -> openai", "app.py", 2)]


def test_main_guard_counts_only_in_the_entry(tmp_path, capsys):
    root = write(tmp_path, {
        "app.py": "import lib\nif __name__ == '__main__':\n    import anthropic\n",
        "lib.py": "if __name__ == '__main__':\n    import torch\n",
    })
    code, result = audit_json(capsys, "app", "--path", root)
    assert import_time(result) == [("app -> anthropic", "app.py", 3)]


def test_custom_heavy_list_and_file_entry(tmp_path, capsys):
    root = write(tmp_path, {"app/__init__.py": "", "app/main.py": "import sqlite3\nimport numpy\n"})
    code, result = audit_json(capsys, str(tmp_path / "app" / "main.py"), "--path", root,
                              "--heavy", "sqlite3")
    assert code == 1 and result["entry"] == "app.main" and result["heavy"] == ["sqlite3"]
    assert import_time(result) == [("app.main -> sqlite3", "main.py", 1)]


@pytest.mark.parametrize(
    "files, argv, message",
    [
        ({"app.py": ""}, ["nothere"], "unknown entry 'nothere'"),
        ({"app.py": ""}, ["no/such/file.py"], "no such file"),
        ({"app.py": ""}, ["not-a-module"], "not a dotted module name"),
        ({"app.py": "import broken\n", "broken.py": "def f(:\n"}, ["app"],
         "syntax error in {root}/broken.py:1 (module broken)"),
        ({"app.py": "import nul\n", "nul.py": "x = 1\0\n"}, ["app"], "{root}/nul.py"),
        ({"app.py": "from .. import x\n"}, ["app"],
         "{root}/app.py:1: relative import 'from .. import ...' goes above the top-level package"),
        ({"app.py": ""}, ["app", "--heavy", ","], "--heavy needs at least one module name"),
        ({"app.py": ""}, ["app", "--heavy", "num-py"], "'num-py' is not a dotted module name"),
        ({"numpy/__init__.py": "import json\n"}, ["numpy", "--heavy", "numpy"],
         "the entry numpy is itself heavy (--heavy has numpy)"),
    ],
)
def test_bad_usage_exits_2_naming_the_file(tmp_path, capsys, files, argv, message):
    root = write(tmp_path, files)
    assert main([*argv, "--path", root]) == 2
    err = capsys.readouterr().err
    assert "imwarmup.audit: error:" in err
    assert message.format(root=root) in err


def test_missing_path_dir_and_bad_option_exit_2(tmp_path, capsys):
    assert main(["app", "--path", str(tmp_path / "missing")]) == 2
    assert "is not a directory" in capsys.readouterr().err
    assert main(["app", "--frobnicate"]) == 2
    assert main([]) == 2


def test_json_error_output(tmp_path, capsys):
    code, result = audit_json(capsys, "nothere", "--path", str(tmp_path))
    assert code == 2 and "unknown entry 'nothere'" in result["error"]


def test_run_audit_api_raises_audit_error(tmp_path):
    with pytest.raises(AuditError, match="unknown entry"):
        run_audit("nothere", [str(tmp_path)])


def test_python_dash_m_entry_point(tmp_path):
    root = write(tmp_path, {"app.py": "import numpy\n"})
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-m", "imwarmup.audit", "app", "--path", root],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 1 and "app -> numpy" in done.stdout


@pytest.mark.parametrize("entry", ["imwarmup", "imwarmup.core", "imwarmup.core.hooks",
                                   "imwarmup.core.purity", "imwarmup.core.controller",
                                   "imwarmup.audit", "imwarmup.pytest_plugin"])
def test_imwarmup_itself_is_clean(entry, capsys):
    # The engine and its tools must not pull numpy or imgui_bundle in when imported.
    assert main([entry, "--path", ROOT, "--heavy", "numpy,imgui_bundle"]) == 0, capsys.readouterr()


@pytest.mark.parametrize("entry", ["imwarmup.panels", "imwarmup.widgets", "imwarmup.theme"])
def test_imwarmup_gui_packages_import_nothing_heavier_than_imgui_bundle(entry, capsys):
    assert main([entry, "--path", ROOT]) == 0, capsys.readouterr()


# ------------------------------------------------------ heavy packages under --path are leaves
def test_a_heavy_package_under_path_is_reported_and_never_followed(tmp_path, capsys):
    # A site-packages as --path: numpy's own files are there, and must not be scanned.
    root = write(tmp_path, {
        "numpy/__init__.py": "from numpy._core import False_\nimport torch\n",
        "numpy/_core/__init__.py": "False_ = False\n",
        "app.py": "import json\nimport numpy\n",
        "gui.py": "from numpy import False_\n",
        "main.py": "import app\nimport gui\n",
    })
    code, result = audit_json(capsys, "main", "--path", root, "--heavy", "numpy,torch")
    assert code == 1
    assert import_time(result) == [("main -> app -> numpy", "app.py", 2),
                                   ("main -> gui -> numpy", "gui.py", 1)]
    assert result["scanned"] == ["main", "app", "gui"]


def test_from_import_under_a_heavy_name_counts_only_a_real_submodule(tmp_path, capsys):
    root = write(tmp_path, {
        "sdk/__init__.py": "def helper():\n    pass\n",
        "sdk/plots.py": "X = 1\n",
        "app.py": "from sdk import helper\nfrom sdk import plots\n",
    })
    # sdk.helper is a function of sdk, not a module: only sdk.plots is the heavy import.
    code, result = audit_json(capsys, "app", "--path", root, "--heavy", "sdk.helper,sdk.plots")
    assert code == 1 and import_time(result) == [("app -> sdk.plots", "app.py", 2)]


# ------------------------------------------------------------------------------ deep nesting
def test_deep_but_importable_code_is_scanned(tmp_path, capsys):
    # Python imports both files; a recursive walk of their syntax trees does not get through.
    branches = "".join(f"elif x == {i}:\n    y = {i}\n" for i in range(1, 1000))
    terms = "+".join(["1"] * 1000)
    root = write(tmp_path, {
        "app.py": "import chain\nimport total\n",
        "chain.py": f"x = 0\nif x == 0:\n    y = 0\n{branches}else:\n    import torch\n",
        "total.py": f"import importlib\nX = [{terms}, importlib.import_module('scipy')]\n",
    })
    for module in ("chain", "total"):
        __import__("ast").parse((tmp_path / f"{module}.py").read_text())  # Python parses it
    code, result = audit_json(capsys, "app", "--path", root)
    assert code == 1
    assert import_time(result) == [("app -> chain -> torch", "chain.py", 2003),
                                   ("app -> total -> scipy", "total.py", 2)]


def test_code_too_deep_for_pythons_parser_exits_2_with_one_line(tmp_path, capsys):
    root = write(tmp_path, {"app.py": "import deep\n",
                            "deep.py": "X = " + "+".join(["1"] * 20000) + "\n"})
    assert main(["app", "--path", root]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"imwarmup.audit: error: cannot parse {root}/deep.py (module deep): ")
    assert "nests too deeply for Python's parser" in err


# ------------------------------------------------------------------------------ symlink loops
@pytest.mark.parametrize("kind", ["file", "directory", "broken"])
def test_a_symlink_loop_reached_by_an_import_exits_2_naming_the_import(tmp_path, capsys, kind):
    if kind == "file":
        write(tmp_path, {"app.py": "import json\nimport loop\n"})
        os.symlink("loop.py", tmp_path / "loop.py")
        where, message = "app.py:2 imports loop", f"{tmp_path}/loop.py is behind a symlink loop"
    elif kind == "directory":
        write(tmp_path, {"app/__init__.py": "from . import sub\n"})
        os.symlink(".", tmp_path / "app" / "sub")
        where = "app/__init__.py:1 imports app.sub"
        message = f"module app.sub is app again through the symlink {tmp_path}/app/sub -> ."
    else:
        write(tmp_path, {"app.py": "import gone\n"})
        os.symlink("nowhere.py", tmp_path / "gone.py")
        where, message = "app.py:1 imports gone", f"{tmp_path}/gone.py is a broken symlink"
    assert main(["app", "--path", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"imwarmup.audit: error: {tmp_path}/{where}, but " in err and message in err


# ------------------------------------------------------------------------------------ speed
def test_function_body_pass_walks_the_import_graph_once(tmp_path, capsys, monkeypatch):
    # Each of 150 functions imports a module at the head of a 150-module chain ending in numpy.
    # A search per function walked the chain per function (150 x 150); the work must stay
    # linear. Counting edge walks instead of timing keeps the test exact on a slow machine.
    n = 150
    files = {f"m{i}.py": f"import m{i + 1}\n" for i in range(n)}
    files[f"m{n}.py"] = "import numpy\n"
    files["app.py"] = "".join(f"def f{i}():\n    import m{i}\n" for i in range(n))
    root = write(tmp_path, files)
    import imwarmup.audit as audit

    calls = []
    edges = audit._edges
    monkeypatch.setattr(audit, "_edges", lambda *a: calls.append(1) or edges(*a))
    code, result = audit_json(capsys, "app", "--path", root)
    assert code == 1 and len(function_body(result)) == n
    assert function_body(result)[-1] == (f"app.f{n - 1}", f"app -> m{n - 1} -> m{n} -> numpy",
                                         2 * n)
    assert len(calls) < 3 * n


def test_a_broken_symlink_for_the_entrys_package_exits_2(tmp_path, capsys):
    write(tmp_path, {"app/main.py": "import json\n"})
    os.symlink("gone.py", tmp_path / "app" / "__init__.py")
    assert main(["app.main", "--path", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert (f"entry app.main runs its package app first, but {tmp_path}/app/__init__.py is a "
            f"broken symlink") in err


def test_the_one_graph_search_goes_breadth_first_and_stops_at_cycles():
    from imwarmup.audit import _breadth_first, _path

    graph = {"a": ["b", "c"], "b": ["d", "a"], "c": ["d"], "d": ["b"]}
    came_from = _breadth_first(["a"], lambda node: graph[node])
    assert list(came_from) == ["a", "b", "c", "d"]  # the order reached
    assert _path(came_from, "d") == ["d", "b", "a"]  # a shortest way back to the start
    assert _breadth_first(["x", "x"], lambda node: []) == {"x": None}
