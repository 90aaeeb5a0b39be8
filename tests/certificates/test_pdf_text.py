"""The certificate PDF shows what its sheet says, rare CJK characters included: poppler's
pdftotext reads every field back from the sealed file, the font embedded is a subset, and
pdfsig and pyHanko still accept the seal."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata

import pytest

from govbridge.certificates import pdf
from govbridge.seals.usecases import ca_certificate_pem, pdf_signer_for
from support import need

# Given names from the long tail of the civil registry (in the font, outside GB2312's first
# level): every one must come back from the PDF, not a box or a question mark.
RARE = "堃喆犇淼龘燊赟珺垚翀彧鑫"


def _sheet(holder_name: str, **overrides: object) -> pdf.Sheet:
    base: dict[str, object] = {
        "identifier": "11320500MB0000021X2026000001K", "type_name": "营业执照",
        "holder_name": holder_name, "holder_id": "91320500MA0000001X",
        "issuer_name": "苏州市市场监督管理局", "number": "苏市监字（2026）第000001号",
        "valid_from": "2026-01-01", "valid_until": "2036-01-01",
        "lines": [("legal_rep", "王" + RARE[:3]), ("established", "2026-01-01")],
        "verify_url": "https://gov.example/verify/11320500MB0000021X2026000001K",
        "vc_jws": "eyJhbGciOiJFUzI1NiJ9.e30.c2ln",
    }
    base.update(overrides)
    return pdf.Sheet(**base)  # type: ignore[arg-type]


def _text(tmp_path, data: bytes) -> str:
    need(shutil.which("pdftotext") is not None,
         "poppler's pdftotext (apt-get install poppler-utils)")
    path = tmp_path / "c.pdf"
    path.write_bytes(data)
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          text=True, check=True)
    return unicodedata.normalize("NFC", done.stdout)


def _needs_font() -> None:
    need(pdf.cjk_font() is not None, "a CJK font (apt-get install fonts-wqy-microhei)")


def _squeezed(text: str) -> str:
    return "".join(text.split())


def test_rare_cjk_in_the_holder_name_come_back_from_the_pdf(tmp_path):
    _needs_font()
    # 𠮷 (CJK Extension B) is not in the font: drawn as a box, yet read back as itself
    sheet = _sheet(f"{RARE}\U00020bb7科技有限公司")
    text = _squeezed(_text(tmp_path, pdf.render(sheet)))
    for value in (sheet.holder_name, sheet.type_name, sheet.identifier, sheet.holder_id,
                  sheet.issuer_name, sheet.number, sheet.valid_from, sheet.valid_until,
                  "王" + RARE[:3], "电子证照专用章", "扫码核验", sheet.verify_url):
        assert _squeezed(value) in text, (value, text)
    assert "?" not in text


def test_two_documents_show_their_own_characters(tmp_path):
    """A font kept between documents must not leak one document's glyph map into the next."""
    _needs_font()
    first = _squeezed(_text(tmp_path, pdf.render(_sheet("甲乙丙丁有限公司"))))
    second = _squeezed(_text(tmp_path, pdf.render(_sheet("犇淼燊赟有限公司"))))
    assert "甲乙丙丁有限公司" in first and "犇淼燊赟" not in first
    assert "犇淼燊赟有限公司" in second and "甲乙丙丁" not in second


def test_a_long_value_wraps_and_every_character_survives(tmp_path):
    _needs_font()
    long_value = "经营范围：" + "技术服务、技术开发、技术咨询；软件开发；" * 8 + "龘"
    text = _squeezed(_text(tmp_path, pdf.render(_sheet("某公司", lines=[("scope", long_value)]))))
    assert _squeezed(long_value) in text


def test_embedded_font_is_a_subset(tmp_path):
    _needs_font()
    need(shutil.which("pdffonts") is not None, "poppler's pdffonts (apt-get install poppler-utils)")
    data = pdf.render(_sheet(f"{RARE}有限公司"))
    path = tmp_path / "c.pdf"
    path.write_bytes(data)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                           check=True).stdout
    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line or "Noto" in line]
    # name, type, encoding, then "emb sub uni": embedded, a subset, with a ToUnicode map
    assert cjk and all("+" in line.split()[0] and "yes yes yes" in " ".join(line.split())
                       for line in cjk), fonts
    assert len(data) < 200_000  # the whole font is ~5 MB


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
def test_sealed_rare_character_pdf_passes_pdfsig_and_pyhanko(rt, provider, tmp_path):
    _needs_font()
    need(shutil.which("pdfsig") is not None, "poppler's pdfsig (apt-get install poppler-utils)")
    with rt.context() as ctx:
        seal = pdf_signer_for(ctx, provider["id"])
        ca = ca_certificate_pem(ctx)
    sheet = _sheet(f"{RARE}有限公司")
    signed = pdf.sign(pdf.render(sheet), seal, kid_label=seal.kid)
    check = pdf.validate(signed, ca)
    assert check.ok, check.reasons
    assert check.identifier == sheet.identifier and check.vc_jws == sheet.vc_jws
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    ok = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False)
    assert "Signature Validation: Signature is Valid." in ok.stdout, ok.stdout
    assert "Total document signed" in ok.stdout
    assert sheet.holder_name in _squeezed(_text(tmp_path, signed))


def test_the_same_sheet_gives_the_same_bytes():
    _needs_font()
    sheet = _sheet(f"{RARE}有限公司")
    assert pdf.render(sheet) == pdf.render(sheet)


def test_odd_characters_do_not_break_the_page(tmp_path):
    """Control characters, a lone surrogate (JSON allows "\\ud800") and characters beyond
    the font still give a readable PDF."""
    _needs_font()
    data = pdf.render(_sheet("甲\t乙\x00丙\ud800丁\U0001f600有限公司"))
    assert "有限公司" in _squeezed(_text(tmp_path, data))


def test_without_a_cjk_font_fpdf2_draws_the_page_in_helvetica(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", ())
    pdf._face.cache_clear()
    try:
        data = pdf.render(_sheet("Example Trading Co., Ltd."))
    finally:
        pdf._face.cache_clear()
    text = _squeezed(_text(tmp_path, data))
    assert "ExampleTradingCo.,Ltd." in text and "11320500MB0000021X2026000001K" in text
