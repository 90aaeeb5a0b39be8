"""Roles, permissions and the pure decision of who may do what.

The one place that maps a role to what it may do. Use cases ask
`decide(...)` through `govbridge.identity.access.require`; nothing else
in the code base compares role names.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    BUREAU_ADMIN = "bureau_admin"
    DATA_OFFICER = "data_officer"
    CLERK = "clerk"
    APPROVER = "approver"
    AUDITOR = "auditor"
    APPLICANT = "applicant"


class Permission(StrEnum):
    ORG_MANAGE = "org.manage"
    ORG_READ = "org.read"
    USER_MANAGE = "user.manage"
    USER_MANAGE_OWN_ORG = "user.manage_own_org"
    USER_READ = "user.read"
    # Accounts of every organization and the applicants' (USER_READ alone: own staff).
    USER_READ_ALL = "user.read_all"
    # Applicants' citizen IDs and credit codes, masked unless revealed (and audited).
    APPLICANT_ID_READ = "user.read_applicant_ids"
    CLIENT_MANAGE = "client.manage"
    CLIENT_MANAGE_OWN_ORG = "client.manage_own_org"
    AUDIT_READ = "audit.read"
    SELF_SERVICE = "self.service"
    STANDARDS_READ = "standards.read"
    STANDARDS_MANAGE = "standards.manage"
    CATALOG_READ = "catalog.read"
    CATALOG_REVIEW = "catalog.review"
    DATASET_MANAGE = "dataset.manage"
    DATASET_MANAGE_OWN_ORG = "dataset.manage_own_org"
    DATA_INGEST = "data.ingest"
    DATA_INGEST_OWN_ORG = "data.ingest_own_org"
    QUALITY_READ = "quality.read"
    AGREEMENT_READ = "agreement.read"
    AGREEMENT_READ_OWN_ORG = "agreement.read_own_org"
    AGREEMENT_REQUEST = "agreement.request"
    AGREEMENT_REQUEST_OWN_ORG = "agreement.request_own_org"
    AGREEMENT_DECIDE = "agreement.decide"
    AGREEMENT_DECIDE_OWN_ORG = "agreement.decide_own_org"
    EXCHANGE_QUERY = "exchange.query"
    EXCHANGE_QUERY_OWN_ORG = "exchange.query_own_org"
    SEAL_MANAGE = "seal.manage"
    SEAL_MANAGE_OWN_ORG = "seal.manage_own_org"
    LEDGER_READ = "ledger.read"
    LEDGER_AUDIT = "ledger.audit"
    LEDGER_WITNESS = "ledger.witness"
    ACCESS_FLAGS_READ = "access.flags_read"
    SERVICE_MANAGE = "service.manage"
    CERT_ISSUE = "cert.issue"
    CERT_ISSUE_OWN_ORG = "cert.issue_own_org"
    CERT_REVOKE = "cert.revoke"
    CERT_REVOKE_OWN_ORG = "cert.revoke_own_org"
    CASE_ACCEPT = "case.accept"
    CASE_ACCEPT_OWN_ORG = "case.accept_own_org"
    CASE_DECIDE = "case.decide"
    CASE_DECIDE_OWN_ORG = "case.decide_own_org"
    CASE_READ = "case.read"
    EMERGENCY_RULES = "emergency.rules"
    INCIDENT_COMMAND = "incident.command"
    INCIDENT_READ = "incident.read"
    DISPATCH_RESPOND = "dispatch.respond"
    DISPATCH_RESPOND_OWN_ORG = "dispatch.respond_own_org"
    # Campaigns and tasks (督办): create a campaign (own org: one the department leads),
    # be named its leader (accept, return, cancel its tasks), see tasks (own org: the
    # department's), report on them.
    CAMPAIGN_CREATE = "campaign.create"
    CAMPAIGN_CREATE_OWN_ORG = "campaign.create_own_org"
    TASK_LEAD = "task.lead"
    TASK_READ = "task.read"
    TASK_READ_OWN_ORG = "task.read_own_org"
    TASK_REPORT = "task.report"
    TASK_REPORT_OWN_ORG = "task.report_own_org"
    # Governance (issue 16): scorecards and points balances (every department, or its own),
    # the bureau's scoring model, rates and grants, and the aggregate analytics of cases.
    GOVERNANCE_READ = "governance.read"
    GOVERNANCE_READ_OWN_ORG = "governance.read_own_org"
    GOVERNANCE_MANAGE = "governance.manage"
    ANALYTICS_READ = "analytics.read"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.BUREAU_ADMIN: frozenset(
        {
            Permission.ORG_MANAGE,
            Permission.ORG_READ,
            Permission.USER_MANAGE,
            Permission.USER_READ,
            Permission.USER_READ_ALL,
            Permission.APPLICANT_ID_READ,
            Permission.CLIENT_MANAGE,
            Permission.AUDIT_READ,
            Permission.STANDARDS_READ,
            Permission.STANDARDS_MANAGE,
            Permission.CATALOG_READ,
            Permission.CATALOG_REVIEW,
            Permission.QUALITY_READ,
            Permission.AGREEMENT_READ,
            Permission.SEAL_MANAGE,
            Permission.LEDGER_READ,
            Permission.LEDGER_AUDIT,
            Permission.SERVICE_MANAGE,
            Permission.CASE_READ,
            Permission.EMERGENCY_RULES,
            Permission.INCIDENT_COMMAND,
            Permission.INCIDENT_READ,
            Permission.CAMPAIGN_CREATE,
            Permission.TASK_LEAD,
            Permission.TASK_READ,
            Permission.GOVERNANCE_READ,
            Permission.GOVERNANCE_MANAGE,
            Permission.ANALYTICS_READ,
        }
    ),
    Role.DATA_OFFICER: frozenset(
        {
            Permission.ORG_READ,
            Permission.USER_READ,
            Permission.CLIENT_MANAGE_OWN_ORG,
            Permission.STANDARDS_READ,
            Permission.CATALOG_READ,
            Permission.DATASET_MANAGE_OWN_ORG,
            Permission.DATA_INGEST_OWN_ORG,
            Permission.QUALITY_READ,
            Permission.AGREEMENT_READ_OWN_ORG,
            Permission.AGREEMENT_REQUEST_OWN_ORG,
            Permission.AGREEMENT_DECIDE_OWN_ORG,
            Permission.EXCHANGE_QUERY_OWN_ORG,
            Permission.SEAL_MANAGE_OWN_ORG,
            Permission.LEDGER_READ,
            Permission.CERT_ISSUE_OWN_ORG,
            Permission.CERT_REVOKE_OWN_ORG,
            Permission.DISPATCH_RESPOND_OWN_ORG,
            Permission.CAMPAIGN_CREATE_OWN_ORG,
            Permission.TASK_LEAD,
            Permission.TASK_READ_OWN_ORG,
            Permission.TASK_REPORT_OWN_ORG,
            Permission.GOVERNANCE_READ_OWN_ORG,
            Permission.ANALYTICS_READ,
        }
    ),
    Role.CLERK: frozenset(
        {Permission.ORG_READ, Permission.CATALOG_READ, Permission.CASE_ACCEPT_OWN_ORG}
    ),
    Role.APPROVER: frozenset(
        {
            Permission.ORG_READ,
            Permission.CATALOG_READ,
            Permission.CERT_ISSUE_OWN_ORG,
            Permission.CERT_REVOKE_OWN_ORG,
            Permission.CASE_DECIDE_OWN_ORG,
        }
    ),
    Role.AUDITOR: frozenset(
        {
            Permission.ORG_READ,
            Permission.USER_READ,
            Permission.USER_READ_ALL,
            Permission.AUDIT_READ,
            Permission.CATALOG_READ,
            Permission.QUALITY_READ,
            Permission.AGREEMENT_READ,
            Permission.LEDGER_READ,
            Permission.LEDGER_AUDIT,
            Permission.ACCESS_FLAGS_READ,
            Permission.CASE_READ,
            Permission.TASK_READ,
            Permission.GOVERNANCE_READ,
            Permission.ANALYTICS_READ,
        }
    ),
    Role.APPLICANT: frozenset({Permission.SELF_SERVICE}),
}

# Roles whose accounts must prove a second factor at every login.
ROLES_REQUIRING_TOTP: frozenset[Role] = frozenset({Role.BUREAU_ADMIN, Role.AUDITOR})

# Staff roles belong to a department; applicants never do.
STAFF_ROLES: frozenset[Role] = frozenset(set(Role) - {Role.APPLICANT})

# A permission that a role holds only for its own organization, mapped to its
# platform-wide counterpart: holding the wide one implies the narrow one.
OWN_ORG_VARIANT: dict[Permission, Permission] = {
    Permission.USER_MANAGE: Permission.USER_MANAGE_OWN_ORG,
    Permission.USER_READ_ALL: Permission.USER_READ,
    Permission.CLIENT_MANAGE: Permission.CLIENT_MANAGE_OWN_ORG,
    Permission.DATASET_MANAGE: Permission.DATASET_MANAGE_OWN_ORG,
    Permission.DATA_INGEST: Permission.DATA_INGEST_OWN_ORG,
    Permission.AGREEMENT_READ: Permission.AGREEMENT_READ_OWN_ORG,
    Permission.AGREEMENT_REQUEST: Permission.AGREEMENT_REQUEST_OWN_ORG,
    Permission.AGREEMENT_DECIDE: Permission.AGREEMENT_DECIDE_OWN_ORG,
    Permission.EXCHANGE_QUERY: Permission.EXCHANGE_QUERY_OWN_ORG,
    Permission.SEAL_MANAGE: Permission.SEAL_MANAGE_OWN_ORG,
    Permission.CERT_ISSUE: Permission.CERT_ISSUE_OWN_ORG,
    Permission.CERT_REVOKE: Permission.CERT_REVOKE_OWN_ORG,
    Permission.CASE_ACCEPT: Permission.CASE_ACCEPT_OWN_ORG,
    Permission.CASE_DECIDE: Permission.CASE_DECIDE_OWN_ORG,
    Permission.DISPATCH_RESPOND: Permission.DISPATCH_RESPOND_OWN_ORG,
    Permission.CAMPAIGN_CREATE: Permission.CAMPAIGN_CREATE_OWN_ORG,
    Permission.TASK_READ: Permission.TASK_READ_OWN_ORG,
    Permission.TASK_REPORT: Permission.TASK_REPORT_OWN_ORG,
    Permission.GOVERNANCE_READ: Permission.GOVERNANCE_READ_OWN_ORG,
}


def permissions_of(roles: set[Role] | frozenset[Role]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


def allows(
    granted: frozenset[Permission],
    wanted: Permission,
    *,
    actor_org_id: int | None = None,
    target_org_id: int | None = None,
) -> bool:
    """Whether `granted` covers `wanted`, possibly through its own-org variant.

    A platform-wide permission covers every organization. Its own-org variant
    covers only the target organization equal to the actor's.
    """
    if wanted in granted:
        return True
    narrow = OWN_ORG_VARIANT.get(wanted)
    return (
        narrow is not None
        and narrow in granted
        and actor_org_id is not None
        and actor_org_id == target_org_id
    )
