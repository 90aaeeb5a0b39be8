"""The plan's pure pieces: the consumer's mask key, masking rows as planned, whom an
answer is about."""

from __future__ import annotations

from govbridge.exchange.plan import mask_key, mask_rows, subjects_of


def test_the_mask_key_is_per_consumer_and_stable():
    secret = b"s" * 32
    assert mask_key(secret, "A") == mask_key(secret, "A")
    assert mask_key(secret, "A") != mask_key(secret, "B")
    assert len(mask_key(secret, "A")) == 32


def test_rows_carry_exactly_the_planned_fields_raw_or_masked():
    rows = [{"name": "张三丰", "mobile": "13912345678", "other": "x", "empty": None}]
    masks = {"mobile": "keep:3:4", "name": "raw", "empty": "redact"}
    assert mask_rows(rows, masks, b"k" * 32) == [
        {"mobile": "139****5678", "name": "张三丰", "empty": None}]
    hashed = mask_rows(rows, {"mobile": "hash"}, b"k" * 32)[0]["mobile"]
    assert hashed.startswith("h:")
    assert hashed != mask_rows(rows, {"mobile": "hash"}, b"j" * 32)[0]["mobile"]


def test_subjects_are_those_asked_for_else_those_of_the_rows_once_each_in_order():
    rows = [{"id": "B"}, {"id": "A"}, {"id": "B"}, {"id": None}, {}]
    assert subjects_of("id", rows, [" A ", "B", "A"]) == ["A", "B"]
    assert subjects_of("id", rows, None) == ["B", "A"]
    assert subjects_of(None, rows, None) == []
