"""A certificate issued by hand on a case (issue 11, finding 5): only on an accepted or
in-progress case of an item that produces or uses the type, to the case's applicant or
the enterprise it created, under the registered name; it is issued at once (no second
officer), and the process's own outcome is still issued after it."""

from __future__ import annotations

import pytest
from case_helpers import APPLICANT_ID, tiny_pdf
from certificate_helpers import register

from govbridge.cases import usecases as cases
from govbridge.cases.schemas import CaseSubmitIn, DecisionIn
from govbridge.certificates import usecases as certificates
from govbridge.certificates.schemas import CertificateIn, CertificateOut
from govbridge.core.errors import InvalidInput, PermissionDenied
from govbridge.core.permissions import Role
from ingest_helpers import company_code

pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
FORM = {"application": {"name": "苏州新设科技有限公司"}}


def _submit(rt, world) -> str:
    with rt.context() as ctx:
        return cases.submit_application(ctx, world.applicant, CaseSubmitIn(
            item_code=world.item, applicant_name="苏州测试1有限公司", form=FORM)).code


def _in_progress(rt, world, issue_licence, agree) -> str:
    issue_licence()
    agree()
    code = _submit(rt, world)
    with rt.context() as ctx:
        cases.accept(ctx, world.clerk, code, APPLICANT_ID)
        cases.upload_material(ctx, world.applicant, code, "articles", "章程.pdf", tiny_pdf())
    return code


def _issue(rt, actor, **data):
    with rt.context() as ctx:
        return certificates.issue_certificate(ctx, actor, CertificateIn(**data))


def _codes(err) -> set[tuple[str, str]]:
    return {(p.field, p.code) for p in err.value.problems}


def test_on_its_case_the_applicant_is_issued_at_once(rt, world, provider, issue_licence,
                                                      agree, licence_out):
    code = _in_progress(rt, world, issue_licence, agree)
    made = _issue(rt, provider["officer"], certificate_type=world.licence_type,
                  holder_id=APPLICANT_ID, holder_name="苏州测试1有限公司", case=code,
                  data={"legal_rep": "张三"})
    assert isinstance(made, CertificateOut) and made.case_code == code
    with rt.context() as ctx:  # the applicant reads it; it shows on the case
        assert certificates.get_certificate(ctx, world.applicant, made.id).id == made.id
        assert made.id in {c.id for c in cases.timeline(ctx, world.applicant, code).certificates}
    # The process's own outcome (another type) is still issued when its step runs.
    with rt.context() as ctx:
        task = next(t for t in cases.my_tasks(ctx, world.approver("amr"))
                    if t.case_code == code)
        detail = cases.decide(ctx, world.approver("amr"), code, DecisionIn(
            task_id=task.task_id, decision="approve", opinion="同意"))
    issued = {c.type_name: c for c in detail.certificates}
    assert set(issued) == {"企业营业执照信息", "营业执照"}
    created = issued["营业执照"]
    # The enterprise the case created may be issued on the case too, under its own name.
    amr = world.approver("amr")
    with pytest.raises(InvalidInput) as err:
        _issue(rt, amr, certificate_type=licence_out, holder_id=created.holder_id,
               holder_name="苏州别的名字有限公司", case=code)
    assert _codes(err) == {("holder_name", "name_mismatch")}


def test_a_case_is_no_ground_for_another_holder_type_or_state(rt, world, provider, publish,
                                                              entry, issue_licence, agree,
                                                              licence_out):
    code = _in_progress(rt, world, issue_licence, agree)
    officer = provider["officer"]
    register(rt, company_code(2), "苏州测试2有限公司")
    with pytest.raises(InvalidInput) as err:  # someone else than the applicant
        _issue(rt, officer, certificate_type=world.licence_type, holder_id=company_code(2),
               holder_name="苏州测试2有限公司", case=code)
    assert _codes(err) == {("holder_id", "not_case_holder")}
    other_type = publish(entry(name="食品经营许可证")).resource_code
    with pytest.raises(InvalidInput) as err:  # a type the item neither produces nor uses
        _issue(rt, officer, certificate_type=other_type, holder_id=APPLICANT_ID,
               holder_name="苏州测试1有限公司", case=code)
    assert _codes(err) == {("case", "type_not_of_item")}
    waiting = _submit(rt, world)  # submitted, not accepted: identity not checked yet
    with pytest.raises(InvalidInput) as err:
        _issue(rt, officer, certificate_type=world.licence_type, holder_id=APPLICANT_ID,
               holder_name="苏州测试1有限公司", case=waiting)
    assert _codes(err) == {("case", "case_not_open")}
    with pytest.raises(InvalidInput) as err:
        _issue(rt, officer, certificate_type=world.licence_type, holder_id=APPLICANT_ID,
               holder_name="苏州测试1有限公司", case="BJ20261207NOSUCH00")
    assert _codes(err) == {("case", "unknown")}
    clerk = world.clerk
    assert Role.CLERK in clerk.roles
    with pytest.raises(PermissionDenied):  # a front-desk clerk issues nothing
        _issue(rt, clerk, certificate_type=world.licence_type, holder_id=APPLICANT_ID,
               holder_name="苏州测试1有限公司", case=code, issuer_org=provider["code"])
