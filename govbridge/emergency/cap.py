"""OASIS CAP 1.2 alerts: built and parsed as XML checked against the OASIS schema (no I/O).

Why not `cap-tools` (the xsdata bindings generated from the OASIS schema, which the
design notes suggest): cap-tools 3.1.1 requires `multidict < 7`, and installing it here
would downgrade the pinned multidict 7.2.1 that aiohttp and FastStream run on. So the
alert is written and read with lxml (already pinned), and every document built or
parsed is validated against the OASIS CAP-v1.2 schema shipped in `data/CAP-v1.2.xsd`
(the platform runs air-gapped: nothing is fetched). The parser refuses entities, DTDs
and network access, and documents over `MAX_BYTES` (256 kB).

What an alert holds here: identifier, sender (the issuing department's credit code at
the platform's domain: no person is named), sent, status, msgType (Alert / Update /
Cancel; an Update or Cancel `references` the original as "sender,identifier,sent"),
scope Public, and one info block in zh-CN: category, event, urgency, severity,
certainty, senderName (the department), headline, description, instruction, onset,
expires, parameters, and one area: a description with a polygon (closed ring of
"lat,lon" pairs, at least four) or a circle ("lat,lon radius-km").

A document that is not XML, not a CAP 1.2 alert, or breaks the schema raises
`CapInvalid` naming the line and what broke.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from importlib import resources

from lxml import etree

from govbridge.core.errors import FieldProblem, InvalidInput

NS = "urn:oasis:names:tc:emergency:cap:1.2"
COLLECTION_NS = "urn:govbridge:emergency:alerts"
MAX_BYTES = 256 * 1024
CHINA = timezone(timedelta(hours=8))
_C = f"{{{NS}}}"


class CapInvalid(InvalidInput):
    """A CAP document that does not parse or does not meet the CAP 1.2 schema."""

    type_slug = "invalid-cap"
    title = "Not a valid CAP 1.2 alert"

    def __init__(self, reason: str, line: int | None = None) -> None:
        where = f" (line {line})" if line else ""
        super().__init__(FieldProblem("cap", f"{reason}{where}", None, "cap"))


@dataclass(frozen=True)
class Area:
    desc: str
    polygon: tuple[tuple[float, float], ...] = ()  # (lat, lon), closed ring
    circle: tuple[float, float, float] | None = None  # lat, lon, radius in km


@dataclass(frozen=True)
class CapAlert:
    identifier: str
    sender: str
    sent: datetime
    msg_type: str
    category: str
    event: str
    urgency: str
    severity: str
    certainty: str
    headline: str
    description: str
    instruction: str
    sender_name: str
    area: Area
    status: str = "Actual"
    language: str = "zh-CN"
    onset: datetime | None = None
    expires: datetime | None = None
    references: tuple[tuple[str, str, datetime], ...] = ()
    incidents: tuple[str, ...] = ()
    parameters: tuple[tuple[str, str], ...] = field(default_factory=tuple)


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    xsd = resources.files("govbridge.emergency").joinpath("data/CAP-v1.2.xsd").read_bytes()
    return etree.XMLSchema(etree.fromstring(xsd, _parser()))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, remove_blank_text=True)


def cap_time(at: datetime) -> str:
    """CAP's dateTime: seconds, an explicit offset, no "Z" (shown in China time)."""
    if at.tzinfo is None:
        raise ValueError("CAP times carry their offset")
    return at.astimezone(CHINA).replace(microsecond=0).isoformat()


def _polygon_text(points: tuple[tuple[float, float], ...]) -> str:
    ring = list(points)
    if ring and ring[0] != ring[-1]:
        ring.append(ring[0])
    if len(ring) < 4:
        raise ValueError("a CAP polygon needs at least three corners")
    return " ".join(f"{lat:.5f},{lon:.5f}" for lat, lon in ring)


def element(alert: CapAlert) -> etree._Element:
    """The `cap:alert` element of an alert (validated)."""
    root = etree.Element(_C + "alert", nsmap={"cap": NS})

    def sub(parent: etree._Element, name: str, text: str) -> etree._Element:
        el = etree.SubElement(parent, _C + name)
        el.text = text
        return el

    sub(root, "identifier", alert.identifier)
    sub(root, "sender", alert.sender)
    sub(root, "sent", cap_time(alert.sent))
    sub(root, "status", alert.status)
    sub(root, "msgType", alert.msg_type)
    sub(root, "scope", "Public")
    if alert.references:
        sub(root, "references", " ".join(f"{s},{i},{cap_time(t)}" for s, i, t in alert.references))
    if alert.incidents:
        sub(root, "incidents", " ".join(alert.incidents))
    info = etree.SubElement(root, _C + "info")
    sub(info, "language", alert.language)
    sub(info, "category", alert.category)
    sub(info, "event", alert.event)
    sub(info, "urgency", alert.urgency)
    sub(info, "severity", alert.severity)
    sub(info, "certainty", alert.certainty)
    if alert.onset:
        sub(info, "onset", cap_time(alert.onset))
    if alert.expires:
        sub(info, "expires", cap_time(alert.expires))
    sub(info, "senderName", alert.sender_name)
    sub(info, "headline", alert.headline)
    sub(info, "description", alert.description)
    sub(info, "instruction", alert.instruction)
    for name, value in alert.parameters:
        p = etree.SubElement(info, _C + "parameter")
        sub(p, "valueName", name)
        sub(p, "value", value)
    area = etree.SubElement(info, _C + "area")
    sub(area, "areaDesc", alert.area.desc)
    if alert.area.polygon:
        sub(area, "polygon", _polygon_text(alert.area.polygon))
    if alert.area.circle:
        lat, lon, radius = alert.area.circle
        sub(area, "circle", f"{lat:.5f},{lon:.5f} {radius:g}")
    _validate(root)
    return root


