"""Tables of the ledger: entries (leaves), cached inner nodes, the right edge, checkpoints,
witness co-signatures, and the subject index behind the citizens' access view."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from govbridge.storage.base import Base, UTCDateTime, utcnow

# 64-bit on PostgreSQL; plain INTEGER on SQLite, where a primary key so typed is the rowid.
Index64 = BigInteger().with_variant(Integer(), "sqlite")


class LedgerEntry(Base):
    """One leaf. `entry` holds the exact bytes hashed (canonical JSON), so an audit can
    recompute every leaf hash from storage alone."""

    __tablename__ = "ledger_entries"

    leaf_index: Mapped[int] = mapped_column(Index64, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    entry: Mapped[str] = mapped_column(Text)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LedgerNode(Base):
    """Hash of a complete perfect subtree (level >= 1); never changes once written."""

    __tablename__ = "ledger_nodes"

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerState(Base):
    """The one row holding the log's size and right edge; appends lock it."""

    __tablename__ = "ledger_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    edge: Mapped[bytes] = mapped_column(LargeBinary, default=b"")  # 32-byte hashes, largest first
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Checkpoint(Base):
    """A signed tree head: size and root, signed by the hub's ledger key."""

    __tablename__ = "ledger_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, index=True)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WitnessSignature(Base):
    """A department node's co-signature of a checkpoint it found consistent."""

    __tablename__ = "ledger_witness_signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("ledger_checkpoints.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("checkpoint_id", "organization_id"),)


class LedgerSubject(Base):
    """Which entries concern which person or enterprise (for 我的数据被谁用了), by the
    subject's keyed commitment (`ledger.commitments`), never the raw ID."""

    __tablename__ = "ledger_subjects"

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment: Mapped[str] = mapped_column(String(64), index=True)
    leaf_index: Mapped[int] = mapped_column(
        Index64, ForeignKey("ledger_entries.leaf_index"), index=True
    )


class LedgerSubjectKey(Base):
    """The key of one epoch of subject commitments, sealed under the installation secret.
    Kept after a rotation, so a subject's older entries are still found."""

    __tablename__ = "ledger_subject_keys"

    epoch: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))
