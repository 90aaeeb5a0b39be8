"""Alert rules written as data, not code: what a rule is and whether it may run (no I/O).

A rule is one or two conditions over readings of stream datasets, and what to say when
it fires (CAP 1.2 category, event, urgency, severity, certainty, headline, instruction).
One condition reads one numeric field of one dataset, per station:

- threshold: the reading itself (`agg = "last"`), e.g. a river level ≥ 4.2 m;
- rate of change: `agg = "rise"`, the newest value minus the oldest one within
  `window_minutes`, e.g. a river rising ≥ 0.3 m within 60 minutes;
- sliding-window aggregate: `agg` sum / max / min / avg over `window_minutes`, e.g. 3-hour
  rainfall > 50 mm (`sum`, 180 minutes, `>`, 50);
and compares it with a constant (`value`) or with another field of the same reading less
an offset (`ref_field`, `offset`: a level within 0.5 m of the warning level is
`water_level_m >= warning_level_m - 0.5`).

Two conditions make a join: both true in the same district within `join_minutes` of
each other by event time (rain high AND a river near its warning level).

A rule must terminate and hold bounded state, so: every window and the join have a
finite size of at most `MAX_WINDOW_MINUTES` (7 days); an aggregate without a window is
refused ("an unbounded window never closes"); the hold-down time is at most 7 days.
Bounds are finite numbers: a NaN bound never fires (a dead rule that looks live) and
-Infinity fires on every reading, so both are refused with the field named.
A rule naming a field its dataset does not publish, or one that is not numeric, is
refused at creation (`field_problems`, given the datasets' published fields).
Readings carry their station in `STATION_FIELD` and their event time in `TIME_FIELD`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from govbridge.core.errors import FieldProblem
from govbridge.core.inputs import NO_CONTROLS

STATION_FIELD = "station_code"
TIME_FIELD = "observed_at"
NUMERIC_TYPES = frozenset({"decimal", "integer"})
MAX_WINDOW_MINUTES = 7 * 24 * 60
MAX_HOLD_DOWN_MINUTES = 7 * 24 * 60

Agg = Literal["last", "rise", "sum", "max", "min", "avg"]
Op = Literal[">", ">=", "<", "<="]
Urgency = Literal["Immediate", "Expected", "Future", "Past", "Unknown"]
Severity = Literal["Extreme", "Severe", "Moderate", "Minor", "Unknown"]
Certainty = Literal["Observed", "Likely", "Possible", "Unlikely", "Unknown"]
Category = Literal["Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env",
                   "Transport", "Infra", "CBRNE", "Other"]


def _xml_char(ch: str) -> bool:
    """XML 1.0's Char production (the controls NO_CONTROLS refuses are already gone)."""
    o = ord(ch)
    if ch in "\t\n\r":
        return True
    return o >= 0x20 and not 0xD800 <= o <= 0xDFFF and o not in (0xFFFE, 0xFFFF)


def _xml_text(value: str) -> str:
    for i, ch in enumerate(value):
        if not _xml_char(ch):
            raise PydanticCustomError(
                "xml_character", "character U+{code} at position {position} cannot be "
                "carried by a CAP (XML) alert", {"code": f"{ord(ch):04X}", "position": i})
    return value


# Words that go into a CAP alert: lxml refuses U+FFFE, U+FFFF and lone surrogates, which
# NO_CONTROLS lets through; at firing time that raised in every consumer run.
XML_TEXT = AfterValidator(_xml_text)
Text = Annotated[str, Field(min_length=1, max_length=500), NO_CONTROLS, XML_TEXT]


class Condition(BaseModel):
    """One field of one dataset, aggregated per station, compared with a bound."""

    model_config = ConfigDict(extra="forbid")

    dataset: str = Field(min_length=3, max_length=40,
                         description="resource code of a stream dataset")
    field: str = Field(min_length=1, max_length=64)
    agg: Agg = "last"
    window_minutes: int | None = Field(default=None, ge=1,
                                       description="sliding window (rise / sum / max / min / avg)")
    op: Op
    value: float | None = Field(default=None, allow_inf_nan=False,
                                description="the bound, or the offset base")
    ref_field: str | None = Field(default=None, max_length=64,
                                  description="compare with this field of the same reading")
    offset: float = Field(default=0.0, allow_inf_nan=False,
                          description="bound = ref_field - offset")

    def bound(self, ref: float | None) -> float | None:
        if self.ref_field is not None:
            return None if ref is None else ref - self.offset
        return self.value


