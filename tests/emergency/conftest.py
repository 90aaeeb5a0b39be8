"""The emergency tests' flood world (helpers in tests/emergency_helpers.py)."""

from __future__ import annotations

import pytest
from emergency_helpers import (  # type: ignore[import-not-found]
    NAMES,
    Dept,
    World,
    flood_join,
    rain_row,
    river_row,
)
from fastapi.testclient import TestClient
from sqlalchemy import select

from govbridge.api.app import create_app
from govbridge.catalog import usecases as catalog
from govbridge.core.permissions import Role
from govbridge.emergency import incidents, rulebook
from govbridge.emergency.consumer import evaluate_pending
from govbridge.emergency.schemas import PlanIn
from govbridge.emergency.streams import ensure_elements, rain_dataset, river_dataset
from govbridge.identity.actor import Actor
from govbridge.identity.models import User
from govbridge.identity.organizations import org_by_code


@pytest.fixture
def world(rt, make_org, make_user, admin) -> World:
    depts: dict[str, Dept] = {}
    for key, name in NAMES.items():
        code = make_org(name=name)
        user = make_user(f"officer.{key}", [Role.DATA_OFFICER], org=code)
        with rt.context() as ctx:
            org_id = org_by_code(ctx, code).id
            user_id = ctx.db.scalar(select(User.id).where(User.username == user.username))
        depts[key] = Dept(code, org_id, Actor.for_user(
            user_id=user_id, username=user.username, roles=frozenset({Role.DATA_OFFICER}),
            organization_id=org_id, subject_id=None))
    codes = {}
    with rt.context() as ctx:
        ensure_elements(ctx, Actor.operator("test"))
        for key, entry in (("cma", rain_dataset()), ("water", river_dataset())):
            made = catalog.create_dataset(ctx, depts[key].officer, entry)
            catalog.submit(ctx, depts[key].officer, made.resource_code)
            catalog.review(ctx, admin, made.resource_code, approve=True)
            codes[key] = made.resource_code
        for code, kind, ds, district, lat, lon in (
                ("G-GUSU-1", "rain", "cma", "320508", 31.30, 120.62),
                ("G-GUSU-2", "rain", "cma", "320508", 31.31, 120.60),
                ("G-WJ-1", "rain", "cma", "320509", 30.95, 120.65),
                ("R-GUSU-1", "river", "water", "320508", 31.29, 120.63),
                ("R-WJ-1", "river", "water", "320509", 30.92, 120.70)):
            rulebook.register_station(ctx, admin, code=code, name=code, kind=kind,
                                      resource_code=codes[ds], district=district, lat=lat,
                                      lon=lon)
        incidents.create_plan(ctx, admin, PlanIn(
            code="flood-iv", name="防汛IV级应急响应预案", command_code=depts["ema"].code,
            lines=[
                {"org_code": depts["fire"].code, "task": "排涝抢险",
                 "resources": {"people": 40, "pumps": 6, "boats": 2}},
                {"org_code": depts["housing"].code, "task": "下穿隧道积水抽排",
                 "resources": {"pumps": 4, "vehicles": 3}, "respond_minutes": 20},
                {"org_code": depts["mca"].code, "task": "开放避难场所",
                 "resources": {"shelters": 5, "people": 20}},
            ]))
    return World(rt, admin, depts, codes["cma"], codes["water"])


@pytest.fixture
def client(rt):
    """A TestClient on the whole app (API callers log in with `emergency_helpers.login`)."""
    with TestClient(create_app(rt), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def flooded(world):
    """The world after a flood-join rule fired on rain and a high river in 姑苏区."""
    with world.rt.context() as ctx:
        rulebook.create_rule(ctx, world.admin, flood_join(world))
    world.send(world.rain, [rain_row("G-GUSU-1", m, 10.0) for m in range(0, 60, 10)])
    world.send(world.river, [river_row("R-GUSU-1", m, 3.6) for m in range(0, 60, 15)])
    assert evaluate_pending(world.rt).alerts
    return world
