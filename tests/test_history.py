"""Start-up history (issue 16): the bounded JSON-lines file, corruption, concurrent writers, an
unwritable folder, the controller's record, comparisons and the CLI's exit codes."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap
import warnings

import pytest

from imwarmup import WarmupController
from imwarmup.core import history as H
from imwarmup.core.history_cli import main as cli_main


def record(run: str, times: dict[str, float], status: str = "completed", wall_ms: float | None = None,
           **extra) -> dict:
    mods = [{"module": m, "status": status, "elapsed_ms": ms, "cpu_ms": None} for m, ms in times.items()]
    return {"schema": H.SCHEMA, "run": run, "app": "t", "time": "2026-11-30T00:00:00Z",
            "wall_ms": wall_ms if wall_ms is not None else max(times.values(), default=0.0),
            "modules": mods, **extra}


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv(H.ENV_VAR, raising=False)


# ----------------------------------------------------------------------------------- the file
def test_append_keeps_only_the_last_max_runs(tmp_path):
    f = H.HistoryFile(tmp_path / "h.jsonl", max_runs=3)
    for i in range(5):
        f.append(record(f"r{i}", {"numpy": 100.0 + i}))
    runs = f.read()
    assert [r["run"] for r in runs] == ["r2", "r3", "r4"]
    assert len((tmp_path / "h.jsonl").read_text().splitlines()) == 3
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]  # no temp file left


def test_corrupt_and_foreign_lines_are_skipped_with_one_warning_and_kept(tmp_path):
    path = tmp_path / "h.jsonl"
    good = json.dumps(record("r0", {"json": 3.0}))
    path.write_text("\n".join([
        "{not json", json.dumps({"schema": "someone-else/2", "x": 1}), good, '{"schema": "imwarmup.history/1", "run": "cut',
    ]) + "\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        runs = H.HistoryFile(path).read()
    assert [r["run"] for r in runs] == ["r0"]
    assert len(caught) == 1 and issubclass(caught[0].category, H.HistoryWarning)
    assert "skipped 3 line(s)" in str(caught[0].message) and "line 1, 2, 4" in str(caught[0].message)
    # Appending never loses a line it does not understand (a newer imwarmup's records).
    H.HistoryFile(path).append(record("r1", {"json": 4.0}))
    lines = path.read_text().splitlines()
    assert lines[0] == "{not json" and lines[1].startswith('{"schema": "someone-else/2"')
    assert json.loads(lines[-1])["run"] == "r1"


def test_append_refuses_what_is_not_a_run_record(tmp_path):
    with pytest.raises(ValueError, match="not an imwarmup run record.*make_record"):
        H.HistoryFile(tmp_path / "h.jsonl").append({"run": "x"})
    with pytest.raises(ValueError, match="max_runs must be >= 1, got 0"):
        H.HistoryFile(tmp_path / "h.jsonl", max_runs=0)
    with pytest.raises(TypeError, match="max_runs must be an int, got '5'"):
        H.HistoryFile(tmp_path / "h.jsonl", max_runs="5")  # type: ignore[arg-type]


def test_a_full_disk_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    f = H.HistoryFile(tmp_path / "h.jsonl")
    f.append(record("r0", {"json": 3.0}))
    before = (tmp_path / "h.jsonl").read_bytes()

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space left"):
        f.append(record("r1", {"json": 4.0}))
    assert (tmp_path / "h.jsonl").read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["h.jsonl", "h.jsonl.lock"]


def test_the_default_bound_is_the_last_100_runs(tmp_path):
    f = H.HistoryFile(tmp_path / "h.jsonl")
    for i in range(103):
        f.append(record(f"r{i}", {"json": 3.0}))
    runs = f.read()
    assert len(runs) == 100 and runs[0]["run"] == "r3" and runs[-1]["run"] == "r102"


def test_a_lock_that_fails_closes_its_file(tmp_path, monkeypatch):
    # A file system without locks (ENOLCK on some NFS mounts): an OSError, no descriptor leaked.
    def no_locks(fd):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(H, "_try_lock", no_locks)
    closed = []
    real_close = os.close
    monkeypatch.setattr(os, "close", lambda fd: (closed.append(fd), real_close(fd)))
    with pytest.raises(OSError, match="No locks available"):
        H.HistoryFile(tmp_path / "h.jsonl").append(record("r0", {"json": 3.0}))
    assert len(closed) == 1
    assert not (tmp_path / "h.jsonl").exists()


def test_two_processes_appending_at_once_lose_nothing(tmp_path):
    path = tmp_path / "h.jsonl"
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {os.getcwd()!r})
        from imwarmup.core import history as H
        f = H.HistoryFile({str(path)!r})
        tag = sys.argv[1]
        for i in range(15):
            f.append({{"schema": H.SCHEMA, "run": f"{{tag}}-{{i}}", "modules": [{{"module": "m"}}]}})
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script, f"p{n}"]) for n in range(4)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0, 0]
    runs = H.HistoryFile(path).read()
    assert sorted(r["run"] for r in runs) == sorted(f"p{n}-{i}" for n in range(4) for i in range(15))
    for n in range(4):  # each writer's own records stay in its order
        mine = [r["run"] for r in runs if r["run"].startswith(f"p{n}-")]
        assert mine == [f"p{n}-{i}" for i in range(15)]


# ------------------------------------------------------------------------------ where it lives
def test_default_path_is_under_the_user_cache_named_for_the_app(no_env, monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert H.resolve_history_path(None, app="myapp") == str(tmp_path / "imwarmup" / "myapp.jsonl")
    assert H.app_name("/srv/tools/my app.py") == "my_app"
    assert H.app_name("/venv/lib/myapp/__main__.py") == "myapp"
    assert H.app_name("-c") == "python"


@pytest.mark.parametrize("platform, env, expected", [
    ("darwin", {}, "~/Library/Caches/imwarmup/myapp.jsonl"),
    ("win32", {"LOCALAPPDATA": "/c/Users/me/AppData/Local"},
     "/c/Users/me/AppData/Local/imwarmup/myapp.jsonl"),
    ("linux", {"XDG_CACHE_HOME": ""}, "~/.cache/imwarmup/myapp.jsonl"),
])
def test_default_path_on_each_platform(no_env, monkeypatch, platform, env, expected):
    monkeypatch.setattr(sys, "platform", platform)
    for name in ("XDG_CACHE_HOME", "LOCALAPPDATA"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        if value:
            monkeypatch.setenv(name, value)
    assert H.default_history_path("myapp") == os.path.expanduser(expected)


def test_the_environment_overrides_the_argument(monkeypatch, tmp_path):
    monkeypatch.setenv(H.ENV_VAR, str(tmp_path / "env.jsonl"))
    assert H.resolve_history_path(tmp_path / "arg.jsonl") == str(tmp_path / "env.jsonl")
    assert H.resolve_history_path(False) == str(tmp_path / "env.jsonl")
    monkeypatch.setenv(H.ENV_VAR, "off")
    assert H.resolve_history_path(tmp_path / "arg.jsonl") is None


def test_bad_history_arguments_name_what_was_wrong(no_env):
    with pytest.raises(TypeError, match=r"history must be a path, True .* or False \(off\), got 5"):
        WarmupController(["json"], history=5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="history must be a non-empty path, got ' '"):
        WarmupController(["json"], history=" ")
    with pytest.raises(TypeError, match="app_name must be a non-empty str, got ''"):
        WarmupController(["json"], app_name="")
    assert WarmupController(["json"], history=False).history is None


# -------------------------------------------------------------------------- the controller
def test_a_finished_round_is_appended_off_the_gui_and_warmup_threads(no_env, tmp_path, monkeypatch):
    path = tmp_path / "app.jsonl"
    H.HistoryFile(path).append(record("old", {"json": 50.0, "email.mime.multipart": 80.0}))
    threads = []
    real_append = H.HistoryFile.append

    def spy(self, rec):
        import threading
        threads.append(threading.current_thread().name)
        return real_append(self, rec)

    monkeypatch.setattr(H.HistoryFile, "append", spy)
    c = WarmupController(["json", "email.mime.multipart"], history=path, app_name="demoapp",
                         log_to_stderr=False)
    c.start()
    assert c.wait_for_warmup(timeout=30)
    assert c.shutdown(wait=True, timeout=10)
    assert threads == ["controller-history-0"]
    runs = H.HistoryFile(path).read()
    assert [r["app"] for r in runs] == ["t", "demoapp"]
    new = runs[-1]
    assert {m["module"]: m["status"] for m in new["modules"]} == {
        "json": "completed", "email.mime.multipart": "completed"}
    assert all(m["elapsed_ms"] is not None and m["elapsed_ms"] >= 0 for m in new["modules"])
    assert new["wall_ms"] >= max(m["elapsed_ms"] for m in new["modules"])
    assert c.history.usual() == {"json": 50.0, "email.mime.multipart": 80.0}  # the runs before
    assert [r["run"] for r in c.history.runs()] == ["old", new["run"]]


def test_the_record_holds_cpu_phases_frames_and_import_trees(no_env, gen, tmp_path):
    leaf = gen.module(BUSY.format(seconds=0.02), stem="leaf")
    top = gen.module(f"import {leaf}\n", stem="top")
    path = tmp_path / "app.jsonl"
    c = WarmupController([top, "json"], history=path, log_to_stderr=False).start()
    frames = 0
    while not c.wait_for_warmup(timeout=0.002):    # a GUI marking its frames while warming
        c.frames.mark(c.frames.clock())
        frames += 1
    assert c.shutdown(wait=True, timeout=10)
    rec = H.HistoryFile(path).read()[-1]
    mods = {m["module"]: m for m in rec["modules"]}
    assert mods[top]["cpu_ms"] >= 15.0 and mods[top]["thread_name"].startswith("controller-io-")
    assert [t["module"] for t in mods[top]["top_imports"]][:1] == [leaf]
    assert mods[top]["top_imports"][0]["self_ms"] >= 15.0
    assert {p["name"] for p in rec["phases"]} >= {f"warmup:{top}", "warmup:json"}
    if frames >= 3:    # frames that started while the round ran (the loop polls every 2 ms)
        assert rec["frames"]["count"] >= 1 and rec["frames"]["worst_ms"] > 0


def test_a_corrupt_line_costs_the_app_one_stderr_line_and_no_warning_filters(
        no_env, tmp_path, capsys, monkeypatch):
    path = tmp_path / "app.jsonl"
    H.HistoryFile(path).append(record("old", {"json": 50.0}))
    with open(path, "a") as f:
        f.write("{cut short\n\x00\x01garbage\n")
    entered = []
    real = warnings.catch_warnings

    class Spy(real):  # warnings.catch_warnings swaps the process's filters: not from a thread
        def __enter__(self):
            import threading
            entered.append(threading.current_thread().name)
            return super().__enter__()

    monkeypatch.setattr(warnings, "catch_warnings", Spy)
    c = WarmupController(["json"], history=path).start()
    assert c.wait_for_warmup(timeout=30) and c.shutdown(wait=True, timeout=10)
    assert "controller-history-0" not in entered
    lines = [ln for ln in capsys.readouterr().err.splitlines() if "history" in ln]
    assert lines == [f"[imwarmup] history: skipped 2 line(s) of {path} that are not imwarmup "
                     "run records (line 2, 3)"]
    assert c.history.usual() == {"json": 50.0}
    assert len(H.HistoryFile(path).scan()[0]) == 2   # old + this run; the junk is kept
    assert path.read_text().count("{cut short") == 1


def test_a_full_disk_costs_the_app_one_line_and_the_file_stays(no_env, tmp_path, capsys,
                                                                monkeypatch):
    path = tmp_path / "app.jsonl"
    H.HistoryFile(path).append(record("old", {"json": 50.0}))
    before = path.read_bytes()
    real_fdopen = os.fdopen

    class Full:   # a file of the history's folder on a full disk: every write fails
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.f, name)

    def fdopen(fd, *args, **kwargs):
        f = real_fdopen(fd, *args, **kwargs)
        in_folder = os.path.dirname(os.readlink(f"/proc/self/fd/{fd}")) == str(tmp_path)
        return Full(f) if in_folder else f

    monkeypatch.setattr(os, "fdopen", fdopen)
    c = WarmupController(["json"], history=path).start()
    assert c.wait_for_warmup(timeout=30) and c.shutdown(wait=True, timeout=10)
    assert c.warmup_status()["completed"] == ["json"]
    lines = [ln for ln in capsys.readouterr().err.splitlines() if "history" in ln]
    assert len(lines) == 1 and lines[0].startswith(f"[imwarmup] history: not saved to {path}: ")
    assert "No space left on device" in lines[0]
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["app.jsonl", "app.jsonl.lock"]   # no temp file
    monkeypatch.setattr(os, "fdopen", real_fdopen)   # space again: the next run is saved
    c2 = WarmupController(["json"], history=path, log_to_stderr=False).start()
    assert c2.wait_for_warmup(timeout=30) and c2.shutdown(wait=True, timeout=10)
    assert [r["run"] for r in H.HistoryFile(path).read()][0] == "old"
    assert len(H.HistoryFile(path).read()) == 2


def test_a_run_saved_without_its_order_file_says_so_truthfully(no_env, tmp_path, capsys,
                                                               monkeypatch):
    from imwarmup.core import history_service

    def order_full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    path = tmp_path / "app.jsonl"
    monkeypatch.setattr(history_service, "write_atomic", order_full)
    c = WarmupController(["json"], history=path).start()
    assert c.wait_for_warmup(timeout=30) and c.shutdown(wait=True, timeout=10)
    assert len(H.HistoryFile(path).read()) == 1         # the run itself is saved
    lines = [ln for ln in capsys.readouterr().err.splitlines() if "history" in ln]
    assert lines == [f"[imwarmup] history: this run is saved to {path}, but the next start "
                     f"order is not ({path}.order.json: OSError: [Errno 28] No space left on "
                     "device)"]


def test_an_unwritable_folder_costs_one_line_not_the_app(monkeypatch, capsys):
    # /proc refuses new folders even to root, so this holds on CI running as root.
    monkeypatch.setenv(H.ENV_VAR, "/proc/imwarmup-history-test/app.jsonl")
    c = WarmupController(["json"])
    c.start()
    assert c.wait_for_warmup(timeout=30)
    assert c.shutdown(wait=True, timeout=10)
    assert c.warmup_status()["completed"] == ["json"]
    lines = [ln for ln in capsys.readouterr().err.splitlines() if "history" in ln]
    assert len(lines) == 1, lines
    assert lines[0].startswith("[imwarmup] history: not saved to /proc/imwarmup-history-test/app.jsonl")
    assert c.history.error is not None


# ------------------------------------------------------------------------------- comparing
def test_a_regression_needs_both_the_percent_and_the_ms():
    base = record("a", {"big": 1000.0, "small": 10.0, "same": 500.0, "breaks": 5.0})
    new = record("b", {"big": 1250.0, "small": 30.0, "same": 510.0, "breaks": 5.0, "fresh": 40.0})
    new["modules"][3]["status"] = "failed"
    deltas = {d.module: d for d in H.compare(base, new)}
    assert deltas["big"].regressed_by(20, 20)          # +250 ms, +25%
    assert not deltas["small"].regressed_by(20, 20)    # +200% but only +20 ms
    assert not deltas["same"].regressed_by(20, 20)
    assert deltas["breaks"].regressed_by(20, 20)        # now fails
    assert deltas["fresh"].base_ms is None and not deltas["fresh"].regressed_by(20, 20)
    assert not deltas["big"].regressed_by(30, 20)


def test_usual_is_the_median_of_the_last_five_completed_runs():
    runs = [record(f"r{i}", {"m": ms}) for i, ms in enumerate([900, 100, 110, 120, 130, 140])]
    runs.insert(3, record("broken", {"m": 1.0}, status="failed"))
    assert H.usual_times(runs) == {"m": 120.0}   # 100..140: the 900 fell out, the failure never counted


@pytest.mark.parametrize("text, expected", [("20%", (20.0, 20.0)), ("5ms", (20.0, 5.0)),
                                            ("10%,50ms", (10.0, 50.0)), ("50 ms, 10 %", (10.0, 50.0))])
def test_threshold_forms(text, expected):
    assert H.parse_threshold(text) == expected


@pytest.mark.parametrize("text", ["", "20", "fast", "20%,20ms,3%", "-5%"])
def test_bad_thresholds_are_refused(text):
    with pytest.raises(ValueError, match="threshold must look like 20%, 20ms or 20%,20ms"):
        H.parse_threshold(text)


# ------------------------------------------------------------------------------------- CLI
@pytest.fixture
def hist(tmp_path):
    path = tmp_path / "h.jsonl"
    f = H.HistoryFile(path)
    for i, ms in enumerate([100.0, 105.0, 98.0, 102.0, 101.0]):
        f.append(record(f"2026-r{i}", {"pandas": ms * 10, "json": 3.0}))
    return path


def test_cli_history_lists_the_runs(hist, capsys):
    assert cli_main(["history", "--history", str(hist)]) == 0
    out = capsys.readouterr().out
    assert "5 run(s)" in out and "2026-r4" in out and "pandas 1.01 s" in out


def test_cli_compare_exit_codes(hist, capsys):
    assert cli_main(["compare", "--history", str(hist)]) == 0
    assert "no module regressed" in capsys.readouterr().out
    H.HistoryFile(hist).append(record("2026-slow", {"pandas": 1400.0, "json": 3.0}))
    assert cli_main(["compare", "--history", str(hist)]) == 1
    out = capsys.readouterr().out
    assert "pandas" in out and "REGRESSED" in out and "1 module(s) regressed: pandas +3" in out
    assert cli_main(["compare", "--history", str(hist), "--threshold", "50%"]) == 0
    assert cli_main(["compare", "--history", str(hist), "1", "2"]) == 0      # 1000 -> 1050 ms
    assert cli_main(["compare", "--history", str(hist), "2026-r0", "last"]) == 1


@pytest.mark.parametrize("argv, message", [
    (["compare", "--history", "{missing}"], "no history file at"),
    (["compare", "--history", "{hist}", "1"], "compare takes two runs or none, got 1"),
    (["compare", "--history", "{hist}", "1", "nope"], "run 'nope': no such run"),
    (["compare", "--history", "{hist}", "1", "9"],
     "run '9': no such run; the history has 5 run(s): numbers 1 to 5, last, last-1 .. last-4, "
     "or ids 2026-r0 .. 2026-r4"),
    (["compare", "--history", "{hist}", "last-5", "last"], "run 'last-5': no such run"),
    (["compare", "--history", "{hist}", "2026-r", "last"], "run '2026-r': 5 runs start with it"),
    (["compare", "--history", "{hist}", "--threshold", "fast"], "threshold must look like"),
    (["compare", "--history", "{hist}", "--threshold", "abc"], "got 'abc'"),
    (["compare", "--history", "{hist}", "--threshold=-5%"], "got '-5%'"),
    (["compare", "--history", "{hist}", "--threshold", "20%,x"], "got '20%,x'"),
    (["compare", "--history", "{hist}", "--threshold", "20%,20ms,1%"], "got '20%,20ms,1%'"),
    (["compare", "--history", "{hist}", "--threshold="], "got ''"),
])
def test_cli_bad_input_exits_2_and_says_why(hist, tmp_path, capsys, argv, message):
    argv = [a.format(hist=hist, missing=tmp_path / "none.jsonl") for a in argv]
    assert cli_main(argv) == 2
    assert message in capsys.readouterr().err


def test_cli_compare_with_one_run_has_nothing_to_compare_and_passes(tmp_path, capsys):
    # A first start-up (a fresh CI cache) is no bad input: 0, and a line that says why.
    H.HistoryFile(tmp_path / "h.jsonl").append(record("only", {"json": 3.0}))
    assert cli_main(["compare", "--history", str(tmp_path / "h.jsonl")]) == 0
    assert "only 1 run so far (only): nothing to compare it with" in capsys.readouterr().out
    assert cli_main(["compare", "--history", str(tmp_path / "h.jsonl"), "1", "last"]) == 0
    assert cli_main(["compare", "--history", str(tmp_path / "h.jsonl"), "1", "2"]) == 2
    assert "run '2': no such run; the history has 1 run: 1, last or only" in capsys.readouterr().err


def test_cli_compare_of_a_file_without_runs_exits_2(tmp_path, capsys):
    (tmp_path / "h.jsonl").write_text('{"schema": "someone-else/2"}\n')
    assert cli_main(["compare", "--history", str(tmp_path / "h.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "the history has no runs to compare" in err and "skipped 1 line(s)" in err
    assert cli_main(["history", "--history", str(tmp_path / "h.jsonl")]) == 0
    assert "0 run(s)" in capsys.readouterr().out


def test_compare_a_module_new_gone_or_failing_is_no_time_delta():
    base = record("a", {"numpy": 400.0, "ssl": 90.0, "sdk": 200.0, "broken": 5.0, "gone": 30.0})
    base["modules"][3]["status"] = "failed"                 # broken failed fast in run A
    new = record("b", {"numpy": 410.0, "ssl": 90.0, "sdk": 4.0, "broken": 900.0, "fresh": 50.0})
    new["modules"][2]["status"] = "failed"                  # sdk fails (fast) in run B
    deltas = H.compare(base, new)
    by = {d.module: d for d in deltas}
    assert [d.module for d in deltas] == ["sdk", "numpy", "ssl", "broken", "fresh", "gone"]
    assert by["sdk"].change == "now fails" and by["sdk"].delta_ms is None   # not "-196 ms"
    assert by["sdk"].regressed_by(20, 20)
    assert by["broken"].delta_ms is None and not by["broken"].regressed_by(20, 20)  # 5 -> 900
    assert by["broken"].change == "failed before, completed now"
    assert by["fresh"].change == "new" and by["fresh"].base_ms is None
    assert by["gone"].change == "not in this run" and by["gone"].new_ms is None
    assert not by["gone"].regressed_by(0, 0) and not by["fresh"].regressed_by(0, 0)


def test_compare_against_the_usual_knows_new_gone_and_failing_modules():
    runs = [record(f"r{i}", {"numpy": 400.0, "old": 20.0, "flaky": 30.0}) for i in range(3)]
    for run in runs:
        run["modules"][2]["status"] = "failed"              # flaky always failed before
    runs.append(record("r3", {"numpy": 400.0, "flaky": 30.0}))  # old dropped in the last run
    runs[-1]["modules"][1]["status"] = "failed"
    new = record("new", {"numpy": 500.0, "flaky": 40.0, "fresh": 10.0})
    by = {d.module: d for d in H.compare(runs, new)}
    assert by["numpy"].delta_ms == 100.0 and by["numpy"].regressed_by(20, 20)
    assert by["flaky"].change == "failed before, completed now"  # not "new": it was there
    assert by["fresh"].change == "new"
    assert "old" not in by                                  # not in the last run: not "gone"
    runs.append(record("r4", {"numpy": 400.0, "old": 20.0}))
    assert {d.module: d.change for d in H.compare(runs, new)}["old"] == "not in this run"


def test_compare_output_reads_in_a_ci_log(hist, capsys):
    H.HistoryFile(hist).append(record("2026-slow", {"pandas": 1400.0, "json": 3.2, "arrow": 40.0}))
    assert cli_main(["compare", "--history", str(hist)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == ("run 2026-slow against the usual of the 5 run(s) before it (per module, "
                      "the median of its last 5 completed imports)")
    assert out[1] == "regression: slower by more than 20% and more than 20 ms, or newly failing"
    assert out[2].split() == ["module", "base", "new", "delta", "%"]
    assert out[3].split() == ["pandas", "1.01", "s", "1.40", "s", "+390", "ms", "+39%",
                              "REGRESSED"]
    assert out[4].split() == ["json", "3.0", "ms", "3.2", "ms", "+0.2", "ms", "+7%"]
    assert out[5].split() == ["arrow", "-", "40", "ms", "-", "-", "new"]
    assert out[-1] == "1 module(s) regressed: pandas +390 ms (+39%)"
    assert all(len(line) <= 120 for line in out)


def test_python_dash_m_imwarmup_compare_exits_1_on_a_regression(hist):
    H.HistoryFile(hist).append(record("2026-slow", {"pandas": 1400.0, "json": 3.0}))
    proc = subprocess.run([sys.executable, "-m", "imwarmup", "compare", "--history", str(hist)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert "1 module(s) regressed: pandas" in proc.stdout


# ------------------------------------------------------------------------- warmup budgets
from imwarmup.pytest_plugin import assert_warmup_budget  # noqa: E402

from modgen import gen  # noqa: E402,F401 - generated modules


BUSY = """
import time
end = time.thread_time() + {seconds}
while time.thread_time() < end:
    pass
