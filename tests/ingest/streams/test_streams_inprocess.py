"""Stream ingest on the embedded default: the in-process bus carries the same subjects."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from govbridge.ingest.models import DatasetRecord, IngestBatch, QuarantinedRow
from govbridge.ingest.streams import attach_inprocess, publish_inprocess


def count(rt, model) -> int:
    with rt.context() as ctx:
        return ctx.db.scalar(select(func.count()).select_from(model)) or 0


def test_inprocess_bus_stores_once_and_quarantines(rt, publish_persons, make_id) -> None:
    code = publish_persons()
    ingest = attach_inprocess(rt)
    subject = ingest.topology.subject(code)
    assert subject in ingest.subjects

    rec = {"id_number": make_id(1), "full_name": "王一", "birth_date": "1980-01-01"}
    rt.bus.publish(subject, rec)
    rt.bus.publish(subject, dict(reversed(rec.items())))  # same content, other key order
    rt.bus.publish(subject, {"rows": [{"id_number": make_id(2), "full_name": "王二"},
                                      {"id_number": make_id(3, valid=False)}]})
    assert count(rt, DatasetRecord) == 2
    assert count(rt, IngestBatch) == 2  # the re-sent record added no batch
    assert rt.bus.failures == 0

    lines = [json.dumps({"id_number": make_id(4)}).encode(), b"not json at all", b"[1]"]
    report = publish_inprocess(ingest, code, lines)
    assert report.published == 3
    assert report.outcomes == {"stored": 1, "rejected": 2}
    with rt.context() as ctx:
        problems = [p for q in ctx.db.scalars(select(QuarantinedRow)) for p in q.problems]
    rules = sorted(p["rule"] for p in problems)
    assert rules.count("json") == 2
    assert any(subject in p["reason"] and "at byte 0" in p["reason"] for p in problems)


def test_dataset_published_later_is_subscribed(rt, publish_persons, make_id) -> None:
    ingest = attach_inprocess(rt)
    assert not ingest.subjects
    code = publish_persons("后来发布的居民信息")  # emits catalog.dataset.published after commit
    subject = ingest.topology.subject(code)
    assert subject in ingest.subjects
    rt.bus.publish(subject, {"id_number": make_id(7)})
    assert count(rt, DatasetRecord) == 1
