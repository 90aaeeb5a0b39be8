"""Links to meeting rooms, chat rooms and folders: https, no credentials, never echoed."""

from __future__ import annotations

import pytest

from govbridge.tasks.links import LinkRefused, checked_link


@pytest.mark.parametrize("url", [
    "https://meet.suzhou.gov.cn/wmcs-weekly",
    "https://matrix.to/#/#wmcs:matrix.suzhou.gov.cn",
    "https://matrix.to/#/!abc:matrix.suzhou.gov.cn?via=matrix.suzhou.gov.cn",
    "https://cloud.suzhou.gov.cn/s/a8Jk2pQ9",
    "https://cloud.suzhou.gov.cn/apps/files/?dir=/创文/台账",
])
def test_good_links_pass(url):
    assert checked_link(f"  {url} ") == url


@pytest.mark.parametrize(("url", "why"), [
    ("http://meet.suzhou.gov.cn/room", "only https"),
    ("javascript:alert(1)", "only https"),
    ("https://bot:hunter2@cloud.suzhou.gov.cn/s/x", "no user name or password"),
    ("https://bot@cloud.suzhou.gov.cn/s/x", "no user name or password"),
    ("https://meet.suzhou.gov.cn/room?jwt=eyJhbGciOi", "no credentials"),
    ("https://cloud.suzhou.gov.cn/x?access_token=s3cr3t", "no credentials"),
    ("https://cloud.suzhou.gov.cn/x?Password=s3cr3t", "no credentials"),
    ("https://matrix.to/#/!r:hs?access_token=s3cr3t", "no credentials"),
    ("https://app.example/#id_token=s3cr3t", "no credentials"),
    ("https:///nohost", "no host"),
    ("https://meet.suzhou.gov.cn/a b", "no spaces"),
    ("https://meet.suzhou.gov.cn:99999/x", "well-formed"),
    ("https://x.cn/" + "a" * 600, "at most"),
])
def test_hostile_links_are_refused_without_echoing_the_secret(url, why):
    with pytest.raises(LinkRefused, match=why) as err:
        checked_link(url)
    assert "s3cr3t" not in str(err.value) and "hunter2" not in str(err.value)


def test_empty_is_none():
    assert checked_link(None) is None and checked_link("  ") is None
