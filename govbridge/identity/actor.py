"""Who is calling a use case: a user, a system client, or the local operator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from govbridge.core.permissions import Permission, Role, permissions_of

# What a department's business system may do with its key, within its own organization.
CLIENT_PERMISSIONS = frozenset(
    {
        Permission.ORG_READ,
        Permission.CATALOG_READ,
        Permission.DATA_INGEST_OWN_ORG,
        Permission.EXCHANGE_QUERY_OWN_ORG,
        Permission.LEDGER_READ,
    }
)


@dataclass(frozen=True)
class Actor:
    kind: Literal["user", "client", "operator"]
    name: str
    user_id: int | None = None
    client_id: int | None = None
    organization_id: int | None = None
    roles: frozenset[Role] = frozenset()
    permissions: frozenset[Permission] = frozenset()
    subject_id: str | None = None
    # The login session a user acts through (none for API keys, the operator, tests):
    # a password change ends every session of the user but this one.
    session_id: int | None = None

    @property
    def label(self) -> str:
        """How the actor appears in audit trails."""
        return f"{self.kind}:{self.name}"

    @classmethod
    def operator(cls, name: str) -> Actor:
        """The local operator (CLI with access to the data directory): every permission.

        Whoever can read the data directory already holds the database and keys,
        so the CLI acts with full rights and is audited under the OS user name.
        """
        return cls(kind="operator", name=name, permissions=frozenset(Permission))

    @classmethod
    def for_user(
        cls,
        *,
        user_id: int,
        username: str,
        roles: frozenset[Role],
        organization_id: int | None,
        subject_id: str | None,
        session_id: int | None = None,
    ) -> Actor:
        return cls(
            kind="user",
            name=username,
            user_id=user_id,
            organization_id=organization_id,
            roles=roles,
            permissions=permissions_of(roles),
            subject_id=subject_id,
            session_id=session_id,
        )

    @classmethod
    def for_client(cls, *, client_id: int, key_id: str, organization_id: int) -> Actor:
        return cls(
            kind="client",
            name=key_id,
            client_id=client_id,
            organization_id=organization_id,
            permissions=CLIENT_PERMISSIONS,
        )
