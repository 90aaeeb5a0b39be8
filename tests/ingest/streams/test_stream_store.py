"""Storing a micro-batch of stream messages: one transaction, each message its own batch."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from govbridge.catalog import usecases
from govbridge.ingest.models import DatasetRecord, IngestBatch, QuarantinedRow
from govbridge.ingest.pipeline import ingest_rows
from govbridge.ingest.stream_messages import Topology, content_sha256
from govbridge.ingest.stream_store import STREAM_ACTOR, process_messages


def body(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode()


def count(rt, model, *where) -> int:
    with rt.context() as ctx:
        return ctx.db.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_micro_batch_stores_each_message_as_its_own_batch(rt, publish_persons, make_id) -> None:
    code = publish_persons()
    subject = Topology().subject(code)
    good = [body({"id_number": make_id(n), "full_name": f"王{n}"}) for n in range(5)]
    lone = b'{"id_number": "' + make_id(20).encode() + b'", "full_name": "\\ud800x"}'
    same_key = body({"rows": [{"id_number": make_id(30), "full_name": "甲"},
                              {"id_number": make_id(30), "full_name": "乙"}]})
    messages = [(subject, m) for m in [*good, good[0], b"{oops", lone,
                                         body({"id_number": make_id(40, valid=False)}),
                                         same_key]]

    outcomes = process_messages(rt, messages)

    assert [o.status for o in outcomes] == ["stored"] * 5 + [
        "duplicate", "rejected", "rejected", "rejected", "stored"]
    assert outcomes[5].batch_id == outcomes[0].batch_id  # twice in one delivery: stored once
    assert count(rt, IngestBatch) == 9  # one per distinct message
    assert count(rt, DatasetRecord) == 6  # 5 good + the first row of same_key
    with rt.context() as ctx:
        quarantined = list(ctx.db.scalars(select(QuarantinedRow).order_by(QuarantinedRow.id)))
    rules = [p["rule"] for q in quarantined for p in q.problems]
    assert "json" in rules  # the unreadable body, kept whole
    encoding = next(p for q in quarantined for p in q.problems if p["rule"] == "encoding")
    assert encoding["field"] == "full_name" and "\\ud800" in encoding["reason"]
    assert encoding["value"] == "\ufffdx"  # shown, and storable
    assert "duplicate_key" in rules  # the same key twice in one message, other values
    assert any(p["field"] == "id_number" for q in quarantined for p in q.problems)
    with rt.context() as ctx:
        lone_batch = ctx.db.scalar(select(IngestBatch).where(
            IngestBatch.content_sha256 == content_sha256(lone)))
        assert (lone_batch.received, lone_batch.accepted, lone_batch.rejected) == (1, 0, 1)

    # The broker delivers the whole micro-batch again (its acks were lost): nothing added.
    again = process_messages(rt, messages)
    assert {o.status for o in again} == {"duplicate"}
    assert [o.batch_id for o in again] == [o.batch_id for o in outcomes]
    assert count(rt, IngestBatch) == 9 and count(rt, DatasetRecord) == 6
    assert count(rt, QuarantinedRow) == len(quarantined)


def test_micro_batch_stores_what_ingest_rows_stores(rt, publish_persons, make_id) -> None:
    """The micro-batch path and the one-batch-at-a-time pipeline agree on records and
    reports for the same rows."""
    first, second = publish_persons("流式接入"), publish_persons("逐批接入")
    rows = [{"id_number": make_id(n), "full_name": f"李{n}", "birth_date": "1980-01-01"}
            for n in range(3)] + [{"id_number": make_id(9), "full_name": "=1+1"},
                                  {"id_number": "123", "full_name": "坏"}]
    process_messages(rt, [(Topology().subject(first), body(r)) for r in rows])
    with rt.context() as ctx:
        for r in rows:
            ingest_rows(ctx, STREAM_ACTOR, second, [r], source="stream",
                        content_sha256=content_sha256(body(r)))

    def stored(code: str) -> tuple[list, list, list]:
        with rt.context() as ctx:
            ds = usecases.find_dataset(ctx, code)
            records = ctx.db.execute(
                select(DatasetRecord.record_key, DatasetRecord.version, DatasetRecord.subject_id,
                       DatasetRecord.data).where(DatasetRecord.dataset_id == ds.id)
                .order_by(DatasetRecord.id)).all()
            batches = ctx.db.execute(
                select(IngestBatch.content_sha256, IngestBatch.received, IngestBatch.accepted,
                       IngestBatch.duplicates, IngestBatch.rejected, IngestBatch.report)
                .where(IngestBatch.dataset_id == ds.id).order_by(IngestBatch.id)).all()
            quarantined = ctx.db.execute(
                select(QuarantinedRow.row_number, QuarantinedRow.raw, QuarantinedRow.problems)
                .where(QuarantinedRow.dataset_id == ds.id)).all()
        return [tuple(r) for r in records], [tuple(b) for b in batches], \
            [tuple(q) for q in quarantined]

    assert stored(first) == stored(second)
    _, batches, _ = stored(first)
    assert any(b[5].get("warnings") for b in batches)  # the formula-like name is flagged


def test_late_and_out_of_order_readings_are_kept_as_their_own_versions(
        rt, publish_persons, make_id) -> None:
    """No arrival-time window on this path: a reading for an earlier time that arrives
    after a later one is stored beside it, not dropped as late, not overwriting it."""
    code = publish_persons()
    subject = Topology().subject(code)
    later = body({"id_number": make_id(1), "full_name": "新", "_version": "2026-12-06T10:00"})
    earlier = body({"id_number": make_id(1), "full_name": "旧", "_version": "2026-12-06T09:00"})
    assert [o.status for o in process_messages(rt, [(subject, later)])] == ["stored"]
    assert [o.status for o in process_messages(rt, [(subject, earlier)])] == ["stored"]
    with rt.context() as ctx:
        versions = dict(ctx.db.execute(select(DatasetRecord.version, DatasetRecord.data)).all())
    assert versions["2026-12-06T09:00"]["full_name"] == "旧"
    assert versions["2026-12-06T10:00"]["full_name"] == "新"


def test_messages_for_a_retired_dataset_are_quarantined_with_the_reason(
        rt, publish_persons, make_id, provider) -> None:
    code = publish_persons()
    subject = Topology().subject(code)
    with rt.context() as ctx:
        usecases.retire(ctx, provider["officer"], code, "superseded by the new register")
    outcomes = process_messages(rt, [(subject, body({"id_number": make_id(n)}))
                                     for n in range(3)])
    assert [o.status for o in outcomes] == ["rejected"] * 3
    with rt.context() as ctx:
        problems = [p for q in ctx.db.scalars(select(QuarantinedRow)) for p in q.problems]
    assert len(problems) == 3 and all("retired" in p["reason"] for p in problems)
    assert count(rt, DatasetRecord) == 0
