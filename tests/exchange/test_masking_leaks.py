"""Property: a masked field's raw value leaves the platform by no way a consumer can reach.

Over generated raw values (citizen IDs, names, mobiles, addresses, CJK included) stored
in a dataset whose every personal field is masked, each example drives through the HTTP
API every refusal a consumer can provoke — field out of scope, wrong purpose, limit
exceeded, expired and revoked agreements, malformed and oversize requests — plus a
successful masked query and one about an unknown subject. It then looks for each raw
value in: the problem bodies, every log record at DEBUG, the successful answer (data,
seal, receipt), the catalog's DCAT export (both formats), the transparency views (my
accesses, an auditor's lookup, the flags) and every ledger entry.

The requests never carry a raw value themselves (a value the consumer sent echoed back
is not a leak), and the subject field (the credit code the query names) is not masked,
so any hit is a real leak. Complements the example tests in test_gateway.py and the
operator properties in tests/core/test_masking.py.
"""

from __future__ import annotations

import base64
import itertools
import json
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from catalog_fixtures import element
from govbridge.agreements import usecases as agreements
from govbridge.agreements.schemas import AgreementRequestIn
from govbridge.api.app import create_app
from govbridge.catalog.dcat import export_catalog
from govbridge.core.identifiers import citizen_id_check_char
from govbridge.core.permissions import Role
from govbridge.exchange import transparency
from govbridge.identity import clients
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.identity.organizations import org_by_code
from govbridge.identity.schemas import ClientCreate
from govbridge.ingest.pipeline import ingest_rows
from govbridge.ledger.models import LedgerEntry
from ingest_helpers import company_code

from .conftest import PURPOSE

MASKED = ["legal_rep", "legal_rep_id", "mobile", "address"]
ALL_FIELDS = ["credit_code", *MASKED, "established"]
AUDITOR = Actor.for_user(user_id=901, username="auditor", roles=frozenset({Role.AUDITOR}),
                         organization_id=None, subject_id=None)
UNKNOWN_SUBJECT = company_code(9_999_999)

# -- raw values -----------------------------------------------------------------------------

_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
# A surname and two or three given characters: a one-character "name" is its own surname,
# which the surname mask keeps by design.
_NAMES = st.builds(str.__add__, st.sampled_from("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗欧司"),
                   st.text(_CJK, min_size=2, max_size=3))


@st.composite
def _citizen_ids(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(["110105", "320505", "440305", "510107", "650102"]))
    born = draw(st.dates(date(1940, 1, 1), date(2010, 12, 31)))
    first17 = f"{region}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return first17 + citizen_id_check_char(first17)


_MOBILES = st.builds(str.__add__, st.sampled_from(["135", "138", "139", "150", "186", "199"]),
                     st.text("0123456789", min_size=8, max_size=8))
_ADDRESSES = st.one_of(
    st.builds(lambda where, street, n, rest: f"{where}{street}路{n}号{rest}",
              st.sampled_from(["江苏省苏州市姑苏区", "北京市东城区", "广东省深圳市南山区",
                               "四川省成都市锦江区"]),
              st.text(_CJK, min_size=2, max_size=4), st.integers(1, 999),
              st.text(_CJK, min_size=0, max_size=4)),
    st.text(_CJK, min_size=6, max_size=30),  # no recognisable city: redacted whole
)
_ROW = st.fixed_dictionaries({"legal_rep": _NAMES, "legal_rep_id": _citizen_ids(),
                              "mobile": _MOBILES, "address": _ADDRESSES})

# -- the setting ----------------------------------------------------------------------------


@pytest.fixture
def people(rt, publish, elements) -> str:
    """A dataset whose personal fields are all important: each gets its element's mask."""
    address = element(None, category="address", data_type="string")
    fields = [
        {"name": "credit_code", "title": "统一社会信用代码", "element": elements["credit_code"],
         "required": True, "grade": "general-1"},
        {"name": "legal_rep", "title": "法定代表人姓名", "element": elements["name"],
         "grade": "important"},
        {"name": "legal_rep_id", "title": "法定代表人公民身份号码",
         "element": elements["citizen_id"], "grade": "important"},
        {"name": "mobile", "title": "联系电话", "element": elements["mobile"],
         "grade": "important"},
        {"name": "address", "title": "住所", "element": address, "grade": "important"},
        {"name": "established", "title": "成立日期", "element": elements["date"],
         "grade": "general-1"},
    ]
    return publish({
        "name": "企业法定代表人联系信息", "abstract": "市场主体法定代表人的身份与联系方式。",
        "share_type": "unconditional", "subject_type": "enterprise",
        "subject_field": "credit_code", "keywords": ["法定代表人"], "fields": fields,
    }).resource_code


