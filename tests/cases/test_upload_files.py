"""Uploaded materials: parsed as whole PDF / OFD / JPEG / PNG files (not by their first
bytes), stored under a safe base name, and 10 MB through the API as through the web."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterator

import pytest
from case_helpers import APPLICANT_ID, tiny_pdf, tiny_png
from fastapi.testclient import TestClient

from govbridge.api.app import create_app
from govbridge.cases import filetypes
from govbridge.cases import usecases as cases
from govbridge.core.errors import InvalidInput
from govbridge.core.permissions import Role
from support import PASSWORD

OFD_XML = (b'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/'
           b'2016" Version="1.0" DocType="OFD"><ofd:DocBody/></ofd:OFD>')


def tiny_ofd(manifest: bytes = OFD_XML, name: str = "OFD.xml") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, manifest)
        archive.writestr("Doc_0/Document.xml", b"<ofd:Document/>")
    return buffer.getvalue()


def tiny_jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 10, 10)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.mark.parametrize(("make", "media"), [
    (tiny_pdf, "application/pdf"), (tiny_png, "image/png"), (tiny_jpeg, "image/jpeg"),
    (tiny_ofd, "application/ofd"),
])
def test_whole_files_of_each_type_are_recognised(make, media):
    assert filetypes.identify(make()) == media


PNG = tiny_png()
JPEG = tiny_jpeg()


@pytest.mark.parametrize(("content", "words"), [
    (b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>", "PNG"),
    (PNG[:-12], "no IEND"),  # cut off
    (PNG[:23] + b"\x02" + PNG[24:], "wrong CRC"),
    (PNG + b"<html></html>", "after its end"),
    (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 0) + b"IEND" + b"\xae\x42\x60\x82", "IHDR"),
    (b"%PDF-1.7 x", "%%EOF"),
    (b"%PDF-1.7\n<script>alert(1)</script>\n%%EOF\n", "cross-reference"),
    (tiny_pdf()[:-300] + b"\n%%EOF\n", "cross-reference"),
    (b"\xff\xd8\xff\xe0 not really a jpeg", "JPEG"),
    (JPEG[:-2], "EOI"),
    (b"PK\x03\x04broken", "cannot be opened"),
    (tiny_ofd(name="word/document.xml"), "without OFD.xml"),
    (tiny_ofd(b"<html/>"), "ofd:OFD"),
    (b"<html><body>hi</body></html>", "not a PDF, OFD, JPEG or PNG"),
], ids=["png-magic-html", "png-cut", "png-crc", "png-trailer", "png-no-ihdr", "pdf-header",
        "pdf-script", "pdf-cut", "jpeg-magic", "jpeg-cut", "zip-broken", "zip-not-ofd",
        "ofd-not-ofd", "html"])
def test_a_file_that_only_starts_right_is_refused_with_the_reason(content, words):
    with pytest.raises(filetypes.NotAccepted) as caught:
        filetypes.identify(content)
    assert words in caught.value.reason


@pytest.mark.parametrize(("given", "kept"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\Windows\\章程.pdf", "章程.pdf"),
    ("C:\\Users\\me\\a.png", "a.png"),
    ("..", "articles"), ("../", "articles"), ("", "articles"),
    (".hidden.pdf", "hidden.pdf"),
    ("a\x00b\r\n.pdf", "ab.pdf"),
    ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
])
def test_only_a_safe_base_name_is_kept(given, kept):
    assert filetypes.safe_filename(given, "articles") == kept


def test_upload_keeps_the_base_name_and_refuses_a_fake_png(rt, world, ready):
    with rt.context() as ctx:
        cases.accept(ctx, world.clerk, ready, APPLICANT_ID)
    with rt.context() as ctx, pytest.raises(InvalidInput) as caught:
        cases.upload_material(ctx, world.applicant, ready, "articles", "../../pic.png",
                              b"\x89PNG\r\n\x1a\n<html></html>")
    problem = caught.value.problems[0]
    assert problem.code == "file_corrupt" and problem.value == "pic.png"
    assert "starts like a PNG" in problem.reason
    with rt.context() as ctx:
        detail = cases.upload_material(ctx, world.applicant, ready, "articles",
                                       "../../../etc/章程.pdf", tiny_pdf())
        stored = cases.material_file(ctx, world.applicant, ready, "articles")
    assert stored.filename == "章程.pdf" and stored.media_type == "application/pdf"
    assert next(m for m in detail.materials if m.key == "articles").detail == "章程.pdf"
    assert [f.filename for f in detail.files] == ["章程.pdf"]
    assert all(".." not in str(e.detail) for e in detail.events)


@pytest.fixture
def client(rt) -> Iterator[TestClient]:
    with TestClient(create_app(rt), raise_server_exceptions=False) as c:
        yield c


def big_pdf(size: int) -> bytes:
    """A whole PDF of about `size` bytes: a comment pads it after the first %%EOF and a
    second startxref points at the same cross-reference table (an incremental update)."""
    pdf = tiny_pdf()
    xref = pdf.rsplit(b"startxref", 1)[1].split()[0]
    tail = b"\nstartxref\n" + xref + b"\n%%EOF\n"
    return pdf + b"%" + b"0" * (size - len(pdf) - len(tail) - 1) + tail


def test_api_takes_the_same_10_mb_as_the_web(rt, client, make_user, world, ready):
    with rt.context() as ctx:
        cases.accept(ctx, world.clerk, ready, APPLICANT_ID)
    make_user("ent-one", [Role.APPLICANT], subject_id=APPLICANT_ID)
    session = client.post("/api/v1/sessions", json={"username": "ent-one",
                                                    "password": PASSWORD})
    applicant = {"Authorization": f"Bearer {session.json()['session_token']}"}
    five_mb = big_pdf(5 * 1_048_576)
    assert filetypes.identify(five_mb) == "application/pdf"
    upload = f"/api/v1/cases/{ready}/materials/articles/upload"
    too_big = client.post(upload, headers=applicant, files={
        "file": ("big.pdf", b"%PDF-1.7\n" + b"0" * cases.MAX_UPLOAD, "application/pdf")})
    assert too_big.status_code == 422 and "bytes" in too_big.json()["detail"]
    fake = client.post(upload, headers=applicant,
                       files={"file": ("x.png", b"\x89PNG\r\n\x1a\nfake", "image/png")})
    assert fake.status_code == 422 and fake.json()["errors"][0]["code"] == "file_corrupt"
    assert "starts like a PNG" in fake.json()["detail"]
    up = client.post(upload, headers=applicant,
                     files={"file": ("../章程.pdf", five_mb, "application/pdf")})
    assert up.status_code == 200, up.text[:500]
    mine = next(m for m in up.json()["materials"] if m["key"] == "articles")
    assert mine["status"] == "uploaded" and mine["detail"] == "章程.pdf"
