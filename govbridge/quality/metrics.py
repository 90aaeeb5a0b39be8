"""Pure rules of data quality: the five dimensions, the overall score, masking of listings.

No I/O here: the use cases stream records out of the database and feed them, a
chunk at a time, to the tallies below, so memory does not grow with a dataset.
Every score lies in 0..1 (1 is perfect).

Definitions
-----------
"Current records" are the latest stored version of each record key of a dataset.

completeness
    Over current records: filled cells / expected cells, where every field of the
    published schema is expected in every record and a required field weighs
    double (weight 2, others 1). A cell is filled unless it is absent, ``None``,
    or text that is blank after stripping. No records: 0.

validity
    Over the dataset's ingest batches: valid rows / (accepted + rejected), where
    valid = accepted + rejected rows later resolved from quarantine (a fixed and
    resubmitted row counts as valid). Duplicates (re-sent rows) count neither
    way. Nothing received: 0.

uniqueness
    When the subject should be unique per record (key field == subject field):
    over current records, (records - surplus) / records, where surplus is, for
    every subject held by more than one record, the records beyond the first.
    When every record has a subject this is distinct subjects / records; a
    record without a subject is not a duplicate of anything. Otherwise the same
    over record keys (distinct record keys / current records). No records: 0.

timeliness
    Age of the newest accepted batch against the declared update frequency's
    window (realtime 1 h, daily 1 d, weekly 7 d, monthly 31 d, quarterly 92 d,
    yearly 366 d): 1 within one window, falling linearly to 0 at three windows.
    ``irregular`` scores 1 whenever there is any data. No data: 0. A batch
    stamped in the future (clock skew) counts as fresh.

consistency (across departments)
    For each field bound to the same data element (element code) as a field of
    another provider's published dataset about the same kind of subject, and
    for every subject present in both datasets' current records: one
    comparison, agreeing when both sides hold the same set of (normalised,
    non-empty) values. A side without a value is not compared (that is
    completeness). Score: agreeing / comparisons; ``None`` when there is
    nothing to compare.

overall
    The weighted mean of the available dimensions with weights validity 0.3,
    completeness 0.25, consistency 0.2, uniqueness 0.15, timeliness 0.1,
    renormalised over the dimensions present (consistency may be ``None``).

Listings
--------
Failing-row listings never show a full citizen ID: subjects and values that
look like one are shown as the first 6 and last 4 characters, e.g.
``320505********1234``. Values of fields graded core or important are never
shown: "(withheld: important)". When two departments' values are compared, the
more sensitive of the two fields' grades applies to both values (就高从严), and the other
department's value is shown only where an agreement of the listing department returns
that field unmasked: a quality report is no way around the exchange.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from govbridge.core.masking import keep

DIMENSIONS: tuple[str, ...] = (
    "completeness",
    "validity",
    "uniqueness",
    "timeliness",
    "consistency",
)
WEIGHTS: dict[str, float] = {
    "validity": 0.30,
    "completeness": 0.25,
    "consistency": 0.20,
    "uniqueness": 0.15,
    "timeliness": 0.10,
}
FREQUENCY_WINDOWS: dict[str, timedelta | None] = {
    "realtime": timedelta(hours=1),
    "daily": timedelta(days=1),
    "weekly": timedelta(days=7),
    "monthly": timedelta(days=31),
    "quarterly": timedelta(days=92),
    "yearly": timedelta(days=366),
    "irregular": None,
}
# Timeliness reaches 0 at this many windows.
STALE_AFTER_WINDOWS = 3
REQUIRED_WEIGHT = 2
OPTIONAL_WEIGHT = 1
# Grades whose values are never listed in clear.
WITHHELD_GRADES = frozenset({"core", "important"})
_SENSITIVITY = {"core": 6, "important": 5, "general-4": 4, "general-3": 3, "general-2": 2}
_ID_LIKE = re.compile(r"\d{15}|\d{17}[\dXx]")
_ID_INSIDE = re.compile(r"(?<![0-9])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


# --- cells -----------------------------------------------------------------------------------


def is_filled(value: Any) -> bool:
    """Whether a cell holds something: not absent, not None, not blank text."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    return not (isinstance(value, (list, dict)) and not value)


# --- completeness ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldRule:
    """What completeness needs to know of a published field."""

    name: str
    required: bool = False

    @property
    def weight(self) -> int:
        return REQUIRED_WEIGHT if self.required else OPTIONAL_WEIGHT


def missing_fields(data: Mapping[str, Any], fields: Sequence[FieldRule]) -> list[str]:
    """Names of the fields a record leaves empty, in schema order."""
    return [f.name for f in fields if not is_filled(data.get(f.name))]


