"""What the hub decides about an exchange call before any row is read, and what the
producer hands back. Pure: no I/O.

The gateway (`exchange.gateway`) reads and decides a `Plan`; whoever produces the rows,
the hub itself (`gateway.produce_local`) or the provider's node (`nodes.server`, checked
by `nodes.client`), masks them as the plan says (`mask_rows`, with the consumer's
`mask_key`) and names whom they are about (`subjects_of`); the gateway records the
`SealedAnswer`. These pieces live here, apart from the gateway's use case, so that the
node's server and the hub's client share them with the gateway without importing it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from govbridge.core import masking
from govbridge.exchange.schemas import QueryIn

if TYPE_CHECKING:  # types only: the modules that make them do I/O
    from govbridge.ledger.commitments import SubjectKey
    from govbridge.seals.usecases import ActiveKey


@dataclass(frozen=True)
class OrgRef:
    """An organization as a call sees it."""

    id: int
    code: str
    name: str


@dataclass(frozen=True)
class DatasetRef:
    """The dataset as a call sees it: its published version's identity, and its provider."""

    id: int
    resource_code: str
    name: str
    provider: OrgRef
    subject_field: str | None
    published_version: int

    @property
    def provider_id(self) -> int:
        return self.provider.id


@dataclass(frozen=True)
class AgreementRef:
    """The agreement that covers the call, with its limits."""

    id: int
    code: str
    grants: dict[str, str]
    rate_per_minute: int
    daily_volume: int


@dataclass(frozen=True)
class PlanFacts:
    """What the plan's one read found besides the agreement (None: not read, look it up).

    Read at the start of the call like every check before it; what must hold at the
    moment of writing (rate, volume) is checked again by `gateway.record`.
    """

    node: bool | None = None  # the provider has an active node
    live: bool | None = None  # the dataset is read live from the provider's system
    seal_key: ActiveKey | None = None  # the provider's active seal key
    ledger_key: ActiveKey | None = None  # the hub's active ledger key
    day: str = ""  # the day window the figures below are of
    agreement_rows: int | None = None  # this agreement's rows that day, before the call
    consumer_rows: int | None = None  # the consumer's rows that day over all its agreements
    earlier_rows: int | None = None  # the consumer's rows over the days before (volume rule)
    volume_flagged: bool | None = None  # the volume rule fired for the consumer that day
    subject_key: SubjectKey | None = None  # the ledger's current subject key
    subject_masked: bool = False  # the agreement does not return the subject field raw
    misses: int = 0  # the consumer's lookups by subject that found nothing today


@dataclass(frozen=True)
class Plan:
    """What the hub decided about a call before any row is read."""

    consumer: OrgRef
    dataset: DatasetRef
    agreement: AgreementRef
    query: QueryIn
    masks: dict[str, str]  # field -> "raw" or an operator text, in response order
    skeleton: dict[str, Any]  # the sealed payload without its rows
    minute: str = ""  # the rate window the call counts in
    facts: PlanFacts = field(default_factory=PlanFacts)


@dataclass(frozen=True)
class SealedAnswer:
    """The producer's answer to a plan: the sealed payload and the subjects its rows are
    about, before the hub records it."""

    sealed: str
    payload: dict[str, Any]
    subjects: list[str]
    # SHA-256 (hex) of the canonical payload, when the producer knows it already.
    digest: str | None = None


def mask_key(secret: bytes, consumer_code: str) -> bytes:
    """Per consumer: a consumer can link its own pseudonyms, never another's."""
    return hmac.new(secret, b"govbridge:mask:" + consumer_code.encode(), hashlib.sha256).digest()


def mask_rows(rows: Sequence[Mapping[str, Any]], masks: Mapping[str, str],
              key: bytes) -> list[dict[str, Any]]:
    """Rows with exactly the planned fields, each raw or masked as the plan says."""
    ops = {n: None if m == masking.RAW else masking.parse_operator(m) for n, m in masks.items()}
    return _apply(rows, ops, key)


def _apply(rows: Sequence[Mapping[str, Any]], ops: Mapping[str, masking.Operator | None],
           key: bytes) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        shown: dict[str, Any] = {}
        for name, op in ops.items():
            value = row.get(name)
            shown[name] = value if op is None or value is None else masking.mask(
                op, value, hmac_key=key)
        out.append(shown)
    return out


def subjects_of(subject_field: str | None, rows: Sequence[Mapping[str, Any]],
                subject_ids: Sequence[str] | None) -> list[str]:
    """Whom the answer is about: the subjects asked for, or those of the (raw) rows."""
    if subject_ids:
        return list(dict.fromkeys(s.strip() for s in subject_ids))
    return list(dict.fromkeys(str(r[subject_field]) for r in rows
                              if subject_field and r.get(subject_field)))
