"""The pure flag rules."""

from __future__ import annotations

from datetime import UTC, datetime

from govbridge.exchange.anomaly import (
    Thresholds,
    off_hours_flag,
    volume_flag,
    working_hours,
)

LIMITS = Thresholds(volume_factor=5, volume_floor=100, bulk_subjects=20)


def test_working_hours_are_weekdays_8_to_20_china_time():
    assert working_hours(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))  # Mon 09:00 CST
    assert not working_hours(datetime(2026, 11, 30, 12, 30, tzinfo=UTC))  # Mon 20:30 CST
    assert not working_hours(datetime(2026, 11, 28, 3, 0, tzinfo=UTC))  # Sat 11:00 CST
    assert not working_hours(datetime(2026, 11, 29, 23, 59, tzinfo=UTC))  # Mon 07:59 CST


def test_volume_against_own_median_and_floor():
    assert volume_flag(99, [], LIMITS) is None
    assert volume_flag(101, [], LIMITS).rule == "volume"
    history = [40, 0, 50, 60, 0]
    assert volume_flag(250, history, LIMITS) is None  # 5 × median 50
    flag = volume_flag(251, history, LIMITS)
    assert flag is not None and "usual day 50" in flag.detail
    assert volume_flag(450, [100, 100], LIMITS) is None


def test_off_hours_bulk():
    night = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # 23:00 CST
    day = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
    assert off_hours_flag(night, 19, 0, LIMITS) is None
    assert off_hours_flag(night, 20, 0, LIMITS).rule == "off_hours_bulk"
    assert off_hours_flag(night, 1, 25, LIMITS).rule == "off_hours_bulk"
    assert off_hours_flag(day, 500, 500, LIMITS) is None
