"""Finding 6 of issue 11: a fresh demo failed its own ledger audit ("entry 30 recorded
earlier than the entry before it"): its overdue case was backdated after newer entries.
The demo now writes its history in time order, so the audit of a fresh demo is clean."""

from __future__ import annotations

import json

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from govbridge.demo.load import load_demo_city
from govbridge.identity import passwords
from govbridge.identity.actor import Actor
from govbridge.ledger.audit import audit_ledger
from govbridge.ledger.models import LedgerEntry

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:EdDSA is deprecated")]


@pytest.fixture
def fast_passwords(monkeypatch):
    """Cheap argon2 parameters: the demo accounts otherwise dominate a load's time."""
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def test_a_fresh_demo_passes_its_own_ledger_audit(rt, fast_passwords):
    load_demo_city(rt, persons=120, companies=30)
    with rt.context() as ctx:
        report = audit_ledger(ctx, Actor.operator("test"))
        times = [json.loads(e)["at"] for e in ctx.db.scalars(
            select(LedgerEntry.entry).order_by(LedgerEntry.leaf_index))]
    assert report.entries > 30  # agreements, four cases, their queries and a licence
    assert report.findings == [], report.findings
    assert times == sorted(times)
    # The overdue case's history is a month old, and comes first.
    assert (times[-1] - times[0]) / 86_400_000 >= 29
