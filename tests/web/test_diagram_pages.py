"""Processes drawn on the pages: the item's process on its apply and admin pages, a case's
process with its finished, current and waiting steps marked on the applicant's, the front
desk's and the approver's case pages (each an `<img>` of an SVG served under its own strict
CSP, only to whoever may read the case), and the item admin mapping lanes to departments,
an unmapped lane blocking publishing with the reason shown. Chinese by default, English
with ?lang=en.
"""

# The case tests' fixtures are imported by name, so pytest finds them here; their
# parameters of the same name are what pytest injects, not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from cases.conftest import (  # noqa: F401 - fixtures of the case tests, reused
    agree,
    fixed_clock,
    issue_licence,
    submit,
    world,
)
from lxml import etree
from web.test_case_pages import (  # noqa: F401 - shared page fixtures
    PDF,
    accept,
    accounts,
    apply,
    csrf,
    licence_out,
    shareable,
    sign_in,
    task_of,
    upload,
)
from web.test_service_pages import CODE, item_form, post

from govbridge.demo.services import process_xml
from govbridge.services import usecases as services

SVG = "{http://www.w3.org/2000/svg}"
AMR_LANE = "苏州市市场监督管理局 11320500MB1J374274"


def marks_of(svg: bytes) -> dict[str, set[str]]:
    """The classes of each drawn element, by its bpmn id."""
    root = etree.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return {g.get("data-bpmn-id"): set(g.get("class", "").split())
            for g in root.iter(f"{SVG}g") if g.get("data-bpmn-id")}


def drawing(client, path: str) -> dict[str, set[str]]:
    resp = client.get(path)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("image/svg+xml")
    assert resp.headers["content-security-policy"].startswith("default-src 'none'")
    return marks_of(resp.content)


def test_the_item_pages_show_its_process_drawn(world, licence_out, sign_in):
    applicant, bureau = sign_in("applicant"), sign_in("bureau")
    img = f'<img src="/services/{world.item}/diagram.svg"'
    apply_page = applicant.get(f"/services/{world.item}/apply")
    assert img in apply_page.text and "各部门如何办理您的申请" in apply_page.text
    english = applicant.get(f"/services/{world.item}/apply?lang=en").text
    assert img in english and "How the departments handle your application." in english
    admin = bureau.get(f"/admin/services/{world.item}")
    assert img in admin.text and "流程版本 v1" in admin.text
    drawn = drawing(applicant, f"/services/{world.item}/diagram.svg")
    assert {"shape", "userTask"} <= drawn["Activity_AmrReview"]
    assert "current" not in drawn["Activity_AmrReview"]  # the item's process, no run
    assert "lane" in drawn["Lane_amr"]
    assert applicant.get("/services/NO-SUCH-ITEM/diagram.svg").status_code == 404


def test_a_case_shows_its_steps_marked_to_whoever_may_read_it(world, licence_out, shareable,
                                                              sign_in):
    applicant, clerk = sign_in("applicant"), sign_in("clerk")
    code = apply(applicant, world)
    img = f'<img src="/cases/{code}/diagram.svg"'
    # Before acceptance: the item's process, nothing run yet.
    before = drawing(applicant, f"/cases/{code}/diagram.svg")
    assert not any(c & {"finished", "current"} for c in before.values())
    assert accept(clerk, code).status_code == 303
    assert upload(applicant, code, "articles", "章程.pdf", PDF).status_code == 303
    amr = sign_in("amr")
    task = task_of(amr, code)
    pages = {"applicant": (applicant, f"/my/cases/{code}"),
             "clerk": (clerk, f"/desk/cases/{code}"),
             "approver": (amr, f"/tasks/{code}?task_id={task}")}
    for who, (client, path) in pages.items():
        zh = client.get(path)
        assert zh.status_code == 200, who
        assert img in zh.text and "已完成的步骤为绿色" in zh.text, who
        en = client.get(path + ("&" if "?" in path else "?") + "lang=en").text
        assert img in en and "Finished steps are green" in en, who
        drawn = drawing(client, f"/cases/{code}/diagram.svg")
        assert "current" in drawn["Activity_AmrReview"], who
        assert "finished" in drawn["StartEvent_Accepted"], who
        assert "waiting" in drawn["Gateway_AmrDecision"], (who, {
            k: v & {"finished", "current", "waiting"} for k, v in drawn.items()})
        assert not drawn["EndEvent_Done"] & {"finished", "current"}, who


