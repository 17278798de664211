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
        import tempfile

        self.cmd = list(cmd)
        # Output goes to files, not pipes: a chatty app must never block on a full pipe.
        self._out = tempfile.TemporaryFile(mode="w+")
        self._err = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(
            self.cmd, stdout=self._out, stderr=self._err, text=True,
            start_new_session=True, **popen,
        )

    def stop(self, stop_file: Path | str, timeout: float = 20.0) -> tuple[str, str]:
        """Ask the app to quit by creating ``stop_file``; wait (bounded) and then close it."""
        Path(stop_file).touch()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass  # close() below ends it
        return self.close()

    def close(self, timeout: float = 10.0) -> tuple[str, str]:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=timeout)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # anything the app left behind in its group
        except ProcessLookupError:
            pass
        return self.output()

    def output(self) -> tuple[str, str]:
        """What the app wrote to stdout and stderr so far."""
        texts = []
        for f in (self._out, self._err):
            f.flush()
            f.seek(0)
            texts.append(f.read())
        return texts[0], texts[1]

    def __enter__(self) -> "AppProcess":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
