"""Bad input: identity mismatch, no agreement, wrong department, revoked or expired
certificates, the wrong applicant, uploading what already arrived."""

from __future__ import annotations

from datetime import timedelta

import pytest
from case_helpers import APPLICANT_ID, FIXED, applicant, staff, tiny_pdf

from govbridge.cases import usecases as cases
from govbridge.cases.schemas import DecisionIn
from govbridge.certificates import usecases as certificates
from govbridge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from govbridge.core.permissions import Role
from ingest_helpers import company_code


def _licence(detail):
    return next(m for m in detail.materials if m.key == "shareholder_licence")


def test_identity_mismatch_is_refused(rt, world, ready):
    with rt.context() as ctx, pytest.raises(InvalidInput) as err:
        cases.accept(ctx, world.clerk, ready, company_code(2))
    assert err.value.problems[0].code == "identity_mismatch"
    with rt.context() as ctx:
        assert cases.timeline(ctx, world.clerk, ready).state == "submitted"


def test_no_agreement_leaves_the_certificate_missing(rt, world, issue_licence, submit):
    issue_licence()
    code = submit()  # no agreement for the item's purpose
    with rt.context() as ctx:
        detail = cases.accept(ctx, world.clerk, code, APPLICANT_ID)
    licence = _licence(detail)
    assert licence.status == "missing" and licence.detail.startswith("no agreement")
    assert "shareholder_licence" in detail.missing and detail.state == "accepted"


def test_revoked_certificate_does_not_count(rt, world, provider, issue_licence, agree,
                                            submit):
    cert = issue_licence()
    agree()
    with rt.context() as ctx:
        certificates.revoke_certificate(ctx, provider["officer"], cert.id, "吊销")
    code = submit()
    with rt.context() as ctx:
        detail = cases.accept(ctx, world.clerk, code, APPLICANT_ID)
    assert _licence(detail).status == "rejected"
    assert _licence(detail).detail == "certificate revoked"
    assert "shareholder_licence" in detail.missing
    # The applicant may supply a replacement for a rejected material.
    with rt.context() as ctx:
        detail = cases.upload_material(ctx, world.applicant, code, "shareholder_licence",
                                       "licence.pdf", tiny_pdf())
    assert "shareholder_licence" not in detail.missing


def test_expired_certificate_does_not_count(rt, world, issue_licence, agree, submit):
    issue_licence(valid_for=timedelta(days=2))
    agree()
    code = submit()
    rt.clock = lambda: FIXED + timedelta(days=5)
    with rt.context() as ctx:
        detail = cases.accept(ctx, world.clerk, code, APPLICANT_ID)
    assert _licence(detail).status == "rejected"
    assert _licence(detail).detail == "certificate expired"


def test_decision_by_the_wrong_department(rt, world, ready):
    with rt.context() as ctx:
        cases.accept(ctx, world.clerk, ready, APPLICANT_ID)
        cases.upload_material(ctx, world.applicant, ready, "articles", "a.pdf", tiny_pdf())
    with rt.context() as ctx:
        task = cases.my_tasks(ctx, world.approver("amr"))[0]
    with rt.context() as ctx, pytest.raises(PermissionDenied):
        cases.decide(ctx, world.approver("tax"), ready,
                     DecisionIn(task_id=task.task_id, decision="approve"))
    with rt.context() as ctx, pytest.raises(PermissionDenied):  # a clerk does not decide
        cases.decide(ctx, world.clerk, ready, DecisionIn(task_id=task.task_id,
                                                         decision="approve"))
    with rt.context() as ctx, pytest.raises(InvalidInput):  # refusal needs an opinion
        cases.decide(ctx, world.approver("amr"), ready,
                     DecisionIn(task_id=task.task_id, decision="refuse"))
    with rt.context() as ctx, pytest.raises(NotFound):
        cases.decide(ctx, world.approver("amr"), ready,
                     DecisionIn(task_id="no-such-task", decision="approve"))


def test_clerk_of_another_department_cannot_accept(rt, world, ready):
    other = staff(Role.CLERK, world.orgs["tax"], "clerk.tax")
    with rt.context() as ctx, pytest.raises(PermissionDenied):
        cases.accept(ctx, other, ready, APPLICANT_ID)


def test_applicants_see_and_touch_only_their_own_cases(rt, world, ready):
    stranger = applicant(company_code(3))
    with rt.context() as ctx, pytest.raises(NotFound):
        cases.timeline(ctx, stranger, ready)
    with rt.context() as ctx, pytest.raises(NotFound):
        cases.upload_material(ctx, stranger, ready, "articles", "a.pdf", tiny_pdf())
    with rt.context() as ctx:
        assert [c.code for c in cases.my_cases(ctx, stranger)] == []
        assert [c.code for c in cases.my_cases(ctx, world.applicant)] == [ready]


def test_only_missing_materials_are_uploaded(rt, world, ready):
    with rt.context() as ctx, pytest.raises(Conflict):  # shared ones wait for acceptance
        cases.upload_material(ctx, world.applicant, ready, "shareholder_licence", "a.pdf",
                              b"x")
    with rt.context() as ctx:
        cases.accept(ctx, world.clerk, ready, APPLICANT_ID)
    with rt.context() as ctx, pytest.raises(Conflict):  # accepted once only
        cases.accept(ctx, world.clerk, ready, APPLICANT_ID)
    with rt.context() as ctx, pytest.raises(Conflict):
        cases.upload_material(ctx, world.applicant, ready, "shareholder_licence", "a.pdf",
                              b"x")
    with rt.context() as ctx, pytest.raises(NotFound):
        cases.upload_material(ctx, world.applicant, ready, "nonsense", "a.pdf", tiny_pdf())
    with rt.context() as ctx, pytest.raises(InvalidInput):
        cases.upload_material(ctx, world.applicant, ready, "articles", "a.pdf", b"")


def test_staff_without_a_login_subject_cannot_apply(rt, world, submit):
    with pytest.raises(PermissionDenied):
        submit(who=world.clerk)
