"""Typed inputs of the ledger's use cases and routes (their limits live here, checked for every
edge)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from govbridge.core.inputs import NO_CONTROLS

# The longest reason for starting a new epoch of subject commitments.
ROTATE_REASON_MAX = 500


class SubjectKeyRotateIn(BaseModel):
    """Why the data bureau starts a new epoch of subject commitments (kept in the audit
    trail)."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=1, max_length=ROTATE_REASON_MAX), NO_CONTROLS]


class CosignatureIn(BaseModel):
    """A witness's co-signature of a checkpoint, as a node relays it (the signature itself is
    checked against the department's seal by `checkpoints.record_cosignature`)."""

    model_config = ConfigDict(extra="forbid")

    organization_code: str = Field(min_length=18, max_length=18)
    key_id: str = Field(min_length=1, max_length=64)
    signature: str = Field(description="base64 signature over the checkpoint body")
