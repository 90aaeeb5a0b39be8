"""The public /verify page answers every upload with a page: a JSON document nested too
deeply, or a broken multipart form, is a 422 form error, never a server error (issue 11,
finding 8). A browser with a session cookie is told not to store the page (finding 10)."""

from __future__ import annotations

import pytest

from govbridge.core.permissions import Role


@pytest.mark.parametrize("deep", [b'{"a":' * 5000 + b"1" + b"}" * 5000,
                                  b"[" * 100_000 + b"]" * 100_000], ids=["object", "array"])
def test_deeply_nested_json_is_a_form_error(web, deep):
    resp = web.post("/verify", files={"file": ("c.json", deep)})
    assert resp.status_code == 422 and resp.headers["content-type"].startswith("text/html")
    assert "64" in resp.text


def test_broken_multipart_is_a_form_error(web):
    broken = b'--xx\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc'
    resp = web.post("/verify", content=broken,
                       headers={"Content-Type": "multipart/form-data; boundary=xx"})
    assert resp.status_code in (400, 422)
    assert resp.status_code != 500


def test_logged_in_pages_are_not_stored(signed_in):
    client, _ = signed_in(Role.DATA_OFFICER)
    for path in ("/", "/verify"):
        resp = client.get(path)
        assert resp.status_code == 200 and resp.headers["cache-control"] == "no-store"
    css = client.get("/static/app.css")
    assert css.headers["cache-control"] != "no-store"  # assets keep their caching