def _consumer(rt, make_org, name: str, user_id: int, people: str, *,
              fields: list[str] = ALL_FIELDS, revoke: bool = False,
              **limits: Any) -> dict[str, str]:
    """A consumer department with an agreement on `people` and an API key's headers."""
    code = make_org(name=name)
    with rt.context() as ctx:
        org_id = org_by_code(ctx, code).id
        key = clients.create_client(ctx, Actor.operator("t"), ClientCreate(
            organization_code=code, name="业务系统")).api_key
    officer = Actor.for_user(user_id=user_id, username=f"officer{user_id}",
                             roles=frozenset({Role.DATA_OFFICER}), organization_id=org_id,
                             subject_id=None)
    with rt.context() as ctx:
        made = agreements.request_agreement(ctx, officer, AgreementRequestIn(
            resource_code=people, fields=fields, purpose_kind="legal_basis",
            purpose_text=PURPOSE["text"], valid_until=date.today() + timedelta(days=30),
            **limits))
    if revoke:
        with rt.context() as ctx:
            agreements.revoke(ctx, officer, made.code, "项目结束")
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def setting(rt, make_org, people) -> dict[str, Any]:
    return {
        "people": people,
        "full": _consumer(rt, make_org, "苏州市税务局", 601, people, rate_per_minute=100_000),
        "narrow": _consumer(rt, make_org, "苏州市统计局", 602, people,
                            fields=["credit_code", "established"]),
        "stingy": _consumer(rt, make_org, "苏州市商务局", 603, people, daily_volume=1),
        "revoked": _consumer(rt, make_org, "苏州市文旅局", 604, people, revoke=True),
        "web": TestClient(create_app(rt), raise_server_exceptions=False),
        "subjects": itertools.count(1_000),
    }


# -- the property ---------------------------------------------------------------------------


def _refusals(rt, setting: dict[str, Any], ids: list[str]) -> list[tuple[str, int, str]]:
    """Every refusal a consumer can provoke: (what, status, body)."""
    web: TestClient = setting["web"]
    url = f"/api/v1/exchange/{setting['people']}/query"
    body = {"subject_ids": ids, "purpose": PURPOSE}
    calls: list[tuple[str, Any, dict[str, Any]]] = [
        ("field out of scope", setting["narrow"], {**body, "fields": ["credit_code", *MASKED]}),
        ("wrong purpose", setting["full"], {**body, "purpose": {"kind": "legal_basis",
                                                                "text": "了解一下情况"}}),
        ("limit exceeded", setting["stingy"], body),  # refused after the rows were read
        ("revoked", setting["revoked"], body),
        ("unknown field", setting["full"], {**body, "fields": ["colour"]}),
        ("no subject, no filter", setting["full"], {"purpose": PURPOSE}),
        ("malformed subject", setting["full"], {**body, "subject_ids": [" ", "9" * 65]}),
        ("wrong types", setting["full"], {**body, "limit": "all", "subject_ids": "x"}),
        ("too many subjects", setting["full"], {**body, "subject_ids": ids * 600}),
        ("no key", {}, body),
    ]
    out = []
    for what, headers, sent in calls:
        resp = web.post(url, json=sent, headers=headers)
        out.append((what, resp.status_code, resp.text))
    out.append(_raw_post(web, url, setting["full"], b'{"subject_ids": [', "malformed JSON"))
    out.append(_raw_post(web, url, setting["full"],
                         json.dumps({**body, "pad": "x" * 1_100_000}).encode(), "oversize"))
    # Expired: the same full agreement, a day after it ends.
    now = datetime.now(UTC)
    rt.clock = lambda: now + timedelta(days=45)
    try:
        resp = web.post(url, json=body, headers=setting["full"])
        out.append(("expired", resp.status_code, resp.text))
    finally:
        rt.clock = lambda: datetime.now(UTC)
    return out


def _raw_post(web: TestClient, url: str, headers: dict[str, str], content: bytes,
              what: str) -> tuple[str, int, str]:
    resp = web.post(url, content=content,
                    headers={**headers, "content-type": "application/json"})
    return what, resp.status_code, resp.text


def _public_text(rt) -> str:
    """What the platform shows before any generated row exists: names, titles, exports."""
    with rt.context() as ctx:
        names = "\n".join(ctx.db.scalars(select(Organization.name)))
    return names + "\n" + "\n".join(_views(rt, []).values())


