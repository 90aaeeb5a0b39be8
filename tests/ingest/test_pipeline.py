"""The ingest pipeline: validation, record identity, idempotency, quarantine, permissions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from govbridge.catalog import usecases as catalog
from govbridge.core.errors import Conflict, InvalidInput, PermissionDenied
from govbridge.core.permissions import Role
from govbridge.identity.actor import Actor
from govbridge.ingest import usecases
from govbridge.ingest.models import DatasetRecord, IngestBatch, QuarantinedRow
from govbridge.ingest.pipeline import CHUNK, MAX_REPORTED, ingest_rows
from ingest_helpers import licence_row


def _count(rt, model, **where) -> int:
    with rt.context() as ctx:
        stmt = select(func.count()).select_from(model)
        for k, v in where.items():
            stmt = stmt.where(getattr(model, k) == v)
        return ctx.db.scalar(stmt)


def _ingest(rt, actor, code, rows, **kw):
    with rt.context() as ctx:
        return ingest_rows(ctx, actor, code, rows, source=kw.pop("source", "rest"), **kw)


def test_valid_rows_are_stored_with_subject_and_clean_values(rt, licences, provider):
    rows = [licence_row(1, established="2020/05/17"), licence_row(2)]
    report = _ingest(rt, provider["officer"], licences.resource_code, rows)
    assert (report.received, report.accepted, report.rejected) == (2, 2, 0)
    assert report.dataset_version == 1 and report.batch_id is not None
    with rt.context() as ctx:
        stored = ctx.db.scalars(select(DatasetRecord).order_by(DatasetRecord.id)).all()
    assert [r.subject_id for r in stored] == [rows[0]["credit_code"], rows[1]["credit_code"]]
    assert stored[0].record_key == rows[0]["credit_code"]
    assert stored[0].data["established"] == "2020-05-17"  # canonical ISO date


def test_every_problem_of_a_bad_row_is_reported_with_row_field_value_rule(
        rt, licences, provider):
    good = licence_row(1)
    bad_id = good["legal_rep_id"][:-1] + ("0" if good["legal_rep_id"][-1] != "0" else "1")
    bad = licence_row(2, legal_rep_id=bad_id, established="2021-02-30")
    report = _ingest(rt, provider["officer"], licences.resource_code, [good, bad])
    assert (report.accepted, report.rejected) == (1, 1)
    found = {(p.row, p.field, p.rule) for p in report.problems}
    assert (2, "legal_rep_id", "citizen_id") in found
    assert (2, "established", "type") in found
    assert any(p.value == bad_id for p in report.problems)
    with rt.context() as ctx:
        q = ctx.db.scalars(select(QuarantinedRow)).one()
    assert q.row_number == 2 and q.raw["legal_rep_id"] == bad_id and q.status == "open"
    assert _count(rt, DatasetRecord) == 1


def test_missing_required_key_and_unknown_field_are_rejected(rt, licences, provider):
    rows = [{"legal_rep": "李四"}, licence_row(3, colour="blue")]
    report = _ingest(rt, provider["officer"], licences.resource_code, rows)
    assert report.rejected == 2 and report.accepted == 0
    rules = {(p.row, p.field, p.rule) for p in report.problems}
    assert (1, "credit_code", "required") in rules
    assert (2, "colour", "unknown_field") in rules


def test_same_batch_again_adds_nothing(rt, licences, provider):
    rows = [licence_row(1), licence_row(2)]
    first = _ingest(rt, provider["officer"], licences.resource_code, rows)
    again = _ingest(rt, provider["officer"], licences.resource_code, rows)
    assert again.duplicate_batch and again.batch_id == first.batch_id
    assert again.accepted == first.accepted == 2
    assert _count(rt, DatasetRecord) == 2 and _count(rt, IngestBatch) == 1


def test_same_rows_in_another_batch_are_duplicates_and_a_change_is_a_new_version(
        rt, licences, provider):
    code = licences.resource_code
    _ingest(rt, provider["officer"], code, [licence_row(1), licence_row(2)])
    report = _ingest(rt, provider["officer"], code,
                     [licence_row(1), licence_row(2, legal_rep="王五"), licence_row(3)])
    assert (report.accepted, report.duplicates, report.rejected) == (2, 1, 0)
    key = licence_row(2)["credit_code"]
    with rt.context() as ctx:
        versions = ctx.db.scalars(select(DatasetRecord.data).where(
            DatasetRecord.record_key == key).order_by(DatasetRecord.id)).all()
    assert [v["legal_rep"] for v in versions] == ["张2", "王五"]


def test_explicit_version_identifies_the_record(rt, licences, provider):
    code = licences.resource_code
    _ingest(rt, provider["officer"], code, [licence_row(1, _version="2024-01")])
    changed = licence_row(1, legal_rep="改", _version="2024-01")
    report = _ingest(rt, provider["officer"], code, [changed])
    assert report.duplicates == 1 and report.accepted == 0


def test_same_key_twice_in_one_batch_with_other_values_is_rejected(rt, licences, provider):
    late = licence_row(1, legal_rep="赵六", established="2020/05/18")
    rows = [licence_row(1), licence_row(1), late]
    report = _ingest(rt, provider["officer"], licences.resource_code, rows)
    assert (report.accepted, report.duplicates, report.rejected) == (1, 1, 1)
    assert report.problems[0].rule == "duplicate_key" and report.problems[0].row == 3
    with rt.context() as ctx:  # the row is kept as it was sent, to be fixed and resent
        kept = ctx.db.scalars(select(QuarantinedRow.raw)).one()
    assert kept == late


def test_duplicate_key_is_found_across_chunks(rt, licences, provider):
    rows = [licence_row(n) for n in range(1, CHUNK + 2)]
    rows.append(licence_row(1, legal_rep="后来"))
    report = _ingest(rt, provider["officer"], licences.resource_code, rows)
    assert report.accepted == CHUNK + 1 and report.rejected == 1
    assert report.problems[0].row == CHUNK + 2


def test_report_caps_problems_but_quarantine_keeps_all(rt, licences, provider):
    rows = [licence_row(n, established="not a date") for n in range(MAX_REPORTED + 5)]
    report = _ingest(rt, provider["officer"], licences.resource_code, rows)
    assert report.rejected == MAX_REPORTED + 5
    assert len(report.problems) == MAX_REPORTED and report.problems_truncated == 5
    assert _count(rt, QuarantinedRow) == MAX_REPORTED + 5


def test_another_department_may_not_feed_the_dataset(rt, licences, make_org):
    from govbridge.identity.organizations import org_by_code

    other = make_org(name="苏州市税务局")
    with rt.context() as ctx:
        other_id = org_by_code(ctx, other).id
    stranger = Actor.for_user(user_id=77, username="officer.tax", roles=frozenset(
        {Role.DATA_OFFICER}), organization_id=other_id, subject_id=None)
    with pytest.raises(PermissionDenied) as caught:
        _ingest(rt, stranger, licences.resource_code, [licence_row(1)])
    assert "data.ingest" in str(caught.value.extensions())
    assert _count(rt, IngestBatch) == 0


def test_unpublished_and_retired_datasets_take_no_data(rt, entry, provider, licences):
    with rt.context() as ctx:
        from govbridge.catalog.schemas import DatasetIn

        draft = catalog.create_dataset(ctx, provider["officer"], DatasetIn(**entry(name="草稿")))
    with pytest.raises(InvalidInput, match="no published version"):
        _ingest(rt, provider["officer"], draft.resource_code, [licence_row(1)])
    with rt.context() as ctx:
        catalog.retire(ctx, provider["officer"], licences.resource_code, "replaced")
    with pytest.raises(Conflict, match="retired"):
        _ingest(rt, provider["officer"], licences.resource_code, [licence_row(1)])


def test_a_failing_batch_leaves_nothing_and_earlier_batches_stay(rt, licences, provider):
    _ingest(rt, provider["officer"], licences.resource_code, [licence_row(1)])

    def rows():
        yield licence_row(2)
        raise RuntimeError("reader died")

    with pytest.raises(RuntimeError), rt.context() as ctx:
        ingest_rows(ctx, provider["officer"], licences.resource_code, rows(),
                    source="upload", content_sha256="f" * 64)
    assert _count(rt, DatasetRecord) == 1 and _count(rt, IngestBatch) == 1


def test_quarantined_row_is_fixed_and_resubmitted(rt, licences, provider):
    code = licences.resource_code
    _ingest(rt, provider["officer"], code, [licence_row(1, established="yesterday")])
    with rt.context() as ctx:
        [row] = usecases.list_quarantine(ctx, provider["officer"], code)
    with pytest.raises(InvalidInput, match="established"), rt.context() as ctx:
        usecases.resubmit(ctx, provider["officer"], code, row.id,
                          {**row.raw, "established": "still wrong"})
    with rt.context() as ctx:
        assert usecases.list_quarantine(ctx, provider["officer"], code)[0].status == "open"
        report = usecases.resubmit(ctx, provider["officer"], code, row.id,
                                   {**row.raw, "established": "2019-01-01"})
    assert report.accepted == 1 and report.source == "fix"
    with rt.context() as ctx:
        assert usecases.list_quarantine(ctx, provider["officer"], code) == []
        [resolved] = usecases.list_quarantine(ctx, provider["officer"], code, status="resolved")
        assert resolved.resolved_batch_id == report.batch_id
        with pytest.raises(Conflict, match="already resolved"):
            usecases.resubmit(ctx, provider["officer"], code, row.id, row.raw)


def test_quarantined_row_is_discarded_with_a_reason(rt, licences, provider):
    code = licences.resource_code
    _ingest(rt, provider["officer"], code, [licence_row(1, established="x")])
    with rt.context() as ctx:
        [row] = usecases.list_quarantine(ctx, provider["officer"], code)
        with pytest.raises(InvalidInput, match="reason"):
            usecases.discard(ctx, provider["officer"], code, row.id, " ")
        usecases.discard(ctx, provider["officer"], code, row.id, "test record")
        assert usecases.list_quarantine(ctx, provider["officer"], code, status="discarded")


def test_push_refuses_empty_and_oversized_batches(rt, licences, provider):
    with rt.context() as ctx:
        with pytest.raises(InvalidInput, match="at least one row"):
            usecases.push_rows(ctx, provider["officer"], licences.resource_code, [])
        with pytest.raises(InvalidInput, match="at most"):
            usecases.push_rows(ctx, provider["officer"], licences.resource_code,
                               [licence_row(1)] * (usecases.MAX_PUSH_ROWS + 1))


def test_a_lone_surrogate_is_a_row_problem_not_a_crash(rt, licences, provider):
    """JSON may carry "\\ud800", which no database takes: the row is quarantined naming
    the field (its value shown with U+FFFD), the batch's other rows are stored."""
    bad = licence_row(2)
    name_field = next(k for k, v in bad.items() if isinstance(v, str) and not v.isascii())
    bad[name_field] = "坏\ud800名"
    bad["extra\udc00"] = "x\ud800"  # an unknown field: its name and value kept storable
    report = _ingest(rt, provider["officer"], licences.resource_code, [licence_row(1), bad])
    assert (report.accepted, report.rejected) == (1, 1)
    problem = next(p for p in report.problems if p.rule == "encoding")
    assert problem.field == name_field and problem.row == 2
    assert problem.value == "坏\ufffd名" and "\\ud800" in problem.reason
    with rt.context() as ctx:
        q = ctx.db.scalars(select(QuarantinedRow)).one()
    assert q.raw[name_field] == "坏\ufffd名" and q.raw["extra\ufffd"] == "x\ufffd"
