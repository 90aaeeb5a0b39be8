"""Tables of the catalog domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govbridge.identity.models import Organization
from govbridge.storage.base import Base, UTCDateTime, utcnow


class Dataset(Base):
    """A catalog entry (信息资源). Its schema lives in versions; one may be published."""

    __tablename__ = "datasets"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    abstract: Mapped[str] = mapped_column(Text)
    provider_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    format: Mapped[str] = mapped_column(String(24))
    share_type: Mapped[str] = mapped_column(String(16))
    share_condition: Mapped[str | None] = mapped_column(Text)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    share_method: Mapped[str] = mapped_column(String(16))
    open_to_public: Mapped[bool] = mapped_column(Boolean, default=False)
    open_condition: Mapped[str | None] = mapped_column(Text)
    update_frequency: Mapped[str] = mapped_column(String(16))
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_field: Mapped[str | None] = mapped_column(String(64))
    key_field: Mapped[str | None] = mapped_column(String(64))
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    related_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    certificate_type: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), index=True)
    grade: Mapped[str] = mapped_column(String(16))
    published_version: Mapped[int | None] = mapped_column(Integer)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    provider: Mapped[Organization] = relationship(lazy="joined")
    versions: Mapped[list[DatasetVersion]] = relationship(
        back_populates="dataset", order_by="DatasetVersion.version", lazy="selectin"
    )


class DatasetVersion(Base):
    """One schema of a dataset: its fields bound to data element versions, with grades."""

    __tablename__ = "dataset_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    grade: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by: Mapped[str | None] = mapped_column(String(120))
    review_comment: Mapped[str | None] = mapped_column(Text)

    dataset: Mapped[Dataset] = relationship(back_populates="versions")

    __table_args__ = (UniqueConstraint("dataset_id", "version"),)


class SearchTerm(Base):
    """Inverted index of published datasets: CJK bigrams and Latin words, weighted by place."""

    __tablename__ = "catalog_search_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    term: Mapped[str] = mapped_column(String(64))
    weight: Mapped[float] = mapped_column(Float)

    __table_args__ = (Index("ix_catalog_search_terms_term", "term", "dataset_id"),)
