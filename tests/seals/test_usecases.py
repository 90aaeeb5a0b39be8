"""Seal use cases on the database: CA, issue, rotate, revoke, list, signer_for, ledger key,
online verification, permissions, audit, private keys kept private."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select

from govbridge.audit.models import AuditEvent
from govbridge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from govbridge.core.permissions import Role
from govbridge.identity.actor import Actor
from govbridge.identity.organizations import org_by_code
from govbridge.seals import usecases as seals
from govbridge.seals.jws import SealInvalid, seal_json, verify_json
from govbridge.seals.models import SealAuthority, SealKey
from govbridge.security import at_rest

PAYLOAD = {"rows": [{"id": 1, "name": "李四"}], "dataset": "RS-0002"}


def _org_id(rt, code: str) -> int:
    with rt.context() as ctx:
        return org_by_code(ctx, code).id


def test_ca_is_created_once_and_key_is_encrypted(rt):
    with rt.context() as ctx:
        first = seals.ensure_ca(ctx)
    with rt.context() as ctx:
        again = seals.ensure_ca(ctx)
        assert seals.ca_certificate_pem(ctx) == first.certificate_pem
        assert ctx.db.scalar(select(func.count()).select_from(SealAuthority)) == 1
        row = ctx.db.scalar(select(SealAuthority))
        clear = at_rest.unseal(rt.settings.secret_key, f"seal-ca:{row.name}", row.private_key_enc)
        assert clear not in row.private_key_enc
    assert again.fingerprint_sha256 == first.fingerprint_sha256
    assert first.certificate_pem.startswith("-----BEGIN CERTIFICATE-----")


@pytest.mark.parametrize("algorithm", ["Ed25519", "P-256", "SM2"])
def test_issue_then_seal_and_verify_offline_and_online(rt, make_org, operator, algorithm):
    code = make_org("苏州市公安局")
    with rt.context() as ctx:
        out = seals.issue_seal(ctx, operator, code, algorithm)
    assert out.status == "active" and out.organization_code == code
    assert (out.certificate_pem is None) == (algorithm == "SM2")
    assert (out.attestation is not None) == (algorithm == "SM2")
    with rt.context() as ctx:
        token = seals.seal_for(ctx, _org_id(rt, code), PAYLOAD)
        pem = seals.ca_certificate_pem(ctx)
    seal = verify_json(token, trust_anchor_pem=pem)
    assert seal.kid == out.kid and seal.organization_code == code
    assert seal.organization_name == "苏州市公安局" and seal.payload == PAYLOAD
    with rt.context() as ctx:
        assert seals.verify_sealed(ctx, token).kid == out.kid
        events = [e.action for e in ctx.db.scalars(select(AuditEvent))]
    assert "seal.issue" in events


def test_issue_refuses_second_active_seal_and_unknown_algorithm(rt, make_org, operator):
    code = make_org()
    with rt.context() as ctx:
        seals.issue_seal(ctx, operator, code)
    with rt.context() as ctx, pytest.raises(Conflict):
        seals.issue_seal(ctx, operator, code)
    other = make_org("x局")
    with rt.context() as ctx, pytest.raises(InvalidInput) as exc:
        seals.issue_seal(ctx, operator, other, "RSA")
    assert exc.value.problems[0].field == "algorithm"
    with rt.context() as ctx, pytest.raises(InvalidInput):
        seals.issue_seal(ctx, operator, "91110000600037341L")


def test_signer_for_provisions_first_seal_once(rt, make_org):
    code = make_org()
    org_id = _org_id(rt, code)
    with rt.context() as ctx:
        s1 = seals.signer_for(ctx, org_id)
    with rt.context() as ctx:
        s2 = seals.signer_for(ctx, org_id)
        rows = list(ctx.db.scalars(select(SealKey)))
        actions = [e.action for e in ctx.db.scalars(select(AuditEvent))]
    assert s1.kid == s2.kid and s1.alg == "EdDSA" and len(rows) == 1
    assert rows[0].created_by == "operator:system" and "seal.provision" in actions
    with rt.context() as ctx, pytest.raises(NotFound):
        seals.signer_for(ctx, 987654)


def test_rotation_keeps_old_seals_verifiable_until_expiry(rt, make_org, operator):
    code = make_org()
    org_id = _org_id(rt, code)
    with rt.context() as ctx:
        old = seals.issue_seal(ctx, operator, code, validity_days=10)
        old_token = seals.seal_for(ctx, org_id, PAYLOAD)
    with rt.context() as ctx:
        new = seals.rotate_seal(ctx, operator, code, "SM2")
        new_token = seals.seal_for(ctx, org_id, PAYLOAD)
    assert new.kid != old.kid and new.algorithm == "SM2"
    with rt.context() as ctx:
        listed = {s.kid: s.status for s in seals.list_seals(ctx, operator, code)}
        assert listed == {old.kid: "retired", new.kid: "active"}
        assert seals.verify_sealed(ctx, old_token).kid == old.kid
        assert seals.verify_sealed(ctx, new_token).alg == "SM2SM3"
        with pytest.raises(SealInvalid) as exc:
            seals.verify_sealed(ctx, old_token, at=old.not_after + timedelta(seconds=1))
        assert exc.value.reason == "expired"
    # rotation keeps the algorithm unless told
    with rt.context() as ctx:
        assert seals.rotate_seal(ctx, operator, code).algorithm == "SM2"


def test_expired_active_seal_is_replaced_on_use(rt, make_org, operator):
    code = make_org()
    org_id = _org_id(rt, code)
    with rt.context() as ctx:
        first = seals.issue_seal(ctx, operator, code, validity_days=1)
    rt.clock = lambda: datetime.now(UTC) + timedelta(days=2)
    with rt.context() as ctx:
        signer = seals.signer_for(ctx, org_id)
        old = ctx.db.scalar(select(SealKey).where(SealKey.kid == first.kid))
        assert signer.kid != first.kid and old.status == "retired"


def test_revoked_seal_fails_online_but_offline_needs_the_list(rt, make_org, operator):
    code = make_org()
    org_id = _org_id(rt, code)
    with rt.context() as ctx:
        out = seals.issue_seal(ctx, operator, code)
        token = seals.seal_for(ctx, org_id, PAYLOAD)
        pem = seals.ca_certificate_pem(ctx)
    with rt.context() as ctx:
        revoked = seals.revoke_seal(ctx, operator, out.kid, "key file leaked")
    assert revoked.status == "revoked" and revoked.revoke_reason == "key file leaked"
    with rt.context() as ctx, pytest.raises(SealInvalid) as exc:
        seals.verify_sealed(ctx, token)
    assert exc.value.reason == "revoked"
    assert verify_json(token, trust_anchor_pem=pem).kid == out.kid  # offline, no CRL given
    with pytest.raises(SealInvalid):
        verify_json(token, trust_anchor_pem=pem, revoked={out.kid})
    # the next use provisions a fresh seal
    with rt.context() as ctx:
        assert seals.signer_for(ctx, org_id).kid != out.kid
        with pytest.raises(InvalidInput):
            seals.revoke_seal(ctx, operator, out.kid, "  ")
        with pytest.raises(NotFound):
            seals.revoke_seal(ctx, operator, "nope", "x")


def test_verify_sealed_rejects_unknown_key_and_foreign_ca(rt, make_org, operator, pki):
    make_org()
    with rt.context() as ctx:
        seals.ensure_ca(ctx)
    foreign = seal_json(pki.signer(), PAYLOAD)
    with rt.context() as ctx, pytest.raises(SealInvalid) as exc:
        seals.verify_sealed(ctx, foreign)
    assert exc.value.reason == "untrusted-certificate"
    # a key certified by our CA but unknown to this database (e.g. restored from elsewhere)
    code = make_org("丙局")
    with rt.context() as ctx:
        token = seals.seal_for(ctx, org_by_code(ctx, code).id, PAYLOAD)
    with rt.context() as ctx:
        ctx.db.query(SealKey).delete()
    with rt.context() as ctx, pytest.raises(SealInvalid) as exc:
        seals.verify_sealed(ctx, token)
    assert exc.value.reason == "unknown-key"


def test_ledger_key(rt):
    with rt.context() as ctx:
        signer = seals.ledger_signer(ctx)
        again = seals.ledger_signer(ctx)
        keys = seals.ledger_public_keys(ctx)
    assert signer.kid == again.kid and signer.kid.startswith("ledger-")
    sig = signer.sign(b"tree head")
    Ed25519PublicKey.from_public_bytes(keys[signer.kid]).verify(sig, b"tree head")
    with rt.context() as ctx:
        listed = seals.list_seals(ctx, Actor.operator("t"))
        assert [s.purpose for s in listed] == ["ledger"] and listed[0].organization_code is None
        seals.revoke_seal(ctx, Actor.operator("t"), signer.kid, "rotated out")
    with rt.context() as ctx:
        assert signer.kid not in seals.ledger_public_keys(ctx)
        assert seals.ledger_signer(ctx).kid != signer.kid


def test_data_officer_manages_only_own_org(rt, make_org, make_user):
    mine, theirs = make_org("甲局"), make_org("乙局")
    officer = make_user("officer", [Role.DATA_OFFICER], org=mine)
    clerk = make_user("clerk", [Role.CLERK], org=mine)

    def actor(user, org):
        return Actor.for_user(user_id=1, username=user.username, roles=frozenset(user.roles),
                              organization_id=_org_id(rt, org), subject_id=None)

    me, them = actor(officer, mine), actor(clerk, mine)
    with rt.context() as ctx:
        own = seals.issue_seal(ctx, me, mine)
        seals.rotate_seal(ctx, me, mine)
        assert {s.organization_code for s in seals.list_seals(ctx, me)} == {mine}
    with rt.context() as ctx:
        other = seals.issue_seal(ctx, Actor.operator("t"), theirs)
    for call in (
        lambda ctx: seals.issue_seal(ctx, me, theirs, "SM2"),
        lambda ctx: seals.rotate_seal(ctx, me, theirs),
        lambda ctx: seals.revoke_seal(ctx, me, other.kid, "not mine"),
        lambda ctx: seals.list_seals(ctx, me, theirs),
        lambda ctx: seals.list_seals(ctx, them),
        lambda ctx: seals.revoke_seal(ctx, them, own.kid, "clerk"),
    ):
        with rt.context() as ctx, pytest.raises(PermissionDenied) as exc:
            call(ctx)
        assert exc.value.permission == "seal.manage"


def test_private_keys_never_leave(rt, make_org, operator):
    code = make_org()
    with rt.context() as ctx:
        seals.issue_seal(ctx, operator, code)
        seals.rotate_seal(ctx, operator, code, "SM2")
        seals.ledger_signer(ctx)
        listed = seals.list_seals(ctx, operator)
        secrets_ = []
        for row in ctx.db.scalars(select(SealKey)):
            secrets_.append(at_rest.unseal(rt.settings.secret_key, f"seal-key:{row.kid}",
                                           row.private_key_enc))
            assert secrets_[-1] not in row.private_key_enc
            with pytest.raises(Exception):
                at_rest.unseal(rt.settings.secret_key, "seal-key:other", row.private_key_enc)
    dumped = json.dumps([s.model_dump(mode="json") for s in listed])
    assert "private" not in dumped.lower()
    for secret in secrets_:
        assert secret.hex() not in dumped
        import base64

        for enc in (base64.b64encode(secret), base64.urlsafe_b64encode(secret).rstrip(b"=")):
            assert enc.decode()[:20] not in dumped
