"""``HookClient``: what a test suite or a tool uses to ask a running app's ``HookServer`` about
its warmup. ``urllib`` only, imported on the first request; importing this module loads neither
the server nor ``selectors``/``socket``."""

from __future__ import annotations

import json
import time
import urllib.parse
from typing import Any

from .auth import check_token
from .errors import HookConnectionError, HookHTTPError, HookServerUnavailable
from .routes import MAX_WAIT_TIMEOUT

__all__ = ["HookClient"]


class HookClient:
    """Asks a running app's ``HookServer`` about its warmup (``urllib`` only).

    Args:
        url: the server's base URL, ``http://HOST:PORT`` (what ``HookServer.url`` gives).
        token: the bearer token, if the server requires one.

    Raises:
        TypeError: ``url`` is not a str.
        ValueError: ``url`` is not ``http://HOST:PORT`` (other schemes, paths, queries), or the
            token is empty or has whitespace or non-ASCII characters.
    """

    def __init__(self, url: str, token: str | None = None) -> None:
        if not isinstance(url, str):
            raise TypeError(f"HookClient(): url must be a str like 'http://127.0.0.1:8765', got {url!r}")
        split = urllib.parse.urlsplit(url)
        try:
            port = split.port
        except ValueError:
            port = None
        if split.scheme != "http" or not split.hostname or port is None \
                or split.path not in ("", "/") or split.query or split.fragment:
            raise ValueError(
                f"HookClient(): url must be 'http://HOST:PORT' with no path, got {url!r} "
                f"(use HookServer.url or the 'imwarmup hooks:' line the app printed)"
            )
        if token is not None:
            check_token(token, "HookClient()")
        self.url = url.rstrip("/")
        self._token = token

    def __repr__(self) -> str:
        return f"HookClient({self.url!r}{', token=...' if self._token else ''})"

    def health(self, *, timeout: float = 5.0) -> dict[str, Any]:
        """``{"ok": true}`` when the server is up.

        Raises:
            HookHTTPError: an error status (401 for a missing or wrong token).
            HookConnectionError: the server cannot be reached.
        """
        return self._get_object("/api/health", timeout=timeout)

    def warmup_status(self) -> dict[str, list[str]]:
        """``{"pending": [...], "completed": [...], "failed": [...], "cancelled": [...]}``.
        Raises as ``health()``."""
        status: dict[str, list[str]] = self._get_object("/api/warmup_status")
        return status

    def wait_for_warmup(self, timeout: float) -> bool:
        """Block until the app's warmup is done or ``timeout`` seconds pass; True when done.

        Returns a bool (like ``WarmupController.wait_for_warmup``) so ``assert
        client.wait_for_warmup(30)`` means what it says; call ``warmup_status()`` for details.

        Args:
            timeout: seconds, a number in [0, 60].

        Raises:
            TypeError, ValueError: ``timeout`` is not a number in [0, 60].
            HookHTTPError, HookConnectionError: as ``health()``.
        """
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
            raise TypeError(f"wait_for_warmup(): timeout must be a number of seconds, got {timeout!r}")
        if not 0 <= timeout <= MAX_WAIT_TIMEOUT:
            raise ValueError(
                f"wait_for_warmup(): timeout must be in [0, {MAX_WAIT_TIMEOUT:g}] seconds, got "
                f"{timeout!r}; call it again to wait longer"
            )
        body = self._get_object(f"/api/warmup_wait?timeout={float(timeout)!r}",
                                timeout=timeout + 10.0)
        return bool(body["done"])

    def canaries(self) -> list[dict[str, Any]]:
        """Every canary record of the app's warmup. Raises as ``health()``."""
        canaries = self._get("/api/canaries")
        if not isinstance(canaries, list):
            raise HookConnectionError(f"{self.url}/api/canaries did not answer a JSON list: "
                                      f"{canaries!r:.200}")
        return canaries

    def io_pool_status(self) -> dict[str, Any]:
        """The app's warmup pool: sizes, worker names, job counts. Raises as ``health()``."""
        return self._get_object("/api/io_pool_status")

    def startup_profile(self) -> dict[str, Any]:
        """The app's ``StartupProfiler.report()``. Raises as ``health()``."""
        return self._get_object("/api/startup_profile")

    def stalls(self) -> list[dict[str, Any]]:
        """The app's stalled imports and GUI freezes (``WarmupController.stalls()``), each
        with its stack. Raises as ``health()``."""
        stalls = self._get("/api/stalls")
        if not isinstance(stalls, list):
            raise HookConnectionError(f"{self.url}/api/stalls did not answer a JSON list: "
                                      f"{stalls!r:.200}")
        return stalls

    def frames(self) -> dict[str, Any]:
        """The app's GUI frames: count, p50/p99/worst ms, hitches with the imports running
        then (``core.frame_summary``). Raises as ``health()``."""
        return self._get_object("/api/frames")

    def wait_for_server(self, timeout: float = 15.0) -> dict[str, Any]:
        """Poll ``/api/health`` until the server answers or ``timeout`` seconds pass.

        Returns:
            The health answer, ``{"ok": true}``.

        Raises:
            ValueError: ``timeout`` is negative or not a number.
            HookHTTPError: the server answered with an error (e.g. 401: the token is wrong);
                retrying cannot help, so this raises at once.
            HookServerUnavailable: no answer in time (the message has the last error).
        """
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout >= 0:
            raise ValueError(f"wait_for_server(): timeout must be a number >= 0, got {timeout!r}")
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while True:
            try:
                return self.health(timeout=max(0.5, min(5.0, deadline - time.monotonic())))
            except HookConnectionError as exc:
                last = exc
            if time.monotonic() >= deadline:
                raise HookServerUnavailable(
                    f"no hook server answered at {self.url}/api/health within {timeout:g} s "
                    f"(last error: {last}); is the app running and started with its hook port?"
                )
            time.sleep(0.05)  # polling another process: there is nothing to wait on here

    def _get_object(self, path: str, *, timeout: float = 10.0) -> dict[str, Any]:
        """``_get()`` for endpoints that answer a JSON object."""
        body = self._get(path, timeout=timeout)
        if not isinstance(body, dict):
            raise HookConnectionError(f"{self.url}{path} did not answer a JSON object: "
                                      f"{body!r:.200}")
        return body

    def _get(self, path: str, *, timeout: float = 10.0) -> Any:
        # Imported here, not at the top: an app that only serves never pays for urllib.request
        # (~8 ms); the client runs in test suites and tools, where it does not matter.
        import http.client
        import urllib.error
        import urllib.request

        url = self.url + path
        request = urllib.request.Request(url, method="GET")
        if self._token is not None:
            request.add_header("Authorization", f"Bearer {self._token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                data = response.read()
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            exc.close()
            try:
                error = json.loads(raw)["error"]
            except (ValueError, KeyError, TypeError):
                error = raw.decode("utf-8", "replace")[:200]
            raise HookHTTPError(exc.code, error, url) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            raise HookConnectionError(f"cannot reach the hook server at {url}: {reason}") from exc
        try:
            return json.loads(data)
        except ValueError as exc:
            raise HookConnectionError(f"{url} did not answer JSON: {data[:200]!r}") from exc