class RuleIn(BaseModel):
    """What a bureau writes to define (or version) a rule."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[a-z][a-z0-9-]{2,39}$")
    name: Text
    issuer_code: str = Field(min_length=18, max_length=18, description="credit code of "
                             "the department whose seal issues the alert")
    when: list[Condition] = Field(min_length=1, max_length=2)
    join_minutes: int | None = Field(default=None, ge=1)
    hold_down_minutes: int = Field(default=60, ge=0)
    category: Category = "Met"
    event: Text
    urgency: Urgency = "Expected"
    severity: Severity = "Moderate"
    certainty: Certainty = "Likely"
    headline: Text
    instruction: Text
    plan: str | None = Field(default=None, max_length=40,
                             description="response plan (预案) an incident opened by it proposes")
    auto_dispatch: bool = Field(default=False, description="dispatch the plan as soon as the "
                                "rule opens an incident (a pre-agreed response level)")


def kind_of(rule: RuleIn) -> str:
    """threshold | rate | window | join: how a person would call the rule."""
    if len(rule.when) == 2:
        return "join"
    agg = rule.when[0].agg
    return "threshold" if agg == "last" else "rate" if agg == "rise" else "window"


def shape_problems(rule: RuleIn) -> list[FieldProblem]:
    """Everything that would make the rule unbounded or meaningless, each naming its field."""
    out: list[FieldProblem] = []
    for i, c in enumerate(rule.when):
        where = f"when[{i}]"
        if c.agg != "last" and c.window_minutes is None:
            out.append(FieldProblem(
                f"{where}.window_minutes", f"a {c.agg} needs a finite window: an unbounded "
                "window never closes, so the rule would never terminate", None, "unbounded"))
        if c.window_minutes is not None and c.window_minutes > MAX_WINDOW_MINUTES:
            out.append(FieldProblem(
                f"{where}.window_minutes", f"at most {MAX_WINDOW_MINUTES} minutes (7 days): "
                "state must stay bounded", str(c.window_minutes), "unbounded"))
        if c.agg == "last" and c.window_minutes is not None:
            out.append(FieldProblem(f"{where}.window_minutes",
                                    "a threshold on the reading itself takes no window",
                                    str(c.window_minutes), "invalid"))
        if c.value is None and c.ref_field is None:
            out.append(FieldProblem(f"{where}.value", "give a value or a ref_field to "
                                    "compare with", None, "required"))
        if c.ref_field is not None and c.agg != "last":
            out.append(FieldProblem(f"{where}.ref_field", "a reference field compares one "
                                    "reading: use it with agg \"last\"", c.ref_field, "invalid"))
    if len(rule.when) == 2:
        if rule.join_minutes is None:
            out.append(FieldProblem("join_minutes", "a join of two streams needs a finite "
                                    "time window: an unbounded join never terminates", None,
                                    "unbounded"))
        elif rule.join_minutes > MAX_WINDOW_MINUTES:
            out.append(FieldProblem("join_minutes", f"at most {MAX_WINDOW_MINUTES} minutes",
                                    str(rule.join_minutes), "unbounded"))
    elif rule.join_minutes is not None:
        out.append(FieldProblem("join_minutes", "only a rule of two conditions joins",
                                str(rule.join_minutes), "invalid"))
    if rule.hold_down_minutes > MAX_HOLD_DOWN_MINUTES:
        out.append(FieldProblem("hold_down_minutes", f"at most {MAX_HOLD_DOWN_MINUTES} minutes",
                                str(rule.hold_down_minutes), "too_large"))
    return out


def field_problems(rule: RuleIn, published: Mapping[str, Mapping[str, str] | None]
                   ) -> list[FieldProblem]:
    """Problems with the datasets and fields a rule reads.

    `published`: resource code → {field name: data type} of its published version, or
    None for a dataset that does not exist or takes no data.
    """
    out: list[FieldProblem] = []
    for i, c in enumerate(rule.when):
        where = f"when[{i}]"
        fields = published.get(c.dataset)
        if fields is None:
            out.append(FieldProblem(f"{where}.dataset", "no published dataset with this "
                                    "resource code", c.dataset, "not_found"))
            continue
        for required in (STATION_FIELD, TIME_FIELD):
            if required not in fields:
                out.append(FieldProblem(f"{where}.dataset", f"a stream of readings needs a "
                                        f"{required} field; this dataset has none", c.dataset,
                                        "not_a_stream"))
        for name, what in ((c.field, "field"), (c.ref_field, "ref_field")):
            if name is None:
                continue
            if name not in fields:
                out.append(FieldProblem(f"{where}.{what}", f"dataset {c.dataset} has no field "
                                        f"{name}", name, "missing_field"))
            elif fields[name] not in NUMERIC_TYPES:
                out.append(FieldProblem(f"{where}.{what}", f"field {name} is {fields[name]}, "
                                        "not a number", name, "not_numeric"))
    return out


def compare(op: Op, left: float, right: float) -> bool:
    if op == ">":
        return left > right
    if op == ">=":
        return left >= right
    if op == "<":
        return left < right
    return left <= right
