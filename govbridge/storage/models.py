"""Imports every domain's tables so metadata (and Alembic) sees all of them."""

from govbridge.agreements.models import Agreement
from govbridge.audit.models import AuditEvent
from govbridge.cases.models import Case, CaseEvent, CaseMaterial
from govbridge.catalog.models import Dataset, DatasetVersion, SearchTerm
from govbridge.certificates.models import Certificate
from govbridge.emergency.models import (
    Alert,
    AlertRule,
    Dispatch,
    DispatchStep,
    EvaluatedBatch,
    Incident,
    ResponsePlan,
    Station,
)
from govbridge.exchange.models import AccessFlag, ExchangeUsage
from govbridge.governance.models import GovernanceSetting, PointsEntry
from govbridge.identity.models import (
    ApiClient,
    Organization,
    PasswordHistory,
    User,
    UserRole,
    WebSession,
)
from govbridge.ingest.live_models import LiveSource
from govbridge.ingest.models import DatasetRecord, IngestBatch, QuarantinedRow
from govbridge.ledger.models import (
    Checkpoint,
    LedgerEntry,
    LedgerNode,
    LedgerState,
    LedgerSubject,
    WitnessSignature,
)
from govbridge.nodes.models import Node
from govbridge.notifications.models import (
    Delivery,
    InboxItem,
    Notification,
    NotificationPreference,
    WebhookEndpoint,
)
from govbridge.privacy.models import PrivacyDecision, PrivacyInput, PrivacyJob
from govbridge.quality.models import QualityRun
from govbridge.registry.models import Company, Person
from govbridge.seals.models import SealAuthority, SealKey
from govbridge.services.models import Holiday, ServiceItem, ServiceItemVersion
from govbridge.standards.models import DataElement
from govbridge.storage.base import Base
from govbridge.storage.meta import InstallationFact
from govbridge.tasks.models import (
    Campaign,
    CampaignTask,
    TaskAttachment,
    TaskDependency,
    TaskEscalation,
    TaskEvent,
    TaskHookReceipt,
    TaskIntegration,
)

__all__ = [
    "AccessFlag",
    "Agreement",
    "Alert",
    "AlertRule",
    "ApiClient",
    "AuditEvent",
    "Base",
    "Campaign",
    "CampaignTask",
    "Case",
    "CaseEvent",
    "CaseMaterial",
    "Certificate",
    "Checkpoint",
    "Company",
    "DataElement",
    "Dataset",
    "DatasetRecord",
    "DatasetVersion",
    "Delivery",
    "Dispatch",
    "DispatchStep",
    "EvaluatedBatch",
    "ExchangeUsage",
    "GovernanceSetting",
    "Holiday",
    "InboxItem",
    "Incident",
    "IngestBatch",
    "InstallationFact",
    "LedgerEntry",
    "LedgerNode",
    "LedgerState",
    "LedgerSubject",
    "LiveSource",
    "Node",
    "Notification",
    "NotificationPreference",
    "Organization",
    "PasswordHistory",
    "Person",
    "PointsEntry",
    "PrivacyDecision",
    "PrivacyInput",
    "PrivacyJob",
    "QualityRun",
    "QuarantinedRow",
    "ResponsePlan",
    "SealAuthority",
    "SealKey",
    "SearchTerm",
    "ServiceItem",
    "ServiceItemVersion",
    "Station",
    "TaskAttachment",
    "TaskDependency",
    "TaskEscalation",
    "TaskEvent",
    "TaskHookReceipt",
    "TaskIntegration",
    "User",
    "UserRole",
    "WebSession",
    "WebhookEndpoint",
    "WitnessSignature",
]
