"""Reading a broker message: one record, a batch, or a clear "json" problem naming the place."""

from __future__ import annotations

import pytest

from govbridge.ingest.schemas import BatchReport, RowProblem
from govbridge.ingest.stream_messages import (
    MessageRejected,
    Topology,
    canonical_body,
    outcome_of,
    parse_message,
)

SUBJECT = "govbridge.ingest.301001001.000001"


def rejected(body: bytes, **kw) -> dict:
    with pytest.raises(MessageRejected) as info:
        parse_message(SUBJECT, body, **kw)
    return info.value.problem


def test_one_record_and_a_batch() -> None:
    assert parse_message(SUBJECT, b'{"a": 1}') == [(1, {"a": 1})]
    rows = parse_message(SUBJECT, '{"rows": [{"a": 1}, {"a": "张三"}]}'.encode())
    assert rows == [(1, {"a": 1}), (2, {"a": "张三"})]
    # a record that happens to have a "rows" field among others is one record
    assert parse_message(SUBJECT, b'{"rows": 3, "b": 1}') == [(1, {"rows": 3, "b": 1})]


def test_not_json_names_subject_and_byte_offset() -> None:
    p = rejected('{"name": "张三", oops}'.encode())
    assert p["rule"] == "json"
    assert SUBJECT in p["reason"]
    # "张三" is 6 bytes in UTF-8: the offset counts bytes, not characters
    assert p["byte_offset"] == len('{"name": "张三", '.encode())
    assert f"at byte {p['byte_offset']}" in p["reason"]
    assert p["value"].startswith('{"name"')


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "not JSON"),
        (b"hello", "not JSON"),
        (b'{"a": 1} trailing', "Extra data"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b'{"a": NaN}', "NaN is not a JSON value"),
        (b"[1, 2]", "JSON array, not an object"),
        (b'"text"', "JSON string, not an object"),
        (b"null", "JSON null, not an object"),
        (b'{"rows": []}', "non-empty list"),
        (b'{"rows": {"a": 1}}', "non-empty list"),
        (b'{"rows": [{"a": 1}, 7]}', "rows[1] is a JSON number"),
    ],
)
def test_rejections(body: bytes, words: str) -> None:
    p = rejected(body)
    assert p["rule"] == "json"
    assert words in p["reason"], p["reason"]
    assert p["subject"] == SUBJECT


def test_oversized_message() -> None:
    p = rejected(b'{"a": "' + b"x" * 100 + b'"}', max_bytes=50)
    assert p["rule"] == "size"
    assert "more than the 50 allowed" in p["reason"]


def test_topology_round_trip() -> None:
    topo = Topology()
    assert topo.subject("301001001/000001") == SUBJECT
    assert topo.resource_code(SUBJECT) == "301001001/000001"
    assert topo.durable("301001001/000001") == "govbridge_ingest_301001001_000001"
    with pytest.raises(ValueError, match="not an ingest subject"):
        topo.resource_code("govbridge.ingest.301001001")
    with pytest.raises(ValueError):
        topo.resource_code("other.301001001.000001")


def test_canonical_body_is_stable() -> None:
    assert canonical_body({"b": 1, "a": "张"}) == canonical_body({"a": "张", "b": 1})


def _report(**kw) -> BatchReport:
    base = {"resource_code": "301001001/000001", "dataset_version": 1, "batch_id": 7,
            "source": "stream", "content_sha256": "ab" * 32}
    return BatchReport(**{**base, **kw})


def test_outcome_of_a_batch_report() -> None:
    stored = outcome_of(SUBJECT, "s", _report(received=2, accepted=1, rejected=1, problems=[
        RowProblem(row=2, field="id_number", value="x", rule="citizen_id", reason="bad")]))
    assert (stored.status, stored.accepted, stored.rejected, stored.batch_id) == ("stored", 1, 1, 7)
    assert stored.problems == [{"row": 2, "field": "id_number", "value": "x",
                                "rule": "citizen_id", "reason": "bad"}]
    assert outcome_of(SUBJECT, "s", _report(received=1, rejected=1)).status == "rejected"
    # new bytes, but every row was stored before: nothing added
    assert outcome_of(SUBJECT, "s", _report(received=1, duplicates=1)).status == "duplicate"


def test_outcome_of_a_duplicate_batch_counts_nothing_again() -> None:
    # the first report comes back for content seen before: its accepted rows are not new
    again = outcome_of(SUBJECT, "s", _report(received=3, accepted=3, duplicate_batch=True))
    assert again.status == "duplicate" and again.settled
    assert (again.accepted, again.duplicates, again.batch_id) == (0, 3, 7)
