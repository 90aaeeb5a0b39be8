"""Scorecards from the records: who may read which card (attacker first), every figure
recomputed independently with plain SQL and compared exactly, the score recomputed from
those figures by hand, the CLI contract, CSV and versioned models."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from govbridge.core.errors import InvalidInput, PermissionDenied
from govbridge.governance import scorecards, scoring

CST = timezone(timedelta(hours=8))
WINDOWS = {"realtime": timedelta(hours=1), "daily": timedelta(days=1),
           "weekly": timedelta(days=7), "monthly": timedelta(days=31),
           "quarterly": timedelta(days=92), "yearly": timedelta(days=366)}


def _dt(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _day(value) -> date:
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


def _bounds(period: str) -> tuple[datetime, datetime]:
    y = int(period[:4])
    if len(period) == 4:
        start, end = datetime(y, 1, 1, tzinfo=CST), datetime(y + 1, 1, 1, tzinfo=CST)
    else:
        m = int(period[5:])
        start = datetime(y, m, 1, tzinfo=CST)
        end = datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=CST)
    return start.astimezone(UTC), end.astimezone(UTC)


def recompute(db, org_id: int, period: str, now: datetime) -> dict[str, dict[str, int]]:
    """The figures of one department, from plain SQL and Python written again here."""
    start, end = _bounds(period)
    first, last = start.astimezone(CST).date(), (end - timedelta(seconds=1)).astimezone(CST).date()
    f = {n: dict.fromkeys(keys, 0) for n, keys in scoring.FIGURES.items()}
    for status, pub, share, created in db.execute(text(
            "SELECT status, published_at, share_type, created_at FROM datasets "
            "WHERE provider_id = :o"), {"o": org_id}):
        if _dt(created) >= end:
            continue
        f["catalog_coverage"]["registered"] += 1
        if status == "published" and pub is not None and _dt(pub) < end:
            f["catalog_coverage"]["published"] += 1
            f["shareable"]["published"] += 1
            f["shareable"]["shareable"] += share != "none"
    for due, decided, created in db.execute(text(
            "SELECT a.answer_due, a.decided_at, a.created_at FROM agreements a "
            "JOIN datasets d ON d.id = a.dataset_id WHERE d.provider_id = :o"), {"o": org_id}):
        if due is None:
            continue
        if first <= _day(due) <= last:
            f["agreement_on_time"]["due"] += 1
            if decided is not None and _dt(decided).astimezone(CST).date() <= _day(due):
                f["agreement_on_time"]["on_time"] += 1
        if decided is not None and start <= _dt(decided) < end:
            f["agreement_answer_days"]["answered"] += 1
            f["agreement_answer_days"]["answer_seconds"] += int(
                (_dt(decided) - _dt(created)).total_seconds())
    latest: dict[int, tuple[int, float]] = {}
    for ds_id, run_id, overall, at in db.execute(text(
            "SELECT q.dataset_id, q.id, q.overall, q.at FROM quality_runs q JOIN datasets d "
            "ON d.id = q.dataset_id WHERE d.provider_id = :o AND d.status = 'published'"),
            {"o": org_id}):
        if _dt(at) < end and (ds_id not in latest or run_id > latest[ds_id][0]):
            latest[ds_id] = (run_id, overall)
    f["quality"]["measured"] = len(latest)
    f["quality"]["overall_permille_sum"] = sum(round(o * 1000) for _, o in latest.values())
    for ds_id, freq, pub in db.execute(text(
            "SELECT id, update_frequency, published_at FROM datasets WHERE provider_id = :o "
            "AND status = 'published'"), {"o": org_id}):
        if freq not in WINDOWS or _dt(pub) >= end:
            continue
        f["freshness"]["declared"] += 1
        times = [_dt(t) for (t,) in db.execute(text(
            "SELECT created_at FROM ingest_batches WHERE dataset_id = :d AND accepted > 0"),
            {"d": ds_id}) if _dt(t) < end]
        if times and min(end, now) - max(times) <= WINDOWS[freq]:
            f["freshness"]["fresh"] += 1
    outcome_items = {c for (c, o) in db.execute(text("SELECT code, outcome FROM service_items"))
                     if o is not None and o != "null"}
    certified = {c for (c,) in db.execute(text(
        "SELECT case_code FROM certificates WHERE case_code IS NOT NULL"))}
    for code, item, state, completed, due, accepted in db.execute(text(
            "SELECT code, item_code, state, completed_at, promised_due, accepted_at FROM cases "
            "WHERE accepting_org_id = :o"), {"o": org_id}):
        if state == "completed" and start <= _dt(completed) < end:
            f["cases_on_time"]["completed"] += 1
            if due is not None and _dt(completed).astimezone(CST).date() <= _day(due):
                f["cases_on_time"]["on_time"] += 1
            if item in outcome_items:
                f["certificates_electronic"]["with_outcome"] += 1
                f["certificates_electronic"]["issued"] += code in certified
    for status, source in db.execute(text(
            "SELECT m.status, m.source FROM case_materials m JOIN cases c ON c.id = m.case_id "
            "WHERE c.accepting_org_id = :o AND c.accepted_at >= :s AND c.accepted_at < :e"),
            {"o": org_id, "s": start, "e": end}):
        if status in ("fetched", "uploaded"):
            f["materials_by_sharing"]["obtained"] += 1
            f["materials_by_sharing"]["shared"] += (
                status == "fetched" and (source or "").startswith("exchange:"))
    for created, reviewed in db.execute(text(
            "SELECT created_at, reviewed_at FROM access_flags WHERE consumer_org_id = :o"),
            {"o": org_id}):
        if start <= _dt(created) < end:
            f["flag_reviews"]["flags"] += 1
            f["flag_reviews"]["reviewed_in_time"] += (
                reviewed is not None and _dt(reviewed) - _dt(created) <= timedelta(days=3))
    return f


def hand_score(figures: dict[str, dict[str, int]]) -> float:
    """The default model's score worked out again from the figures."""
    def ratio(a, b):
        return round(a / b, 4)

    values = {
        "catalog_coverage": ("registered", lambda f: ratio(f["published"], f["registered"])),
        "shareable": ("published", lambda f: ratio(f["shareable"], f["published"])),
        "agreement_on_time": ("due", lambda f: ratio(f["on_time"], f["due"])),
        "agreement_answer_days": ("answered",
                                  lambda f: round(f["answer_seconds"] / f["answered"] / 86400, 4)),
        "quality": ("measured", lambda f: round(f["overall_permille_sum"] / f["measured"] / 1000,
                                                4)),
        "freshness": ("declared", lambda f: ratio(f["fresh"], f["declared"])),
        "cases_on_time": ("completed", lambda f: ratio(f["on_time"], f["completed"])),
        "materials_by_sharing": ("obtained", lambda f: ratio(f["shared"], f["obtained"])),
        "certificates_electronic": ("with_outcome", lambda f: ratio(f["issued"],
                                                                     f["with_outcome"])),
        "flag_reviews": ("flags", lambda f: ratio(f["reviewed_in_time"], f["flags"])),
    }
    total = weights = 0.0
    for name, (basis, value) in values.items():
        if not figures[name][basis]:
            continue
        rule = scoring.DEFAULT_CONFIG["dimensions"][name]
        c = (value(figures[name]) - rule["zero"]) / (rule["full"] - rule["zero"])
        total += rule["weight"] * round(100 * min(1, max(0, c)), 2)
        weights += rule["weight"]
    return round(total / weights, 1) if weights else 0.0


