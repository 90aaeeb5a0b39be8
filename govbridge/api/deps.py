"""Who is calling: API key, bearer session token, or session cookie (+ CSRF).

Every operation under /api/v1 needs a caller except the few in `PUBLIC`; the gate
(api/gate.py) and the problem handlers (api/problems.py) read that list, so an
anonymous caller hears 401 before anything about its request body. A new public
operation is added there, on purpose.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from fastapi import Request

from govbridge.core.errors import AuthenticationFailed, PermissionDenied
from govbridge.exchange.admission import Admission
from govbridge.identity import auth, clients
from govbridge.identity.actor import Actor
from govbridge.runtime import Ctx, Runtime

SESSION_COOKIE = "gb_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
API_PREFIX = "/api/v1/"

# (method, path template) of the operations anyone may call.
PUBLIC: frozenset[tuple[str, str]] = frozenset({
    ("GET", "/api/v1/health"),
    ("POST", "/api/v1/sessions"),
    ("GET", "/api/v1/seals/ca"),
    ("GET", "/api/v1/ledger/keys/{kid}/certificate"),
    ("POST", "/api/v1/verify"),
    ("POST", "/api/v1/exchange/verify"),
    # A tool's entry into a task timeline: its Standard Webhooks signature authenticates it.
    ("POST", "/api/v1/task-hooks/{integration_id}"),
})
_PUBLIC_PATTERNS = [
    (method, re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$"))
    for method, path in PUBLIC
]


def is_public(method: str, path: str) -> bool:
    """Whether `method path` (a concrete path) is an operation anyone may call."""
    method = "GET" if method == "HEAD" else method
    return any(m == method and rx.match(path) for m, rx in _PUBLIC_PATTERNS)


def needs_caller(method: str, path: str) -> bool:
    return path.startswith(API_PREFIX) and not is_public(method, path)


def has_credentials(headers: Mapping[str, str], cookies: Mapping[str, str]) -> bool:
    """Whether the request carries any of the credentials `authenticate` reads."""
    return (headers.get("authorization", "").lower().startswith("bearer ")
            or bool(headers.get("x-api-key")) or bool(cookies.get(SESSION_COOKIE)))


def runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


def admission(request: Request) -> Admission:
    """This process's exchange queue (exchange/admission.py), made with the app."""
    return request.app.state.admission  # type: ignore[no-any-return]


def authenticate(ctx: Ctx, request: Request) -> Actor:
    """Resolve the caller. Cookie sessions must echo their CSRF token on writes."""
    header = request.headers.get("authorization", "")
    api_key = request.headers.get("x-api-key")
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
        if token.startswith(clients.KEY_PREFIX + "_"):
            return clients.actor_for_api_key(ctx, token)
        return auth.actor_for_session(ctx, token)
    if api_key:
        return clients.actor_for_api_key(ctx, api_key)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        actor = auth.actor_for_session(ctx, cookie)
        if request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(sent, auth.session_csrf(ctx, cookie)):
                raise PermissionDenied("csrf", "missing or wrong X-CSRF-Token header")
        return actor
    raise AuthenticationFailed(
        "no credentials: send 'Authorization: Bearer <API key or session token>'"
    )


@contextmanager
def acting(request: Request) -> Iterator[tuple[Ctx, Actor]]:
    """One transaction with the authenticated caller, for a route to run a use case in."""
    with runtime(request).context() as ctx:
        yield ctx, authenticate(ctx, request)