def test_a_case_diagram_is_not_shown_to_who_may_not_read_the_case(world, licence_out,
                                                                   sign_in):
    code = apply(sign_in("applicant"), world)
    other = sign_in("other")
    assert other.get(f"/my/cases/{code}").status_code == 404
    refused = other.get(f"/cases/{code}/diagram.svg")
    assert refused.status_code == 404 and "<svg" not in refused.text
    assert other.get("/cases/NO-SUCH-CASE/diagram.svg").status_code == 404


def test_lanes_are_mapped_and_an_unmapped_lane_blocks_publishing(rt, world, sign_in):
    bureau = sign_in("bureau")
    page = f"/admin/services/{CODE}"
    assert post(bureau, "/admin/services/new", item_form(world),
                follow_redirects=False).status_code == 303
    # The regulator's lane without its credit code: imported, but mapped to no department.
    xml = process_xml("enterprise_establishment.bpmn").replace(AMR_LANE, "市场监管")
    imported = bureau.post(f"{page}/bpmn/upload", data={"csrf_token": csrf(bureau.get(page).text)},
                           files={"file": ("qy.bpmn", xml.encode(), "application/xml")},
                           follow_redirects=False)
    assert imported.status_code == 303
    shown = bureau.get(page).text
    assert 'data-lane="市场监管" data-department=""' in shown and 'data-testid="unmapped"' in shown
    assert "未指定部门的泳道会阻止发布：请在上方为 市场监管 指定部门。" in shown
    english = bureau.get(f"{page}?lang=en").text
    assert "A lane without a department blocks publishing: map 市场监管 above." in english
    bureau.get(f"{page}?lang=zh-CN")  # the language chosen is remembered: back to Chinese
    refused = post(bureau, f"{page}/status", {"status": "published"}, page=page)
    assert refused.status_code == 409
    assert "泳道“市场监管”未对应任何部门，事项无法发布" in refused.text  # the page's language
    refused_en = post(bureau, f"{page}/status?lang=en", {"status": "published"}, page=page)
    assert "the lane “市场监管” is mapped to no department" in refused_en.text
    bureau.get(f"{page}?lang=zh-CN")

    lanes = ["市场监管", "国家税务总局苏州市税务局 11320500MB1D81262U"]
    # A department outside the item: refused beside the form, nothing mapped.
    stray = post(bureau, f"{page}/lanes", {"lane": lanes,
                                           "department": [world.codes["bureau"], ""]},
                 page=page)
    assert stray.status_code == 422 and 'data-testid="lane-errors"' in stray.text
    assert world.codes["bureau"] in stray.text
    with rt.context() as ctx:
        item = services.get_service_item(ctx, world.bureau, CODE)
    assert {lane.lane: lane.department for lane in item.lanes}["市场监管"] is None

    mapped = post(bureau, f"{page}/lanes", {"lane": lanes,
                                            "department": [world.codes["amr"], ""]},
                  page=page, follow_redirects=True)
    assert mapped.status_code == 200 and "泳道已映射" in mapped.text
    assert f'data-lane="市场监管" data-department="{world.codes["amr"]}"' in mapped.text
    assert 'data-testid="publish-blocked"' not in mapped.text
    published = post(bureau, f"{page}/status", {"status": "published"}, page=page,
                     follow_redirects=True)
    assert 'data-status="published"' in published.text