# --- who sees what (attacker first) -------------------------------------------------------


def test_an_officer_sees_only_their_own_card_and_no_rank(rt, gov):
    with rt.context() as ctx:
        cards = scorecards.scorecards(ctx, gov.officer("B"), "2026")
    assert [c.department for c in cards] == [gov.codes["B"]]
    assert cards[0].rank is None
    with rt.context() as ctx, pytest.raises(Exception) as missing:
        scorecards.scorecard(ctx, gov.officer("B"), gov.codes["A"], "2026")
    assert "not found" in str(missing.value).lower() or missing.type.__name__ == "NotFound"


@pytest.mark.parametrize("who", ["applicant", "clerk"])
def test_applicants_and_clerks_see_no_card_nor_model(rt, gov, who):
    actor = gov.applicant if who == "applicant" else gov.clerk("A")
    with rt.context() as ctx:
        with pytest.raises(PermissionDenied):
            scorecards.scorecards(ctx, actor, "2026")
        with pytest.raises(PermissionDenied):
            scorecards.trend(ctx, actor)
        with pytest.raises(PermissionDenied):
            scorecards.scoring_models(ctx, actor)


def test_only_the_bureau_changes_the_model(rt, gov):
    with rt.context() as ctx:
        for actor in (gov.officer("A"), gov.auditor):
            with pytest.raises(PermissionDenied):
                scorecards.save_scoring_model(ctx, actor, scoring.DEFAULT_CONFIG)


