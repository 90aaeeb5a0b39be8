"""How the ledger names a person or enterprise: a keyed commitment, never the raw ID.

A ledger entry is copied to everyone who may check it: the consumer's receipt, an
auditor's export, a witness's view of the log. So an entry names the subjects it
concerns only by commitments that nobody outside the hub can reverse, test a guess
against or link across entries, while the citizen can still find and prove their own:

- salt       s: 16 random bytes per entry, written in the entry (`subject_salt`)
- opening    r = HMAC-SHA256(K_e, "govbridge:subject:" ‖ s ‖ id)   (per entry and subject)
- commitment = "sc<e>:" ‖ base64url(SHA-256("govbridge:subject-commitment:" ‖ r ‖ id))
- index key  = "si<e>:" ‖ base64url(HMAC-SHA256(K_e, "govbridge:subject-index:" ‖ id))

`K_e` is the installation's subject key of epoch `e`: 32 random bytes, stored sealed
under the installation secret (`security.at_rest`). Without it the 18-digit citizen ID
space, small once a district and birth year are known (32 candidates pass the check
character for one masked ID), cannot be searched: an unkeyed hash could be.

Why a salt per entry: a commitment that is the same in every entry is an oracle. A
consumer allowed to look up subjects in one dataset (its subject field unmasked) could
ask for 19 guessed IDs, read their commitments off its receipt and compare them with the
one commitment another receipt gave for a masked ID — the security review recovered an
ID in 34 calls that way. Salted, the commitments of one ID in two entries share nothing.

The index key is deterministic per epoch so that the hub finds a subject's entries with
one lookup per epoch; it lives only in the hub's `ledger_subjects` table, never in an
entry, a receipt or an export. `ledger audit` recomputes every leaf from the stored text
alone, as before. The citizen's access view hands them `r` for each of their entries:
SHA-256 of the prefix, `r` and their ID gives a commitment the entry holds, and the
entry's inclusion proof ties it to a signed tree head — proof that the entry is about
them, without the hub revealing anyone else.

Rotation (`govbridge ledger rotate-subject-key`) starts a new epoch: new entries commit
and are indexed under the new key; the older keys stay (sealed) so that a subject's older
entries are still found. Entries are never rewritten: a ledger's history is immutable; an
entry appended before commitments existed (before migration 0013) is found by its raw ID,
as it was stored.

The functions of the first half are pure (no I/O); the key store follows.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from govbridge.audit.record import record
from govbridge.core.errors import InvalidInput
from govbridge.core.inputs import checked
from govbridge.core.permissions import Permission
from govbridge.identity.access import require
from govbridge.identity.actor import Actor
from govbridge.ledger.models import LedgerSubjectKey
from govbridge.ledger.schemas import SubjectKeyRotateIn
from govbridge.runtime import Ctx
from govbridge.security.at_rest import seal, unseal

PREFIX = "sc"
_OPENING = b"govbridge:subject:"
_COMMITMENT = b"govbridge:subject-commitment:"
_INDEX = b"govbridge:subject-index:"
INDEX_PREFIX = "si"
KEY_BYTES = 32
SALT_BYTES = 16


# --- pure -------------------------------------------------------------------------------------


def normalise(subject_id: str) -> str:
    """The form an ID is committed in: trimmed, upper case (a citizen ID's `x` is `X`)."""
    return subject_id.strip().upper()


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def opening(key: bytes, salt: bytes, subject_id: str) -> bytes:
    """The blinding value r of one subject in one entry (what the subject is shown)."""
    return hmac.new(key, _OPENING + salt + normalise(subject_id).encode(),
                    hashlib.sha256).digest()


def commitment_from_opening(epoch: int, r: bytes, subject_id: str) -> str:
    digest = hashlib.sha256(_COMMITMENT + r + normalise(subject_id).encode()).digest()
    return f"{PREFIX}{epoch}:" + _b64url(digest)


def commit(epoch: int, key: bytes, salt: bytes, subject_id: str) -> str:
    """The commitment an entry of epoch `epoch` with `salt` names `subject_id` by."""
    return commitment_from_opening(epoch, opening(key, salt, subject_id), subject_id)


def index_key(epoch: int, key: bytes, subject_id: str) -> str:
    """The hub's lookup key of a subject in epoch `epoch` (never leaves the hub)."""
    mac = hmac.new(key, _INDEX + normalise(subject_id).encode(), hashlib.sha256).digest()
    return f"{INDEX_PREFIX}{epoch}:" + _b64url(mac)


def is_commitment(value: str) -> bool:
    head, sep, body = value.partition(":")
    return (bool(sep) and head.startswith(PREFIX) and head[len(PREFIX):].isdigit()
            and len(body) == 43)


def epoch_of(value: str) -> int | None:
    return int(value.partition(":")[0][len(PREFIX):]) if is_commitment(value) else None


def check_opening(commitment: str, subject_id: str, r_b64: str) -> bool:
    """Offline: does `commitment` name `subject_id`, given the opening (base64)? Pure."""
    epoch = epoch_of(commitment)
    try:
        r = base64.b64decode(r_b64, validate=True)
    except ValueError:
        return False
    return epoch is not None and hmac.compare_digest(
        commitment_from_opening(epoch, r, subject_id), commitment)


# --- the key store ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SubjectKey:
    epoch: int
    key: bytes

    def commit(self, salt: bytes, subject_id: str) -> str:
        return commit(self.epoch, self.key, salt, subject_id)

    def index(self, subject_id: str) -> str:
        return index_key(self.epoch, self.key, subject_id)

    def opening_b64(self, salt: bytes, subject_id: str) -> str:
        return base64.b64encode(opening(self.key, salt, subject_id)).decode()


@dataclass(frozen=True)
class CommittedSubjects:
    """What an entry says of its subjects, and how the hub indexes it."""

    fields: dict[str, object]  # merged into the entry: subjects, subject_salt
    index_keys: list[str]


def commit_entry(key: SubjectKey, subject_ids: Iterable[str],
                 salt: bytes | None = None) -> CommittedSubjects:
    """Commit the distinct, non-empty IDs of one entry (in first-seen order) under a fresh
    salt. Pure but for the salt's randomness (pass `salt` to make it so)."""
    ids = list(dict.fromkeys(normalise(s) for s in subject_ids if s and s.strip()))
    if not ids:
        return CommittedSubjects({}, [])
    salt = salt if salt is not None else os.urandom(SALT_BYTES)
    return CommittedSubjects(
        {"subjects": [key.commit(salt, s) for s in ids],
         "subject_salt": base64.b64encode(salt).decode()},
        list(dict.fromkeys(key.index(s) for s in ids)))


def entry_salt(entry: Mapping[str, object]) -> bytes | None:
    """The salt an entry committed its subjects under (None: none, or not readable)."""
    value = entry.get("subject_salt")
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        return None


def _purpose(epoch: int) -> str:
    return f"ledger-subject-key:{epoch}"


_UNSEALED: dict[tuple[bytes, int, bytes], bytes] = {}
_UNSEALED_GUARD = threading.Lock()


def unseal_key(secret: bytes, epoch: int, sealed: bytes) -> SubjectKey:
    """The key of an epoch from its stored (sealed) form; decrypted once per process."""
    cache_key = (secret, epoch, bytes(sealed))
    key = _UNSEALED.get(cache_key)
    if key is None:
        key = unseal(secret, _purpose(epoch), bytes(sealed))
        with _UNSEALED_GUARD:
            if len(_UNSEALED) > 256:
                _UNSEALED.clear()
            _UNSEALED[cache_key] = key
    return SubjectKey(epoch, key)


def _create(ctx: Ctx, epoch: int, created_by: str) -> None:
    ctx.db.info.pop(_SESSION_KEY, None)  # a new epoch: the next append reads it
    sealed = seal(ctx.settings.secret_key, _purpose(epoch), os.urandom(KEY_BYTES))
    dialect = ctx.db.get_bind().dialect.name
    upsert = pg_insert if dialect == "postgresql" else sqlite_insert
    # Concurrent first appends may both get here; one key per epoch wins, both use it.
    ctx.db.execute(upsert(LedgerSubjectKey).values(
        epoch=epoch, key_enc=sealed, created_at=ctx.now(), created_by=created_by)
        .on_conflict_do_nothing())


# Where a transaction keeps the current key it read: a case's step appends up to three
# entries, each of which read the key again. Kept in the session's `info` with the
# (innermost) transaction it was read in, so another transaction or savepoint reads it
# afresh; a rotation in the same transaction drops it. Only the unsealed key's holder, the
# session, keeps it, as `_UNSEALED` does for the process: never stored, never logged.
_SESSION_KEY = "govbridge.ledger.current_subject_key"


def _transaction(ctx: Ctx) -> object | None:
    return ctx.db.get_nested_transaction() or ctx.db.get_transaction()


def current_key(ctx: Ctx) -> SubjectKey:
    """The key new entries commit under (epoch 1 is made on first use); read once per
    transaction."""
    kept = ctx.db.info.get(_SESSION_KEY)
    transaction = _transaction(ctx)
    if kept is not None and transaction is not None and kept[0] is transaction:
        return kept[1]  # type: ignore[no-any-return]
    stmt = (select(LedgerSubjectKey.epoch, LedgerSubjectKey.key_enc)
            .order_by(LedgerSubjectKey.epoch.desc()).limit(1))
    row = ctx.db.execute(stmt).first()
    if row is None:
        _create(ctx, 1, "ledger")
        row = ctx.db.execute(stmt).one()
    key = unseal_key(ctx.settings.secret_key, int(row.epoch), row.key_enc)
    transaction = _transaction(ctx)  # the read began one if none was open
    if transaction is not None:
        ctx.db.info[_SESSION_KEY] = (transaction, key)
    return key


def all_keys(ctx: Ctx) -> list[SubjectKey]:
    """Every epoch's key, newest first (to find a subject's entries of any epoch)."""
    rows = ctx.db.execute(select(LedgerSubjectKey.epoch, LedgerSubjectKey.key_enc)
                          .order_by(LedgerSubjectKey.epoch.desc())).all()
    return [unseal_key(ctx.settings.secret_key, int(r.epoch), r.key_enc) for r in rows]


def lookup_values(keys: Sequence[SubjectKey], subject_id: str) -> list[str]:
    """What the subject index may hold for this subject: its index key under every epoch
    (`keys`, from `all_keys`), and the raw ID for entries appended before commitments
    existed. Pure."""
    return [k.index(subject_id) for k in keys] + [subject_id.strip()]


def my_commitment(ctx_keys: Sequence[SubjectKey], entry: Mapping[str, object],
                  subject_id: str) -> tuple[str, str] | None:
    """(commitment, opening base64) naming `subject_id` in this entry, if it does."""
    salt = entry_salt(entry)
    named = entry.get("subjects")
    if salt is None or not isinstance(named, list):
        return None
    for key in ctx_keys:
        mine = key.commit(salt, subject_id)
        if mine in named:
            return mine, key.opening_b64(salt, subject_id)
    return None


# --- use cases --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubjectKeyOut:
    epoch: int
    created_at: str
    created_by: str
    current: bool


def list_subject_keys(ctx: Ctx, actor: Actor) -> list[SubjectKeyOut]:
    """The epochs of the subject key (never the keys themselves)."""
    require(actor, Permission.LEDGER_AUDIT)
    rows = ctx.db.execute(select(LedgerSubjectKey.epoch, LedgerSubjectKey.created_at,
                                 LedgerSubjectKey.created_by)
                          .order_by(LedgerSubjectKey.epoch.desc())).all()
    return [SubjectKeyOut(int(r.epoch), r.created_at.isoformat(), r.created_by, i == 0)
            for i, r in enumerate(rows)]


def rotate_subject_key(ctx: Ctx, actor: Actor, reason: str) -> SubjectKeyOut:
    """Start a new epoch: entries from now on commit under a fresh key (bureau only)."""
    require(actor, Permission.SEAL_MANAGE)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.one("reason", "say why the key is rotated", None, "required")
    checked(SubjectKeyRotateIn, {"reason": reason})
    current = ctx.db.scalar(select(func.max(LedgerSubjectKey.epoch)))
    if current is None:
        current_key(ctx)
        current = 1
    epoch = int(current) + 1
    label = actor.label
    _create(ctx, epoch, label)
    record(ctx, actor, "ledger.subject_key_rotate", "ledger_subject_key", epoch,
           {"reason": reason})
    return SubjectKeyOut(epoch, ctx.now().isoformat(), label, True)