def _views(rt, subjects: list[str]) -> dict[str, str]:
    """What the platform shows about data and accesses, as text."""
    with rt.context() as ctx:
        views = {
            "dcat turtle": export_catalog(ctx, AUDITOR, "turtle", "http://hub.example/"),
            "dcat json-ld": export_catalog(ctx, AUDITOR, "json-ld", "http://hub.example/"),
            "flags": json.dumps([f.model_dump(mode="json") if hasattr(f, "model_dump")
                                 else repr(f) for f in transparency.list_flags(ctx, AUDITOR)],
                                ensure_ascii=False),
            "ledger": "\n".join(ctx.db.scalars(select(LedgerEntry.entry))),
        }
        for subject in [*subjects, UNKNOWN_SUBJECT]:
            applicant = Actor.for_user(user_id=900, username="ent", organization_id=None,
                                       roles=frozenset({Role.APPLICANT}), subject_id=subject)
            views[f"my accesses {subject}"] = repr(transparency.my_accesses(ctx, applicant))
            views[f"auditor on {subject}"] = repr(
                transparency.subject_accesses(ctx, AUDITOR, subject))
    return views


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(rows=st.lists(_ROW, min_size=2, max_size=3))
def test_a_masked_fields_raw_value_never_leaves(rt, provider, setting, caplog, rows):
    # A generated value that is public text anyway (e.g. "苏州市市场监", the start of the
    # provider's name) would be "found" everywhere and prove nothing.
    public = _public_text(rt)
    assume(all(row[name] not in public for row in rows for name in MASKED))
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    ids = [company_code(next(setting["subjects"])) for _ in rows]
    stored = [{"credit_code": cid, "established": "2020-05-17", **row}
              for cid, row in zip(ids, rows, strict=True)]
    with rt.context() as ctx:
        report = ingest_rows(ctx, provider["officer"], setting["people"], stored, source="rest")
    assert report.accepted == len(rows), report
    web: TestClient = setting["web"]
    url = f"/api/v1/exchange/{setting['people']}/query"

    ok = web.post(url, json={"subject_ids": ids, "purpose": PURPOSE}, headers=setting["full"])
    assert ok.status_code == 200, ok.text
    answer = ok.json()
    assert [r["credit_code"] for r in answer["data"]["rows"]] == ids
    assert {f["name"]: f["mask"] != "raw" for f in answer["data"]["fields"]} == {
        f: f in MASKED for f in ALL_FIELDS}
    sealed_payload = base64.urlsafe_b64decode(answer["sealed"].split(".")[1] + "==").decode()
    unknown = web.post(url, json={"subject_ids": [UNKNOWN_SUBJECT], "purpose": PURPOSE},
                       headers=setting["full"])
    assert unknown.status_code == 200 and unknown.json()["data"]["rows"] == []

    refusals = _refusals(rt, setting, ids)
    statuses = {what: status for what, status, _ in refusals}
    assert statuses == {"field out of scope": 403, "wrong purpose": 403, "limit exceeded": 429,
                        "revoked": 403, "unknown field": 422, "no subject, no filter": 422,
                        "malformed subject": 422, "wrong types": 422,
                        "too many subjects": 422, "no key": 401, "malformed JSON": 400,
                        "oversize": 413, "expired": 403}, refusals

    places = {
        "answer": ok.text, "sealed payload": sealed_payload, "unknown subject": unknown.text,
        **{f"problem: {what}": text for what, _, text in refusals},
        **_views(rt, ids),
        "logs": caplog.text + "\n".join(r.getMessage() for r in caplog.records),
    }
    for row in rows:
        for name in MASKED:
            raw = row[name]
            leaked = [place for place, text in places.items() if raw in text]
            assert not leaked, f"raw {name} {raw!r} leaked into {leaked}"


@pytest.mark.parametrize("who", ["narrow", "full"])
def test_a_filter_on_a_masked_or_ungranted_field_is_refused(rt, provider, setting, who):
    """A filter is an oracle: rows for the right guess, none for a wrong one."""
    cid, raw = company_code(999), "320505199001030020"
    with rt.context() as ctx:
        ingest_rows(ctx, provider["officer"], setting["people"], [{
            "credit_code": cid, "legal_rep": "张三丰", "legal_rep_id": raw,
            "mobile": "13800138000", "address": "江苏省苏州市姑苏区人民路1号"}], source="rest")
    url = f"/api/v1/exchange/{setting['people']}/query"
    resp = setting["web"].post(url, headers=setting[who], json={
        "filter": {"legal_rep_id": raw}, "purpose": PURPOSE})
    assert resp.status_code == 422, resp.text
    assert [e["field"] for e in resp.json()["errors"]] == ["filter.legal_rep_id"]
    assert raw not in resp.text  # the guess is not echoed either
    # A field the agreement returns unmasked may still select rows.
    ok = setting["web"].post(url, headers=setting[who], json={
        "filter": {"credit_code": cid}, "purpose": PURPOSE})
    assert ok.status_code == 200, ok.text
    assert [r["credit_code"] for r in ok.json()["data"]["rows"]] == [cid]
