"""The route table: every endpoint, what answers it, and the list a 404 gives. One table: a
path is an endpoint exactly when it is a key of ``ROUTES``.

A route is a function ``(controller, path, query) -> Reply | Wait``: ``Reply`` is answered at once;
``Wait`` asks the server's event loop to hold the request until warmup completes or the timeout
passes (``/api/warmup_wait``), then answer it with ``wait_answer()``.
"""

from __future__ import annotations

import math
from typing import Any, Callable, NamedTuple, Union

from .source import WarmupSource

__all__ = ["MAX_WAIT_TIMEOUT", "Reply", "Wait", "ROUTES", "route", "wait_answer"]

#: The longest ``warmup_wait`` a client may ask for, in seconds.
MAX_WAIT_TIMEOUT = 60.0

#: A parsed query string: name -> every value it was given.
Query = dict[str, list[str]]


class Reply(NamedTuple):
    """Answer now with ``status`` and the JSON ``body``."""

    status: int
    body: Any


class Wait(NamedTuple):
    """Hold the request until warmup completes or ``timeout`` seconds pass."""

    timeout: float


Route = Callable[[WarmupSource, str, Query], Union[Reply, Wait]]


def _no_query(answer: Callable[[WarmupSource], Any]) -> Route:
    """A route that takes no query parameters and answers ``answer(controller)`` with 200."""

    def route(controller: WarmupSource, path: str, query: Query) -> Reply | Wait:
        if query:
            return Reply(400, {"error": f"{path} takes no query parameters, got "
                                        f"{', '.join(sorted(query))}"})
        return Reply(200, answer(controller))

    return route


def _optional(name: str) -> Callable[[WarmupSource], Any]:
    """``controller.<name>()``, for members a duck-typed source may lack: it then has none of
    what they list (an empty list)."""

    def answer(controller: WarmupSource) -> Any:
        method = getattr(controller, name, None)
        return method() if callable(method) else []

    return answer


def _trace(controller: WarmupSource) -> Any:
    """The warmup as Chrome trace-event JSON (``imwarmup.core.trace``; Perfetto opens it)."""
    from ..trace import build_trace  # stdlib only, like this package; loaded on first ask

    return build_trace(controller)


def _frames(controller: WarmupSource) -> Any:
    """The GUI frames the source's ``frames`` log holds, with p50/p99/worst and each hitch
    blamed on the imports that ran then (``core.frame_summary``); no log: no frames. Also
    ``warming`` (``count, p50_ms, p99_ms, worst_ms`` of the frames between the round's first
    submit and last end) and ``after`` (``count, p50_ms, p99_ms`` of the frames since, once
    there are ``AFTER_MIN_FRAMES``), each None until there is one: the summary line's figures."""
    from ..frame_summary import frame_summary
    from ..report import round_frames

    trees_of = getattr(controller, "import_trees", None)
    trees = trees_of() if callable(trees_of) else None
    log = getattr(controller, "frames", None)
    canaries = controller.canaries()
    body = frame_summary(log, canaries, trees=trees)
    body["warming"], body["after"] = round_frames(canaries, log)
    return body


def _warmup_wait(controller: WarmupSource, path: str, query: Query) -> Reply | Wait:
    unknown = sorted(set(query) - {"timeout"})
    if unknown:
        return Reply(400, {"error": f"unknown query parameter {unknown[0]!r}; "
                                    f"/api/warmup_wait takes only timeout=S"})
    values = query.get("timeout")
    if not values:
        return Reply(400, {"error": "missing query parameter 'timeout': use "
                                    "/api/warmup_wait?timeout=S with S seconds in [0, 60]"})
    if len(values) > 1:
        return Reply(400, {"error": "query parameter 'timeout' given more than once"})
    try:
        timeout = float(values[0])
    except ValueError:
        timeout = math.nan
    if not (0.0 <= timeout <= MAX_WAIT_TIMEOUT):  # NaN fails this too
        return Reply(400, {"error": f"timeout must be a number of seconds in [0, "
                                    f"{MAX_WAIT_TIMEOUT:g}], got {values[0]!r}"})
    return Wait(timeout)


#: path -> its route. The 404's list of endpoints is this table's keys, in this order.
ROUTES: dict[str, Route] = {
    "/api/health": _no_query(lambda controller: {"ok": True}),
    "/api/warmup_status": _no_query(lambda controller: controller.warmup_status()),
    "/api/warmup_wait": _warmup_wait,
    "/api/canaries": _no_query(lambda controller: controller.canaries()),
    "/api/io_pool_status": _no_query(lambda controller: controller.io_pool_status()),
    "/api/startup_profile": _no_query(lambda controller: controller.profiler.report()),
    "/api/trace": _no_query(_trace),
    "/api/stalls": _no_query(_optional("stalls")),
    "/api/frames": _no_query(lambda controller: _frames(controller)),
}


def route(controller: WarmupSource, path: str, query: Query) -> Reply | Wait:
    """What answers ``path`` with ``query``: its route's answer, or a 404 listing the endpoints.

    Raises:
        Exception: whatever the controller raised (the server answers 500 with it).
    """
    answer = ROUTES.get(path)
    if answer is None:
        return Reply(404, {"error": f"no endpoint {path!r}; the endpoints are "
                                    f"{', '.join(ROUTES)}"})
    return answer(controller, path, query)


def wait_answer(controller: WarmupSource) -> Reply:
    """The answer to a ``warmup_wait`` request: done or not, with the warmup status."""
    done = bool(controller.wait_for_warmup(0))
    return Reply(200, {"done": done, "status": controller.warmup_status()})