"""


@pytest.fixture
def warmed(gen, no_env):
    slow = gen.module(BUSY.format(seconds=0.25), stem="slow")
    quick = gen.module("x = 1\n", stem="quick")
    broken = gen.module("raise ImportError('vendor lib missing')\n", stem="broken")
    made = []

    def make(*names):
        c = WarmupController(list(names), history=False, log_to_stderr=False)
        made.append(c)
        return c.start()

    yield make, slow, quick, broken
    for c in made:
        c.shutdown(wait=True, timeout=10)


def test_budget_names_each_offender_with_time_budget_and_thread(warmed):
    make, slow, quick, _broken = warmed
    c = make(slow, quick)
    assert_warmup_budget(c, total_s=30, module_s=5)  # within budget: no error
    with pytest.raises(AssertionError) as caught:
        assert_warmup_budget(c, module_s={slow: 0.1, "*": 5})
    message = str(caught.value)
    assert message.startswith("warmup budget exceeded: 1 module(s) over budget: ")
    assert f"{slow} " in message and "> 0.1 s (on controller-io-" in message and "own work" in message
    assert quick not in message
    with pytest.raises(AssertionError, match=r"whole round \d+\.\d+ m?s > 0.01 s"):
        assert_warmup_budget(c, total_s=0.01)


class FinishedApp:
    """What assert_warmup_budget needs of an app: a finished round's canaries."""

    def __init__(self, canaries):
        self._canaries = canaries

    def wait_for_warmup(self, timeout):
        return True

    def canaries(self):
        return list(self._canaries)


