"""Login throttling per client address instead of account lockout (issue 11, finding 7 d).

Nobody can lock `admin` out from their own address, and no answer tells whether a
name exists: unknown names, wrong passwords and throttled attempts look alike.
"""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest

from govbridge.core.errors import AuthenticationFailed, InvalidInput, Throttled
from govbridge.core.permissions import Role
from govbridge.identity import auth, throttle
from govbridge.runtime import Runtime
from support import PASSWORD

SECRET = pyotp.random_base32(32)
WRONG = "Wrong-Password-123"
ATTACKER = "203.0.113.9"
HOME = "198.51.100.7"


def login(rt, username, password=PASSWORD, code=None, address=HOME):
    with rt.context() as ctx:
        return auth.login(ctx, username, password, code, client_address=address)


def answer(rt, username, password=WRONG, address=ATTACKER):
    """What a failed attempt tells the caller: (error class, status, detail, extensions)."""
    with pytest.raises((AuthenticationFailed, Throttled)) as exc:
        login(rt, username, password, address=address)
    e = exc.value
    return type(e).__name__, e.status, e.detail, e.extensions()


def test_an_attacker_cannot_lock_the_admin_out(rt, make_org, make_user, clock):
    make_user("admin", [Role.BUREAU_ADMIN], org=make_org(), totp_secret=SECRET)
    for _ in range(throttle.ADDRESS_LIMIT + 5):
        with pytest.raises((AuthenticationFailed, Throttled)):
            login(rt, "admin", WRONG, address=ATTACKER)
    assert login(rt, "admin", address=HOME).second_factor == "verify"
    result = login(rt, "admin", code=pyotp.TOTP(SECRET).at(clock[0]), address=HOME)
    assert result.second_factor == "none"


def test_unknown_names_and_wrong_passwords_answer_alike_up_to_and_into_the_throttle(
        rt, make_org, make_user, clock):
    make_user("clerk", [Role.CLERK], org=make_org())
    for _ in range(throttle.PAIR_LIMIT):
        assert answer(rt, "clerk") == answer(rt, "ghost")
    throttled_known, throttled_unknown = answer(rt, "clerk"), answer(rt, "ghost")
    assert throttled_known == throttled_unknown
    assert throttled_known[:2] == ("Throttled", 429)
    # The right password does not get through the throttle, and says nothing different.
    assert answer(rt, "clerk", PASSWORD) == throttled_unknown


def test_inactive_account_with_the_right_password_answers_like_a_wrong_one(
        rt, operator, make_org, make_user):
    from govbridge.identity import users

    make_user("clerk", [Role.CLERK], org=make_org())
    with rt.context() as ctx:
        users.set_active(ctx, operator, "clerk", False)
    assert answer(rt, "clerk", PASSWORD) == answer(rt, "ghost", PASSWORD)


def test_throttled_pair_says_when_to_retry_and_other_addresses_are_unaffected(
        rt, make_org, make_user, clock):
    make_user("clerk", [Role.CLERK], org=make_org())
    for _ in range(throttle.PAIR_LIMIT):
        with pytest.raises(AuthenticationFailed):
            login(rt, "clerk", WRONG, address=ATTACKER)
    with pytest.raises(Throttled) as exc:
        login(rt, "clerk", address=ATTACKER)
    window = int(throttle.WINDOW.total_seconds())
    assert 0 < exc.value.retry_after <= window
    assert exc.value.extensions() == {"retry_after": exc.value.retry_after}
    assert login(rt, "clerk", address=HOME).second_factor == "none"
    clock[0] += timedelta(seconds=exc.value.retry_after)
    assert login(rt, "clerk", address=ATTACKER).second_factor == "none"


def test_one_address_trying_many_names_is_throttled(rt, make_org, make_user, clock):
    make_user("clerk", [Role.CLERK], org=make_org())
    for n in range(throttle.ADDRESS_LIMIT):
        with pytest.raises(AuthenticationFailed):
            login(rt, f"guess{n}", WRONG, address=ATTACKER)
    with pytest.raises(Throttled):
        login(rt, "clerk", address=ATTACKER)
    assert login(rt, "clerk", address=HOME).second_factor == "none"


