"""Use cases of the rule book: stations, rules (versioned), and testing a rule on recorded readings.

A rule is created from its definition (`rules.RuleIn`): its shape is checked (bounded
windows, a finite join, a hold-down of at most 7 days) and every dataset and field it
names must be published (`rules.field_problems`); a refused rule stores nothing. Creating
a rule with a code that exists adds the next version; the live version before it is
superseded (its state is not carried over: the new version starts evaluating from the
next committed readings). A rule created as a draft does not run until activated.

`test_rule` runs a definition (stored or not) over the readings already recorded in its
datasets, oldest first, with a fresh evaluator and no writes: what would have fired.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from govbridge.audit.record import record
from govbridge.catalog.models import Dataset
from govbridge.catalog.usecases import published_fields
from govbridge.core.errors import Conflict, InvalidInput, NotFound
from govbridge.core.inputs import checked
from govbridge.core.permissions import Permission
from govbridge.emergency.evaluator import Evaluator, Reading
from govbridge.emergency.models import AlertRule, Station
from govbridge.emergency.rules import RuleIn, field_problems, kind_of, shape_problems
from govbridge.emergency.schemas import RuleOut, RuleTestOut, WouldFire
from govbridge.emergency.streams import reading_of
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.identity.organizations import referenced_organization
from govbridge.ingest.models import DatasetRecord
from govbridge.runtime import Ctx
from govbridge.standards.usecases import spec_of

MAX_TEST_READINGS = 200_000


def _published(ctx: Ctx, codes: Iterable[str]) -> dict[str, dict[str, str] | None]:
    out: dict[str, dict[str, str] | None] = {}
    for code in set(codes):
        ds = ctx.db.scalar(select(Dataset).where(Dataset.resource_code == code))
        if ds is None or ds.published_version is None or ds.status == "retired":
            out[code] = None
            continue
        fields: dict[str, str] = {}
        for f in published_fields(ds):
            fields[f["name"]] = f.get("data_type") or spec_of(ctx, f["element"]).data_type
        out[code] = fields
    return out


def checked_rule(ctx: Ctx, data: RuleIn | dict[str, Any]) -> RuleIn:
    """The definition validated: schema, shape (bounded), datasets and fields."""
    rule = checked(RuleIn, data if isinstance(data, dict) else data.model_dump())
    problems = shape_problems(rule)
    problems += field_problems(rule, _published(ctx, (c.dataset for c in rule.when)))
    if problems:
        raise InvalidInput(problems)
    return rule


def _out(row: AlertRule, issuer: Organization) -> RuleOut:
    d = row.definition
    return RuleOut(code=row.code, version=row.version, status=row.status, kind=row.kind,
                   name=d["name"], issuer_code=issuer.code,
                   hold_down_minutes=d["hold_down_minutes"], severity=d["severity"],
                   urgency=d["urgency"], certainty=d["certainty"], definition=d,
                   created_at=row.created_at)


def create_rule(ctx: Ctx, actor: Actor, data: RuleIn | dict[str, Any], *,
                draft: bool = False) -> RuleOut:
    require(actor, Permission.EMERGENCY_RULES)
    rule = checked_rule(ctx, data)
    issuer = referenced_organization(ctx, rule.issuer_code, "issuer_code")
    last = ctx.db.scalar(select(func.max(AlertRule.version)).where(AlertRule.code == rule.code))
    if not draft:
        for old in ctx.db.scalars(select(AlertRule).where(AlertRule.code == rule.code,
                                                          AlertRule.status == "live")):
            old.status = "superseded"
    row = AlertRule(code=rule.code, version=(last or 0) + 1,
                    status="draft" if draft else "live", kind=kind_of(rule),
                    definition=rule.model_dump(mode="json"), issuer_id=issuer.id, state={},
                    created_at=ctx.now())
    ctx.db.add(row)
    ctx.db.flush()
    record(ctx, actor, "emergency.rule.create", "alert_rule", f"{row.code}@v{row.version}")
    return _out(row, issuer)


def activate_rule(ctx: Ctx, actor: Actor, code: str, version: int) -> RuleOut:
    require(actor, Permission.EMERGENCY_RULES)
    row = ctx.db.scalar(select(AlertRule).where(AlertRule.code == code,
                                                AlertRule.version == version))
    if row is None:
        raise NotFound("rule", f"{code}@v{version}")
    if row.status == "live":
        raise Conflict(f"rule {code} v{version} is live already", "version", str(version))
    for old in ctx.db.scalars(select(AlertRule).where(AlertRule.code == code,
                                                      AlertRule.status == "live")):
        old.status = "superseded"
    row.status = "live"
    record(ctx, actor, "emergency.rule.activate", "alert_rule", f"{code}@v{version}")
    return _out(row, ctx.db.get(Organization, row.issuer_id))  # type: ignore[arg-type]


def list_rules(ctx: Ctx, actor: Actor, *, all_versions: bool = False) -> list[RuleOut]:
    require(actor, Permission.EMERGENCY_RULES)
    stmt = select(AlertRule, Organization).join(Organization,
                                                Organization.id == AlertRule.issuer_id)
    if not all_versions:
        stmt = stmt.where(AlertRule.status != "superseded")
    rows = ctx.db.execute(stmt.order_by(AlertRule.code, AlertRule.version)).all()
    return [_out(r, o) for r, o in rows]


def live_rules(ctx: Ctx) -> list[AlertRule]:
    """The rules the consumer runs (no actor: the platform's own reading of its rule book)."""
    return list(ctx.db.scalars(select(AlertRule).where(AlertRule.status == "live")
                               .order_by(AlertRule.id)))


def station_districts(ctx: Ctx, dataset_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """dataset id → {station code → district} of the registered stations."""
    out: dict[int, dict[str, str]] = {i: {} for i in dataset_ids}
    if not out:
        return out
    for st in ctx.db.scalars(select(Station).where(Station.dataset_id.in_(list(out)))):
        out[st.dataset_id][st.code] = st.district
    return out


def register_station(ctx: Ctx, actor: Actor, *, code: str, name: str, kind: str,
                     resource_code: str, district: str, lat: float, lon: float) -> Station:
    require(actor, Permission.EMERGENCY_RULES)
    ds = ctx.db.scalar(select(Dataset).where(Dataset.resource_code == resource_code))
    if ds is None:
        raise InvalidInput.one("dataset", "no dataset with this resource code", resource_code,
                               "not_found")
    row = ctx.db.scalar(select(Station).where(Station.code == code))
    if row is None:
        row = Station(code=code, name=name, kind=kind, dataset_id=ds.id, district=district,
                      lat=lat, lon=lon)
        ctx.db.add(row)
        ctx.db.flush()
    return row


def recorded_readings(ctx: Ctx, dataset_codes: Iterable[str], now: datetime,
                      limit: int = MAX_TEST_READINGS) -> tuple[list[Reading], int]:
    """The readings stored in these datasets, by event time; and how many were skipped."""
    datasets = {ds.id: ds.resource_code for ds in ctx.db.scalars(
        select(Dataset).where(Dataset.resource_code.in_(list(set(dataset_codes)))))}
    districts = station_districts(ctx, datasets)
    readings: list[Reading] = []
    skipped = 0
    rows = ctx.db.execute(select(DatasetRecord.dataset_id, DatasetRecord.data)
                          .where(DatasetRecord.dataset_id.in_(list(datasets)))
                          .order_by(DatasetRecord.id).limit(limit))
    for dataset_id, data in rows:
        got = reading_of(datasets[dataset_id], data, districts[dataset_id], now)
        if isinstance(got, Reading):
            readings.append(got)
        else:
            skipped += 1
    readings.sort(key=lambda r: r.at)
    return readings, skipped


def test_rule(ctx: Ctx, actor: Actor, source: str | RuleIn | dict[str, Any]) -> RuleTestOut:
    """What a rule (a stored code, or a definition not stored yet) would fire on the
    recorded readings of its datasets. Writes nothing."""
    require(actor, Permission.EMERGENCY_RULES)
    if isinstance(source, str):
        row = ctx.db.scalar(select(AlertRule).where(AlertRule.code == source)
                            .order_by(AlertRule.version.desc()).limit(1))
        if row is None:
            raise NotFound("rule", source)
        rule = RuleIn.model_validate(row.definition)
    else:
        rule = checked_rule(ctx, source)
    readings, skipped = recorded_readings(ctx, (c.dataset for c in rule.when), ctx.now())
    ev = Evaluator(rule.code, rule)
    fired = [WouldFire(at=f.at, key=f.key, district=f.district, stations=list(f.stations),
                       values=[round(v, 3) for v in f.values])
             for r in readings for f in ev.feed(r)]
    return RuleTestOut(code=rule.code, readings=len(readings), skipped=skipped,
                       late_dropped=ev.late_dropped, fired=fired)
