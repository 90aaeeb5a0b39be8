"""The web UI's pages: login (password, TOTP, enrollment), home, and the admin lists.

Every handler parses its form, runs use cases in one `Runtime.context()` and
renders a template; rules live in the use cases. `web_page` turns the domain's
errors into pages: no session → the login page, a missing permission → a 403
page naming it, a bad CSRF token → a 403 page with nothing changed.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from govbridge.api.deps import runtime
from govbridge.audit.record import list_events
from govbridge.core.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    SecondFactorRequired,
    Throttled,
)
from govbridge.core.password_policy import MIN_LENGTH
from govbridge.core.permissions import Permission
from govbridge.identity import auth, clients, organizations, users
from govbridge.identity.actor import Actor
from govbridge.identity.profile import Profile, my_profile
from govbridge.identity.schemas import ClientCreate, LoginResult
from govbridge.runtime import Ctx
from govbridge.web import csrf, i18n, session
from govbridge.web.format import mask_subject
from govbridge.web.forms import FormError, describe, message, problems_of
from govbridge.web.i18n import t
from govbridge.web.nav import NavItem, nav_for, pages_for
from govbridge.web.render import render

log = logging.getLogger("govbridge.web")
router = APIRouter(include_in_schema=False)

AUDIT_LIMIT = 200
LOGIN_NOTICES = {"signed_out": "login.notice.signed_out", "expired": "login.notice.expired"}
FormStr = Annotated[str, Form()]


@dataclass(frozen=True)
class Viewer:
    """The signed-in user as every logged-in page needs them."""

    actor: Actor
    profile: Profile
    csrf: str
    nav: list[NavItem]

    def org_name(self, lang: str) -> str | None:
        p = self.profile
        return (p.organization_name_en if lang == "en" else None) or p.organization_name


def _viewer(ctx: Ctx, request: Request) -> Viewer:
    token = session.session_token(request)
    if token is None:
        raise AuthenticationFailed("not signed in")
    actor = auth.actor_for_session(ctx, token)
    return Viewer(
        actor, my_profile(ctx, actor), auth.session_csrf(ctx, token), nav_for(actor.permissions)
    )


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _error_page(request: Request, lang: str, status: int, title: str, text: str) -> Response:
    """An error page, inside the signed-in frame (menu, logout) when there is a session."""
    viewer = None
    if session.session_token(request) is not None:
        try:
            with runtime(request).context() as ctx:
                viewer = _viewer(ctx, request)
        except Exception:  # noqa: BLE001 - the error page renders whatever state the session is in
            viewer = None
    return render(request, "error.html", lang, status=status, title=title, text=text, viewer=viewer)


def not_found_page(request: Request) -> Response:
    """The page a person gets for a URL that does not exist (the API keeps JSON problems)."""
    lang = session.language(request)
    return _error_page(
        request, lang, 404, t(lang, "error.404.title"),
        t(lang, "error.404.text", detail=request.url.path),
    )


def web_page(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Render the domain's errors as pages instead of the API's JSON problems."""

    @functools.wraps(handler)
    def wrapper(**kwargs: Any) -> Response:
        request: Request = kwargs["request"]
        lang = session.language(request)
        try:
            return handler(**kwargs)
        except csrf.CsrfRejected:
            return _error_page(
                request, lang, 403, t(lang, "error.csrf.title"), t(lang, "error.csrf.text")
            )
        except SecondFactorRequired:
            # Password accepted, code still due: back to the code form (which sends a
            # user without an authenticator on to enrollment).
            return _redirect("/login/totp")
        except AuthenticationFailed:
            had_session = session.session_token(request) is not None
            response = _redirect("/login?notice=expired" if had_session else "/login")
            if had_session:
                session.clear_session(response, request, runtime(request).settings)
            return response
        except PermissionDenied as exc:
            key = f"perm.{exc.permission}"
            label = t(lang, key) if i18n.has(lang, key) else exc.permission
            return _error_page(
                request,
                lang,
                403,
                t(lang, "error.403.title"),
                t(lang, "error.403.text", label=label, permission=exc.permission),
            )
        except NotFound as exc:
            return _error_page(
                request,
                lang,
                404,
                t(lang, "error.404.title"),
                t(lang, "error.404.text", detail=exc.detail),
            )
        except DomainError as exc:
            return _error_page(request, lang, exc.status, t(lang, "error.400.title"), exc.detail)
        except Exception:
            log.exception("unhandled error on %s %s", request.method, request.url.path)
            return _error_page(
                request, lang, 500, t(lang, "error.500.title"), t(lang, "error.500.text")
            )

    return wrapper


# --- language -------------------------------------------------------------------------------


@router.get("/lang/{code}")
def switch_language(code: str, request: Request, next: str | None = None) -> Response:
    lang = i18n.normalize(code) or i18n.DEFAULT_LANG
    response = _redirect(session.safe_next(next))
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
        "login.html",
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
            return _redirect("/")
    key = LOGIN_NOTICES.get(notice or "")
    return _login_page(request, lang, notice=t(lang, key) if key else None)


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
            errors=[message(lang, "login.error.required")],
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
            errors=[message(lang, "login.error.wrong")],
        )
    except Throttled as exc:
        return _throttled(request, lang, exc, username)
    target = {"none": "/", "verify": "/login/totp", "enroll": "/login/enroll"}
    response = _redirect(target[result.second_factor])
    session.set_session(response, request, rt.settings, result.session_token)
    return response


