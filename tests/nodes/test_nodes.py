"""Department nodes: enrolment, mutual TLS both ways, the hub's check of a node's answer,
the gateway through a node, a node that is down, and witnessing over the hub's API."""

from __future__ import annotations

import json
import ssl
import stat
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from govbridge.api.app import create_app
from govbridge.core.errors import Conflict
from govbridge.exchange import gateway
from govbridge.exchange.admission import Admission
from govbridge.exchange.models import ExchangeUsage
from govbridge.exchange.plan import mask_rows
from govbridge.exchange.schemas import QueryIn
from govbridge.exchange.verify import verify_response
from govbridge.identity.actor import Actor
from govbridge.identity.organizations import org_by_code
from govbridge.ledger import checkpoints, log
from govbridge.ledger.models import WitnessSignature
from govbridge.nodes import client, protocol, tls
from govbridge.nodes.config import (
    API_KEY,
    CA,
    ROWS_DB,
    SEAL_KEY,
    TLS_CERT,
    TLS_KEY,
    load_config,
    load_seal_signer,
)
from govbridge.nodes.models import Node
from govbridge.nodes.store import load_rows, read_file
from govbridge.nodes.witness import hub_http, witness_once
from govbridge.seals import certs
from govbridge.seals.jws import seal_json
from govbridge.seals.models import SealKey
from govbridge.seals.signers import load_signer
from govbridge.seals.usecases import ca_certificate_pem, seal_for
from ingest_helpers import company_code, licence_row
from node_helpers import PURPOSE, free_port, node_thread, rows_file
from support import committed, free_slots_while_called

ROWS = 5


def _query(**kw) -> QueryIn:
    return QueryIn(**{"subject_ids": [company_code(1), company_code(3)], "purpose": PURPOSE,
                      **kw})


def _consumer(rt, city) -> Actor:
    with rt.context() as ctx:
        org_id = org_by_code(ctx, city.consumer_code).id
    return Actor.for_client(client_id=1, key_id="gbk_test", organization_id=org_id)


@pytest.fixture
def node_a(rt, city, agree, enrol, tmp_path):
    """Provider A's node enrolled on a free port with ROWS rows, and an agreement for it."""
    agree(city.a_dataset)
    port = free_port()
    directory = enrol(city.a_code, port)
    ds = load_config(directory).dataset(city.a_dataset)
    assert ds is not None
    load_rows(directory / ROWS_DB, ds, read_file(rows_file(tmp_path, "a", ROWS)))
    return directory, port


# --- enrolment ---------------------------------------------------------------------------


