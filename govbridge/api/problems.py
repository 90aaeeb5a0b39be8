"""Errors as RFC 9457 problem details (`application/problem+json`).

Values of secret fields (passwords, codes, keys) are never echoed back, and what is
echoed is made serialisable first (a non-finite number or a lone surrogate in the input
must never turn a 422 into a 500). A caller the route needs but who is not authenticated
hears 401 before anything about its body (400/422). A 405 says which methods the path
takes (`Allow`, RFC 9110).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from govbridge.api.deps import authenticate, needs_caller, runtime
from govbridge.core.errors import DomainError, Unavailable
from govbridge.core.inputs import SECRET_FIELDS

log = logging.getLogger("govbridge.api")

PROBLEM_JSON = "application/problem+json"

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
MAX_ECHO = 200  # characters of an input value shown back


def safe(value: Any, cut: int | None = None, depth: int = 0) -> Any:
    """`value` as JSON can carry it: non-finite numbers and lone surrogates become text,
    text longer than `cut` is cut, deep structures are elided."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        text = value if cut is None or len(value) <= cut else value[:cut] + "…"
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    if depth > 16:
        return "…"
    if isinstance(value, dict):
        return {safe(str(k), cut, depth + 1): safe(v, cut, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [safe(v, cut, depth + 1) for v in value]
    return value


def problem(
    status: int, slug: str, title: str, detail: str, instance: str, **extensions: Any
) -> JSONResponse:
    body = safe({
        "type": f"urn:govbridge:problem:{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **extensions,
    })
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _validation_problems(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    errors = []
    for err in exc.errors():
        field = _field_path(tuple(err.get("loc", ())))
        entry: dict[str, Any] = {
            "field": field,
            "reason": err.get("msg", "invalid"),
            "code": err.get("type", "invalid"),
        }
        if err.get("type") == "json_invalid":
            ctx = err.get("ctx") or {}
            entry = {
                "field": "body",
                "code": "json_invalid",
                "reason": f"malformed JSON: {ctx.get('error', 'cannot parse')}",
            }
            if isinstance(err.get("loc"), (tuple, list)) and len(err["loc"]) > 1:
                entry["position"] = err["loc"][1]
        elif field.split(".")[-1] not in SECRET_FIELDS and "input" in err:
            value = err["input"]
            if isinstance(value, (str, int, float, bool)) or value is None:
                entry["value"] = safe(value, MAX_ECHO)
        errors.append(entry)
    detail = "; ".join(
        f"{e['field']}: {e['reason']}" + (f" (value {e['value']!r})" if "value" in e else "")
        for e in errors
    )
    return detail, errors


# PostgreSQL's "try again" states: deadlock, lock not available, serialization failure.
_PG_RETRY = frozenset({"40P01", "55P03", "40001"})


def busy_database(exc: OperationalError) -> Unavailable | None:
    """A database error that says "busy, try again" (SQLite's write lock held past its busy
    timeout by another writer, a PostgreSQL deadlock or lock timeout) as a 503: the
    transaction rolled back and wrote nothing, so the caller may simply retry. Anything
    else stays an internal error."""
    text = str(exc.orig).lower()
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if "database is locked" in text or "database table is locked" in text \
            or code in _PG_RETRY:
        return Unavailable("the database is busy with another write; nothing was changed, "
                           "try again", retry_after=1)
    return None


def _domain_problem(request: Request, exc: DomainError) -> JSONResponse:
    resp = problem(
        exc.status, exc.type_slug, exc.title, exc.detail, request.url.path, **exc.extensions()
    )
    retry_after = getattr(exc, "retry_after", None)  # limits, unavailable sources
    if isinstance(retry_after, int):
        resp.headers["Retry-After"] = str(retry_after)
    return resp


def _check_caller(request: Request) -> None:
    with runtime(request).context() as ctx:
        authenticate(ctx, request)


async def _refused_caller(request: Request) -> JSONResponse | None:
    """The 401/403 a route needing a caller owes first, before any word on the body."""
    if not needs_caller(request.method, request.url.path):
        return None
    try:
        await run_in_threadpool(_check_caller, request)
    except DomainError as exc:
        return _domain_problem(request, exc)
    return None


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers at this path (all routes, not only the first)."""
    allowed = []
    for method in METHODS:
        scope = {**request.scope, "method": method}
        for route in request.app.router.routes:
            if route.matches(dict(scope))[0] is Match.FULL:
                allowed.append(method)
                break
    return allowed


def install(app: FastAPI, html_not_found: Callable[[Request], Response] | None = None) -> None:
    """Render errors as problem details; unknown non-API pages asked for as HTML get a page."""

    @app.exception_handler(DomainError)
    async def on_domain_error(request: Request, exc: DomainError) -> JSONResponse:
        return _domain_problem(request, exc)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        refused = await _refused_caller(request)
        if refused is not None:
            return refused
        detail, errors = _validation_problems(exc)
        malformed = any(e["code"] == "json_invalid" for e in errors)
        if malformed:
            return problem(
                400,
                "malformed-json",
                "Malformed JSON body",
                detail,
                request.url.path,
                errors=errors,
            )
        return problem(
            422, "invalid-input", "Invalid input", detail, request.url.path, errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if (
            html_not_found is not None
            and exc.status_code == 404
            and not request.url.path.startswith("/api")
            and "text/html" in request.headers.get("accept", "")
        ):
            return await run_in_threadpool(html_not_found, request)
        if exc.status_code == 400:
            refused = await _refused_caller(request)
            if refused is not None:
                return refused
        slug = {400: "malformed-body", 404: "not-found", 405: "method-not-allowed",
                413: "payload-too-large"}.get(exc.status_code, "http-error")
        resp = problem(exc.status_code, slug, str(exc.detail), str(exc.detail), request.url.path)
        for name, value in (exc.headers or {}).items():
            resp.headers[name] = value
        if exc.status_code == 405:
            resp.headers["Allow"] = ", ".join(allowed_methods(request))
        return resp

    @app.exception_handler(OperationalError)
    async def on_database_error(request: Request, exc: OperationalError) -> JSONResponse:
        busy = busy_database(exc)
        if busy is not None:
            log.warning("database busy on %s %s: %s", request.method, request.url.path,
                        type(exc.orig).__name__)
            return _domain_problem(request, busy)
        return await on_unexpected(request, exc)

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(
            500,
            "internal-error",
            "Internal error",
            "an unexpected error occurred; it has been logged",
            request.url.path,
        )