def _throttled(request: Request, lang: str, exc: Throttled, username: str = "") -> Response:
    """429 with Retry-After: the same page whatever name was tried."""
    response = _login_page(
        request, lang, username=username, status=429,
        errors=[message(lang, "login.error.throttled",
                        minutes=max(1, -(-exc.retry_after // 60)))],
    )
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _renewed(request: Request, result: LoginResult) -> Response:
    """The second factor is done: on to the home page with the new session's cookie."""
    response = _redirect("/")
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
            return _redirect("/")
        _token, token_csrf = _pending_csrf(ctx, request)
    return render(request, "totp.html", lang, csrf_token=token_csrf)


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
        return _redirect("/login/enroll")
    except Throttled as exc:
        return _throttled(request, lang, exc)
    except InvalidInput as exc:
        with rt.context() as ctx:
            _token, token_csrf = _pending_csrf(ctx, request)
        key = "totp.error.wrong" if totp_code.strip() else "totp.error.required"
        log.info("wrong one-time code at login: %s", exc.detail)
        return render(
            request,
            "totp.html",
            lang,
            status=401,
            csrf_token=token_csrf,
            errors=[message(lang, key)],
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
        return _redirect("/login/totp")
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    errors = [message(lang, "enroll.error.wrong")] if error == "wrong" else []
    response = render(
        request,
        "enroll.html",
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
        return _redirect("/login/enroll?error=wrong")
    return _renewed(request, result)


@router.post("/logout")
@web_page
def logout(request: Request, csrf_token: FormStr = "") -> Response:
    rt = runtime(request)
    with rt.context() as ctx:
        token, token_csrf = _pending_csrf(ctx, request)
        csrf.check(csrf_token, token_csrf)
        auth.logout(ctx, token)
    response = _redirect("/login?notice=signed_out")
    session.clear_session(response, request, rt.settings)
    return response


# --- pages for signed-in users --------------------------------------------------------------


@router.get("/")
@web_page
def home(request: Request) -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = _viewer(ctx, request)
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
        viewer = _viewer(ctx, request)
        orgs = organizations.list_organizations(ctx, viewer.actor)
    names = {o.code: (o.name_en if lang == "en" and o.name_en else o.name) for o in orgs}
    return render(request, "organizations.html", lang, viewer=viewer, orgs=orgs, names=names)


@router.get("/users")
@web_page
def users_page(request: Request, reveal: bool = False) -> Response:
    """The accounts the viewer may see, through the one use case (identity/users.py):
    applicants' identifiers masked, in full only on `?reveal=1` by the bureau (audited)."""
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = _viewer(ctx, request)
        listed = users.list_users(ctx, viewer.actor, reveal=reveal)
    perms = viewer.actor.permissions
    return render(
        request, "users.html", lang, viewer=viewer, rows=listed, revealed=reveal,
        can_reveal=Permission.APPLICANT_ID_READ in perms,
        own_org_only=Permission.USER_READ_ALL not in perms,
    )


@router.get("/audit")
@web_page
def audit_page(request: Request) -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = _viewer(ctx, request)
        events = [
            (e, json.dumps(e.details, ensure_ascii=False, sort_keys=True) if e.details else "")
            for e in list_events(ctx, viewer.actor, limit=AUDIT_LIMIT)
        ]
    return render(request, "audit.html", lang, viewer=viewer, events=events, limit=AUDIT_LIMIT)


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
        viewer = _viewer(ctx, request)
        listed = clients.list_clients(ctx, viewer.actor)
        choices = _client_org_choices(ctx, viewer, lang)
    names = dict(choices)
    notice = None
    if revoked and any(c.key_id == revoked and c.revoked_at for c in listed):
        notice = t(lang, "clients.revoked_ok", key_id=revoked)
    return render(
        request,
        "clients.html",
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
    try:
        with runtime(request).context() as ctx:
            viewer = _viewer(ctx, request)
            csrf.check(csrf_token, viewer.csrf)
            created = clients.create_client(
                ctx, viewer.actor, ClientCreate(organization_code=organization_code, name=name)
            )
    except (InvalidInput, Conflict, ValidationError) as exc:
        status = 409 if isinstance(exc, Conflict) else 422
        return _clients_page(
            request,
            lang,
            errors=describe(lang, problems_of(exc)),
            form={"organization_code": organization_code, "name": name},
            status=status,
        )
    return render(request, "client_created.html", lang, viewer=viewer, client=created)


@router.post("/clients/{key_id}/revoke")
@web_page
def clients_revoke(key_id: str, request: Request, csrf_token: FormStr = "") -> Response:
    with runtime(request).context() as ctx:
        viewer = _viewer(ctx, request)
        csrf.check(csrf_token, viewer.csrf)
        revoked = clients.revoke_client(ctx, viewer.actor, key_id)
    return _redirect(f"/clients?revoked={revoked.key_id}")


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
        viewer = _viewer(ctx, request)
    return render(
        request,
        "password.html",
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
    rt = runtime(request)
    mismatch = new_password != confirm_password
    try:
        with rt.context() as ctx:
            viewer = _viewer(ctx, request)
            csrf.check(csrf_token, viewer.csrf)
            if not mismatch:
                users.set_password(
                    ctx,
                    viewer.actor,
                    viewer.profile.username,
                    new_password,
                    old_password=old_password,
                )
    except InvalidInput as exc:
        errors = describe(lang, problems_of(exc), count=rt.settings.password_history)
        return _password_page(request, lang, errors=errors, status=422)
    if mismatch:
        return _password_page(
            request, lang, status=422, errors=[message(lang, "password.mismatch")]
        )
    return _password_page(request, lang, done=True)
