"""RFC 8785 canonical JSON: the RFC's own examples, our number and string rules, properties."""

from __future__ import annotations

import json
import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govbridge.seals.jcs import CanonicalizationError, canonical, number, parse

# RFC 8785 §3.2.2: the "numbers, string, literals" example.
RFC_INPUT = r"""{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"""
RFC_OUTPUT = (
    '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
    '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
)

# RFC 8785 §3.2.3: sorting by UTF-16 code units (the emoji sorts before U+FB33).
RFC_SORT_INPUT = r"""{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}"""
RFC_SORT_ORDER = ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]

# RFC 8785 Appendix B: IEEE 754 bit patterns and their ECMAScript serialization.
NUMBER_VECTORS = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


def test_rfc8785_example_3_2_2():
    assert canonical(json.loads(RFC_INPUT)).decode("utf-8") == RFC_OUTPUT


def test_rfc8785_sorting_example_3_2_3():
    out = canonical(json.loads(RFC_SORT_INPUT)).decode("utf-8")
    assert list(json.loads(out)) == RFC_SORT_ORDER
    assert out.startswith('{"\\r":"Carriage Return","1":"One","\u0080":"Control"')


@pytest.mark.parametrize(("bits", "expected"), NUMBER_VECTORS)
def test_rfc8785_number_vectors(bits, expected):
    value = struct.unpack(">d", bytes.fromhex(bits))[0]
    assert number(value) == expected


def test_integers_and_literals():
    assert canonical([0, -1, 2**53 - 1, -(2**53 - 1), True, False, None]) == (
        b"[0,-1,9007199254740991,-9007199254740991,true,false,null]"
    )
    assert canonical({"a": 1.0, "b": -0.0, "c": 1e21, "d": 1e20}) == (
        b'{"a":1,"b":0,"c":1e+21,"d":100000000000000000000}'
    )


@pytest.mark.parametrize(
    "bad",
    [float("nan"), float("inf"), -float("inf"), 2**53, -(2**53), {1: "x"}, b"bytes",
     {"s": "\ud800"}, object()],
)
def test_values_without_canonical_form_are_rejected(bad):
    with pytest.raises(CanonicalizationError):
        canonical(bad)


def test_error_names_the_path():
    with pytest.raises(CanonicalizationError) as exc:
        canonical({"rows": [{"n": float("nan")}]})
    assert exc.value.path == "$.rows[0].n"


def test_strings_escape_only_what_json_stringify_escapes():
    s = "\"\\\b\t\n\f\r\x00\x1f\x7f\u2028é中文/"
    assert canonical(s) == ('"\\"\\\\\\b\\t\\n\\f\\r\\u0000\\u001f\x7f\u2028é中文/"').encode()


def test_strict_parse_rejects_duplicates_and_nan():
    assert parse(b'{"a":[1,"x"]}') == {"a": [1, "x"]}
    for bad in (b'{"a":1,"a":2}', b"[NaN]", b"[Infinity]", b"\xff"):
        with pytest.raises(ValueError):
            parse(bad)


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_canonical_is_a_fixed_point_of_parse(value):
    once = canonical(value)
    assert canonical(parse(once)) == once


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=8), json_values, min_size=2, max_size=8),
       st.randoms(use_true_random=False))
def test_key_order_does_not_matter(obj, rnd: random.Random):
    items = list(obj.items())
    rnd.shuffle(items)
    assert canonical(dict(items)) == canonical(obj)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_canonical_parses_as_the_same_json(value):
    # Same data as json.dumps would give (numbers compared as floats where they are floats).
    assert parse(canonical(value)) == json.loads(json.dumps(value))