def test_budget_figures_never_print_equal_to_the_budget_they_exceed():
    # "2.00 s > 2 s" or "own work 0.00 s" read as false; the message shows enough digits.
    app = FinishedApp([
        {"module": "pandas", "status": "completed", "elapsed_ms": 2004.0, "cpu_ms": 930.0,
         "thread_name": "controller-io-1", "submit_ts": 100.0, "end_ts": 105.0001},
        {"module": "tiny", "status": "completed", "elapsed_ms": 500.3, "cpu_ms": 0.4,
         "thread_name": "controller-io-2", "submit_ts": 100.0, "end_ts": 100.5},
    ])
    with pytest.raises(AssertionError) as caught:
        assert_warmup_budget(app, total_s=5, module_s={"pandas": 2, "tiny": 0.5})
    assert str(caught.value) == (
        "warmup budget exceeded: whole round 5.0001 s > 5 s; 2 module(s) over budget: "
        "pandas 2.004 s > 2 s (on controller-io-1, own work 930.0 ms); "
        "tiny 500.3 ms > 0.5 s (on controller-io-2, own work 0.4 ms)")


def test_budget_counts_a_failed_import(warmed):
    make, _slow, quick, broken = warmed
    c = make(quick, broken)
    with pytest.raises(AssertionError, match=f"{broken} failed: .*vendor lib missing"):
        assert_warmup_budget(c, module_s=5)


