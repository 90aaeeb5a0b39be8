"""Privacy jobs end to end: governance (approve, refuse, who sees what), each computation
against the plain one on the pooled rows, the relay's transcript and the parties' logs free
of raw inputs, output controls, dropout, the ledger receipt and a person's log."""

from __future__ import annotations

import itertools
import json
import signal
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from govbridge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from govbridge.core.permissions import Role
from govbridge.identity.actor import Actor
from govbridge.ledger.models import LedgerEntry
from govbridge.nodes import store
from govbridge.privacy import usecases
from govbridge.privacy.usecases import transcript_path

PURPOSE = "低保对象家庭财产核查（测试）"


def _psi(city, computation: str, **extra: Any) -> dict[str, Any]:
    nrp: dict[str, Any] = {"org_code": city["nrp"].code,
                           "resource_code": city["nrp"].resource_code, "key_field": "id_number"}
    if computation == "psi.sum":
        nrp["value_field"] = "area"
    return {"computation": computation, "receiver": city["mca"].code, "purpose": PURPOSE,
            "parties": [{"org_code": city["mca"].code, "resource_code": city["mca"].resource_code,
                         "key_field": "id_number"}, nrp], **extra}


def _aggregate(city, computation: str, **params: Any) -> dict[str, Any]:
    return {"computation": computation, "receiver": city["mca"].code, "purpose": PURPOSE,
            "params": params,
            "parties": [{"org_code": city[k].code, "resource_code": city[k].resource_code,
                         "value_field": "amount" if k != "nrp" else "area"}
                        for k in ("mca", "nrp", "hrss")]}


def _approved(rt, city, data: dict[str, Any]) -> str:
    with rt.context() as ctx:
        code = usecases.create_job(ctx, city["mca"].officer, data).code
    parties = {p["org_code"] for p in data["parties"]}
    for dept in city.values():
        if dept.code in parties:
            with rt.context() as ctx:
                usecases.decide(ctx, dept.officer, code, {"decision": "approve"})
    return code


def _run(rt, city, data: dict[str, Any], **kw: Any) -> usecases.Run:
    return usecases.run_job(rt, city["mca"].officer, _approved(rt, city, data), **kw)


def _ids(city, key: str) -> set[str]:
    return {r["id_number"] for r in city[key].rows}


def _raw_inputs(city) -> list[str]:
    """Every ID number and value the parties hold, as text."""
    out = []
    for dept in city.values():
        for r in dept.rows:
            out.append(r["id_number"])
            out += [str(v) for k, v in r.items() if k in ("amount", "area")]
    return out


def _assert_nothing_raw(city, run: usecases.Run, home) -> None:
    relayed = json.dumps(run.relay.transcript, ensure_ascii=False)
    written = transcript_path(home, run.job.code).read_text("utf-8")
    logs = "".join(run.relay.logs.values())
    assert run.relay.transcript, "the relay carried messages"
    for raw in _raw_inputs(city):
        assert raw not in relayed
        assert raw not in written
        assert raw not in logs


def test_psi_count_equals_the_plain_intersection_and_reveals_nothing_raw(rt, city, settings):
    run = _run(rt, city, _psi(city, "psi.count"))
    assert run.job.state == "completed"
    assert run.job.result == {"count": len(_ids(city, "mca") & _ids(city, "nrp"))} == {"count": 30}
    _assert_nothing_raw(city, run, settings.home)


def test_psi_intersection_goes_to_the_receiver_only(rt, city, admin):
    run = _run(rt, city, _psi(city, "psi.intersection"))
    shared = sorted(_ids(city, "mca") & _ids(city, "nrp"))
    assert run.job.result == {"count": len(shared), "intersection": shared}
    with rt.context() as ctx:
        other = usecases.get_job(ctx, city["nrp"].officer, run.job.code)
        bureau = usecases.get_job(ctx, admin, run.job.code)
        operator = usecases.get_job(ctx, Actor.operator("root"), run.job.code)
    assert other.result is None and bureau.result is None and operator.result is None
    assert other.state == bureau.state == "completed"
    assert other.revealed_to.org_code == city["mca"].code
    with rt.context() as ctx, pytest.raises(NotFound):
        usecases.get_job(ctx, city["edu"].officer, run.job.code)
    with rt.context() as ctx:
        assert [j.code for j in usecases.list_jobs(ctx, city["edu"].officer)] == []
        assert [j.code for j in usecases.list_jobs(ctx, city["nrp"].officer)] == [run.job.code]


def test_psi_sum_is_exact_and_the_hub_sees_neither_ids_nor_values(rt, city, settings):
    run = _run(rt, city, _psi(city, "psi.sum"))
    shared = _ids(city, "mca") & _ids(city, "nrp")
    plain = sum(Decimal(r["area"]) for r in city["nrp"].rows if r["id_number"] in shared)
    assert run.job.result is not None
    assert Decimal(str(run.job.result["sum"])) == plain
    assert run.job.result["intersection"] == sorted(shared)
    _assert_nothing_raw(city, run, settings.home)
    # what the hub was sent: tokens and masked values, not one of the other side's areas
    kinds = {m["kind"] for m in run.relay.transcript}
    assert kinds == {"key", "masked", "tokens", "matched"}


