"""The pure rules of cases: state machine, the 80 % point, material status."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from govbridge.cases import rules
from govbridge.core.errors import Conflict


@pytest.mark.parametrize(("current", "target"), [
    ("submitted", "accepted"), ("submitted", "not_accepted"), ("accepted", "in_progress"),
    ("in_progress", "completed"), ("in_progress", "refused"), ("in_progress", "accepted"),
])
def test_allowed_transitions(current, target):
    rules.check_transition(current, target)


@pytest.mark.parametrize(("current", "target"), [
    ("submitted", "in_progress"), ("submitted", "completed"), ("accepted", "completed"),
    ("completed", "refused"), ("refused", "in_progress"), ("not_accepted", "accepted"),
    ("accepted", "refused"), ("nonsense", "accepted"),
])
def test_refused_transitions(current, target):
    with pytest.raises(Conflict):
        rules.check_transition(current, target)


def test_every_final_state_is_a_dead_end():
    assert all(not rules.TRANSITIONS[s] for s in rules.FINAL)
    assert set(rules.TRANSITIONS) == set(rules.STATES)


def test_reminder_at_80_percent_of_the_promised_time():
    accepted = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
    due = date(2026, 12, 10)  # the limit ends at midnight after Thursday: 4 days later
    assert rules.due_end(due) == datetime(2026, 12, 11, tzinfo=UTC)
    point = rules.reminder_point(accepted, due)
    assert point == accepted + timedelta(days=3, hours=4, minutes=48)
    assert rules.deadline_status(point - timedelta(seconds=1), accepted, due) == "ok"
    assert rules.deadline_status(point, accepted, due) == "remind"
    assert rules.deadline_status(rules.due_end(due) - timedelta(seconds=1), accepted,
                                 due) == "remind"
    assert rules.deadline_status(rules.due_end(due), accepted, due) == "overdue"


@pytest.mark.parametrize(("rows", "cert", "status"), [
    (1, "valid", "fetched"), (1, None, "fetched"), (0, None, "missing"),
    (0, "valid", "missing"), (1, "revoked", "rejected"), (1, "expired", "rejected"),
])
def test_certificate_material_status(rows, cert, status):
    assert rules.certificate_material_status(rows, cert)[0] == status


def test_missing_counts_required_unsatisfied_only():
    assert rules.missing_materials([
        ("a", True, "fetched"), ("b", True, "missing"), ("c", False, "missing"),
        ("d", True, "uploaded"), ("e", True, "rejected"),
    ]) == ["b", "e"]
