"""The exchange's pages through the TestClient: agreements (request, inbox, one agreement),
the exchange console, the ledger explorer, the citizen's access log and the auditor's flags;
who may open which page, CSRF, and the request → approve → query → access-log flow."""

from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyotp
import pytest

from govbridge.agreements import usecases as agreements
from govbridge.agreements.schemas import REASON_MAX, AgreementRequestIn
from govbridge.core.permissions import Role
from govbridge.exchange.models import AccessFlag
from govbridge.exchange.schemas import NOTE_MAX
from govbridge.exchange.verify import verify_response
from govbridge.identity.actor import Actor
from govbridge.identity.organizations import org_by_code
from govbridge.ingest.pipeline import ingest_rows
from govbridge.ledger import commitments, log
from govbridge.seals.usecases import ca_certificate_pem
from govbridge.web.format import when_cst
from ingest_helpers import company_code, licence_row
from support import Login

PURPOSE = "《中华人民共和国税收征收管理法》第十五条"
FIELDS = ["credit_code", "legal_rep", "legal_rep_id", "established"]
AGREEMENT = re.compile(r"/agreements/(AGR-\d{4}-\d{6})")
ROWS = 4
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: str) -> str:
    found = CSRF_INPUT.search(page)
    assert found, "no CSRF field on the page"
    return found.group(1)


@dataclass
class World:
    resource_code: str
    provider_code: str
    consumer_code: str
    consumer: Any  # data officer of the consumer department (the `account` org)
    provider: Login  # data officer of the provider department
    consumer_actor: Actor


@pytest.fixture
def world(rt, publish, entry, provider, account, org_code, make_user) -> World:
    """A conditional 营业执照 dataset with rows, a provider officer and a consumer officer."""
    code = publish(entry(share_type="conditional",
                         share_condition="办理涉企税务事项时使用")).resource_code
    with rt.context() as ctx:
        report = ingest_rows(ctx, provider["officer"], code,
                             [licence_row(n) for n in range(ROWS)], source="rest")
        consumer_id = org_by_code(ctx, org_code).id
    assert report.accepted == ROWS
    officer = account(Role.DATA_OFFICER)
    make_user("amr-officer", [Role.DATA_OFFICER], org=provider["code"])
    amr = Login("amr-officer")
    actor = Actor.for_user(user_id=7001, username=officer.username,
                           roles=frozenset({Role.DATA_OFFICER}), organization_id=consumer_id,
                           subject_id=None)
    return World(code, provider["code"], org_code, officer, amr, actor)


@pytest.fixture
def login(web_login):
    """Log the TestClient in as an account (after dropping any earlier session)."""

    def run(web, acct: Any) -> None:
        web.cookies.clear()
        web_login(web, acct)

    return run


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def request_form(world: World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "resource_code": world.resource_code,
        "fields": ["credit_code", "legal_rep", "legal_rep_id"],
        "purpose_kind": "legal_basis",
        "purpose_code": "",
        "purpose_text": PURPOSE,
        "valid_from": "",
        "valid_until": (date.today() + timedelta(days=90)).isoformat(),
        "rate_per_minute": "60",
        "daily_volume": "1000",
    }
    data.update(overrides)
    return data


