"""The web UI's pages: login (password, TOTP, enrollment), home, and the admin lists.

Every handler parses its form, runs use cases in one `Runtime.context()` and
renders a template; rules live in the use cases. The frame every page shares (the
viewer, the CSRF check, `web_page`, `submit` for a form POST) is `web/frame.py`.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from govbridge.api.deps import runtime
from govbridge.audit.record import list_events
from govbridge.core.errors import (
    AuthenticationFailed,
    InvalidInput,
    SecondFactorRequired,
    Throttled,
)
from govbridge.core.password_policy import MIN_LENGTH
from govbridge.core.permissions import Permission
from govbridge.identity import auth, clients, organizations, users
from govbridge.identity.schemas import ClientCreate, LoginResult
from govbridge.runtime import Ctx
from govbridge.web import csrf, i18n, session
from govbridge.web.format import mask_subject
from govbridge.web.forms import FormError, message
from govbridge.web.frame import Viewer, error_page, redirect, submit, viewer_of, web_page
from govbridge.web.nav import pages_for
from govbridge.web.render import render
from govbridge.web.translations import N_, Labels, text_for

log = logging.getLogger("govbridge.web")
router = APIRouter(include_in_schema=False)

AUDIT_LIMIT = 200
LOGIN_NOTICES: Labels = {
    "signed_out": N_("You have been logged out."),
    "expired": N_("Your session expired or was closed; please log in again."),
}
FormStr = Annotated[str, Form()]


def not_found_page(request: Request) -> Response:
    """The page a person gets for a URL that does not exist (the API keeps JSON problems)."""
    lang = session.language(request)
    return error_page(
        request, lang, 404, text_for(lang).gettext("Not found"),
        text_for(lang).gettext("What you are looking for does not exist: %(detail)s",
                               detail=request.url.path),
    )


# --- language -------------------------------------------------------------------------------


@router.get("/lang/{code}")
def switch_language(code: str, request: Request, next: str | None = None) -> Response:
    lang = i18n.normalize(code) or i18n.DEFAULT_LANG
    response = redirect(session.safe_next(next))
    session.set_language(response, request, runtime(request).settings, lang)
    return response


# --- login ----------------------------------------------------------------------------------


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
    response = render(
        request,
        "identity/login.html",
        lang,
        status=status,
        csrf_token=token,
        username=username,
        errors=errors or [],
        notice=notice,
    )
    # Set (or refresh) the double-submit cookie each time the form is shown.
    session.set_login_csrf(response, request, runtime(request).settings, token)
    return response


def _signed_in(ctx: Ctx, request: Request) -> bool:
    token = session.session_token(request)
    if token is None:
        return False
    try:
        auth.actor_for_session(ctx, token)
    except (AuthenticationFailed, SecondFactorRequired):
        return False
    return True


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
    csrf.check(csrf_token, request.cookies.get(csrf.LOGIN_COOKIE))
    username = username.strip()[:64]
    if not username or not password:
        return _login_page(
            request,
            lang,
            username=username,
            status=400,
            errors=[message(lang, N_("Enter your username and password."))],
        )
    try:
        with rt.context() as ctx:
            previous = session.session_token(request)
            if previous:
                auth.logout(ctx, previous)
            result = auth.login(ctx, username, password[:256],
                                client_address=session.client_address(request, rt.settings))
    except AuthenticationFailed:
        return _login_page(
            request, lang, username=username, status=401,
            errors=[message(lang, N_("Wrong username or password."))],
        )
    except Throttled as exc:
        return _throttled(request, lang, exc, username)
    target = {"none": "/", "verify": "/login/totp", "enroll": "/login/enroll"}
    response = redirect(target[result.second_factor])
    session.set_session(response, request, rt.settings, result.session_token)
    return response


def _throttled(request: Request, lang: str, exc: Throttled, username: str = "") -> Response:
    """429 with Retry-After: the same page whatever name was tried."""
    response = _login_page(
        request, lang, username=username, status=429,
        errors=[FormError(None, None, text_for(lang).ngettext(
            "Too many login attempts from your address. Try again in %(num)s minute.",
            "Too many login attempts from your address. Try again in %(num)s minutes.",
            max(1, -(-exc.retry_after // 60))))],
    )
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _renewed(request: Request, result: LoginResult) -> Response:
    """The second factor is done: on to the home page with the new session's cookie."""
    response = redirect("/")
    session.set_session(response, request, runtime(request).settings, result.session_token)
    return response


def _pending_csrf(ctx: Ctx, request: Request) -> tuple[str, str]:
    """The half-open session's token and CSRF token (the password step is done)."""
    token = session.session_token(request)
    if token is None:
        raise AuthenticationFailed("not signed in")
    return token, auth.session_csrf(ctx, token)


