"""Signed tree heads, witnesses co-signing, and a hub that rewrites history being caught."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from govbridge.core.errors import InvalidInput, PermissionDenied
from govbridge.identity.actor import Actor
from govbridge.identity.organizations import org_by_code
from govbridge.ledger import audit, checkpoints, log
from govbridge.ledger.checkpoints import WitnessRefused, checkpoint_body
from govbridge.ledger.models import Checkpoint, LedgerEntry, LedgerNode, LedgerState
from govbridge.ledger.witness import WitnessMemory, witness_latest
from govbridge.seals.usecases import PURPOSE_LEDGER, signer_for, verify_detached

OPERATOR = Actor.operator("test")


def _grow(rt, n: int, start: int = 0) -> None:
    with rt.context() as ctx:
        log.append_many(ctx, [log.NewEntry("e", {"i": start + i}) for i in range(n)])


def _checkpoint(rt):
    with rt.context() as ctx:
        return checkpoints.create_checkpoint(ctx)


@pytest.fixture
def witnesses(rt, make_org, tmp_path):
    orgs = []
    for name in ("苏州市公安局", "苏州市民政局"):
        with rt.context() as ctx:
            orgs.append(org_by_code(ctx, make_org(name=name)))
    return [(org, WitnessMemory(tmp_path / "witness", org.code)) for org in orgs]


def _witness_all(rt, witnesses) -> list[int | None]:
    made = []
    for org, memory in witnesses:
        with rt.context() as ctx:
            made.append(witness_latest(ctx, org, memory))
    return made


def test_checkpoint_is_signed_by_the_ledger_key_over_size_and_root(rt):
    _grow(rt, 5)
    head = _checkpoint(rt)
    with rt.context() as ctx:
        assert (head.tree_size, head.root) == log.tree_state(ctx)
        body = checkpoint_body(head.origin, head.tree_size, head.root)
        verify_detached(ctx, head.key_id, head.signature, body, purpose=PURPOSE_LEDGER)
        with pytest.raises(Exception, match="does not verify"):
            verify_detached(ctx, head.key_id, head.signature,
                            checkpoint_body(head.origin, head.tree_size + 1, head.root),
                            purpose=PURPOSE_LEDGER)
    assert _checkpoint(rt).id == head.id  # nothing new: the same head


def test_witnesses_cosign_heads_that_extend_what_they_saw(rt, witnesses):
    _grow(rt, 10)
    _checkpoint(rt)
    assert all(_witness_all(rt, witnesses))
    assert _witness_all(rt, witnesses) == [None, None]  # nothing new to sign
    _grow(rt, 7, start=10)
    head = _checkpoint(rt)
    assert all(_witness_all(rt, witnesses))
    with rt.context() as ctx:
        assert checkpoints.latest_checkpoint(ctx, OPERATOR).witnesses == 2
        assert head.tree_size == 17


def test_a_hub_that_rewrites_history_is_caught(rt, witnesses):
    _grow(rt, 12)
    _checkpoint(rt)
    _witness_all(rt, witnesses)
    # The operator rewrites the whole log consistently and signs a new head with the hub key.
    with rt.context() as ctx:
        for model in (LedgerEntry, LedgerNode, LedgerState):
            ctx.db.execute(delete(model))
        log.append_many(ctx, [log.NewEntry("e", {"i": i, "forged": True}) for i in range(15)])
    _checkpoint(rt)
    for org, memory in witnesses:
        with rt.context() as ctx, pytest.raises(WitnessRefused, match="does not extend"):
            witness_latest(ctx, org, memory)
    with rt.context() as ctx:
        assert checkpoints.latest_checkpoint(ctx, OPERATOR).witnesses == 0


def test_a_forged_tree_head_is_refused(rt, witnesses):
    _grow(rt, 3)
    head = _checkpoint(rt)
    with rt.context() as ctx:
        row = ctx.db.get(Checkpoint, head.id)
        row.signature = bytes(64)
    org, memory = witnesses[0]
    with rt.context() as ctx, pytest.raises(WitnessRefused, match="signature"):
        witness_latest(ctx, org, memory)


def test_cosignatures_are_checked_against_the_witness_seal(rt, witnesses):
    _grow(rt, 2)
    head = _checkpoint(rt)
    (pol, _), (civ, _) = witnesses
    body = checkpoint_body(head.origin, head.tree_size, head.root)
    with rt.context() as ctx:
        civ_signer = signer_for(ctx, civ.id)
        with pytest.raises(InvalidInput, match="co-signature"):
            checkpoints.record_cosignature(ctx, OPERATOR, head.id, pol.id, civ_signer.kid,
                                           civ_signer.sign(body))
        with pytest.raises(InvalidInput, match="co-signature"):
            checkpoints.record_cosignature(ctx, OPERATOR, head.id, civ.id, civ_signer.kid,
                                           civ_signer.sign(body + b"x"))
        made = checkpoints.record_cosignature(ctx, OPERATOR, head.id, civ.id, civ_signer.kid,
                                              civ_signer.sign(body))
        assert made


def test_audit_checks_checkpoint_signatures(rt):
    _grow(rt, 4)
    _checkpoint(rt)
    with rt.context() as ctx:
        assert audit.audit_ledger(ctx, OPERATOR).ok
        ctx.db.scalars(select(Checkpoint)).one().signature = bytes(64)
    with rt.context() as ctx:
        report = audit.audit_ledger(ctx, OPERATOR)
    assert [f.kind for f in report.findings] == ["signature"]


def test_reading_and_auditing_need_their_permissions(rt):
    clerkish = Actor(kind="user", name="nobody", permissions=frozenset())
    with rt.context() as ctx:
        with pytest.raises(PermissionDenied):
            checkpoints.latest_checkpoint(ctx, clerkish)
        with pytest.raises(PermissionDenied):
            audit.audit_ledger(ctx, clerkish)
