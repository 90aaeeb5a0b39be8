"""Rules about single cells of ingested and exported data: NUL bytes and formula-like text.

No I/O (`write_csv` writes to a text stream it is given). Why here: every way data gets
in meets the pipeline, and every way rows leave as a spreadsheet must agree with it on
what a dangerous cell is.

- A NUL byte (U+0000) in a value is never data: it truncates text in C libraries,
  PostgreSQL refuses it in text, and it hides what follows from a reader. The pipeline
  rejects the row as a problem naming row and field.
- A cell starting with `=`, `+`, `-`, `@` (or a tab or carriage return before one) is
  run as a formula when a spreadsheet opens a CSV or workbook holding it (CSV
  injection, OWASP). Such text may be legitimate (a note, a name with a dash), so it is
  accepted and reported as a warning; every CSV/Excel export writes it with a leading
  apostrophe, which spreadsheets show as text. Plain numbers (`-12.5`, `+86`) are not
  formulas and are left alone.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

FORMULA_START = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
NUL = "\x00"


def formula_like(value: object) -> bool:
    """True for text a spreadsheet would run as a formula (see the module docstring)."""
    if not isinstance(value, str) or len(value) < 2 or value[0] not in FORMULA_START:
        return False
    return _NUMBER.fullmatch(value) is None


def neutralised(value: Any) -> Any:
    """The value as a spreadsheet export must write it: formula-like text behind a `'`."""
    return "'" + value if formula_like(value) else value


def has_nul(value: object) -> bool:
    return isinstance(value, str) and NUL in value


def shown_nul(text: str) -> str:
    """Text with its NUL bytes written out as \\x00, to show back safely."""
    return text.replace(NUL, "\\x00")


def write_csv(out: TextIO, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a CSV export with every cell, header included, neutralised; rows written."""
    writer = csv.writer(out)
    writer.writerow([neutralised(h) for h in header])
    n = 0
    for row in rows:
        writer.writerow(["" if v is None else neutralised(v) for v in row])
        n += 1
    return n