def test_a_success_clears_that_names_failures_from_that_address(rt, make_org, make_user, clock):
    make_user("clerk", [Role.CLERK], org=make_org())
    for _ in range(2):
        for _ in range(throttle.PAIR_LIMIT - 1):
            with pytest.raises(AuthenticationFailed):
                login(rt, "clerk", WRONG)
        assert login(rt, "clerk").second_factor == "none"


def test_the_throttle_holds_across_processes(rt, settings, make_org, make_user, clock):
    make_user("clerk", [Role.CLERK], org=make_org())
    for _ in range(throttle.PAIR_LIMIT):
        with pytest.raises(AuthenticationFailed):
            login(rt, "clerk", WRONG, address=ATTACKER)
    other = Runtime(settings)  # its own engine and connection pool, as another process has
    other.clock = rt.clock
    try:
        with pytest.raises(Throttled):
            login(other, "clerk", address=ATTACKER)
    finally:
        other.dispose()


def test_failures_are_stored_keyed_never_as_names_or_addresses(rt, make_org, make_user, clock):
    from sqlalchemy import select

    from govbridge.identity.models import LoginFailure

    with pytest.raises(AuthenticationFailed):
        login(rt, "Correct-Horse-typed-as-name", WRONG, address=ATTACKER)
    with rt.context() as ctx:
        keys = list(ctx.db.scalars(select(LoginFailure.key_hash)))
    assert len(keys) == 2
    assert all(ATTACKER not in k and "horse" not in k.lower() for k in keys)


def test_wrong_codes_end_a_half_open_totp_login(rt, make_org, make_user, clock):
    make_user("admin3", [Role.BUREAU_ADMIN], org=make_org(), totp_secret=SECRET)
    half_open = login(rt, "admin3", address=ATTACKER)
    # Sent from many addresses, so no address is throttled: the session itself ends.
    for n in range(auth.MAX_CODE_FAILURES):
        with rt.context() as ctx, pytest.raises(InvalidInput):
            auth.verify_second_factor(ctx, half_open.session_token, "000000",
                                      client_address=f"203.0.113.{n + 20}")
    with rt.context() as ctx, pytest.raises(AuthenticationFailed) as exc:
        auth.verify_second_factor(ctx, half_open.session_token,
                                  pyotp.TOTP(SECRET).at(clock[0]), client_address=HOME)
    assert exc.value.reason == "session"
    # The admin is not locked out: the password step works at once from their address.
    assert login(rt, "admin3").second_factor == "verify"


def test_wrong_codes_count_against_the_address_and_name(rt, make_org, make_user, clock):
    make_user("admin4", [Role.BUREAU_ADMIN], org=make_org(), totp_secret=SECRET)
    for _ in range(throttle.PAIR_LIMIT):
        half_open = login(rt, "admin4", address=ATTACKER)  # the password is known
        with rt.context() as ctx, pytest.raises(InvalidInput):
            auth.verify_second_factor(ctx, half_open.session_token, "000000",
                                      client_address=ATTACKER)
    with pytest.raises(Throttled):
        login(rt, "admin4", address=ATTACKER)
    assert login(rt, "admin4", address=HOME).second_factor == "verify"


def test_wrong_codes_in_one_step_logins_are_throttled_too(rt, make_org, make_user, clock):
    make_user("auditor", [Role.AUDITOR], org=make_org(), totp_secret=SECRET)
    for _ in range(throttle.PAIR_LIMIT):
        with pytest.raises(InvalidInput):
            login(rt, "auditor", code="000000", address=ATTACKER)
    with pytest.raises(Throttled):
        login(rt, "auditor", code=pyotp.TOTP(SECRET).at(clock[0]), address=ATTACKER)
