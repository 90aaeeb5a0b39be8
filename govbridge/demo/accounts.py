"""The demo city's sign-in accounts: one per role, a data officer in every department;
and how they are handed to the person who started the demo (whole lines on stdout and a
0600 file under the data directory, never a log)."""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from govbridge.core.permissions import ROLES_REQUIRING_TOTP, Role
from govbridge.demo.departments import DEPARTMENTS, DepartmentSpec, department
from govbridge.demo.people import company_at, person_at, staff_name
from govbridge.runtime import Ctx

# The one password of every demo account. It exists for the demo city only: it is
# printed in the docs and on the demo's start screen, so it must never be used for an
# account of a real deployment. It passes the password rule (12+ characters, zxcvbn 4).
DEMO_PASSWORD = "Gusu-Canal-Garden-2026!"  # noqa: S105 - public demo password, see above

APPROVER_DEPARTMENTS = ("amr", "tax", "psb", "hrss", "health", "hsa", "housing", "nrp", "fire")
# Front-desk windows (受理窗口) of the departments leading the demo's service items.
CLERK_DEPARTMENTS = ("amr", "health", "housing")

_ROLE_LABELS = {
    Role.BUREAU_ADMIN: "平台管理员",
    Role.AUDITOR: "审计员",
    Role.DATA_OFFICER: "首席数据官",
    Role.CLERK: "综合窗口受理员",
    Role.APPROVER: "后台审批员",
}


@dataclass(frozen=True, slots=True)
class DemoAccount:
    username: str
    display_name: str
    roles: tuple[str, ...]
    department_key: str | None
    subject_type: str | None = None  # applicants: "person" or "enterprise"
    subject_id: str | None = None  # applicants: citizen ID or credit code
    totp_secret: str | None = None  # base32; only for roles that must use a second factor


def totp_secret(seed: int, username: str) -> str:
    """A deterministic 32-character base32 TOTP secret (160 bits) for a demo account."""
    digest = hashlib.blake2b(
        b"%d:%s" % (seed, username.encode()), digest_size=20, person=b"gb-demo-totp"
    ).digest()
    return base64.b32encode(digest).decode("ascii")


def _short(dept: DepartmentSpec) -> str:
    """苏州市市场监督管理局 -> 市场监督管理局; 国家税务总局苏州市税务局 -> 税务局."""
    return dept.name.removeprefix("国家税务总局").removeprefix("苏州市")


def _staff(seed: int, username: str, role: Role, department_key: str) -> DemoAccount:
    dept = department(department_key)
    return DemoAccount(
        username=username,
        display_name=f"{staff_name(seed, username)}（{_short(dept)}{_ROLE_LABELS[role]}）",
        roles=(role.value,),
        department_key=department_key,
        totp_secret=totp_secret(seed, username) if role in ROLES_REQUIRING_TOTP else None,
    )


def demo_accounts(seed: int) -> list[DemoAccount]:
    """Every demo account of the city grown from `seed`, all with `DEMO_PASSWORD`.

    admin (bureau_admin) and auditor at the data bureau, both with a TOTP secret;
    officer.<key> (data_officer) for every department; clerk (front desk) at the
    bureau and clerk.<key> at the windows of amr, health and housing (the leads of the
    demo's service items); approver.<key> at every department of those items; citizen
    (person 0, an adult) and company (company 0) as applicants.
    """
    accounts = [
        _staff(seed, "admin", Role.BUREAU_ADMIN, "bureau"),
        _staff(seed, "auditor", Role.AUDITOR, "bureau"),
        _staff(seed, "clerk", Role.CLERK, "bureau"),
    ]
    accounts += [_staff(seed, f"officer.{d.key}", Role.DATA_OFFICER, d.key) for d in DEPARTMENTS]
    accounts += [_staff(seed, f"clerk.{key}", Role.CLERK, key) for key in CLERK_DEPARTMENTS]
    accounts += [
        _staff(seed, f"approver.{key}", Role.APPROVER, key) for key in APPROVER_DEPARTMENTS
    ]
    citizen = person_at(seed, 0)
    company = company_at(seed, 0)
    accounts += [
        DemoAccount(
            username="citizen",
            display_name=citizen.name,
            roles=(Role.APPLICANT.value,),
            department_key=None,
            subject_type="person",
            subject_id=citizen.id_number,
        ),
        DemoAccount(
            username="company",
            display_name=company.name,
            roles=(Role.APPLICANT.value,),
            department_key=None,
            subject_type="enterprise",
            subject_id=company.credit_code,
        ),
    ]
    return accounts


def capability_accounts(ctx: Ctx, known: list[DemoAccount]) -> list[DemoAccount]:
    """The accounts the later capabilities' demos made for departments of their own (the
    weather and water bureaus, the hospitals, the city office), which share the demo
    password: every active account of the demo database besides `known`, by name."""
    from sqlalchemy import select

    from govbridge.identity.models import User

    names = {a.username for a in known}
    return [DemoAccount(username=u.username, display_name=u.display_name,
                        roles=tuple(sorted(u.roles)), department_key=None)
            for u in ctx.db.scalars(select(User).where(User.active.is_(True))
                                    .order_by(User.id))
            if u.username not in names and u.totp_secret_enc is None]


ACCOUNTS_FILE = "demo-accounts.txt"


def account_lines(accounts: list[DemoAccount], password: str) -> list[str]:
    """One line per account, nothing cut: username, role, password, TOTP secret (if any)."""
    width = max((len(a.username) for a in accounts), default=0)
    role_width = max((len(",".join(a.roles)) for a in accounts), default=0)
    return [
        f"{a.username:<{width}}  {','.join(a.roles):<{role_width}}  {password}"
        + (f"  totp={a.totp_secret}" if a.totp_secret else "")
        for a in accounts
    ]


def write_accounts_file(home: Path, lines: list[str]) -> Path:
    """The account lines in `home`/demo-accounts.txt, readable by its owner only (0600,
    also when the file was there before); the secrets go nowhere else but stdout."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / ACCOUNTS_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, ("\n".join(lines) + "\n").encode("utf-8"))
    finally:
        os.close(fd)
    return path
