"""Installation metadata: small key/value facts about this data directory."""

from __future__ import annotations

from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from govbridge.storage.base import Base


class InstallationFact(Base):
    __tablename__ = "installation_facts"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


def get_fact(db: Session, key: str) -> str | None:
    return db.scalar(select(InstallationFact.value).where(InstallationFact.key == key))


def set_fact(db: Session, key: str, value: str) -> None:
    row = db.get(InstallationFact, key)
    if row is None:
        db.add(InstallationFact(key=key, value=value))
    else:
        row.value = value
