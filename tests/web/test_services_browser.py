"""企业开办 in a real Chromium, start to finish: the enterprise applies, the market
regulator's front desk checks identity and accepts (the shareholder's licence arrives by
sharing, the articles are missing), the enterprise uploads the articles, the regulator's
approver approves the review (the process issues the new 营业执照 by itself), tax, public
security and social security approve in parallel, and the enterprise sees 办结 and downloads
the sealed certificate PDF, which verifies."""

# The case tests' fixtures are imported by name, so pytest finds them here; their
# parameters of the same name are what pytest injects, not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from case_helpers import APPLICANT_ID, tiny_pdf
from cases.conftest import (  # noqa: F401 - fixtures of the case tests, reused
    agree,
    fixed_clock,
    issue_licence,
    licence_out,
    submit,
    world,
)

from govbridge.certificates import usecases as certificates
from govbridge.core.permissions import Role
from support import Login, log_out

pytestmark = pytest.mark.browser

COMPANY = "苏州新设科技有限公司"


def approve_task(page, browser_login, who: Login, code: str, *, look: bool = False) -> None:
    browser_login(page, who)
    page.click("nav.mainnav [data-nav=tasks]")
    page.wait_for_url("**/tasks")
    page.click(f"[data-testid=task][data-code='{code}'] [data-testid=task-link]")
    page.wait_for_url(f"**/tasks/{code}?task_id=*")
    if look:  # the shared licence, through the approver's own agreement, masked by it
        page.click("[data-testid=shared-submit]")
        view = page.locator("[data-testid=shared-view][data-key=shareholder_licence]")
        assert view.get_attribute("data-status") == "shown"
        assert view.locator("th[data-field=legal_rep_id] [data-testid=masked]").count() == 1
        assert "*" in view.locator("td[data-field=legal_rep_id]").inner_text()
    assert page.locator("[data-decision=approve]").is_checked()
    page.click("[data-testid=decide-submit]")
    page.wait_for_url(f"**/tasks?done={code}")
    assert code in page.locator("[data-testid=notice]").inner_text()
    log_out(page)


def test_enterprise_establishment_from_application_to_certificate(
    browser_page, browser_login, make_user, world, licence_out, issue_licence, agree, rt,
    tmp_path,
):
    issue_licence()  # the shareholder's licence, which the desk fetches by sharing
    agree()
    make_user("qiye", [Role.APPLICANT], subject_id=APPLICANT_ID)
    make_user("clerk-amr", [Role.CLERK], org=world.codes["amr"])
    for key in ("amr", "tax", "psb", "hrss"):
        make_user(f"approver-{key}", [Role.APPROVER], org=world.codes[key])
    page = browser_page

    # The enterprise applies; the shareholder's licence is marked as held by a department.
    browser_login(page, Login("qiye"))
    page.click("nav.mainnav [data-nav=services]")
    page.wait_for_url("**/services")
    item = page.locator(f"[data-testid=service-item][data-code='{world.item}']")
    assert item.locator("tr[data-key=shareholder_licence] [data-testid=by-sharing]").count() == 1
    item.locator("[data-testid=apply-link]").click()
    page.wait_for_url(f"**/services/{world.item}/apply")
    page.fill("#form-application-name", COMPANY)
    page.fill("#form-application-content", "设立登记：有限责任公司，注册资本 100 万元")
    page.click("[data-testid=apply-submit]")
    page.wait_for_url("**/my/cases/BJ*?notice=submitted")
    case = page.locator("[data-testid=case]")
    code = case.get_attribute("data-code")
    assert case.get_attribute("data-state") == "submitted"
    page.screenshot(path=str(tmp_path / "applied.png"), full_page=True)
    log_out(page)

    # The front desk checks the ID and accepts: what came by sharing and what is missing.
    browser_login(page, Login("clerk-amr"))
    page.click("nav.mainnav [data-nav=desk]")
    page.wait_for_url("**/desk")
    page.click(f"[data-testid=desk-cases] tr[data-code='{code}'] a")
    page.wait_for_url(f"**/desk/cases/{code}")
    page.fill("#identity_checked_id", APPLICANT_ID)
    page.click("[data-testid=accept-submit]")
    page.wait_for_url(f"**/desk/cases/{code}?notice=accepted")
    assert page.locator("[data-testid=case]").get_attribute("data-state") == "accepted"
    assert "法人股东营业执照" in page.locator("[data-testid=shared-summary]").inner_text()
    assert "公司章程" in page.locator("[data-testid=missing-summary]").inner_text()
    status = page.locator("[data-testid=case-materials] tr[data-key=shareholder_licence]")
    assert status.get_attribute("data-status") == "fetched_shared"
    page.screenshot(path=str(tmp_path / "accepted.png"), full_page=True)
    log_out(page)

    # The enterprise uploads the missing articles; the case goes to the back office.
    browser_login(page, Login("qiye"))
    page.click("nav.mainnav [data-nav=applications]")
    page.click(f"[data-testid=my-cases] tr[data-code='{code}'] a")
    page.wait_for_url(f"**/my/cases/{code}")
    articles = tmp_path / "章程.pdf"
    articles.write_bytes(tiny_pdf())
    page.set_input_files("#file-articles", str(articles))
    page.click("#material-articles [data-testid=upload-submit]")
    page.wait_for_url(f"**/my/cases/{code}?notice=uploaded*")
    assert page.locator("[data-testid=case]").get_attribute("data-state") == "in_progress"
    assert page.locator("tr[data-key=articles]").get_attribute("data-status") == "uploaded"
    assert "设立登记审核" in page.locator("[data-testid=current-steps]").inner_text()
    log_out(page)

    # The regulator approves the review; then tax, police and social security in parallel.
    approve_task(page, browser_login, Login("approver-amr"), code, look=True)
    for key in ("tax", "psb", "hrss"):
        approve_task(page, browser_login, Login(f"approver-{key}"), code)

    # The enterprise sees 办结 and downloads the certificate the process issued.
    browser_login(page, Login("qiye"))
    page.goto(f"/my/cases/{code}")
    case = page.locator("[data-testid=case]")
    assert case.get_attribute("data-state") == "completed"
    assert "办结" in case.locator(".card-head [data-testid=case-state]").inner_text()
    cert = page.locator("[data-testid=certificate]")
    assert cert.count() == 1 and "营业执照" in cert.inner_text()
    page.screenshot(path=str(tmp_path / "completed.png"), full_page=True)
    with page.expect_download() as download:
        cert.locator("[data-testid=cert-pdf]").click()
    saved = tmp_path / "licence.pdf"
    download.value.save_as(saved)
    data = saved.read_bytes()
    assert data.startswith(b"%PDF")
    with rt.context() as ctx:
        verdict = certificates.verify_document(ctx, data)
    assert verdict.status == "valid", verdict.reasons
    assert verdict.type_name == "营业执照"
    # On a phone the case page reflows: nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/my/cases/{code}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
