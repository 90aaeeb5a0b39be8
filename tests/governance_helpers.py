"""Helpers of the governance and analytics tests: a small city of governance facts,
written straight into the tables the scorecards read:
three departments (A provides and leads a service item, B consumes, C has nothing but a
draft), datasets of each status and sharing type, agreements answered early, late and
never, quality runs, ingest batches fresh and stale, unusual-access flags reviewed fast
and slow, and a year of generated cases (analytics.synthetic) with one certificate issued
by a case. The clock is fixed at 2026-06-20 12:00 CST."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import insert, select

from govbridge.agreements.models import Agreement
from govbridge.analytics import synthetic
from govbridge.analytics.history import item_specs, write_history
from govbridge.catalog.models import Dataset
from govbridge.certificates.models import Certificate
from govbridge.core.permissions import Role
from govbridge.exchange.models import AccessFlag
from govbridge.identity.actor import Actor
from govbridge.identity.organizations import org_by_code
from govbridge.ingest.models import IngestBatch
from govbridge.ledger.models import LedgerEntry
from govbridge.quality.models import QualityRun
from govbridge.services.models import ServiceItem
from ingest_helpers import person_id

NOW = datetime(2026, 6, 20, 4, 0, tzinfo=UTC)  # 12:00 in China Standard Time
APPLICANTS = [(person_id(i), f"申请人{i:03d}") for i in range(1, 41)]


@dataclass
class GovWorld:
    codes: dict[str, str]  # A, B, C -> credit code
    ids: dict[str, int]
    bureau: Actor
    auditor: Actor
    applicant: Actor
    item: str

    def officer(self, key: str) -> Actor:
        return Actor.for_user(user_id=100 + ord(key), username=f"officer.{key}",
                              roles=frozenset({Role.DATA_OFFICER}),
                              organization_id=self.ids[key], subject_id=None)

    def clerk(self, key: str) -> Actor:
        return Actor.for_user(user_id=200 + ord(key), username=f"clerk.{key}",
                              roles=frozenset({Role.CLERK}), organization_id=self.ids[key],
                              subject_id=None)


def _dataset(n: int, provider: int, status: str, share: str, frequency: str,
             created: datetime, published: datetime | None) -> dict:
    return {"resource_code": f"3205/{n:06d}", "name": f"数据集{n}", "abstract": "测试",
            "provider_id": provider, "format": "table", "share_type": share,
            "share_method": "api", "update_frequency": frequency, "subject_type": "person",
            "status": status, "grade": "general_3", "published_version": 1 if published else None,
            "published_at": published, "created_by": "test", "created_at": created,
            "updated_at": created, "keywords": [], "related_codes": []}


def _at(y: int, m: int, d: int, h: int = 2) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


def build_world(rt, make_org) -> GovWorld:
    rt.clock = lambda: NOW
    codes = {k: make_org(name=f"测试部门{k}") for k in "ABC"}
    with rt.context() as ctx:
        ids = {k: org_by_code(ctx, c).id for k, c in codes.items()}
        a, b, c = ids["A"], ids["B"], ids["C"]
        ctx.db.execute(insert(Dataset), [
            _dataset(1, a, "published", "unconditional", "daily", _at(2026, 1, 5), _at(2026, 1, 6)),
            _dataset(2, a, "published", "conditional", "monthly", _at(2026, 1, 5), _at(2026, 2, 1)),
            _dataset(3, a, "published", "none", "irregular", _at(2026, 2, 5), _at(2026, 3, 1)),
            _dataset(4, a, "draft", "conditional", "daily", _at(2026, 4, 5), None),
            _dataset(5, b, "published", "conditional", "weekly", _at(2026, 3, 5), _at(2026, 3, 9)),
            _dataset(6, c, "draft", "unconditional", "daily", _at(2026, 5, 5), None),
        ])
        ds = {d.resource_code: d.id for d in ctx.db.scalars(select(Dataset))}
        d1, d2, d5 = ds["3205/000001"], ds["3205/000002"], ds["3205/000005"]
        agreements = []
        # (dataset, consumer, created, due, decided)
        for n, (dset, consumer, created, due, decided) in enumerate([
            (d2, b, _at(2026, 3, 2), date(2026, 3, 9), _at(2026, 3, 4)),   # early
            (d2, b, _at(2026, 3, 10), date(2026, 3, 17), _at(2026, 3, 18, 3)),  # late
            (d2, c, _at(2026, 3, 20), date(2026, 3, 27), None),  # never answered
            (d2, c, _at(2026, 3, 26), date(2026, 4, 2), _at(2026, 3, 27, 10)),
            # 16:30 UTC on the due day is already the next day in China: late.
            (d5, a, _at(2026, 3, 11), date(2026, 3, 18), datetime(2026, 3, 18, 16, 30, tzinfo=UTC)),
            (d1, b, _at(2026, 3, 12), None, _at(2026, 3, 12)),  # unconditional: at once
        ]):
            agreements.append({
                "code": f"AGR-T-{n}", "consumer_org_id": consumer, "dataset_id": dset,
                "dataset_version": 1, "fields": ["a"], "grants": {}, "purpose_kind": "legal_basis",
                "purpose_code": None, "purpose_text": "测试", "valid_from": date(2026, 1, 1),
                "valid_until": date(2027, 1, 1), "rate_per_minute": 60, "daily_volume": 1000,
                "state": "approved" if decided else "requested", "answer_due": due,
                "requested_by": "test", "decided_by": "t" if decided else None,
                "decided_at": decided, "created_at": created})
        ctx.db.execute(insert(Agreement), agreements)
        ctx.db.execute(insert(QualityRun), [
            {"dataset_id": d1, "at": _at(2026, 2, 1), "records": 10, "completeness": 1,
             "validity": 1, "uniqueness": 1, "timeliness": 1, "consistency": None,
             "overall": 0.8, "details": {}},
            {"dataset_id": d1, "at": _at(2026, 5, 1), "records": 10, "completeness": 1,
             "validity": 1, "uniqueness": 1, "timeliness": 0.5, "consistency": None,
             "overall": 0.9123, "details": {}},
            {"dataset_id": d2, "at": _at(2026, 3, 15), "records": 10, "completeness": 1,
             "validity": 1, "uniqueness": 1, "timeliness": 1, "consistency": None,
             "overall": 0.7, "details": {}},
        ])
        ctx.db.execute(insert(IngestBatch), [
            {"dataset_id": d1, "dataset_version": 1, "source": "upload", "content_sha256": "0" * 64,
             "received": 5, "accepted": 5, "created_by": "t", "created_at": _at(2026, 3, 31, 10)},
            {"dataset_id": d2, "dataset_version": 1, "source": "upload", "content_sha256": "1" * 64,
             "received": 5, "accepted": 5, "created_by": "t", "created_at": _at(2026, 3, 10)},
            {"dataset_id": d5, "dataset_version": 1, "source": "upload", "content_sha256": "2" * 64,
             "received": 5, "accepted": 0, "created_by": "t", "created_at": _at(2026, 3, 30)},
        ])
        ctx.db.execute(insert(LedgerEntry), [
            {"leaf_index": i, "kind": "exchange.query", "entry": "{}",
             "leaf_hash": hashlib.sha256(bytes([i])).digest(), "created_at": _at(2026, 3, 1)}
            for i in range(3)])
        ctx.db.execute(insert(AccessFlag), [
            {"leaf_index": 0, "consumer_org_id": b, "rule": "volume", "day": "20260301",
             "detail": "x", "status": "reviewed", "reviewed_by": "auditor",
             "reviewed_at": _at(2026, 3, 2), "created_at": _at(2026, 3, 1)},
            {"leaf_index": 1, "consumer_org_id": b, "rule": "volume", "day": "20260301",
             "detail": "x", "status": "reviewed", "reviewed_by": "auditor",
             "reviewed_at": _at(2026, 3, 9), "created_at": _at(2026, 3, 1)},
            {"leaf_index": 2, "consumer_org_id": b, "rule": "volume", "day": "20260301",
             "detail": "x", "status": "open", "created_at": _at(2026, 3, 1)},
        ])
        item = f"{codes['A']}-T-001"
        ctx.db.execute(insert(ServiceItem), [{
            "code": item, "name": "测试事项", "lead_org_id": a, "participating_org_ids": [b],
            "materials": [
                {"key": "id_card", "name": "居民身份证", "kind": "certificate",
                 "resource_code": "3205/000001", "required": True},
                {"key": "licence", "name": "营业执照", "kind": "certificate",
                 "resource_code": "3205/000005", "required": True},
                {"key": "form", "name": "申请表", "kind": "form", "required": True},
                {"key": "drawing", "name": "图纸", "kind": "upload", "required": True}],
            "promised_days": 3, "legal_days": 10, "fee_fen": 0,
            "outcome": {"type_name": "测试证"}, "status": "published", "current_version": 1,
            "created_by": "t", "created_at": _at(2025, 1, 1), "updated_at": _at(2025, 1, 1)}])
        drawn = synthetic.draw(item_specs(ctx.db), APPLICANTS, start=date(2025, 7, 1), days=355,
                               per_day=3, seed=7)
        write_history(ctx.db, drawn)
        first_done = ctx.db.scalar(select(Certificate.id).limit(1))
        assert first_done is None
        from govbridge.cases.models import Case

        done = ctx.db.scalar(select(Case).where(Case.state == "completed",
                                                Case.completed_at >= _at(2026, 3, 1))
                             .order_by(Case.id).limit(1))
        ctx.db.add(Certificate(
            identifier="T" * 35, certificate_type="3205/000001", type_name="测试证",
            holder_kind="person", holder_id=done.applicant_id, holder_name=done.applicant_name,
            issuer_org_id=a, number="1", valid_from=done.completed_at, vc_jws="x", pdf=b"x",
            created_by="t", created_at=done.completed_at, case_code=done.code,
            applicant_id=done.applicant_id))
    bureau = Actor.for_user(user_id=1, username="admin", roles=frozenset({Role.BUREAU_ADMIN}),
                            organization_id=None, subject_id=None)
    auditor = Actor.for_user(user_id=2, username="auditor", roles=frozenset({Role.AUDITOR}),
                             organization_id=None, subject_id=None)
    applicant = Actor.for_user(user_id=3, username="citizen", roles=frozenset({Role.APPLICANT}),
                               organization_id=None, subject_id=APPLICANTS[0][0])
    return GovWorld(codes, ids, bureau, auditor, applicant, item)
