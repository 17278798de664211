"""Writing an answer: one complete HTTP/1.0 response with a JSON body."""

from __future__ import annotations

import http
import json
from typing import Any

__all__ = ["encode_response"]


def encode_response(status: int, body: Any, headers: tuple[tuple[str, str], ...] = (),
                    *, head_only: bool = False) -> bytes:
    """One complete HTTP/1.0 answer with a JSON body; the connection closes after it.

    A body that cannot be encoded as JSON becomes a 500 that says why (objects JSON does not
    know are sent as their ``str()``).
    """
    try:
        data = json.dumps(body, default=str).encode("utf-8")
    except (TypeError, ValueError) as exc:
        status, data = 500, json.dumps({"error": f"cannot encode the answer: {exc}"}).encode()
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    lines = [f"HTTP/1.0 {status} {phrase}", "Server: imwarmup-hooks",
             "Content-Type: application/json", f"Content-Length: {len(data)}",
             "Cache-Control: no-store", "X-Content-Type-Options: nosniff", "Connection: close",
             *(f"{key}: {value}" for key, value in headers)]
    out = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return out if head_only else out + data
