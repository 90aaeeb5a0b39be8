"""The per-document font subset draws every character exactly as the whole font does."""

from __future__ import annotations

import io

import pytest
from fontTools import ttLib
from fontTools.pens.recordingPen import DecomposingRecordingPen

from govbridge.certificates import pdf, truetype
from support import need

TEXT = "营业执照持证主体Holder ID 堃喆犇淼龘燊赟珺垚（2026）第000001号-:/.https"


@pytest.fixture(scope="module")
def font_path():
    path = pdf.cjk_font()
    need(path is not None, "a CJK font (apt-get install fonts-wqy-microhei)")
    return path


def _outline(font: ttLib.TTFont, glyph: str) -> tuple[list, int]:
    glyphs = font.getGlyphSet()
    pen = DecomposingRecordingPen(glyphs)
    glyphs[glyph].draw(pen)
    return pen.value, glyphs[glyph].width


def test_subset_glyphs_match_the_whole_font_composites_included(font_path):
    whole = ttLib.TTFont(str(font_path), fontNumber=0)
    face = truetype.load(font_path.read_bytes(), 0)
    cut = truetype.subset(face, TEXT)
    small = ttLib.TTFont(io.BytesIO(cut.font), checkChecksums=2)  # checksums must hold
    assert small["maxp"].numGlyphs == len(cut.widths) < 200
    whole_cmap, small_cmap = whole.getBestCmap(), small.getBestCmap()
    glyf = whole["glyf"]
    composites = 0
    for char in set(TEXT):
        assert small.getGlyphID(small_cmap[ord(char)]) == cut.gid[char]
        composites += glyf[whole_cmap[ord(char)]].isComposite()
        assert _outline(small, small_cmap[ord(char)]) == _outline(whole, whole_cmap[ord(char)])
        assert cut.widths[cut.gid[char]] == face.width(char)
    assert composites  # the test covers component renumbering


def test_a_character_the_font_lacks_gets_its_own_box(font_path):
    face = truetype.load(font_path.read_bytes(), 0)
    missing = "\U00020bb7"  # 𠮷, CJK Extension B: not in wqy-microhei
    assert ord(missing) not in face.cmap
    cut = truetype.subset(face, f"吉{missing}")
    assert cut.gid[missing] not in (0, cut.gid["吉"])
    ttLib.TTFont(io.BytesIO(cut.font))["glyf"]  # still a readable font


def test_a_cff_face_is_refused_so_fpdf2_draws_it():
    with pytest.raises(truetype.UnsupportedFace):
        truetype.load(b"OTTO" + bytes(60), 0)
