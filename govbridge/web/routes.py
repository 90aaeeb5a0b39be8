"""The web UI's root router: the language switch, the page for an unknown URL, home, the
admin lists (organizations, users, audit log), system clients and one's own password;
it takes in the sign-in steps (login_pages.py), so `create_app` mounts the two as one.

Every handler runs use cases in one `Runtime.context()` and renders a template; a form
POST goes through `frame.submit`. Rules live in the use cases; the frame every page
shares (the viewer, the CSRF check, `web_page`, `submit`) is `web/frame.py`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from govbridge.api.deps import runtime
from govbridge.audit.record import list_events
from govbridge.core.errors import InvalidInput
from govbridge.core.password_policy import MIN_LENGTH
from govbridge.core.permissions import Permission
from govbridge.identity import clients, organizations, users
from govbridge.identity.schemas import ClientCreate
from govbridge.runtime import Ctx
from govbridge.web import i18n, login_pages, session
from govbridge.web.format import mask_subject
from govbridge.web.forms import FormError, message
from govbridge.web.frame import Refused, Viewer, error_page, redirect, submit, viewer_of, web_page
from govbridge.web.nav import pages_for
from govbridge.web.render import render
from govbridge.web.translations import N_, text_for

router = APIRouter(include_in_schema=False)
router.include_router(login_pages.router)

AUDIT_LIMIT = 200
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

    def change(ctx: Ctx, viewer: Viewer) -> None:
        if new_password != confirm_password:
            raise Refused([message(lang, N_("The two new passwords differ."))], 422)
        users.set_password(ctx, viewer.actor, viewer.profile.username, new_password,
                           old_password=old_password)

    return submit(
        request, change, csrf_token=csrf_token, catch=(InvalidInput,),
        done=lambda _: _password_page(request, lang, done=True),
        again=lambda errors, status: _password_page(request, lang, errors=errors, status=status),
        count=runtime(request).settings.password_history,
    )