@router.get("/login/totp")
@web_page
def totp_form(request: Request) -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        if _signed_in(ctx, request):
            return redirect("/")
        _token, token_csrf = _pending_csrf(ctx, request)
    return render(request, "identity/totp.html", lang, csrf_token=token_csrf)


@router.post("/login/totp")
@web_page
def totp_submit(request: Request, totp_code: FormStr = "", csrf_token: FormStr = "") -> Response:
    lang = session.language(request)
    rt = runtime(request)
    try:
        with rt.context() as ctx:
            token, token_csrf = _pending_csrf(ctx, request)
            csrf.check(csrf_token, token_csrf)
            result = auth.verify_second_factor(
                ctx, token, totp_code[:16],
                client_address=session.client_address(request, rt.settings))
    except SecondFactorRequired:
        return redirect("/login/enroll")
    except Throttled as exc:
        return _throttled(request, lang, exc)
    except InvalidInput as exc:
        with rt.context() as ctx:
            _token, token_csrf = _pending_csrf(ctx, request)
        problem = (
            N_("Wrong or already used code. Wait for the next code and try again.")
            if totp_code.strip() else N_("Enter the 6-digit one-time code."))
        log.info("wrong one-time code at login: %s", exc.detail)
        return render(
            request,
            "identity/totp.html",
            lang,
            status=401,
            csrf_token=token_csrf,
            errors=[message(lang, problem)],
        )
    return _renewed(request, result)


@router.get("/login/enroll")
@web_page
def enroll_form(request: Request, error: str | None = None) -> Response:
    lang = session.language(request)
    try:
        with runtime(request).context() as ctx:
            token, token_csrf = _pending_csrf(ctx, request)
            secret, uri = auth.begin_enrollment(ctx, token)
    except InvalidInput:  # already enrolled: this login proves a code instead
        return redirect("/login/totp")
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    wrong = N_("Wrong code. A new secret has been generated: scan the new QR code and try again.")
    errors = [message(lang, wrong)] if error == "wrong" else []
    response = render(
        request,
        "identity/enroll.html",
        lang,
        status=401 if errors else 200,
        csrf_token=token_csrf,
        secret=secret,
        uri=uri,
        qr=qr,
        errors=errors,
    )
    return response


@router.post("/login/enroll")
@web_page
def enroll_submit(request: Request, totp_code: FormStr = "", csrf_token: FormStr = "") -> Response:
    rt = runtime(request)
    try:
        with rt.context() as ctx:
            token, token_csrf = _pending_csrf(ctx, request)
            csrf.check(csrf_token, token_csrf)
            result = auth.confirm_enrollment(
                ctx, token, totp_code[:16],
                client_address=session.client_address(request, rt.settings))
    except Throttled as exc:
        return _throttled(request, session.language(request), exc)
    except InvalidInput:
        # The pending seed cannot be shown again, so a fresh one is offered.
        return redirect("/login/enroll?error=wrong")
    return _renewed(request, result)


@router.post("/logout")
@web_page
def logout(request: Request, csrf_token: FormStr = "") -> Response:
    rt = runtime(request)
    with rt.context() as ctx:
        token, token_csrf = _pending_csrf(ctx, request)
        csrf.check(csrf_token, token_csrf)
        auth.logout(ctx, token)
    response = redirect("/login?notice=signed_out")
    session.clear_session(response, request, rt.settings)
    return response


# --- pages for signed-in users --------------------------------------------------------------


@router.get("/")
@web_page
def home(request: Request) -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
    p = viewer.profile
    return render(
        request,
        "home.html",
        lang,
        viewer=viewer,
        org_name=viewer.org_name(lang),
        subject=mask_subject(p.subject_type, p.subject_id),
        pages=pages_for(viewer.actor.permissions),
    )


@router.get("/organizations")
@web_page
def organizations_page(request: Request) -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        orgs = organizations.list_organizations(ctx, viewer.actor)
    names = {o.code: (o.name_en if lang == "en" and o.name_en else o.name) for o in orgs}
    return render(request, "identity/organizations.html", lang, viewer=viewer, orgs=orgs,
                  names=names)


@router.get("/users")
@web_page
def users_page(request: Request, reveal: bool = False) -> Response:
    """The accounts the viewer may see, through the one use case (identity/users.py):
    applicants' identifiers masked, in full only on `?reveal=1` by the bureau (audited)."""
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        listed = users.list_users(ctx, viewer.actor, reveal=reveal)
    perms = viewer.actor.permissions
    return render(
        request, "identity/users.html", lang, viewer=viewer, rows=listed, revealed=reveal,
        can_reveal=Permission.APPLICANT_ID_READ in perms,
        own_org_only=Permission.USER_READ_ALL not in perms,
    )