def test_budget_refuses_bad_budgets_before_waiting(warmed):
    make, _slow, quick, _broken = warmed
    c = make(quick)
    with pytest.raises(TypeError, match=r"total_s must be seconds \(a number\), got '5'"):
        assert_warmup_budget(c, total_s="5")
    with pytest.raises(ValueError, match=r"module_s\['x'\] must be > 0 seconds, got -1"):
        assert_warmup_budget(c, module_s={"x": -1})
    with pytest.raises(ValueError, match="names modules the app does not warm: pandas"):
        assert_warmup_budget(c, module_s={"pandas": 1.0})


def test_budget_says_which_imports_are_still_running(warmed, gen):
    make, *_ = warmed
    gate = gen.gate()
    hung = gen.blocking(gate)
    c = make(hung)
    assert gate.started.wait(10)
    try:
        with pytest.raises(AssertionError, match=f"warmup not done after 0.2 s; still running: {hung}"):
            assert_warmup_budget(c, total_s=1, wait_s=0.2)
    finally:
        gate.release.set()


def test_summary_says_the_wall_time_against_the_usual(no_env, tmp_path):
    from imwarmup.core.report import summarize

    path = tmp_path / "h.jsonl"
    for i, wall in enumerate([4000.0, 5000.0, 4800.0]):
        H.HistoryFile(path).append(record(f"r{i}", {"json": 3.0}, wall_ms=wall))
    c = WarmupController(["json"], history=path, log_to_stderr=False).start()
    assert c.wait_for_warmup(timeout=30)
    assert c.shutdown(wait=True, timeout=10)
    assert c.history.usual_wall_ms() == 4800.0            # median of the runs before this one
    canaries = c.canaries()
    end = canaries[0]["end_ts"]
    line = summarize(canaries, end, usual_wall_ms=c.history.usual_wall_ms()).line()
    wall = (end - canaries[0]["submit_ts"]) * 1000.0
    assert "vs usual)" in line and line.count("(-4.") == 1, line   # a few ms against 4.8 s
    assert "vs usual" not in summarize(canaries, end).line()
    running = [dict(canaries[0], status="running", end_ts=None, elapsed_ms=None)]
    assert "vs usual" not in summarize(running, end, usual_wall_ms=4800.0).line()
    assert wall < 4800.0