@dataclass
class Completeness:
    """Streaming tally of filled cells against expected cells over current records."""

    fields: Sequence[FieldRule]
    records: int = 0
    incomplete: int = 0
    filled_weight: int = 0
    expected_weight: int = 0
    missing_by_field: dict[str, int] = field(default_factory=dict)

    def add(self, data: Mapping[str, Any]) -> list[str]:
        """Count one record; return the fields it is missing."""
        missing = missing_fields(data, self.fields)
        per_record = sum(f.weight for f in self.fields)
        lost = sum(f.weight for f in self.fields if f.name in missing)
        self.records += 1
        self.expected_weight += per_record
        self.filled_weight += per_record - lost
        if missing:
            self.incomplete += 1
            for name in missing:
                self.missing_by_field[name] = self.missing_by_field.get(name, 0) + 1
        return missing

    def score(self) -> float:
        return ratio(self.filled_weight, self.expected_weight)

    def details(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "incomplete_records": self.incomplete,
            "filled_weight": self.filled_weight,
            "expected_weight": self.expected_weight,
            "missing_by_field": dict(self.missing_by_field),
        }


def completeness(records: Iterable[Mapping[str, Any]], fields: Sequence[FieldRule]) -> float:
    """Completeness of some records at once (the tally, for callers holding a list)."""
    tally = Completeness(fields)
    for data in records:
        tally.add(data)
    return tally.score()


# --- validity, uniqueness, timeliness --------------------------------------------------------


def ratio(part: int, whole: int) -> float:
    """part / whole clamped to 0..1; 0 when there is no whole."""
    if whole <= 0:
        return 0.0
    return min(1.0, max(0.0, part / whole))


def validity(accepted: int, rejected: int, resolved: int = 0) -> float:
    """(accepted + resolved) / (accepted + rejected); resolved rejects count as valid."""
    if min(accepted, rejected, resolved) < 0:
        raise ValueError("row counts cannot be negative")
    return ratio(accepted + min(resolved, rejected), accepted + rejected)


def duplicate_surplus(group_sizes: Iterable[int]) -> int:
    """Records beyond the first of each group (groups of one add nothing)."""
    return sum(max(0, n - 1) for n in group_sizes)


def uniqueness(records: int, surplus: int) -> float:
    """(records - surplus) / records: the share of records that duplicate no other."""
    if records < 0 or surplus < 0:
        raise ValueError("counts cannot be negative")
    return ratio(records - min(surplus, records), records)


def frequency_window(frequency: str) -> timedelta | None:
    """The update window of a declared frequency (None for irregular)."""
    try:
        return FREQUENCY_WINDOWS[frequency]
    except KeyError:
        raise ValueError(f"unknown update frequency {frequency!r}") from None


def timeliness(frequency: str, newest: datetime | None, now: datetime) -> float:
    """1 within one window of the newest data, linearly down to 0 at three windows."""
    window = frequency_window(frequency)
    if newest is None:
        return 0.0
    if window is None:
        return 1.0
    age = now - newest
    if age <= window:
        return 1.0
    span = window * (STALE_AFTER_WINDOWS - 1)
    return max(0.0, 1.0 - (age - window) / span)


# --- consistency -----------------------------------------------------------------------------

_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
_NUMERIC_TYPES = frozenset({"integer", "int", "decimal", "number", "money", "float", "amount"})


