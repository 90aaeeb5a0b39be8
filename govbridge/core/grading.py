"""Data grades (GB/T 43697) and the rule that a dataset takes its most sensitive field's grade.

核心 > 重要 > 一般 (levels 4..1). The words used are "core", "important" and
"general"; no grade is ever called "secret".
"""

from __future__ import annotations

from collections.abc import Iterable

# Most sensitive first.
GRADES: tuple[str, ...] = (
    "core",
    "important",
    "general-4",
    "general-3",
    "general-2",
    "general-1",
)
_RANK = {g: len(GRADES) - i for i, g in enumerate(GRADES)}

LABELS_ZH = {
    "core": "核心数据",
    "important": "重要数据",
    "general-4": "一般数据（4级）",
    "general-3": "一般数据（3级）",
    "general-2": "一般数据（2级）",
    "general-1": "一般数据（1级）",
}
LABELS_EN = {
    "core": "Core data",
    "important": "Important data",
    "general-4": "General data (level 4)",
    "general-3": "General data (level 3)",
    "general-2": "General data (level 2)",
    "general-1": "General data (level 1)",
}


def is_grade(value: str) -> bool:
    return value in _RANK


def rank(grade: str) -> int:
    """Higher is more sensitive."""
    return _RANK[grade]


def dataset_grade(field_grades: Iterable[str]) -> str:
    """就高从严: the dataset's grade is its most sensitive field's grade."""
    grades = list(field_grades)
    if not grades:
        raise ValueError("a dataset needs at least one graded field")
    return max(grades, key=rank)


def at_most(grade: str, ceiling: str) -> bool:
    """Whether `grade` is no more sensitive than `ceiling`."""
    return rank(grade) <= rank(ceiling)
