"""Typed inputs and results of the exchange gateway and of reviewing its flags."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from govbridge.core.inputs import NO_CONTROLS

MAX_SUBJECTS = 200
MAX_ROWS = 1000
# The longest note an auditor writes when closing a flag of unusual access.
NOTE_MAX = 2000


class PurposeIn(BaseModel):
    """What the call is for: a service item (its code, and the case it serves) or a legal
    basis (in words)."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["service_item", "legal_basis"]
    # Each goes into the ledger entry's purpose and the citizen's access log: no control
    # characters (an escape sequence would reach every page and terminal that shows them).
    code: Annotated[str | None, Field(default=None, max_length=64), NO_CONTROLS] = None
    case: Annotated[str | None, Field(default=None, max_length=40,
                                      description="the case (办件) a service-item read serves"),
                    NO_CONTROLS] = None
    text: Annotated[str | None, Field(default=None, max_length=2000), NO_CONTROLS] = None

    @model_validator(mode="after")
    def _named(self) -> PurposeIn:
        if self.kind == "service_item" and not (self.code or "").strip():
            raise ValueError("a service item purpose needs its code")
        if self.kind == "service_item" and not (self.case or "").strip():
            raise ValueError("a service item purpose names the case it serves (case)")
        if self.kind == "legal_basis" and self.case is not None:
            raise ValueError("a legal basis purpose names no case")
        if self.kind == "legal_basis" and not (self.text or "").strip():
            raise ValueError("a legal basis purpose needs its text")
        return self


class QueryIn(BaseModel):
    """Rows about given subjects, or rows whose fields equal given values, for a purpose."""

    model_config = ConfigDict(extra="forbid")
    subject_ids: list[str] | None = Field(default=None, max_length=MAX_SUBJECTS)
    filter: dict[str, str] | None = Field(default=None, max_length=5,
                                          description="field = value, all must hold")
    fields: list[str] | None = Field(default=None, max_length=300,
                                     description="default: every field the agreement grants")
    purpose: PurposeIn
    limit: int = Field(default=100, ge=1, le=MAX_ROWS)

    @model_validator(mode="after")
    def _one_way(self) -> QueryIn:
        if bool(self.subject_ids) == bool(self.filter):
            raise ValueError("give either subject_ids or filter")
        return self


class Receipt(BaseModel):
    """Where the access stands in the ledger, with everything needed to check it offline."""

    entry: str = Field(description="the ledger entry exactly as hashed (canonical JSON)")
    leafIdx: int  # camelCase: the proof document format of `ledger verify-proof`
    treeSize: int
    root: str
    leafHash: str
    proof: list[str]
    tree_head: dict[str, Any]
    ledger_certificate: str = Field(description="PEM of the key that signed the tree head")


class ExchangeResponse(BaseModel):
    """A sealed answer: the provider vouches for `sealed`; `data` is its payload, decoded."""

    sealed: str = Field(description="JWS compact serialization, signed by the provider's seal")
    data: dict[str, Any]
    receipt: Receipt


class FlagReviewIn(BaseModel):
    """An auditor closes a flag of unusual access: a false alarm, or a confirmed misuse."""

    model_config = ConfigDict(extra="forbid")

    verdict: Literal["dismissed", "confirmed"]
    note: Annotated[str, Field(min_length=1, max_length=NOTE_MAX), NO_CONTROLS]
