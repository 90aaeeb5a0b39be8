"""The password rule: every code, and the password never shown back."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govbridge.core.errors import InvalidInput
from govbridge.core.password_policy import MAX_LENGTH, MIN_LENGTH, check_password


def _codes(password: str, **kwargs: object) -> list[str]:
    with pytest.raises(InvalidInput) as exc:
        check_password(password, **kwargs)  # type: ignore[arg-type]
    error = exc.value
    assert all(p.field == "password" and p.value is None for p in error.problems)
    if password:
        assert password not in str(error)
        assert all(password not in p.reason for p in error.problems)
    assert all("value" not in p.as_dict() for p in error.problems)
    return [p.code for p in error.problems]


@pytest.mark.parametrize(
    "password",
    ["Correct-Horse-Battery-47", "correct horse battery staple", "我的猫叫小花它三岁了喜欢晒太阳"],
)
def test_strong_passphrases_pass(password: str) -> None:
    check_password(password, username="clerk.li", other_inputs=["李窗口"])


def test_min_length_constant() -> None:
    assert MIN_LENGTH == 12


@pytest.mark.parametrize("password", ["password1234", "aaaaaaaaaaaa", "qwertyuiop12"])
def test_weak_passwords_are_rejected_with_zxcvbn_feedback(password: str) -> None:
    assert _codes(password) == ["weak"]
    with pytest.raises(InvalidInput) as exc:
        check_password(password)
    reason = exc.value.problems[0].reason
    assert "too easy to guess" in reason and "need 3" in reason


def test_common_password_names_zxcvbn_warning() -> None:
    with pytest.raises(InvalidInput) as exc:
        check_password("password1234")
    assert "This is a very common password." in exc.value.problems[0].reason


def test_too_short() -> None:
    assert _codes("Xk#9vq")[0] == "too_short"
    assert _codes("")[0] == "too_short"
    with pytest.raises(InvalidInput) as exc:
        check_password("Xk#9vq")
    assert "at least 12 characters" in exc.value.problems[0].reason


def test_too_long() -> None:
    assert _codes("Zq7!" * 65) == ["too_long"]  # 260 characters
    check_password("correct horse battery staple " * 8 + "x" * (MAX_LENGTH - 232))  # exactly 256


def test_long_random_password_is_scored_quickly() -> None:
    """zxcvbn takes over 20 s on 256 random characters; only a prefix is scored."""
    check_password("".join(chr(33 + (i * 37) % 94) for i in range(MAX_LENGTH)))


@pytest.mark.parametrize(
    ("password", "username"),
    [
        ("zhangsan-Rocket-Lamp-93", "zhangsan"),
        ("Rocket-ZhangSan-Lamp-93", "ZhangSan"),
        ("Rocket-Lamp-93-ZHANGSAN", " zhangsan "),
    ],
)
def test_contains_username(password: str, username: str) -> None:
    assert _codes(password, username=username) == ["contains_username"]


def test_short_username_is_not_searched_for() -> None:
    check_password("Lighthouse-Velvet-Orbit-58", username="li")


def test_other_inputs_feed_the_strength_estimate() -> None:
    password = "zhaolei19880312"
    check_password(password)  # zxcvbn knows neither the name nor that it is a birthday
    assert _codes(password, other_inputs=["赵磊", "zhaolei", "19880312"]) == ["weak"]


def test_several_problems_are_reported_together() -> None:
    assert _codes("zhangsan", username="zhangsan") == ["too_short", "contains_username", "weak"]


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_password_never_appears_in_an_error(password: str) -> None:
    try:
        check_password(password, username="clerk.li")
    except InvalidInput as exc:
        assert all(p.value is None for p in exc.problems)
        # Reasons are ASCII; an ASCII password like "easy" could be in them by chance.
        if not password.isascii():
            assert password not in str(exc)
            assert all(password not in p.reason for p in exc.problems)
