"""The SSRF guard: a webhook goes only to public addresses. The host is resolved, every address checked,
and the request then connects to a checked address (with the original Host and TLS server name), so a DNS
answer that changes between the check and the connection cannot point it inside our network."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from verae.webhooks.errors import UnsafeWebhookUrl


class UnresolvableHost(Exception):
    """The name does not resolve now (may be transient at delivery time)."""


@dataclass(frozen=True)
class Destination:
    url: str  # with the checked address in place of the name
    host_header: str
    server_name: str  # the TLS server name, which the certificate is checked against


def _is_allowed(address: str, allow_loopback: bool) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if allow_loopback and ip.is_loopback:
        return True
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, require_https: bool) -> tuple[str, int]:
    """(host, port) of a URL of an acceptable form (no credentials, http(s) only)."""
    parts = urlsplit(url)
    schemes = ("https",) if require_https else ("https", "http")
    if parts.scheme not in schemes or not parts.hostname or parts.username or parts.password:
        raise UnsafeWebhookUrl()
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise UnsafeWebhookUrl() from error
    return parts.hostname, port


def resolve_destination(url: str, *, require_https: bool, allow_loopback: bool) -> Destination:
    """Where to connect for `url`, refusing (UnsafeWebhookUrl) a name with any non-public address."""
    host, port = check_url(url, require_https=require_https)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnresolvableHost(host) from error
    addresses = [str(info[4][0]) for info in infos]
    if not addresses or not all(_is_allowed(address, allow_loopback) for address in addresses):
        raise UnsafeWebhookUrl()
    address = addresses[0]
    literal = f"[{address}]" if ":" in address else address
    parts = urlsplit(url)
    pinned = parts._replace(netloc=f"{literal}:{port}").geturl()
    host_header = host if parts.port is None else f"{host}:{port}"
    return Destination(url=pinned, host_header=host_header, server_name=host)
