"""Pure tokenisation for catalog search: CJK character bigrams and Latin words.

Why by hand: Chinese has no spaces, and a dictionary segmenter (jieba) splits
"企业营业执照信息" in ways a query for "营业执照" may not match; overlapping
bigrams match any substring of two or more characters on SQLite and
PostgreSQL alike, with no database extension.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[a-z0-9]+")
_IS_CJK = re.compile(rf"[{_CJK}]")


def tokens(text: str) -> list[str]:
    """Search terms of a text, in order, with repetition."""
    normalised = unicodedata.normalize("NFKC", text).lower()
    out: list[str] = []
    for run in _TOKEN.findall(normalised):
        if _IS_CJK.match(run):
            if len(run) == 1:
                out.append(run)
            else:
                out.extend(run[i : i + 2] for i in range(len(run) - 1))
        elif len(run) > 1 or run.isdigit():
            out.append(run)
    return out


def weighted_terms(parts: list[tuple[str, float]]) -> dict[str, float]:
    """Term → weight over several texts, each with the weight of its place (name > abstract)."""
    weights: Counter[str] = Counter()
    for text, weight in parts:
        for term, n in Counter(tokens(text)).items():
            weights[term] += weight * (1 + 0.2 * (n - 1))
    return {t[:64]: w for t, w in weights.items()}


def query_terms(query: str) -> list[str]:
    """Distinct terms of a query, in order."""
    return list(dict.fromkeys(tokens(query)))
