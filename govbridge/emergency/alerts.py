"""Alerts: a firing becomes a CAP 1.2 alert, sealed by the issuing department and ledgered.

`raise_alert` runs in the consumer's transaction (the one that also stores the rule's
state and marks the readings' batches evaluated), so an alert exists exactly when the
readings that caused it are marked evaluated. The CAP document (cap.py) names the
department (credit code as sender, its name as senderName) and the district, never a
person; the seal is the department's JWS over the alert's identifier and the SHA-256 of
the XML as sent; the ledger entry (kind `emergency.alert`) holds the identifier, digest,
department, rule, district and the CAP categories, no free text.

An Update or Cancel (`change_alert`, by the rule book's owner) is a new CAP document
whose `references` names the original (sender, identifier, sent); the original is marked
updated or cancelled. Each alert opens an incident or joins the open one of its district
(incidents.py).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from govbridge.core.errors import Conflict, NotFound
from govbridge.core.inputs import checked
from govbridge.core.permissions import Permission
from govbridge.emergency import cap
from govbridge.emergency.areas import centre, district_name, districts
from govbridge.emergency.evaluator import Firing
from govbridge.emergency.models import Alert, AlertRule, Incident, Station
from govbridge.emergency.rules import RuleIn
from govbridge.emergency.schemas import AlertChangeIn, AlertOut, AreaOut
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.identity.models import Organization
from govbridge.runtime import Ctx

SENDER_DOMAIN = "govbridge"
ALERT_LIFETIME = timedelta(hours=6)


def sender_of(org: Organization) -> str:
    return f"{org.code}@{SENDER_DOMAIN}"


def _area(ctx: Ctx, firing: Firing) -> dict[str, Any]:
    d = districts().get(firing.district)
    area: dict[str, Any] = {"desc": district_name(firing.district), "district": firing.district,
                            "polygon": [list(p) for p in d.polygon] if d else []}
    station = ctx.db.scalar(select(Station).where(Station.code == firing.stations[0])) \
        if firing.stations else None
    if station is not None:
        area["circle"] = [round(station.lat, 5), round(station.lon, 5), 5.0]
    elif not area["polygon"]:
        lat, lon = centre(firing.district) if d else (31.3, 120.6)
        area["circle"] = [lat, lon, 10.0]
    return area


def _cap_area(area: dict[str, Any]) -> cap.Area:
    circle = tuple(area["circle"]) if area.get("circle") else None
    return cap.Area(desc=area["desc"], polygon=tuple(tuple(p) for p in area.get("polygon", [])),
                    circle=circle)  # type: ignore[arg-type]


def _seal_and_ledger(ctx: Ctx, issuer: Organization, doc: bytes, identifier: str,
                     msg_type: str, extra: dict[str, Any]) -> tuple[str, int]:
    from govbridge.ledger import log
    from govbridge.seals import usecases as seals

    digest = hashlib.sha256(doc).hexdigest()
    seal = seals.seal_for(ctx, issuer.id, {"cap": identifier, "cap_sha256": digest,
                                           "issuer": issuer.code, "msgType": msg_type})
    receipt = log.append(ctx, "emergency.alert", {
        "identifier": identifier, "msgType": msg_type, "issuer": issuer.code,
        "cap_sha256": digest, **extra})
    return seal, receipt.leaf_index


def raise_alert(ctx: Ctx, rule_row: AlertRule, rule: RuleIn, firing: Firing) -> Alert:
    """The alert of a firing, stored, sealed, ledgered, and in an incident."""
    from govbridge.emergency.incidents import place_alert

    issuer = ctx.db.get(Organization, rule_row.issuer_id)
    assert issuer is not None
    key = firing.key.replace(":", "-")
    identifier = f"{issuer.code}-{rule.code}-v{rule_row.version}-{key}-{int(firing.at.timestamp())}"
    now = ctx.now()
    area = _area(ctx, firing)
    values = "，".join(f"{v:g}" for v in firing.values)
    local = firing.at.astimezone(cap.CHINA).strftime("%Y-%m-%d %H:%M")
    description = (f"{rule.name}：{area['desc']}测站 {'、'.join(firing.stations)} "
                   f"于 {local} 触发（{values}）。")
    doc = cap.build(cap.CapAlert(
        identifier=identifier, sender=sender_of(issuer), sent=now, msg_type="Alert",
        category=rule.category, event=rule.event, urgency=rule.urgency,
        severity=rule.severity, certainty=rule.certainty, headline=rule.headline,
        description=description, instruction=rule.instruction, sender_name=issuer.name,
        onset=firing.at, expires=firing.at + ALERT_LIFETIME, area=_cap_area(area),
        parameters=(("rule", f"{rule.code}@v{rule_row.version}"),)))
    seal, index = _seal_and_ledger(ctx, issuer, doc, identifier, "Alert", {
        "rule": f"{rule.code}@v{rule_row.version}", "district": firing.district,
        "severity": rule.severity, "urgency": rule.urgency, "certainty": rule.certainty,
        "event_at": firing.at.isoformat()})
    row = Alert(identifier=identifier, msg_type="Alert", status="active", rule_id=rule_row.id,
                issuer_id=issuer.id, district=firing.district, area=area,
                category=rule.category, event=rule.event, urgency=rule.urgency,
                severity=rule.severity, certainty=rule.certainty, headline=rule.headline,
                event_at=firing.at, sent_at=now, cap_xml=doc.decode("utf-8"), seal=seal,
                ledger_index=index)
    ctx.db.add(row)
    ctx.db.flush()
    place_alert(ctx, row, rule)
    return row


def change_alert(ctx: Ctx, actor: Actor, identifier: str, data: AlertChangeIn) -> AlertOut:
    """Update or cancel an alert: a new CAP document referencing the original."""
    require(actor, Permission.EMERGENCY_RULES)
    data = checked(AlertChangeIn, data.model_dump())
    original = ctx.db.scalar(select(Alert).where(Alert.identifier == identifier))
    if original is None:
        raise NotFound("alert", identifier)
    if original.status != "active":
        raise Conflict(f"alert {identifier} was {original.status} already", "identifier",
                       identifier)
    parsed = cap.parse(original.cap_xml.encode())
    issuer = ctx.db.get(Organization, original.issuer_id)
    assert issuer is not None
    now = ctx.now()
    n = len(list(ctx.db.scalars(select(Alert.id).where(Alert.references_id == original.id))))
    new_id = f"{identifier}-{data.msg_type[0].lower()}{n + 1}"
    severity = data.severity or original.severity
    headline = data.headline or (f"解除：{original.headline}" if data.msg_type == "Cancel"
                                 else original.headline)
    doc = cap.build(cap.CapAlert(
        identifier=new_id, sender=parsed.sender, sent=now, msg_type=data.msg_type,
        category=parsed.category, event=parsed.event,
        urgency="Past" if data.msg_type == "Cancel" else parsed.urgency, severity=severity,
        certainty=parsed.certainty, headline=headline, description=parsed.description,
        instruction=data.instruction or parsed.instruction, sender_name=parsed.sender_name,
        onset=parsed.onset, expires=parsed.expires, area=parsed.area,
        references=((parsed.sender, parsed.identifier, parsed.sent),),
        parameters=parsed.parameters))
    seal, index = _seal_and_ledger(ctx, issuer, doc, new_id, data.msg_type, {
        "references": identifier, "district": original.district, "severity": severity})
    row = Alert(identifier=new_id, msg_type=data.msg_type, status="active",
                references_id=original.id, rule_id=original.rule_id, issuer_id=issuer.id,
                incident_id=original.incident_id, district=original.district,
                area=original.area, category=original.category, event=original.event,
                urgency="Past" if data.msg_type == "Cancel" else original.urgency,
                severity=severity, certainty=original.certainty, headline=headline,
                event_at=original.event_at, sent_at=now, cap_xml=doc.decode("utf-8"),
                seal=seal, ledger_index=index)
    original.status = "cancelled" if data.msg_type == "Cancel" else "updated"
    ctx.db.add(row)
    ctx.db.flush()
    return alert_out(ctx, row)


def alert_out(ctx: Ctx, row: Alert) -> AlertOut:
    issuer = ctx.db.get(Organization, row.issuer_id)
    assert issuer is not None
    rule = ctx.db.get(AlertRule, row.rule_id) if row.rule_id else None
    ref = ctx.db.get(Alert, row.references_id) if row.references_id else None
    incident = ctx.db.get(Incident, row.incident_id) if row.incident_id else None
    return AlertOut(
        identifier=row.identifier, msg_type=row.msg_type, status=row.status,
        references=ref.identifier if ref else None,
        rule=f"{rule.code}@v{rule.version}" if rule else None, issuer_code=issuer.code,
        issuer_name=issuer.name, incident=incident.code if incident else None,
        district=row.district, area=AreaOut(**row.area), category=row.category,
        event=row.event, urgency=row.urgency, severity=row.severity,
        certainty=row.certainty, headline=row.headline, event_at=row.event_at,
        sent_at=row.sent_at, ledger_index=row.ledger_index)


def list_alerts(ctx: Ctx, actor: Actor, *, since: datetime | None = None,
                limit: int = 500) -> list[AlertOut]:
    require(actor, Permission.INCIDENT_READ)
    stmt = select(Alert).order_by(Alert.id)
    if since is not None:
        stmt = stmt.where(Alert.sent_at >= since)
    return [alert_out(ctx, r) for r in ctx.db.scalars(stmt.limit(limit))]


def alerts_cap(ctx: Ctx, actor: Actor, *, limit: int = 500) -> bytes:
    """Every alert as sent, one `cap:alert` each, in one XML file."""
    require(actor, Permission.INCIDENT_READ)
    docs = [r.cap_xml.encode() for r in
            ctx.db.scalars(select(Alert).order_by(Alert.id).limit(limit))]
    return cap.collection(docs)


def alert_document(ctx: Ctx, actor: Actor, identifier: str) -> tuple[bytes, str]:
    """One alert's CAP XML and its seal."""
    require(actor, Permission.INCIDENT_READ)
    row = ctx.db.scalar(select(Alert).where(Alert.identifier == identifier))
    if row is None:
        raise NotFound("alert", identifier)
    return row.cap_xml.encode(), row.seal
