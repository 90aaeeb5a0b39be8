"""Cookies of the web UI: the session, the login form's CSRF cookie, the language;
and the client address a login is throttled under.

Whether a cookie is marked Secure is decided in one place, `cookie_secure`, from the
configuration alone: the Host header and scheme of a request are the client's to
choose, so they cannot decide whether the session cookie may travel in the clear.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from fastapi import Request, Response

from govbridge.api.deps import SESSION_COOKIE
from govbridge.config import Settings
from govbridge.identity import throttle
from govbridge.web import csrf, i18n

LANG_COOKIE = "gb_lang"
LANG_MAX_AGE = 365 * 24 * 3600
LOGIN_CSRF_MAX_AGE = 2 * 3600


def cookie_secure(mode: Literal["auto", "always", "never"], public_url: str) -> bool:
    """Whether cookies get the Secure flag.

    "always" and "never" say so. "auto" marks them Secure when the installation's
    configured public URL (`GOVBRIDGE_PUBLIC_URL`) is https: that is where browsers
    reach it, whatever Host header a request carries.
    """
    if mode == "always":
        return True
    if mode == "never":
        return False
    return urlsplit(public_url.strip()).scheme.lower() == "https"


def secure_for(request: Request, settings: Settings) -> bool:
    """The Secure flag for this installation's cookies (the request is not consulted)."""
    return cookie_secure(settings.cookie_secure, settings.public_url)


def client_address(request: Request, settings: Settings) -> str:
    """Who is logging in, for the throttle: the peer, or a trusted proxy's client."""
    return throttle.client_address(
        request.client.host if request.client else None,
        request.headers.get("x-forwarded-for"),
        settings.trusted_proxies,
    )


def set_session(response: Response, request: Request, settings: Settings, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_hours * 3600,
        path="/",
        httponly=True,
        samesite="strict",
        secure=secure_for(request, settings),
    )


def clear_session(response: Response, request: Request, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=secure_for(request, settings),
    )


def session_token(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


def login_csrf(request: Request) -> str:
    """The login form's CSRF token: the browser's `gb_csrf` cookie, or a new one."""
    current = request.cookies.get(csrf.LOGIN_COOKIE)
    if current is not None and csrf.usable(current):
        return current
    return csrf.new_login_token()


def set_login_csrf(response: Response, request: Request, settings: Settings, token: str) -> None:
    response.set_cookie(
        csrf.LOGIN_COOKIE,
        token,
        max_age=LOGIN_CSRF_MAX_AGE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=secure_for(request, settings),
    )


def language(request: Request) -> str:
    """The page language: `?lang=` first, then the `gb_lang` cookie, then zh-CN."""
    return (
        i18n.normalize(request.query_params.get("lang"))
        or i18n.normalize(request.cookies.get(LANG_COOKIE))
        or i18n.DEFAULT_LANG
    )


def set_language(response: Response, request: Request, settings: Settings, lang: str) -> None:
    response.set_cookie(
        LANG_COOKIE,
        lang,
        max_age=LANG_MAX_AGE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure_for(request, settings),
    )


def safe_next(value: str | None, default: str = "/") -> str:
    """`value` if it is a path on this site, else `default` (no open redirect).

    Accepted: an absolute path such as "/clients?x=1". Refused: anything with
    a scheme or host, protocol-relative "//host", backslashes (browsers read
    "/\\host" as "//host"), and control characters.
    """
    if not value or not value.startswith("/") or value.startswith("//"):
        return default
    if "\\" in value or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value
