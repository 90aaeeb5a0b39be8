"""What-if replays: the SimPy replay of hand-made cases (critical path, a faster department,
a shared certificate), bootstrap intervals around the truth, the back-test on a generated
history, and the use cases on recorded cases (readers, bad input, the page)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from govbridge.analytics import scenarios, synthetic, whatif
from govbridge.analytics.whatif import Change, ReplayCase, Step
from govbridge.core.errors import InvalidInput, PermissionDenied

SLOW = "11320500000000003B"


def _case(lead=8.0, others=(4.0, 16.0), uploads=("id",), correction=0.0, returned=None):
    steps = [Step("LEAD", lead, True, correction, returned)]
    steps += [Step(SLOW if i == 1 else f"D{i}", h, False) for i, h in enumerate(others)]
    return ReplayCase("X", tuple(steps), tuple(uploads))


def test_replay_follows_the_critical_path():
    cases = [_case(), _case(others=(30.0, 2.0))]
    assert whatif.replay(cases, None) == [8 + 16, 8 + 30]
    faster = whatif.replay(cases, Change("answer", department=SLOW, days=1))
    # The slow department's 16 h become 8; in the second case another department holds it.
    assert faster == [8 + 8, 8 + 30]


def test_sharing_removes_uploads_trips_and_the_correction_wait():
    cases = [_case(uploads=("id", "lic"), correction=12.0, returned="id"), _case(uploads=())]
    r = whatif.simulate(cases, Change("share", certificate="id"),
                        recorded_hours=[8 + 12 + 16, 8 + 16])
    assert r.uploads_removed.total == 1 and r.trips_saved.total == 2
    assert r.days_saved.total == pytest.approx(12 / 8)
    assert r.replay_error_hours == 0 and r.affected == 1


def test_intervals_hold_the_truth_and_shrink_with_more_cases():
    few = [_case(uploads=("id",) if n % 2 else ()) for n in range(20)]
    many = few * 25
    a = whatif.simulate(few, Change("share", certificate="id"), [24.0] * len(few), seed=3)
    b = whatif.simulate(many, Change("share", certificate="id"), [24.0] * len(many), seed=3)
    assert a.uploads_removed.low <= 10 <= a.uploads_removed.high
    assert b.uploads_removed.per_case == a.uploads_removed.per_case == 0.5
    width = lambda i: (i.high - i.low) / i.total  # noqa: E731
    assert width(b.uploads_removed) < width(a.uploads_removed)


def test_backtest_on_a_generated_history_is_close():
    items = [synthetic.ItemSpec("X", 1, 1, (2,), 3, (("id", "身份证", "certificate", True),
                                                     ("lic", "执照", "certificate", True)),
                                codes=("L", "P"))]
    drawn = list(synthetic.draw(items, [(str(n), "x") for n in range(50)],
                                start=date(2025, 1, 1), days=365, per_day=8, seed=5))
    cases = [ReplayCase("X", (), tuple(m["key"] for m in c.materials if m["status"] ==
                                       "uploaded"),
                        tuple(m["key"] for m in c.materials if m["status"] == "fetched"))
             for c in drawn if c.row["state"] == "completed"]
    half = len(cases) // 2
    b = whatif.backtest(cases[:half], cases[half:], seed=1)
    assert b.relative_error < 0.1 and b.low <= b.predicted_uploads_per_case <= b.high


def test_working_hours():
    mon9 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert whatif.working_hours_between(mon9, datetime(2026, 3, 2, 9, 0, tzinfo=UTC)) == 8
    fri = datetime(2026, 3, 6, 7, 0, tzinfo=UTC)  # Friday 15:00 CST
    assert whatif.working_hours_between(fri, datetime(2026, 3, 9, 3, 0, tzinfo=UTC)) == 4


def test_use_cases_on_recorded_cases(rt, gov):
    with rt.context() as ctx:
        shared = scenarios.what_if(ctx, gov.bureau, {"kind": "share",
                                                     "certificate": "3205/000001"})
        faster = scenarios.what_if(ctx, gov.officer("A"), {
            "kind": "answer", "department": gov.codes["B"], "days": 0.5})
        back = scenarios.back_test(ctx, gov.auditor)
        with pytest.raises(PermissionDenied):
            scenarios.what_if(ctx, gov.applicant, {"kind": "share", "certificate": "x"})
        with pytest.raises(InvalidInput) as bad:
            scenarios.what_if(ctx, gov.bureau, {"kind": "answer", "days": 2})
        assert bad.value.problems[0].field == "department"
        with pytest.raises(InvalidInput):
            scenarios.what_if(ctx, gov.bureau, {"kind": "guess"})
    assert shared.uploads_removed.total > 0 and shared.cases > 100
    assert shared.uploads_removed.low <= shared.uploads_removed.total \
        <= shared.uploads_removed.high
    assert faster.days_saved.total > 0 and faster.trips_saved.total == 0
    assert shared.replay_error_hours < 1
    assert back.train_cases + back.test_cases == shared.cases
