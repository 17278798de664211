"""Reading a request: the head's parsing and limits, the body's length, and the screening of
requests a web page sent. Pure functions over bytes; each refusal is a ``RequestRefused`` with
the HTTP status and the message the client gets."""

from __future__ import annotations

import re

from .addresses import is_loopback_host_header

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_HEAD_BYTES",
    "MAX_HEADER_LINES",
    "MAX_REQUEST_LINE",
    "RequestRefused",
    "Request",
    "check_request_line",
    "find_head_end",
    "parse_head",
    "body_length",
    "screen",
]

#: Request bodies above this many bytes are refused with 413 (no endpoint takes a body).
MAX_BODY_BYTES = 64 * 1024
#: A request head (request line and headers) above this many bytes is refused with 431.
MAX_HEAD_BYTES = 16 * 1024
#: Headers beyond this many lines are refused with 431 (http.server's limit too).
MAX_HEADER_LINES = 100
#: A request line above this many bytes is refused with 414 before the head is complete.
MAX_REQUEST_LINE = 8 * 1024

_TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_VERSION = re.compile(rb"HTTP/(\d)\.(\d)")


class RequestRefused(Exception):
    """A request the server refuses before routing.

    Attributes:
        status: the HTTP status to answer.
        message: the ``{"error": ...}`` text for the client.
        headers: extra response headers (e.g. ``Allow``).
    """

    def __init__(self, status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


class Request:
    """A parsed request head: method, target, version and headers (lower-case name -> every
    value it was given)."""

    __slots__ = ("method", "target", "version", "headers")

    def __init__(self, method: str, target: str, version: str, headers: dict[str, list[str]]) -> None:
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers

    def header(self, name: str) -> str | None:
        """The one value of header ``name``, None when absent.

        Raises:
            RequestRefused: 400, the header was given two or more different values.
        """
        values = self.headers.get(name)
        if not values:
            return None
        if len(values) > 1 and len(set(values)) > 1:
            raise RequestRefused(400, f"header {name!r} was given {len(values)} different values")
        return values[0]


def check_request_line(line: bytes) -> tuple[str, str, str]:
    """``(method, target, version)`` of a request line.

    Raises:
        RequestRefused: 400 malformed, 505 an HTTP version but 1.0 and 1.1.
    """
    parts = line.split(b" ")
    if len(parts) != 3 or not _TOKEN.fullmatch(parts[0]) or not parts[1] \
            or not _VERSION.fullmatch(parts[2]):
        raise RequestRefused(400, f"malformed request line {line[:100].decode('latin-1')!r}: "
                                  f"expected 'GET /api/<endpoint> HTTP/1.1'")
    if parts[2] not in (b"HTTP/1.0", b"HTTP/1.1"):
        raise RequestRefused(505, f"{parts[2].decode()} is not supported; the hook API speaks "
                                  f"HTTP/1.0 and HTTP/1.1")
    target = parts[1].decode("latin-1")
    if not target.startswith("/"):
        raise RequestRefused(400, f"request target {target[:100]!r} must be a path starting "
                                  f"with '/'")
    return parts[0].decode("ascii"), target, parts[2].decode("ascii")


def find_head_end(buf: bytearray) -> tuple[int, int]:
    """(end of the head, start of the body), or (-1, -1) while the blank line has not come."""
    crlf = buf.find(b"\r\n\r\n")
    lf = buf.find(b"\n\n")
    if crlf >= 0 and (lf < 0 or crlf < lf):
        return crlf, crlf + 4
    if lf >= 0:
        return lf, lf + 2
    return -1, -1


def parse_head(head: bytes) -> Request:
    """The request a complete head (without its blank line) holds.

    Raises:
        RequestRefused: 400 malformed or folded lines, 431 too many header lines, or as
            ``check_request_line``.
    """
    lines = [line[:-1] if line.endswith(b"\r") else line for line in head.split(b"\n")]
    if len(lines) - 1 > MAX_HEADER_LINES:
        raise RequestRefused(431, f"{len(lines) - 1} header lines are over the limit of "
                                  f"{MAX_HEADER_LINES}")
    method, target, version = check_request_line(lines[0])
    headers: dict[str, list[str]] = {}
    for line in lines[1:]:
        if line[:1] in (b" ", b"\t"):
            raise RequestRefused(400, "folded header lines (starting with a space) are not "
                                      "accepted")
        name, sep, value = line.partition(b":")
        if not sep or not _TOKEN.fullmatch(name):
            raise RequestRefused(400, f"malformed header line {line[:100].decode('latin-1')!r}: "
                                      f"expected 'Name: value'")
        headers.setdefault(name.decode("ascii").lower(), []).append(
            value.strip(b" \t").decode("latin-1"))
    return Request(method, target, version, headers)


def body_length(request: Request) -> int:
    """The body's length, to read and drop (no endpoint takes one).

    Raises:
        RequestRefused: 411 chunked, 400 a bad ``Content-Length``, 413 over ``MAX_BODY_BYTES``.
    """
    if request.header("transfer-encoding") is not None:
        raise RequestRefused(411, "chunked request bodies are not accepted; the hook API takes "
                                  "no body")
    length = request.header("content-length")
    if length is None:
        return 0
    if not (length.isascii() and length.isdigit()):
        raise RequestRefused(400, f"bad Content-Length header {length[:40]!r}")
    size = int(length)
    if size > MAX_BODY_BYTES:
        raise RequestRefused(413, f"request body of {size} bytes is over the {MAX_BODY_BYTES}-"
                                  f"byte limit; the hook API takes no body")
    return size


def screen(request: Request, port: int, *, check_host: bool) -> None:
    """Refuse what a browser tab sends to a local port: a Host that is not this server (DNS
    rebinding; only when ``check_host``, i.e. on loopback), a foreign Origin, a cross-site fetch.

    Args:
        request: the parsed request.
        port: the server's bound port (the one a valid ``Host`` names).
        check_host: whether ``Host`` must be a loopback name or address with ``port``.

    Raises:
        RequestRefused: 400 an HTTP/1.1 request without ``Host``, 421 a foreign ``Host``, 403 a
            foreign ``Origin`` or ``Sec-Fetch-Site``.
    """
    host = request.header("host")
    if host is None:
        if request.version != "HTTP/1.0":
            raise RequestRefused(400, "an HTTP/1.1 request needs a Host header, e.g. "
                                      f"'Host: 127.0.0.1:{port}'")
    elif check_host and not is_loopback_host_header(host, port):
        raise RequestRefused(421, (
            f"Host {host[:100]!r} is not this server: the hook API answers only requests "
            f"addressed to a loopback name or address with port {port} (e.g. "
            f"'Host: 127.0.0.1:{port}'), so a web page whose domain name points at this "
            f"machine cannot read it"))
    origin = request.header("origin")
    if origin is not None and (host is None or origin.lower() != f"http://{host.lower()}"):
        raise RequestRefused(403, (
            f"cross-origin request from Origin {origin[:100]!r} refused: the hook API "
            f"answers tools and tests, not web pages"))
    fetch_site = request.header("sec-fetch-site")
    if fetch_site is not None and fetch_site.lower() not in ("same-origin", "none"):
        raise RequestRefused(403, (
            f"request sent by a web page (Sec-Fetch-Site: {fetch_site[:40]}) refused: the "
            f"hook API answers tools and tests, not web pages"))
