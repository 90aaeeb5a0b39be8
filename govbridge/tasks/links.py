"""Links from a campaign or task to the tools departments already run: a meeting room
(Jitsi), a chat room (Matrix), a shared folder (Nextcloud / OnlyOffice). Pure: no I/O.

A link is shown on pages to every viewer of the task, so it must not carry a credential:
only https, a host name, no user or password (`https://bot:pw@…`), no query parameter
named like a secret (`?access_token=`, `?jwt=`, `?password=`…, in the query or in
a fragment's `#…?a=b` / `#a=b` part, parameters split on `&` and on `;`, which many
servers also read as a separator), no value shaped like a credential whatever its name
(a JWT `eyJ….eyJ…`, a Matrix `syt_` token, a `whsec_` webhook secret, a govbridge
`gbk_` API key), at most 500 characters.
Whatever the link leads to authenticates people itself (Jitsi's lobby, Matrix
membership, the Nextcloud share's own permissions). A refused link is never echoed:
the error names the rule and the host only.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus, urlsplit

LINK_MAX = 500
KINDS = ("meeting", "chat", "docs")
# Query parameter names (lower case, or containing these) that carry credentials.
SECRET_WORDS = ("token", "secret", "password", "passwd", "pwd", "jwt", "key", "auth",
                "signature", "sig", "session", "credential", "code")


# Credentials recognisable by their shape, under any parameter name or in the path.
SECRET_SHAPES = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}|(?<![A-Za-z0-9])"
                           r"(?:syt|whsec|gbk)_[A-Za-z0-9+/_-]{4,}")


def _parameter_names(query: str) -> list[str]:
    """Names of `a=b` pairs split on `&` and `;` (parse_qsl splits on `&` only, so
    `?x=1;jwt=…` hid `jwt` in the value of `x`)."""
    return [unquote_plus(part.partition("=")[0]) for part in re.split(r"[&;]", query) if part]


class LinkRefused(ValueError):
    """Why a link was refused, without the link (it may hold a secret)."""


def checked_link(raw: str | None) -> str | None:
    """The link, trimmed, or None when empty; LinkRefused when it breaks a rule."""
    if raw is None or not raw.strip():
        return None
    url = raw.strip()
    if len(url) > LINK_MAX:
        raise LinkRefused(f"at most {LINK_MAX} characters")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise LinkRefused("no spaces or control characters")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise LinkRefused("not a well-formed URL") from None
    if parts.scheme != "https":
        raise LinkRefused("only https links")
    if not host:
        raise LinkRefused("the link names no host")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise LinkRefused("no user name or password in a link")
    fragment_query = parts.fragment.partition("?")[2] if "?" in parts.fragment else (
        parts.fragment if "=" in parts.fragment else "")
    for name in _parameter_names(parts.query) + _parameter_names(fragment_query):
        lowered = name.lower()
        if any(word in lowered for word in SECRET_WORDS):
            raise LinkRefused(f"no credentials in a link (query parameter {name[:40]!r})")
    if SECRET_SHAPES.search(unquote_plus(url)):
        raise LinkRefused("no credentials in a link (a value is shaped like a token)")
    return url


def host_of(url: str | None) -> str | None:
    """The host a stored link points to (for short display)."""
    return urlsplit(url).hostname if url else None
