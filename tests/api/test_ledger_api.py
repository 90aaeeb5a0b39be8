"""Ledger over HTTP: checkpoints, proofs in the verify-proof format, entries, audit."""

from __future__ import annotations

import base64

from govbridge.core.permissions import Role
from govbridge.ledger import log
from govbridge.ledger.merkle import verify_consistency, verify_inclusion
from govbridge.ledger.proof_files import check_proof_document


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _fill(rt, n: int) -> None:
    with rt.context() as ctx:
        log.append_many(ctx, [log.NewEntry("e", {"i": i}, ("S1",)) for i in range(n)])


def test_checkpoint_and_proofs(rt, client, token_for):
    _fill(rt, 9)
    auditor = _bearer(token_for(Role.AUDITOR))
    made = client.post("/api/v1/ledger/checkpoints", headers=auditor)
    assert made.status_code == 201 and made.json()["tree_size"] == 9
    latest = client.get("/api/v1/ledger/checkpoints/latest", headers=auditor).json()
    assert latest["id"] == made.json()["id"] and latest["witnesses"] == 0
    root = base64.b64decode(latest["root"])
    inc = client.get("/api/v1/ledger/proofs/inclusion?leaf_index=4", headers=auditor).json()
    check_proof_document(inc)
    assert base64.b64decode(inc["root"]) == root
    verify_inclusion(base64.b64decode(inc["leafHash"]), 4, 9,
                     [base64.b64decode(p) for p in inc["proof"]], root)
    _fill(rt, 3)
    con = client.get("/api/v1/ledger/proofs/consistency?size1=9", headers=auditor).json()
    verify_consistency(9, 12, root, base64.b64decode(con["root2"]),
                       [base64.b64decode(p) for p in con["proof"]])
    assert client.get("/api/v1/ledger/proofs/inclusion?leaf_index=40",
                      headers=auditor).status_code == 404


def test_entries_and_audit_are_for_auditors(rt, client, token_for):
    _fill(rt, 3)
    officer = _bearer(token_for(Role.DATA_OFFICER))
    auditor = _bearer(token_for(Role.AUDITOR))
    assert client.get("/api/v1/ledger/entries/1", headers=officer).status_code == 403
    entry = client.get("/api/v1/ledger/entries/1", headers=auditor).json()
    assert entry["entry"]["i"] == 1 and entry["kind"] == "e"
    assert client.get("/api/v1/ledger/audit", headers=officer).status_code == 403
    report = client.get("/api/v1/ledger/audit", headers=auditor).json()
    assert report["ok"] is True and report["entries"] == 3
    assert client.post("/api/v1/ledger/checkpoints", headers=officer).status_code == 403
    clerk = _bearer(token_for(Role.CLERK))
    assert client.get("/api/v1/ledger/checkpoints", headers=clerk).status_code == 403


def test_bad_cosignature_is_refused(rt, client, token_for, make_org):
    _fill(rt, 2)
    auditor = _bearer(token_for(Role.AUDITOR))
    head = client.post("/api/v1/ledger/checkpoints", headers=auditor).json()
    org = make_org(name="苏州市税务局")
    url = f"/api/v1/ledger/checkpoints/{head['id']}/cosignatures"
    bad = client.post(url, headers=auditor, json={"organization_code": org, "key_id": "x",
                                                  "signature": "not base64!"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "signature"
    forged = client.post(url, headers=auditor, json={
        "organization_code": org, "key_id": "x", "signature": base64.b64encode(b"0" * 64).decode()})
    assert forged.status_code == 422
