"""CSRF tokens for HTML forms.

Logged-in forms carry the session's own CSRF token. The login form has no
session yet, so it uses a double-submit cookie: a random `gb_csrf` cookie
(HttpOnly, SameSite=Strict) whose value the form repeats in a hidden field.
Either way a POST whose token is missing or differs is refused before any use
case runs.
"""

from __future__ import annotations

import hmac
import re

from govbridge.security.at_rest import new_token

FIELD = "csrf_token"
LOGIN_COOKIE = "gb_csrf"
_MAX_LEN = 128
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


class CsrfRejected(Exception):
    """A form came without the token it must carry."""


def new_login_token() -> str:
    return new_token(24)


def usable(token: str | None) -> bool:
    """Whether a login cookie value looks like one we issued (so it can be reused)."""
    return token is not None and _TOKEN.match(token) is not None


def check(sent: str | None, expected: str | None) -> None:
    """Raise CsrfRejected unless both tokens are present and equal (constant time)."""
    if not sent or not expected or len(sent) > _MAX_LEN:
        raise CsrfRejected("missing CSRF token")
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRejected("wrong CSRF token")