def _as_date(text: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        return None


def normalise(value: Any, data_type: str | None = None) -> str | None:
    """A comparable form of a cell: None when empty; dates as ISO, numbers canonical.

    Text is stripped, inner whitespace (including the ideographic space) collapsed,
    and upper-cased, so "1101...002x" and "1101...002X" agree.
    """
    if not is_filled(value):
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = " ".join(str(value).replace("\u3000", " ").split())
    kind = (data_type or "").lower()
    if kind == "date":
        parsed = _as_date(text)
        if parsed is not None:
            return parsed.isoformat()
    elif kind in _NUMERIC_TYPES or isinstance(value, (int, float, Decimal)):
        try:
            number = Decimal(text)
        except InvalidOperation:
            pass
        else:
            if number.is_finite():
                return format(number.normalize(), "f")
    return text.upper()


def compare(
    ours: Iterable[Any], theirs: Iterable[Any], data_type: str | None = None
) -> bool | None:
    """Whether two departments hold the same values for a subject; None if one holds none."""
    mine = {v for v in (normalise(x, data_type) for x in ours) if v is not None}
    other = {v for v in (normalise(x, data_type) for x in theirs) if v is not None}
    if not mine or not other:
        return None
    return mine == other


def matching_fields(
    ours: Sequence[Mapping[str, Any]],
    our_subject: str | None,
    theirs: Sequence[Mapping[str, Any]],
    their_subject: str | None,
) -> list[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """Pairs of fields (ours, theirs) bound to the same data element, to be compared.

    The subject fields are left out (they are what the records are joined on).
    When one side binds an element to several fields, only fields of the same
    name are paired, since the element alone cannot tell them apart.
    """

    def by_element(fields: Sequence[Mapping[str, Any]], subject: str | None) -> dict:
        grouped: dict[str, list[Mapping[str, Any]]] = {}
        for f in fields:
            if f["name"] != subject and f.get("element"):
                grouped.setdefault(f["element"], []).append(f)
        return grouped

    mine, other = by_element(ours, our_subject), by_element(theirs, their_subject)
    pairs: list[tuple[Mapping[str, Any], Mapping[str, Any]]] = []
    for element, candidates in mine.items():
        counterparts = other.get(element, [])
        if len(candidates) == 1 and len(counterparts) == 1:
            pairs.append((candidates[0], counterparts[0]))
            continue
        for f in candidates:
            pairs += [(f, g) for g in counterparts if g["name"] == f["name"]]
    return pairs


@dataclass
class Agreement:
    """Streaming tally of comparisons between two departments' values."""

    comparisons: int = 0
    agreements: int = 0

    def add(self, agreed: bool | None) -> None:
        if agreed is None:
            return
        self.comparisons += 1
        self.agreements += int(agreed)

    def merge(self, other: Agreement) -> None:
        self.comparisons += other.comparisons
        self.agreements += other.agreements

    def score(self) -> float | None:
        if self.comparisons == 0:
            return None
        return self.agreements / self.comparisons


def consistency(outcomes: Iterable[bool | None]) -> float | None:
    """agreeing / comparisons over outcomes of `compare`; None when nothing was compared."""
    tally = Agreement()
    for agreed in outcomes:
        tally.add(agreed)
    return tally.score()


# --- overall ---------------------------------------------------------------------------------


def overall(scores: Mapping[str, float | None]) -> float:
    """Weighted mean of the dimensions present, weights renormalised over them."""
    unknown = set(scores) - set(WEIGHTS)
    if unknown:
        raise ValueError(f"unknown dimension(s): {', '.join(sorted(unknown))}")
    present = {d: s for d, s in scores.items() if s is not None}
    if not present:
        raise ValueError("no dimension has a score")
    for d, s in present.items():
        if not 0.0 <= s <= 1.0:
            raise ValueError(f"{d} score {s} is outside 0..1")
    total = sum(WEIGHTS[d] for d in present)
    mean = sum(WEIGHTS[d] * s for d, s in present.items()) / total
    # Keep float rounding from stepping outside the dimensions' own range.
    return min(max(mean, min(present.values())), max(present.values()))


# --- listings --------------------------------------------------------------------------------


def looks_like_citizen_id(value: str) -> bool:
    """15 digits, or 17 digits and a digit or X (checksum not checked: bad IDs are IDs too)."""
    return _ID_LIKE.fullmatch("".join(value.split())) is not None


def mask_id(value: str) -> str:
    """First 6 and last 4 characters, the rest as '*': 320505********1234."""
    return keep("".join(value.split()), 6, 4)


def scrub(text: str) -> str:
    """Free text (a rule's reason) with any citizen ID inside it masked."""
    return _ID_INSIDE.sub(lambda m: mask_id(m.group(0)), text)


def redact(text: str, values: Iterable[Any], marker: str) -> str:
    """Free text with every occurrence of the given (filled) values replaced by `marker`,
    longest value first (so a value containing another is replaced whole)."""
    found = sorted({str(v).strip() for v in values if is_filled(v)}, key=len, reverse=True)
    if not found:
        return text
    return re.sub("|".join(map(re.escape, found)), lambda _: marker, text)


def mask_subject(value: str | None, subject_type: str) -> str | None:
    """How a subject appears in listings: a person's ID masked, a company's code in clear."""
    if value is None:
        return None
    if subject_type == "person" or looks_like_citizen_id(value):
        return mask_id(value)
    return value


def stricter_grade(*grades: str | None) -> str | None:
    """The most sensitive of some grades (就高从严); unknown grades rank lowest."""
    known = [g for g in grades if g]
    if not known:
        return None
    return max(known, key=lambda g: _SENSITIVITY.get(g, 1))


def shown_value(value: Any, grade: str | None) -> str | None:
    """A cell as it may appear in a listing: withheld by grade, citizen IDs masked."""
    if grade in WITHHELD_GRADES:
        return f"(withheld: {grade})"
    if not is_filled(value):
        return None
    text = str(value)
    if looks_like_citizen_id(text):
        return mask_id(text)
    return text
