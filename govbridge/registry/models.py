"""Tables of persons (by citizen ID) and companies (by credit code)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from govbridge.storage.base import Base


class Person(Base):
    __tablename__ = "persons"

    id_number: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    sex: Mapped[str] = mapped_column(String(1))  # GB/T 2261.1: 1 male, 2 female
    birth_date: Mapped[date] = mapped_column(Date)
    division_code: Mapped[str] = mapped_column(String(6), index=True)
    address: Mapped[str] = mapped_column(String(200))
    mobile: Mapped[str] = mapped_column(String(11))


class Company(Base):
    __tablename__ = "companies"

    credit_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    enterprise_type: Mapped[str] = mapped_column(String(40))
    legal_representative_id: Mapped[str] = mapped_column(String(18))
    legal_representative_name: Mapped[str] = mapped_column(String(40))
    registered_capital_wan: Mapped[int] = mapped_column(Integer)
    established: Mapped[date] = mapped_column(Date)
    division_code: Mapped[str] = mapped_column(String(6), index=True)
    address: Mapped[str] = mapped_column(String(200))
