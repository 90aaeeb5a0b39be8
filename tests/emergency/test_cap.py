"""CAP 1.2: built documents meet the OASIS schema and parse back; bad ones are clear errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree

from govbridge.emergency import cap

SENT = datetime(2025, 7, 10, 8, 0, tzinfo=UTC)


def alert(**kw) -> cap.CapAlert:
    base = dict(identifier="X-1", sender="11320500MB1J28395Y@govbridge", sent=SENT,
                msg_type="Alert", category="Met", event="暴雨", urgency="Expected",
                severity="Severe", certainty="Likely", headline="暴雨橙色预警",
                description="姑苏区", instruction="减少外出", sender_name="苏州市应急管理局",
                area=cap.Area("姑苏区", polygon=((31.34, 120.58), (31.34, 120.66),
                                                (31.27, 120.66), (31.27, 120.58)),
                              circle=(31.3, 120.62, 5.0)))
    base.update(kw)
    return cap.CapAlert(**base)


def test_built_alert_validates_and_round_trips():
    doc = cap.build(alert())
    root = etree.fromstring(doc)
    assert cap.schema().validate(root)
    assert root.tag == "{urn:oasis:names:tc:emergency:cap:1.2}alert"
    back = cap.parse(doc)
    assert (back.identifier, back.language, back.severity) == ("X-1", "zh-CN", "Severe")
    assert back.area.polygon[0] == back.area.polygon[-1] == (31.34, 120.58)  # closed ring
    assert back.area.circle == (31.3, 120.62, 5.0)
    assert "<cap:sent>2025-07-10T16:00:00+08:00</cap:sent>" in doc.decode()


def test_update_references_the_original():
    doc = cap.build(alert(identifier="X-1-u1", msg_type="Update",
                          references=(("s@govbridge", "X-1", SENT),)))
    back = cap.parse(doc)
    assert back.references[0][:2] == ("s@govbridge", "X-1")


@pytest.mark.parametrize("document, words", [
    (b"<alert", "not well-formed XML: Couldn't find end of Start Tag alert line 1"),
    (b"<foo xmlns='urn:x'/>", "not a CAP 1.2 alert"),
    (b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier>1</identifier></alert>",
     "does not meet the CAP 1.2 schema"),
    (b"<!DOCTYPE a [<!ENTITY x 'y'>]><alert/>", "document type declaration"),
])
def test_documents_that_do_not_parse_are_clear_errors(document, words):
    with pytest.raises(cap.CapInvalid) as bad:
        cap.parse(document)
    assert words in bad.value.detail


def test_a_wrong_value_names_the_element():
    doc = cap.build(alert()).replace(b"<cap:severity>Severe", b"<cap:severity>Awful")
    with pytest.raises(cap.CapInvalid) as bad:
        cap.parse(doc)
    assert "severity" in bad.value.detail and "line" in bad.value.detail
