"""What a stream message is: its subject's dataset, its rows, its identity, its outcome.

No I/O here: the subject ↔ dataset mapping (`Topology`), reading a message body into
numbered rows (`parse_message`: one JSON object, or `{"rows": [objects]}`; anything
else a `MessageRejected` naming the subject and the byte where reading failed), the
SHA-256 of the body that identifies a message (a redelivered or re-sent message has
the same one, so it adds nothing), and what became of a message (`MessageOutcome`).
Storing lives in `stream_store.py`, the subscribers in `streams.py`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from govbridge.bus.broker import DEFAULT_INGEST_STREAM, jetstream
from govbridge.core.errors import InvalidInput
from govbridge.ingest.schemas import BatchReport

DEFAULT_PREFIX = "govbridge.ingest"
MAX_SHOWN = 200  # characters of a bad message kept in its problem's `value`
MAX_KEPT = 8192  # characters of a bad message kept in quarantine

# "stored", "duplicate" (added nothing) and "rejected" (quarantined) are settled: the
# message is acknowledged. "retry" is not: the broker delivers it again.
Status = Literal["stored", "duplicate", "rejected", "retry"]


@dataclass(frozen=True)
class Topology:
    """Where ingest messages travel: a subject prefix and the JetStream stream over it."""

    prefix: str = DEFAULT_PREFIX
    stream: str = DEFAULT_INGEST_STREAM

    def subject(self, resource_code: str) -> str:
        classification, _, sequence = resource_code.strip().partition("/")
        if not classification or not sequence or "/" in sequence:
            raise InvalidInput.one(
                "resource_code", "expected classification/sequence", resource_code, "format"
            )
        return f"{self.prefix}.{classification}.{sequence}"

    def resource_code(self, subject: str) -> str:
        head = self.prefix + "."
        tokens = subject[len(head) :].split(".") if subject.startswith(head) else []
        if len(tokens) != 2 or not all(tokens):
            raise ValueError(f"{subject!r} is not an ingest subject under {self.prefix!r}")
        return "/".join(tokens)

    def durable(self, resource_code: str) -> str:
        """Consumer (Kafka: group) name; JetStream allows no dots or slashes in it."""
        return re.sub(r"[^A-Za-z0-9_-]", "_", f"{self.prefix}.{resource_code}")

    def jstream(self) -> Any:
        return jetstream(self.stream, [f"{self.prefix}.>"])


@dataclass
class MessageOutcome:
    """What became of one message. `settled` ones are acknowledged, `retry` ones come back."""

    subject: str
    content_sha256: str
    status: Status
    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    batch_id: int | None = None
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def settled(self) -> bool:
        return self.status != "retry"


class MessageRejected(Exception):
    """The message as a whole cannot be read; carries the problem to quarantine."""

    def __init__(self, problem: dict[str, Any]) -> None:
        super().__init__(problem["reason"])
        self.problem = problem


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _problem(subject: str, rule: str, reason: str, body: bytes, offset: int | None) -> dict:
    text = body.decode("utf-8", errors="replace")
    return {
        "row": None,
        "field": "message",
        "value": text[:MAX_SHOWN],
        "rule": rule,
        "reason": reason,
        "subject": subject,
        "byte_offset": offset,
    }


def parse_message(
    subject: str, body: bytes, *, max_bytes: int | None = None
) -> list[tuple[int, dict[str, Any]]]:
    """The rows of a message: one JSON object, or `{"rows": [objects]}`.

    Raises MessageRejected naming the subject and, for a parse error, the byte offset.
    """
    if max_bytes is not None and len(body) > max_bytes:
        raise MessageRejected(
            _problem(
                subject,
                "size",
                f"message on {subject} has {len(body)} bytes, more than the {max_bytes} allowed",
                body[:MAX_SHOWN],
                None,
            )
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MessageRejected(
            _problem(
                subject,
                "json",
                f"message on {subject} is not UTF-8 JSON: invalid byte at offset {exc.start}",
                body,
                exc.start,
            )
        ) from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        offset = len(text[: exc.pos].encode())
        raise MessageRejected(
            _problem(
                subject,
                "json",
                f"message on {subject} is not JSON: {exc.msg} at byte {offset} "
                f"(line {exc.lineno}, column {exc.colno})",
                body,
                offset,
            )
        ) from None
    except ValueError as exc:
        raise MessageRejected(
            _problem(subject, "json", f"message on {subject} is not JSON: {exc}", body, None)
        ) from None
    if not isinstance(data, dict):
        raise MessageRejected(
            _problem(
                subject,
                "json",
                f"message on {subject} is a JSON {_json_type(data)}, not an object: send one "
                'record as an object or a batch as {"rows": [...]}',
                body,
                0,
            )
        )
    if set(data) != {"rows"}:
        return [(1, data)]
    rows = data["rows"]
    if not isinstance(rows, list) or not rows:
        raise MessageRejected(
            _problem(
                subject,
                "json",
                f'message on {subject}: "rows" must be a non-empty list of objects',
                body,
                None,
            )
        )
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise MessageRejected(
                _problem(
                    subject,
                    "json",
                    f"message on {subject}: rows[{i}] is a JSON {_json_type(row)}, not an object",
                    body,
                    None,
                )
            )
    return list(enumerate(rows, start=1))


def _json_type(value: Any) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )


def content_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def canonical_body(payload: dict[str, Any]) -> bytes:
    """Bytes of an in-process event, stable across runs (for its content hash)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def outcome_of(subject: str, sha: str, report: BatchReport) -> MessageOutcome:
    """The message's outcome from its batch report.

    A message whose content was ingested before (`duplicate_batch`) added nothing: its
    report is the first one's, so its counts are not counted again here. A new message
    whose rows all were stored before is a duplicate too; one with no row accepted and
    some rejected is rejected (its rows are in the quarantine).
    """
    problems = [p.model_dump() for p in report.problems[:20]]
    if report.duplicate_batch:
        return MessageOutcome(subject, sha, "duplicate", received=report.received,
                              duplicates=report.received, batch_id=report.batch_id,
                              problems=problems)
    return counted_outcome(subject, sha, report.received, report.accepted,
                           report.duplicates, report.rejected, report.batch_id, problems)


def counted_outcome(subject: str, sha: str, received: int, accepted: int, duplicates: int,
                    rejected: int, batch_id: int | None,
                    problems: list[dict[str, Any]]) -> MessageOutcome:
    """A newly stored message's outcome from its counts (see `outcome_of`)."""
    status: Status = "stored"
    if accepted == 0:
        status = "rejected" if rejected > 0 else "duplicate"
    return MessageOutcome(subject, sha, status, received=received, accepted=accepted,
                          duplicates=duplicates, rejected=rejected, batch_id=batch_id,
                          problems=problems)
