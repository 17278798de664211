"""Which hosts are loopback: what the server may bind without ``allow_remote`` and which
``Host`` headers it answers (the DNS-rebinding check)."""

from __future__ import annotations

import ipaddress

__all__ = ["is_ipv6", "is_loopback", "is_loopback_host_header"]


def is_ipv6(host: str) -> bool:
    """True when ``host`` is an IPv6 address literal (it goes in brackets in a URL)."""
    try:
        return ipaddress.ip_address(host).version == 6
    except ValueError:
        return False


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses; False for other names (they may resolve
    anywhere)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_host_header(value: str, port: int) -> bool:
    """True when a ``Host`` header names a loopback name or address with ``port``:
    ``127.0.0.1:PORT``, ``localhost:PORT``, ``[::1]:PORT`` (no port means 80)."""
    value = value.strip()
    if value.startswith("["):
        host, sep, rest = value[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            return False
        port_text = rest[1:] if rest else "80"
    else:
        host, sep, port_text = value.rpartition(":")
        if not sep:
            host, port_text = value, "80"
    if not (port_text.isascii() and port_text.isdigit()) or int(port_text) != port:
        return False
    # Another name may resolve anywhere: that is the rebinding attack.
    return is_loopback(host)
