"""Login throttling per client address, and per address + name tried.

This replaces locking an account after failed logins: a lock let anyone shut `admin`
out by guessing wrong on purpose, and its answer told which names exist. Now a
client that fails too often waits (`Throttled`, 429 with Retry-After), whichever
name it tried; the account's owner at another address is not affected, and a name
that does not exist counts and answers exactly like one that does.

Failures are rows in `login_failures` (one per bucket), so every server process and
worker sees the same count. The buckets are stored as keyed hashes under the
installation secret: neither addresses nor the names typed (sometimes a password
typed into the wrong field) are kept in the clear. Checking and counting are two
statements, so parallel guesses can overshoot a limit by the number in flight; the
limit still holds from then on.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from govbridge.core.errors import Throttled
from govbridge.identity.models import LoginFailure
from govbridge.runtime import Ctx

WINDOW = timedelta(minutes=15)
# Failed attempts within WINDOW before the client waits: for one name from one address,
# and for any names from one address.
PAIR_LIMIT = 5
ADDRESS_LIMIT = 20
MESSAGE = "too many failed login attempts from this address; try again later"
UNKNOWN_ADDRESS = "unknown"


def client_address(peer: str | None, forwarded_for: str | None,
                   trusted_proxies: Iterable[str]) -> str:
    """The address a login is throttled under.

    The connection's peer, unless the peer is a proxy the configuration trusts
    (`GOVBRIDGE_TRUSTED_PROXIES`: addresses or networks); then the nearest address in
    X-Forwarded-For that is not itself a trusted proxy. A header from anyone else is
    ignored: otherwise each guess could claim a fresh address.
    """
    networks = [ipaddress.ip_network(p.strip(), strict=False) for p in trusted_proxies
                if p.strip()]
    current = (peer or "").strip() or UNKNOWN_ADDRESS
    if not _within(current, networks):
        return current
    hops = [h.strip() for h in (forwarded_for or "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _within(hop, networks):
            return hop
    return current


def _within(address: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]
            ) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return False
    return any(ip in net for net in networks)


def _key(ctx: Ctx, *parts: str) -> str:
    message = "\x1f".join(("govbridge:login-throttle", *parts)).encode()
    return hmac.new(ctx.settings.secret_key, message, hashlib.sha256).hexdigest()


def _keys(ctx: Ctx, address: str, username: str) -> tuple[str, str]:
    name = username.strip().lower()
    return _key(ctx, "address", address), _key(ctx, "pair", address, name)


def _wait(ctx: Ctx, key: str, limit: int, now: datetime) -> int:
    """Seconds until `key` has fewer than `limit` failures in the window (0: it has)."""
    recent = list(ctx.db.scalars(
        select(LoginFailure.at)
        .where(LoginFailure.key_hash == key, LoginFailure.at > now - WINDOW)
        .order_by(LoginFailure.at.desc())
        .limit(limit)
    ))
    if len(recent) < limit:
        return 0
    free_at = recent[limit - 1] + WINDOW
    return max(1, math.ceil((free_at - now).total_seconds()))


def check(ctx: Ctx, address: str, username: str) -> None:
    """Refuse the attempt with `Throttled` while the address, or the address with this
    name, is at its limit. Done before any account is looked up."""
    now = ctx.now()
    address_key, pair_key = _keys(ctx, address, username)
    wait = max(_wait(ctx, address_key, ADDRESS_LIMIT, now),
               _wait(ctx, pair_key, PAIR_LIMIT, now))
    if wait:
        raise Throttled(MESSAGE, wait)


def fail(ctx: Ctx, address: str, username: str) -> None:
    """Count a failed attempt and commit it now: the failing call itself rolls back.

    Failures older than the window are removed on the way, so the table stays small.
    """
    now = ctx.now()
    address_key, pair_key = _keys(ctx, address, username)
    ctx.db.execute(delete(LoginFailure).where(LoginFailure.at <= now - WINDOW))
    ctx.db.add_all([LoginFailure(key_hash=address_key, at=now),
                    LoginFailure(key_hash=pair_key, at=now)])
    ctx.db.commit()


def succeed(ctx: Ctx, address: str, username: str) -> None:
    """A login completed: forget this name's failures from this address (not the
    address's own count, which a guesser holding one good account could reset)."""
    _address_key, pair_key = _keys(ctx, address, username)
    ctx.db.execute(delete(LoginFailure).where(LoginFailure.key_hash == pair_key))
