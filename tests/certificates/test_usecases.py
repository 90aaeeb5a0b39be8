"""Issuing, sealing (JWS VC and PAdES), verifying, revoking, ledgering and sharing."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta

import pytest
from joserfc import jws
from joserfc.jwk import OKPKey
from sqlalchemy import func, select

from govbridge.agreements import usecases as agreements
from govbridge.agreements.schemas import AgreementRequestIn
from govbridge.certificates import pdf, usecases
from govbridge.certificates.models import Certificate
from govbridge.certificates.verify import OFFLINE_SEAL_TIME, verify_bytes
from govbridge.core.errors import InvalidInput, NotFound, PermissionDenied
from govbridge.core.permissions import Role
from govbridge.identity.actor import Actor
from govbridge.identity.organizations import org_by_code
from govbridge.ledger.models import LedgerEntry
from govbridge.seals.usecases import ca_certificate_pem
from ingest_helpers import person_id
from support import need

pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")


def _flip(data: bytes, at: int) -> bytes:
    b = bytearray(data)
    b[at] ^= 0x01
    return bytes(b)


def _pdf_and_vc(rt, cert_id):
    with rt.context() as ctx:
        row = ctx.db.get(Certificate, cert_id)
        return row.pdf, row.vc_jws, ca_certificate_pem(ctx)


def _verify(rt, data, at=None):
    with rt.context() as ctx:
        return usecases.verify_document(ctx, data, at=at)


def test_issue_seals_ledgers_and_verifies(rt, issue, provider):
    made = issue()
    assert made.identifier[6:24] == provider["code"] and made.status == "valid"
    assert made.verify_url.endswith(f"/verify/{made.identifier}")
    pdf_bytes, token, _ = _pdf_and_vc(rt, made.id)
    assert pdf_bytes.startswith(b"%PDF-")
    verdict = _verify(rt, token.encode())
    assert verdict.status == "valid" and verdict.issuer_code == provider["code"]
    assert verdict.holder_id != made.holder_id and "*" in verdict.holder_id
    assert _verify(rt, pdf_bytes).status == "valid"
    with rt.context() as ctx:
        entries = ctx.db.scalars(select(LedgerEntry).where(
            LedgerEntry.kind == "certificate.issued")).all()
    assert len(entries) == 1 and made.ledger_leaf is not None
    # A second certificate of the year takes the next sequence number.
    assert issue(2).identifier[24:34] == made.identifier[24:28] + "000002"


def test_vc_is_a_standard_jws(rt, issue):
    made = issue()
    _, token, _ = _pdf_and_vc(rt, made.id)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["typ"] == "vc+jwt" and header["alg"] == "EdDSA"
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    leaf = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    pem = leaf.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    registry = jws.JWSRegistry(algorithms=["EdDSA"])
    registry.max_header_length = 8192  # x5c makes the header ~2 kB
    obj = jws.deserialize_compact(token, OKPKey.import_key(pem), registry=registry)
    vc = json.loads(obj.payload)
    assert vc["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert vc["type"] == ["VerifiableCredential", "营业执照"] and "validUntil" in vc
    assert vc["credentialSubject"]["id"] == f"urn:govbridge:holder:{made.holder_id}"


def test_json_tamper_and_signature_swap(rt, issue):
    one, two = issue(1), issue(2)
    _, token1, _ = _pdf_and_vc(rt, one.id)
    _, token2, _ = _pdf_and_vc(rt, two.id)
    h, p, s = token1.split(".")
    flipped = p[:10] + ("A" if p[10] != "A" else "B") + p[11:]
    assert _verify(rt, f"{h}.{flipped}.{s}".encode()).status == "tampered"
    swapped = f"{h}.{p}.{token2.split('.')[2]}"
    bad = _verify(rt, swapped.encode())
    assert bad.status == "tampered" and any("seal" in r for r in bad.reasons)
    assert _verify(rt, b"not a certificate").status == "tampered"


def test_expired_with_a_fixed_clock(rt, issue):
    made = issue(valid_until=datetime.now(UTC) + timedelta(days=30))
    _, token, _ = _pdf_and_vc(rt, made.id)
    later = datetime.now(UTC) + timedelta(days=31)
    assert _verify(rt, token.encode(), at=later).status == "expired"
    with rt.context() as ctx:
        assert usecases.status_page(ctx, made.identifier, at=later).status == "expired"


def test_revocation_is_ledgered_and_seen(rt, issue, provider):
    made = issue()
    pdf_bytes, token, _ = _pdf_and_vc(rt, made.id)
    with rt.context() as ctx:
        done = usecases.revoke_certificate(ctx, provider["officer"], made.id, "issued in error")
    assert done.status == "revoked" and done.revoked_by == "user:officer.amr"
    assert _verify(rt, token.encode()).status == "revoked"
    assert _verify(rt, pdf_bytes).status == "revoked"
    with rt.context() as ctx:
        entry = ctx.db.scalar(select(LedgerEntry).where(LedgerEntry.kind == "certificate.revoked"))
    assert entry is not None


def test_pdf_signed_and_byte_flipped(rt, issue):
    made = issue()
    pdf_bytes, _, ca = _pdf_and_vc(rt, made.id)
    good = pdf.validate(pdf_bytes, ca)
    assert good.ok and good.identifier == made.identifier and good.vc_jws
    bad_bytes = _flip(pdf_bytes, pdf_bytes.index(b"stream") + 20)
    bad = pdf.validate(bad_bytes, ca)
    assert not bad.ok and any("modified" in r for r in bad.reasons)
    assert _verify(rt, bad_bytes).status == "tampered"


def test_pdfsig_accepts_the_sealed_pdf_and_rejects_a_flipped_copy(rt, issue, tmp_path):
    need(shutil.which("pdfsig") is not None, "poppler's pdfsig (apt-get install poppler-utils)")
    made = issue()
    pdf_bytes, _, _ = _pdf_and_vc(rt, made.id)
    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    good.write_bytes(pdf_bytes)
    bad.write_bytes(_flip(pdf_bytes, pdf_bytes.index(b"stream") + 20))
    ok = subprocess.run(["pdfsig", str(good)], capture_output=True, text=True, check=False)
    assert "Signature Validation: Signature is Valid." in ok.stdout, ok.stdout
    assert "Total document signed" in ok.stdout
    # pdfsig does not know the platform CA; the signature itself is valid.
    assert "Certificate issuer isn't Trusted." in ok.stdout
    ko = subprocess.run(["pdfsig", str(bad)], capture_output=True, text=True, check=False)
    assert "Signature Validation: Digest Mismatch." in ko.stdout, ko.stdout
    assert "Signature is Valid" not in ko.stdout


def test_wrong_department_is_refused(rt, issue, make_org, provider):
    other = make_org(name="苏州市民政局")
    with rt.context() as ctx:
        other_id = org_by_code(ctx, other).id
    outsider = Actor.for_user(user_id=77, username="officer.mz",
                              roles=frozenset({Role.DATA_OFFICER}),
                              organization_id=other_id, subject_id=None)
    with pytest.raises(PermissionDenied):
        issue(actor=outsider, issuer_org=provider["code"])
    with pytest.raises(InvalidInput, match="another organization"):
        issue(actor=outsider)  # as 民政局, but the 营业执照 dataset is the regulator's
    made = issue()
    # Not theirs to read: answered as if it did not exist (finding 10).
    with rt.context() as ctx, pytest.raises(NotFound):
        usecases.revoke_certificate(ctx, outsider, made.id, "not mine")
    with rt.context() as ctx:
        assert usecases.list_certificates(ctx, outsider) == []
    clerk = Actor.for_user(user_id=78, username="clerk", roles=frozenset({Role.CLERK}),
                           organization_id=other_id, subject_id=None)
    with rt.context() as ctx, pytest.raises(PermissionDenied):
        usecases.list_certificates(ctx, clerk)
    with rt.context() as ctx, pytest.raises(NotFound):
        usecases.get_certificate(ctx, clerk, made.id)


def test_approver_of_the_issuing_org_may_issue(rt, issue, provider):
    approver = Actor.for_user(user_id=79, username="approver.amr",
                              roles=frozenset({Role.APPROVER}),
                              organization_id=provider["id"], subject_id=None)
    assert issue(3, actor=approver).status == "valid"


def test_issued_certificate_is_served_by_the_exchange(rt, issue, make_org, licence_type):
    from govbridge.exchange.gateway import query
    from govbridge.exchange.schemas import QueryIn

    made = issue(5)
    tax = make_org(name="苏州市税务局")
    with rt.context() as ctx:
        tax_id = org_by_code(ctx, tax).id
    officer = Actor.for_user(user_id=501, username="officer.tax",
                             roles=frozenset({Role.DATA_OFFICER}), organization_id=tax_id,
                             subject_id=None)
    system = Actor.for_client(client_id=9, key_id="gbk_tax", organization_id=tax_id)
    purpose = {"kind": "legal_basis", "text": "《中华人民共和国税收征收管理法》第十五条"}
    with rt.context() as ctx:
        agreements.request_agreement(ctx, officer, AgreementRequestIn(
            resource_code=licence_type, fields=["credit_code", "legal_rep", "established"],
            purpose_kind="legal_basis", purpose_text=purpose["text"],
            valid_until=date.today() + timedelta(days=30)))
    with rt.context() as ctx:
        resp = query(ctx, system, licence_type,
                     QueryIn(subject_ids=[made.holder_id], purpose=purpose))
    rows = resp.data["rows"]
    assert len(rows) == 1 and rows[0]["credit_code"] == made.holder_id
    assert rows[0]["established"] == "2020-05-17"


def test_a_revoked_seal_no_longer_vouches(rt, issue, provider, operator):
    from govbridge.seals.models import SealKey
    from govbridge.seals.usecases import revoke_seal

    made = issue()
    pdf_bytes, token, _ = _pdf_and_vc(rt, made.id)
    with rt.context() as ctx:
        kids = {k.purpose: k.kid for k in ctx.db.scalars(select(SealKey))}
        revoke_seal(ctx, operator, kids["pdf"], "key compromised")
    assert _verify(rt, pdf_bytes).status == "tampered"
    assert _verify(rt, token.encode()).status == "valid"
    with rt.context() as ctx:
        revoke_seal(ctx, operator, kids["seal"], "key compromised")
    assert _verify(rt, token.encode()).status == "tampered"


def test_data_its_dataset_refuses_names_the_field_and_issues_nothing(rt, issue):
    with pytest.raises(InvalidInput) as caught:
        issue(6, data={"legal_rep": "张三", "legal_rep_id": person_id(6),
                       "established": "2020-02-30"})
    problems = {(p.field, p.value) for p in caught.value.problems}
    assert ("data.established", "2020-02-30") in problems
    with rt.context() as ctx:
        assert ctx.db.scalar(select(func.count()).select_from(Certificate)) == 0


def test_a_ten_year_certificate_outlives_its_two_year_seal_certificates(rt, issue):
    """Seals are checked when they were made (the ledgered issuance), not today."""
    made = issue()
    pdf_bytes, token, ca = _pdf_and_vc(rt, made.id)
    three_years = datetime.now(UTC) + timedelta(days=3 * 365)  # both seal certs expired
    for data in (token.encode(), pdf_bytes):
        verdict = _verify(rt, data, at=three_years)
        assert verdict.status == "valid", verdict.reasons
    # Offline the moment is the credential's own date of issue, and the verdict says so.
    offline = verify_bytes(token.encode(), ca_pem=ca, at=three_years)
    assert offline.status == "valid" and OFFLINE_SEAL_TIME in offline.reasons
    # Past the certificate's own validity it is expired, not tampered.
    assert _verify(rt, pdf_bytes, at=datetime.now(UTC) + timedelta(days=3700)).status \
        == "expired"
    # A tampered copy still fails at any moment.
    assert _verify(rt, _flip(pdf_bytes, len(pdf_bytes) // 2), at=three_years).status \
        == "tampered"

