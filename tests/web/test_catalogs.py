"""The UI's gettext catalogs: the committed template matches the code, zh_CN translates all.

Extraction runs in-process with the repository's babel.cfg and the keywords the
web marks text with, so a message added to a template or a module without
`pybabel extract` + `pybabel update` fails here, as does a message the code no
longer uses but the catalog still carries.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from babel.support import Translations

from govbridge.web.translations import (
    CATALOG_LOCALES,
    EXTRA_KEYWORDS,
    LOCALE_DIR,
    compile_po,
    po_path,
    text_for,
)

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "govbridge" / "web"
POT = LOCALE_DIR / "messages.pot"
PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")


def _ident(message: Message) -> tuple[str | None, object]:
    return message.context, message.id


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=locale)


def _extracted() -> set[tuple[str | None, object]]:
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, filename="babel.cfg")
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        WEB, method_map, options_map, keywords={**DEFAULT_KEYWORDS, **EXTRA_KEYWORDS}
    ):
        found.add((context, message))
    return found


def _placeholders(text: str) -> list[str]:
    return sorted(m.group(1) or "%%" for m in PLACEHOLDER.finditer(text))


def test_the_template_holds_exactly_the_messages_the_code_marks():
    extracted = _extracted()
    assert len(extracted) > 800
    committed = {_ident(m) for m in _read(POT) if m.id}
    assert sorted(extracted - committed, key=repr) == [], "run pybabel extract (DEVELOPERS.md)"
    assert sorted(committed - extracted, key=repr) == [], "run pybabel extract (DEVELOPERS.md)"


@pytest.mark.parametrize("lang", sorted(CATALOG_LOCALES))
def test_each_catalog_translates_every_message_of_the_template(lang):
    locale = CATALOG_LOCALES[lang]
    catalog = _read(po_path(locale), locale)
    template = {_ident(m) for m in _read(POT) if m.id}
    assert {_ident(m) for m in catalog if m.id} == template, "run pybabel update"
    assert not catalog.fuzzy
    plurals = 0
    for m in catalog:
        if not m.id:
            continue
        where = (m.context, m.id)
        assert not m.fuzzy, where
        if isinstance(m.id, tuple):
            plurals += 1
            assert isinstance(m.string, tuple) and len(m.string) == catalog.num_plurals, where
            wanted = _placeholders(m.id[1])
            assert _placeholders(m.id[0]) == wanted, where
            for form in m.string:
                assert form.strip() and _placeholders(form) == wanted, where
        else:
            assert isinstance(m.string, str) and m.string.strip(), where
            assert _placeholders(m.string) == _placeholders(m.id), where
    assert plurals >= 5
    assert [(m.id, errors) for m, errors in catalog.check()] == []


@pytest.mark.parametrize("lang", sorted(CATALOG_LOCALES))
def test_each_catalog_compiles_and_reads_back(lang):
    po = po_path(CATALOG_LOCALES[lang])
    compiled = Translations(io.BytesIO(compile_po(po)))
    for m in _read(po, CATALOG_LOCALES[lang]):
        if not m.id:
            continue
        if isinstance(m.id, tuple):
            assert compiled.ngettext(m.id[0], m.id[1], 2) == m.string[0]
        elif m.context:
            assert compiled.pgettext(m.context, m.id) == m.string
        else:
            assert compiled.gettext(m.id) == m.string


def test_text_fills_placeholders_counts_and_falls_back_to_english():
    en, zh = text_for("en"), text_for("zh-CN")
    assert en.gettext("Hello, %(name)s", name="Li Lei") == "Hello, Li Lei"
    assert zh.gettext("Hello, %(name)s", name="李雷") == "李雷，您好！"
    assert zh.pgettext("case state", "Submitted") == "已提交"
    assert zh.pgettext("dataset status", "Submitted") == "待审核"
    assert en.ngettext("%(num)s dataset found", "%(num)s datasets found", 1) == "1 dataset found"
    assert en.ngettext("%(num)s dataset found", "%(num)s datasets found", 2) == "2 datasets found"
    assert zh.ngettext("%(num)s dataset found", "%(num)s datasets found", 2) == "找到 2 个数据资源"
    # A message no catalog holds shows in English, its source language.
    assert zh.gettext("No such message, %(name)s", name="x") == "No such message, x"
