"""A virtual X display (Xvfb) for GUI tests on a machine with no screen.

    with VirtualDisplay() as display:     # sets DISPLAY and XDG_SESSION_TYPE=x11
        subprocess.run([...])             # windows open on the virtual screen

The screen is fixed (1280x800x24) so screenshots are reproducible. If a usable display already
exists and ``reuse=True``, it is used as is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

__all__ = ["VirtualDisplay", "XvfbMissingError"]


class XvfbMissingError(RuntimeError):
    """Xvfb is not installed (Debian: ``apt-get install xvfb``; ``./dev test`` does it)."""


class VirtualDisplay:
    """Start ``Xvfb`` on a free display number; stop it (and restore the environment) on exit.

    Args:
        size: ``(width, height, depth)`` of the screen.
        reuse: use ``$DISPLAY`` when it is set and answers, instead of starting Xvfb.
        timeout: seconds to wait for Xvfb to report its display number.
    """

    def __init__(self, size: tuple[int, int, int] = (1280, 800, 24), reuse: bool = False,
                 timeout: float = 15.0) -> None:
        self.size = size
        self.reuse = reuse
        self.timeout = timeout
        self.display: str | None = None
        self._proc: subprocess.Popen | None = None
        self._saved: dict[str, str | None] = {}
        self._xauth: str | None = None

    def start(self) -> "VirtualDisplay":
        if self.reuse and os.environ.get("DISPLAY") and _display_answers(os.environ["DISPLAY"]):
            self.display = os.environ["DISPLAY"]
            self._set_env()
            return self
        xvfb = shutil.which("Xvfb")
        if xvfb is None:
            raise XvfbMissingError(
                "Xvfb is not installed: run the tests with ./dev test (it installs it) or "
                "apt-get install xvfb"
            )
        read_fd, write_fd = os.pipe()
        w, h, d = self.size
        self._proc = subprocess.Popen(
            [xvfb, "-displayfd", str(write_fd), "-screen", "0", f"{w}x{h}x{d}", "-nolisten", "tcp"],
            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        os.close(write_fd)
        number = _read_line(read_fd, self.timeout)
        os.close(read_fd)
        if not number.strip().isdigit():
            self.stop()
            raise RuntimeError(f"Xvfb did not report a display number within {self.timeout}s")
        self.display = f":{number.strip()}"
        self._set_env()
        return self

    def _set_env(self) -> None:
        env = [("DISPLAY", self.display), ("XDG_SESSION_TYPE", "x11")]
        if self._proc is not None:
            # Our Xvfb needs no cookie, but python-xlib (pyautogui) insists on reading an
            # Xauthority file: give it an empty one of our own.
            import tempfile

            fd, self._xauth = tempfile.mkstemp(prefix="imwarmup-xauth-")
            os.close(fd)
            env.append(("XAUTHORITY", self._xauth))
        for key, value in env:
            self._saved.setdefault(key, os.environ.get(key))
            os.environ[key] = value  # type: ignore[assignment]

    def stop(self) -> None:
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved.clear()
        if self._xauth is not None:
            os.unlink(self._xauth)
            self._xauth = None
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=5)
            self._proc = None

    def __enter__(self) -> "VirtualDisplay":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _read_line(fd: int, timeout: float) -> str:
    import select

    data = b""
    while not data.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            break
        chunk = os.read(fd, 64)
        if not chunk:
            break
        data += chunk
    return data.decode(errors="replace")


def _display_answers(display: str) -> bool:
    xdpyinfo = shutil.which("xdpyinfo")
    if xdpyinfo is None:
        return True  # cannot check; trust the environment
    return subprocess.run([xdpyinfo, "-display", display], capture_output=True, timeout=10).returncode == 0