def test_a_small_intersection_is_refused_and_nothing_is_revealed(rt, city, settings):
    settings.privacy_min_group = 31  # the intersection has 30
    run = _run(rt, city, _psi(city, "psi.sum"))
    assert run.job.state == "suppressed"
    assert run.job.result is None
    assert "minimum group" in (run.job.outcome_reason or "")
    with rt.context() as ctx:
        entry = json.loads(ctx.db.get(LedgerEntry, run.job.receipt).entry)
    assert entry["revealed_to"] == [] and entry["outcome"] == "suppressed"
    # the receiver was never told which tokens matched
    assert "matched" not in {m["kind"] for m in run.relay.transcript}


def test_secure_sum_across_three_departments_equals_the_plain_sum(rt, city, settings):
    run = _run(rt, city, _aggregate(city, "aggregate.sum"))
    rows = city["mca"].rows + city["nrp"].rows + city["hrss"].rows
    plain = sum(Decimal(r.get("amount") or r.get("area")) for r in rows)
    assert run.job.result == {"sum": float(plain), "count": len(rows)}
    _assert_nothing_raw(city, run, settings.home)
    assert {m["kind"] for m in run.relay.transcript} == {"key", "share", "aggregate"}


def test_secure_mean_and_histogram_are_exact(rt, city):
    rows = city["mca"].rows + city["nrp"].rows + city["hrss"].rows
    values = [Decimal(r.get("amount") or r.get("area")) for r in rows]
    mean = _run(rt, city, _aggregate(city, "aggregate.mean")).job.result
    assert mean == {"mean": round(float(sum(values) / len(values)), 6), "count": len(values)}
    edges = [0, 1000, 2000, 3000]
    hist = _run(rt, city, _aggregate(city, "aggregate.histogram", edges=edges)).job.result
    plain = [sum(1 for v in values if lo <= v < hi) for lo, hi in itertools.pairwise(edges)]
    plain[-1] += sum(1 for v in values if v == edges[-1])
    assert hist["counts"] == [c if c >= 10 else None for c in plain]
    assert hist["count"] == len(values)


def test_one_party_dropping_after_sharing_still_gives_the_exact_sum(rt, city):
    def kill_after_sharing(rnd, procs):
        if rnd == 1:  # every party has handed out its shares in round 1
            procs[city["hrss"].code].send_signal(signal.SIGKILL)

    run = _run(rt, city, _aggregate(city, "aggregate.count"), after_round=kill_after_sharing)
    assert run.relay.dropped == [city["hrss"].code]
    assert run.job.state == "completed"
    assert run.job.result == {"count": 60 + 100 + 80}


def test_a_party_dropping_before_it_contributed_ends_the_job_with_nothing(rt, city):
    def kill_before_sharing(rnd, procs):
        if rnd == 0:
            procs[city["nrp"].code].send_signal(signal.SIGKILL)

    run = _run(rt, city, _aggregate(city, "aggregate.sum"), after_round=kill_before_sharing)
    assert run.job.state == "failed"
    assert run.job.result is None
    with rt.context() as ctx:
        job = usecases.find_job(ctx, run.job.code)
        assert job.result_enc is None
        entry = json.loads(ctx.db.get(LedgerEntry, run.job.receipt).entry)
    assert entry["outcome"] == "failed" and entry["revealed_to"] == []
    assert city["nrp"].code in entry["dropped"]


def test_nothing_runs_before_every_party_approved_and_a_refusal_ends_it(rt, city):
    with rt.context() as ctx:
        code = usecases.create_job(ctx, city["mca"].officer, _psi(city, "psi.count")).code
        usecases.decide(ctx, city["mca"].officer, code, {"decision": "approve"})
    with pytest.raises(Conflict):
        usecases.run_job(rt, city["mca"].officer, code)
    with rt.context() as ctx, pytest.raises(InvalidInput):
        usecases.decide(ctx, city["nrp"].officer, code, {"decision": "refuse"})
    with rt.context() as ctx, pytest.raises(PermissionDenied):
        usecases.decide(ctx, city["edu"].officer, code,
                        {"decision": "approve", "party": city["nrp"].code})
    with rt.context() as ctx:
        out = usecases.decide(ctx, city["nrp"].officer, code,
                              {"decision": "refuse", "reason": "用途与本局登记职责无关"})
    assert out.state == "refused"
    with pytest.raises(Conflict):
        usecases.run_job(rt, city["mca"].officer, code)
    with rt.context() as ctx:
        job = usecases.get_job(ctx, city["mca"].officer, code)
    assert job.result is None and job.receipt is None and job.ran_at is None