def test_the_csv_and_cards_hold_no_personal_identifier(rt, gov):
    with rt.context() as ctx:
        cards = scorecards.scorecards(ctx, gov.bureau, "2026")
        ids = [r[0] for r in ctx.db.execute(text("SELECT applicant_id FROM cases"))]
        names = {r[0] for r in ctx.db.execute(text("SELECT applicant_name FROM cases"))}
    dumped = scorecards.csv_text(cards) + json.dumps([c.model_dump(mode="json") for c in cards],
                                                     ensure_ascii=False)
    assert ids and not any(i in dumped for i in ids)
    assert not any(n in dumped for n in names)


# --- the figures and scores -------------------------------------------------------------------


@pytest.mark.parametrize("period", ["2026", "2026-03", "2025-09", "2026-06"])
def test_every_figure_matches_an_independent_recount_exactly(rt, gov, period):
    with rt.context() as ctx:
        cards = scorecards.scorecards(ctx, gov.bureau, period)
        by_code = {c.department: c for c in cards}
        for key in "ABC":
            card = by_code[gov.codes[key]]
            expected = recompute(ctx.db, gov.ids[key], period, rt.clock())
            got = {n: d.figures for n, d in card.dimensions.items()}
            assert got == expected, key
            assert card.score == hand_score(expected), key
            assert card.model_version == 1


def test_the_march_figures_are_what_the_records_say(rt, gov):
    with rt.context() as ctx:
        a = scorecards.scorecard(ctx, gov.bureau, gov.codes["A"], "2026-03")
        b = scorecards.scorecard(ctx, gov.bureau, gov.codes["B"], "2026-03")
        c = scorecards.scorecard(ctx, gov.bureau, gov.codes["C"], "2026-03")
    d = a.dimensions
    assert d["catalog_coverage"].figures == {"registered": 3, "published": 3}
    assert d["shareable"].figures == {"published": 3, "shareable": 2}
    # Due in March: early (on time), late, never answered; the fourth is due in April.
    assert d["agreement_on_time"].figures == {"due": 3, "on_time": 1}
    assert d["quality"].figures == {"measured": 2, "overall_permille_sum": 800 + 700}
    # Daily data last came 2026-03-31 10:00 UTC, within a day of the month's end; monthly too.
    assert d["freshness"].figures == {"declared": 2, "fresh": 2}
    assert d["exchange_availability"].score is None
    assert "not recorded" in d["exchange_availability"].note
    # B answered its one request after midnight China time on the due day: late.
    assert b.dimensions["agreement_on_time"].figures == {"due": 1, "on_time": 0}
    assert b.dimensions["flag_reviews"].figures == {"flags": 3, "reviewed_in_time": 1}
    assert c.dimensions["catalog_coverage"].figures == {"registered": 0, "published": 0}
    assert c.rated is False and c.score == 0


def test_a_new_model_version_changes_the_score_and_keeps_the_old_one(rt, gov):
    config = {"dimensions": {"shareable": {"weight": 1, "full": 1.0, "zero": 0.0}},
              "note": "only sharing"}
    with rt.context() as ctx:
        saved = scorecards.save_scoring_model(ctx, gov.bureau, config)
        assert saved.version == 2
        card = scorecards.scorecard(ctx, gov.bureau, gov.codes["A"], "2026-03")
        old = scorecards.scorecards(ctx, gov.bureau, "2026-03", model_version=1)
        assert [v.version for v in scorecards.scoring_models(ctx, gov.bureau)] == [1, 2]
    assert list(card.dimensions) == ["shareable"] and card.model_version == 2
    assert card.score == round(100 * round(2 / 3, 4), 2) == 66.67 or card.score == 66.7
    assert next(c for c in old if c.department == gov.codes["A"]).model_version == 1


