"""Citizen IDs, credit codes, mobile numbers and division codes: examples and properties."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govbridge.core.errors import InvalidInput
from govbridge.core.identifiers import (
    CREDIT_CODE_ALPHABET,
    MOBILE_SEGMENTS,
    birth_date_of,
    citizen_id_check_char,
    credit_code_check_char,
    current_counties,
    division_name,
    sex_of,
    validate_citizen_id,
    validate_credit_code,
    validate_division_code,
    validate_mobile,
)

TODAY = date(2025, 6, 1)
ID_DIGITS = "0123456789"
# Characters no position of a credit code may hold (upper case: lower case is normalised).
OUTSIDE_CREDIT = "IOSVZ*"


def _id(first17: str) -> str:
    return first17 + citizen_id_check_char(first17)


def _code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


def _problem(exc: pytest.ExceptionInfo[InvalidInput], field: str, value: str, code: str) -> str:
    problem = exc.value.problems[0]
    assert (problem.field, problem.value, problem.code) == (field, value, code)
    assert field in str(exc.value) and value in str(exc.value)
    return problem.reason


# --- citizen ID: examples --------------------------------------------------------------------


@pytest.mark.parametrize("value", ["11010519491231002X", "360426199101010071"])
def test_known_citizen_ids_pass(value: str) -> None:
    assert validate_citizen_id(value) == value


def test_citizen_id_is_normalised() -> None:
    assert validate_citizen_id(" 110105 19491231 002x ") == "11010519491231002X"


def test_birth_date_and_sex() -> None:
    assert birth_date_of("11010519491231002X") == date(1949, 12, 31)
    assert sex_of("11010519491231002X") == "2"  # 17th digit 2: even
    assert sex_of("360426199101010071") == "1"  # 17th digit 7: odd
    with pytest.raises(InvalidInput):
        sex_of("11010519491231002")


def test_check_char_matches_the_design_note_formula() -> None:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    for first17 in ("11010519491231002", "36042619910101007", "32050820000229123"):
        r = sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11
        assert citizen_id_check_char(first17) == "10X98765432"[r]
    with pytest.raises(ValueError):
        citizen_id_check_char("1101051949123100A")


@pytest.mark.parametrize(
    ("value", "code", "fragment"),
    [
        ("1101051949123100", "length", "must be 18 characters, got 16"),
        ("11010519491231002XX", "length", "got 19"),
        ("11010519491231A02X", "format", "first 17 characters must be digits"),
        ("11010519491231002Y", "format", "last a digit or X"),
        ("１１0105194912310021", "format", "digits"),  # full-width digits are not digits here
        (_id("11010519990231002"), "date", "birth date 19990231 is not a real date"),
        (_id("11010520300101002"), "date", "birth date 20300101 is in the future"),
        (_id("11010518991231002"), "date", "before 1900"),
        (_id("32059919900101002"), "region", "unknown administrative division code '320599'"),
        # 崇文区 ([-2010]) was merged away before someone born in 2012 could be registered.
        (_id("11010320120101002"), "region", "'110103' (崇文区) was abolished after 2010"),
        ("110105194912310021", "checksum", "check character is '1' but should be 'X'"),
        ("360426199101010075", "checksum", "check character is '5' but should be '1'"),
    ],
)
def test_citizen_id_errors(value: str, code: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        validate_citizen_id(value, field="holder_id", today=TODAY)
    assert fragment in _problem(exc, "holder_id", value, code)


def test_citizen_id_default_field_and_date_today() -> None:
    tomorrow_born = _id("110105" + "20250602" + "002")
    with pytest.raises(InvalidInput) as exc:
        validate_citizen_id(tomorrow_born, today=TODAY)
    _problem(exc, "id_number", tomorrow_born, "date")
    assert validate_citizen_id(tomorrow_born, today=date(2025, 6, 2)) == tomorrow_born


def test_region_created_after_birth_is_accepted() -> None:
    """The region is where the ID was issued, often years after birth.

    stdnum's `ric.validate` insists the code existed in the birth year, which rejects
    e.g. a 1970-born resident of 常熟市 (320581, a code from 1989); we do not.
    """
    value = _id("32058119700101001")
    assert validate_citizen_id(value) == value
    from stdnum.cn import ric

    assert not ric.is_valid(value)


def test_non_string_is_rejected_not_crashed() -> None:
    for validate in (validate_citizen_id, validate_credit_code, validate_mobile):
        with pytest.raises(InvalidInput):
            validate(None)  # type: ignore[operator]
    with pytest.raises(InvalidInput):
        validate_division_code(None)  # type: ignore[arg-type]


# --- citizen ID: properties ------------------------------------------------------------------

ALL_COUNTIES = current_counties("")


@st.composite
def citizen_ids(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(ALL_COUNTIES))
    born = draw(st.dates(min_value=date(1920, 1, 1), max_value=date(2020, 12, 31)))
    sequence = draw(st.integers(0, 999))
    return _id(f"{region}{born:%Y%m%d}{sequence:03d}")


def _rejected(validate: object, value: str) -> bool:
    try:
        validate(value)  # type: ignore[operator]
    except InvalidInput:
        return True
    return False


@settings(max_examples=150, deadline=None)
@given(citizen_ids())
def test_generated_citizen_ids_pass(value: str) -> None:
    assert validate_citizen_id(value, today=TODAY) == value
    assert birth_date_of(value).strftime("%Y%m%d") == value[6:14]
    assert sex_of(value) == ("1" if int(value[16]) % 2 else "2")


@settings(max_examples=60, deadline=None)
@given(citizen_ids())
def test_every_single_substitution_in_a_citizen_id_is_rejected(value: str) -> None:
    for i, original in enumerate(value):
        allowed = ID_DIGITS + "X" if i == 17 else ID_DIGITS
        for other in allowed + "A*":
            if other != original:
                changed = value[:i] + other + value[i + 1 :]
                assert _rejected(validate_citizen_id, changed), (value, i, other)


@settings(max_examples=60, deadline=None)
@given(citizen_ids())
def test_every_adjacent_transposition_in_a_citizen_id_is_rejected(value: str) -> None:
    """MOD 11-2: neighbouring weights differ by a factor 2 mod 11, so swaps always show."""
    for i in range(17):
        if value[i] != value[i + 1]:
            swapped = value[:i] + value[i + 1] + value[i] + value[i + 2 :]
            assert _rejected(validate_citizen_id, swapped), (value, i)


# --- credit code: examples -------------------------------------------------------------------


@pytest.mark.parametrize("value", ["91350100M000100Y43", "91110000600037341L"])
def test_known_credit_codes_pass(value: str) -> None:
    assert validate_credit_code(value) == value


def test_credit_code_is_normalised() -> None:
    assert validate_credit_code(" 91110000 600037341l ") == "91110000600037341L"


def test_national_and_letter_authority_codes_pass() -> None:
    # Central authorities register with division 100000; authority codes may be letters
    # (stdnum's validate demands digits in positions 1-8 and would refuse these).
    for first17 in ("11100000000013127", "Y1320508MA1XXXXX0", "N2320508MA1PQ7K3R"):
        code = _code(first17)
        assert validate_credit_code(code) == code


@pytest.mark.parametrize(
    ("value", "code", "fragment"),
    [
        ("91110000600037341", "length", "must be 18 characters, got 17"),
        ("91110000600037341LL", "length", "got 19"),
        ("91110000600037I41L", "format", "character 'I' at position 15 is not allowed"),
        ("9111O000600037341L", "format", "character 'O' at position 5 must be a digit"),
        ("Z1110000600037341L", "format", "position 1"),
        ("91110000600037341#", "format", "position 18"),
        (_code("91999999600037341"), "region", "'999999' are not a known administrative"),
        ("91110000600037341K", "checksum", "check character is 'K' but should be 'L'"),
        ("91350100M000100Y44", "checksum", "should be '3'"),
    ],
)
def test_credit_code_errors(value: str, code: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        validate_credit_code(value, field="org_code")
    assert fragment in _problem(exc, "org_code", value, code)


def test_credit_code_default_field() -> None:
    with pytest.raises(InvalidInput) as exc:
        validate_credit_code("91110000600037341K")
    _problem(exc, "code", "91110000600037341K", "checksum")


def test_credit_code_check_char_matches_the_design_note_formula() -> None:
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    for first17 in ("91350100M000100Y4", "91110000600037341", "Y2320508ABCDEFGHJ"):
        total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, weights))
        assert credit_code_check_char(first17) == CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]
    with pytest.raises(ValueError):
        credit_code_check_char("9111000060003734I")


# --- credit code: properties -----------------------------------------------------------------

# Regions a credit code can carry: every table code is allowed; sample current ones and national.
CREDIT_REGIONS = [*ALL_COUNTIES, "100000", "110000", "320500"]


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    head = draw(st.text(CREDIT_CODE_ALPHABET, min_size=2, max_size=2))
    region = draw(st.sampled_from(CREDIT_REGIONS))
    body = draw(st.text(CREDIT_CODE_ALPHABET, min_size=9, max_size=9))
    return _code(head + region + body)


def _credit_alphabet(i: int) -> str:
    return ID_DIGITS if 2 <= i <= 7 else CREDIT_CODE_ALPHABET


@settings(max_examples=100, deadline=None)
@given(credit_codes())
def test_generated_credit_codes_pass(value: str) -> None:
    assert validate_credit_code(value) == value


@settings(max_examples=40, deadline=None)
@given(credit_codes())
def test_every_single_substitution_in_a_credit_code_is_rejected(value: str) -> None:
    """Weights are powers of 3 mod 31 (never 0) and 31 is prime: one changed character
    always changes the sum mod 31."""
    for i, original in enumerate(value):
        for other in _credit_alphabet(i) + OUTSIDE_CREDIT + "A":
            if other != original:
                changed = value[:i] + other + value[i + 1 :]
                assert _rejected(validate_credit_code, changed), (value, i, other)


@settings(max_examples=60, deadline=None)
@given(credit_codes())
def test_credit_code_transpositions(value: str) -> None:
    """What MOD 31 catches when two distinct characters trade places.

    A swap of positions i and j changes the sum by (a - b)(w_i - w_j) mod 31. The weights
    are 3^k mod 31 (k = 0..16) and the check character counts with weight 1 = 3^0, so
    every adjacent swap is caught (w_i = 3 w_{i+1} ≠ w_{i+1}), as is every other swap,
    except position 1 with position 18: both weigh 1, the checksum cannot see it.
    """
    for i in range(17):
        if value[i] != value[i + 1]:
            swapped = value[:i] + value[i + 1] + value[i] + value[i + 2 :]
            assert _rejected(validate_credit_code, swapped), (value, i)
    for i in range(18):
        for j in range(i + 1, 18):
            if value[i] == value[j] or (i, j) == (0, 17):
                continue
            swapped = list(value)
            swapped[i], swapped[j] = swapped[j], swapped[i]
            assert _rejected(validate_credit_code, "".join(swapped)), (value, i, j)
    # The blind spot: first and last character swapped keeps the checksum intact.
    blind = value[17] + value[1:17] + value[0]
    assert credit_code_check_char(blind[:17]) == blind[17]


def test_first_and_last_swap_is_the_documented_blind_spot() -> None:
    swapped = "L1110000600037341" + "9"  # from 91110000600037341L
    assert validate_credit_code(swapped) == swapped


# --- mobile ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["13812345678", "+86 138 1234 5678", "+86-138-1234-5678", "8613812345678", "0086 13812345678"],
)
def test_mobile_is_normalised(value: str) -> None:
    assert validate_mobile(value) == "13812345678"


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(MOBILE_SEGMENTS)), st.integers(0, 99_999_999), st.booleans())
def test_allocated_segments_pass(segment: str, rest: int, prefixed: bool) -> None:
    number = f"{segment}{rest:08d}"
    shown = f"+86 {number[:3]} {number[3:7]} {number[7:]}" if prefixed else number
    assert validate_mobile(shown) == number


@pytest.mark.parametrize(
    "segment", ["120", "125", "129", "140", "141", "144", "154", "160", "164", "179", "194"]
)
def test_unallocated_segments_fail(segment: str) -> None:
    value = f"+86 {segment}12345678"
    with pytest.raises(InvalidInput) as exc:
        validate_mobile(value)
    assert f"segment {segment}" in _problem(exc, "mobile", value, "prefix")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("138-1234-567", "length"),
        ("138123456789", "length"),
        ("1381234567a", "format"),
        ("(138)12345678", "format"),
        ("23812345678", "format"),
        ("+1 2025550123", "format"),
    ],
)
def test_mobile_errors(value: str, code: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        validate_mobile(value, field="contact")
    _problem(exc, "contact", value, code)


def test_every_segment_in_the_allocation_list() -> None:
    expected = {*range(130, 140), *range(145, 150), 150, 151, 152, 153, *range(155, 160)}
    expected |= {162, 165, 166, 167, *range(170, 179), *range(180, 190), 190, 191, 192, 193}
    expected |= {*range(195, 200)}
    assert {int(s) for s in MOBILE_SEGMENTS} == expected


# --- division codes --------------------------------------------------------------------------


def test_division_names() -> None:
    assert division_name("320508") == "江苏省苏州市姑苏区"
    assert division_name("110105") == "北京市朝阳区"  # 110100 市辖区 skipped
    assert division_name("500101") == "重庆市万州区"
    assert division_name("419001") == "河南省济源市"  # 419000 省直辖县级行政单位 skipped
    assert division_name("320500") == "江苏省苏州市"
    assert division_name("320000") == "江苏省"
    assert division_name("320501") == "江苏省苏州市市辖区"  # the row itself keeps its name
    assert division_name("810000") == "香港特别行政区"
    assert division_name("110103") == "北京市崇文区"  # abolished: its last name
    assert division_name("120110") == "天津市东丽区"
    assert division_name("120110", at_year=1990) == "天津市东郊区"


def test_current_counties_of_suzhou() -> None:
    suzhou = current_counties("3205")
    assert suzhou == sorted(suzhou)
    assert {"320505", "320506", "320507", "320508", "320509", "320581", "320585"} <= set(suzhou)
    assert "320501" not in suzhou  # 市辖区 placeholder
    assert "320502" not in suzhou  # 沧浪区, merged into 姑苏区 in 2012
    assert all(c.startswith("3205") and not c.endswith("00") for c in suzhou)
    beijing = current_counties("11")
    assert "110105" in beijing and "110103" not in beijing
    assert current_counties("3205") is not current_counties("3205")  # caller may mutate
    with pytest.raises(ValueError):
        current_counties("320")


def test_every_current_county_validates_and_has_a_name() -> None:
    for code in ALL_COUNTIES:
        assert validate_division_code(code, at_year=2025) == code
        assert len(division_name(code)) >= 3


@pytest.mark.parametrize(
    ("value", "at_year", "code", "fragment"),
    [
        ("32050", None, "format", "6 digits"),
        ("32050a", None, "format", "6 digits"),
        ("320599", None, "unknown", "unknown administrative division code '320599'"),
        ("110103", 2011, "unknown", "'110103' was not valid in 2011"),
        ("110111", 1985, "unknown", "not valid in 1985 (valid: 房山区 1986-)"),
    ],
)
def test_division_code_errors(value: str, at_year: int | None, code: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        validate_division_code(value, at_year=at_year)
    assert fragment in _problem(exc, "division_code", value, code)


def test_division_code_by_year() -> None:
    assert validate_division_code(" 110103 ", at_year=2010) == "110103"
    assert validate_division_code("110111", at_year=1986) == "110111"
    assert validate_division_code("110105", at_year=1950) == "110105"  # no years: always
