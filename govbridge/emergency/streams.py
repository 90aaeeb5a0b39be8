"""The streams rules read: the data elements and catalog entries of gauge readings, the
stations, and a stored record read as a `Reading`.

Rain gauges (气象局) and river / reservoir levels (水利局) publish on ordinary stream
datasets in the catalog, through the existing ingest paths (REST push, NATS JetStream or
Kafka, in micro-batches): a reading is a row with `station_code`, `observed_at` (event
time, GB/T 7408 with its offset; a time without one is China time, UTC+8) and numeric
values. Ingest checks every field against its data element (`DE0301`..`DE0305`, seeded
here once) and quarantines what breaks one; what the rules add is the station check and
the clock check (`reading_of`). A station is the record key: each reading is a version
of its station's record (ingest keeps every version, late ones too); a message carrying
the same station twice with other values is refused by ingest as a duplicate key, so a
gauge sends one message per reading. Then: a reading for a station not registered, dated more
than `MAX_CLOCK_SKEW` (10 minutes) after the time it is evaluated, or dated before
`EARLIEST_EVENT_TIME` (2000-01-01 UTC: a gauge whose clock was reset reports 1970 or year 1,
which ingest accepts as a date but which no storm is, and year 1 in China time is year 0 in
UTC, past what Python's datetime can hold), or with a value beyond a float (an element
without bounds takes "1e400": Infinity, which a rule's JSON state cannot hold on
PostgreSQL) is refused with a problem naming the field and
the value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select

from govbridge.catalog.schemas import DatasetIn
from govbridge.core.errors import FieldProblem
from govbridge.emergency.evaluator import Reading
from govbridge.emergency.rules import STATION_FIELD, TIME_FIELD
from govbridge.identity.actor import Actor
from govbridge.runtime import Ctx
from govbridge.standards.models import DataElement
from govbridge.standards.schemas import ElementIn
from govbridge.standards.usecases import register_element

CHINA = timezone(timedelta(hours=8))
MAX_CLOCK_SKEW = timedelta(minutes=10)
EARLIEST_EVENT_TIME = datetime(2000, 1, 1, tzinfo=UTC)

ELEMENTS: tuple[ElementIn, ...] = (
    ElementIn(code="DE0301", name_zh="测站编码", name_en="Station code", data_type="string",
              category="other", max_length=32, pattern=r"^[A-Z0-9-]{3,32}$",
              suggested_grade="general-1"),
    ElementIn(code="DE0302", name_zh="观测时间", name_en="Observed at", data_type="datetime",
              category="date", format="YYYY-MM-DDThh:mm:ss±hh:mm (GB/T 7408)",
              suggested_grade="general-1"),
    ElementIn(code="DE0303", name_zh="时段降雨量（毫米）", name_en="Rainfall in the interval (mm)",
              data_type="decimal", category="other", min_value="0", max_value="500",
              suggested_grade="general-1"),
    ElementIn(code="DE0304", name_zh="水位（米）", name_en="Water level (m)", data_type="decimal",
              category="other", min_value="-20", max_value="200", suggested_grade="general-1"),
    ElementIn(code="DE0305", name_zh="警戒水位（米）", name_en="Warning level (m)",
              data_type="decimal", category="other", min_value="-20", max_value="200",
              suggested_grade="general-1"),
)


def ensure_elements(ctx: Ctx, actor: Actor) -> int:
    """Register the gauge elements not registered yet; returns how many were added."""
    added = 0
    for spec in ELEMENTS:
        if ctx.db.scalar(select(DataElement.id).where(DataElement.code == spec.code)) is None:
            register_element(ctx, actor, spec)
            added += 1
    return added


_G = "general-1"
_STATION = {"name": STATION_FIELD, "title": "测站编码", "element": "DE0301", "required": True,
            "grade": _G}
_TIME = {"name": TIME_FIELD, "title": "观测时间", "element": "DE0302", "required": True,
         "grade": _G}


def rain_dataset() -> DatasetIn:
    return DatasetIn(
        name="雨量站实时降雨观测", name_en="Rain gauge readings (live)",
        abstract="气象局自动雨量站每5分钟上报的时段降雨量，按测站编码与观测时间标识，用于暴雨预警和防汛会商。",
        classification="302001001", format="stream", share_type="unconditional",
        share_method="api", update_frequency="realtime", subject_type="none",
        key_field=STATION_FIELD, keywords=["降雨", "雨量站", "防汛"],
        fields=[_STATION, _TIME,  # type: ignore[list-item]
                {"name": "rainfall_mm", "title": "时段降雨量（毫米）", "element": "DE0303",
                 "required": True, "grade": _G}])


def river_dataset() -> DatasetIn:
    return DatasetIn(
        name="河道与水库水位实时监测", name_en="River and reservoir levels (live)",
        abstract="水利局河道、水库水位站每5分钟上报的水位及该站警戒水位，用于洪水预警和防汛调度。",
        classification="302002001", format="stream", share_type="unconditional",
        share_method="api", update_frequency="realtime", subject_type="none",
        key_field=STATION_FIELD, keywords=["水位", "警戒水位", "防汛"],
        fields=[_STATION, _TIME,  # type: ignore[list-item]
                {"name": "water_level_m", "title": "水位（米）", "element": "DE0304",
                 "required": True, "grade": _G},
                {"name": "warning_level_m", "title": "警戒水位（米）", "element": "DE0305",
                 "required": True, "grade": _G}])


def event_time(raw: Any) -> datetime:
    """A reading's event time; ValueError when it is not a GB/T 7408 date-time."""
    at = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    return at if at.tzinfo is not None else at.replace(tzinfo=CHINA)


def reading_of(dataset: str, data: Mapping[str, Any], districts: Mapping[str, str],
               now: datetime, max_skew: timedelta = MAX_CLOCK_SKEW) -> Reading | FieldProblem:
    """The reading a stored row holds, or the problem that keeps it from the rules.

    `districts`: station code → district of the registered stations of this dataset.
    """
    station = data.get(STATION_FIELD)
    if not isinstance(station, str) or station not in districts:
        return FieldProblem(STATION_FIELD, "no station registered with this code for this "
                            "dataset", None if station is None else str(station)[:40],
                            "unknown_station")
    try:
        at = event_time(data.get(TIME_FIELD))
    except (TypeError, ValueError):
        return FieldProblem(TIME_FIELD, "not a date-time", str(data.get(TIME_FIELD))[:40],
                            "format")
    if at < EARLIEST_EVENT_TIME:
        return FieldProblem(TIME_FIELD, f"before {EARLIEST_EVENT_TIME.date().isoformat()}: "
                            "the gauge's clock is wrong", str(data.get(TIME_FIELD))[:40],
                            "clock_skew")
    if at - now > max_skew:
        return FieldProblem(TIME_FIELD, f"{at.isoformat()} is more than "
                            f"{int(max_skew.total_seconds() // 60)} minutes after "
                            "the platform's clock: the gauge's clock is wrong",
                            at.isoformat(), "clock_skew")
    values: dict[str, float | None] = {}
    for name, value in data.items():
        if name in (STATION_FIELD, TIME_FIELD) or isinstance(value, bool):
            continue
        try:
            number = None if value is None else float(value)
        except (TypeError, ValueError):
            continue
        if number is not None and not math.isfinite(number):  # "1e400" is a finite Decimal
            return FieldProblem(name, "too large for the rules (not a finite number)",
                                str(value)[:40], "not_finite")
        values[name] = number
    return Reading(dataset, station, districts[station], at, values)