def build(alert: CapAlert) -> bytes:
    """The alert as a CAP 1.2 XML document (UTF-8)."""
    return etree.tostring(element(alert), xml_declaration=True, encoding="UTF-8",
                          pretty_print=True)


def collection(documents: list[bytes]) -> bytes:
    """Many stored alerts in one file: a wrapper holding one `cap:alert` per alert."""
    root = etree.Element(f"{{{COLLECTION_NS}}}alerts", nsmap={None: COLLECTION_NS, "cap": NS})
    for doc in documents:
        root.append(_root_of(doc))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _validate(root: etree._Element) -> None:
    s = schema()
    try:
        valid = s.validate(root)
    except etree.Error as exc:  # e.g. an entity reference left unexpanded
        raise CapInvalid(f"cannot be checked against the CAP 1.2 schema: {exc}") from None
    if not valid:
        err = s.error_log.last_error
        raise CapInvalid(f"does not meet the CAP 1.2 schema: {err.message}", err.line or None)


def _root_of(document: bytes) -> etree._Element:
    if len(document) > MAX_BYTES:
        raise CapInvalid(f"{len(document)} bytes, more than the {MAX_BYTES} allowed")
    if b"<!DOCTYPE" in document[:2048].upper():
        raise CapInvalid("a document type declaration is not allowed in an alert")
    try:
        root = etree.fromstring(document, _parser())
    except etree.XMLSyntaxError as exc:
        raise CapInvalid(f"not well-formed XML: {exc.msg}") from None
    if root.getroottree().docinfo.doctype:  # one placed after the first 2 kB
        raise CapInvalid("a document type declaration is not allowed in an alert")
    if root.tag != _C + "alert":
        raise CapInvalid(f"the root element is {root.tag}, not a CAP 1.2 alert "
                         f"({{{NS}}}alert)", root.sourceline)
    _validate(root)
    return root


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _points(text: str) -> tuple[tuple[float, float], ...]:
    out = []
    for pair in text.split():
        lat, _, lon = pair.partition(",")
        out.append((float(lat), float(lon)))
    return tuple(out)


def parse(document: bytes) -> CapAlert:
    """Read a CAP 1.2 alert (its first info block, first area); CapInvalid when it is not one."""
    root = _root_of(document)

    def text(parent: etree._Element, name: str) -> str | None:
        el = parent.find(_C + name)
        return None if el is None else (el.text or "")

    info = root.find(_C + "info")
    if info is None:
        raise CapInvalid("the alert has no info block", root.sourceline)
    area_el = info.find(_C + "area")
    area = Area(desc="")
    try:
        if area_el is not None:
            circle = text(area_el, "circle")
            c = None
            if circle:
                centre, _, radius = circle.partition(" ")
                lat, _, lon = centre.partition(",")
                c = (float(lat), float(lon), float(radius))
            area = Area(desc=text(area_el, "areaDesc") or "",
                        polygon=_points(text(area_el, "polygon") or ""), circle=c)
        refs = []
        for ref in (text(root, "references") or "").split():
            sender, ident, sent = ref.split(",")
            refs.append((sender, ident, datetime.fromisoformat(sent)))
    except ValueError as exc:
        raise CapInvalid(f"a polygon, circle or reference cannot be read: {exc}") from None
    params = tuple((p.findtext(_C + "valueName") or "", p.findtext(_C + "value") or "")
                   for p in info.findall(_C + "parameter"))
    try:
        sent = datetime.fromisoformat(text(root, "sent") or "")
        onset, expires = _time(text(info, "onset")), _time(text(info, "expires"))
    except ValueError as exc:  # xs:dateTime takes 24:00:00, Python does not
        raise CapInvalid(f"a time cannot be read: {exc}") from None
    return CapAlert(
        identifier=text(root, "identifier") or "", sender=text(root, "sender") or "",
        sent=sent,
        msg_type=text(root, "msgType") or "", status=text(root, "status") or "",
        category=text(info, "category") or "", event=text(info, "event") or "",
        urgency=text(info, "urgency") or "", severity=text(info, "severity") or "",
        certainty=text(info, "certainty") or "", headline=text(info, "headline") or "",
        description=text(info, "description") or "",
        instruction=text(info, "instruction") or "",
        sender_name=text(info, "senderName") or "", language=text(info, "language") or "",
        onset=onset, expires=expires,
        area=area, references=tuple(refs),
        incidents=tuple((text(root, "incidents") or "").split()), parameters=params,
    )


def parse_collection(document: bytes) -> list[CapAlert]:
    """The alerts of a file written by `collection`."""
    try:
        root = etree.fromstring(document, _parser())
    except etree.XMLSyntaxError as exc:
        raise CapInvalid(f"not well-formed XML: {exc.msg}") from None
    return [parse(etree.tostring(el)) for el in root.findall(_C + "alert")]
