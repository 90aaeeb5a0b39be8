"""`govbridge org|user|client ...`: manage departments, accounts and system clients."""

from __future__ import annotations

import sys

import typer

from govbridge.cli.common import JsonOpt, emit, err, fail, out, use_case
from govbridge.core.inputs import checked
from govbridge.core.permissions import Role
from govbridge.identity import clients, organizations, totp, users
from govbridge.identity.schemas import ClientCreate, OrganizationCreate, UserCreate

org_app = typer.Typer(help="Organizations (部门).", no_args_is_help=True)
user_app = typer.Typer(help="User accounts and their roles.", no_args_is_help=True)
client_app = typer.Typer(help="System clients (API keys).", no_args_is_help=True)

ORG_COLUMNS = ["code", "name", "level", "vertically_managed", "parent_code"]
USER_COLUMNS = ["username", "display_name", "roles", "organization_code", "subject_id",
                "totp_enrolled", "active"]
CLIENT_COLUMNS = ["key_id", "name", "organization_code", "created_by", "created_by_active",
                  "created_at", "revoked_at"]


@org_app.command("create")
def org_create(
    code: str = typer.Argument(..., help="统一社会信用代码 (18 characters)"),
    name: str = typer.Argument(..., help="Official Chinese name"),
    level: str = typer.Option("city", help="province | city | district"),
    name_en: str | None = typer.Option(None, help="English name"),
    vertically_managed: bool = typer.Option(False, help="垂管: managed by a higher level"),
    division_code: str | None = typer.Option(None, help="GB/T 2260 division code"),
    parent: str | None = typer.Option(None, help="Parent organization's code"),
    as_json: bool = JsonOpt,
) -> None:
    """Register an organization."""
    if level not in ("province", "city", "district"):
        raise fail(f"--level: must be province, city or district (value {level!r})", 2)
    with use_case() as (ctx, actor):
        created = organizations.create_organization(ctx, actor, checked(OrganizationCreate, {
            "code": code, "name": name, "name_en": name_en, "level": level,
            "vertically_managed": vertically_managed, "division_code": division_code,
            "parent_code": parent}))
    emit(created, as_json, ORG_COLUMNS)


@org_app.command("list")
def org_list(as_json: bool = JsonOpt) -> None:
    """List organizations."""
    with use_case() as (ctx, actor):
        rows = organizations.list_organizations(ctx, actor)
    emit(rows, as_json, ORG_COLUMNS, title="Organizations")


@org_app.command("show")
def org_show(code: str, as_json: bool = JsonOpt) -> None:
    """Show one organization."""
    with use_case() as (ctx, actor):
        org = organizations.get_organization(ctx, actor, code)
    emit(org, as_json)


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@user_app.command("create")
def user_create(
    username: str,
    name: str = typer.Option(..., "--name", help="Display name"),
    role: list[Role] = typer.Option(..., "--role", help="Repeat for several roles"),
    org: str | None = typer.Option(None, "--org", help="Organization code (staff)"),
    subject_id: str | None = typer.Option(None, help="Applicant's citizen ID or credit code"),
    password_stdin: bool = typer.Option(False, help="Read the password from standard input"),
    enroll_totp: bool = typer.Option(False, help="Create a TOTP seed now and show it once"),
    as_json: bool = JsonOpt,
) -> None:
    """Create a user account."""
    password = _read_password(password_stdin)
    secret = totp.new_secret() if enroll_totp else None
    with use_case() as (ctx, actor):
        created = users.create_user(ctx, actor, checked(UserCreate, {
            "username": username, "display_name": name, "password": password, "roles": role,
            "organization_code": org, "subject_id": subject_id}), totp_secret=secret)
    emit(created, as_json, USER_COLUMNS)
    if secret:
        err.print(f"TOTP secret (shown once): {secret}\n"
                  f"{totp.provisioning_uri(secret, created.username)}", highlight=False)


@user_app.command("list")
def user_list(
    org: str | None = typer.Option(None, "--org"),
    reveal: bool = typer.Option(
        False, "--reveal",
        help="Show applicants' ID numbers and credit codes in full (recorded in the audit log)",
    ),
    as_json: bool = JsonOpt,
) -> None:
    """List user accounts; applicants' identifiers are masked unless --reveal."""
    with use_case() as (ctx, actor):
        rows = users.list_users(ctx, actor, org, reveal=reveal)
    emit(rows, as_json, USER_COLUMNS, title="Users")


@user_app.command("set-password")
def user_set_password(
    username: str,
    password_stdin: bool = typer.Option(False, help="Read the password from standard input"),
) -> None:
    """Reset a user's password (checked against policy and recent passwords)."""
    password = _read_password(password_stdin)
    with use_case() as (ctx, actor):
        users.set_password(ctx, actor, username, password)
    out.print(f"password of {username} changed")


@user_app.command("reset-totp")
def user_reset_totp(username: str) -> None:
    """Forget a user's TOTP seed; they enroll again at next login."""
    with use_case() as (ctx, actor):
        users.reset_totp(ctx, actor, username)
    out.print(f"TOTP of {username} reset; they enroll again at next login")


@user_app.command("deactivate")
def user_deactivate(username: str) -> None:
    """Deactivate an account, end its sessions and revoke the API keys it made."""
    with use_case() as (ctx, actor):
        users.set_active(ctx, actor, username, False)
    out.print(f"{username} deactivated")


@client_app.command("create")
def client_create(
    org: str = typer.Option(..., "--org", help="Organization code the key acts for"),
    name: str = typer.Option(..., "--name", help="The calling system's name"),
    as_json: bool = JsonOpt,
) -> None:
    """Create a system client; its API key is printed once and never again."""
    with use_case() as (ctx, actor):
        created = clients.create_client(ctx, actor, checked(ClientCreate, {
            "organization_code": org, "name": name}))
    if as_json:
        emit(created, True)
        return
    emit(created, False, CLIENT_COLUMNS)
    out.print(f"API key (shown once, store it now): [bold]{created.api_key}[/]",
              highlight=False)


@client_app.command("list")
def client_list(org: str | None = typer.Option(None, "--org"), as_json: bool = JsonOpt) -> None:
    """List system clients (never their keys), who made each and whether they are active."""
    with use_case() as (ctx, actor):
        rows = clients.list_clients(ctx, actor, org)
    emit(rows, as_json, CLIENT_COLUMNS, title="System clients")


@client_app.command("revoke")
def client_revoke(key_id: str, as_json: bool = JsonOpt) -> None:
    """Revoke a system client's key; it stops working at once."""
    with use_case() as (ctx, actor):
        revoked = clients.revoke_client(ctx, actor, key_id)
    emit(revoked, as_json, CLIENT_COLUMNS)
