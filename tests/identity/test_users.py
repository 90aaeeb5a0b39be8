"""User accounts: roles, applicants, password policy and history, permissions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from govbridge.core.errors import Conflict, InvalidInput, PermissionDenied
from govbridge.core.permissions import Role
from govbridge.identity import users
from govbridge.identity.actor import Actor
from govbridge.identity.models import User
from govbridge.identity.schemas import UserCreate
from support import PASSWORD

CITIZEN = "11010519491231002X"


def _user_count(rt) -> int:
    with rt.context() as ctx:
        return ctx.db.scalar(select(func.count()).select_from(User))


def _create(rt, actor, **kw):
    data = {"username": "clerk.li", "display_name": "李窗口", "password": PASSWORD,
            "roles": [Role.CLERK], **kw}
    with rt.context() as ctx:
        return users.create_user(ctx, actor, UserCreate(**data))


def test_staff_user_belongs_to_an_organization(rt, operator, make_org):
    org = make_org()
    out = _create(rt, operator, organization_code=org)
    assert out.organization_code == org and out.roles == [Role.CLERK]
    with pytest.raises(InvalidInput) as exc:
        _create(rt, operator, username="nobody")
    assert exc.value.problems[0].field == "organization_code"


def test_applicant_identified_by_citizen_id_or_credit_code(rt, operator):
    person = _create(rt, operator, username="zhang.san", roles=[Role.APPLICANT],
                     subject_id=CITIZEN.lower())
    assert (person.subject_type, person.subject_id) == ("person", CITIZEN)
    firm = _create(rt, operator, username="hengxin", roles=[Role.APPLICANT],
                   subject_id="91350100M000100Y43")
    assert firm.subject_type == "enterprise"
    with pytest.raises(Conflict):
        _create(rt, operator, username="zhang.san2", roles=[Role.APPLICANT], subject_id=CITIZEN)


def test_applicant_with_bad_id_check_character(rt, operator):
    with pytest.raises(InvalidInput) as exc:
        _create(rt, operator, username="li.si", roles=[Role.APPLICANT],
                subject_id="110105194912310021")
    p = exc.value.problems[0]
    assert (p.field, p.code, p.value) == ("subject_id", "checksum", "110105194912310021")
    assert _user_count(rt) == 0


def test_applicant_cannot_hold_staff_roles(rt, operator, make_org):
    with pytest.raises(InvalidInput):
        _create(rt, operator, roles=[Role.APPLICANT, Role.CLERK], subject_id=CITIZEN,
                organization_code=make_org())


@pytest.mark.parametrize("password, code", [
    ("short-1A!", "too_short"),
    ("passwordpassword", "weak"),
    ("clerk.li-2026-long", "contains_username"),
])
def test_weak_passwords_are_rejected_without_echo(rt, operator, make_org, password, code):
    org = make_org()
    with pytest.raises(InvalidInput) as exc:
        _create(rt, operator, organization_code=org, password=password)
    p = exc.value.problems[0]
    assert (p.field, p.code, p.value) == ("password", code, None)
    assert password not in str(exc.value)
    assert _user_count(rt) == 0


def test_duplicate_username(rt, operator, make_org):
    org = make_org()
    _create(rt, operator, organization_code=org)
    with pytest.raises(Conflict) as exc:
        _create(rt, operator, organization_code=org, username="CLERK.LI")
    assert exc.value.field == "username"


def test_bad_username_format(rt, operator, make_org):
    with pytest.raises(InvalidInput) as exc:
        _create(rt, operator, organization_code=make_org(), username="李 四")
    assert exc.value.problems[0].field == "username"


def test_password_reuse_is_refused(rt, operator, make_org):
    _create(rt, operator, organization_code=make_org())
    second = "Another-Strong-Passphrase-88"
    with rt.context() as ctx:
        users.set_password(ctx, operator, "clerk.li", second)
    for reused in (PASSWORD, second):
        with rt.context() as ctx, pytest.raises(InvalidInput) as exc:
            users.set_password(ctx, operator, "clerk.li", reused)
        assert exc.value.problems[0].code == "reused"


def test_own_password_change_needs_the_old_one(rt, operator, make_org):
    made = _create(rt, operator, organization_code=make_org())
    with rt.context() as ctx:
        uid = ctx.db.scalar(select(User.id).where(User.username == made.username))
    me = Actor.for_user(user_id=uid, username="clerk.li", roles=frozenset({Role.CLERK}),
                        organization_id=None, subject_id=None)
    with rt.context() as ctx, pytest.raises(InvalidInput) as exc:
        users.set_password(ctx, me, "clerk.li", "Brand-New-Passphrase-77", old_password="nope")
    assert exc.value.problems[0].field == "old_password"
    with rt.context() as ctx:
        users.set_password(ctx, me, "clerk.li", "Brand-New-Passphrase-77", old_password=PASSWORD)


def test_data_officer_manages_nothing_outside_permissions(rt, operator, make_org):
    org = make_org()
    officer = Actor.for_user(user_id=99, username="officer", roles=frozenset({Role.DATA_OFFICER}),
                             organization_id=1, subject_id=None)
    with pytest.raises(PermissionDenied) as exc:
        _create(rt, officer, organization_code=org)
    assert exc.value.permission == "user.manage"
    assert _user_count(rt) == 0


@pytest.mark.parametrize(("username", "kind"), [
    ("11010519491231002x", "citizen ID number"),  # a portal's "log in with your ID"
    ("zhang.11010519491231002X", "citizen ID number"),
    ("13912345678", "mobile number"),
    ("wang-13912345678", "mobile number"),
])
def test_an_account_name_holding_a_personal_identifier_is_refused_without_echo(
        rt, operator, username, kind):
    with pytest.raises(InvalidInput) as refused, rt.context() as ctx:
        users.create_user(ctx, operator, UserCreate(
            username=username, display_name="张三", password=PASSWORD,
            roles=[Role.APPLICANT], subject_id="11010519491231002X"))
    [problem] = refused.value.problems
    assert problem.code == "personal_identifier" and kind in problem.reason
    assert problem.value is None
    shown = f"{refused.value.detail} {refused.value.extensions()}".upper()
    assert "11010519491231002X" not in shown and "13912345678" not in shown


@pytest.mark.parametrize("username", ["clerk-2026", "officer.110105", "user12345678901234567"])
def test_numbers_that_are_no_identifier_are_fine_in_an_account_name(rt, operator, make_org,
                                                                    username):
    org = make_org("苏州市大数据管理局")
    with rt.context() as ctx:
        made = users.create_user(ctx, operator, UserCreate(
            username=username, display_name="职员", password=PASSWORD, roles=[Role.CLERK],
            organization_code=org))
    assert made.username == username
