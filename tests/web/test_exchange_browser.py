"""The exchange in a real Chromium: a consumer department's officer requests a conditional
dataset, the provider's officer approves part of it in the inbox, the consumer queries in
the console (masked rows, seal, receipt, the response downloaded and verified), and the
enterprise whose credit code was queried sees the access in its log."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from govbridge.cli.main import app as cli
from govbridge.core.permissions import Role
from govbridge.exchange.verify import verify_response
from govbridge.ingest.pipeline import ingest_rows
from govbridge.seals.usecases import ca_certificate_pem
from ingest_helpers import company_code, licence_row
from support import Login, log_out

pytestmark = pytest.mark.browser

PURPOSE = "《中华人民共和国税收征收管理法》第十五条"


@pytest.fixture
def dataset(rt, publish, entry, provider) -> str:
    code = publish(entry(share_type="conditional",
                         share_condition="办理涉企税务事项时使用")).resource_code
    with rt.context() as ctx:
        report = ingest_rows(ctx, provider["officer"], code,
                             [licence_row(n) for n in range(3)], source="rest")
    assert report.accepted == 3
    return code


def test_request_approve_query_and_the_enterprise_sees_the_access(
    browser_page, browser_login, account, make_user, provider, dataset, rt, tmp_path
):
    page = browser_page
    consumer = account(Role.DATA_OFFICER)
    make_user("amr-officer", [Role.DATA_OFFICER], org=provider["code"])
    amr = Login("amr-officer")
    subject = company_code(1)
    enterprise = account(Role.APPLICANT, subject_id=subject)

    # The consumer's officer requests three fields of the conditional dataset.
    browser_login(page, consumer)
    page.click("nav.mainnav [data-nav=request]")
    page.wait_for_url("**/agreements/new")
    page.fill("#pick_code", dataset)
    page.click("[data-testid=pick-submit]")
    page.wait_for_url("**/agreements/new?resource_code=*")
    assert page.locator("[data-testid=request-fields] tbody tr").count() == 4
    page.uncheck("[data-testid=request-fields] tr[data-field=established] input")
    page.select_option("#purpose_kind", "legal_basis")
    page.fill("#purpose_text", PURPOSE)
    page.screenshot(path=str(tmp_path / "request.png"), full_page=True)
    page.click("[data-testid=request-submit]")
    page.wait_for_url("**/agreements/AGR-*?notice=requested")
    code = page.locator("[data-testid=agreement]").get_attribute("data-code")
    assert page.locator("[data-testid=agreement]").get_attribute("data-state") == "requested"
    assert "申请已提交" in page.locator("[data-testid=notice]").inner_text()
    log_out(page)

    # The provider's officer approves two fields, the name masked to its surname.
    browser_login(page, amr)
    page.click("nav.mainnav [data-nav=inbox]")
    page.wait_for_url("**/agreements/inbox")
    item = page.locator(f"[data-testid=inbox-item][data-code='{code}']")
    assert PURPOSE in item.inner_text()
    item.locator("tr[data-field=legal_rep_id] input[type=checkbox]").uncheck()
    item.locator("select[data-mask=legal_rep]").select_option("surname")
    page.screenshot(path=str(tmp_path / "inbox.png"), full_page=True)
    item.locator("[data-testid=approve-some]").click()
    page.wait_for_url("**/agreements/inbox?done=partially_approved*")
    assert code in page.locator("[data-testid=notice]").inner_text()
    assert page.locator("[data-testid=inbox-empty]").count() == 1
    log_out(page)

    # The consumer's officer queries in the console and sees masked rows, seal and receipt.
    browser_login(page, consumer)
    page.click("nav.mainnav [data-nav=console]")
    page.wait_for_url("**/exchange/console")
    assert page.locator("[data-testid=chosen]").get_attribute("data-code") == code
    assert page.input_value("#purpose_text") == PURPOSE
    page.fill("#subject_ids", subject)
    page.click("[data-testid=query-submit]")
    page.locator("[data-testid=result]").wait_for()
    rows = page.locator("[data-testid=rows] tbody tr")
    assert rows.count() == 1
    assert rows.locator("td[data-field=credit_code]").inner_text() == subject
    assert rows.locator("td[data-field=legal_rep]").inner_text() == "张*"
    assert page.locator("[data-testid=rows] th[data-field=legal_rep_id]").count() == 0
    assert page.locator("[data-testid=seal-ok]").count() == 1
    assert "苏州市市场监督管理局" in page.locator("[data-testid=seal-org]").inner_text()
    leaf = int(page.locator("[data-testid=leaf-index]").inner_text())
    assert int(page.locator("[data-testid=tree-size]").inner_text()) > leaf
    page.screenshot(path=str(tmp_path / "console.png"), full_page=True)
    with page.expect_download() as download:
        page.click("[data-testid=download]")
    saved = tmp_path / "response.json"
    download.value.save_as(saved)
    doc = json.loads(saved.read_text("utf-8"))
    with rt.context() as ctx:
        anchor = ca_certificate_pem(ctx)
    checked = verify_response(doc, trust_anchor_pem=anchor)
    assert checked.leaf_index == leaf and checked.rows == 1
    ca = tmp_path / "ca.pem"
    ca.write_text(anchor, "utf-8")
    verified = CliRunner().invoke(cli, ["exchange", "verify", "--ca", str(ca), str(saved)])
    assert verified.exit_code == 0 and ": ok (1 rows sealed by" in verified.output
    # The ledger explorer checks the receipt's proof; every page reflows on a phone.
    page.click("nav.mainnav [data-nav=ledger]")
    page.fill("#proof", json.dumps({k: doc["receipt"][k] for k in
                                    ("leafIdx", "treeSize", "root", "leafHash", "proof")}))
    page.click("[data-testid=verify-submit]")
    page.locator("[data-testid=proof-ok]").wait_for()
    assert page.locator("[data-testid=proof-matches]").count() == 1
    page.screenshot(path=str(tmp_path / "ledger.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/agreements", f"/agreements/new?resource_code={dataset}",
                 f"/agreements/{code}", "/exchange/console", "/ledger"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    page.set_viewport_size({"width": 1280, "height": 860})
    log_out(page)

    # The enterprise whose credit code was queried sees who read it, when and why.
    browser_login(page, enterprise)
    page.click("nav.mainnav [data-nav=accesses]")
    page.wait_for_url("**/me/accesses")
    access = page.locator(f"[data-testid=access][data-leaf='{leaf}']")
    assert access.count() == 1
    assert PURPOSE in access.locator("[data-testid=access-purpose]").inner_text()
    assert "苏州市大数据管理局" in access.inner_text()
    assert "北京时间" in access.locator("[data-testid=access-time]").inner_text()
    proof = access.locator("[data-testid=access-proof]")
    assert not proof.locator("pre").is_visible()
    proof.locator("summary").click()
    assert proof.locator("pre").is_visible()
    assert f'"leafIdx": {leaf}' in proof.locator("pre").inner_text()
    page.screenshot(path=str(tmp_path / "accesses.png"), full_page=True)

    # On a phone the pages reflow: nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/me/accesses")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
