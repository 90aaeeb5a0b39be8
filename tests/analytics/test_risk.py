"""Risk hints for approvers: the pure comparison (resembling cases, minimum group sizes,
elevated rates, reasons never from fewer than five cases) and who may ask for them."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from govbridge.analytics import risk
from govbridge.analytics.risk import Past
from govbridge.core.errors import PermissionDenied
from govbridge.core.permissions import Role
from govbridge.identity.actor import Actor

UP = frozenset({"id_card"})


def test_resembling_cases_and_their_reasons():
    past = ([Past(UP, True, False, ("材料不清晰",))] * 5
            + [Past(UP, False, False, ())] * 5
            + [Past(UP, False, True, ("张三的证件号11010519491231002X有误",))]
            + [Past(frozenset(), False, False, ())] * 30)
    h = risk.hint("BJ1", UP, past)
    assert h.similar_cases == 11 and h.returned_rate == round(5 / 11, 4)
    assert h.item_returned_rate == round(5 / 41, 4) and h.elevated
    assert h.reasons == ["材料不清晰"]  # the reason given once never shows
    calm = risk.hint("BJ2", frozenset(), past)
    assert calm.returned_rate == 0 and not calm.elevated


def test_too_few_resembling_cases_say_so():
    h = risk.hint("BJ3", UP, [Past(UP, True, False, ("材料不清晰",))] * 4)
    assert h.similar_cases == 0 and h.returned_rate is None and h.reasons == []
    assert "fewer than" in h.note


def test_who_may_ask(rt, gov):
    with rt.context() as ctx:
        code = ctx.db.execute(text("SELECT code FROM cases WHERE state = 'completed' "
                                   "ORDER BY id LIMIT 1")).scalar()
    approver_a = Actor.for_user(user_id=9, username="approver.a", roles=frozenset(
        {Role.APPROVER}), organization_id=gov.ids["A"], subject_id=None)
    approver_c = Actor.for_user(user_id=10, username="approver.c", roles=frozenset(
        {Role.APPROVER}), organization_id=gov.ids["C"], subject_id=None)
    with rt.context() as ctx:
        mine = risk.risk_hints(ctx, approver_a, code)
        assert risk.risk_hints(ctx, gov.auditor, code).similar_cases == mine.similar_cases
        for actor in (approver_c, gov.applicant, gov.officer("A")):
            with pytest.raises(PermissionDenied):
                risk.risk_hints(ctx, actor, code)
    assert mine.similar_cases >= 5 and mine.item_returned_rate is not None
