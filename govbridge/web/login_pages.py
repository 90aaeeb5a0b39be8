"""Signing in and out: the password form, the one-time code, enrolling an authenticator,
logging out.

Each step is a form on the frame (`frame.submit`), as every other form is; what differs
is who submits it, so each passes its own `who`:

    step            who submits                         CSRF token checked against
    /login          nobody yet                          the login form's gb_csrf cookie
    /login/totp     the half-open session (password     that session's token
    /login/enroll   accepted, second factor due)
    /logout         the session, half-open or whole     that session's token

A refusal shows the step's form again: a wrong name or password 401, a wrong code 401
(enrollment offers a fresh secret instead, as the old one cannot be shown again), a
throttled client the login form with 429 and Retry-After whatever step it was at, the
same answer whatever name was tried. The rules (throttle, TOTP windows, session
renewal) are the identity use cases' (`identity/auth.py`); this module only words them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from govbridge.api.deps import runtime
from govbridge.core.errors import (
    AuthenticationFailed,
    DomainError,
    InvalidInput,
    SecondFactorRequired,
    Throttled,
)
from govbridge.identity import auth
from govbridge.identity.schemas import LoginResult
from govbridge.runtime import Ctx
from govbridge.web import csrf, session
from govbridge.web.forms import FormError, Wording, message
from govbridge.web.frame import Refused, redirect, submit, web_page
from govbridge.web.render import render
from govbridge.web.translations import N_, Labels, text_for

log = logging.getLogger("govbridge.web")
router = APIRouter(include_in_schema=False)

LOGIN_NOTICES: Labels = {
    "signed_out": N_("You have been logged out."),
    "expired": N_("Your session expired or was closed; please log in again."),
}
# The longest input each field passes on (the form's maxlength; the use cases refuse the rest).
USERNAME_MAX, PASSWORD_MAX, CODE_MAX = 64, 256, 16
AFTER_PASSWORD = {"none": "/", "verify": "/login/totp", "enroll": "/login/enroll"}
FormStr = Annotated[str, Form()]
Again = Callable[[list[FormError], int], Response]


@dataclass(frozen=True)
class Pending:
    """A session whose password step is done: its token and its CSRF token."""

    token: str
    csrf: str


def pending_of(ctx: Ctx, request: Request) -> Pending:
    """This request's session, second factor done or not (`AuthenticationFailed` without)."""
    token = session.session_token(request)
    if token is None:
        raise AuthenticationFailed("not signed in")
    return Pending(token, auth.session_csrf(ctx, token))


def checked_pending(ctx: Ctx, request: Request, csrf_token: str | None) -> Pending:
    """Who submits a TOTP, enrollment or logout form: the session the token belongs to."""
    pending = pending_of(ctx, request)
    csrf.check(csrf_token, pending.csrf)
    return pending


def checked_login_form(ctx: Ctx, request: Request, csrf_token: str | None) -> None:
    """Who submits the login form: nobody yet; its token is the gb_csrf cookie's."""
    csrf.check(csrf_token, request.cookies.get(csrf.LOGIN_COOKIE))


