"""The frame every page stands in: who is looking, the CSRF check, redirects, error pages,
and one way to handle a form POST.

A page handler is `@web_page`: the domain's errors become pages (no session → the
login page, a missing permission → a 403 page naming it, a bad CSRF token → a 403
page with nothing changed). A form POST goes through `submit`, as netbox's generic
edit views serve every form:

    return submit(request, lambda ctx, viewer: usecase(ctx, viewer.actor, data),
                  csrf_token=csrf_token, done=lambda made: redirect(f"/x/{made.code}"),
                  again=lambda errors, status: _form_page(request, lang, errors=errors,
                                                          status=status))

It opens one `Runtime.context()`, finds who submits and checks the form's CSRF token
(`who`: the signed-in viewer unless told; the sign-in steps pass their own, the login
form's cookie or the half-open session, see login_pages.py), runs the action; a
problem with the input (`InvalidInput`, `Conflict`, pydantic's `ValidationError`, or
what `catch` names) is worded by `forms.errors_of` in the area's `Wording` and the
form is shown `again` with its status (422, 409, the error's own; a throttled refusal
adds Retry-After); else `done` answers, usually with a 303 redirect. What `catch`
does not name goes on to `web_page`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from govbridge.api.deps import runtime
from govbridge.core.errors import (
    AuthenticationFailed,
    DomainError,
    NotFound,
    PermissionDenied,
    SecondFactorRequired,
    Throttled,
)
from govbridge.identity import auth
from govbridge.identity.actor import Actor
from govbridge.identity.profile import Profile, my_profile
from govbridge.notifications import usecases as notifications
from govbridge.runtime import Ctx
from govbridge.web import csrf, labels, session
from govbridge.web.forms import FORM_PROBLEMS, PLAIN, FormError, Wording, errors_of
from govbridge.web.nav import NavItem, nav_for
from govbridge.web.render import render
from govbridge.web.translations import text_for

log = logging.getLogger("govbridge.web")
T = TypeVar("T")
W = TypeVar("W")


@dataclass(frozen=True)
class Viewer:
    """The signed-in user as every logged-in page needs them."""

    actor: Actor
    profile: Profile
    csrf: str
    nav: list[NavItem]
    unread: int = 0  # unread notifications, shown beside the name in the header

    def org_name(self, lang: str) -> str | None:
        p = self.profile
        return (p.organization_name_en if lang == "en" else None) or p.organization_name


def viewer_of(ctx: Ctx, request: Request) -> Viewer:
    """The signed-in user of this request (`AuthenticationFailed` without a session)."""
    token = session.session_token(request)
    if token is None:
        raise AuthenticationFailed("not signed in")
    actor = auth.actor_for_session(ctx, token)
    return Viewer(
        actor, my_profile(ctx, actor), auth.session_csrf(ctx, token), nav_for(actor.permissions),
        notifications.unread_count(ctx, actor),
    )


def checked_viewer(ctx: Ctx, request: Request, csrf_token: str | None) -> Viewer:
    """The viewer of a form POST, once the form's CSRF token is theirs (else `CsrfRejected`,
    before anything else runs)."""
    viewer = viewer_of(ctx, request)
    csrf.check(csrf_token, viewer.csrf)
    return viewer


def redirect(url: str) -> RedirectResponse:
    """303 See Other: after a POST the browser GETs the page it is sent to."""
    return RedirectResponse(url, status_code=303)


class Refused(Exception):
    """A form refused by the page itself (an empty or too large file, a name that finds
    nothing): `submit` shows the form again with these errors and this status."""

    def __init__(self, errors: list[FormError], status: int = 422) -> None:
        super().__init__(errors[0].message if errors else "refused")
        self.errors = errors
        self.status = status


def submit(
    request: Request,
    action: Callable[[Ctx, W], T],
    *,
    csrf_token: str | None,
    done: Callable[[T], Response],
    again: Callable[[list[FormError], int], Response] | None = None,
    catch: tuple[type[Exception], ...] = FORM_PROBLEMS,
    wording: Wording = PLAIN,
    who: Callable[[Ctx, Request, str | None], W] = checked_viewer,  # type: ignore[assignment]
    **params: object,
) -> Response:
    """Run a form's `action` for `who` submits it (the checked viewer unless told) in one
    context; show the form `again` with the worded errors of what `catch` names (and of
    `Refused`), else answer `done`. Without `again` nothing is caught: every error goes on
    to `web_page`."""
    lang = session.language(request)
    if again is None:
        catch = ()
    try:
        with runtime(request).context() as ctx:
            result = action(ctx, who(ctx, request, csrf_token))
    except Refused as exc:
        if again is None:
            raise
        return again(exc.errors, exc.status)
    except catch as exc:
        assert again is not None
        errors, status = errors_of(lang, exc, wording, **params)
        response = again(errors, status)
        if isinstance(exc, Throttled):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    return done(result)


def error_page(request: Request, lang: str, status: int, title: str, text: str) -> Response:
    """An error page, inside the signed-in frame (menu, logout) when there is a session."""
    viewer = None
    if session.session_token(request) is not None:
        try:
            with runtime(request).context() as ctx:
                viewer = viewer_of(ctx, request)
        except Exception:  # noqa: BLE001 - the error page renders whatever state the session is in
            viewer = None
    return render(request, "error.html", lang, status=status, title=title, text=text, viewer=viewer)


def web_page(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Render the domain's errors as pages instead of the API's JSON problems."""

    @functools.wraps(handler)
    def wrapper(**kwargs: Any) -> Response:
        request: Request = kwargs["request"]
        lang = session.language(request)
        text = text_for(lang)
        try:
            return handler(**kwargs)
        except csrf.CsrfRejected:
            return error_page(
                request, lang, 403, text.gettext("Request could not be verified"),
                text.gettext("The form expired or its origin could not be verified; nothing was "
                             "done. Go back, reload the page and try again."),
            )
        except SecondFactorRequired:
            # Password accepted, code still due: back to the code form (which sends a
            # user without an authenticator on to enrollment).
            return redirect("/login/totp")
        except AuthenticationFailed:
            had_session = session.session_token(request) is not None
            response = redirect("/login?notice=expired" if had_session else "/login")
            if had_session:
                session.clear_session(response, request, runtime(request).settings)
            return response
        except PermissionDenied as exc:
            label = text.label(labels.PERM, exc.permission)
            return error_page(
                request,
                lang,
                403,
                text.gettext("Access denied"),
                text.gettext("Your account lacks the permission “%(label)s” (%(permission)s) "
                             "needed for this.", label=label, permission=exc.permission),
            )
        except NotFound as exc:
            return error_page(
                request,
                lang,
                404,
                text.gettext("Not found"),
                text.gettext("What you are looking for does not exist: %(detail)s",
                             detail=exc.detail),
            )
        except DomainError as exc:
            return error_page(request, lang, exc.status,
                              text.gettext("Request cannot be processed"), exc.detail)
        except Exception:
            log.exception("unhandled error on %s %s", request.method, request.url.path)
            return error_page(
                request, lang, 500, text.gettext("System error"),
                text.gettext("An unexpected error occurred and has been logged. "
                             "Please try again later."),
            )

    return wrapper
