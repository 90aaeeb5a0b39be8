"""The OpenAPI document tells every answer an operation can give, not just the happy one.

FastAPI declares the success response and a 422 in its own shape; the app answers every
error as an RFC 9457 problem (`application/problem+json`, api/problems.py). `declare`
rewrites the generated document once, centrally, so each operation under /api/v1 lists
the problem statuses it can really give, derived from what the operation is:

- 401 and 403 where a caller is needed (everything but `deps.PUBLIC`), with the security
  schemes `deps.authenticate` accepts (bearer token or API key, session cookie);
- 422 where there is any parameter or body, 400 (malformed JSON, a rule of the domain)
  and 413 (api/limits.py) where there is a body, 404 where something can be named;
- 400 and 409 on every write (a rule, a state, a duplicate), and 503 (the database stayed
  locked by another writer, `problems.busy_database`: nothing was written, try again);
- 429, 502 and 503 where the operation reaches the exchange, a live source or a busy
  database (`Retry-After`), and 401/429 of the login, as listed in `EXTRA`.

Statuses a route declares itself keep their description and gain the problem schema.
"""

from __future__ import annotations

import re
from typing import Any

from govbridge.api.deps import API_PREFIX, is_public

PROBLEM_JSON = "application/problem+json"
WRITES = frozenset({"post", "put", "patch", "delete"})
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")

DESCRIPTIONS = {
    400: "Malformed request (JSON or multipart), or a rule of the domain refuses it",
    401: "No credentials, or they are not valid (see `WWW-Authenticate`)",
    403: "The caller lacks a permission, or a policy refuses the call (`reason` says why)",
    404: "What the request names does not exist, or is not visible to the caller",
    409: "Conflicts with existing data or with the state of what it changes",
    413: "Request body larger than the limit",
    422: "Invalid input: `errors` names each field, its value and the rule",
    429: "Too many requests or attempts, or a limit is used up; see `Retry-After`",
    502: "A department's node or source answered with something the hub refuses",
    503: "Busy, or a node or source is unreachable; nothing was recorded; see `Retry-After`",
}

# (method, path pattern, statuses): what an operation adds to what its shape implies.
EXTRA: list[tuple[str, re.Pattern[str], frozenset[int]]] = [
    (m, re.compile(p), frozenset(s)) for m, p, s in [
        ("post", r"/exchange/\{classification\}/\{sequence\}/query$", {429, 502, 503}),
        ("post", r"/live-sources/.*/read$", {502, 503}),
        ("post", r"/cases/\{code\}/(accept|decisions)$", {429, 502, 503}),
        ("get", r"/cases/\{code\}/shared$", {429, 502, 503}),
        ("post", r"/certificates(/requests/\{request_id\}/approve)?$", {429, 502, 503}),
        ("post", r"/(upload|records)$", {503}),
        ("post", r"/sessions$", {401, 429}),
    ]
]

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "description": "urn:govbridge:problem:<slug>"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ProblemField"}},
    },
    "additionalProperties": True,
}
FIELD_SCHEMA: dict[str, Any] = {
    "title": "ProblemField",
    "description": "One thing wrong with one input field",
    "type": "object",
    "properties": {
        "field": {"type": "string"},
        "reason": {"type": "string"},
        "code": {"type": "string"},
        "value": {},
        "row": {"type": "integer"},
        "position": {"type": "integer"},
    },
    "additionalProperties": True,
}
SECURITY_SCHEMES: dict[str, Any] = {
    "bearer": {"type": "http", "scheme": "bearer",
               "description": "A session token (POST /sessions) or an API key (gbk_…)"},
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    "session": {"type": "apiKey", "in": "cookie", "name": "gb_session",
                "description": "The web session; writes also send X-CSRF-Token"},
}
PROBLEM_CONTENT = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def problem_statuses(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    """The problem statuses `method path` can answer (path as templated in the document)."""
    params = operation.get("parameters", [])
    body = "requestBody" in operation
    statuses: set[int] = set()
    if params or body:
        statuses |= {404, 422}
    if body:
        statuses |= {400, 413}
    if method in WRITES:
        statuses |= {400, 409, 503}
    if not is_public(method.upper(), path):
        statuses |= {401, 403}
    tail = path[len(API_PREFIX) - 1:]
    for m, pattern, extra in EXTRA:
        if m == method and pattern.search(tail):
            statuses |= extra
    return statuses


def declare(spec: dict[str, Any]) -> dict[str, Any]:
    """Add the problem responses and security to every /api/v1 operation of `spec`."""
    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["ProblemField"] = FIELD_SCHEMA
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    for path, item in spec.get("paths", {}).items():
        if not path.startswith(API_PREFIX):
            continue
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for status in problem_statuses(method, path, operation):
                responses.setdefault(str(status), {"description": DESCRIPTIONS[status]})
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400:
                    if status == "422" or not response.get("content"):
                        response["content"] = dict(PROBLEM_CONTENT)
                    if status == "422" and response.get("description") == "Validation Error":
                        response["description"] = DESCRIPTIONS[422]
            if not is_public(method.upper(), path):
                operation["security"] = [{"bearer": []}, {"apiKey": []}, {"session": []}]
    return spec