def _refusal(lang: str, exc: DomainError) -> tuple[list[FormError], int]:
    """A refused sign-in step: wrong credentials, or too many attempts from this address."""
    if isinstance(exc, Throttled):
        minutes = max(1, -(-exc.retry_after // 60))
        return [FormError(None, None, text_for(lang).ngettext(
            "Too many login attempts from your address. Try again in %(num)s minute.",
            "Too many login attempts from your address. Try again in %(num)s minutes.",
            minutes))], 429
    if isinstance(exc, AuthenticationFailed):
        return [message(lang, N_("Wrong username or password."))], 401
    return [FormError(None, None, exc.detail)], exc.status


SIGN_IN = Wording(refusal=_refusal)


def _signed_in(ctx: Ctx, request: Request) -> bool:
    token = session.session_token(request)
    if token is None:
        return False
    try:
        auth.actor_for_session(ctx, token)
    except (AuthenticationFailed, SecondFactorRequired):
        return False
    return True


def _login_page(
    request: Request,
    lang: str,
    *,
    username: str = "",
    errors: list[FormError] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    token = session.login_csrf(request)
    response = render(request, "identity/login.html", lang, status=status, csrf_token=token,
                      username=username, errors=errors or [], notice=notice)
    # Set (or refresh) the double-submit cookie each time the form is shown.
    session.set_login_csrf(response, request, runtime(request).settings, token)
    return response


def _or_throttled(request: Request, lang: str, form: Again) -> Again:
    """The step's form again, except for a throttled client: the login form (429)."""

    def again(errors: list[FormError], status: int) -> Response:
        if status == 429:
            return _login_page(request, lang, errors=errors, status=status)
        return form(errors, status)

    return again


def _renewed(request: Request, result: LoginResult) -> Response:
    """The second factor is done: on to the home page with the new session's cookie."""
    response = redirect("/")
    session.set_session(response, request, runtime(request).settings, result.session_token)
    return response


# --- the password ---------------------------------------------------------------------------


@router.get("/login")
@web_page
def login_form(request: Request, notice: str | None = None) -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        if _signed_in(ctx, request):
            return redirect("/")
    return _login_page(request, lang, notice=text_for(lang).lookup(LOGIN_NOTICES, notice))


@router.post("/login")
@web_page
def login_submit(
    request: Request, username: FormStr = "", password: FormStr = "", csrf_token: FormStr = ""
) -> Response:
    lang = session.language(request)
    rt = runtime(request)
    username = username.strip()[:USERNAME_MAX]

    def sign_in(ctx: Ctx, _nobody: None) -> LoginResult:
        if not username or not password:
            raise Refused([message(lang, N_("Enter your username and password."))], 400)
        previous = session.session_token(request)
        if previous:
            auth.logout(ctx, previous)
        return auth.login(ctx, username, password[:PASSWORD_MAX],
                          client_address=session.client_address(request, rt.settings))

    def done(result: LoginResult) -> Response:
        response = redirect(AFTER_PASSWORD[result.second_factor])
        session.set_session(response, request, rt.settings, result.session_token)
        return response

    return submit(
        request, sign_in, who=checked_login_form, csrf_token=csrf_token, done=done,
        catch=(AuthenticationFailed, Throttled), wording=SIGN_IN,
        again=lambda errors, status: _login_page(request, lang, username=username,
                                                 errors=errors, status=status),
    )


# --- the one-time code ----------------------------------------------------------------------


def _totp_page(request: Request, lang: str, *, errors: list[FormError] | None = None,
               status: int = 200) -> Response:
    with runtime(request).context() as ctx:
        pending = pending_of(ctx, request)
    return render(request, "identity/totp.html", lang, status=status, csrf_token=pending.csrf,
                  errors=errors or [])


@router.get("/login/totp")
@web_page
def totp_form(request: Request) -> Response:
    with runtime(request).context() as ctx:
        if _signed_in(ctx, request):
            return redirect("/")
    return _totp_page(request, session.language(request))


@router.post("/login/totp")
@web_page
def totp_submit(request: Request, totp_code: FormStr = "", csrf_token: FormStr = "") -> Response:
    lang = session.language(request)
    rt = runtime(request)

    def verify(ctx: Ctx, pending: Pending) -> LoginResult | None:
        try:
            return auth.verify_second_factor(
                ctx, pending.token, totp_code[:CODE_MAX],
                client_address=session.client_address(request, rt.settings))
        except SecondFactorRequired:
            return None  # no authenticator yet: enroll one
        except InvalidInput as exc:
            log.info("wrong one-time code at login: %s", exc.detail)
            problem = (
                N_("Wrong or already used code. Wait for the next code and try again.")
                if totp_code.strip() else N_("Enter the 6-digit one-time code."))
            raise Refused([message(lang, problem)], 401) from exc

    return submit(
        request, verify, who=checked_pending, csrf_token=csrf_token,
        done=lambda result: redirect("/login/enroll") if result is None
        else _renewed(request, result),
        catch=(Throttled,), wording=SIGN_IN,
        again=_or_throttled(request, lang, lambda errors, status: _totp_page(
            request, lang, errors=errors, status=status)),
    )


# --- enrolling an authenticator -------------------------------------------------------------


@router.get("/login/enroll")
@web_page
def enroll_form(request: Request, error: str | None = None) -> Response:
    lang = session.language(request)
    try:
        with runtime(request).context() as ctx:
            pending = pending_of(ctx, request)
            secret, uri = auth.begin_enrollment(ctx, pending.token)
    except InvalidInput:  # already enrolled: this login proves a code instead
        return redirect("/login/totp")
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    wrong = N_("Wrong code. A new secret has been generated: scan the new QR code and try again.")
    errors = [message(lang, wrong)] if error == "wrong" else []
    return render(request, "identity/enroll.html", lang, status=401 if errors else 200,
                  csrf_token=pending.csrf, secret=secret, uri=uri, qr=qr, errors=errors)


@router.post("/login/enroll")
@web_page
def enroll_submit(request: Request, totp_code: FormStr = "", csrf_token: FormStr = "") -> Response:
    lang = session.language(request)
    rt = runtime(request)
    return submit(
        request,
        lambda ctx, pending: auth.confirm_enrollment(
            ctx, pending.token, totp_code[:CODE_MAX],
            client_address=session.client_address(request, rt.settings)),
        who=checked_pending, csrf_token=csrf_token,
        done=lambda result: _renewed(request, result),
        catch=(InvalidInput, Throttled), wording=SIGN_IN,
        # The pending seed cannot be shown again, so a fresh one is offered.
        again=_or_throttled(request, lang, lambda _errors, _status: redirect(
            "/login/enroll?error=wrong")),
    )


# --- logging out ----------------------------------------------------------------------------


@router.post("/logout")
@web_page
def logout(request: Request, csrf_token: FormStr = "") -> Response:
    rt = runtime(request)

    def signed_out(_: None) -> Response:
        response = redirect("/login?notice=signed_out")
        session.clear_session(response, request, rt.settings)
        return response

    return submit(request, lambda ctx, pending: auth.logout(ctx, pending.token),
                  who=checked_pending, csrf_token=csrf_token, done=signed_out)
