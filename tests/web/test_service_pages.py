"""The bureau's service pages through the HTML forms: the item admin (create and edit with
errors naming field and value, BPMN import with the validator's line, versions, publish),
the holiday calendar, and the per-item figures (page with its inline SVG chart, and
GET /api/v1/services/figures); applicants and clerks get a 403 naming the permission."""

# The case tests' fixtures are imported by name, so pytest finds them here; their
# parameters of the same name are what pytest injects, not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from case_helpers import APPLICANT_ID, FIXED, tiny_pdf
from cases.conftest import (  # noqa: F401 - fixtures of the case tests, reused
    agree,
    fixed_clock,
    issue_licence,
    ready,
    submit,
    world,
)
from web.test_case_pages import (  # noqa: F401 - shared page fixtures
    accounts,
    csrf,
    licence_out,
    sign_in,
)

from govbridge.cases import usecases as cases
from govbridge.demo.services import process_xml
from govbridge.services import usecases as services

CODE = "11320500MB1J374274-QY-009"


def item_form(world, **changes) -> dict:
    data = {
        "code": CODE, "name": "企业变更登记", "lead_org_code": world.codes["amr"],
        "participating_org_codes": [world.codes["tax"], world.codes["psb"],
                                    world.codes["hrss"]],
        "promised_days": "3", "legal_days": "15", "fee": "0",
        "m_key": ["licence", "application", ""], "m_name": ["营业执照", "变更申请书", ""],
        "m_kind": ["certificate", "form", "upload"], "m_resource": [world.licence_type, "", ""],
        "m_required": ["1", "1", "1"],
    }
    data.update(changes)
    return data


def post(client, path: str, data: dict, page: str = "/admin/services/new", **kw):
    token = csrf(client.get(page).text)
    return client.post(path, data={**data, "csrf_token": token}, **kw)


def test_create_edit_import_and_publish(rt, world, sign_in):
    bureau = sign_in("bureau")
    home = bureau.get("/").text
    for key in ("items", "holidays", "figures"):
        assert f'data-nav="{key}"' in home

    # Bad input: each problem names its field and the value sent; the form keeps it all.
    bad = post(bureau, "/admin/services/new", item_form(
        world, promised_days="abc", m_key=["Licence!", "application", ""]))
    assert bad.status_code == 422
    assert "承诺时限（工作日）" in bad.text and "应为整数" in bad.text and "abc" in bad.text
    assert "第 1 行材料 · 材料键" in bad.text and "Licence!" in bad.text
    assert 'value="企业变更登记"' in bad.text
    too_long = post(bureau, "/admin/services/new", item_form(world, promised_days="20"))
    assert too_long.status_code == 422 and "超过法定时限" in too_long.text
    unknown = post(bureau, "/admin/services/new", item_form(
        world, m_resource=["NO-SUCH-CODE", "", ""]))
    assert unknown.status_code == 422 and "NO-SUCH-CODE" in unknown.text
    with rt.context() as ctx:
        assert CODE not in {i.code for i in services.list_service_items(ctx, world.bureau)}

    made = post(bureau, "/admin/services/new", item_form(world), follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].startswith(
        f"/admin/services/{CODE}?notice=created")
    page = bureau.get(made.headers["location"])
    assert "事项已创建" in page.text and 'data-status="draft"' in page.text
    assert 'data-testid="no-versions"' in page.text

    # Publishing before a process is imported is refused, with the reason.
    early = post(bureau, f"/admin/services/{CODE}/status", {"status": "published"},
                 page=f"/admin/services/{CODE}")
    assert early.status_code == 409 and "BPMN" in early.text

    # A malformed BPMN file: the validator's line is shown; nothing imported.
    token = csrf(bureau.get(f"/admin/services/{CODE}").text)
    broken = bureau.post(f"/admin/services/{CODE}/bpmn/upload", data={"csrf_token": token},
                         files={"file": ("p.bpmn", b"<definitions>\n<process>\n</definitions>",
                                         "application/xml")})
    assert broken.status_code == 422
    assert "bpmn-errors" in broken.text and "line 3" in broken.text and "流程文件" in broken.text
    good = bureau.post(f"/admin/services/{CODE}/bpmn/upload", data={"csrf_token": token},
                       files={"file": ("qy.bpmn",
                                       process_xml("enterprise_establishment.bpmn").encode(),
                                       "application/xml")}, follow_redirects=False)
    assert good.status_code == 303
    page = bureau.get(good.headers["location"])
    assert "流程已导入为版本 v1" in page.text and 'data-version="1" data-current="yes"' in page.text

    edited = post(bureau, f"/admin/services/{CODE}", item_form(world, name="企业变更登记（新）",
                                                               fee="12.50"),
                  page=f"/admin/services/{CODE}", follow_redirects=False)
    assert edited.status_code == 303
    published = post(bureau, f"/admin/services/{CODE}/status", {"status": "published"},
                     page=f"/admin/services/{CODE}", follow_redirects=True)
    assert "事项已发布" in published.text and 'data-status="published"' in published.text
    with rt.context() as ctx:
        item = services.get_service_item(ctx, world.bureau, CODE)
    assert (item.name, item.fee, item.status) == ("企业变更登记（新）", Decimal("12.50"),
                                                  "published")
    listed = bureau.get("/admin/services").text
    assert f'data-code="{CODE}" data-status="published"' in listed