def test_enrolment_writes_the_directory_with_private_keys_0600(rt, city, node_a):
    directory, port = node_a
    for name in (TLS_KEY, SEAL_KEY, API_KEY):
        assert stat.S_IMODE((directory / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    cfg = load_config(directory)
    assert cfg.organization_code == city.a_code
    assert cfg.node_url == f"https://127.0.0.1:{port}"
    assert [d.resource_code for d in cfg.datasets] == [city.a_dataset]
    with rt.context() as ctx:
        node = ctx.db.scalar(select(Node))
        key = ctx.db.scalar(select(SealKey).where(SealKey.kid == cfg.seal_kid))
        assert node.url == cfg.node_url and node.status == "active"
        assert node.tls_fingerprint == tls.fingerprint_der(
            ssl.PEM_cert_to_DER_cert((directory / TLS_CERT).read_text()))
        assert (directory / CA).read_text() == ca_certificate_pem(ctx)
        # The hub keeps the public part only: it cannot seal for this department any more.
        assert key.private_key_enc == b"" and key.status == "active"
        with pytest.raises(Conflict, match="held by the department's own node"):
            seal_for(ctx, node.organization_id, {"x": 1})
    hub_cert, hub_key = (rt.settings.home / "nodes" / "hub-client.crt",
                         rt.settings.home / "nodes" / "hub-client.key")
    assert stat.S_IMODE(hub_key.stat().st_mode) == 0o600
    assert cfg.hub_client_fingerprint == tls.fingerprint_der(
        ssl.PEM_cert_to_DER_cert(hub_cert.read_text()))


def test_enrolment_refuses_a_non_https_url(rt, city):
    from govbridge.core.errors import InvalidInput
    from govbridge.nodes.usecases import enroll_node

    with rt.context() as ctx, pytest.raises(InvalidInput, match="https://HOST:PORT"):
        enroll_node(ctx, Actor.operator("t"), city.a_code, "http://127.0.0.1:9", "http://x")


# --- mutual TLS --------------------------------------------------------------------------


def _hub_context(rt) -> ssl.SSLContext:
    with rt.context() as ctx:
        return client.hub_ssl_context(ctx)


def _call(context: ssl.SSLContext, url: str, org_code: str, path: str = "/node/v1/produce",
          body: dict | None = None) -> httpx.Response:
    with httpx.Client(verify=context, trust_env=False, timeout=5) as http:
        ext = {"sni_hostname": tls.node_server_name(org_code)}
        if body is None:
            return http.get(url + path, extensions=ext)
        return http.post(url + path, json=body, extensions=ext)


def _context_with(cert_pem: bytes, key_pem: bytes, ca_pem: str, tmp_path) -> ssl.SSLContext:
    cert, key = tmp_path / "other.crt", tmp_path / "other.key"
    cert.write_bytes(cert_pem)
    key.write_bytes(key_pem)
    return tls.client_context(cert, key, ca_pem)


def test_the_node_serves_the_hub_over_mutual_tls(rt, city, node_a):
    directory, port = node_a
    with node_thread(directory, port) as url:
        resp = _call(_hub_context(rt), url, city.a_code, "/node/v1/health")
        assert resp.status_code == 200
        assert resp.json()["datasets"] == {city.a_dataset: ROWS}
        assert resp.json()["organization_code"] == city.a_code


def test_the_node_refuses_a_client_certificate_not_issued_by_the_ca(rt, city, node_a, tmp_path):
    directory, port = node_a
    now = datetime.now(UTC)
    rogue_key = Ed25519PrivateKey.generate()
    rogue_ca = certs.make_ca_certificate(rogue_key, common_name="govbridge platform CA",
                                         not_before=now - timedelta(minutes=5),
                                         not_after=now + timedelta(days=1))
    key = tls.new_key()
    cert = tls.issue_hub_client_certificate(rogue_key, rogue_ca, key.public_key(),
                                            not_before=now - timedelta(minutes=5),
                                            not_after=now + timedelta(days=1))
    context = _context_with(tls.cert_pem(cert), tls.key_pem(key),
                            (directory / CA).read_text(), tmp_path)
    with node_thread(directory, port) as url, pytest.raises(
            (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError)):
        _call(context, url, city.a_code, body={"x": 1})
    # Nor without any client certificate.
    bare = ssl.create_default_context(cadata=(directory / CA).read_text())
    with node_thread(directory, port) as url, pytest.raises(
            (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError)):
        _call(bare, url, city.a_code, body={"x": 1})


def test_the_node_refuses_a_ca_issued_certificate_that_is_not_the_hubs(
        rt, city, node_a, tmp_path):
    directory, port = node_a
    # The node's own TLS certificate is CA-issued and allows client authentication.
    context = _context_with((directory / TLS_CERT).read_bytes(),
                            (directory / TLS_KEY).read_bytes(),
                            (directory / CA).read_text(), tmp_path)
    with node_thread(directory, port) as url:
        resp = _call(context, url, city.a_code, body={"x": 1})
        assert resp.status_code == 403
        assert "hub's client certificate" in resp.json()["detail"]


def test_the_hub_refuses_a_node_certificate_issued_for_another_department(rt, city, node_a):
    directory, port = node_a
    with node_thread(directory, port) as url, pytest.raises(httpx.ConnectError,
                                                            match=r"match|mismatch|hostname"):
        _call(_hub_context(rt), url, city.b_code, "/node/v1/health")


# --- the gateway through a node ----------------------------------------------------------


def test_a_query_is_answered_and_sealed_by_the_providers_node(rt, city, node_a):
    directory, port = node_a
    actor = _consumer(rt, city)
    with node_thread(directory, port):
        with rt.context() as ctx:
            resp = gateway.query(ctx, actor, city.a_dataset, _query())
        with rt.context() as ctx:
            anchor = ca_certificate_pem(ctx)
    assert [r["credit_code"] for r in resp.data["rows"]] == [company_code(1), company_code(3)]
    checked = verify_response(json.loads(resp.model_dump_json()), trust_anchor_pem=anchor)
    assert checked.seal.kid == load_config(directory).seal_kid
    assert checked.seal.organization_code == city.a_code
    entry = json.loads(resp.receipt.entry)
    assert entry["subjects"] == committed(rt, entry, company_code(1), company_code(3))
    assert entry["provider"] == city.a_code


def test_the_hub_gives_its_exchange_slot_back_while_the_node_answers(
        rt, city, node_a, monkeypatch):
    directory, port = node_a
    gate = Admission(1, 5)
    free_while_asked = free_slots_while_called(monkeypatch, gate, client, "call_node")
    with node_thread(directory, port), gate.slot(), rt.context() as ctx:
        resp = gateway.query(ctx, _consumer(rt, city), city.a_dataset, _query())
        assert gate.free() == 0  # the query has its slot again for the rest of its work
    assert len(resp.data["rows"]) == 2
    assert free_while_asked == [1]  # another department's query could work meanwhile
    assert gate.free() == 1


def _usage(rt) -> int:
    with rt.context() as ctx:
        return int(ctx.db.scalar(select(func.coalesce(func.sum(ExchangeUsage.calls), 0))))


def test_a_node_that_is_down_gives_503_with_retry_and_records_nothing(rt, city, node_a):
    actor = _consumer(rt, city)
    with rt.context() as ctx:
        before = log.tree_state(ctx)[0]
    calls = _usage(rt)
    with pytest.raises(client.NodeUnavailable) as caught, rt.context() as ctx:
        gateway.query(ctx, actor, city.a_dataset, _query())
    assert caught.value.status == 503 and caught.value.retry_after == client.RETRY_AFTER
    assert "nothing was recorded" in caught.value.detail
    with rt.context() as ctx:
        assert log.tree_state(ctx)[0] == before
    assert _usage(rt) == calls  # the rate counter rolled back with the rest


def test_the_api_says_503_with_retry_after(rt, city, node_a):
    with TestClient(create_app(rt), raise_server_exceptions=False) as web:
        resp = web.post(f"/api/v1/exchange/{city.a_dataset}/query",
                        headers={"Authorization": f"Bearer {city.api_key}"},
                        json={"subject_ids": [company_code(1)], "purpose": PURPOSE})
    assert resp.status_code == 503, resp.text
    assert resp.headers["Retry-After"] == str(client.RETRY_AFTER)
    assert resp.json()["type"].endswith("node-unavailable")


def test_the_hub_refuses_an_answer_from_a_certificate_other_than_the_enrolled_one(
        rt, city, node_a):
    directory, port = node_a
    with rt.context() as ctx:
        ctx.db.scalar(select(Node)).tls_fingerprint = "0" * 64
    with node_thread(directory, port), rt.context() as ctx, pytest.raises(
            client.NodeAnswerInvalid, match="other than the enrolled"):
        gateway.query(ctx, _consumer(rt, city), city.a_dataset, _query())


# --- the hub's check of a node's answer --------------------------------------------------


def _plan(rt, city):
    with rt.context() as ctx:
        decided = gateway.plan(ctx, _consumer(rt, city), city.a_dataset, _query())
        decided.dataset.provider
        return decided


def _answer(rt, plan, sealed: str, subjects: list[str] | None = None) -> None:
    with rt.context() as ctx:
        client.check_answer(ctx, plan, {"sealed": sealed, "subjects": subjects or list(
            plan.query.subject_ids)})


def _row(n: int) -> dict:
    return licence_row(n)


def test_the_hub_accepts_the_skeleton_plus_rows_sealed_by_the_provider(rt, city, node_a):
    directory, _port = node_a
    plan = _plan(rt, city)
    signer = load_seal_signer(directory, load_config(directory).seal_kid)
    rows = mask_rows([_row(1), _row(3)], plan.masks, b"k" * 32)
    _answer(rt, plan, seal_json(signer, {**plan.skeleton, "rows": rows}))


@pytest.mark.parametrize("change", ["skeleton", "extra_key", "extra_field", "other_subject",
                                    "too_many"])
def test_the_hub_refuses_a_payload_the_node_altered(rt, city, node_a, change):
    directory, _port = node_a
    plan = _plan(rt, city)
    signer = load_seal_signer(directory, load_config(directory).seal_kid)
    rows = mask_rows([_row(1), _row(3)], plan.masks, b"k" * 32)
    payload = {**plan.skeleton, "rows": rows}
    if change == "skeleton":
        payload["purpose"] = {"kind": "legal_basis", "text": "另一个用途"}
    elif change == "extra_key":
        payload["note"] = "added by the node"
    elif change == "extra_field":
        rows[0]["phone"] = "13800000000"
    elif change == "other_subject":
        rows[1] = mask_rows([_row(4)], plan.masks, b"k" * 32)[0]
    elif change == "too_many":
        payload["rows"] = rows * 60
    with pytest.raises(client.NodeAnswerInvalid):
        _answer(rt, plan, seal_json(signer, payload))


def test_the_hub_refuses_a_payload_sealed_by_another_department(rt, city, node_a):
    plan = _plan(rt, city)
    rows = mask_rows([_row(1), _row(3)], plan.masks, b"k" * 32)
    with rt.context() as ctx:
        other = org_by_code(ctx, city.b_code).id
        sealed = seal_for(ctx, other, {**plan.skeleton, "rows": rows})
    with pytest.raises(client.NodeAnswerInvalid, match="not by the provider"):
        _answer(rt, plan, sealed)


def test_the_hub_refuses_a_seal_that_does_not_verify(rt, city, node_a):
    plan = _plan(rt, city)
    rogue = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    sealed = seal_json(load_signer("Ed25519", rogue, "rogue"), {**plan.skeleton, "rows": []})
    with pytest.raises(client.NodeAnswerInvalid, match="seal"):
        _answer(rt, plan, sealed)


def test_answer_problem_is_pure_and_names_the_problem():
    skeleton = {"query_id": "q", "provider": {"code": "P"}}
    masks = {"id": "raw", "name": "mask:keep_first=1"}
    ok = {**skeleton, "rows": [{"id": "a", "name": "张*"}]}
    assert protocol.answer_problem(skeleton, masks, ["a"], None, 10, "id", ok, ["a"]) is None
    assert "changed 'query_id'" in protocol.answer_problem(
        skeleton, masks, ["a"], None, 10, "id", {**ok, "query_id": "r"}, ["a"])
    assert "not asked for" in protocol.answer_problem(
        skeleton, masks, ["b"], None, 10, "id", ok, ["b"])
    assert "filter" in protocol.answer_problem(
        skeleton, masks, None, {"id": "z"}, 10, "id", ok, ["a"])
    assert "subjects do not match" in protocol.answer_problem(
        skeleton, masks, None, {"name": "x"}, 10, "id", ok, ["b"])
    assert "more than the limit" in protocol.answer_problem(
        skeleton, masks, ["a"], None, 0, "id", ok, ["a"])


# --- witnessing --------------------------------------------------------------------------


def _witnesses(rt) -> int:
    with rt.context() as ctx:
        return int(ctx.db.scalar(select(func.count()).select_from(WitnessSignature)))


def test_a_node_witnesses_the_ledger_over_the_hub_api(rt, city, node_a):
    directory, port = node_a
    cfg = load_config(directory)
    actor = _consumer(rt, city)
    with TestClient(create_app(rt)) as web:
        hub = hub_http(directory, cfg)
        web.headers.update(hub.headers)
        hub.close()
        assert witness_once(directory, cfg, web).checkpoint_id is None  # no checkpoint yet
        with node_thread(directory, port):
            with rt.context() as ctx:
                gateway.query(ctx, actor, city.a_dataset, _query())
            with rt.context() as ctx:
                checkpoints.create_checkpoint(ctx)
            done = witness_once(directory, cfg, web)
            assert done.cosigned and _witnesses(rt) == 1
            assert not witness_once(directory, cfg, web).cosigned  # nothing new
            for _ in range(3):  # the log grows: the next co-signature needs a consistency proof
                with rt.context() as ctx:
                    gateway.query(ctx, actor, city.a_dataset, _query())
            with rt.context() as ctx:
                checkpoints.create_checkpoint(ctx)
            later = witness_once(directory, cfg, web)
        assert later.cosigned and later.tree_size == done.tree_size + 3
        assert _witnesses(rt) == 2


def test_a_node_refuses_to_cosign_a_head_that_does_not_extend_what_it_saw(rt, city, node_a):
    directory, _port = node_a
    cfg = load_config(directory)
    with TestClient(create_app(rt)) as web:
        web.headers["Authorization"] = f"Bearer {(directory / API_KEY).read_text().strip()}"
        with rt.context() as ctx:
            log.append(ctx, "test", {"n": 1})
            checkpoints.create_checkpoint(ctx)
        assert witness_once(directory, cfg, web).cosigned
        memory = directory / "witness" / f"{cfg.organization_code}.json"
        seen = json.loads(memory.read_text())
        memory.write_text(json.dumps({**seen, "tree_size": 1, "root": "AAAA" * 10 + "AAA="}))
        with rt.context() as ctx:
            log.append(ctx, "test", {"n": 2})
            checkpoints.create_checkpoint(ctx)
        with pytest.raises(checkpoints.WitnessRefused):
            witness_once(directory, cfg, web)
    assert _witnesses(rt) == 1


def test_the_hubs_embedded_witnesses_leave_a_department_with_a_node_to_its_node(
        rt, city, node_a):
    from govbridge.ledger.schedule import run_once

    with rt.context() as ctx:
        log.append(ctx, "test", {"n": 1})
    done = run_once(rt)
    assert done.refused == []
    with rt.context() as ctx:
        a_id = org_by_code(ctx, city.a_code).id
        by = set(ctx.db.scalars(select(WitnessSignature.organization_id)))
    assert done.cosigned == len(by) >= 2 and a_id not in by


def test_the_node_store_replaces_by_key_and_reads_by_subject_or_filter(city, node_a, tmp_path):
    from contextlib import closing

    from govbridge.nodes.store import LoadError, connect, read_rows

    directory, _port = node_a
    ds = load_config(directory).dataset(city.a_dataset)
    db = directory / ROWS_DB
    load_rows(db, ds, [licence_row(2, legal_rep="李四")])  # same key: replaced, not added
    with closing(connect(db)) as conn:
        assert conn.execute("SELECT count(*) FROM records").fetchone()[0] == ROWS
        by_filter = read_rows(conn, ds.resource_code, subject_ids=None,
                              filters={"legal_rep": "李四"}, limit=10)
        by_subject = read_rows(conn, ds.resource_code, subject_ids=[company_code(2)],
                               filters=None, limit=10)
    assert by_filter == by_subject and by_filter[0]["credit_code"] == company_code(2)
    with pytest.raises(LoadError, match="phone not a field"):
        load_rows(db, ds, [{**licence_row(9), "phone": "1"}])
    with pytest.raises(LoadError, match="record key"):
        load_rows(db, ds, [{**licence_row(9), "credit_code": ""}])


def test_a_query_by_filter_goes_through_the_node(rt, city, node_a):
    directory, port = node_a
    with node_thread(directory, port), rt.context() as ctx:
        resp = gateway.query(ctx, _consumer(rt, city), city.a_dataset, QueryIn(
            filter={"legal_rep": "张3"}, purpose=PURPOSE))
    assert [r["credit_code"] for r in resp.data["rows"]] == [company_code(3)]
    assert json.loads(resp.receipt.entry)["subjects"] == committed(
        rt, resp.receipt.entry, company_code(3))


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_ecdsa_certificates_from_the_ed25519_ca_handshake_on_tls_12_and_13(
        rt, city, node_a, version):
    directory, port = node_a
    context = _hub_context(rt)
    pinned = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    pinned.load_verify_locations(cadata=(directory / CA).read_text())
    hub_dir = rt.settings.home / "nodes"
    pinned.load_cert_chain(hub_dir / "hub-client.crt", hub_dir / "hub-client.key")
    pinned.minimum_version = pinned.maximum_version = version
    assert context.check_hostname and pinned.check_hostname
    with node_thread(directory, port) as url, httpx.Client(verify=pinned,
                                                           trust_env=False) as http:
        resp = http.get(url + "/node/v1/health",
                        extensions={"sni_hostname": tls.node_server_name(city.a_code)})
        assert resp.status_code == 200
        used = resp.extensions["network_stream"].get_extra_info("ssl_object").version()
    assert used == {ssl.TLSVersion.TLSv1_2: "TLSv1.2", ssl.TLSVersion.TLSv1_3: "TLSv1.3"}[version]
