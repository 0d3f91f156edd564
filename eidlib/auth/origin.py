"""Web origins as Web eID signs them: ``https://host[:port]``, ASCII, lower case, no default port.

The client and the validator both go through :func:`normalize_origin`, so the bytes hashed on the
card and the bytes hashed by the server are built by the same rules (auth-protocol spec §1.3, §6.3).
"""

from __future__ import annotations

import ipaddress
import re

import idna

from eidlib.auth.errors import InvalidOrigin

#: Longest origin the Web eID app accepts.
MAX_ORIGIN_LENGTH = 255

_DEFAULT_PORTS = {"https": 443, "http": 80}
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def normalize_origin(origin: str, *, allow_http_localhost: bool = False) -> str:
    """The canonical ASCII serialisation of ``origin``, or :class:`InvalidOrigin`.

    Accepts only ``https://host[:port]``: no user info, path (not even ``/``), query or fragment.
    The host is lower-cased and IDN labels become punycode (``https://päike.ee`` →
    ``https://xn--pike-loa.ee``); ``:443`` is dropped. ``allow_http_localhost`` also admits
    ``http://localhost``, ``http://127.0.0.1`` and ``http://[::1]`` (development only).
    """
    if not isinstance(origin, str):
        raise InvalidOrigin("origin must be a string")
    if not origin or len(origin) > 4 * MAX_ORIGIN_LENGTH:
        raise InvalidOrigin("origin is empty or far too long")
    match = _SCHEME.match(origin)
    if match is None:
        raise InvalidOrigin("origin must start with https://")
    scheme = match.group(1).lower()
    rest = origin[match.end():]
    if any(c in rest for c in "/?#@\\") or any(c.isspace() or ord(c) < 0x21 for c in rest):
        raise InvalidOrigin("origin must not have a path, query, fragment or user info")
    if scheme not in _DEFAULT_PORTS:
        raise InvalidOrigin(f"origin scheme must be https, not {scheme!r}")
    host, port = _split_port(rest)
    host = _normalize_host(host)
    if scheme == "http" and not (allow_http_localhost and host in _LOOPBACK_HOSTS):
        raise InvalidOrigin("origin must use https (http only for localhost in development mode)")
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        result = f"{scheme}://{host}:{port}"
    else:
        result = f"{scheme}://{host}"
    if len(result) > MAX_ORIGIN_LENGTH:
        raise InvalidOrigin(f"origin longer than {MAX_ORIGIN_LENGTH} characters")
    return result


def _split_port(hostport: str) -> tuple[str, int | None]:
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            raise InvalidOrigin("unterminated IPv6 literal in origin")
        host, tail = hostport[: end + 1], hostport[end + 1:]
    elif hostport.count(":") > 1:
        raise InvalidOrigin("IPv6 origins need brackets")
    else:
        host, sep, port_text = hostport.partition(":")
        tail = sep + port_text
    if not tail:
        return host, None
    if not tail.startswith(":") or not tail[1:].isascii() or not tail[1:].isdigit():
        raise InvalidOrigin("origin port must be a decimal number")
    if len(tail) > 6:
        raise InvalidOrigin("origin port out of range")
    port = int(tail[1:])
    if not 1 <= port <= 65535:
        raise InvalidOrigin("origin port out of range")
    return host, port


def _normalize_host(host: str) -> str:
    if not host:
        raise InvalidOrigin("origin has no host")
    if host.startswith("["):
        try:
            address = ipaddress.IPv6Address(host[1:-1])
        except ValueError as exc:
            raise InvalidOrigin("invalid IPv6 literal in origin") from exc
        return f"[{address.compressed}]"
    if host.isascii():
        ascii_host = host.lower()
    else:
        # IDNA 2008 with UTS #46 mapping, as browsers serialise origins (ß stays ß, not "ss").
        try:
            ascii_host = idna.encode(host, uts46=True, transitional=False).decode("ascii").lower()
        except (idna.IDNAError, UnicodeError, ValueError) as exc:
            raise InvalidOrigin("origin host is not a valid internationalised domain name") from exc
    if _is_ipv4_like(ascii_host):
        try:
            return str(ipaddress.IPv4Address(ascii_host))
        except ValueError as exc:
            raise InvalidOrigin("invalid IPv4 address in origin") from exc
    labels = ascii_host.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        raise InvalidOrigin("origin host has an invalid label")
    return ascii_host


def _is_ipv4_like(host: str) -> bool:
    return all(part.isdigit() for part in host.split("."))