# ------------------------------------------------------------------------- start order
def test_history_order_puts_unknown_modules_first_then_the_least_own_work():
    own = {"a": 10.0, "b": 900.0, "c": 50.0}
    assert H.history_order(["b", "new1", "a", "c", "new2"], own) == ["new1", "new2", "a", "c", "b"]
    assert H.history_order([], own) == []


def test_usual_own_work_is_the_cpu_time_or_else_the_elapsed_time():
    runs = [record(f"r{i}", {"sleepy": 500.0, "busy": 300.0}) for i in range(3)]
    for run in runs:
        run["modules"][0]["cpu_ms"] = 2.0      # sleeps: little own work
    runs.append(record("old-format", {"busy": 310.0}))   # no cpu_ms: elapsed stands in
    assert H.usual_own_times(runs) == {"sleepy": 2.0, "busy": 300.0}
    assert H.history_order(["busy", "sleepy"], H.usual_own_times(runs)) == ["sleepy", "busy"]


def test_the_next_start_takes_the_order_the_history_learned(no_env, gen, tmp_path):
    busy = gen.module(BUSY.format(seconds=0.15), stem="busy")
    quick = gen.module("x = 1\n", stem="quick")
    path = tmp_path / "h.jsonl"
    first = WarmupController([busy, quick], history=path, log_to_stderr=False).start()
    assert first.wait_for_warmup(30) and first.shutdown(wait=True, timeout=10)
    assert [c["module"] for c in first.canaries()] == [busy, quick]      # no history yet
    own = json.loads((tmp_path / "h.jsonl.order.json").read_text())["own_ms"]
    assert own[busy] > 100.0 > own[quick]
    second = WarmupController([busy, quick], history=path, log_to_stderr=False).start()
    assert second.wait_for_warmup(30) and second.shutdown(wait=True, timeout=10)
    assert [c["module"] for c in second.canaries()] == [quick, busy]     # least own work first
    assert second.modules == [busy, quick]                                 # as the app gave them
    kept = WarmupController([busy, quick], history=path, order="submit", log_to_stderr=False)
    kept.start()
    assert kept.wait_for_warmup(30) and kept.shutdown(wait=True, timeout=10)
    assert [c["module"] for c in kept.canaries()] == [busy, quick]