def test_the_item_page_shows_its_outcome_certificate(world, licence_out, sign_in):
    page = sign_in("bureau").get(f"/admin/services/{world.item}")
    outcome = re.search(r'data-testid="outcome">(.*?)</p>', page.text).group(1)
    assert "营业执照" in outcome and "Activity_IssueLicence" in outcome
    assert 'data-version="1" data-current="yes"' in page.text
    assert f'maxlength="32" value="{world.licence_type}"' in page.text


def test_holidays_add_and_remove(rt, world, sign_in):
    bureau = sign_in("bureau")
    bad = post(bureau, "/admin/holidays", {"day": "2026-13-01", "kind": "holiday",
                                           "name": "元旦"}, page="/admin/holidays")
    assert bad.status_code == 422 and "日期" in bad.text and "2026-13-01" in bad.text
    ok = post(bureau, "/admin/holidays", {"day": "2027-01-01", "kind": "holiday",
                                          "name": "元旦"}, page="/admin/holidays",
              follow_redirects=True)
    assert 'data-day="2027-01-01" data-kind="holiday"' in ok.text and "元旦" in ok.text
    with rt.context() as ctx:
        assert [d.name for d in services.list_holidays(ctx, world.bureau, 2027)] == ["元旦"]
    gone = post(bureau, "/admin/holidays/2027-01-01/remove", {}, page="/admin/holidays",
                follow_redirects=True)
    assert "2027-01-01 已删除" in gone.text and 'data-day="2027-01-01"' not in gone.text


def test_the_admin_pages_need_service_manage(world, sign_in):
    clerk = sign_in("clerk")
    for path in ("/admin/services", "/admin/services/new", "/admin/holidays"):
        page = clerk.get(path)
        assert page.status_code == 403 and "service.manage" in page.text, path
        assert "管理政务服务事项" in page.text
    figures = clerk.get("/services/figures")
    assert figures.status_code == 403 and "case.read" in figures.text


def test_figures_per_item(rt, world, ready, sign_in):
    with rt.context() as ctx:
        cases.accept(ctx, world.clerk, ready, APPLICANT_ID)
        cases.upload_material(ctx, world.applicant, ready, "articles", "章程.pdf",
                              tiny_pdf())
    rt.clock = lambda: FIXED + timedelta(days=14)  # the case is now past its promised day
    bureau = sign_in("bureau")
    page = bureau.get("/services/figures")
    assert page.status_code == 200
    block = re.search(rf'data-testid="figures" data-code="{world.item}">(.*?)</section>',
                      page.text, re.S).group(1)
    assert re.search(r'data-testid="fig-total">1<', block)
    assert "<svg" in block and 'data-testid="chart-states"' in block
    assert 'data-state-count="1"' in block  # the in-progress bar
    assert ready in block and 'data-testid="fig-overdue"' in block
    # Of the case's 4 materials, the licence arrived by sharing.
    assert re.search(r'data-testid="fig-shared">25%<', block)
    api = bureau.get("/api/v1/services/figures")
    assert api.status_code == 200
    [row] = [r for r in api.json() if r["item_code"] == world.item]
    assert row["total"] == 1 and row["by_state"]["in_progress"] == 1
    assert [o["code"] for o in row["overdue"]] == [ready]
    assert row["shared_rate"] == pytest.approx(0.25)

