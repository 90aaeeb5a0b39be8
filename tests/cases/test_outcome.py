"""The process issues the case's certificate by itself: 企业开办's service task 核发电子营业执照
makes out the new company's 营业执照 (a new credit code), sealed and ledgered, readable by
the applicant, served at once by the exchange, never twice; 时限中止 during correction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from case_helpers import APPLICANT_ID, FIXED, staff, tiny_pdf, tiny_png

from govbridge.agreements import usecases as agreements
from govbridge.agreements.schemas import AgreementRequestIn
from govbridge.cases import outcome as rules
from govbridge.cases import usecases as cases
from govbridge.cases.schemas import CaseSubmitIn, DecisionIn
from govbridge.certificates import usecases as certificates
from govbridge.core.errors import InvalidInput
from govbridge.core.identifiers import validate_credit_code
from govbridge.core.permissions import Role
from govbridge.exchange import gateway
from govbridge.exchange.schemas import PurposeIn, QueryIn
from govbridge.identity.actor import Actor
from govbridge.services import usecases as services
from govbridge.services.schemas import Outcome, ServiceItemUpdate

FORM = {"application": {"name": "苏州新设科技有限公司", "capital": "100"}}


def _submit(rt, world, form=FORM) -> str:
    with rt.context() as ctx:
        return cases.submit_application(ctx, world.applicant, CaseSubmitIn(
            item_code=world.item, applicant_name="苏州测试1有限公司", form=form)).code


def _decide(rt, world, key, code, decision="approve", opinion="", materials=()):
    with rt.context() as ctx:
        task = next(t for t in cases.my_tasks(ctx, world.approver(key)) if t.case_code == code)
        return cases.decide(ctx, world.approver(key), code, DecisionIn(
            task_id=task.task_id, decision=decision, opinion=opinion,
            materials=list(materials)))


def _into_review(rt, world, issue_licence, agree) -> str:
    issue_licence()
    agree()
    code = _submit(rt, world)
    with rt.context() as ctx:
        cases.accept(ctx, world.clerk, code, APPLICANT_ID)
        cases.upload_material(ctx, world.applicant, code, "articles", "章程.pdf", tiny_pdf())
    return code


def test_approved_review_issues_the_licence_once(rt, world, issue_licence, agree,
                                                 licence_out):
    code = _into_review(rt, world, issue_licence, agree)
    detail = _decide(rt, world, "amr", code)
    assert [c.type_name for c in detail.certificates] == ["营业执照"]
    cert = detail.certificates[0]
    assert validate_credit_code(cert.holder_id) == cert.holder_id
    assert cert.holder_id.startswith("91" + "320500") and cert.holder_id != APPLICANT_ID
    assert cert.holder_name == "苏州新设科技有限公司"
    assert any(e.kind == "issued" and e.detail["identifier"] == cert.identifier
               for e in detail.events)
    # The parallel departments finish; nothing is issued again.
    for key in ("tax", "psb", "hrss"):
        detail = _decide(rt, world, key, code)
    assert detail.state == "completed"
    assert [c.identifier for c in detail.certificates] == [cert.identifier]
    # The applicant (not the holder) reads and verifies the sealed PDF.
    with rt.context() as ctx:
        ident, pdf = certificates.certificate_pdf(ctx, world.applicant, cert.id)
        verdict = certificates.verify_document(ctx, pdf)
        mine = certificates.list_certificates(ctx, world.applicant)
    assert ident == cert.identifier and pdf.startswith(b"%PDF-")
    assert verdict.status == "valid"
    assert cert.identifier in {c.identifier for c in mine}
    # Another applicant may not.
    stranger = Actor.for_user(user_id=77, username="other", roles=frozenset({Role.APPLICANT}),
                              organization_id=None, subject_id="91320500MA1MXXXX1X")
    with rt.context() as ctx, pytest.raises(Exception, match="cert"):
        certificates.certificate_pdf(ctx, stranger, cert.id)


def test_new_licence_is_served_by_the_exchange_at_once(rt, world, issue_licence, agree,
                                                       licence_out):
    code = _into_review(rt, world, issue_licence, agree)
    holder = _decide(rt, world, "amr", code).certificates[0].holder_id
    tax = staff(Role.DATA_OFFICER, world.orgs["tax"], "officer.tax")
    with rt.context() as ctx:
        agreements.request_agreement(ctx, tax, AgreementRequestIn(
            resource_code=licence_out, fields=["credit_code", "legal_rep", "established"],
            purpose_kind="service_item", purpose_code=world.item, purpose_text="企业开办",
            valid_until=(FIXED + timedelta(days=30)).date()))
    with rt.context() as ctx:
        answer = gateway.query(ctx, tax, licence_out, QueryIn(
            subject_ids=[holder],
            purpose=PurposeIn(kind="service_item", code=world.item, case=code)))
    rows = answer.data["rows"]
    assert len(rows) == 1 and rows[0]["credit_code"] == holder
    assert rows[0]["established"] == FIXED.date().isoformat()


def test_refused_review_issues_nothing(rt, world, issue_licence, agree, licence_out):
    code = _into_review(rt, world, issue_licence, agree)
    detail = _decide(rt, world, "amr", code, "refuse", "经营范围含禁止类项目")
    assert detail.state == "refused" and detail.certificates == []


def test_application_without_the_holder_name_is_refused(rt, world, licence_out):
    with pytest.raises(InvalidInput) as err:
        _submit(rt, world, form={"application": {"capital": "100"}})
    assert err.value.problems[0].field == "form.application.name"


def test_outcome_task_must_be_a_service_task_of_the_process(rt, world, admin, licence_out):
    with rt.context() as ctx, pytest.raises(InvalidInput) as err:
        services.update_service_item(ctx, admin, world.item, ServiceItemUpdate(
            outcome=Outcome(type_name="营业执照", task="Activity_AmrReview")))
    assert err.value.problems[0].field == "outcome.task"
    assert "Activity_IssueLicence" in err.value.problems[0].reason


def test_outcome_type_must_belong_to_a_department_of_the_item(rt, world, admin):
    # world.licence_type is published by the test provider, not a department of the item.
    with rt.context() as ctx, pytest.raises(InvalidInput) as err:
        services.update_service_item(ctx, admin, world.item, ServiceItemUpdate(
            outcome=Outcome(type_name="营业执照", certificate_type=world.licence_type)))
    assert err.value.problems[0].code == "not_participating"


def test_return_for_correction_stops_the_clock(rt, world, issue_licence, agree):
    code = _into_review(rt, world, issue_licence, agree)
    with rt.context() as ctx:
        due_before = cases.timeline(ctx, world.applicant, code).promised_due
    detail = _decide(rt, world, "amr", code, "return", "章程缺少股东签字", ["articles"])
    assert detail.state == "accepted" and detail.suspended_at is not None
    # Five working days later (a Monday to the next Monday) the applicant corrects.
    rt.clock = lambda: FIXED + timedelta(days=7)
    with rt.context() as ctx:
        report = cases.tick(ctx)
        assert code not in report.reminded + report.escalated  # suspended: no escalation
        assert code not in {c.code for c in cases.overdue_cases(ctx, world.bureau)}
        detail = cases.upload_material(ctx, world.applicant, code, "articles", "章程2.pdf",
                                       tiny_pdf())
    assert detail.state == "in_progress" and detail.suspended_at is None
    assert detail.promised_due is not None and due_before is not None
    assert (detail.promised_due - due_before).days == 7  # five working days = one week
    assert any(e.kind == "resumed" and e.detail["waited_working_days"] == 5
               for e in detail.events)


@pytest.mark.parametrize("content", [b"<html><script>alert(1)</script>", b"MZ\x90\x00",
                                     b"#!/bin/sh\nrm -rf /"])
def test_upload_refuses_what_is_not_a_document(rt, world, issue_licence, agree, submit,
                                               content):
    issue_licence()
    agree()
    code = submit()
    with rt.context() as ctx:
        cases.accept(ctx, world.clerk, code, APPLICANT_ID)
    with rt.context() as ctx, pytest.raises(InvalidInput) as err:
        cases.upload_material(ctx, world.applicant, code, "articles", "章程.pdf", content)
    assert err.value.problems[0].code == "file_type"
    with rt.context() as ctx:
        assert "articles" in cases.timeline(ctx, world.applicant, code).missing


def test_uploaded_file_is_kept_and_readable_by_the_case_staff_only(rt, world, issue_licence,
                                                                  agree, submit):
    issue_licence()
    agree()
    code = submit()
    png = tiny_png()
    with rt.context() as ctx:
        cases.accept(ctx, world.clerk, code, APPLICANT_ID)
        detail = cases.upload_material(ctx, world.applicant, code, "articles", "章程.png", png)
    assert [(f.material_key, f.media_type, f.size) for f in detail.files] == [
        ("articles", "image/png", len(png))]
    with rt.context() as ctx:
        assert cases.material_file(ctx, world.approver("tax"), code, "articles").content == png
        assert cases.material_file(ctx, world.applicant, code, "articles").filename == "章程.png"
    outsider = staff(Role.APPROVER, world.orgs["edu"], "approver.edu")
    with rt.context() as ctx, pytest.raises(Exception, match="case"):
        cases.material_file(ctx, outsider, code, "articles")


def test_new_enterprise_code_is_valid_and_stable():
    first = rules.new_enterprise_code("BJ20261207ABCDEF01", "320500")
    assert validate_credit_code(first) == first
    assert rules.new_enterprise_code("BJ20261207ABCDEF01", "320500") == first
    assert rules.new_enterprise_code("BJ20261207ABCDEF01", "320500", 1) != first


def test_certificate_data_leaves_out_absent_form_values():
    facts = rules.CaseFacts(case_code="BJ1", applicant_id="A", applicant_name="张三",
                            form={"application": {"name": "新公司"}}, issuer_name="市场监管局",
                            today=FIXED.date())
    outcome = {"holder_name": "form:application.name",
               "data": {"entity_name": "holder_name", "legal_rep": "applicant_name",
                        "capital": "form:application.capital", "authority": "issuer_name",
                        "kind": "=有限责任公司", "issued": "today"}}
    name = rules.holder_name(outcome, facts)
    assert name == "新公司"
    assert rules.certificate_data(outcome, facts, "H", name) == {
        "entity_name": "新公司", "legal_rep": "张三", "authority": "市场监管局",
        "kind": "有限责任公司", "issued": FIXED.date().isoformat()}
    assert rules.due_now({"task": "T"}, ["T"], case_completed=False)
    assert not rules.due_now({"task": "T"}, [], case_completed=True)
    assert rules.due_now({}, [], case_completed=True)
