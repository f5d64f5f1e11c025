"""Who may scrape /metrics: a bearer token, or an address on an allowed network.

SPEC: metrics are "not public: token or internal network". The token
(``METRICS_TOKEN``) works from anywhere; without it the client address must fall in
one of the networks of ``METRICS_ALLOW`` (loopback only by default). The address is
``request.remote_addr``, which ProxyFix rewrites from ``X-Forwarded-For`` only when
``TRUSTED_PROXIES`` says how many proxies to believe. A request that carries
forwarding headers while no proxy is trusted came through a proxy whose client we
cannot see (a reverse proxy on the same host would make everybody look like
127.0.0.1): only the token admits it.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Request

from presslog.config import ConfigError

DEFAULT_ALLOW = "127.0.0.1/32,::1/128"
MIN_TOKEN_LENGTH = 32
FORWARDING_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class ScrapeAccess:
    """The parsed access settings of one app."""

    token: bytes | None
    networks: tuple[Network, ...]
    trusts_proxies: bool


def parse_networks(value: str) -> tuple[Network, ...]:
    """``METRICS_ALLOW``: comma-separated addresses or CIDR networks (empty: none).

    :raises ConfigError: naming the entry that is not a network.
    """
    networks = []
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ConfigError(
                f"METRICS_ALLOW: {entry!r} is not an address or network "
                "(use CIDR notation such as 10.0.0.0/8, separated by commas)"
            ) from None
    return tuple(networks)


def load_access(config: Mapping[str, Any]) -> ScrapeAccess:
    """Read and check METRICS_TOKEN and METRICS_ALLOW.

    :raises ConfigError: for a token too short to be a secret or a bad network.
    """
    token = (config.get("METRICS_TOKEN") or "").strip()
    if token and len(token) < MIN_TOKEN_LENGTH:
        raise ConfigError(
            f"METRICS_TOKEN must be at least {MIN_TOKEN_LENGTH} characters "
            "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    allow = config.get("METRICS_ALLOW")
    return ScrapeAccess(
        token=token.encode() if token else None,
        networks=parse_networks(DEFAULT_ALLOW if allow is None else str(allow)),
        trusts_proxies=bool(config.get("TRUSTED_PROXIES")),
    )


def _address(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not value:
        return None
    try:
        address = ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def has_token(access: ScrapeAccess, request: Request) -> bool:
    """Whether the request carries ``Authorization: Bearer <METRICS_TOKEN>``."""
    if access.token is None:
        return False
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), access.token)


def from_allowed_network(access: ScrapeAccess, request: Request) -> bool:
    """Whether the client address lies in one of the allowed networks."""
    if not access.trusts_proxies and any(h in request.headers for h in FORWARDING_HEADERS):
        return False
    address = _address(request.remote_addr)
    return address is not None and any(address in network for network in access.networks)


def may_scrape(access: ScrapeAccess, request: Request) -> bool:
    """The metrics token, or an allowed network."""
    return has_token(access, request) or from_allowed_network(access, request)
