"""The case pages through the HTML forms: the applicant applies and follows the case, the
front desk checks identity and accepts (materials fetched by sharing shown), the applicant
uploads what is missing, approvers decide (the wrong department gets a 403 naming the
permission), and the applicant downloads the certificate the process issued.

The data is built like tests/cases (the demo departments, the 企业开办 item, a shareable
licence and the regulator's own 营业执照 type the process issues); the clock is fixed.
"""

# The case tests' fixtures are imported by name, so pytest finds them here; their
# parameters of the same name are what pytest injects, not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pyotp
import pytest
from case_helpers import APPLICANT_ID, tiny_pdf
from cases.conftest import (  # noqa: F401 - fixtures of the case tests, reused
    World,
    agree,
    fixed_clock,
    issue_licence,
    licence_out,
    submit,
    world,
)
from fastapi.testclient import TestClient

from govbridge.api.app import create_app
from govbridge.cases import usecases as cases
from govbridge.certificates import usecases as certificates
from govbridge.core.permissions import Role
from govbridge.web.case_pages import masked
from support import PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PDF = tiny_pdf()


def csrf(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


@pytest.fixture
def accounts(world, make_user) -> dict[str, tuple[str, str | None]]:
    """Username and TOTP secret per role of the journey."""
    secret = pyotp.random_base32(32)
    made = {
        "applicant": make_user("qiye", [Role.APPLICANT], subject_id=APPLICANT_ID),
        "other": make_user("other-applicant", [Role.APPLICANT],
                           subject_id="11010519491231002X"),
        "clerk": make_user("clerk-amr", [Role.CLERK], org=world.codes["amr"]),
        "clerk_tax": make_user("clerk-tax", [Role.CLERK], org=world.codes["tax"]),
        "bureau": make_user("bureau", [Role.BUREAU_ADMIN], org=world.codes["bureau"],
                            totp_secret=secret),
    }
    for key in ("amr", "tax", "psb", "hrss"):
        made[key] = make_user(f"approver-{key}", [Role.APPROVER], org=world.codes[key])
    made["amr2"] = make_user("approver-amr-2", [Role.APPROVER], org=world.codes["amr"])
    return {k: (u.username, secret if k == "bureau" else None) for k, u in made.items()}


@pytest.fixture
def sign_in(rt, accounts) -> Iterator[Callable[[str], TestClient]]:
    """A TestClient logged in through the forms as one of `accounts` (TOTP at the
    runtime's clock), one client per person so their sessions stay apart."""
    with ExitStack() as stack:
        def make(who: str) -> TestClient:
            username, secret = accounts[who]
            client = stack.enter_context(TestClient(create_app(rt),
                                                    raise_server_exceptions=False))
            page = client.get("/login")
            resp = client.post("/login", data={"username": username, "password": PASSWORD,
                                               "csrf_token": csrf(page.text)},
                               follow_redirects=False)
            assert resp.status_code == 303, resp.text
            if resp.headers["location"] == "/login/totp":
                form = client.get("/login/totp")
                resp = client.post("/login/totp", data={
                    "totp_code": pyotp.TOTP(secret).at(rt.clock()), "csrf_token": csrf(form.text)},
                    follow_redirects=False)
            assert resp.headers["location"] == "/", resp.headers["location"]
            return client

        yield make


@pytest.fixture
def shareable(issue_licence, agree) -> None:
    """The applicant's licence is issued and the regulator may view it for the item."""
    issue_licence()
    agree()


def apply(client: TestClient, world: World, name: str = "苏州新设科技有限公司") -> str:
    page = client.get(f"/services/{world.item}/apply")
    assert page.status_code == 200
    resp = client.post(f"/services/{world.item}/apply", data={
        "csrf_token": csrf(page.text), "applicant_name": "苏州测试1有限公司",
        "form_path": ["application.name", "application.content"],
        "form_value": [name, "设立登记"]}, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    return resp.headers["location"].split("/my/cases/")[1].split("?")[0]


def state_of(rt, world: World, code: str) -> str:
    with rt.context() as ctx:
        return cases.timeline(ctx, world.applicant, code).state


def row(html: str, key: str) -> str:
    """The table row of a material on a case page."""
    found = re.search(rf'<tr[^>]*data-key="{key}"[^>]*>(.*?)</tr>', html, re.S)
    assert found, f"no row for {key}"
    return found.group(0)


def accept(client: TestClient, code: str, typed: str = APPLICANT_ID):
    page = client.get(f"/desk/cases/{code}")
    return client.post(f"/desk/cases/{code}/accept", data={
        "csrf_token": csrf(page.text), "identity_checked_id": typed}, follow_redirects=False)


def upload(client: TestClient, code: str, key: str, name: str, content: bytes):
    page = client.get(f"/my/cases/{code}")
    return client.post(f"/my/cases/{code}/materials/{key}/upload",
                       data={"csrf_token": csrf(page.text)},
                       files={"file": (name, content, "application/octet-stream")},
                       follow_redirects=False)


def task_of(client: TestClient, code: str) -> str:
    found = re.search(rf'data-code="{code}" data-task="([^"]+)"', client.get("/tasks").text)
    assert found, "no task for the case"
    return found.group(1)


def decide(client: TestClient, code: str, task: str, decision: str = "approve",
           opinion: str = "", materials: tuple[str, ...] = ()):
    page = client.get(f"/tasks/{code}?task_id={task}")
    return client.post(f"/tasks/{code}", data={
        "csrf_token": csrf(page.text), "task_id": task, "decision": decision,
        "opinion": opinion, "materials": list(materials)}, follow_redirects=False)


# --- applicant ------------------------------------------------------------------------------


def test_the_guide_marks_what_departments_hold(world, licence_out, sign_in):
    client = sign_in("applicant")
    page = client.get("/services")
    assert page.status_code == 200 and "企业开办" in page.text
    assert 'data-key="shareholder_licence" data-shared="yes"' in page.text
    assert 'data-key="articles" data-shared="no"' in page.text
    # Not shared: no resource code, so the applicant brings it.
    assert 'data-key="premises_title" data-shared="no"' in page.text
    form = client.get(f"/services/{world.item}/apply").text
    assert 'data-path="application.name"' in form and 'data-path="application.content"' in form
    assert 'data-nav="services"' in form and 'data-nav="applications"' in form
    english = client.get("/services?lang=en").text
    assert "Fetched by sharing: nothing to bring" in english and "svc." not in english


def test_applying_opens_a_case_with_the_shared_material_awaited(rt, world, licence_out,
                                                                 sign_in):
    client = sign_in("applicant")
    code = apply(client, world)
    page = client.get(f"/my/cases/{code}?notice=submitted")
    assert 'data-state="submitted"' in page.text and "申请已提交" in page.text
    shared = row(page.text, "shareholder_licence")
    assert "受理时将通过共享获取" in shared and "upload-form" not in shared
    assert 'data-status="form"' in row(page.text, "application")
    assert "upload-form" in row(page.text, "articles")
    assert code in client.get("/my/cases").text
    with rt.context() as ctx:
        detail = cases.timeline(ctx, world.applicant, code)
    assert detail.state == "submitted"
    assert detail.materials[2].key == "application"


def test_a_missing_form_value_is_named_and_nothing_is_created(rt, world, licence_out,
                                                               sign_in):
    client = sign_in("applicant")
    page = client.get(f"/services/{world.item}/apply")
    resp = client.post(f"/services/{world.item}/apply", data={
        "csrf_token": csrf(page.text), "applicant_name": "苏州测试1有限公司",
        "form_path": ["application.name", "application.content"],
        "form_value": ["", "只写了内容"]})
    assert resp.status_code == 422
    assert "申请表 application.name" in resp.text and "必填" in resp.text
    assert "只写了内容" in resp.text  # what was typed is kept
    with rt.context() as ctx:
        assert cases.my_cases(ctx, world.applicant) == []


def test_another_applicant_cannot_see_the_case(world, licence_out, sign_in):
    code = apply(sign_in("applicant"), world)
    other = sign_in("other")
    page = other.get(f"/my/cases/{code}")
    assert page.status_code == 404 and code in page.text
    assert code not in other.get("/my/cases").text


# --- front desk -----------------------------------------------------------------------------


def test_identity_mismatch_changes_nothing(rt, world, licence_out, shareable, sign_in):
    code = apply(sign_in("applicant"), world)
    clerk = sign_in("clerk")
    listed = clerk.get("/desk")
    assert code in listed.text and 'data-nav="desk"' in listed.text
    resp = accept(clerk, code, "91350100M000100Y43")
    assert resp.status_code == 422
    assert "证件号码" in resp.text and "不一致" in resp.text and "91350100M000100Y43" in resp.text
    assert state_of(rt, world, code) == "submitted"
    assert 'id="identity_checked_id"' in resp.text  # the form is still there to try again


def test_accepting_shows_what_arrived_by_sharing_and_what_is_missing(rt, world, licence_out,
                                                                    shareable, sign_in):
    code = apply(sign_in("applicant"), world)
    clerk = sign_in("clerk")
    resp = accept(clerk, code)
    assert resp.status_code == 303
    page = clerk.get(resp.headers["location"])
    assert 'data-state="accepted"' in page.text and "已受理" in page.text
    shared = re.search(r'data-testid="shared-summary">(.*?)</p>', page.text, re.S).group(1)
    missing = re.search(r'data-testid="missing-summary">(.*?)</p>', page.text, re.S).group(1)
    assert "法人股东营业执照" in shared and "公司章程" not in shared
    assert "公司章程" in missing
    assert 'data-status="fetched_shared"' in row(page.text, "shareholder_licence")
    assert state_of(rt, world, code) == "accepted"


def test_not_accepted_needs_a_reason(rt, world, licence_out, sign_in):
    code = apply(sign_in("applicant"), world)
    clerk = sign_in("clerk")
    page = clerk.get(f"/desk/cases/{code}")
    bad = clerk.post(f"/desk/cases/{code}/not-accept",
                     data={"csrf_token": csrf(page.text), "reason": "x"})
    assert bad.status_code == 422 and "不予受理原因" in bad.text
    assert state_of(rt, world, code) == "submitted"
    ok = clerk.post(f"/desk/cases/{code}/not-accept",
                    data={"csrf_token": csrf(page.text), "reason": "申请人不具备主体资格"},
                    follow_redirects=True)
    assert 'data-state="not_accepted"' in ok.text and "申请人不具备主体资格" in ok.text


def test_a_clerk_of_another_department_gets_a_403(world, licence_out, sign_in):
    code = apply(sign_in("applicant"), world)
    clerk = sign_in("clerk_tax")
    assert code not in clerk.get("/desk").text
    page = clerk.get(f"/desk/cases/{code}")
    assert page.status_code == 403 and "case.accept" in page.text and "受理办件" in page.text
    resp = accept(clerk, code) if False else clerk.post(
        f"/desk/cases/{code}/accept",
        data={"csrf_token": csrf(clerk.get("/desk").text), "identity_checked_id": APPLICANT_ID})
    assert resp.status_code == 403 and "case.accept" in resp.text


def test_applicant_pages_need_an_applicant(world, sign_in):
    page = sign_in("clerk").get("/services")
    assert page.status_code == 403 and "self.service" in page.text


# --- uploads --------------------------------------------------------------------------------


def test_upload_errors_are_clear_and_a_pdf_sends_the_case_on(rt, world, licence_out, shareable,
                                                             sign_in):
    applicant = sign_in("applicant")
    code = apply(applicant, world)
    assert accept(sign_in("clerk"), code).status_code == 303
    wrong = upload(applicant, code, "articles", "章程.txt", b"plain text")
    assert wrong.status_code == 422
    assert "只接受 PDF、OFD、JPEG 或 PNG 文件" in wrong.text and "章程.txt" in wrong.text
    empty = upload(applicant, code, "articles", "空.pdf", b"")
    assert empty.status_code == 422 and "空.pdf" in empty.text
    big = upload(applicant, code, "articles", "大.pdf", b"%PDF" + b"0" * cases.MAX_UPLOAD)
    assert big.status_code == 422 and "超过 10 MB 上限" in big.text
    assert state_of(rt, world, code) == "accepted"
    ok = upload(applicant, code, "articles", "章程.pdf", PDF)
    assert ok.status_code == 303
    page = applicant.get(ok.headers["location"])
    assert 'data-status="uploaded"' in row(page.text, "articles")
    assert 'data-state="in_progress"' in page.text
    assert "设立登记审核" in page.text and "苏州市市场监督管理局" in page.text  # step and holder


# --- back office ----------------------------------------------------------------------------


def test_the_whole_case_through_the_pages(rt, world, licence_out, shareable, sign_in):
    applicant = sign_in("applicant")
    code = apply(applicant, world)
    assert accept(sign_in("clerk"), code).status_code == 303
    assert upload(applicant, code, "articles", "章程.pdf", PDF).status_code == 303

    amr = sign_in("amr")
    task = task_of(amr, code)
    # Another department cannot open or decide the regulator's task.
    tax = sign_in("tax")
    assert code not in tax.get("/tasks").text
    denied = tax.get(f"/tasks/{code}?task_id={task}")
    assert denied.status_code == 403 and "case.decide" in denied.text
    assert "审批办件任务" in denied.text
    forged = tax.post(f"/tasks/{code}", data={
        "csrf_token": csrf(tax.get("/tasks").text), "task_id": task, "decision": "approve"})
    assert forged.status_code == 403 and "case.decide" in forged.text

    page = amr.get(f"/tasks/{code}?task_id={task}")
    assert "设立登记审核" in page.text and 'data-status="fetched_shared"' in page.text
    # The approver opens the uploaded articles (a download, never rendered inline).
    assert f'href="/cases/{code}/materials/articles/file"' in page.text
    opened = amr.get(f"/cases/{code}/materials/articles/file")
    assert opened.status_code == 200 and opened.content == PDF
    assert opened.headers["content-disposition"].startswith("attachment")
    assert sign_in("other").get(f"/cases/{code}/materials/articles/file").status_code == 404
    no_opinion = decide(amr, code, task, "return", "", ("articles",))
    assert no_opinion.status_code == 422 and "审批意见" in no_opinion.text
    assert state_of(rt, world, code) == "in_progress"
    done = decide(amr, code, task)
    assert done.status_code == 303 and done.headers["location"] == f"/tasks?done={code}"

    for key in ("tax", "psb", "hrss"):
        client = sign_in(key) if key != "tax" else tax
        assert decide(client, code, task_of(client, code)).status_code == 303
    page = applicant.get(f"/my/cases/{code}")
    assert 'data-state="completed"' in page.text and "办结" in page.text
    cert = re.search(r'data-testid="certificate" data-id="(\d+)"', page.text)
    assert cert, "no certificate on the completed case"
    pdf = applicant.get(f"/my/cases/{code}/certificates/{cert.group(1)}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    doc = json.loads(applicant.get(f"/my/cases/{code}/certificates/{cert.group(1)}.json").text)
    with rt.context() as ctx:
        assert certificates.verify_document(ctx, pdf.content).status == "valid"
        assert certificates.verify_document(
            ctx, json.dumps(doc).encode()).status == "valid"
    # Another applicant gets nothing of it.
    other = sign_in("other")
    assert other.get(f"/my/cases/{code}/certificates/{cert.group(1)}.pdf").status_code == 404


def test_return_for_correction_names_the_materials(rt, world, licence_out, shareable, sign_in):
    applicant = sign_in("applicant")
    code = apply(applicant, world)
    accept(sign_in("clerk"), code)
    upload(applicant, code, "articles", "章程.pdf", PDF)
    amr = sign_in("amr")
    resp = decide(amr, code, task_of(amr, code), "return", "章程缺少股东签字", ("articles",))
    assert resp.status_code == 303
    page = applicant.get(f"/my/cases/{code}")
    assert 'data-state="accepted"' in page.text and "章程缺少股东签字" in page.text
    returned = row(page.text, "articles")
    assert 'data-status="rejected"' in returned and "upload-form" in returned


def in_progress(sign_in, world) -> str:
    applicant = sign_in("applicant")
    code = apply(applicant, world)
    accept(sign_in("clerk"), code)
    assert upload(applicant, code, "articles", "章程.pdf", PDF).status_code == 303
    return code


def test_shared_data_is_fetched_on_request_through_the_approvers_own_agreement(
        rt, world, licence_out, shareable, sign_in):
    code = in_progress(sign_in, world)
    amr = sign_in("amr")
    task = task_of(amr, code)
    page = amr.get(f"/tasks/{code}?task_id={task}")
    # A plain visit fetches nothing (a fetch is ledgered and shown to the applicant).
    assert 'data-testid="shared-submit"' in page.text
    assert 'data-testid="shared-view"' not in page.text
    shown = amr.post(f"/tasks/{code}/shared", data={"csrf_token": csrf(page.text),
                                                    "task_id": task})
    assert shown.status_code == 200
    view = re.search(r'data-key="shareholder_licence" data-status="shown">(.*?)'
                     r'(?:data-testid="shared-view"|</section>)', shown.text, re.S)
    assert view, "the licence is not shown"
    assert APPLICANT_ID in view.group(1)
    with rt.context() as ctx:
        issued = certificates.list_certificates(ctx, world.applicant)[-1]
        raw = {k: str(v) for k, v in issued.data.items()}
    masked_fields = re.findall(r'data-field="(\w+)">\w+ <span class="badge badge-off" '
                               r'data-testid="masked"', view.group(1))
    assert "legal_rep_id" in masked_fields  # a citizen ID beyond the agreement's grade
    for name in masked_fields:
        assert raw[name] not in shown.text, f"{name} leaked"
    # Without a CSRF token nothing is fetched.
    assert amr.post(f"/tasks/{code}/shared", data={"task_id": task}).status_code == 403
    # Tax has no agreement for the licence: it sees that, and no row.
    assert decide(amr, code, task).status_code == 303
    tax = sign_in("tax")
    tax_task = task_of(tax, code)
    tax_page = tax.get(f"/tasks/{code}?task_id={tax_task}")
    none = tax.post(f"/tasks/{code}/shared", data={"csrf_token": csrf(tax_page.text),
                                                   "task_id": tax_task})
    assert 'data-key="shareholder_licence" data-status="no_agreement"' in none.text
    assert "无共享协议" in none.text


def test_a_claimed_task_is_decided_by_its_claimer_only(rt, world, licence_out, shareable,
                                                        sign_in):
    code = in_progress(sign_in, world)
    amr, colleague = sign_in("amr"), sign_in("amr2")
    task = task_of(amr, code)
    page = amr.get(f"/tasks/{code}?task_id={task}")
    claimed = amr.post(f"/tasks/{code}/claim", data={
        "csrf_token": csrf(page.text), "task_id": task, "action": "claim"},
        follow_redirects=True)
    assert "已领办此任务" in claimed.text and 'data-claimed-by="user:approver-amr"' in claimed.text
    assert "user:approver-amr" in colleague.get("/tasks").text
    refused = decide(colleague, code, task)
    assert refused.status_code == 409 and "claimed by user:approver-amr" in refused.text
    assert state_of(rt, world, code) == "in_progress"
    released = amr.post(f"/tasks/{code}/claim", data={
        "csrf_token": csrf(page.text), "task_id": task, "action": "release"},
        follow_redirects=True)
    assert "已将此任务退回部门" in released.text
    assert decide(colleague, code, task).status_code == 303


def test_masked_identifiers():
    assert masked("11010519491231002X") == "110105********002X"
    assert masked(APPLICANT_ID) == APPLICANT_ID  # a credit code is public
