"""Pure parts of the web UI: menu, cookie rule, redirects, masking, catalogs, templates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from govbridge.core.permissions import Permission, Role, permissions_of
from govbridge.web import i18n, labels
from govbridge.web.format import mask_subject
from govbridge.web.nav import nav_for, pages_for
from govbridge.web.session import cookie_secure, safe_next

WEB = Path(__file__).resolve().parents[2] / "govbridge" / "web"
TEMPLATES = sorted((WEB / "templates").rglob("*.html"))

EXPECTED_NAV = {
    Role.BUREAU_ADMIN: [
        "home", "catalog", "review", "quality", "agreements", "ledger", "items", "holidays",
        "figures", "campaigns", "organizations", "users", "clients", "audit", "incidents",
        "privacy",
        "scorecards",
        "points",
        "analytics",
    ],
    Role.DATA_OFFICER: [
        "home", "catalog", "publish", "quality", "agreements", "request", "inbox", "console",
        "ledger", "issuance", "campaigns", "users", "clients", "dispatches", "privacy",
        "scorecards", "points", "analytics",
    ],
    Role.CLERK: ["home", "catalog", "desk"],
    Role.APPROVER: ["home", "catalog", "tasks", "issuance"],
    Role.AUDITOR: [
        "home", "catalog", "quality", "agreements", "ledger", "flags", "figures", "campaigns",
        "users", "audit", "privacy", "scorecards", "points", "analytics",
    ],
    Role.APPLICANT: ["home", "accesses", "services", "applications", "computations"],
}


@pytest.mark.parametrize("role", list(Role))
def test_nav_follows_the_roles_permissions(role):
    assert [i.key for i in nav_for(permissions_of({role}))] == EXPECTED_NAV[role]


def test_nav_items_come_from_permissions_alone():
    assert [i.key for i in nav_for([])] == ["home"]
    assert [i.path for i in pages_for([Permission.CLIENT_MANAGE_OWN_ORG])] == ["/clients"]
    assert [i.key for i in pages_for([Permission.AUDIT_READ, Permission.ORG_MANAGE])] == [
        "organizations",
        "audit",
    ]
    # Several roles: the union, each page once, menu order kept.
    both = permissions_of({Role.AUDITOR, Role.DATA_OFFICER})
    assert [i.key for i in nav_for(both)] == [
        "home",
        "catalog",
        "publish",
        "quality",
        "agreements",
        "request",
        "inbox",
        "console",
        "ledger",
        "flags",
        "figures",
        "issuance",
        "campaigns",
        "users",
        "clients",
        "audit",
        "dispatches",
        "privacy",
        "scorecards",
        "points",
        "analytics",
    ]
    assert [i.path for i in pages_for([Permission.CATALOG_REVIEW])] == ["/catalog/review"]


@pytest.mark.parametrize(
    ("mode", "public_url", "secure"),
    [
        ("always", "http://localhost:8000", True),
        ("always", "http://127.0.0.1", True),
        ("never", "https://gov.example.cn", False),
        ("auto", "https://gov.example.cn", True),
        ("auto", "HTTPS://gov.example.cn/portal", True),
        ("auto", "https://localhost", True),  # configured https: Secure, whatever the host
        ("auto", "http://gov.example.cn", False),
        ("auto", "http://localhost:8000", False),
        ("auto", "http://10.0.0.8", False),
    ],
)
def test_cookie_secure_rule(mode, public_url, secure):
    """Decided from the configured public URL only (issue 11, finding 10): a request's
    Host header or scheme is the client's to forge."""
    assert cookie_secure(mode, public_url) is secure


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/", "/"),
        ("/clients", "/clients"),
        ("/users?x=1&y=2", "/users?x=1&y=2"),
        (None, "/"),
        ("", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("\\\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("evil.example", "/"),
        ("/ok\r\nSet-Cookie: x=1", "/"),
        ("/%2F%2Fevil.example", "/%2F%2Fevil.example"),  # stays a local path
    ],
)
def test_safe_next_refuses_other_sites(value, expected):
    assert safe_next(value) == expected


def test_mask_subject():
    assert mask_subject("person", "320505199001011234") == "320505********1234"
    assert mask_subject("person", "11010519491231002X") == "110105********002X"
    assert mask_subject("enterprise", "91350100M000100Y43") == "91350100M000100Y43"
    assert mask_subject(None, None) is None
    assert mask_subject("person", "12345") == "*****"


def test_every_role_permission_and_menu_entry_has_a_label():
    # Each label's translation is checked with the catalog (test_catalogs).
    for role in Role:
        assert role.value in labels.ROLE and role.value in labels.DUTY
    for perm in (
        Permission.ORG_MANAGE,
        Permission.USER_READ,
        Permission.CLIENT_MANAGE,
        Permission.CLIENT_MANAGE_OWN_ORG,
        Permission.AUDIT_READ,
    ):
        assert perm.value in labels.PERM
    for item in nav_for(set(Permission)):
        assert item.key in labels.NAV
        if item.key != "home":
            assert item.key in labels.NAV_DESC


def test_languages_are_negotiated_from_any_spelling():
    assert i18n.normalize("en-US") == "en" and i18n.normalize("zh_cn") == "zh-CN"
    assert i18n.normalize("fr") is None
    assert i18n.other_language("en") == "zh-CN" and i18n.other_language("zh-CN") == "en"


@pytest.mark.parametrize(
    "path", TEMPLATES, ids=lambda p: p.relative_to(WEB / "templates").as_posix()
)
def test_templates_obey_the_content_security_policy(path):
    html = path.read_text()
    assert not re.search(r"\sstyle\s*=", html), "inline style attribute"
    assert "<style" not in html, "style element"
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "external resource"


def test_static_files_are_cached_by_version():
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from govbridge.web.assets import BRIEFLY, FOREVER, CachedStaticFiles
    from govbridge.web.render import static_url

    app = FastAPI()
    app.mount("/static", CachedStaticFiles(directory=WEB / "static"), name="static")
    with TestClient(app) as client:
        versioned = client.get(static_url("app.css"))
        assert versioned.status_code == 200 and versioned.headers["cache-control"] == FOREVER
        plain = client.get("/static/app.css")
        assert plain.headers["cache-control"] == BRIEFLY
        again = client.get("/static/app.css", headers={"If-None-Match": plain.headers["etag"]})
        assert again.status_code == 304
    assert static_url("app.css") != "/static/app.css?v=0"


def test_material_labels_for_optional_and_known_details():
    from govbridge.cases.schemas import MaterialOut
    from govbridge.web import labels
    from govbridge.web.case_view import material_status, note_of
    from govbridge.web.translations import text_for

    def m(status: str, required: bool = True, detail: str | None = None) -> MaterialOut:
        return MaterialOut(key="k", name="n", kind="upload", required=required,
                           status=status, source=None, detail=detail)

    zh = text_for("zh-CN")
    assert material_status(m("missing", required=False)) == "optional_missing"
    assert material_status(m("missing")) == "missing"
    no_agreement = note_of(m("missing", detail="no agreement (expired)"))
    assert no_agreement and zh(no_agreement) == "本部门尚无共享协议，由申请人提交"
    assert note_of(m("uploaded", detail="章程.pdf")) is None  # a file name shows as written
    assert zh.label(labels.CASE_MATERIAL, "optional_missing") == "未提交（可选）"
    shared = note_of(m("fetched", detail="arrived by sharing"))
    assert shared and zh(shared) == "已由持有部门通过共享提供"
