"""Drawing a process in the browser: the bpmn-js modeler, installed by set-up from the npm
registry and served by govbridge itself (no CDN), opens the item's current process on the
item admin's page; saving imports the drawing as a new version through the same checked
upload as a file. Only the item admin gets the page; the process text sits in the page
escaped (a `</textarea>` in it cannot break out)."""

# The case tests' fixtures are imported by name, so pytest finds them here; their
# parameters of the same name are what pytest injects, not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import pyotp
import pytest
from cases.conftest import (  # noqa: F401 - fixtures of the case tests, reused
    fixed_clock,
    world,
)
from web.test_case_pages import accounts, csrf, sign_in  # noqa: F401 - shared page fixtures

from govbridge.demo.services import process_xml
from govbridge.services import usecases as services
from govbridge.web.assets import modeler_installed
from support import PASSWORD, need

MODELER = "/static/vendor/bpmn-js/bpmn-modeler.production.min.js"


def test_the_item_admin_gets_the_modeler_on_the_current_process(world, sign_in, rt, admin):
    need(modeler_installed(), "bpmn-js is installed by scripts/setup.sh (needs npm)")
    bureau, applicant = sign_in("bureau"), sign_in("applicant")
    page = bureau.get(f"/admin/services/{world.item}/draw")
    assert page.status_code == 200
    assert f'<script src="{MODELER}?v=' in page.text
    assert "<script>" not in page.text  # no inline script: the CSP allows this site's only
    assert "&lt;bpmn:process" in page.text or "&lt;process" in page.text
    assert "Activity_AmrReview" in page.text
    asset = bureau.get(MODELER)
    assert asset.status_code == 200 and len(asset.content) > 100_000
    assert "javascript" in asset.headers["content-type"]
    assert bureau.get("/static/vendor/bpmn-js/assets/bpmn-js.css").status_code == 200
    assert bureau.get("/static/vendor/bpmn-js/../../../pyproject.toml").status_code == 404
    assert applicant.get(f"/admin/services/{world.item}/draw").status_code == 403
    item_page = bureau.get(f"/admin/services/{world.item}")
    assert f'href="/admin/services/{world.item}/draw"' in item_page.text


def test_the_process_text_cannot_break_out_of_the_page(world, sign_in, rt, admin):
    xml = process_xml("enterprise_establishment.bpmn")
    head, _, rest = xml.partition("?>")
    hostile = f"{head}?><!-- </textarea><script>alert(1)</script> -->{rest}"
    with rt.context() as ctx:
        services.import_bpmn(ctx, admin, world.item, hostile)
        assert "</textarea>" in services.get_version(ctx, admin, world.item).bpmn_xml
    page = sign_in("bureau").get(f"/admin/services/{world.item}/draw")
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert page.text.count("</textarea>") == 1
    assert "&lt;/textarea&gt;&lt;script&gt;" in page.text


@pytest.mark.browser
def test_drawing_saved_in_chromium_becomes_a_new_version(browser_page, live_server, world,
                                                        accounts, rt):
    need(modeler_installed(), "bpmn-js is installed by scripts/setup.sh (needs npm)")
    page = browser_page
    refused: list[str] = []
    page.on("console", lambda msg: refused.append(msg.text)
            if "Content Security Policy" in msg.text or msg.type == "error" else None)
    username, secret = accounts["bureau"]
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url("**/login/totp")
    page.fill("#totp_code", pyotp.TOTP(secret).at(rt.clock()))
    page.click("[data-testid=totp-submit]")
    page.wait_for_url(f"{live_server}/")

    page.goto(f"/admin/services/{world.item}/draw")
    page.wait_for_selector("#process-canvas[data-ready=true]", timeout=20_000)
    # bpmn-js drew the item's tasks (its own SVG, in the page) and keeps its watermark.
    assert page.locator("[data-element-id=Activity_AmrReview]").count() >= 1
    assert page.locator(".bjs-powered-by").count() == 1
    page.click("[data-testid=modeler-save]")
    page.wait_for_url(f"**/admin/services/{world.item}?notice=imported&version=2")
    with rt.context() as ctx:
        versions = services.list_versions(ctx, world.bureau, world.item)
    assert max(v.version for v in versions) == 2
    assert refused == [], refused
