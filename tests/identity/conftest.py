"""Identity fixtures: `clock`, the runtime's clock fixed at a Monday morning (a list of one
datetime the test may move)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest


@pytest.fixture
def clock(rt):
    now = [datetime(2026, 11, 23, 9, 0, tzinfo=UTC)]
    rt.clock = lambda: now[0]
    return now
