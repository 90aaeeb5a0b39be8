"""The safe expression subset of BPMN conditions and timers. Pure: no I/O.

A condition is a small, safe subset of Python evaluated on the case variables (names,
constants, comparisons, `and`/`or`/`not`, `in`), e.g. `decision == "refuse"`: parsed with
`ast`, checked node by node, and evaluated by walking the tree - never `eval`, never a
name starting with "_". A timer is an ISO 8601 duration (`P5D`, `PT2H`) or date-time,
with or without quotes. Nothing in a document is executed as code.
"""

from __future__ import annotations

import ast
import re
from datetime import datetime
from typing import Any

_DURATION = re.compile(r"^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?$")

_ALLOWED_NODES = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.Compare,
    ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot,
    ast.Name, ast.Load, ast.Constant, ast.Tuple, ast.List,
)


def check_condition(expression: str) -> ast.Expression:
    """Parse a condition of the safe subset, or raise ValueError saying what is not allowed."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"is not a valid expression ({exc.msg})") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ValueError(
                f"uses {type(node).__name__}, outside the allowed subset "
                "(names, constants, comparisons, and/or/not, in)"
            )
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise ValueError(f"uses the name {node.id!r}; names may not start with '_'")
    return tree


def evaluate_condition(node: ast.AST, names: dict[str, Any]) -> Any:
    """The value of a condition `check_condition` accepted, on the case variables `names`."""
    if isinstance(node, ast.Expression):
        return evaluate_condition(node.body, names)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.id]
        if node.id not in names:
            raise NameError(f"case variable {node.id!r} is not set")
        return names[node.id]
    if isinstance(node, ast.Tuple | ast.List):
        return [evaluate_condition(e, names) for e in node.elts]
    if isinstance(node, ast.UnaryOp):
        value = evaluate_condition(node.operand, names)
        return (not value) if isinstance(node.op, ast.Not) else -value
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            return all(evaluate_condition(v, names) for v in node.values)
        return any(evaluate_condition(v, names) for v in node.values)
    if isinstance(node, ast.Compare):
        left = evaluate_condition(node.left, names)
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = evaluate_condition(comp, names)
            if not _compare(op, left, right):
                return False
            left = right
        return True
    raise ValueError(f"{type(node).__name__} is not allowed")


def _compare(op: ast.cmpop, a: Any, b: Any) -> bool:
    ops: dict[type, Any] = {
        ast.Eq: lambda: a == b, ast.NotEq: lambda: a != b, ast.Lt: lambda: a < b,
        ast.LtE: lambda: a <= b, ast.Gt: lambda: a > b, ast.GtE: lambda: a >= b,
        ast.In: lambda: a in b, ast.NotIn: lambda: a not in b, ast.Is: lambda: a is b,
        ast.IsNot: lambda: a is not b,
    }
    return bool(ops[type(op)]())


_CYCLE = re.compile(r"^R\d*/(.+)$")


def _is_datetime(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


_XPATH_DATA = re.compile(r"""bpmn:getDataObject\(\s*['"]([A-Za-z]\w*)['"]\s*\)""")
_SINGLE_EQUALS = re.compile(r"(?<![=!<>])=(?!=)")


def dialect_condition(expression: str) -> str:
    """A condition as modelers' tools write it, in the notation of the safe subset.

    The wrappers are removed; operators are rewritten only when the text is not already in
    the subset (so string constants stay as written):
    JUEL `${approved}` / `#{...}`, FEEL `= approved` and `a = "b"`, XPath
    `bpmn:getDataObject('approved')`, `!x`, `&&`, `||`, `true`/`false`. What is still
    outside the subset afterwards (FEEL quantifiers, names with spaces) stays as it is,
    for `check_condition` to name.
    """
    text = expression.strip()
    if len(text) >= 3 and text[0] in "$#" and text[1] == "{" and text[-1] == "}":
        text = text[2:-1].strip()
    text = text.removeprefix("=").strip()
    try:
        check_condition(text)
        return text
    except ValueError:
        pass  # rewrite the dialect's operators
    text = _XPATH_DATA.sub(r"\1", text)
    text = text.replace("&&", " and ").replace("||", " or ")
    text = re.sub(r"!(?!=)", " not ", text)
    text = _SINGLE_EQUALS.sub("==", text)
    text = re.sub(r"\btrue\b", "True", re.sub(r"\bfalse\b", "False", text))
    return " ".join(text.split())


def timer_literal(expression: str) -> str | None:
    """An ISO 8601 duration, date-time or repetition (`R3/P1D`, `R/2026-01-01T08:00/P1D`)
    written with or without quotes, else None."""
    text = expression.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    if _DURATION.match(text.upper()):
        return text.upper()
    cycle = _CYCLE.match(text)
    if cycle and all(_DURATION.match(p.upper()) or _is_datetime(p)
                     for p in cycle.group(1).split("/")) and "P" in cycle.group(1).upper():
        return text
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return None
    return text
