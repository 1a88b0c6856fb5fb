"""Which URLs may receive webhooks: https to a public address, so that a webhook cannot make
the server call into its own network (SSRF). Checked when an endpoint is registered, and
again at each delivery against the addresses the name resolves to then, which the delivery
connects to (a name that resolves elsewhere since cannot redirect it inward).

WEBHOOK_ALLOW_PRIVATE (development and tests, never production) also allows http:// and
loopback or private addresses."""

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from backend.config import Settings
from backend.errors import error

WebhookUrlRefused = error(
    422, "webhook_url_refused", "The URL cannot receive webhooks (https to a public address)"
)
MAX_URL_LENGTH = 2000


@dataclass(frozen=True)
class Target:
    """Where a delivery connects: the checked address, and the name it stands for."""

    url: str
    host: str
    address: str
    port: int


def allows_private(settings: Settings) -> bool:
    return settings.webhook_allow_private and settings.environment != "production"


def check_form(url: str, settings: Settings) -> None:
    """The URL's shape: https (http only where private targets are allowed), a host, no
    credentials, no fragment."""
    if len(url) > MAX_URL_LENGTH:
        raise WebhookUrlRefused("The URL is too long")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises for a port out of range)
    except ValueError:
        raise WebhookUrlRefused("The URL is not valid") from None
    schemes = ("https", "http") if allows_private(settings) else ("https",)
    if parts.scheme not in schemes:
        raise WebhookUrlRefused("The URL must start with https://")
    if not parts.hostname or parts.username or parts.password or parts.fragment:
        raise WebhookUrlRefused("The URL needs a host, and no user, password or fragment")


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def resolve(url: str, settings: Settings) -> Target:
    """The address a delivery to `url` connects to, or WebhookUrlRefused when the name does
    not resolve or resolves to an address that is not public (unless allowed)."""
    check_form(url, settings)
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise WebhookUrlRefused(f"The host {host} does not resolve") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise WebhookUrlRefused(f"The host {host} does not resolve")
    if not allows_private(settings) and not all(_is_public(a) for a in addresses):
        raise WebhookUrlRefused("The URL leads to a private, local or reserved address")
    return Target(url=url, host=host, address=addresses[0], port=port)
