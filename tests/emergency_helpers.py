"""Helpers of the emergency tests (the fixture is in tests/emergency/conftest.py): a small
flood world: 气象局 and 水利局 publishing gauge streams, 应急管理局 commanding,
three responding departments, stations, and the three kinds of rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from govbridge.identity.actor import Actor
from govbridge.ingest.stream_messages import Topology, canonical_body
from govbridge.ingest.stream_store import process_messages
from govbridge.runtime import Runtime

# Event times of the tests' storm: a day before the test clock, so none is "in the future".
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)


@dataclass
class Dept:
    code: str
    id: int
    officer: Actor


@dataclass
class World:
    rt: Runtime
    admin: Actor
    depts: dict[str, Dept]
    rain: str
    river: str

    def send(self, code: str, rows: list[dict[str, Any]]) -> list:
        """Publish readings as stream messages through the real micro-batch store."""
        topo = Topology()
        msgs = [(topo.subject(code), canonical_body(r)) for r in rows]
        return process_messages(self.rt, msgs, topology=topo)


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def rain_row(station: str, minutes: float, mm: float) -> dict[str, Any]:
    return {"station_code": station, "observed_at": at(minutes), "rainfall_mm": mm}


def river_row(station: str, minutes: float, level: float, warn: float = 4.0) -> dict[str, Any]:
    return {"station_code": station, "observed_at": at(minutes), "water_level_m": level,
            "warning_level_m": warn}


NAMES = {"cma": "苏州市气象局", "water": "苏州市水利局", "ema": "苏州市应急管理局",
         "fire": "苏州市消防救援支队", "housing": "苏州市住房和城乡建设局",
         "mca": "苏州市民政局"}


def rain_window(world: World, **kw: Any) -> dict[str, Any]:
    base = {"code": "rain-3h-50", "name": "3小时降雨量超过50毫米",
            "issuer_code": world.depts["cma"].code,
            "when": [{"dataset": world.rain, "field": "rainfall_mm", "agg": "sum",
                      "window_minutes": 180, "op": ">", "value": 50}],
            "hold_down_minutes": 180, "category": "Met", "event": "暴雨",
            "urgency": "Expected", "severity": "Severe", "certainty": "Likely",
            "headline": "暴雨橙色预警", "instruction": "减少外出，远离低洼地带。"}
    base.update(kw)
    return base


def flood_join(world: World, **kw: Any) -> dict[str, Any]:
    base = rain_window(world, code="rain-river-join", name="强降雨且河道水位逼近警戒",
                       issuer_code=world.depts["water"].code, join_minutes=180,
                       event="洪涝", headline="洪涝风险预警",
                       instruction="沿河低洼地区人员做好转移准备。", plan="flood-iv",
                       auto_dispatch=True)
    base["when"] = [base["when"][0],
                    {"dataset": world.river, "field": "water_level_m", "op": ">=",
                     "ref_field": "warning_level_m", "offset": 0.5}]
    base.update(kw)
    return base


def login(client: Any, username: str) -> dict[str, str]:
    """Sign in over the API with the shared test password; the bearer header."""
    from support import PASSWORD

    resp = client.post("/api/v1/sessions", json={"username": username, "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['session_token']}"}
