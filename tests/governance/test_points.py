"""Sharing points: a real exchange query and a real approval move points (double entry, sum
0), a refused call moves none, a department in deficit is still served for its legal
duty, a one-sided entry is caught, the rates are versioned, and the CLI contract."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select
from typer.testing import CliRunner

from govbridge.agreements import usecases as agreements
from govbridge.agreements.schemas import AgreementRequestIn
from govbridge.core.errors import InvalidInput, PermissionDenied
from govbridge.core.permissions import Role
from govbridge.exchange.gateway import LimitExceeded, query
from govbridge.exchange.schemas import QueryIn
from govbridge.governance import points, points_rules
from govbridge.governance.models import PointsEntry
from govbridge.identity.actor import Actor
from govbridge.identity.organizations import org_by_code
from govbridge.ingest.pipeline import ingest_rows
from ingest_helpers import company_code, licence_row

PURPOSE = {"kind": "legal_basis", "text": "《中华人民共和国税收征收管理法》第十五条"}


@pytest.fixture
def shared(rt, publish, entry, provider, make_org):
    code = publish(entry()).resource_code
    with rt.context() as ctx:
        ingest_rows(ctx, provider["officer"], code, [licence_row(n) for n in range(6)],
                    source="rest")
    tax = make_org(name="苏州市税务局")
    with rt.context() as ctx:
        tax_id = org_by_code(ctx, tax).id
    officer = Actor.for_user(user_id=501, username="officer.tax",
                             roles=frozenset({Role.DATA_OFFICER}), organization_id=tax_id,
                             subject_id=None)
    system = Actor.for_client(client_id=9, key_id="gbk_tax", organization_id=tax_id)
    return {"code": code, "provider": provider, "tax": tax, "tax_id": tax_id,
            "officer": officer, "system": system}


def _agree(rt, s, **kw):
    with rt.context() as ctx:
        return agreements.request_agreement(ctx, s["officer"], AgreementRequestIn(
            resource_code=s["code"], fields=["credit_code", "legal_rep"],
            purpose_kind="legal_basis", purpose_text=PURPOSE["text"],
            valid_until=rt.clock().date() + timedelta(days=30), **kw))


def _ask(rt, s, n=2):
    with rt.context() as ctx:
        return query(ctx, s["system"], s["code"], QueryIn(
            subject_ids=[company_code(i) for i in range(1, n + 1)], purpose=PURPOSE))


def _balances(rt, admin) -> dict[str, int]:
    with rt.context() as ctx:
        result = points.balances(ctx, admin)
    assert result.total == 0
    return {a.department: a.balance for a in result.accounts}


def test_rules_worked_example():
    factor = points_rules.quality_factor(0.9, 0.7)
    assert factor == Decimal("1.3")
    assert points_rules.call_amount(points_rules.DEFAULT_RATES, 2500, factor) == 5
    assert points_rules.call_amount(points_rules.DEFAULT_RATES, 0, Decimal(1)) == 1
    assert points_rules.approval_amount(points_rules.DEFAULT_RATES, factor) == 0
    approval = {**points_rules.DEFAULT_RATES, "spend_on": "approval"}
    assert points_rules.call_amount(approval, 10_000, factor) == 0
    assert points_rules.approval_amount(approval, Decimal("0.5")) == 5
    assert points_rules.quality_factor(None, None) == 1


def test_each_query_moves_points_from_consumer_to_provider(rt, shared, admin):
    with rt.context() as ctx:
        points.save_rates(ctx, admin, {"spend_on": "call", "per_call": 1,
                                       "per_thousand_rows": 500})
    _agree(rt, shared)
    _ask(rt, shared, 2)
    _ask(rt, shared, 4)
    bal = _balances(rt, admin)
    # (1 + 500 x 2 / 1000) + (1 + 500 x 4 / 1000), no quality run yet (factor 1).
    assert bal[shared["tax"]] == -(2 + 3) and bal[shared["provider"]["code"]] == 5
    with rt.context() as ctx:
        entries = ctx.db.scalars(select(PointsEntry)).all()
        moves = points.movements(ctx, shared["officer"], shared["tax"])
    assert len(entries) == 4 and len({e.movement for e in entries}) == 2
    assert {m.counterpart for m in moves} == {shared["provider"]["code"]}
    assert all(e.rates_version == 2 for e in entries)


def test_a_refused_call_moves_nothing_and_a_deficit_never_blocks(rt, shared, admin):
    _agree(rt, shared, daily_volume=3)
    _ask(rt, shared, 2)
    with pytest.raises(LimitExceeded):
        _ask(rt, shared, 2)  # 4 rows > 3 a day: rolled back, points included
    with rt.context() as ctx:
        assert ctx.db.scalar(select(func.count(PointsEntry.id))) == 2
        own = points.balances(ctx, shared["officer"])
    assert [a.department for a in own.accounts] == [shared["tax"]]
    assert own.accounts[0].balance < 0 and own.accounts[0].in_deficit
    # In deficit, the legal-duty query is still answered.
    assert _ask(rt, shared, 1).data["rows"]


def test_approval_mode_charges_once_when_granted(rt, shared, admin):
    with rt.context() as ctx:
        points.save_rates(ctx, admin, {"spend_on": "approval", "per_approval": 7})
    made = _agree(rt, shared)  # unconditional: approved at once
    assert made.state == "approved"
    _ask(rt, shared, 2)
    bal = _balances(rt, admin)
    assert bal[shared["tax"]] == -7 and bal[shared["provider"]["code"]] == 7


def test_a_one_sided_entry_is_caught(rt, shared, admin):
    with rt.context() as ctx:
        ctx.db.execute(insert(PointsEntry), [{
            "movement": "forged", "organization_id": shared["tax_id"], "amount": 100,
            "kind": "grant", "reference": None, "rates_version": 1, "created_by": "x",
            "at": rt.clock()}])
    with rt.context() as ctx, pytest.raises(points.LedgerOutOfBalance):
        points.balances(ctx, admin)


def test_grants_are_the_bureaus_and_checked(rt, shared, admin):
    provider_code = shared["provider"]["code"]
    with rt.context() as ctx:
        with pytest.raises(PermissionDenied):
            points.grant(ctx, shared["officer"], {"department": shared["tax"], "amount": 5,
                                                  "reason": "自己发"})
        with pytest.raises(InvalidInput) as no_source:
            points.grant(ctx, admin, {"department": shared["tax"], "amount": 5,
                                      "reason": "奖励"})
        assert no_source.value.problems[0].field == "source"
        with pytest.raises(InvalidInput) as negative:
            points.grant(ctx, admin, {"department": shared["tax"], "amount": -5,
                                      "reason": "奖励", "source": provider_code})
        assert negative.value.problems[0].field == "amount"
        points.grant(ctx, admin, {"department": shared["tax"], "amount": 40, "reason": "奖励",
                                  "source": provider_code})
    assert _balances(rt, admin)[shared["tax"]] == 40


def test_cli_points_balance_contract(rt, shared, admin, settings):
    from govbridge.cli.main import app

    _agree(rt, shared)
    _ask(rt, shared, 3)
    env = {"GOVBRIDGE_HOME": str(settings.home), "GOVBRIDGE_DATABASE_URL": settings.database_url,
           "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["points", "balance", "--json"], env=env)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["total"] == 0
    assert {a["department"]: a["balance"] for a in doc["accounts"]}[shared["tax"]] == -1
    assert all(set(a) >= {"department", "balance"} for a in doc["accounts"])
