"""What the benchmarks share: a progress protocol and valid generated identifiers."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def start(self, label: str, total: int | None) -> None: ...

    def advance(self, n: int) -> None: ...

    def say(self, text: str) -> None:
        """Show `text` as the current phase's label (a phase without a total)."""

    def done(self) -> None:
        """Show the current phase, one without a total, as complete."""


class Quiet:
    """A progress that shows nothing (library callers, tests)."""

    def start(self, label: str, total: int | None) -> None:
        pass

    def advance(self, n: int) -> None:
        pass

    def say(self, text: str) -> None:
        pass

    def done(self) -> None:
        pass


def credit_code(body: str) -> str:
    """A valid unified social credit code from its first 17 characters."""
    from stdnum.cn import uscc

    return body + uscc.calc_check_digit(body)


def person_id(n: int) -> str:
    """A valid citizen ID (苏州市姑苏区, born in January 1990), distinct for n < 1000."""
    from govbridge.core.identifiers import citizen_id_check_char

    first17 = f"320505199001{(n % 28) + 1:02d}{n % 1000:03d}"
    return first17 + citizen_id_check_char(first17)


def element(validator: str | None, category: str | None, data_type: str) -> str:
    """Code of the builtin data element with this validator, category and type."""
    from govbridge.standards.builtin import BUILTIN_ELEMENTS

    return next(s.code for s in BUILTIN_ELEMENTS
                if s.validator == validator and s.data_type == data_type
                and (category is None or s.category == category) and not s.code_table)
