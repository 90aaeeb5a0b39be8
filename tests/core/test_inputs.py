"""`core.inputs.NO_CONTROLS`: words people write may hold tabs and line breaks, but no other
control character and no bidirectional override that would turn how a name reads on
someone else's page; the refusal names the code point and position, never echoes it."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import BaseModel, Field, ValidationError

from govbridge.core.inputs import NO_CONTROLS


class Note(BaseModel):
    text: Annotated[str, Field(max_length=200), NO_CONTROLS]


@pytest.mark.parametrize("text", ["材料齐全，准予受理", "line one\nline two\tend\r\n",
                                  "emoji 👩‍💻 joined by a ZWJ", "Ünïcödé ok"])
def test_ordinary_text_passes(text):
    assert Note(text=text).text == text


@pytest.mark.parametrize(("text", "code", "position"), [
    ("a\x00b", "0000", 1),
    ("\x1b[31mred", "001B", 0),
    ("invoice\u202egpj.exe", "202E", 7),  # shows as "invoiceexe.jpg"
    ("name\u2066x\u2069", "2066", 4),
    ("x\u202a", "202A", 1),
])
def test_controls_and_bidi_overrides_are_refused_by_code_point(text, code, position):
    with pytest.raises(ValidationError) as refused:
        Note(text=text)
    [error] = refused.value.errors()
    assert error["type"] == "control_character"
    assert error["ctx"] == {"code": code, "position": position}
    assert chr(int(code, 16)) not in error["msg"]