@pytest.mark.parametrize("bad", [
    {"dimensions": {"nonsense": {"weight": 1, "full": 1, "zero": 0}}},
    {"dimensions": {"quality": {"weight": -1, "full": 1, "zero": 0}}},
    {"dimensions": {"quality": {"weight": 0, "full": 1, "zero": 0}}},
    {"dimensions": {}},
    {"dimensions": {"quality": {"weight": 1, "full": "x", "zero": 0}}},
])
def test_a_broken_model_is_refused_naming_the_field(rt, gov, bad):
    with rt.context() as ctx, pytest.raises(InvalidInput) as err:
        scorecards.save_scoring_model(ctx, gov.bureau, bad)
    assert err.value.problems[0].field.startswith("dimensions")


@pytest.mark.parametrize("period", ["2026-13", "26", "2026-3", "abcd", "1999"])
def test_a_bad_period_is_a_clear_error(rt, gov, period):
    with rt.context() as ctx, pytest.raises(InvalidInput) as err:
        scorecards.scorecards(ctx, gov.bureau, period)
    assert err.value.problems[0].field == "period"


def test_trend_gives_twelve_months_per_department(rt, gov):
    with rt.context() as ctx:
        series = scorecards.trend(ctx, gov.bureau, "2026-06")
        march = scorecards.scorecard(ctx, gov.bureau, gov.codes["A"], "2026-03")
    a = next(s for s in series if s.department == gov.codes["A"])
    assert next(p.period for p in a.points) == "2025-07" and len(a.points) == 12
    assert next(p for p in a.points if p.period == "2026-03").score == march.score


def test_cli_scorecard_json_contract(rt, gov, settings):
    from govbridge.cli.main import app

    env = {"GOVBRIDGE_HOME": str(settings.home), "GOVBRIDGE_DATABASE_URL": settings.database_url,
           "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["scorecard", "--period", "2026-03", "--json"], env=env)
    assert result.exit_code == 0, result.output
    cards = json.loads(result.stdout)
    assert {c["department"] for c in cards} == set(gov.codes.values())
    for c in cards:
        assert 0 <= c["score"] <= 100
        for name, dim in c["dimensions"].items():
            assert name in scoring.DIMENSIONS and "score" in dim and "figures" in dim
    bad = CliRunner().invoke(app, ["scorecard", "--period", "2026-13", "--json"], env=env)
    assert bad.exit_code == 1 and "period" in bad.output


def test_on_time_ends_at_midnight_china_time_on_every_backend(rt, gov):
    from sqlalchemy import insert

    from govbridge.cases.models import Case

    due = date(2026, 5, 20)
    rows = [("EDGE-1", datetime(2026, 5, 20, 15, 59, 59, tzinfo=UTC)),  # 23:59:59 CST: on time
            ("EDGE-2", datetime(2026, 5, 20, 16, 0, 1, tzinfo=UTC)),  # next day in China
            ("EDGE-3", datetime(2026, 5, 19, 23, 0, tzinfo=UTC))]
    with rt.context() as ctx:
        ctx.db.execute(insert(Case), [{
            "code": code, "item_code": "X", "applicant_id": "1", "applicant_name": "x",
            "state": "completed", "form": {}, "submitted_at": at - timedelta(days=2),
            "accepted_at": at - timedelta(days=2), "completed_at": at, "promised_due": due,
            "accepting_org_id": gov.ids["C"], "created_by": "t", "updated_at": at}
            for code, at in rows])
        card = scorecards.scorecard(ctx, gov.bureau, gov.codes["C"], "2026-05")
    assert card.dimensions["cases_on_time"].figures == {"completed": 3, "on_time": 2}