def test_a_broken_order_file_keeps_the_given_order(no_env, tmp_path):
    path = tmp_path / "h.jsonl"
    (tmp_path / "h.jsonl.order.json").write_text("{broken")
    c = WarmupController(["json", "colorsys"], history=path, log_to_stderr=False).start()
    assert c.wait_for_warmup(30) and c.shutdown(wait=True, timeout=10)
    assert [x["module"] for x in c.canaries()] == ["json", "colorsys"]
    with pytest.raises(ValueError, match="order must be one of 'history', 'submit', got 'fast'"):
        WarmupController(["json"], order="fast")


def _frames_around(controller, warming_ms, after_ms, after_count):
    """Log one frame of ``warming_ms`` across the round, then ``after_count`` of ``after_ms``."""
    canaries = controller.canaries()
    start = min(c["submit_ts"] for c in canaries)
    end = max(c["end_ts"] for c in canaries)
    log = controller.frames
    log.mark(start)
    t = max(end, start + warming_ms / 1000.0)
    log.mark(t)
    for _ in range(after_count):
        t += after_ms / 1000.0
        log.mark(t)
    return max(warming_ms, (end - start) * 1000.0)  # the frame across the round


def test_frames_budget_compares_the_p99_while_warming_with_the_p99_after(warmed):
    from imwarmup.core.report import AFTER_MIN_FRAMES

    make, _slow, quick, _broken = warmed
    c = make(quick)
    assert c.wait_for_warmup(30)
    c.frames.stop()
    long_ms = _frames_around(c, 120.0, 10.0, AFTER_MIN_FRAMES)
    assert_warmup_budget(c, frames_p99_x=long_ms / 10.0 + 0.5)   # within: no error
    with pytest.raises(AssertionError) as caught:
        assert_warmup_budget(c, frames_p99_x=1.5)
    message = str(caught.value)
    assert message.startswith(f"warmup budget exceeded: frames while warming p99 {long_ms:.1f} "
                              f"ms = {long_ms / 10.0:.2f}x the 10.0 ms after it > 1.5x"), message
    assert f"1 frame(s) while warming, {AFTER_MIN_FRAMES} after" in message
    # The same over the hook API (what live_app yields): GET /api/frames's warming and after.
    from imwarmup.core.hooks import HookClient, HookServer

    with HookServer(c) as server:
        client = HookClient(server.url)
        assert_warmup_budget(client, frames_p99_x=long_ms / 10.0 + 0.5)
        with pytest.raises(AssertionError) as caught:
            assert_warmup_budget(client, frames_p99_x=1.5)
    assert str(caught.value) == message


