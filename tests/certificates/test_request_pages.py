"""Four eyes on a page: the issuing department's other officers are told a certificate
waits for approval (the holder's ID not in the notice), see it on their page and approve
or refuse it there; the officer who asked sees it waiting but gets no buttons, and hears
the decision."""

from __future__ import annotations

import re

import pytest
from certificate_helpers import register
from fastapi.testclient import TestClient
from sqlalchemy import select

from govbridge.api.app import create_app
from govbridge.certificates import usecases
from govbridge.certificates.models import Certificate
from govbridge.certificates.schemas import CertificateIn
from govbridge.core.permissions import Role
from govbridge.notifications import usecases as inbox
from ingest_helpers import company_code
from support import PASSWORD
from tests.notifications.conftest import actor_of

pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HOLDER = company_code(7)


@pytest.fixture
def people(rt, make_user, provider, make_org):
    make_user("amr.asker", [Role.DATA_OFFICER], org=provider["code"])
    make_user("amr.checker", [Role.APPROVER], org=provider["code"])
    make_user("amr.clerk", [Role.CLERK], org=provider["code"])
    make_user("mz.approver", [Role.APPROVER], org=make_org(name="苏州市民政局"))
    return {n: actor_of(rt, n) for n in ("amr.asker", "amr.checker", "amr.clerk",
                                         "mz.approver")}


@pytest.fixture
def asked(rt, people, licence_type) -> int:
    register(rt, HOLDER, "苏州测试7有限公司")
    with rt.context() as ctx:
        made = usecases.issue_certificate(ctx, people["amr.asker"], CertificateIn(
            certificate_type=licence_type, holder_id=HOLDER, holder_name="苏州测试7有限公司",
            data={"legal_rep": "张三"}))
    return made.id


def _client(rt, username: str) -> TestClient:
    client = TestClient(create_app(rt), raise_server_exceptions=False)
    page = client.get("/login")
    resp = client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": CSRF.search(page.text).group(1)},
                       follow_redirects=False)
    assert resp.headers["location"] == "/", resp.text
    return client


def _inbox(rt, actor):
    with rt.context() as ctx:
        return inbox.inbox(ctx, actor)


def test_the_other_officers_are_told_and_the_asker_is_not(rt, people, asked):
    [told] = _inbox(rt, people["amr.checker"])
    assert told.kind == "certificate.requested" and f"#{asked}" in told.subject
    assert HOLDER not in told.subject + told.body
    assert _inbox(rt, people["amr.asker"]) == []
    assert _inbox(rt, people["amr.clerk"]) == []  # no right to issue
    assert _inbox(rt, people["mz.approver"]) == []  # another department


def test_the_checker_refuses_without_reason_then_approves_on_the_page(rt, people, asked):
    asker, checker = _client(rt, "amr.asker"), _client(rt, "amr.checker")
    own = asker.get("/certificates/requests")
    assert own.status_code == 200 and f'id="request-{asked}"' in own.text
    assert 'data-testid="not-yours"' in own.text and 'data-testid="approve"' not in own.text
    page = checker.get("/certificates/requests")
    assert 'data-testid="approve"' in page.text and HOLDER in page.text
    token = CSRF.search(page.text).group(1)
    empty = checker.post(f"/certificates/requests/{asked}/refuse",
                         data={"csrf_token": token, "reason": "  "})
    assert empty.status_code == 422 and 'data-testid="errors"' in empty.text
    done = checker.post(f"/certificates/requests/{asked}/approve", data={"csrf_token": token},
                        follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("notice=approved")
    after = checker.get("/certificates/requests").text
    assert 'data-testid="none-pending"' in after and f'data-id="{asked}" data-state="approved"' \
        in after
    with rt.context() as ctx:
        cert = ctx.db.scalar(select(Certificate).where(Certificate.holder_id == HOLDER))
    assert cert is not None and cert.created_by == "user:amr.asker + user:amr.checker"
    [heard] = _inbox(rt, people["amr.asker"])
    assert heard.kind == "certificate.request_approved" and HOLDER not in heard.body


def test_the_asker_cannot_decide_through_the_form_and_outsiders_see_nothing(rt, people,
                                                                            asked):
    asker = _client(rt, "amr.asker")
    token = CSRF.search(asker.get("/certificates/requests").text).group(1)
    refused = asker.post(f"/certificates/requests/{asked}/approve", data={"csrf_token": token})
    assert refused.status_code == 403
    outsider = _client(rt, "mz.approver")
    page = outsider.get("/certificates/requests")
    assert page.status_code == 200 and f"request-{asked}" not in page.text
    token = CSRF.search(page.text).group(1)
    assert outsider.post(f"/certificates/requests/{asked}/approve",
                         data={"csrf_token": token}).status_code == 404
    assert _client(rt, "amr.clerk").get("/certificates/requests").status_code == 403
    with rt.context() as ctx:
        assert ctx.db.scalar(select(Certificate).where(Certificate.holder_id == HOLDER)) is None
