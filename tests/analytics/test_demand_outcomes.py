"""Demand analytics and outcomes: the pure aggregates (CST buckets, minimum group sizes,
trips), the reports over recorded cases recounted with plain SQL, who may read them, the
page and API, and nothing personal in any of them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from govbridge.analytics import demand as pure
from govbridge.analytics import reports
from govbridge.api.app import create_app
from govbridge.api.deps import SESSION_COOKIE
from govbridge.core.errors import InvalidInput, PermissionDenied
from govbridge.core.permissions import Role
from support import PASSWORD

MON = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 CST


def _case(item="X", who="a", at=MON, **kw) -> pure.CaseRow:
    base = {"state": "completed", "accepted_at": at, "completed_at": at + timedelta(days=1),
            "promised_due": (at + timedelta(days=2)).date(), "promised_days": 2}
    base.update(kw)
    return pure.CaseRow(item, who, base.pop("state"), at, **base)


def test_demand_buckets_in_china_standard_time_and_hides_small_cells():
    late_sunday = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)  # already Monday 01:00 in Beijing
    cases = [_case(at=late_sunday)] + [_case(at=MON)] * 4 + [_case(item="Y", at=MON)]
    d = pure.demand(cases)
    assert d.weekday[0] == 6 and sum(d.weekday) == 6
    # X has 5 cases in March (shown); Y's single case is left out of the series.
    assert d.by_month == {"X": {"2026-03": 5}, "Y": {}}
    assert d.totals == {"X": 5, "Y": 1}
    assert d.month_of_year[2] == 6


def test_small_groups_are_never_shown():
    # 5 applicants go X -> Y; 4 go X -> Z: the second transition is hidden, summed.
    cases = []
    for n in range(5):
        cases += [_case("X", f"p{n}", MON), _case("Y", f"p{n}", MON + timedelta(days=3))]
    for n in range(4):
        cases += [_case("X", f"q{n}", MON), _case("Z", f"q{n}", MON + timedelta(days=3))]
    shown, other = pure.journeys(cases)
    assert [(t.source, t.target, t.applicants) for t in shown] == [("X", "Y", 5)]
    assert other == 4
    texts = [("X", "材料不清晰")] * 5 + [("X", "张三的身份证号11010519491231002X不对")]
    causes, hidden = pure.causes(texts)
    assert [(c.key, c.count) for c in causes] == [("材料不清晰", 5)] and hidden == 1


def test_outcomes_trips_and_rates():
    cases = ([_case(fetched=3, uploaded=1, returns=1)] * 3
             + [_case(fetched=0, uploaded=2, completed_at=MON + timedelta(days=9))] * 2
             + [_case(state="submitted", accepted_at=None, completed_at=None)]
             + [_case(item="Y")])
    per_item, total, per_month = pure.outcomes(cases)
    x = per_item["X"]
    assert x.cases == 5 and x.completed == 5 and x.on_time == 3
    assert x.sharing_rate == round(9 / 16, 4) and x.trips_per_case == (3 * 3 + 2 * 3) / 5
    # Monday -> Tuesday: 1 working day; -> the next Wednesday: 7.
    assert x.avg_handling_days == (3 * 1 + 2 * 7) / 5
    assert list(per_month) == ["2026-03"] and total.cases == 6
    # One case of Y: counted, but its rates are not shown.
    assert per_item["Y"].cases == 1 and per_item["Y"].on_time_rate is None
    assert per_item["Y"].sharing_rate is None and per_item["Y"].trips_per_case is None


def test_reports_match_a_recount(rt, gov):
    with rt.context() as ctx:
        o = reports.outcomes_report(ctx, gov.bureau, "2026")
        d = reports.demand_report(ctx, gov.bureau, "2026")
        start = datetime(2025, 12, 31, 16, tzinfo=UTC)
        end = datetime(2026, 12, 31, 16, tzinfo=UTC)
        rows = ctx.db.execute(text(
            "SELECT id, state, accepted_at, submitted_at FROM cases")).all()

        def when(v):
            v = datetime.fromisoformat(v) if isinstance(v, str) else v
            return v if v.tzinfo else v.replace(tzinfo=UTC)

        ids = {r[0] for r in rows if start <= when(r[3]) < end}
        accepted = {r[0] for r in rows if r[0] in ids and r[2] is not None}
        mats = ctx.db.execute(text("SELECT case_id, status, source FROM case_materials")).all()
        fetched = sum(1 for c, s, src in mats if c in accepted and s == "fetched"
                      and src.startswith("exchange:"))
        uploaded = sum(1 for c, s, _ in mats if c in accepted and s == "uploaded")
        returns = ctx.db.execute(text("SELECT case_id FROM case_events WHERE kind = 'returned'"))
        n_returns = sum(1 for (c,) in returns if c in accepted)
    assert o.overall.cases == len(accepted)
    assert o.overall.sharing_rate == round(fetched / (fetched + uploaded), 4)
    assert o.overall.trips_per_case == round((len(accepted) + uploaded + n_returns)
                                             / len(accepted), 2)
    assert sum(i.total for i in d.items) == len(ids) == sum(d.weekday)
    assert d.steps and all(s.steps > 0 for s in d.steps)


def test_readers_and_bad_input(rt, gov):
    with rt.context() as ctx:
        for actor in (gov.applicant, gov.clerk("A")):
            with pytest.raises(PermissionDenied):
                reports.demand_report(ctx, actor)
            with pytest.raises(PermissionDenied):
                reports.outcomes_report(ctx, actor)
        with pytest.raises(InvalidInput):
            reports.demand_report(ctx, gov.bureau, "2026-00")


@pytest.fixture
def client(rt) -> Iterator[TestClient]:
    with TestClient(create_app(rt), raise_server_exceptions=False) as c:
        yield c


def test_page_and_api_hold_nothing_personal(rt, gov, client, make_user):
    secret = pyotp.random_base32(32)
    make_user("auditor9", [Role.AUDITOR], org=gov.codes["C"], totp_secret=secret)
    token = client.post("/api/v1/sessions", json={
        "username": "auditor9", "password": PASSWORD,
        "totp_code": pyotp.TOTP(secret).at(rt.clock())}).json()["session_token"]
    headers = {"authorization": f"Bearer {token}"}
    shown = ""
    for path in ("/api/v1/analytics/demand", "/api/v1/analytics/outcomes",
                 "/api/v1/analytics/certificates", "/api/v1/analytics/certificates.svg"):
        resp = client.get(path, headers=headers)
        assert resp.status_code == 200, (path, resp.text)
        shown += resp.text
    client.cookies.set(SESSION_COOKIE, token)
    page = client.get("/analytics?period=2026")
    assert page.status_code == 200 and page.text.count("<svg") >= 5
    shown += page.text
    replayed = client.get("/analytics/whatif?kind=share&certificate=3205/000001")
    assert replayed.status_code == 200 and 'data-testid="whatif-result"' in replayed.text
    assert 'data-testid="backtest"' in replayed.text
    shown += replayed.text
    assert client.get("/analytics/whatif?kind=answer&days=2").status_code == 422
    with rt.context() as ctx:
        personal = {v for r in ctx.db.execute(text(
            "SELECT applicant_id, applicant_name, code FROM cases")) for v in r}
    assert personal and not any(p in shown for p in personal)
    make_user("citizen9", [Role.APPLICANT], subject_id="11010519491231002X")
    citizen = client.post("/api/v1/sessions", json={"username": "citizen9",
                                                    "password": PASSWORD}).json()
    other = {"authorization": f"Bearer {citizen['session_token']}"}
    assert client.get("/api/v1/analytics/demand", headers=other).status_code == 403
    assert date(2026, 1, 1)  # the fixture's year of history covers 2026
