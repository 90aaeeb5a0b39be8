"""The UI's languages: Simplified Chinese (the default) and English, and how a request picks one.

The text itself is in gettext catalogs (`govbridge/locale`, read by
`web/translations.py`); this module only names the languages, turns a code from
a cookie, a query or a URL ('en-US', 'zh_cn') into one of them, and gives the
other one for the header's language switch.
"""

from __future__ import annotations

from typing import Final

DEFAULT_LANG: Final = "zh-CN"
LANGUAGES: Final = ("zh-CN", "en")


def normalize(code: str | None) -> str | None:
    """A supported language for a code such as 'en', 'en-US', 'zh', 'zh-cn'; else None."""
    if not code:
        return None
    primary = code.strip().lower().replace("_", "-").split("-")[0]
    return {"zh": "zh-CN", "en": "en"}.get(primary)


def other_language(lang: str) -> str:
    return "en" if lang == "zh-CN" else "zh-CN"
