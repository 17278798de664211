"""Bearer tokens: what a valid token looks like (server and client check it the same way) and
whether a request's ``Authorization`` header carries it."""

from __future__ import annotations

import hmac
from typing import Any

__all__ = ["check_token", "bearer_matches"]


def check_token(token: Any, where: str) -> None:
    """Refuse a token that cannot travel in an HTTP header.

    Args:
        token: the value given for ``token=``.
        where: the caller's name for the message, e.g. ``"HookServer()"``.

    Raises:
        TypeError: ``token`` is not a str.
        ValueError: ``token`` is empty or has whitespace or non-printable or non-ASCII characters.
    """
    if not isinstance(token, str):
        raise TypeError(f"{where}: token must be a str or None, got {type(token).__name__}")
    if not token or not token.isascii() or not token.isprintable() or any(c.isspace() for c in token):
        raise ValueError(
            f"{where}: token must be non-empty printable ASCII without spaces (it travels in an "
            f"HTTP header), got a {len(token)}-character value that is not"
        )


def bearer_matches(values: list[str] | None, token: bytes | None) -> bool:
    """True when the ``Authorization`` header values (``None``: absent) are one
    ``Bearer <token>``, or when no token is required (``token`` is None). Constant-time."""
    if token is None:
        return True
    if not values or len(values) != 1:
        return False
    scheme, _, value = values[0].partition(" ")
    if scheme.lower() != "bearer":
        return False
    try:
        given = value.strip().encode("ascii")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(given, token)
