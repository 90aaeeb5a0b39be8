"""The demo city's privacy computations: loaded with the city (once), run end to end, each
result equal to its plain twin; the demo citizen sees the computations that used their
health record."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from govbridge.core.permissions import Role
from govbridge.demo.accounts import demo_accounts
from govbridge.demo.load import load_demo_city
from govbridge.demo.privacy import load_demo_privacy, run_demo
from govbridge.identity import passwords
from govbridge.identity.actor import Actor
from govbridge.privacy import usecases

SEED = 20261123


@pytest.mark.slow
def test_the_three_demo_computations(rt, settings, monkeypatch):
    monkeypatch.setattr(passwords, "_hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    settings.privacy_min_group = 3  # a 600-person city has few 低保 recipients
    load_demo_city(rt, seed=SEED, persons=600, companies=60)
    assert load_demo_privacy(rt, SEED) is False  # loaded with the city, not twice
    report = run_demo(rt)
    assert [r["computation"] for r in report] == ["psi.sum", "aggregate.histogram",
                                                  "federated.logistic"]
    assert all(r["state"] == "completed" and isinstance(r["receipt"], int) for r in report)
    psi, hist, fl = (r["result"] for r in report)
    assert psi["count"] == report[0]["plain"]["count"] >= 3
    assert psi["sum"] == report[0]["plain"]["sum"]
    plain_bins = report[1]["plain"]["counts"]
    assert hist["counts"] == [c if c >= 3 else None for c in plain_bins]
    # the count released is that of the released bins (the total would give back the rest)
    assert hist["count"] == sum(c for c in plain_bins if c >= 3)
    assert len(fl["rounds"]) == 10
    assert report[2]["plain"]["auc_ratio"] >= 0.97
    citizen = next(a for a in demo_accounts(SEED) if a.username == "citizen")
    person = Actor.for_user(user_id=1, username="citizen", roles=frozenset({Role.APPLICANT}),
                            organization_id=None, subject_id=citizen.subject_id)
    with rt.context() as ctx:
        seen = {u.job for u in usecases.my_computations(ctx, person)}
    # a patient of the first hospital (and, in this city, a property owner too)
    assert {report[1]["job"], report[2]["job"]} <= seen
