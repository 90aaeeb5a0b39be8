"""The gateway: checks, masking, seal, ledger receipt, limits, and nothing half recorded."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from govbridge.agreements import usecases as agreements
from govbridge.agreements.policy import AgreementDenied
from govbridge.core.errors import InvalidInput, PermissionDenied
from govbridge.core.permissions import Role
from govbridge.exchange.gateway import LimitExceeded, query
from govbridge.exchange.schemas import QueryIn
from govbridge.exchange.verify import ResponseInvalid, verify_response
from govbridge.identity.actor import Actor
from govbridge.ledger import log
from govbridge.ledger.models import LedgerEntry
from govbridge.seals.certs import make_ca_certificate
from govbridge.seals.usecases import ca_certificate_pem
from ingest_helpers import company_code, licence_row
from support import committed

from .conftest import PURPOSE


def _ask(rt, actor, code, **kw):
    body = {"subject_ids": [company_code(1), company_code(2)], "purpose": PURPOSE, **kw}
    with rt.context() as ctx:
        return query(ctx, actor, code, QueryIn(**body))


def _entries(rt, kind="exchange.query") -> int:
    with rt.context() as ctx:
        return ctx.db.scalar(select(func.count()).where(LedgerEntry.kind == kind))


def _ca(rt) -> str:
    with rt.context() as ctx:
        return ca_certificate_pem(ctx)


def test_query_returns_masked_sealed_ledgered_rows(rt, consumer, licences, agree):
    agree()
    resp = _ask(rt, consumer.system, licences)
    rows = resp.data["rows"]
    assert [r["credit_code"] for r in rows] == [company_code(1), company_code(2)]
    raw_id = licence_row(1)["legal_rep_id"]
    masked = rows[0]["legal_rep_id"]
    assert masked != raw_id and masked[:6] == raw_id[:6] and masked[-4:] == raw_id[-4:]
    assert {f["name"]: f["mask"] for f in resp.data["fields"]}["legal_rep_id"] == "keep:6:4"
    doc = json.loads(resp.model_dump_json())
    verified = verify_response(doc, trust_anchor_pem=_ca(rt))
    assert verified.rows == 2 and verified.seal.organization_name == "苏州市市场监督管理局"
    entry = json.loads(resp.receipt.entry)
    # The entry names its subjects by keyed commitment, never by ID (see ledger.commitments).
    assert entry["subjects"] == committed(rt, entry, company_code(1), company_code(2))
    assert company_code(1) not in resp.receipt.entry
    assert entry["consumer"] == consumer.code and entry["agreement"] == resp.data["agreement"]
    with rt.context() as ctx:
        mine = log.entries_of_subject(ctx, company_code(1), kinds=["exchange.query"])
    assert [e.leaf_index for e in mine] == [resp.receipt.leafIdx]


def test_filter_query_and_field_selection(rt, consumer, licences, agree):
    agree()
    with rt.context() as ctx:
        resp = query(ctx, consumer.system, licences, QueryIn(
            filter={"legal_rep": "张3"}, fields=["credit_code"], purpose=PURPOSE))
    assert resp.data["rows"] == [{"credit_code": company_code(3)}]


@pytest.mark.parametrize("part,tamper", [
    ("seal", lambda d: d.__setitem__("sealed", d["sealed"][:-3] + "AAA")),
    ("data", lambda d: d["data"]["rows"][0].__setitem__("legal_rep", "李四")),
    ("receipt", lambda d: d["receipt"].__setitem__(
        "entry", d["receipt"]["entry"].replace('"rows":2', '"rows":3'))),
    ("proof", lambda d: d["receipt"].__setitem__("leafIdx", d["receipt"]["leafIdx"] + 1)),
    ("tree_head", lambda d: d["receipt"]["tree_head"].__setitem__("signature", "A" * 88)),
    ("ledger_certificate", lambda d: d["receipt"].__setitem__("ledger_certificate", "x")),
])
def test_altered_responses_fail_verification(rt, consumer, licences, agree, part, tamper):
    agree()
    doc = json.loads(_ask(rt, consumer.system, licences).model_dump_json())
    tamper(doc)
    with pytest.raises(ResponseInvalid) as caught:
        verify_response(doc, trust_anchor_pem=_ca(rt))
    assert caught.value.part in (part, "binding")


def test_another_installations_ca_is_not_trusted(rt, consumer, licences, agree):
    """Same name, other key: the platform's own CA certificate is the only trust anchor."""
    agree()
    doc = json.loads(_ask(rt, consumer.system, licences).model_dump_json())
    genuine = x509.load_pem_x509_certificate(_ca(rt).encode())
    now = datetime.now(UTC)
    rogue = make_ca_certificate(Ed25519PrivateKey.generate(),
                                common_name=genuine.subject.rfc4514_string()[:60],
                                not_before=now - timedelta(days=1),
                                not_after=now + timedelta(days=1))
    with pytest.raises(ResponseInvalid) as caught:
        verify_response(doc, trust_anchor_pem=rogue.public_bytes(
            serialization.Encoding.PEM).decode())
    assert caught.value.part == "seal"


