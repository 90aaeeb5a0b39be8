"""Who may list which accounts, and who reads applicants' identifiers (issue 11, finding 3).

Least privilege: a data officer sees the staff of their own organization only; the
bureau admin sees every account with applicants' identifiers masked unless they
explicitly reveal them, which the audit trail records; nobody else reads them at all.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from govbridge.audit.models import AuditEvent
from govbridge.core.errors import PermissionDenied
from govbridge.core.permissions import Role
from govbridge.identity import users
from govbridge.identity.actor import Actor
from govbridge.identity.models import User

CITIZEN = "320505199001019251"
CITIZEN_MASKED = "320505********9251"
CREDIT = "91350100M000100Y43"
CREDIT_MASKED = "913501********0Y43"


@pytest.fixture
def city(make_org, make_user):
    """Two departments with staff, a bureau admin, an auditor and two applicants."""
    psb, tax = make_org("苏州市公安局"), make_org("苏州市税务局")
    bureau = make_org("苏州市大数据管理局")
    make_user("officer.psb", [Role.DATA_OFFICER], org=psb)
    make_user("clerk.psb", [Role.CLERK], org=psb)
    make_user("officer.tax", [Role.DATA_OFFICER], org=tax)
    make_user("admin", [Role.BUREAU_ADMIN], org=bureau)
    make_user("auditor", [Role.AUDITOR], org=bureau)
    make_user("zhang.san", [Role.APPLICANT], subject_id=CITIZEN)
    make_user("hengxin", [Role.APPLICANT], subject_id=CREDIT)
    return {"psb": psb, "tax": tax, "bureau": bureau}


def actor_of(rt, username: str) -> Actor:
    with rt.context() as ctx:
        user = ctx.db.scalar(select(User).where(User.username == username))
        return Actor.for_user(user_id=user.id, username=user.username,
                              roles=frozenset(Role(r) for r in user.roles),
                              organization_id=user.organization_id, subject_id=user.subject_id)


def listed(rt, actor, organization_code=None, **kw):
    with rt.context() as ctx:
        return {u.username: u for u in users.list_users(ctx, actor, organization_code, **kw)}


def test_data_officer_sees_only_own_organizations_staff(rt, city):
    seen = listed(rt, actor_of(rt, "officer.psb"))
    assert set(seen) == {"officer.psb", "clerk.psb"}
    assert all(u.subject_id is None for u in seen.values())


def test_data_officer_cannot_list_another_organization(rt, city):
    with pytest.raises(PermissionDenied):
        listed(rt, actor_of(rt, "officer.psb"), city["tax"])


def test_data_officer_never_reads_applicant_identifiers_even_asking_to_reveal(rt, city):
    with pytest.raises(PermissionDenied):
        listed(rt, actor_of(rt, "officer.psb"), reveal=True)


def test_bureau_admin_sees_applicant_identifiers_masked_by_default(rt, city):
    seen = listed(rt, actor_of(rt, "admin"))
    assert {"officer.tax", "zhang.san", "hengxin"} <= set(seen)
    assert (seen["zhang.san"].subject_id, seen["zhang.san"].subject_id_shown) == (
        CITIZEN_MASKED, "masked")
    assert (seen["hengxin"].subject_id, seen["hengxin"].subject_id_shown) == (
        CREDIT_MASKED, "masked")
    assert seen["officer.tax"].subject_id is None and seen["officer.tax"].subject_id_shown is None


def test_auditor_sees_accounts_but_no_applicant_identifier(rt, city):
    seen = listed(rt, actor_of(rt, "auditor"))
    assert {"zhang.san", "hengxin", "officer.tax"} <= set(seen)
    assert seen["zhang.san"].subject_id is None
    assert seen["zhang.san"].subject_id_shown == "withheld"
    assert seen["zhang.san"].subject_type == "person"
    with pytest.raises(PermissionDenied):
        listed(rt, actor_of(rt, "auditor"), reveal=True)


def test_bureau_admin_reveals_explicitly_and_the_trail_records_it(rt, city):
    seen = listed(rt, actor_of(rt, "admin"), reveal=True)
    assert seen["zhang.san"].subject_id == CITIZEN and seen["zhang.san"].subject_id_shown == "full"
    assert seen["hengxin"].subject_id == CREDIT
    with rt.context() as ctx:
        event = ctx.db.scalar(
            select(AuditEvent).where(AuditEvent.action == "user.reveal_subject_ids"))
    assert event is not None and event.actor == "user:admin"
    assert sorted(event.details["usernames"]) == ["hengxin", "zhang.san"]
    # The trail names whose identifiers were shown, never the identifiers themselves.
    assert CITIZEN not in str(event.details) and CREDIT not in str(event.details)


def test_masked_listing_is_not_recorded_as_a_reveal(rt, city):
    listed(rt, actor_of(rt, "admin"))
    with rt.context() as ctx:
        assert ctx.db.scalar(
            select(AuditEvent).where(AuditEvent.action == "user.reveal_subject_ids")) is None


def test_deactivating_an_applicant_answers_masked(rt, city):
    with rt.context() as ctx:
        out = users.set_active(ctx, actor_of(rt, "admin"), "zhang.san", False)
    assert out.subject_id == CITIZEN_MASKED
