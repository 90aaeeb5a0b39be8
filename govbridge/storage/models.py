"""Imports every domain's tables so metadata (and Alembic) sees all of them."""

from govbridge.audit.models import AuditEvent
from govbridge.identity.models import (
    ApiClient,
    Organization,
    PasswordHistory,
    User,
    UserRole,
    WebSession,
)
from govbridge.registry.models import Company, Person
from govbridge.storage.base import Base
from govbridge.storage.meta import InstallationFact

__all__ = [
    "ApiClient",
    "AuditEvent",
    "Base",
    "Company",
    "InstallationFact",
    "Organization",
    "PasswordHistory",
    "Person",
    "User",
    "UserRole",
    "WebSession",
]