def test_no_agreement_wrong_purpose_and_out_of_scope_fields(rt, consumer, licences, agree):
    with pytest.raises(AgreementDenied) as caught:
        _ask(rt, consumer.system, licences)
    assert caught.value.reason == "no_agreement"
    agree(fields=["credit_code", "legal_rep"])
    with pytest.raises(AgreementDenied) as caught:
        _ask(rt, consumer.system, licences, purpose={"kind": "legal_basis", "text": "随便看看"})
    assert caught.value.reason == "wrong_purpose"
    with pytest.raises(AgreementDenied) as caught:
        _ask(rt, consumer.system, licences, fields=["credit_code", "legal_rep_id"])
    assert caught.value.reason == "field_not_granted" and caught.value.fields == ["legal_rep_id"]
    resp = _ask(rt, consumer.system, licences)
    assert set(resp.data["rows"][0]) == {"credit_code", "legal_rep"}
    with pytest.raises(InvalidInput) as bad:
        _ask(rt, consumer.system, licences, fields=["colour"])
    assert bad.value.problems[0].field == "fields[0]"
    assert _entries(rt) == 1


def test_revoked_and_expired_agreements_stop_the_next_call(rt, consumer, licences, agree):
    made = agree()
    _ask(rt, consumer.system, licences)
    with rt.context() as ctx:
        agreements.revoke(ctx, consumer.officer, made.code, "项目结束")
    with pytest.raises(AgreementDenied) as caught:
        _ask(rt, consumer.system, licences)
    assert caught.value.reason == "revoked"
    agree()
    rt.clock = lambda: datetime.now(UTC) + timedelta(days=45)
    with pytest.raises(AgreementDenied) as caught:
        _ask(rt, consumer.system, licences)
    assert caught.value.reason == "expired"


def test_rate_and_volume_limits(rt, consumer, licences, agree):
    agree(rate_per_minute=2, daily_volume=5)
    _ask(rt, consumer.system, licences)
    _ask(rt, consumer.system, licences)
    with pytest.raises(LimitExceeded) as caught:
        _ask(rt, consumer.system, licences)
    assert caught.value.limit in ("rate_per_minute", "daily_volume")
    assert _entries(rt) == 2  # the refused call left nothing in the ledger


def test_daily_volume(rt, consumer, licences, agree):
    agree(daily_volume=3)
    _ask(rt, consumer.system, licences)
    with pytest.raises(LimitExceeded) as caught:
        _ask(rt, consumer.system, licences)
    assert caught.value.limit == "daily_volume"


def test_who_may_query(rt, consumer, licences, agree, provider):
    agree()
    clerk = Actor.for_user(user_id=7, username="clerk", roles=frozenset({Role.CLERK}),
                           organization_id=consumer.id, subject_id=None)
    with pytest.raises(PermissionDenied):
        _ask(rt, clerk, licences)
    # The provider's own system holds no agreement of the consumer's.
    own = Actor.for_client(client_id=3, key_id="gbk_amr", organization_id=provider["id"])
    with pytest.raises(AgreementDenied):
        _ask(rt, own, licences)
    applicant = Actor.for_user(user_id=8, username="citizen", roles=frozenset(
        {Role.APPLICANT}), organization_id=None, subject_id="11010519491231002X")
    with pytest.raises(PermissionDenied):
        _ask(rt, applicant, licences)


def test_a_call_that_fails_after_reading_leaves_nothing(rt, consumer, licences, agree,
                                                         monkeypatch):
    agree()
    import govbridge.seals.usecases as seals

    def broken(*_a, **_k):
        raise RuntimeError("seal service down")

    monkeypatch.setattr(seals, "seal_for", broken)
    with pytest.raises(RuntimeError):
        _ask(rt, consumer.system, licences)
    assert _entries(rt) == 0


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(picks=st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=4,
                      unique=True))
def test_masked_raw_values_never_leave(rt, consumer, licences, agree, picks):
    """No raw citizen ID appears in the response, the seal, or the ledger entry."""
    with rt.context() as ctx:
        if not agreements.list_agreements(ctx, consumer.officer, role="consumer"):
            agree()
    ids = [company_code(n) for n in picks]
    with rt.context() as ctx:
        resp = query(ctx, consumer.system, licences, QueryIn(subject_ids=ids, purpose=PURPOSE))
    everything = resp.model_dump_json() + resp.sealed
    import base64

    payload = base64.urlsafe_b64decode(resp.sealed.split(".")[1] + "==").decode()
    for n in picks:
        raw = licence_row(n)["legal_rep_id"]
        assert raw not in everything and raw not in payload and raw not in resp.receipt.entry


def test_masked_raw_values_stay_out_of_errors_logs_and_exports(rt, consumer, licences, agree,
                                                               caplog):
    """The other ways out: a refused call's problem, every log line, the DCAT export."""
    import logging

    from govbridge.catalog.dcat import export_catalog

    agree(fields=["credit_code", "legal_rep_id"], rate_per_minute=1)
    raw = [licence_row(n)["legal_rep_id"] for n in range(6)]
    caplog.set_level(logging.DEBUG)
    ids = [company_code(n) for n in range(6)]
    _ask(rt, consumer.system, licences, subject_ids=ids)
    refusals = []
    for extra in ({}, {"fields": ["legal_rep"]}, {"purpose": {"kind": "legal_basis",
                                                              "text": "别的用途"}}):
        with pytest.raises(Exception) as caught:
            _ask(rt, consumer.system, licences, subject_ids=ids, **extra)
        refusals.append(str(caught.value) + repr(getattr(caught.value, "extensions",
                                                         lambda: {})()))
    with rt.context() as ctx:
        exported = export_catalog(ctx, Actor.operator("t"), "turtle", "http://x/")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for value in raw:
        for place, text in (("errors", " ".join(refusals)), ("logs", logged),
                            ("export", exported)):
            assert value not in text, f"{value} leaked into {place}"
