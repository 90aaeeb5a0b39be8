"""The catalog in a real Chromium: an officer publishes through the wizard and submits, the
bureau admin (with a second factor) approves, the entry is found by search, data is uploaded."""

from __future__ import annotations

import pytest

from govbridge.core.permissions import Role
from govbridge.standards.usecases import seed_builtin_elements
from support import log_out

pytestmark = pytest.mark.browser

CODE = "301001001/000001"
CSV = (
    "credit_code,legal_rep\n"
    "91350100M000100Y43,张三\n"
    "91350100M000100Y44,李四\n"  # wrong check character: rejected
).encode()


@pytest.fixture
def elements(rt) -> None:
    with rt.context() as ctx:
        seed_builtin_elements(ctx)


def test_publish_review_search_and_upload(
    browser_page, browser_login, account, elements, live_server, tmp_path
):
    page = browser_page
    officer = account(Role.DATA_OFFICER)
    admin = account(Role.BUREAU_ADMIN)

    # The officer fills the wizard.
    browser_login(page, officer)
    page.click("nav.mainnav [data-nav=publish]")
    page.wait_for_url("**/catalog/new")
    page.fill("#name", "企业营业执照信息")
    page.fill("#name_en", "Business licence information")
    page.fill("#abstract", "市场主体登记后核发的营业执照的主要登记事项。")
    page.fill("#keywords", "营业执照 市场主体")
    page.select_option("#share_type", "unconditional")
    page.select_option("#subject_type", "enterprise")
    page.fill("#subject_field", "credit_code")
    page.fill("#field-name-0", "credit_code")
    page.fill("#field-title-0", "统一社会信用代码")
    page.select_option("#field-element-0", "DE0020")
    page.select_option("#field-grade-0", "general-2")
    page.check("#field-required-0")
    page.fill("#field-name-1", "legal_rep")
    page.fill("#field-title-1", "法定代表人姓名")
    page.select_option("#field-element-1", "DE0023")
    page.select_option("#field-grade-1", "important")
    page.screenshot(path=str(tmp_path / "wizard.png"), full_page=True)
    page.click("[data-testid=wizard-submit]")
    page.wait_for_url(f"**/catalog/{CODE}?notice=created")
    assert "已保存为草稿" in page.locator("[data-testid=notice]").inner_text()
    assert page.locator("[data-testid=status]").inner_text() == "草稿"
    assert page.locator("[data-testid=grade]").inner_text() == "重要数据"
    assert page.locator("[data-testid=fields] tbody tr").count() == 2

    # … and submits it for review.
    page.click("[data-testid=dataset-submit]")
    page.wait_for_url(f"**/catalog/{CODE}?notice=submitted")
    assert page.locator("[data-testid=status]").inner_text() == "待审核"
    assert page.locator("[data-testid=dataset-submit]").count() == 0
    log_out(page)

    # The bureau admin (password and one-time code) approves it.
    browser_login(page, admin)
    page.click("nav.mainnav [data-nav=review]")
    page.wait_for_url("**/catalog/review")
    item = page.locator(f"[data-testid=review-item][data-code='{CODE}']")
    assert "企业营业执照信息" in item.inner_text()
    page.screenshot(path=str(tmp_path / "review.png"), full_page=True)
    item.locator("[data-testid=approve]").click()
    page.wait_for_url("**/catalog/review?done=approved*")
    assert CODE in page.locator("[data-testid=notice]").inner_text()
    assert page.locator("[data-testid=queue-empty]").count() == 1

    # Published, it is found by a Chinese phrase inside its name, and by its facets.
    page.click("nav.mainnav [data-nav=catalog]")
    page.fill("#q", "营业执照")
    page.click("[data-testid=catalog-search]")
    page.wait_for_url("**/catalog?q=*")
    assert page.locator(".hit").count() == 1
    page.click("[data-facet=share_type] a[data-value=unconditional]")
    page.wait_for_url("**share_type=unconditional*")
    assert page.locator("[data-testid=active-filters]").count() == 1
    page.screenshot(path=str(tmp_path / "search.png"), full_page=True)
    page.click(f".hit[data-code='{CODE}'] a")
    page.wait_for_url(f"**/catalog/{CODE}")
    assert page.locator("[data-testid=status]").inner_text() == "已发布"
    assert page.locator("[data-testid=quality] svg").count() == 1
    page.screenshot(path=str(tmp_path / "dataset.png"), full_page=True)
    log_out(page)

    # The officer uploads a file and reads the validation report.
    browser_login(page, officer)
    page.goto(f"/catalog/{CODE}")
    page.set_input_files(
        "#file", files=[{"name": "licences.csv", "mimeType": "text/csv", "buffer": CSV}]
    )
    page.click("[data-testid=upload-submit]")
    report = page.locator("[data-testid=report]")
    report.wait_for()
    assert page.locator("[data-testid=accepted]").inner_text() == "1"
    assert page.locator("[data-testid=rejected]").inner_text() == "1"
    bad = page.locator("[data-testid=problems] tbody tr").first
    assert bad.get_attribute("data-row") == "3"
    assert bad.get_attribute("data-field") == "credit_code"
    assert "91350100M000100Y44" in bad.inner_text()
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)

    # On a phone the catalog reflows: nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/catalog", "/catalog/new", f"/catalog/{CODE}"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
