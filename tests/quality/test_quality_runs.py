"""Quality runs over stored records: two departments, one disagreement, history, table,
failing rows, permissions (SQLite by default, PostgreSQL with GOVBRIDGE_TEST_DATABASE_URL)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from govbridge.core.errors import InvalidInput, NotFound, PermissionDenied
from govbridge.core.permissions import Role
from govbridge.quality import usecases as q
from govbridge.quality.models import QualityRun

BAD_ROW = {
    "raw": {"id_number": "", "name": "赵六", "birth_date": "1990-13-01"},
    "problems": [{"field": "birth_date", "reason": "1990-13-01 is not a real date",
                  "rule": "date", "value": "1990-13-01"}],
}


@pytest.fixture
def city(rt, population, marriage, store, pid, t0):
    """A: 4 people at 公安局 (one without mobile, one rejected row); B: 4 at 民政局, 3 shared,
    one of them with another birth date."""
    a, b = population.resource_code, marriage.resource_code
    bad = {**BAD_ROW, "raw": {**BAD_ROW["raw"], "id_number": pid(9)}}
    store(a, [
        {"id_number": pid(1), "name": "张三", "birth_date": "1990-01-01", "mobile": "13800000001"},
        {"id_number": pid(2), "name": "李四", "birth_date": "1990-01-01", "mobile": "13800000002"},
        {"id_number": pid(3), "name": "王五", "birth_date": "1990-01-01", "mobile": ""},
        {"id_number": pid(4), "name": "钱七", "birth_date": "1990-01-01", "mobile": "13800000004"},
    ], at=t0, rejected=[bad])
    store(b, [
        {"id_number": pid(1), "name": "张三", "birth_date": "1990-01-01"},
        {"id_number": pid(2), "name": " 李四", "birth_date": "19900101"},
        {"id_number": pid(3), "name": "王五", "birth_date": "1990-02-01"},
        {"id_number": pid(5), "name": "孙八", "birth_date": "1990-01-01"},
    ], at=t0)
    return a, b


def _run(rt, actor, code):
    with rt.context() as ctx:
        return q.run_quality(ctx, actor, code)


def test_scores_of_each_dimension(rt, city, departments, t0):
    a, b = city
    rt.clock = lambda: t0 + timedelta(days=2)
    run = _run(rt, departments["psb"].officer, a)
    assert run.records == 4
    assert run.completeness == pytest.approx(27 / 28)  # mobile (weight 1) of 4 x 7
    assert run.validity == pytest.approx(0.8)  # 4 accepted, 1 rejected
    assert run.uniqueness == 1.0
    assert run.timeliness == pytest.approx(0.5)  # 2 days old, daily window
    assert run.consistency == pytest.approx(5 / 6)  # 3 shared people x (name, birth date)
    expected = 0.25 * 27 / 28 + 0.3 * 0.8 + 0.15 + 0.1 * 0.5 + 0.2 * 5 / 6
    assert run.overall == pytest.approx(expected)
    d = run.details
    assert d["validity"] == {"accepted": 4, "rejected": 1, "resolved": 0, "open_quarantined": 1,
                             "batches": 1}
    assert d["completeness"]["missing_by_field"] == {"mobile": 1}
    assert d["consistency"]["comparisons"] == 6 and d["consistency"]["agreements"] == 5
    pairs = {p["field"]: p for p in d["consistency"]["pairs"]}
    assert set(pairs) == {"name", "birth_date"}
    assert pairs["birth_date"]["other_department"] == "苏州市民政局"
    assert pairs["birth_date"]["other_dataset"] == b
    assert (pairs["birth_date"]["comparisons"], pairs["birth_date"]["agreements"]) == (3, 2)
    assert d["timeliness"]["age_hours"] == pytest.approx(48)
    # The other side sees the same disagreement; its monthly window is still fresh.
    other = _run(rt, departments["mca"].officer, b)
    assert other.consistency == pytest.approx(5 / 6)
    assert other.timeliness == 1.0 and other.validity == 1.0 and other.completeness == 1.0


def test_failing_rows_mask_subjects_and_withhold_important_values(rt, city, departments, pid):
    a, _ = city
    officer = departments["psb"].officer
    with rt.context() as ctx:
        consistency = q.failing_rows(ctx, officer, a, "consistency")
        completeness = q.failing_rows(ctx, officer, a, "completeness")
        validity = q.failing_rows(ctx, officer, a, "validity")
        uniqueness = q.failing_rows(ctx, officer, a, "uniqueness")
    [row] = consistency.rows
    full = pid(3)
    assert row.subject == full[:6] + "********" + full[-4:]
    assert row.fields == ["birth_date"] and row.other_field == "birth_date"
    assert row.other_department == "苏州市民政局"
    # Important at 公安局, general at 民政局: the stricter grade hides ours; theirs is not
    # shown without an agreement for it at all.
    assert row.value == "(withheld: important)"
    assert row.other_value == "(withheld: no agreement)"
    [incomplete] = completeness.rows
    assert incomplete.fields == ["mobile"] and incomplete.subject.startswith("320505****")
    [rejected] = validity.rows
    assert rejected.fields == ["birth_date"] and rejected.row_number == 6
    assert rejected.value == "birth_date=(withheld: important)"
    assert "(date)" in rejected.reason
    assert uniqueness.rows == [] and not uniqueness.truncated
    dumped = json.dumps([r.model_dump(mode="json") for r in
                         (consistency, completeness, validity, uniqueness)], ensure_ascii=False)
    for n in (1, 2, 3, 4, 9):
        assert pid(n) not in dumped
    assert "1990-02-01" not in dumped and "1990-13-01" not in dumped


def test_general_values_are_listed_in_clear(rt, city, store, departments, pid, t0):
    a, b = city
    # 民政局 stores a newer version of person 1 with another name (both graded general-3).
    store(b, [{"id_number": pid(1), "name": "张叁", "birth_date": "1990-01-01"}],
          at=t0 + timedelta(hours=1), keys=[pid(1)], version="2")
    with rt.context() as ctx:
        rows = q.failing_rows(ctx, departments["psb"].officer, a, "consistency").rows
        limited = q.failing_rows(ctx, departments["psb"].officer, a, "consistency", limit=1)
    by_field = {r.fields[0]: r for r in rows}
    # 民政局's value is theirs: without an agreement it is not shown (security review, D2)
    assert (by_field["name"].value, by_field["name"].other_value) == (
        "张三", "(withheld: no agreement)")
    assert len(limited.rows) == 1 and limited.truncated
    _agreement_for_names(rt, departments, b)
    with rt.context() as ctx:
        rows = q.failing_rows(ctx, departments["psb"].officer, a, "consistency").rows
    by_field = {r.fields[0]: r for r in rows}
    assert (by_field["name"].value, by_field["name"].other_value) == ("张三", "张叁")


def _agreement_for_names(rt, departments, resource_code):
    """公安局 asks 民政局 for names, 民政局 approves: the names may now be listed."""
    from govbridge.agreements import usecases as agreements
    from govbridge.agreements.schemas import AgreementRequestIn

    with rt.context() as ctx:
        made = agreements.request_agreement(ctx, departments["psb"].officer, AgreementRequestIn(
            resource_code=resource_code, fields=["id_number", "name"],
            purpose_kind="legal_basis", purpose_text="户籍信息核对",
            valid_until=rt.clock().date() + timedelta(days=30)))
        agreements.decide(ctx, departments["mca"].officer, made.code,
                          approve_fields=["id_number", "name"], masks={"name": "raw"})


def test_duplicated_subjects(rt, city, store, departments, pid, t0):
    a, _ = city
    # Another record key for person 1 (e.g. a legacy key): the subject is held twice.
    store(a, [{"id_number": pid(1), "name": "张三", "birth_date": "1990-01-01",
               "mobile": "13800000001"}], at=t0, keys=["legacy-1"])
    rt.clock = lambda: t0
    run = _run(rt, departments["psb"].officer, a)
    assert run.records == 5
    assert run.uniqueness == pytest.approx(4 / 5)
    assert run.details["uniqueness"] == {"basis": "subject", "records": 5, "duplicated": 1,
                                         "surplus": 1}
    with rt.context() as ctx:
        [dup] = q.failing_rows(ctx, departments["psb"].officer, a, "uniqueness").rows
    assert dup.count == 2 and dup.subject == pid(1)[:6] + "********" + pid(1)[-4:]


def test_latest_version_per_record_key_counts(rt, population, store, departments, pid, t0):
    a = population.resource_code
    store(a, [{"id_number": pid(1), "name": "张三", "birth_date": "1990-01-01"}], at=t0)
    # Version 2 of the same record fills the mobile number.
    with rt.context() as ctx:
        from govbridge.catalog.usecases import find_dataset
        from govbridge.ingest.models import DatasetRecord

        ds = find_dataset(ctx, a)
        ctx.db.add(DatasetRecord(dataset_id=ds.id, record_key=pid(1), version="2",
                                 subject_id=pid(1), created_at=t0,
                                 data={"id_number": pid(1), "name": "张三",
                                       "birth_date": "1990-01-01", "mobile": "13800000001"}))
    rt.clock = lambda: t0
    run = _run(rt, departments["psb"].officer, a)
    assert (run.records, run.completeness, run.uniqueness) == (1, 1.0, 1.0)
    assert run.consistency is None  # nobody else publishes about these people yet
    assert run.overall == pytest.approx((0.25 + 0.3 + 0.15 + 0.1) / 0.8)


def test_resolved_quarantine_counts_as_valid(rt, population, store, departments, pid, t0):
    a = population.resource_code
    fixed = {**BAD_ROW, "status": "resolved"}
    store(a, [{"id_number": pid(1), "name": "张三", "birth_date": "1990-01-01"}], at=t0,
          rejected=[fixed, BAD_ROW])
    rt.clock = lambda: t0
    run = _run(rt, departments["psb"].officer, a)
    assert run.validity == pytest.approx(2 / 3)
    with rt.context() as ctx:
        rows = q.failing_rows(ctx, departments["psb"].officer, a, "validity").rows
    assert len(rows) == 1  # only the open one


def test_timeliness_follows_the_clock_and_history_accumulates(rt, city, departments, admin, t0):
    a, _ = city
    officer = departments["psb"].officer
    scores = []
    for hours in (12, 48, 96):
        rt.clock = lambda h=hours: t0 + timedelta(hours=h)
        scores.append(_run(rt, officer, a).timeliness)
    assert scores == [1.0, pytest.approx(0.5), 0.0]
    with rt.context() as ctx:
        runs = q.history(ctx, admin, a)
        two = q.history(ctx, admin, a, limit=2)
        stale = q.failing_rows(ctx, officer, a, "timeliness").rows
        svg = q.history_chart_svg(ctx, admin, a)
    assert [r.timeliness for r in runs] == [0.0, pytest.approx(0.5), 1.0]  # newest first
    assert [r.at for r in runs] == [t0 + timedelta(hours=h) for h in (96, 48, 12)]
    assert len(two) == 2
    assert "4.0 days" in stale[0].reason and "daily" in stale[0].reason
    root = ET.fromstring(svg)
    lines = list(root.iter("{http://www.w3.org/2000/svg}polyline"))
    assert len(lines) == 6
    assert all(len(p.get("points").split()) == 3 for p in lines)
    assert "style=" not in svg and "<script" not in svg
    assert "人口基本信息" in svg


def test_bureau_table_shows_latest_scores_and_trend(rt, city, departments, admin, t0):
    a, b = city
    officer = departments["psb"].officer
    rt.clock = lambda: t0 + timedelta(hours=12)
    first = _run(rt, officer, a)
    rt.clock = lambda: t0 + timedelta(days=2)
    second = _run(rt, officer, a)
    with rt.context() as ctx:
        table = {row.resource_code: row for row in q.bureau_table(ctx, admin)}
    assert set(table) == {a, b}
    row = table[a]
    assert row.provider_name == "苏州市公安局" and row.name == "人口基本信息"
    assert row.overall == pytest.approx(second.overall)
    assert row.previous_overall == pytest.approx(first.overall)
    assert row.trend == pytest.approx(second.overall - first.overall) and row.trend < 0
    assert row.direction == "down" and row.at == t0 + timedelta(days=2)
    never = table[b]
    assert never.at is None and never.overall is None and never.trend is None


def test_permissions(rt, city, departments, actor_as, admin, t0):
    a, _ = city
    clerk = actor_as(Role.CLERK)
    rt.clock = lambda: t0
    for call in (
        lambda ctx: q.run_quality(ctx, clerk, a),
        lambda ctx: q.history(ctx, clerk, a),
        lambda ctx: q.bureau_table(ctx, clerk),
        lambda ctx: q.failing_rows(ctx, clerk, a, "completeness"),
        lambda ctx: q.history_chart_svg(ctx, clerk, a),
    ):
        with rt.context() as ctx, pytest.raises(PermissionDenied) as denied:
            call(ctx)
        assert denied.value.permission == "quality.read"
        assert "quality.read" in denied.value.detail
    other = departments["mca"].officer
    with rt.context() as ctx, pytest.raises(PermissionDenied, match="provider"):
        q.run_quality(ctx, other, a)
    with rt.context() as ctx, pytest.raises(PermissionDenied, match="provider"):
        q.failing_rows(ctx, other, a, "consistency")
    # The bureau runs anyone's; other departments and auditors read the history.
    _run(rt, admin, a)
    auditor = actor_as(Role.AUDITOR, "mca")
    with rt.context() as ctx:
        assert len(q.history(ctx, other, a)) == 1
        assert len(q.bureau_table(ctx, auditor)) == 2
        assert ctx.db.query(QualityRun).count() == 1


def test_bad_requests(rt, city, departments, admin):
    a, _ = city
    with rt.context() as ctx, pytest.raises(NotFound):
        q.run_quality(ctx, admin, "301001001/999999")
    with rt.context() as ctx, pytest.raises(InvalidInput, match="dimension"):
        q.failing_rows(ctx, admin, a, "beauty")  # type: ignore[arg-type]
    with rt.context() as ctx, pytest.raises(InvalidInput, match="limit"):
        q.history(ctx, admin, a, limit=0)


def test_empty_dataset_scores_zero_but_runs(rt, population, departments, t0):
    rt.clock = lambda: t0
    run = _run(rt, departments["psb"].officer, population.resource_code)
    assert run.records == 0
    assert (run.completeness, run.validity, run.uniqueness, run.timeliness) == (0, 0, 0, 0)
    assert run.consistency is None and run.overall == 0.0


def test_rows_through_the_real_pipeline_and_quarantine(rt, population, departments, pid):
    """Batches, quarantine problems and fixes as the ingest pipeline writes them."""
    from govbridge.ingest.pipeline import ingest_rows
    from govbridge.ingest.usecases import resubmit

    a = population.resource_code
    officer = departments["psb"].officer
    good = {"name": "张三", "birth_date": "1990-01-01"}
    rows = [
        {"id_number": pid(1), **good},
        {"id_number": pid(2), **good},
        {"id_number": pid(3), "name": "李四", "birth_date": "1990-13-01"},
        # a misspelt column: no grade of its own, so the strictest grade of the dataset
        {"id_number": pid(4), "name": "王五", "birth_dat": "1990-05-05"},
    ]
    with rt.context() as ctx:
        report = ingest_rows(ctx, officer, a, rows, source="upload")
    assert (report.accepted, report.rejected) == (2, 2)
    with rt.context() as ctx:
        from sqlalchemy import select

        from govbridge.ingest.models import QuarantinedRow

        first = ctx.db.scalars(select(QuarantinedRow).order_by(QuarantinedRow.id)).first()
        resubmit(ctx, officer, a, first.id, {"id_number": pid(3), "name": "李四",
                                             "birth_date": "1990-12-01"})
    run = _run(rt, officer, a)
    # 4 rows arrived, 2 accepted, 1 rejected and fixed later: 3 of 4 valid (the fix batch
    # does not count its row a second time)
    assert run.validity == pytest.approx(3 / 4)
    assert run.details["validity"]["accepted"] == 2 and run.records == 3
    with rt.context() as ctx:
        [open_row] = q.failing_rows(ctx, officer, a, "validity").rows
    assert set(open_row.fields) == {"birth_date", "birth_dat"}
    assert "(required)" in open_row.reason and "(unknown_field)" in open_row.reason
    assert "birth_dat=(withheld: important)" in (open_row.value or "")
    dumped = open_row.model_dump_json()
    assert "1990-05-05" not in dumped and pid(4) not in dumped


def test_a_reason_quoting_a_withheld_value_is_redacted(rt, population, store, departments, pid):
    a = population.resource_code
    store(a, [], rejected=[{"raw": {"id_number": pid(5), "birth_date": "1990-02-31"},
                            "problems": [{"field": "birth_date", "rule": "type",
                                          "value": "1990-02-31",
                                          "reason": "1990-02-31 is not a real date"}]}])
    with rt.context() as ctx:
        [row] = q.failing_rows(ctx, departments["psb"].officer, a, "validity").rows
    assert row.reason == "birth_date: (withheld: important) is not a real date (type)"
