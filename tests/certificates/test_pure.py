"""Identifiers (GB/T 36901 pattern, ISO 7064 MOD 37,36) and the VC shape. Pure."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govbridge.certificates.identifier import (
    ALPHABET,
    check_char,
    is_identifier,
    make_identifier,
    parse_identifier,
    type_code_for,
)
from govbridge.certificates.vc import build_vc, mask_holder_id, mask_holder_name

ORG = "91110000600037341L"


def test_identifier_parts_and_check_character():
    ident = make_identifier("ABC123", ORG, 2026, 7)
    assert len(ident) == 35 and ident == "ABC123" + ORG + "2026000007" + ident[-1]
    parsed = parse_identifier(ident)
    assert (parsed.type_code, parsed.issuer_code, parsed.year, parsed.sequence) == (
        "ABC123", ORG, 2026, 7)
    # MOD 37,36: running the check over body + check character leaves 1.
    assert check_char(ident[:-1]) == ident[-1]
    assert len(type_code_for("营业执照")) == 6 and type_code_for("营业执照") == type_code_for(
        "营业执照")
    with pytest.raises(ValueError, match="check character"):
        parse_identifier(ident[:-1] + ("0" if ident[-1] != "0" else "1"))
    with pytest.raises(ValueError):
        make_identifier("abc", ORG, 2026, 1)


@given(type_code=st.text(ALPHABET, min_size=6, max_size=6),
       seq=st.integers(1, 999_999), year=st.integers(2000, 2099),
       pos=st.integers(0, 34), sub=st.sampled_from(ALPHABET))
def test_single_character_corruption_is_detected(type_code, seq, year, pos, sub):
    ident = make_identifier(type_code, ORG, year, seq)
    if ident[pos] == sub:
        return
    corrupted = ident[:pos] + sub + ident[pos + 1:]
    assert not is_identifier(corrupted)


def test_vc_shape():
    vc = build_vc(identifier="X" * 35, type_name="营业执照", certificate_type="R1",
                  issuer_code=ORG, issuer_name="市场监管局", holder_id="11010519491231002X",
                  holder_name="张三", number="N1",
                  valid_from=datetime(2026, 1, 1, tzinfo=UTC),
                  valid_until=datetime(2031, 1, 1, tzinfo=UTC), data={"k": "v"},
                  base_url="https://gb.example/")
    assert vc["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert vc["type"] == ["VerifiableCredential", "营业执照"]
    assert vc["issuer"]["id"] == f"urn:govbridge:org:{ORG}"
    assert vc["validFrom"] == "2026-01-01T00:00:00Z" and vc["validUntil"] == "2031-01-01T00:00:00Z"
    assert vc["credentialSubject"] == {"id": "urn:govbridge:holder:11010519491231002X",
                                       "name": "张三", "k": "v"}
    assert vc["credentialStatus"]["id"] == "https://gb.example/verify/" + "X" * 35


def test_holder_masking():
    assert mask_holder_id("person", "11010519491231002X") == "110105********002X"
    assert mask_holder_name("person", "张三丰") == "张**"
    assert mask_holder_id("enterprise", ORG) == "9111************1L"
    assert mask_holder_name("enterprise", "某某公司") == "某某公司"
