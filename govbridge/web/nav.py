"""The role-aware navigation: the one place that maps permissions to menu items.

A page appears in the menu when the actor holds one of the permissions its use
case accepts; the use case still checks on every request, so the menu is a
convenience and never a guard.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from govbridge.core.permissions import Permission


@dataclass(frozen=True)
class NavItem:
    key: str  # i18n key suffix: "nav.<key>" is the label, "nav_desc.<key>" the description
    path: str


HOME = NavItem("home", "/")

# Each page with the permissions that show it (any one of them suffices).
PAGES: tuple[tuple[NavItem, frozenset[Permission]], ...] = (
    (NavItem("catalog", "/catalog"), frozenset({Permission.CATALOG_READ})),
    (
        NavItem("publish", "/catalog/new"),
        frozenset({Permission.DATASET_MANAGE, Permission.DATASET_MANAGE_OWN_ORG}),
    ),
    (NavItem("review", "/catalog/review"), frozenset({Permission.CATALOG_REVIEW})),
    (NavItem("quality", "/quality"), frozenset({Permission.QUALITY_READ})),
    (
        NavItem("agreements", "/agreements"),
        frozenset({Permission.AGREEMENT_READ, Permission.AGREEMENT_READ_OWN_ORG}),
    ),
    (
        NavItem("request", "/agreements/new"),
        frozenset({Permission.AGREEMENT_REQUEST, Permission.AGREEMENT_REQUEST_OWN_ORG}),
    ),
    (
        NavItem("inbox", "/agreements/inbox"),
        frozenset({Permission.AGREEMENT_DECIDE, Permission.AGREEMENT_DECIDE_OWN_ORG}),
    ),
    (
        NavItem("console", "/exchange/console"),
        frozenset({Permission.EXCHANGE_QUERY, Permission.EXCHANGE_QUERY_OWN_ORG}),
    ),
    (NavItem("ledger", "/ledger"), frozenset({Permission.LEDGER_READ})),
    (NavItem("flags", "/audit/flags"), frozenset({Permission.ACCESS_FLAGS_READ})),
    (NavItem("accesses", "/me/accesses"), frozenset({Permission.SELF_SERVICE})),
    # One-stop services: the applicant's portal, the front desk, the back office, the bureau.
    (NavItem("services", "/services"), frozenset({Permission.SELF_SERVICE})),
    (NavItem("applications", "/my/cases"), frozenset({Permission.SELF_SERVICE})),
    (
        NavItem("desk", "/desk"),
        frozenset({Permission.CASE_ACCEPT, Permission.CASE_ACCEPT_OWN_ORG}),
    ),
    (
        NavItem("tasks", "/tasks"),
        frozenset({Permission.CASE_DECIDE, Permission.CASE_DECIDE_OWN_ORG}),
    ),
    (NavItem("items", "/admin/services"), frozenset({Permission.SERVICE_MANAGE})),
    (NavItem("holidays", "/admin/holidays"), frozenset({Permission.SERVICE_MANAGE})),
    (NavItem("figures", "/services/figures"), frozenset({Permission.CASE_READ})),
    (
        NavItem("issuance", "/certificates/requests"),
        frozenset({Permission.CERT_ISSUE, Permission.CERT_ISSUE_OWN_ORG}),
    ),
    (
        NavItem("campaigns", "/campaigns"),
        frozenset({Permission.TASK_READ, Permission.TASK_READ_OWN_ORG}),
    ),
    (NavItem("organizations", "/organizations"), frozenset({Permission.ORG_MANAGE})),
    (NavItem("users", "/users"), frozenset({Permission.USER_READ})),
    (
        NavItem("clients", "/clients"),
        frozenset({Permission.CLIENT_MANAGE, Permission.CLIENT_MANAGE_OWN_ORG}),
    ),
    (NavItem("audit", "/audit"), frozenset({Permission.AUDIT_READ})),
    (NavItem("incidents", "/emergency/incidents"), frozenset({Permission.INCIDENT_READ})),
    (NavItem("dispatches", "/emergency/dispatches"),
     frozenset({Permission.DISPATCH_RESPOND, Permission.DISPATCH_RESPOND_OWN_ORG})),
    (
        NavItem("privacy", "/privacy/jobs"),
        frozenset({Permission.AGREEMENT_READ, Permission.AGREEMENT_READ_OWN_ORG}),
    ),
    (NavItem("computations", "/me/computations"), frozenset({Permission.SELF_SERVICE})),
    (
        NavItem("scorecards", "/governance/scorecards"),
        frozenset({Permission.GOVERNANCE_READ, Permission.GOVERNANCE_READ_OWN_ORG}),
    ),
    (
        NavItem("points", "/governance/points"),
        frozenset({Permission.GOVERNANCE_READ, Permission.GOVERNANCE_READ_OWN_ORG}),
    ),
    (NavItem("analytics", "/analytics"), frozenset({Permission.ANALYTICS_READ})),
)


def pages_for(permissions: Iterable[Permission]) -> list[NavItem]:
    """The pages (beyond home) an actor with `permissions` works with, in menu order."""
    held = frozenset(permissions)
    return [item for item, show_for in PAGES if held & show_for]


def nav_for(permissions: Iterable[Permission]) -> list[NavItem]:
    """The whole menu: home first, then the actor's pages."""
    return [HOME, *pages_for(permissions)]