def test_frames_budget_says_when_there_is_nothing_to_compare(warmed):
    make, _slow, quick, _broken = warmed
    c = make(quick)
    assert c.wait_for_warmup(30)
    c.frames.stop()
    with pytest.raises(AssertionError, match="frames while warming: none logged"):
        assert_warmup_budget(c, frames_p99_x=2, wait_s=0.2)
    _frames_around(c, 50.0, 10.0, 5)                      # too few frames after the round
    with pytest.raises(AssertionError, match=r"fewer than 60 frames were drawn after the round"):
        assert_warmup_budget(c, frames_p99_x=2, wait_s=0.2)


def test_frames_budget_refuses_a_bad_ratio_before_waiting(warmed):
    make, _slow, quick, _broken = warmed
    c = make(quick)
    with pytest.raises(TypeError, match=r"frames_p99_x must be a ratio \(a number, e.g. 1.5\), "
                                        r"got '1.5'"):
        assert_warmup_budget(c, frames_p99_x="1.5")
    with pytest.raises(ValueError, match=r"frames_p99_x must be >= 1 .*, got 0.5"):
        assert_warmup_budget(c, frames_p99_x=0.5)
    with pytest.raises(TypeError, match="needs the app's frames: a HookClient"):
        assert_warmup_budget(FinishedApp([]), frames_p99_x=2, wait_s=0.1)