def test_a_job_is_checked_before_anyone_is_asked(rt, city):
    bad = _psi(city, "psi.sum")
    bad["parties"][1]["value_field"] = "no_such_field"
    bad["parties"][1]["resource_code"] = city["hrss"].resource_code  # not nrp's dataset
    with rt.context() as ctx, pytest.raises(InvalidInput) as exc:
        usecases.create_job(ctx, city["mca"].officer, bad)
    assert {p.field for p in exc.value.problems} >= {"parties[1].resource_code"}
    two = _aggregate(city, "aggregate.sum")
    two["parties"] = two["parties"][:2]
    with rt.context() as ctx, pytest.raises(InvalidInput) as exc:
        usecases.create_job(ctx, city["mca"].officer, two)
    assert exc.value.problems[0].field == "parties"
    with rt.context() as ctx, pytest.raises(PermissionDenied):
        usecases.create_job(ctx, city["edu"].officer, _psi(city, "psi.count"))


def test_the_receipt_names_datasets_and_fields_never_a_person(rt, city):
    run = _run(rt, city, _psi(city, "psi.intersection"))
    with rt.context() as ctx:
        entries = list(ctx.db.scalars(select(LedgerEntry).where(
            LedgerEntry.kind.like("privacy.%")).order_by(LedgerEntry.leaf_index)))
    kinds = [e.kind for e in entries]
    assert kinds == ["privacy.job.proposed", "privacy.job.approved", "privacy.job.approved",
                     "privacy.job.run"]
    receipt = json.loads(entries[-1].entry)
    assert entries[-1].leaf_index == run.job.receipt
    assert receipt["computation"] == "psi.intersection"
    assert receipt["parties"] == [
        {"organization": city["mca"].code, "dataset": city["mca"].resource_code,
         "fields": ["id_number"]},
        {"organization": city["nrp"].code, "dataset": city["nrp"].resource_code,
         "fields": ["id_number"]}]
    assert receipt["revealed_to"] == [{"organization": city["mca"].code,
                                       "what": ["intersection size",
                                                "intersection (receiver's own subjects)"]}]
    assert receipt["transcript_sha256"] == run.job.transcript_sha256
    text = " ".join(e.entry for e in entries)
    for raw in _raw_inputs(city):
        assert raw not in text


def test_the_per_dataset_budget_stops_differencing(rt, city, settings):
    settings.privacy_job_budget = 1
    _run(rt, city, _psi(city, "psi.count"))
    code = _approved(rt, city, _psi(city, "psi.count"))
    with pytest.raises(Conflict, match="budget"):
        usecases.run_job(rt, city["mca"].officer, code)


def test_a_person_sees_that_a_computation_used_their_record_not_its_result(rt, city):
    run = _run(rt, city, _psi(city, "psi.count"))
    person = Actor.for_user(user_id=9, username="citizen", roles=frozenset({Role.APPLICANT}),
                            organization_id=None, subject_id=city["mca"].rows[0]["id_number"])
    with rt.context() as ctx:
        seen = usecases.my_computations(ctx, person)
    assert [(s.job, s.resource_code) for s in seen] == [(run.job.code,
                                                         city["mca"].resource_code)]
    shown = seen[0].model_dump(mode="json")
    assert "result" not in shown and 30 not in shown.values()  # the count stays with mca
    stranger = Actor.for_user(user_id=10, username="x", roles=frozenset({Role.APPLICANT}),
                              organization_id=None, subject_id=city["hrss"].rows[-1]["id_number"])
    with rt.context() as ctx:
        assert usecases.my_computations(ctx, stranger) == []


def test_a_party_with_its_own_node_computes_on_the_node_rows(rt, city, settings, tmp_path):
    """A department whose node is known here (privacy_node_dirs) reads its node's own store,
    not the hub's copy: here the node holds 20 of the hub's 100 rows."""
    node = tmp_path / "node-nrp"
    node.mkdir()
    conn = store.connect(node / "rows.db")
    conn.executemany("INSERT INTO records (resource_code, record_key, subject_id, data) "
                     "VALUES (?, ?, ?, ?)",
                     [(city["nrp"].resource_code, r["id_number"], r["id_number"], json.dumps(r))
                      for r in city["nrp"].rows[:20]])
    conn.close()
    settings.privacy_node_dirs = {city["nrp"].code: node}
    run = _run(rt, city, _psi(city, "psi.count"))
    # nrp's first 20 persons are 30..49, all held by mca too
    assert run.job.result == {"count": 20}
    assert "20 rows" in run.relay.logs[city["nrp"].code]


def test_differential_privacy_noise_is_applied_and_its_epsilon_recorded(rt, city):
    run = _run(rt, city, _aggregate(city, "aggregate.sum", epsilon=0.5, clip=[0, 3000]))
    rows = city["mca"].rows + city["nrp"].rows + city["hrss"].rows
    plain = float(sum(min(Decimal(r.get("amount") or r.get("area")), Decimal(3000))
                      for r in rows))
    assert run.job.epsilon == 0.5
    result = run.job.result
    assert result is not None and result["sum"] != plain
    # Laplace(2 x 3000 / 0.5): beyond 20 scales with probability e^-20
    assert abs(result["sum"] - plain) < 20 * 12000
    assert abs(result["count"] - len(rows)) < 20 * 4 / 0.5
    with rt.context() as ctx:
        entry = json.loads(ctx.db.get(LedgerEntry, run.job.receipt).entry)
    assert entry["epsilon"] == 0.5 and entry["params"]["clip"] == [0, 3000]
