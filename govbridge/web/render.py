"""Rendering pages: Jinja2 templates with the language, menu and cache headers.

Templates sit in a folder per area, named like the web modules that render them:
`agreements/`, `cases/`, `services/`, `catalog/`, `exchange/` (console, ledger, a
citizen's accesses, access flags), `identity/` (sign-in, second factor, password, and
the admin pages for users, clients, organizations and the audit log), `quality/`,
`verify/`. A page's name is what it shows within its area (`cases/desk_one.html`);
a leading underscore marks a partial that only other templates include or import
(`cases/_parts.html`). The frame every area shares stays at the top level, unfoldered,
so a name without a folder means "used by all": `base.html` (the page frame),
`error.html` (any page's error), `_errors.html` (a form's problem list) and
`home.html` (the landing page, which links to every area).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from govbridge.api.deps import runtime
from govbridge.web import format as fmt
from govbridge.web import i18n, labels, session
from govbridge.web.csrf import FIELD as CSRF_FIELD
from govbridge.web.translations import text_for, translations_for

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"


@cache
def templates_for(lang: str) -> Jinja2Templates:
    """The templates of one UI language, its translations installed in their environment.

    One environment per language, each installed once: installing a request's
    translations into a shared environment would race between threads that serve
    pages in different languages at the same time.
    """
    templates = Jinja2Templates(directory=TEMPLATES)
    env = templates.env
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_translations(translations_for(lang), newstyle=True)  # type: ignore[attr-defined]
    text = text_for(lang)
    env.globals.update(CSRF_FIELD=CSRF_FIELD, labels=labels, label_of=text.label, tr=text)
    env.filters["when"] = fmt.when
    env.filters["cst"] = fmt.when_cst
    env.filters["cst_ms"] = fmt.when_cst_ms
    return templates


@cache
def _version(name: str) -> str:
    path = STATIC / name
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.is_file() else "0"


def static_url(name: str) -> str:
    """The URL of a static file, versioned by content so caches never serve a stale one."""
    return f"/static/{name}?v={_version(name)}"


def switch_url(request: Request, lang: str) -> str:
    """The header's language link: back to this page (without ?lang=) in `lang`."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    here = request.url.path + (f"?{urlencode(query)}" if query else "")
    return f"/lang/{lang}?{urlencode({'next': here})}"


def render(
    request: Request, template: str, lang: str, *, status: int = 200, **context: Any
) -> HTMLResponse:
    other = i18n.other_language(lang)
    response = templates_for(lang).TemplateResponse(
        request,
        template,
        {
            "lang": lang,
            "static_url": static_url,
            "lang_switch_url": switch_url(request, other),
            "current_path": request.url.path,
            "viewer": None,
            "errors": [],
            **context,
        },
        status_code=status,
    )
    # Pages show personal data and one-time secrets: never store them in a cache.
    response.headers["Cache-Control"] = "no-store"
    # A language asked for with ?lang= sticks, so the page's own forms and links keep it.
    asked = i18n.normalize(request.query_params.get("lang"))
    if asked and asked != i18n.normalize(request.cookies.get(session.LANG_COOKIE)):
        session.set_language(response, request, runtime(request).settings, asked)
    return response