@router.get("/audit")
@web_page
def audit_page(request: Request) -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        events = [
            (e, json.dumps(e.details, ensure_ascii=False, sort_keys=True) if e.details else "")
            for e in list_events(ctx, viewer.actor, limit=AUDIT_LIMIT)
        ]
    return render(request, "identity/audit.html", lang, viewer=viewer, events=events,
                  limit=AUDIT_LIMIT)


# --- system clients -------------------------------------------------------------------------


def _client_org_choices(ctx: Ctx, viewer: Viewer, lang: str) -> list[tuple[str, str]]:
    """Organizations offered in the create form: all for a platform-wide manager, else
    the viewer's own. The use case decides what is allowed; this only shapes the form."""
    if Permission.CLIENT_MANAGE in viewer.actor.permissions:
        return [
            (o.code, (o.name_en if lang == "en" and o.name_en else o.name))
            for o in organizations.list_organizations(ctx, viewer.actor)
        ]
    code = viewer.profile.organization_code
    return [(code, viewer.org_name(lang) or code)] if code else []


def _clients_page(
    request: Request,
    lang: str,
    *,
    errors: list[FormError] | None = None,
    form: dict[str, str] | None = None,
    revoked: str | None = None,
    status: int = 200,
) -> Response:
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        listed = clients.list_clients(ctx, viewer.actor)
        choices = _client_org_choices(ctx, viewer, lang)
    names = dict(choices)
    notice = None
    if revoked and any(c.key_id == revoked and c.revoked_at for c in listed):
        notice = text_for(lang).gettext(
            "System client %(key_id)s is revoked; calls with its key are refused.",
            key_id=revoked)
    return render(
        request,
        "identity/clients.html",
        lang,
        status=status,
        viewer=viewer,
        clients=listed,
        choices=choices,
        names=names,
        errors=errors or [],
        notice=notice,
        form=form or {"organization_code": viewer.profile.organization_code or "", "name": ""},
    )


@router.get("/clients")
@web_page
def clients_page(request: Request, revoked: str | None = None) -> Response:
    return _clients_page(request, session.language(request), revoked=revoked)


@router.post("/clients")
@web_page
def clients_create(
    request: Request, organization_code: FormStr = "", name: FormStr = "", csrf_token: FormStr = ""
) -> Response:
    lang = session.language(request)

    def create(ctx: Ctx, viewer: Viewer) -> tuple[Viewer, Any]:
        data = ClientCreate(organization_code=organization_code, name=name)
        return viewer, clients.create_client(ctx, viewer.actor, data)

    return submit(
        request, create, csrf_token=csrf_token,
        done=lambda made: render(request, "identity/client_created.html", lang, viewer=made[0],
                                 client=made[1]),
        again=lambda errors, status: _clients_page(
            request, lang, errors=errors, status=status,
            form={"organization_code": organization_code, "name": name}),
    )


@router.post("/clients/{key_id}/revoke")
@web_page
def clients_revoke(key_id: str, request: Request, csrf_token: FormStr = "") -> Response:
    return submit(
        request, lambda ctx, viewer: clients.revoke_client(ctx, viewer.actor, key_id),
        csrf_token=csrf_token, done=lambda revoked: redirect(f"/clients?revoked={revoked.key_id}"),
    )


# --- own account ----------------------------------------------------------------------------


def _password_page(
    request: Request,
    lang: str,
    *,
    errors: list[FormError] | None = None,
    done: bool = False,
    status: int = 200,
) -> Response:
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
    return render(
        request,
        "identity/password.html",
        lang,
        status=status,
        viewer=viewer,
        errors=errors or [],
        done=done,
        min_length=MIN_LENGTH,
    )


@router.get("/account/password")
@web_page
def password_form(request: Request) -> Response:
    return _password_page(request, session.language(request))


@router.post("/account/password")
@web_page
def password_submit(
    request: Request,
    old_password: FormStr = "",
    new_password: FormStr = "",
    confirm_password: FormStr = "",
    csrf_token: FormStr = "",
) -> Response:
    lang = session.language(request)
    mismatch = new_password != confirm_password

    def change(ctx: Ctx, viewer: Viewer) -> None:
        if not mismatch:
            users.set_password(ctx, viewer.actor, viewer.profile.username, new_password,
                               old_password=old_password)

    def done(_: None) -> Response:
        if mismatch:
            return _password_page(
                request, lang, status=422,
                errors=[message(lang, N_("The two new passwords differ."))],
            )
        return _password_page(request, lang, done=True)

    return submit(
        request, change, csrf_token=csrf_token, done=done, catch=(InvalidInput,),
        again=lambda errors, status: _password_page(request, lang, errors=errors, status=status),
        count=runtime(request).settings.password_history,
    )
