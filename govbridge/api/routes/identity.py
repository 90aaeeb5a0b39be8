"""Identity routes: sessions, current user, organizations, users, clients, audit."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from govbridge.api import bodies
from govbridge.api.deps import acting, runtime
from govbridge.audit.record import list_events
from govbridge.core.errors import SecondFactorRequired
from govbridge.identity import auth, clients, organizations, throttle, users
from govbridge.identity.schemas import (
    ClientCreate,
    ClientCreated,
    ClientOut,
    LoginResult,
    OrganizationCreate,
    OrganizationOut,
    UserCreate,
    UserOut,
)

router = APIRouter()


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(max_length=64)
    password: str = Field(max_length=256, repr=False)
    totp_code: str | None = Field(default=None, max_length=10, repr=False)


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    new_password: str = Field(max_length=256, repr=False)
    old_password: str | None = Field(default=None, max_length=256, repr=False)


class MeOut(BaseModel):
    kind: str
    name: str
    roles: list[str]
    permissions: list[str]
    organization_id: int | None
    subject_id: str | None


class AuditEventOut(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    outcome: str
    details: dict[str, object]


def _client_address(request: Request) -> str:
    return throttle.client_address(
        request.client.host if request.client else None,
        request.headers.get("x-forwarded-for"),
        runtime(request).settings.trusted_proxies,
    )


@router.post(
    "/sessions", response_model=LoginResult, tags=["sessions"],
    summary="Log in with password (and TOTP code) to get a bearer session token",
    description="One step: a TOTP account sends its code with the password, and the token "
    "is issued only once both are proven. A wrong name, an inactive account and a wrong "
    "password get the same 401; too many failures from one address get 429 with "
    "Retry-After, whichever name was tried.",
    responses={429: {"description": "Too many failed attempts from this address; see "
                                     "`Retry-After`"}},
)
def create_session(body: LoginIn, request: Request) -> LoginResult:
    with runtime(request).context() as ctx:
        result = auth.login(ctx, body.username, body.password, body.totp_code,
                            client_address=_client_address(request))
        if result.second_factor != "none":
            # Raising rolls the half-open session back: API logins are one step.
            raise SecondFactorRequired(
                "this account needs a TOTP code: send totp_code"
                if result.second_factor == "verify"
                else "enroll a TOTP authenticator through the web login first"
            )
        return result


@router.delete("/sessions/current", status_code=204, tags=["sessions"], summary="Log out")
def delete_session(request: Request) -> Response:
    header = request.headers.get("authorization", "")
    with acting(request) as (ctx, _actor):
        if header.lower().startswith("bearer "):
            auth.logout(ctx, header[7:].strip())
    return Response(status_code=204)


@router.get("/me", response_model=MeOut, tags=["sessions"], summary="Who am I")
def me(request: Request) -> MeOut:
    with acting(request) as (_ctx, actor):
        return MeOut(kind=actor.kind, name=actor.name, roles=sorted(actor.roles),
                     permissions=sorted(actor.permissions),
                     organization_id=actor.organization_id, subject_id=actor.subject_id)


@router.get("/organizations", response_model=list[OrganizationOut], tags=["organizations"])
def list_organizations(request: Request) -> list[OrganizationOut]:
    with acting(request) as (ctx, actor):
        return organizations.list_organizations(ctx, actor)


@router.post("/organizations", response_model=OrganizationOut, status_code=201,
             tags=["organizations"])
def create_organization(body: OrganizationCreate, request: Request) -> OrganizationOut:
    with acting(request) as (ctx, actor):
        return organizations.create_organization(ctx, actor, body)


@router.get("/organizations/{code}", response_model=OrganizationOut, tags=["organizations"])
def get_organization(code: str, request: Request) -> OrganizationOut:
    with acting(request) as (ctx, actor):
        return organizations.get_organization(ctx, actor, code)


@router.get(
    "/users", response_model=list[UserOut], tags=["users"],
    summary="List the accounts you may see",
    description="A data officer sees their own organization's staff; the bureau and the "
    "auditor every account. Applicants' identifiers: masked for the bureau, withheld "
    "from everyone else; `reveal=true` (bureau only) shows them in full and is recorded "
    "in the audit trail.",
)
def list_users(request: Request, organization_code: str | None = None,
               reveal: bool = False) -> list[UserOut]:
    with acting(request) as (ctx, actor):
        return users.list_users(ctx, actor, organization_code, reveal=reveal)


@router.post("/users", response_model=UserOut, status_code=201, tags=["users"])
def create_user(body: UserCreate, request: Request) -> UserOut:
    with acting(request) as (ctx, actor):
        return users.create_user(ctx, actor, body)


@router.post("/users/{username}/password", status_code=204, tags=["users"],
             summary="Change your own password (old_password required) or reset another's")
def change_password(username: str, body: PasswordChangeIn, request: Request) -> Response:
    with acting(request) as (ctx, actor):
        users.set_password(ctx, actor, username, body.new_password,
                           old_password=body.old_password)
    return Response(status_code=204)


@router.post("/users/{username}/deactivate", response_model=UserOut, tags=["users"])
def deactivate_user(username: str, request: Request) -> UserOut:
    with acting(request) as (ctx, actor):
        return users.set_active(ctx, actor, username, False)


@router.get("/clients", response_model=list[ClientOut], tags=["clients"])
def list_clients(request: Request, organization_code: str | None = None) -> list[ClientOut]:
    with acting(request) as (ctx, actor):
        return clients.list_clients(ctx, actor, organization_code)


@router.post("/clients", response_model=ClientCreated, status_code=201, tags=["clients"],
             summary="Create a system client; the API key is in this response only")
def create_client(body: ClientCreate, request: Request) -> ClientCreated:
    with acting(request) as (ctx, actor):
        return clients.create_client(ctx, actor, body)


@router.post("/clients/{key_id}/revoke", response_model=ClientOut, tags=["clients"])
def revoke_client(key_id: str, request: Request) -> ClientOut:
    with acting(request) as (ctx, actor):
        return clients.revoke_client(ctx, actor, key_id)


@router.get("/audit-events", response_model=list[AuditEventOut], tags=["audit"])
def audit_events(request: Request,
                 limit: int = bodies.limit(100, 1000)) -> list[AuditEventOut]:
    with acting(request) as (ctx, actor):
        return [AuditEventOut.model_validate(e, from_attributes=True)
                for e in list_events(ctx, actor, limit=limit)]
