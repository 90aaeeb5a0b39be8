"""Sharing agreements end to end through the use cases, on a moving clock."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from govbridge.agreements import lookup
from govbridge.agreements import usecases as agreements
from govbridge.agreements.models import Agreement
from govbridge.agreements.policy import AgreementDenied, Purpose
from govbridge.audit.models import AuditEvent
from govbridge.catalog import usecases as catalog
from govbridge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from govbridge.identity.actor import Actor
from govbridge.ledger.models import LedgerEntry


def ledger(rt) -> list[tuple[str, dict]]:
    with rt.context() as ctx:
        rows = ctx.db.scalars(select(LedgerEntry).order_by(LedgerEntry.leaf_index)).all()
        return [(r.kind, json.loads(r.entry)) for r in rows]


def request(rt, actor, data):
    with rt.context() as ctx:
        return agreements.request_agreement(ctx, actor, data)


def decide(rt, actor, code, **kw):
    with rt.context() as ctx:
        return agreements.decide(ctx, actor, code, **kw)


def gate(rt, consumer_id, resource_code, purpose="320500-SI-0001", fields=None):
    with rt.context() as ctx:
        return lookup.active_agreement_for(ctx, consumer_id, resource_code, purpose,
                                           fields).code


def problems(exc) -> dict[str, str]:
    return {p.field: p.code for p in exc.value.problems}


# ---- request ---------------------------------------------------------------------------


def test_unconditional_is_granted_at_once(rt, consumer, request_in, datasets):
    out = request(rt, consumer["officer"], request_in("unconditional"))
    assert out.state == "approved"
    assert out.code == "AGR-2026-000001"
    assert out.answer_due is None and not out.overdue
    assert out.decided_by == "system:unconditional"
    assert out.consumer_code == consumer["code"]
    assert out.resource_code == datasets["unconditional"]
    assert out.valid_from == date(2026, 11, 30)  # today by default
    # general fields raw, the important citizen ID masked by its element's default
    assert out.grants == {"credit_code": "raw", "legal_rep": "raw", "legal_rep_id": "keep:6:4"}
    kinds = [(k, e["agreement"], e["state"]) for k, e in ledger(rt)]
    assert kinds == [("agreement.requested", out.code, "requested"),
                     ("agreement.approved", out.code, "approved")]
    assert gate(rt, consumer["id"], datasets["unconditional"]) == out.code


def test_conditional_waits_for_ten_working_days(rt, consumer, request_in, datasets):
    out = request(rt, consumer["officer"], request_in())
    assert out.state == "requested"
    assert out.grants == {}
    assert out.answer_due == date(2026, 12, 14)  # Monday + 10 working days
    ((kind, entry),) = ledger(rt)
    assert kind == "agreement.requested"
    assert entry["answer_due"] == "2026-12-14"
    assert entry["fields"] == ["credit_code", "legal_rep", "legal_rep_id"]
    assert entry["purpose"] == {"kind": "service_item", "code": "320500-SI-0001",
                                "text": "企业职工参保登记"}
    assert entry["consumer"] == consumer["code"]
    with pytest.raises(AgreementDenied) as exc:
        gate(rt, consumer["id"], datasets["conditional"])
    assert exc.value.reason == "pending"


def test_answer_days_and_holidays_come_from_settings(rt, consumer, request_in):
    rt.settings.agreement_answer_days = 3
    rt.settings.holidays = [date(2026, 12, 1)]
    out = request(rt, consumer["officer"], request_in())
    assert out.answer_due == date(2026, 12, 4)


def test_not_shared_data_cannot_be_requested(rt, consumer, request_in):
    with pytest.raises(InvalidInput) as exc:
        request(rt, consumer["officer"], request_in("none"))
    assert problems(exc) == {"share_type": "not_shared"}
    assert ledger(rt) == []


def test_unknown_field_and_other_input_problems(rt, consumer, request_in):
    data = request_in(fields=["credit_code", "salary"], purpose_code=None,
                      valid_from=date(2027, 1, 1), valid_until=date(2026, 12, 31))
    with pytest.raises(InvalidInput) as exc:
        request(rt, consumer["officer"], data)
    assert problems(exc) == {"fields[1]": "unknown_field", "purpose_code": "required",
                             "valid_until": "before_start"}
    assert "salary" in str(exc.value)
    with pytest.raises(InvalidInput) as exc:
        request(rt, consumer["officer"], request_in(valid_until=date(2026, 1, 1)))
    assert problems(exc) == {"valid_until": "past"}


def test_unpublished_and_missing_datasets(rt, consumer, request_in, entry, provider):
    from govbridge.catalog.schemas import DatasetIn

    with rt.context() as ctx:
        draft = catalog.create_dataset(ctx, provider["officer"], DatasetIn(**entry(name="草稿")))
    with pytest.raises(InvalidInput) as exc:
        request(rt, consumer["officer"], request_in(resource_code=draft.resource_code))
    assert problems(exc) == {"resource_code": "not_published"}
    with pytest.raises(NotFound):
        request(rt, consumer["officer"], request_in(resource_code="301001001/999999"))


def test_who_may_request(rt, consumer, provider, request_in, admin, auditor):
    with pytest.raises(InvalidInput) as exc:  # a department does not ask itself
        request(rt, provider["officer"], request_in())
    assert problems(exc) == {"consumer_code": "own_dataset"}
    with pytest.raises(PermissionDenied):  # not for another department
        request(rt, provider["officer"], request_in(consumer_code=consumer["code"]))
    with pytest.raises(PermissionDenied):  # the bureau admin requests nothing
        request(rt, admin, request_in())
    with pytest.raises(PermissionDenied):
        request(rt, auditor, request_in(consumer_code=consumer["code"]))
    out = request(rt, Actor.operator("ops"), request_in(consumer_code=consumer["code"]))
    assert out.consumer_code == consumer["code"] and out.requested_by == "operator:ops"


def test_codes_count_up_per_year(rt, consumer, request_in, clock):
    codes = [request(rt, consumer["officer"], request_in()).code for _ in range(2)]
    clock.advance(40)  # into 2027
    codes.append(request(rt, consumer["officer"], request_in()).code)
    assert codes == ["AGR-2026-000001", "AGR-2026-000002", "AGR-2027-000001"]


# ---- decide ----------------------------------------------------------------------------


def test_approve_all(rt, consumer, provider, request_in, datasets):
    code = request(rt, consumer["officer"], request_in()).code
    out = decide(rt, provider["officer"], code, masks={"legal_rep": "surname"})
    assert out.state == "approved"
    assert out.grants == {"credit_code": "raw", "legal_rep": "surname",
                          "legal_rep_id": "keep:6:4"}
    assert out.decided_by == "user:officer.amr"
    kind, entry = ledger(rt)[-1]
    assert kind == "agreement.approved" and entry["grants"] == out.grants
    assert "refused_fields" not in entry
    assert gate(rt, consumer["id"], datasets["conditional"],
                fields=["credit_code", "legal_rep_id"]) == code
    with rt.context() as ctx:
        audit = ctx.db.scalars(select(AuditEvent).where(AuditEvent.target_id == code)).all()
    assert {a.action for a in audit} == {"agreement.request", "agreement.decide"}


def test_approve_some_fields(rt, consumer, provider, request_in, datasets):
    code = request(rt, consumer["officer"], request_in()).code
    out = decide(rt, provider["officer"], code, approve_fields=["credit_code", "legal_rep_id"],
                 masks={"legal_rep_id": "raw"})
    assert out.state == "partially_approved"
    assert out.grants == {"credit_code": "raw", "legal_rep_id": "raw"}
    kind, entry = ledger(rt)[-1]
    assert kind == "agreement.approved"
    assert entry["state"] == "partially_approved"
    assert entry["refused_fields"] == ["legal_rep"]
    assert gate(rt, consumer["id"], datasets["conditional"], fields=["credit_code"]) == code
    with pytest.raises(AgreementDenied) as exc:
        gate(rt, consumer["id"], datasets["conditional"], fields=["credit_code", "legal_rep"])
    assert exc.value.reason == "field_not_granted" and exc.value.fields == ["legal_rep"]


def test_refuse_needs_a_reason(rt, consumer, provider, request_in, datasets):
    code = request(rt, consumer["officer"], request_in()).code
    for blank in ("", "   "):
        with pytest.raises(InvalidInput) as exc:
            decide(rt, provider["officer"], code, refuse_reason=blank)
        assert problems(exc) == {"reason": "required"}
    with pytest.raises(InvalidInput):
        decide(rt, provider["officer"], code, refuse_reason="no", approve_fields=["credit_code"])
    out = decide(rt, provider["officer"], code, refuse_reason="用途与共享条件不符")
    assert out.state == "refused" and out.decision_reason == "用途与共享条件不符"
    assert out.grants == {}
    kind, entry = ledger(rt)[-1]
    assert kind == "agreement.refused" and entry["reason"] == "用途与共享条件不符"
    with pytest.raises(AgreementDenied) as denied:
        gate(rt, consumer["id"], datasets["conditional"])
    assert denied.value.reason == "refused"
    with pytest.raises(Conflict):  # decided once only
        decide(rt, provider["officer"], code)


def test_bad_decisions(rt, consumer, provider, request_in):
    code = request(rt, consumer["officer"], request_in()).code
    with pytest.raises(InvalidInput) as exc:
        decide(rt, provider["officer"], code, approve_fields=[])
    assert problems(exc) == {"fields": "required"}
    with pytest.raises(InvalidInput) as exc:
        decide(rt, provider["officer"], code, approve_fields=["established"])
    assert problems(exc) == {"fields": "not_requested"}
    with pytest.raises(InvalidInput) as exc:
        decide(rt, provider["officer"], code, approve_fields=["credit_code"],
               masks={"credit_code": "blur", "legal_rep": "surname"})
    assert problems(exc) == {"masks.credit_code": "unknown_mask",
                             "masks.legal_rep": "not_approved"}
    assert [k for k, _ in ledger(rt)] == ["agreement.requested"]


def test_core_fields_are_never_granted_raw(rt, consumer, provider, entry, publish, elements):
    fields = entry()["fields"]
    fields[2] = {**fields[2], "grade": "core"}
    ds = publish(entry(name="核心数据集", share_type="conditional", share_condition="审批",
                       fields=fields))
    from govbridge.agreements.schemas import AgreementRequestIn

    data = AgreementRequestIn(resource_code=ds.resource_code, fields=["legal_rep_id"],
                              purpose_kind="legal_basis", purpose_text="《某法》第一条",
                              valid_until=date(2027, 1, 1))
    code = request(rt, consumer["officer"], data).code
    with pytest.raises(InvalidInput) as exc:
        decide(rt, provider["officer"], code, masks={"legal_rep_id": "raw"})
    assert problems(exc) == {"masks.legal_rep_id": "core_raw"}
    assert decide(rt, provider["officer"], code).grants == {"legal_rep_id": "keep:6:4"}


def test_only_the_provider_decides(rt, consumer, provider, request_in, outsider, admin):
    code = request(rt, consumer["officer"], request_in()).code
    for actor in (consumer["officer"], outsider, admin):
        with pytest.raises(PermissionDenied) as exc:
            decide(rt, actor, code)
        assert exc.value.permission == "agreement.decide"
    with pytest.raises(NotFound):
        decide(rt, provider["officer"], "AGR-2026-999999")


# ---- revoke and expiry -----------------------------------------------------------------


def test_revoked_agreement_is_refused_on_the_next_call(rt, consumer, provider, request_in,
                                                        datasets, outsider):
    code = request(rt, consumer["officer"], request_in("unconditional")).code
    assert gate(rt, consumer["id"], datasets["unconditional"]) == code
    with pytest.raises(PermissionDenied), rt.context() as ctx:
        agreements.revoke(ctx, outsider, code, "not mine")
    with pytest.raises(InvalidInput), rt.context() as ctx:
        agreements.revoke(ctx, provider["officer"], code, " ")
    with rt.context() as ctx:
        out = agreements.revoke(ctx, provider["officer"], code, "数据源调整")
    assert out.state == "revoked" and out.revoked_reason == "数据源调整"
    assert out.revoked_by == "user:officer.amr"
    kind, entry = ledger(rt)[-1]
    assert kind == "agreement.revoked" and entry["reason"] == "数据源调整"
    with pytest.raises(AgreementDenied) as exc:
        gate(rt, consumer["id"], datasets["unconditional"])
    assert exc.value.reason == "revoked"
    with pytest.raises(Conflict), rt.context() as ctx:
        agreements.revoke(ctx, consumer["officer"], code, "again")


@pytest.mark.parametrize("who", ["consumer", "admin"])
def test_consumer_and_bureau_may_revoke(rt, consumer, request_in, admin, who):
    code = request(rt, consumer["officer"], request_in()).code  # a pending request
    actor = consumer["officer"] if who == "consumer" else admin
    with rt.context() as ctx:
        assert agreements.revoke(ctx, actor, code, "不再需要").state == "revoked"


def test_expired_agreement_is_refused(rt, consumer, request_in, datasets, clock):
    code = request(rt, consumer["officer"], request_in(
        "unconditional", valid_until=date(2026, 12, 31))).code
    clock.advance(31)  # 2026-12-31 10:00 CST: last valid day
    assert gate(rt, consumer["id"], datasets["unconditional"]) == code
    clock.advance(1)
    with pytest.raises(AgreementDenied) as exc:
        gate(rt, consumer["id"], datasets["unconditional"])
    assert exc.value.reason == "expired"
    with rt.context() as ctx:
        assert agreements.get_agreement(ctx, consumer["officer"], code).state == "expired"
        with pytest.raises(Conflict):
            agreements.revoke(ctx, consumer["officer"], code, "late")
        assert ctx.db.scalar(select(Agreement.state)) == "approved"  # stored state unchanged


def test_not_yet_valid_and_wrong_purpose(rt, consumer, request_in, datasets):
    code = request(rt, consumer["officer"], request_in(
        "unconditional", valid_from=date(2027, 1, 1))).code
    with pytest.raises(AgreementDenied) as exc:
        gate(rt, consumer["id"], datasets["unconditional"])
    assert exc.value.reason == "not_yet_valid" and exc.value.agreement == code
    other = request(rt, consumer["officer"], request_in(
        "unconditional", purpose_kind="legal_basis", purpose_code=None,
        purpose_text="《社会保险法》第五十七条")).code
    assert gate(rt, consumer["id"], datasets["unconditional"],
                purpose=Purpose("legal_basis", text="《社会保险法》第五十七条")) == other
    with pytest.raises(AgreementDenied) as exc:
        gate(rt, consumer["id"], datasets["unconditional"], purpose="320500-SI-9999")
    assert exc.value.reason == "wrong_purpose" and exc.value.agreement == other


def test_no_agreement(rt, consumer, outsider, request_in, datasets):
    request(rt, consumer["officer"], request_in("unconditional"))
    with pytest.raises(AgreementDenied) as exc:
        gate(rt, outsider.organization_id, datasets["unconditional"])
    assert exc.value.reason == "no_agreement"
    with pytest.raises(NotFound):
        gate(rt, consumer["id"], "301001001/999999")


# ---- reading ---------------------------------------------------------------------------


def test_lists_by_role_and_state(rt, consumer, provider, request_in, admin, auditor, outsider,
                                 clock):
    a = request(rt, consumer["officer"], request_in("unconditional",
                                                    valid_until=date(2026, 12, 1))).code
    b = request(rt, consumer["officer"], request_in()).code

    def codes(actor, role="all", state=None):
        with rt.context() as ctx:
            return [x.code for x in agreements.list_agreements(ctx, actor, role, state)]

    assert codes(consumer["officer"], "consumer") == [b, a]
    assert codes(provider["officer"], "provider") == [b, a]
    assert codes(provider["officer"], "consumer") == []
    assert codes(outsider, "provider") == []
    assert codes(admin) == [b, a] == codes(auditor)
    assert codes(admin, state="requested") == [b]
    assert codes(admin, state="approved") == [a]
    clock.advance(2)
    assert codes(admin, state="approved") == []
    assert codes(admin, state="expired") == [a]
    # "all" for a department: both sides of its own agreements, nobody else's.
    assert codes(consumer["officer"]) == [b, a] == codes(provider["officer"])
    assert codes(outsider) == []
    with pytest.raises(InvalidInput):
        codes(admin, "consumer")
    with pytest.raises(InvalidInput):
        codes(admin, state="lost")
    with pytest.raises(InvalidInput):
        codes(admin, role="owner")


def test_get_is_for_the_parties_and_the_bureau(rt, consumer, provider, request_in, outsider,
                                               auditor):
    code = request(rt, consumer["officer"], request_in()).code
    with rt.context() as ctx:
        for actor in (consumer["officer"], provider["officer"], auditor):
            got = agreements.get_agreement(ctx, actor, code.lower())
            assert got.code == code and got.provider_code == provider["code"]
        with pytest.raises(NotFound):  # as for a code that does not exist (review, D7)
            agreements.get_agreement(ctx, outsider, code)


def test_overdue_list_for_the_bureau(rt, consumer, provider, request_in, admin, clock):
    late = request(rt, consumer["officer"], request_in()).code
    clock.advance(1)
    later = request(rt, consumer["officer"], request_in()).code
    answered = request(rt, consumer["officer"], request_in()).code
    decide(rt, provider["officer"], answered)

    def overdue():
        with rt.context() as ctx:
            return agreements.overdue(ctx, admin)

    clock.advance(13)  # Monday 14 December: the first one's due date, not yet overdue
    assert overdue() == []
    clock.advance(1)
    (row,) = overdue()
    assert row.code == late and row.days_overdue == 1 and row.answer_due == date(2026, 12, 14)
    assert row.provider_code == provider["code"]
    clock.advance(5)
    assert [(r.code, r.days_overdue) for r in overdue()] == [(late, 6), (later, 5)]
    with rt.context() as ctx:
        assert agreements.get_agreement(ctx, admin, late).overdue
        with pytest.raises(PermissionDenied):
            agreements.overdue(ctx, provider["officer"])
