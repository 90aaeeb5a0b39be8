"""What the gateway keeps between calls, and that a change takes effect on the next call:
seal and ledger keys (rotated, revoked), the ledger's last state, the volume rule's earlier
days, and the SQLite writer lock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from govbridge.exchange import gateway, transparency
from govbridge.exchange.gateway import LimitExceeded, query
from govbridge.exchange.models import ExchangeUsage
from govbridge.exchange.schemas import QueryIn
from govbridge.exchange.verify import verify_response
from govbridge.identity.actor import Actor
from govbridge.identity.organizations import org_by_code
from govbridge.ledger import log
from govbridge.ledger.merkle import root_from_leaf_hashes
from govbridge.ledger.models import LedgerEntry
from govbridge.seals import usecases as seals
from govbridge.seals.jws import split
from govbridge.storage import writer_lock
from ingest_helpers import company_code

from .conftest import PURPOSE

OPERATOR = Actor.operator("test")
AUDITOR_FLAGS = "volume"


def _ask(rt, consumer, code, n: int = 1):
    body = QueryIn(subject_ids=[company_code(i) for i in range(n)], purpose=PURPOSE)
    with rt.context() as ctx:
        resp = query(ctx, consumer.system, code, body)
    doc = json.loads(resp.model_dump_json())
    with rt.context() as ctx:
        verify_response(doc, trust_anchor_pem=seals.ca_certificate_pem(ctx))
    return doc


def _seal_kid(doc) -> str:
    return split(doc["sealed"])[0]["kid"]


def _provider_code(rt, code: str) -> str:
    from govbridge.catalog.usecases import find_dataset

    with rt.context() as ctx:
        return find_dataset(ctx, code).provider.code


def test_a_rotated_seal_signs_the_next_answer(rt, consumer, licences, agree):
    agree()
    first = _seal_kid(_ask(rt, consumer, licences))
    with rt.context() as ctx:
        rotated = seals.rotate_seal(ctx, OPERATOR, _provider_code(rt, licences))
    assert rotated.kid != first
    assert _seal_kid(_ask(rt, consumer, licences)) == rotated.kid


def test_a_revoked_seal_never_signs_again(rt, consumer, licences, agree):
    agree()
    first = _seal_kid(_ask(rt, consumer, licences))
    with rt.context() as ctx:
        seals.revoke_seal(ctx, OPERATOR, first, "key file leaked")
    doc = _ask(rt, consumer, licences)  # a fresh seal is provisioned, as signer_for does
    assert _seal_kid(doc) != first
    with rt.context() as ctx:
        assert seals.verify_sealed(ctx, doc["sealed"]).kid == _seal_kid(doc)


def test_a_revoked_ledger_key_never_signs_a_tree_head_again(rt, consumer, licences, agree):
    agree()
    first = _ask(rt, consumer, licences)["receipt"]["tree_head"]["key_id"]
    with rt.context() as ctx:
        seals.revoke_seal(ctx, OPERATOR, first, "rotated out")
    receipt = _ask(rt, consumer, licences)["receipt"]
    assert receipt["tree_head"]["key_id"] != first
    with rt.context() as ctx:
        assert receipt["ledger_certificate"] == seals.ledger_certificate_pem(
            ctx, receipt["tree_head"]["key_id"])


def test_a_revoked_agreement_is_refused_on_the_next_call(rt, consumer, licences, agree):
    from govbridge.agreements import usecases as agreements
    from govbridge.agreements.policy import AgreementDenied

    made = agree()
    _ask(rt, consumer, licences)
    with rt.context() as ctx:
        agreements.revoke(ctx, consumer.officer, made.code, "项目结束")
    with pytest.raises(AgreementDenied) as caught:
        _ask(rt, consumer, licences)
    assert caught.value.reason == "revoked"


@pytest.mark.parametrize("stale", ["size", "edge"])
def test_a_stale_ledger_state_in_memory_is_never_written(rt, consumer, licences, agree, stale):
    """Another process appended, or the remembered state is wrong: the swap misses and the
    append reads the state under its lock; leaves stay gapless and the root right."""
    agree()
    _ask(rt, consumer, licences)
    with rt.context() as ctx:
        engine = ctx.db.get_bind()
    before = log._LAST_STATE[engine]
    with rt.context() as ctx:
        log.append(ctx, "other.process", {"n": 1})
        size, _root = log.tree_state(ctx)
    after = log._LAST_STATE[engine]
    # As if another process had made that append: this one still knows the state before it;
    # or it knows the right size with a wrong edge.
    log._LAST_STATE[engine] = (before if stale == "size"
                               else (after[0], bytes(len(after[1]))))
    doc = _ask(rt, consumer, licences)
    assert doc["receipt"]["leafIdx"] == size
    with rt.context() as ctx:
        hashes = list(ctx.db.scalars(select(LedgerEntry.leaf_hash)
                                     .order_by(LedgerEntry.leaf_index)))
        assert log.tree_state(ctx) == (size + 1, root_from_leaf_hashes(hashes))


def test_the_volume_rule_reads_earlier_days_again_when_they_changed(rt, consumer, licences,
                                                                     agree):
    # The clock first: an agreement made on the real clock may start on a later local day
    # (from 16:00 UTC it is already tomorrow in China).
    rt.clock = lambda: datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Monday 10:00 CST
    made = agree()
    rt.settings.flag_volume_floor = 1
    with rt.context() as ctx:
        agreement_id = ctx.db.scalar(select(gateway.Agreement.id).where(
            gateway.Agreement.code == made.code))
        ctx.db.add(ExchangeUsage(agreement_id=agreement_id, window="d20261129", calls=1,
                                 rows=100))
    _ask(rt, consumer, licences, 2)  # 2 rows against a usual day of 100: no flag
    with rt.context() as ctx:
        assert transparency.list_flags(ctx, _auditor()) == []
        ctx.db.execute(delete(ExchangeUsage).where(ExchangeUsage.window == "d20261129"))
    _ask(rt, consumer, licences, 2)  # no earlier activity now: 4 rows today pass the floor
    with rt.context() as ctx:
        assert [f.rule for f in transparency.list_flags(ctx, _auditor())] == [AUDITOR_FLAGS]


def _auditor() -> Actor:
    from govbridge.core.permissions import Role

    return Actor.for_user(user_id=901, username="auditor", roles=frozenset({Role.AUDITOR}),
                          organization_id=None, subject_id=None)


def test_the_sqlite_writer_lock_is_released_whatever_the_outcome(rt, consumer, licences,
                                                                 agree):
    agree(rate_per_minute=1)
    _ask(rt, consumer, licences)
    with rt.context() as ctx:
        engine = ctx.db.get_bind()
    if engine.dialect.name != "sqlite":  # PostgreSQL's row locks order the writers
        assert engine not in writer_lock._WRITERS
        return
    assert not writer_lock._WRITERS[engine].locked()
    rt.clock = lambda: datetime.now(UTC) + timedelta(minutes=5)
    with rt.context() as ctx:
        plan = gateway.plan(ctx, consumer.system, licences,
                            QueryIn(subject_ids=[company_code(1)], purpose=PURPOSE))
        produced = gateway.produce(ctx, plan)
    with pytest.raises(LimitExceeded), rt.context() as ctx:
        gateway.record(ctx, consumer.system, plan, produced)  # two calls in one minute
        gateway.record(ctx, consumer.system, plan, produced)
    assert not writer_lock._WRITERS[engine].locked()


def test_a_plan_sees_its_own_transactions_changes(rt, consumer, licences, agree):
    """The plan's read is made on the transaction's connection after writing what the
    session holds, as a query would autoflush it."""
    agree()
    with rt.context() as ctx:
        org = org_by_code(ctx, consumer.code)
        org.name = "苏州市税务局（新）"
        plan = gateway.plan(ctx, consumer.system, licences,
                            QueryIn(subject_ids=[company_code(1)], purpose=PURPOSE))
        assert plan.skeleton["consumer"]["name"] == "苏州市税务局（新）"
        ctx.db.rollback()


def test_concurrent_queries_leave_a_gapless_ledger_with_valid_receipts(rt, consumer, licences,
                                                                       agree):
    """Threads query at once (the writer lock on SQLite, the state row's lock and the
    conditional swap on PostgreSQL): every receipt proves its own leaf, none is lost."""
    import threading

    agree()
    # The first call provisions the platform CA, the provider's seal and the ledger key;
    # concurrent first calls would race to create them (a known gap of `seals`, not of
    # the gateway), so one call comes first.
    docs: list[dict] = [_ask(rt, consumer, licences)]
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(5):
                docs.append(_ask(rt, consumer, licences))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with rt.context() as ctx:
        hashes = list(ctx.db.scalars(select(LedgerEntry.leaf_hash)
                                     .order_by(LedgerEntry.leaf_index)))
        assert log.tree_state(ctx) == (len(hashes), root_from_leaf_hashes(hashes))
    # The agreement's own entries come first; the queries take the 21 leaves after them.
    assert sorted(d["receipt"]["leafIdx"] for d in docs) == list(
        range(len(hashes) - 21, len(hashes)))
