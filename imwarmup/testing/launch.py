"""Run a scene (or any GUI app) in a subprocess, so a crash or a hang fails one test, not the run.

    result = render_scene("status_ready", tmp_path / "out.png")
    assert result.data["final_status"] == "All imports ready"
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

__all__ = ["SceneResult", "render_scene", "AppProcess", "wait_for_file"]


@dataclass
class SceneResult:
    returncode: int
    stdout: str
    stderr: str
    data: dict[str, Any]  # the scene app's --result JSON
    image: Path | None


def render_scene(
    scene: str, out: Path | str | None, *, args: Sequence[str] = (), timeout: float = 60.0
) -> SceneResult:
    """Render ``scene`` in a subprocess; return its exit code, output and result data.

    Raises:
        AssertionError: the app hung past ``timeout`` (it is killed) or wrote no result.
    """
    out_path = Path(out) if out is not None else None
    result_file = Path(out_path or Path.cwd() / f"scene-{os.getpid()}").with_suffix(".json")
    cmd = [sys.executable, "-m", "imwarmup.testing.scene_app", scene, "--result", str(result_file), *args]
    if out_path is not None:
        cmd += ["--out", str(out_path)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, start_new_session=True)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"scene {scene!r} did not finish within {timeout}s: {exc.stderr!r}") from None
    if not result_file.exists():
        raise AssertionError(
            f"scene {scene!r} wrote no result (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
        )
    data = json.loads(result_file.read_text())
    return SceneResult(proc.returncode, proc.stdout, proc.stderr, data,
                       out_path if out_path is not None and out_path.exists() else None)


def wait_for_file(path: Path | str, timeout: float, proc: subprocess.Popen | None = None) -> None:
    """Wait (bounded) for ``path`` to exist; fail early if ``proc`` exits first."""
    deadline = time.monotonic() + timeout
    path = Path(path)
    delay = 0.01
    while not path.exists():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the app exited with {proc.returncode} before writing {path}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not appear within {timeout}s")
        time.sleep(delay)  # a file from another process has no event to wait on
        delay = min(delay * 2, 0.1)


class AppProcess:
    """A GUI app in its own process group; ``close()`` ends it and everything it started."""

    def __init__(self, cmd: Sequence[str], **popen: Any) -> None:
        self.cmd = list(cmd)
        self.proc = subprocess.Popen(
            self.cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True, **popen,
        )

    def close(self, timeout: float = 10.0) -> tuple[str, str]:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            out, err = self.proc.communicate(timeout=timeout)
        return out, err

    def __enter__(self) -> "AppProcess":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