def request_through_form(web, world: World, **overrides: Any) -> str:
    page = web.get(f"/agreements/new?resource_code={world.resource_code}")
    assert page.status_code == 200, page.text
    data = {**request_form(world, **overrides), "csrf_token": csrf_of(page.text)}
    resp = web.post("/agreements/new", data=data, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    found = AGREEMENT.search(resp.headers["location"])
    assert found and resp.headers["location"].endswith("?notice=requested")
    return found.group(1)


def approve_by_use_case(rt, world: World, code: str, **kwargs: Any) -> None:
    with rt.context() as ctx:
        provider = Actor.for_user(user_id=7002, username="amr", roles=frozenset(
            {Role.DATA_OFFICER}), organization_id=org_by_code(ctx, world.provider_code).id,
            subject_id=None)
        agreements.decide(ctx, provider, code, **kwargs)


def request_by_use_case(rt, world: World, **overrides: Any) -> str:
    data: dict[str, Any] = {
        "resource_code": world.resource_code, "fields": FIELDS, "purpose_kind": "legal_basis",
        "purpose_text": PURPOSE, "valid_until": date.today() + timedelta(days=30), **overrides}
    with rt.context() as ctx:
        made = agreements.request_agreement(ctx, world.consumer_actor,
                                            AgreementRequestIn(**data))
    return made.code


def query_in_console(web, code: str, subjects: str, **overrides: str):
    page = web.get(f"/exchange/console?agreement={code}")
    assert page.status_code == 200, page.text
    data = {"agreement": code, "subject_ids": subjects, "purpose_kind": "legal_basis",
            "purpose_code": "", "purpose_text": PURPOSE, "limit": "100",
            "csrf_token": csrf_of(page.text)}
    data.update(overrides)
    return web.post("/exchange/console", data=data)


# --- who may open which page -----------------------------------------------------------------

OFFICER_PAGES = ["/agreements", "/agreements/new", "/agreements/inbox", "/exchange/console",
                 "/ledger"]


def test_each_page_opens_for_its_role_and_refuses_the_others(web, world, account, login):
    login(web, world.consumer)
    for path in OFFICER_PAGES:
        resp = web.get(path)
        assert resp.status_code == 200, (path, resp.text[:400])
        assert f'href="{path}"' in resp.text  # the page is in the officer's menu
    for path in ("/me/accesses", "/audit/flags"):
        resp = web.get(path)
        assert resp.status_code == 403, path
        assert "无权访问" in resp.text

    citizen = account(Role.APPLICANT, subject_id=company_code(1))
    login(web, citizen)
    assert web.get("/me/accesses").status_code == 200
    for path in [*OFFICER_PAGES, "/audit/flags", "/agreements/AGR-2026-000001"]:
        assert web.get(path).status_code in (403, 404), path

    auditor = account(Role.AUDITOR)
    login(web, auditor)
    for path in ("/audit/flags", "/ledger", "/agreements"):
        assert web.get(path).status_code == 200, path
    for path in ("/agreements/new", "/agreements/inbox", "/exchange/console", "/me/accesses"):
        assert web.get(path).status_code == 403, path

    web.cookies.clear()
    for path in [*OFFICER_PAGES, "/me/accesses", "/audit/flags"]:
        resp = web.get(path, follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"] == "/login", path


def test_pages_in_english(web, world, login):
    login(web, world.consumer)
    expected = {
        "/agreements": "Sharing agreements",
        "/agreements/new": "Request shared data",
        "/agreements/inbox": "Requests to decide",
        "/exchange/console": "Exchange console",
        "/ledger": "Ledger",
    }
    for path, title in expected.items():
        page = web.get(f"{path}?lang=en")
        assert page.status_code == 200
        assert f"<h1>{title}</h1>" in page.text, path
    assert "<h1>共享协议</h1>" in web.get("/agreements?lang=zh-CN").text


def test_posts_without_the_csrf_token_change_nothing(rt, web, world, account, login):
    login(web, world.consumer)
    resp = web.post("/agreements/new", data=request_form(world))
    assert resp.status_code == 403 and "请求无法验证" in resp.text
    resp = web.post("/agreements/new", data={**request_form(world), "csrf_token": "x" * 32})
    assert resp.status_code == 403
    with rt.context() as ctx:
        assert agreements.list_agreements(ctx, world.consumer_actor, "consumer") == []
    code = request_by_use_case(rt, world)
    for path, data in [
        ("/agreements/inbox", {"code": code, "decision": "refuse", "reason": "不需要"}),
        (f"/agreements/{code}/revoke", {"reason": "不再需要"}),
        ("/exchange/console", {"agreement": code, "subject_ids": company_code(1)}),
        ("/exchange/console/download", {"document": "{}"}),
        ("/ledger/verify", {"proof": "{}"}),
        ("/ledger/checkpoint", {}),
        ("/audit/flags/1/review", {"verdict": "dismissed", "note": "ok"}),
    ]:
        resp = web.post(path, data=data)
        assert resp.status_code == 403 and "请求无法验证" in resp.text, path
    with rt.context() as ctx:
        assert agreements.get_agreement(ctx, world.consumer_actor, code).state == "requested"


# --- request → inbox → console → access log ------------------------------------------------


def test_request_approve_partially_query_and_the_citizen_sees_it(rt, web, world, account, login):
    login(web, world.consumer)
    # The request form: dataset by resource code (or from a catalog search), its fields.
    found = web.get("/agreements/new?q=营业执照")
    assert f'data-code="{world.resource_code}"' in found.text
    form = web.get(f"/agreements/new?resource_code={world.resource_code}")
    for name in FIELDS:
        assert f'value="{name}"' in form.text
    assert 'data-share-type="conditional"' in form.text
    code = request_through_form(web, world)
    shown = web.get(f"/agreements/{code}?notice=requested")
    assert 'data-state="requested"' in shown.text and "申请已提交" in shown.text
    assert PURPOSE in shown.text
    listed = web.get("/agreements?tab=consumer")
    assert f'data-code="{code}"' in listed.text
    # Before the provider answers, the console offers no agreement and the gateway refuses.
    console = web.get("/exchange/console")
    assert 'data-testid="no-active"' in console.text

    # The provider's officer approves two of the three fields, the name masked to the surname.
    login(web, world.provider)
    inbox = web.get("/agreements/inbox")
    assert f'data-code="{code}"' in inbox.text and 'data-testid="overdue"' not in inbox.text
    assert web.get("/agreements?tab=provider").text.count(f'data-code="{code}"') == 1
    requested = ["credit_code", "legal_rep", "legal_rep_id"]
    resp = web.post("/agreements/inbox", data={
        "csrf_token": csrf_of(inbox.text), "code": code, "decision": "approve_some",
        "field": requested, "mask": ["", "surname", ""],
        "approve": ["credit_code", "legal_rep"], "reason": "",
    }, follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == f"/agreements/inbox?done=partially_approved&code={code}"
    done = web.get(resp.headers["location"])
    assert "已部分同意申请" in done.text and 'data-testid="inbox-empty"' in done.text
    page = web.get(f"/agreements/{code}")
    assert 'data-state="partially_approved"' in page.text
    assert 'data-field="legal_rep" data-grant="surname"' in page.text
    assert 'data-field="legal_rep_id" data-grant=""' in page.text

    # The consumer's officer queries in the console: masked rows, seal and receipt.
    login(web, world.consumer)
    console = web.get("/exchange/console")
    assert f'data-code="{code}"' in console.text  # the only active agreement is preselected
    assert PURPOSE in console.text
    subject = company_code(1)
    result = query_in_console(web, code, f"{subject}\n")
    assert result.status_code == 200, result.text
    body = text_of(result.text)
    assert subject in result.text and "张*" in result.text and "张1" not in result.text
    assert "legal_rep_id" not in re.search(r'data-testid="rows".*?</table>', result.text,
                                           re.S).group(0)
    assert 'data-testid="seal-ok"' in result.text
    assert "苏州市市场监督管理局" in body
    assert re.search(r'data-testid="seal-alg">\w+<', result.text)
    leaf = int(re.search(r'data-testid="leaf-index">(\d+)<', result.text).group(1))
    size = int(re.search(r'data-testid="tree-size">(\d+)<', result.text).group(1))
    assert 0 <= leaf < size

    # The download is the whole response; it verifies offline against the platform CA.
    document = html.unescape(re.search(r'name="document" value="([^"]*)"', result.text).group(1))
    saved = web.post("/exchange/console/download",
                     data={"document": document, "csrf_token": csrf_of(result.text)})
    assert saved.status_code == 200
    assert saved.headers["content-type"].startswith("application/json")
    assert "attachment" in saved.headers["content-disposition"]
    doc = saved.json()
    with rt.context() as ctx:
        checked = verify_response(doc, trust_anchor_pem=ca_certificate_pem(ctx))
    assert checked.leaf_index == leaf and checked.rows == 1
    # A tampered document is not handed back.
    doc["data"]["rows"][0]["legal_rep"] = "张三"
    refused = web.post("/exchange/console/download",
                       data={"document": json.dumps(doc), "csrf_token": csrf_of(result.text)})
    assert refused.status_code == 422

    # The enterprise whose credit code was queried sees the access, with purpose and proof.
    citizen = account(Role.APPLICANT, subject_id=subject)
    login(web, citizen)
    log_page = web.get("/me/accesses")
    assert log_page.status_code == 200
    assert log_page.text.count('data-testid="access"') == 1
    assert f'data-leaf="{leaf}"' in log_page.text
    text = text_of(log_page.text)
    assert PURPOSE in text and "法律依据" in text
    assert "苏州市大数据管理局" in text and "企业营业执照信息" in text
    assert "北京时间" in text and "<details" in log_page.text and "leafIdx" in text
    # Fields by their titles, not keys; the commitment naming the enterprise and its opening
    tags = re.search(r'data-testid="access-fields">(.*?)</ul>', log_page.text, re.S)
    assert tags and "统一社会信用代码" in tags.group(1) and "credit_code" not in tags.group(1)
    shown = re.search(r'data-testid="access-commitment">.*?<dd class="mono">(.*?)</dd>.*?'
                      r'<dd class="mono">(.*?)</dd>', log_page.text, re.S)
    assert shown and commitments.check_opening(shown.group(1), subject, shown.group(2))
    with rt.context() as ctx:
        at = log.entry(ctx, leaf).created_at
    assert when_cst(at)[:13] in text  # the hour as read in China Standard Time
    # Another enterprise sees nothing.
    other = account(Role.APPLICANT, subject_id=company_code(2))
    login(web, other)
    assert 'data-testid="no-accesses"' in web.get("/me/accesses").text


def test_console_shows_the_gateways_refusals_as_form_errors(rt, web, world, login):
    code = request_by_use_case(rt, world)
    approve_by_use_case(rt, world, code, approve_fields=["credit_code", "legal_rep"])
    login(web, world.consumer)
    wrong = query_in_console(web, code, company_code(1), purpose_text="别的用途")
    assert wrong.status_code == 403
    assert 'data-testid="errors"' in wrong.text and "用途与协议约定的用途不符" in wrong.text
    assert 'data-testid="result"' not in wrong.text
    ungranted = query_in_console(web, code, company_code(1), fields="legal_rep_id")
    assert ungranted.status_code == 403 and "不在协议授权范围内" in ungranted.text
    empty = query_in_console(web, code, "  ")
    assert empty.status_code == 422 and "请至少填写一个查询对象" in empty.text
    none = query_in_console(web, code, company_code(1), agreement="")
    assert none.status_code == 422 and "请选择一份已生效的共享协议" in none.text
    nameless = query_in_console(web, code, company_code(1), purpose_text="")
    assert nameless.status_code == 422 and "法律依据须填写用途说明" in nameless.text
    with rt.context() as ctx:
        assert log.tree_state(ctx)[0] == 2  # requested, approved: no access was recorded


def test_console_shows_a_used_up_limit(rt, web, world, login):
    code = request_by_use_case(rt, world, rate_per_minute=1)
    approve_by_use_case(rt, world, code)
    still = datetime.now(UTC).replace(second=5)  # both calls in one minute
    rt.clock = lambda: still
    login(web, world.consumer)
    assert query_in_console(web, code, company_code(1)).status_code == 200
    again = query_in_console(web, code, company_code(1))
    assert again.status_code == 429
    assert "已超出协议的每分钟调用次数上限" in again.text
    assert 'data-testid="result"' not in again.text


def test_refuse_needs_a_reason(rt, web, world, login):
    code = request_by_use_case(rt, world)
    login(web, world.provider)
    inbox = web.get("/agreements/inbox")
    base = {"csrf_token": csrf_of(inbox.text), "code": code, "field": FIELDS,
            "mask": ["", "", "", ""], "approve": FIELDS}
    resp = web.post("/agreements/inbox", data={**base, "decision": "refuse", "reason": " "})
    assert resp.status_code == 422
    assert "不予同意或撤销时必须说明原因" in resp.text
    assert 'data-testid="inbox-item"' in resp.text
    nothing = web.post("/agreements/inbox", data={**base, "decision": "approve_some",
                                                  "approve": [], "reason": ""})
    assert nothing.status_code == 422 and "至少同意一个字段" in nothing.text
    raw = web.post("/agreements/inbox", data={**base, "decision": "approve_all",
                                              "mask": ["", "", "nonsense", ""]})
    assert raw.status_code == 422 and "不是有效的脱敏方式" in raw.text
    with rt.context() as ctx:
        assert agreements.get_agreement(ctx, world.consumer_actor, code).state == "requested"
    resp = web.post("/agreements/inbox", data={**base, "decision": "refuse",
                                               "reason": "用途与本数据无关"},
                    follow_redirects=False)
    assert resp.status_code == 303 and "done=refused" in resp.headers["location"]
    page = web.get(f"/agreements/{code}")
    assert 'data-state="refused"' in page.text and "用途与本数据无关" in page.text


def test_request_form_errors_and_unconditional_grant(rt, web, world, publish, entry, login):
    login(web, world.consumer)
    page = web.get(f"/agreements/new?resource_code={world.resource_code}")
    bad = web.post("/agreements/new", data={
        **request_form(world, fields=[], purpose_text="", valid_until="2001-01-01"),
        "csrf_token": csrf_of(page.text)})
    assert bad.status_code == 422
    assert "至少选择一项" in bad.text and "用途说明" in bad.text
    past = web.post("/agreements/new", data={
        **request_form(world, valid_until="2001-01-01"), "csrf_token": csrf_of(page.text)})
    assert past.status_code == 422 and "不能早于今天" in past.text
    missing = web.get("/agreements/new?resource_code=999999999/000001")
    assert "没有代码为“999999999/000001”的已发布数据资源" in missing.text
    # Unconditional data is granted at once.
    open_code = publish(entry(name="企业基本信息")).resource_code
    page = web.get(f"/agreements/new?resource_code={open_code}")
    resp = web.post("/agreements/new", data={
        **request_form(world, resource_code=open_code), "csrf_token": csrf_of(page.text)},
        follow_redirects=False)
    assert resp.headers["location"].endswith("?notice=approved")
    shown = web.get(resp.headers["location"])
    assert 'data-state="approved"' in shown.text and 'data-testid="to-console"' in shown.text


def test_revoke_from_the_agreement_page(rt, web, world, login):
    code = request_by_use_case(rt, world)
    approve_by_use_case(rt, world, code)
    login(web, world.consumer)
    page = web.get(f"/agreements/{code}")
    assert 'data-testid="revoke"' in page.text
    blank = web.post(f"/agreements/{code}/revoke",
                     data={"reason": "", "csrf_token": csrf_of(page.text)})
    assert blank.status_code == 422 and "必须说明原因" in blank.text
    done = web.post(f"/agreements/{code}/revoke",
                    data={"reason": "项目结束", "csrf_token": csrf_of(page.text)})
    assert done.status_code == 200 and 'data-state="revoked"' in done.text
    assert "协议已撤销" in done.text and 'data-testid="revoke"' not in done.text



def test_an_over_long_or_control_character_reason_is_refused_with_the_text_kept(
        rt, web, world, login):
    """The pages no longer cut a reason at REASON_MAX: the use case refuses it (as it does
    for the API and the CLI) and the form comes back naming the field, the text still in
    it; nothing is decided or revoked."""
    code = request_by_use_case(rt, world)
    login(web, world.provider)
    inbox = web.get("/agreements/inbox")
    base = {"csrf_token": csrf_of(inbox.text), "code": code, "field": FIELDS,
            "mask": ["", "", "", ""], "approve": FIELDS, "decision": "refuse"}
    long_reason = "因" * (REASON_MAX + 1)
    resp = web.post("/agreements/inbox", data={**base, "reason": long_reason})
    assert resp.status_code == 422
    assert f"<strong>原因</strong>：不能超过 {REASON_MAX} 个字符" in resp.text
    assert f">{long_reason}</textarea>" in resp.text
    bell = web.post("/agreements/inbox", data={**base, "reason": "用途\x07无关"})
    assert bell.status_code == 422
    assert "<strong>原因</strong>：不能包含控制字符（第 2 个字符 U+0007）" in bell.text
    assert "\x07" not in bell.text.replace("用途\x07无关</textarea>", "")  # not echoed in the error
    with rt.context() as ctx:
        assert agreements.get_agreement(ctx, world.consumer_actor, code).state == "requested"

    approve_by_use_case(rt, world, code)
    login(web, world.consumer)
    page = web.get(f"/agreements/{code}")
    resp = web.post(f"/agreements/{code}/revoke",
                    data={"reason": long_reason, "csrf_token": csrf_of(page.text)})
    assert resp.status_code == 422
    assert f"不能超过 {REASON_MAX} 个字符" in resp.text
    assert f">{long_reason}</textarea>" in resp.text
    with rt.context() as ctx:
        assert agreements.get_agreement(ctx, world.consumer_actor, code).state == "approved"


# --- the ledger explorer ---------------------------------------------------------------------


def verify(web, page: str, document: Any):
    text = document if isinstance(document, str) else json.dumps(document)
    return web.post("/ledger/verify", data={"proof": text, "csrf_token": csrf_of(page)})


def test_ledger_explorer_verifies_good_and_tampered_proofs(rt, web, world, account, login):
    code = request_by_use_case(rt, world)
    approve_by_use_case(rt, world, code)
    login(web, world.consumer)
    result = query_in_console(web, code, company_code(0))
    assert result.status_code == 200
    page = web.get("/ledger")
    assert page.status_code == 200

    # Fetch an inclusion proof through the page, then check it.
    fetched = web.get("/ledger?leaf=1")
    doc = json.loads(html.unescape(
        re.search(r'data-testid="fetched">(.*?)</pre>', fetched.text, re.S).group(1)))
    assert set(doc) == {"leafIdx", "treeSize", "root", "leafHash", "proof"}
    good = verify(web, page.text, doc)
    assert good.status_code == 200
    assert 'data-testid="proof-ok" data-kind="inclusion"' in good.text
    assert 'data-testid="proof-matches"' in good.text

    # Tampered: one bit of a proof hash flipped.
    tampered = dict(doc)
    first = bytearray(base64.b64decode(doc["proof"][0]))
    first[0] ^= 1
    tampered["proof"] = [base64.b64encode(bytes(first)).decode(), *doc["proof"][1:]]
    bad = verify(web, page.text, tampered)
    assert bad.status_code == 422 and 'data-testid="proof-invalid"' in bad.text
    assert 'data-testid="proof-reason"' in bad.text
    # A consistent, valid proof of another log: valid math, but not this ledger's root.
    with rt.context() as ctx:
        size = log.tree_state(ctx)[0]
    consistency = json.loads(html.unescape(re.search(
        r'data-testid="fetched">(.*?)</pre>',
        web.get(f"/ledger?size1=1&size2={size}").text, re.S).group(1)))
    ok = verify(web, page.text, consistency)
    assert 'data-testid="proof-ok" data-kind="consistency"' in ok.text
    assert 'data-testid="proof-matches"' in ok.text
    broken = verify(web, page.text, {**consistency, "root2": consistency["root1"]})
    assert broken.status_code == 422 and 'data-testid="proof-invalid"' in broken.text
    # Not JSON, or not a proof document: invalid with the reason.
    garbage = verify(web, page.text, "{not json")
    assert garbage.status_code == 422 and "not JSON" in garbage.text
    stray = verify(web, page.text, {**doc, "extra": 1})
    assert stray.status_code == 422 and "extra" in stray.text
    # Out of range asks are form errors, not failures.
    assert web.get("/ledger?leaf=99999").status_code == 404
    assert web.get("/ledger?leaf=abc").status_code == 422

    # The bureau (ledger audit) signs a tree head; its row shows the witness count.
    admin = account(Role.BUREAU_ADMIN)
    login(web, admin)
    page = web.get("/ledger")
    assert 'data-testid="checkpoint-now"' in page.text
    resp = web.post("/ledger/checkpoint", data={"csrf_token": csrf_of(page.text)},
                    follow_redirects=False)
    assert resp.status_code == 303
    shown = web.get(resp.headers["location"])
    assert "已签发当前树头" in shown.text
    assert f'data-size="{size}" data-witnesses="0"' in shown.text
    login(web, world.consumer)
    assert 'data-testid="checkpoint-now"' not in web.get("/ledger").text
    assert web.post("/ledger/checkpoint",
                    data={"csrf_token": csrf_of(web.get("/ledger").text)}).status_code == 403


# --- the auditor's flags -------------------------------------------------------------------


def test_auditor_reviews_a_flag(rt, web, world, account, login):
    code = request_by_use_case(rt, world)
    approve_by_use_case(rt, world, code)
    login(web, world.consumer)
    assert query_in_console(web, code, company_code(0)).status_code == 200
    with rt.context() as ctx:
        leaf = log.tree_state(ctx)[0] - 1
        ctx.db.add(AccessFlag(leaf_index=leaf, consumer_org_id=world.consumer_actor
                              .organization_id, rule="off_hours_bulk", day="20261130",
                              detail="25 subjects/rows at Sun 02:10 CST, outside working hours",
                              status="open", created_at=ctx.now()))
        ctx.db.flush()
        flag_id = ctx.db.query(AccessFlag.id).scalar()
    auditor = account(Role.AUDITOR)
    login(web, auditor)
    page = web.get("/audit/flags")
    assert page.status_code == 200 and f'data-flag="{flag_id}"' in page.text
    assert "非工作时间批量查询" in page.text
    blank = web.post(f"/audit/flags/{flag_id}/review",
                     data={"verdict": "dismissed", "note": "", "csrf_token": csrf_of(page.text)})
    assert blank.status_code == 422 and "请填写审查意见" in blank.text
    long_note = "查" * (NOTE_MAX + 1)
    over = web.post(f"/audit/flags/{flag_id}/review",
                    data={"verdict": "confirmed", "note": long_note,
                          "csrf_token": csrf_of(page.text)})
    assert over.status_code == 422
    assert f"不能超过 {NOTE_MAX} 个字符" in over.text
    assert f">{long_note}</textarea>" in over.text and f'data-flag="{flag_id}"' in over.text
    resp = web.post(f"/audit/flags/{flag_id}/review",
                    data={"verdict": "confirmed", "note": "夜间批量查询无办件依据",
                          "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert resp.status_code == 303
    done = web.get(resp.headers["location"])
    assert "已确认异常标记" in done.text and 'data-testid="no-flags"' in done.text
    confirmed = web.get("/audit/flags?status=confirmed")
    assert f'data-flag="{flag_id}"' in confirmed.text and "夜间批量查询无办件依据" in confirmed.text
    again = web.post(f"/audit/flags/{flag_id}/review",
                     data={"verdict": "dismissed", "note": "x", "csrf_token": csrf_of(page.text)})
    assert again.status_code == 409
    # The enterprise sees the access marked as flagged.
    citizen = account(Role.APPLICANT, subject_id=company_code(0))
    login(web, citizen)
    assert 'data-testid="flagged"' in web.get("/me/accesses").text


def test_overdue_requests_are_marked(rt, web, world, account, login):
    code = request_by_use_case(rt, world)
    later = datetime.now(UTC) + timedelta(days=25)  # past the answer deadline (working days)
    rt.clock = lambda: later
    login(web, world.provider)
    inbox = web.get("/agreements/inbox")
    item = re.search(rf'data-code="{code}".*?</section>', inbox.text, re.S).group(0)
    assert 'data-testid="overdue"' in item and "is-overdue" in inbox.text
    assert 'data-testid="overdue"' in web.get(f"/agreements/{code}").text
    # The data bureau sees it in its list of late answers (its one-time code at that time).
    admin = account(Role.BUREAU_ADMIN)
    web.cookies.clear()
    form = web.get("/login")
    web.post("/login", data={"username": admin.username, "password": admin.password,
                             "csrf_token": csrf_of(form.text)})
    code_form = web.get("/login/totp")
    done = web.post("/login/totp", data={"totp_code": pyotp.TOTP(admin.totp_secret).at(later),
                                         "csrf_token": csrf_of(code_form.text)},
                    follow_redirects=False)
    assert done.headers["location"] == "/"
    listed = web.get("/agreements")
    assert 'data-tab="all"' in listed.text
    assert 'data-testid="overdue-list"' in listed.text and code in listed.text
