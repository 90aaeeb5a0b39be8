"""The pure agreement policy: effective state, purpose, validity and field scope."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from govbridge.agreements.policy import (
    DENIAL_ORDER,
    AgreementDenied,
    Purpose,
    Terms,
    check,
    choose,
    effective_state,
    in_force,
    is_overdue,
    local_date,
    purpose_matches,
)

TODAY = date(2026, 11, 30)
OK = Terms(
    code="AGR-2026-000001",
    state="approved",
    valid_from=date(2026, 11, 1),
    valid_until=date(2026, 12, 31),
    purpose_kind="service_item",
    purpose_code="SI-1",
    purpose_text="企业职工参保登记",
    grants={"credit_code": "raw", "legal_rep_id": "keep:6:4"},
)
LEGAL = replace(OK, purpose_kind="legal_basis", purpose_code=None,
                purpose_text="《社会保险法》第五十七条")


def denied(terms: Terms, purpose: Purpose | str = "SI-1", fields=None) -> AgreementDenied:
    with pytest.raises(AgreementDenied) as exc:
        check(terms, today=TODAY, purpose=purpose, fields=fields)
    return exc.value


def test_local_date_is_china_standard_time():
    assert local_date(datetime(2026, 11, 30, 15, 59, tzinfo=UTC)) == date(2026, 11, 30)
    assert local_date(datetime(2026, 11, 30, 16, 0, tzinfo=UTC)) == date(2026, 12, 1)
    assert local_date(datetime(2026, 11, 30, 16, 0)) == date(2026, 12, 1)  # naive read as UTC


@pytest.mark.parametrize(
    ("state", "until", "expected"),
    [
        ("approved", date(2026, 11, 30), "approved"),  # the last valid day
        ("approved", date(2026, 11, 29), "expired"),
        ("partially_approved", date(2026, 11, 29), "expired"),
        ("requested", date(2026, 11, 29), "requested"),
        ("refused", date(2026, 11, 29), "refused"),
        ("revoked", date(2026, 11, 29), "revoked"),
    ],
)
def test_effective_state(state, until, expected):
    assert effective_state(state, until, TODAY) == expected


@pytest.mark.parametrize(("state", "start", "until", "expected"), [
    ("approved", date(2026, 11, 1), date(2026, 11, 30), True),  # the last valid day
    ("partially_approved", date(2026, 11, 30), date(2026, 12, 31), True),  # the first
    ("approved", date(2026, 12, 1), date(2026, 12, 31), False),  # not begun
    ("approved", date(2026, 11, 1), date(2026, 11, 29), False),  # expired
    ("requested", date(2026, 11, 1), date(2026, 12, 31), False),
    ("revoked", date(2026, 11, 1), date(2026, 12, 31), False),
])
def test_in_force(state, start, until, expected):
    assert in_force(state, start, until, TODAY) is expected


def test_is_overdue():
    assert is_overdue("requested", date(2026, 11, 29), TODAY)
    assert not is_overdue("requested", TODAY, TODAY)
    assert not is_overdue("approved", date(2026, 11, 29), TODAY)
    assert not is_overdue("requested", None, TODAY)


def test_a_valid_agreement_passes():
    check(OK, today=TODAY, purpose="SI-1", fields=["credit_code"])
    check(OK, today=TODAY, purpose=Purpose("service_item", code=" si-1 "), fields=None)
    check(replace(OK, state="partially_approved"), today=TODAY, purpose="SI-1")
    check(OK, today=OK.valid_from, purpose="SI-1")
    check(OK, today=OK.valid_until, purpose="SI-1")


@pytest.mark.parametrize(
    ("terms", "reason"),
    [
        (replace(OK, state="requested"), "pending"),
        (replace(OK, state="refused"), "refused"),
        (replace(OK, state="revoked"), "revoked"),
        (replace(OK, valid_until=date(2026, 11, 29)), "expired"),
        (replace(OK, valid_from=date(2026, 12, 1)), "not_yet_valid"),
    ],
)
def test_state_and_validity_denials(terms, reason):
    exc = denied(terms)
    assert exc.reason == reason
    assert exc.status == 403
    assert exc.extensions()["reason"] == reason
    assert exc.extensions()["agreement"] == OK.code
    assert OK.code in exc.detail


@pytest.mark.parametrize(
    "purpose",
    ["SI-2", "", Purpose("legal_basis", text="SI-1"), Purpose("service_item", code=None)],
)
def test_wrong_purpose(purpose):
    assert denied(OK, purpose).reason == "wrong_purpose"


def test_legal_basis_matches_its_words():
    check(LEGAL, today=TODAY, purpose="《社会保险法》第五十七条")
    check(LEGAL, today=TODAY, purpose=Purpose("legal_basis", text=" 《社会保险法》 第五十七条"[1:]))
    assert denied(LEGAL, "《社会保险法》第五十八条").reason == "wrong_purpose"
    assert denied(LEGAL, Purpose("service_item", code="SI-1")).reason == "wrong_purpose"


def test_purpose_matches_needs_content():
    assert not purpose_matches("service_item", None, "x", Purpose("service_item", code=None))
    assert not purpose_matches("legal_basis", None, "  ", Purpose("legal_basis", text=""))


def test_field_scope():
    exc = denied(OK, fields=["credit_code", "established", "legal_rep"])
    assert exc.reason == "field_not_granted"
    assert exc.fields == ["established", "legal_rep"]
    assert exc.extensions()["fields"] == ["established", "legal_rep"]


def test_checks_run_state_first():
    both = replace(OK, state="revoked", purpose_code="SI-9")
    assert denied(both).reason == "revoked"


def test_choose_without_candidates():
    with pytest.raises(AgreementDenied) as exc:
        choose([], today=TODAY, purpose="SI-1", dataset="301001001/000001")
    assert exc.value.reason == "no_agreement"
    assert "301001001/000001" in exc.value.detail
    assert "agreement" not in exc.value.extensions()


def test_choose_prefers_the_newest_usable():
    older = OK
    newer = replace(OK, code="AGR-2026-000002")
    assert choose([older, newer], today=TODAY, purpose="SI-1") == newer
    revoked_newer = replace(newer, state="revoked")
    assert choose([older, revoked_newer], today=TODAY, purpose="SI-1") == older


def test_choose_reports_the_closest_denial():
    other_purpose = replace(OK, code="AGR-2026-000002", purpose_code="SI-9")
    expired = replace(OK, code="AGR-2026-000003", valid_until=date(2026, 1, 1))
    pending = replace(OK, code="AGR-2026-000004", state="requested")
    with pytest.raises(AgreementDenied) as exc:
        choose([other_purpose, expired, pending], today=TODAY, purpose="SI-1")
    assert exc.value.reason == "expired"
    assert exc.value.agreement == "AGR-2026-000003"
    with pytest.raises(AgreementDenied) as exc:
        choose([other_purpose, pending], today=TODAY, purpose="SI-1")
    assert exc.value.reason == "pending"
    # a revoked agreement for another purpose says nothing about this one
    revoked_other = replace(other_purpose, code="AGR-2026-000005", state="revoked")
    with pytest.raises(AgreementDenied) as exc:
        choose([expired, revoked_other], today=TODAY, purpose="SI-1")
    assert exc.value.reason == "expired"
    with pytest.raises(AgreementDenied) as exc:
        choose([expired, revoked_other], today=TODAY, purpose="SI-7")
    assert exc.value.reason == "wrong_purpose"
    assert exc.value.agreement == "AGR-2026-000005"


def test_denial_order_names_every_reason():
    assert set(DENIAL_ORDER) == {"field_not_granted", "not_yet_valid", "expired", "revoked",
                                 "pending", "refused", "wrong_purpose", "no_agreement"}
