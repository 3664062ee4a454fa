"""Outbound safety (SSRF): which URLs an endpoint may have and which address a send goes to.

An endpoint URL must be `https` with a host whose every resolved address is public: loopback,
private, link-local (cloud metadata at 169.254.169.254 included), CGNAT, multicast, reserved and
unspecified addresses are refused. The check runs at creation and again before every send (DNS
can change), and the send connects to the address that was checked, so a second lookup cannot
swap it. `HOURSMITH_WEBHOOK_ALLOW_NETWORKS` opens given networks, and plain `http` to them, for
tests and local development.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from server.webhooks.config import Network

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]
MAX_URL_LENGTH = 2048
_CGNAT = ipaddress.ip_network("100.64.0.0/10")


class UnsafeUrl(ValueError):
    """The URL may not be used as a webhook endpoint (the message says why)."""


@dataclass(frozen=True)
class Target:
    """Where one send goes: the URL's parts and the checked address to connect to."""

    scheme: str
    host: str
    port: int
    path: str
    address: str

    @property
    def connect_url(self) -> str:
        """The URL with the checked address in place of the host name."""
        ip = ipaddress.ip_address(self.address)
        literal = f"[{ip}]" if ip.version == 6 else str(ip)
        return f"{self.scheme}://{literal}:{self.port}{self.path}"

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (TCP), in the resolver's order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public(ip: IPAddress) -> bool:
    """A globally routable unicast address (not private, loopback, link-local, CGNAT, …)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return is_public(ip.ipv4_mapped)
    if ip.is_multicast or ip.is_reserved or ip.is_unspecified or ip.is_loopback:
        return False
    if ip.is_link_local or ip.is_private or (ip.version == 4 and ip in _CGNAT):
        return False
    return ip.is_global


def _allowed(ip: IPAddress, networks: Sequence[Network]) -> bool:
    return any(ip.version == net.version and ip in net for net in networks)


def parse_url(url: str, networks: Sequence[Network] = ()) -> tuple[str, str, int, str]:
    """Scheme, host, port and path+query of an endpoint URL, or `UnsafeUrl`."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl(f"the URL is longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl(f"not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not parts.hostname:
        raise UnsafeUrl("the URL must be https://host/…")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("the URL must not carry credentials")
    if parts.fragment:
        raise UnsafeUrl("the URL must not have a #fragment")
    if scheme == "http" and not networks:
        raise UnsafeUrl("the URL must use https")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80), path


def needs_lookup(url: str) -> bool:
    """Whether checking `url` resolves a name (a blocking call) rather than a literal address."""
    try:
        ipaddress.ip_address(urlsplit(url).hostname or "")
    except ValueError:
        return True
    return False


def check_url(
    url: str, networks: Sequence[Network] = (), resolver: Resolver = system_resolver
) -> Target:
    """Resolve the URL's host and check every address; the target connects to the first one.

    Plain `http` passes only when every address lies in an allowed network.
    """
    scheme, host, port, path = parse_url(url, networks)
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            addresses = [ipaddress.ip_address(a.split("%")[0]) for a in resolver(host, port)]
        except (OSError, UnicodeError, ValueError) as exc:
            raise UnsafeUrl(f"cannot resolve {host}: {exc}") from None
    if not addresses:
        raise UnsafeUrl(f"{host} resolves to no address")
    for ip in addresses:
        allowed = _allowed(ip, networks)
        if not allowed and not is_public(ip):
            raise UnsafeUrl(f"{host} resolves to {ip}, which is not a public address")
        if scheme == "http" and not allowed:
            raise UnsafeUrl("the URL must use https")
    return Target(scheme, host, port, path, str(addresses[0]))
