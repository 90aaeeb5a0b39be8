"""The password rule: length bounds, no user name inside, and zxcvbn strength of at least 3."""

from __future__ import annotations

from collections.abc import Sequence

from zxcvbn import zxcvbn

from govbridge.core.errors import FieldProblem, InvalidInput

MIN_LENGTH = 12
MAX_LENGTH = 256
MIN_SCORE = 3
# zxcvbn's own default limit: its matching grows steeply with length (about 60 ms at 72
# random characters, over 20 s at 256), so only this prefix is scored. A longer password
# whose first 72 characters are strong is strong.
SCORED_PREFIX = 72
# A user name shorter than this is not looked for inside the password ("li" is in too much).
_MIN_USERNAME_MATCH = 3

FIELD = "password"


def check_password(password: str, *, username: str = "", other_inputs: Sequence[str] = ()) -> None:
    """Raise `InvalidInput` on field "password" unless the password is acceptable.

    Codes: `too_short`, `too_long`, `contains_username`, `weak` (zxcvbn score below 3;
    the reason carries zxcvbn's feedback). Every problem found is reported; no problem
    ever carries the password (its `value` is None).
    """
    problems: list[FieldProblem] = []
    length = len(password)
    if length < MIN_LENGTH:
        problems.append(_problem(f"must be at least {MIN_LENGTH} characters", "too_short"))
    elif length > MAX_LENGTH:
        problems.append(_problem(f"must be at most {MAX_LENGTH} characters", "too_long"))
    name = username.strip().casefold()
    if len(name) >= _MIN_USERNAME_MATCH and name in password.casefold():
        problems.append(_problem("must not contain the user name", "contains_username"))
    if 0 < length <= MAX_LENGTH:  # zxcvbn fails on an empty string
        weak = _weakness(password, [username, *other_inputs])
        if weak is not None:
            problems.append(_problem(weak, "weak"))
    if problems:
        raise InvalidInput(problems)


def _weakness(password: str, user_inputs: list[str]) -> str | None:
    """Why zxcvbn finds the password too easy to guess, or None when it is strong enough."""
    hints = [s for s in user_inputs if isinstance(s, str) and s.strip()]
    result = zxcvbn(password[:SCORED_PREFIX], user_inputs=hints)
    if result["score"] >= MIN_SCORE:
        return None
    feedback = result.get("feedback") or {}
    parts = [feedback.get("warning") or "", *(feedback.get("suggestions") or [])]
    advice = " ".join(p.strip() for p in parts if p and p.strip())
    reason = f"too easy to guess (strength {result['score']} of 4, need {MIN_SCORE})"
    if advice:
        reason += f": {advice}"
    # zxcvbn's feedback is fixed text, but never let a reason echo the secret.
    if password and password.casefold() in reason.casefold():
        return f"too easy to guess (strength {result['score']} of 4, need {MIN_SCORE})"
    return reason


def _problem(reason: str, code: str) -> FieldProblem:
    return FieldProblem(field=FIELD, reason=reason, value=None, code=code)
