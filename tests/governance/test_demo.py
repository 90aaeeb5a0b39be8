"""The demo city's governance data: extra items, a year of history and the grants, loaded
once (a second load adds nothing), and the demo's ledger still audits clean."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from govbridge.analytics import graph, reports
from govbridge.cases.models import Case
from govbridge.demo.governance import load_demo_governance
from govbridge.demo.load import load_demo_city
from govbridge.governance import points, scorecards
from govbridge.identity import passwords
from govbridge.identity.actor import Actor
from govbridge.ledger.audit import audit_ledger

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:EdDSA is deprecated")]


@pytest.fixture
def fast_passwords(monkeypatch):
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def test_the_demo_shows_governance_and_loads_once(rt, fast_passwords):
    load_demo_city(rt, persons=300, companies=30)
    op = Actor.operator("test")
    with rt.context() as ctx:
        cases = ctx.db.scalar(select(func.count(Case.id)))
        g = graph.certificate_graph(ctx, op)
        balances = points.balances(ctx, op)
        cards = scorecards.scorecards(ctx, op)
        outcomes = reports.outcomes_report(ctx, op)
        audit = audit_ledger(ctx, op)
    assert cases > 4000
    assert len(g.nodes) >= 10 and g.nodes[0].saves > 0
    assert balances.total == 0 and any(a.balance > 0 for a in balances.accounts)
    assert sum(1 for c in cards if c.dimensions["cases_on_time"].score is not None) >= 3
    first, last = outcomes.trend[1], outcomes.trend[-2]
    assert last.sharing_rate > first.sharing_rate and last.trips_per_case < first.trips_per_case
    assert audit.findings == []
    assert load_demo_governance(rt, 20261123) == {}
    with rt.context() as ctx:
        assert ctx.db.scalar(select(func.count(Case.id))) == cases
