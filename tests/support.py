"""Helpers shared by tests (importable as `support`; fixtures live in conftest.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from stdnum.cn import uscc

IN_CI = os.environ.get("CI") == "true"
PASSWORD = "Correct-Horse-Battery-47"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def need(condition: bool, reason: str) -> None:
    """Skip outside CI when a real service is missing; fail in CI (CI=true)."""
    if not condition:
        if IN_CI:
            pytest.fail(f"required in CI: {reason}")
        pytest.skip(reason)


def committed(rt: Any, entry: Any, *subject_ids: str) -> list[str]:
    """How a ledger entry (its text or parsed) names these subjects: their commitments
    under the entry's own salt and the current subject key (ledger.commitments)."""
    import json

    from govbridge.ledger import commitments

    parsed = json.loads(entry) if isinstance(entry, str) else entry
    salt = commitments.entry_salt(parsed)
    assert salt is not None, "the entry names no subjects"
    with rt.context() as ctx:
        key = commitments.current_key(ctx)
    return [key.commit(salt, s) for s in subject_ids]


def credit_code(body: str) -> str:
    """A valid credit code from its first 17 characters."""
    return body + uscc.calc_check_digit(body)


ORG_CODES = [credit_code(f"113205000{n:08d}") for n in range(1, 30)]


def free_slots_while_called(monkeypatch: pytest.MonkeyPatch, gate: Any, owner: object,
                            name: str) -> list[int]:
    """Watch `owner.name` (the real function still runs): the exchange slots `gate` has free
    at each call, in a list that fills as the calls happen."""
    seen: list[int] = []
    real = getattr(owner, name)

    def watched(*args: Any, **kwargs: Any) -> Any:
        seen.append(gate.free())
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, watched)
    return seen


@dataclass(frozen=True)
class Login:
    """Whom a test logs in as: an account made with the shared test password."""

    username: str
    password: str = PASSWORD
    totp_secret: str | None = None


def log_out(page: Any) -> None:
    """Sign a browser page out through the menu."""
    page.click("[data-testid=logout]")
    page.wait_for_url("**/login?notice=signed_out")
