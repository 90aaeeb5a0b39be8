"""Demo accounts: every role covered, subjects that exist, TOTP only where required."""

from __future__ import annotations

import base64
import re
from collections import Counter

import pyotp
import pytest

from govbridge.core.identifiers import validate_citizen_id, validate_credit_code
from govbridge.core.password_policy import check_password
from govbridge.core.permissions import ROLES_REQUIRING_TOTP, Role
from govbridge.demo.accounts import DEMO_PASSWORD, DemoAccount, demo_accounts, totp_secret
from govbridge.demo.departments import DEPARTMENTS, DEPARTMENTS_BY_KEY
from govbridge.demo.people import REFERENCE_DATE, age_on, company_at, person_at

SEED = 20261123
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")  # as in identity.users


@pytest.fixture(scope="module")
def accounts() -> dict[str, DemoAccount]:
    listed = demo_accounts(SEED)
    by_name = {a.username: a for a in listed}
    assert len(by_name) == len(listed), "usernames must be unique"
    return by_name


def test_every_role_is_covered(accounts):
    roles = Counter(r for a in accounts.values() for r in a.roles)
    assert set(roles) == {r.value for r in Role}


def test_the_required_accounts(accounts):
    def one(username: str, role: Role, dept: str | None) -> None:
        account = accounts[username]
        assert account.roles == (role.value,)
        assert account.department_key == dept

    one("admin", Role.BUREAU_ADMIN, "bureau")
    one("auditor", Role.AUDITOR, "bureau")
    one("clerk", Role.CLERK, "bureau")
    for d in DEPARTMENTS:
        one(f"officer.{d.key}", Role.DATA_OFFICER, d.key)
    for key in ("amr", "tax", "psb", "hrss", "health", "hsa", "housing", "nrp", "fire"):
        one(f"approver.{key}", Role.APPROVER, key)
    for key in ("amr", "health", "housing"):  # the windows of the items' lead departments
        one(f"clerk.{key}", Role.CLERK, key)
    one("citizen", Role.APPLICANT, None)
    one("company", Role.APPLICANT, None)


def test_staff_belong_to_departments_and_applicants_to_subjects(accounts):
    for a in accounts.values():
        assert USERNAME.match(a.username), a.username
        assert 1 <= len(a.display_name) <= 100
        if Role.APPLICANT.value in a.roles:
            assert a.department_key is None
            assert a.subject_type in {"person", "enterprise"} and a.subject_id
        else:
            assert a.department_key in DEPARTMENTS_BY_KEY
            assert a.subject_type is None and a.subject_id is None


def test_applicants_are_the_first_person_and_company(accounts):
    citizen = person_at(SEED, 0)
    assert accounts["citizen"].subject_type == "person"
    assert accounts["citizen"].subject_id == citizen.id_number
    assert accounts["citizen"].display_name == citizen.name
    assert age_on(citizen.birth_date) >= 18
    validate_citizen_id(citizen.id_number, today=REFERENCE_DATE)
    company = company_at(SEED, 0)
    assert accounts["company"].subject_type == "enterprise"
    assert accounts["company"].subject_id == company.credit_code
    validate_credit_code(company.credit_code)
    # The same company whatever number of persons the loader generated.
    assert company_at(SEED, 0, person_pool=1_000_000).credit_code == company.credit_code


def test_totp_secrets_only_where_a_second_factor_is_required(accounts):
    secrets = []
    for a in accounts.values():
        needs = any(Role(r) in ROLES_REQUIRING_TOTP for r in a.roles)
        if not needs:
            assert a.totp_secret is None, a.username
            continue
        assert a.totp_secret is not None
        assert re.fullmatch(r"[A-Z2-7]{32}", a.totp_secret)
        assert len(base64.b32decode(a.totp_secret)) == 20
        totp = pyotp.TOTP(a.totp_secret)
        assert totp.verify(totp.now())
        secrets.append(a.totp_secret)
    assert {a.username for a in accounts.values() if a.totp_secret} == {"admin", "auditor"}
    assert len(set(secrets)) == len(secrets)


def test_accounts_are_deterministic_per_seed(accounts):
    assert demo_accounts(SEED) == list(accounts.values())
    other = {a.username: a for a in demo_accounts(SEED + 1)}
    assert other.keys() == accounts.keys()
    assert other["admin"].totp_secret != accounts["admin"].totp_secret
    assert other["citizen"].subject_id != accounts["citizen"].subject_id
    assert totp_secret(SEED, "admin") == accounts["admin"].totp_secret


def test_demo_password_passes_the_password_rule_for_every_account(accounts):
    assert len(DEMO_PASSWORD) >= 12
    for a in accounts.values():
        check_password(DEMO_PASSWORD, username=a.username, other_inputs=[a.display_name])
