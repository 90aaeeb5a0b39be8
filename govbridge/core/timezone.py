"""The time zone every local day and working hour is counted in: China Standard Time."""

from __future__ import annotations

from datetime import timedelta, timezone

# UTC+8 all year (no daylight saving since 1991).
LOCAL_TZ = timezone(timedelta(hours=8), "CST")
