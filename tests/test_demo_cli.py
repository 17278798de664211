"""The demo's command line: bad values get one clear line and exit 2, not a traceback."""

import os
import subprocess
import sys

import pytest


def run_demo(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "imwarmup", *args], capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.parametrize("args, message", [
    (["--workers", "0"], "--workers must be between 1 and 64"),
    (["--workers", "four"], "--workers must be a whole number"),
    (["--modules", "numpy,9bad"], "not a dotted module name: '9bad'"),
    (["--modules", ","], "--modules needs at least one module name"),
    (["--screenshot", "x.png"], "--screenshot needs --exit-after"),
    (["--exit-after", "-1"], "expected seconds in (0, 3600]"),
    (["--hook-port", "70000"], "--hook-port must be in 0..65535"),
    (["--window-size", "big"], "--window-size must look like 1000x700"),
    (["--screenshot", "/no/such/dir/x.png", "--exit-after", "1"], "does not exist"),
])
def test_bad_flag_values_exit_2_with_a_clear_message(args, message):
    proc = run_demo(*args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_text_mode_warms_and_prints_the_table_and_profile():
    proc = run_demo("text", "--modules", "json,sqlite3,no_such_module_xyz", "--workers", "2", "--quiet")
    # A module that is not there is bad input (exit 2, one line saying so), after the report.
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"python -m imwarmup: --modules: no module named "
                                   f"'no_such_module_xyz' in this Python ({sys.executable}); "
                                   f"check the name, or install it")
    out = proc.stdout
    assert "3 modules, 2 completed, 1 failed" in out
    assert "no_such_module_xyz" in out and "ModuleNotFoundError" in out
    assert "controller-io-" in out
    assert "Startup profile" in out and "warmup:sqlite3" in out and "Critical path:" in out


def test_text_mode_exit_codes_tell_a_failed_import_from_an_unknown_module(tmp_path):
    (tmp_path / "vendor_sdk.py").write_text("raise ImportError('vendor SDK needs libfoo.so')\n")
    (tmp_path / "needs_dep.py").write_text("import no_such_dependency_xyz\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    run = lambda modules: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "imwarmup", "text", "--modules", modules, "--quiet"],
        capture_output=True, text=True, timeout=60, env=env)
    # There, but its import fails (its own error, or a dependency missing): exit 1, no line.
    for modules in ("json,vendor_sdk", "json,needs_dep"):
        proc = run(modules)
        assert (proc.returncode, proc.stderr) == (1, ""), modules
    # Not there: a typo, a submodule that does not exist, a package that does not.
    proc = run("json,json.no_such_sub,no_such_pkg_xyz.sub")
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"python -m imwarmup: --modules: no module named 'json.no_such_sub' in this Python "
        f"({sys.executable}); check the name, or install it",
        f"python -m imwarmup: --modules: no module named 'no_such_pkg_xyz' (the package of "
        f"'no_such_pkg_xyz.sub') in this Python ({sys.executable}); check the name, or install it",
    ]
    assert "3 modules, 1 completed, 2 failed" in proc.stdout    # the report still comes first
    assert run("json").returncode == 0


@pytest.mark.parametrize("command", ["text", "history"])
def test_output_into_a_closed_pipe_ends_quietly(command, tmp_path):
    # `python -m imwarmup text | head -1`: the reader is gone before the output is written.
    history = tmp_path / "h.jsonl"
    env = dict(os.environ, IMWARMUP_HISTORY=str(history))
    if command == "history":  # one run on record to list
        subprocess.run([sys.executable, "-m", "imwarmup", "text", "--modules", "json", "--quiet"],
                       env=env, capture_output=True, timeout=60, check=True)
        assert history.read_text().count("\n") == 1
    args = {"text": ["text", "--modules", "json", "--quiet"],
            "history": ["history", "--history", str(history)]}[command]
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write to stdout fails with EPIPE
    try:
        proc = subprocess.run([sys.executable, "-m", "imwarmup", *args], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=60, env=env)
    finally:
        os.close(write_end)
    assert proc.stderr == "" and proc.returncode == 1, (proc.returncode, proc.stderr)


def test_window_demo_saves_a_screenshot_with_a_green_dot(virtual_display, tmp_path):
    from PIL import Image

    from imwarmup.testing.pixels import count_color, rgb255
    from imwarmup.theme import PALETTES, Role

    out = tmp_path / "demo.png"
    proc = run_demo("--modules", "json,sqlite3,decimal", "--screenshot", str(out),
                    "--exit-after", "2", "--window-size", "800x600", "--quiet")
    assert proc.returncode == 0, proc.stderr
    image = Image.open(out)
    assert image.size == (800, 600)
    assert count_color(image, rgb255(PALETTES["dark"][Role.READY]), (0, 570, 30, 600)) >= 20


def test_closing_the_window_while_an_import_hangs_ends_the_app(virtual_display, tmp_path):
    """The app closes (--exit-after) while one warmup import never returns: the process must
    still end by itself, and say which import it abandoned. (A ThreadPoolExecutor worker would
    hold interpreter exit forever here.)"""
    import os
    import time

    (tmp_path / "hangs_forever.py").write_text("import threading\nthreading.Event().wait()\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "imwarmup", "--modules", "json,hangs_forever",
                           "--exit-after", "1.5", "--window-size", "640x480"],
                          capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    assert "abandoned the import of 'hangs_forever' on controller-io-" in proc.stderr
    assert proc.stderr.count("abandoned the import of") == 1
    assert elapsed < 20.0, f"the app took {elapsed:.1f}s to exit after a 1.5 s run"
