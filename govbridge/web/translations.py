"""UI text catalogs: one gettext translations object per language, loaded from the package.

The pages' text is written in English in the code and templates (the msgids); a
translator's catalog, `govbridge/locale/zh_CN/LC_MESSAGES/messages.po`, gives the
Simplified Chinese shown by default. English needs no catalog: a msgid is its own
English text, so a message missing from a catalog shows in English, never as a key.

`scripts/setup.sh` compiles each .po to its .mo (the .mo is not committed). An
install that skipped it (`pip install .`, an edited .po in a work tree) still
works: when the .mo is missing or older than its .po, `translations_for` compiles
the .po in memory with Babel, once per process (0.45 s for the 897 messages,
measured on a busy 2-vCPU machine).

Templates get the translations through `jinja2.ext.i18n` (`_()`, `pgettext()`,
`ngettext()` with `%(name)s` placeholders, see render.py); Python code asks
`text_for(lang)` for a `Text`, which formats placeholders the same way. Text that a
page picks by a value (a state, a role, a problem code) is marked where it is
listed, `N_("Approved")` or `NC_("case state", "Submitted")`, in maps such as
`labels.CASE_STATE`, so that extraction sees every message; `Text.label` and the
templates' `label_of()` translate the entry at render time.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR: Final = Path(__file__).resolve().parents[1] / "locale"
DOMAIN: Final = "messages"
# The catalog of each UI language; English is the source language and has none.
CATALOG_LOCALES: Final[Mapping[str, str]] = {"zh-CN": "zh_CN"}
# Extraction keywords: Babel's defaults (which include N_) plus NC_, a marked text with a context.
EXTRA_KEYWORDS: Final = {"NC_": ((1, "c"), 2)}


@dataclass(frozen=True)
class Msg:
    """A marked message, translated when it is shown (in the page's language)."""

    msgid: str
    context: str | None = None


def N_(msgid: str) -> Msg:
    """Mark `msgid` for the catalog; it is translated later, where it is shown."""
    return Msg(msgid)


def NC_(context: str, msgid: str) -> Msg:
    """Mark `msgid` with a context (same English, different translation)."""
    return Msg(msgid, context)


Labels = Mapping[str, Msg]


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_po(po: Path) -> bytes:
    """The .mo bytes of a .po file (fuzzy entries left out, as msgfmt does)."""
    with po.open("rb") as source:
        catalog = read_po(source, locale=po.parents[1].name, domain=DOMAIN)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


@cache
def translations_for(lang: str) -> NullTranslations:
    """The gettext translations of a UI language; the identity for English."""
    locale = CATALOG_LOCALES.get(lang)
    if locale is None:
        return NullTranslations()
    po = po_path(locale)
    mo = po.with_suffix(".mo")
    if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
        data = mo.read_bytes()
    else:
        data = compile_po(po)
    return Translations(io.BytesIO(data), domain=DOMAIN)


def _filled(text: str, values: Mapping[str, object]) -> str:
    try:
        return text % values
    except (KeyError, ValueError, TypeError):
        return text


class Text:
    """One language's UI text for Python code, filling `%(name)s` placeholders.

    Like the templates' newstyle gettext, a message is always %-formatted (a
    literal percent sign is written `%%`), and `ngettext` offers the count as `num`.
    A value missing for a placeholder leaves the message unfilled rather than
    failing the page (a form error's message may name a bound its problem lacks).
    """

    def __init__(self, translations: NullTranslations) -> None:
        self.translations = translations

    def gettext(self, message: str, /, **values: object) -> str:
        return _filled(self.translations.gettext(message), values)

    def pgettext(self, context: str, message: str, /, **values: object) -> str:
        return _filled(self.translations.pgettext(context, message), values)

    def ngettext(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        values.setdefault("num", n)
        return _filled(self.translations.ngettext(singular, plural, n), values)

    def __call__(self, msg: Msg, /, **values: object) -> str:
        """A marked message in this language."""
        if msg.context is None:
            return self.gettext(msg.msgid, **values)
        return self.pgettext(msg.context, msg.msgid, **values)

    def label(self, labels: Labels, value: str, /, **values: object) -> str:
        """The label of `value` in `labels`, or the value itself when it has none."""
        msg = labels.get(value)
        return value if msg is None else self(msg, **values)

    def lookup(self, labels: Labels, value: str | None, /, **values: object) -> str | None:
        """The label of `value` in `labels`, or None when it has none (e.g. a notice
        named in a URL that no page sends)."""
        msg = labels.get(value) if value is not None else None
        return None if msg is None else self(msg, **values)


@cache
def text_for(lang: str) -> Text:
    return Text(translations_for(lang))
