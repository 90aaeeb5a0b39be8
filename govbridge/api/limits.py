"""ASGI middleware refusing request bodies over the configured size (413).

File uploads (paths ending in `/upload`) get their own, larger limit: a department
uploads whole data files there, which the ingest use case streams from disk.
"""

from __future__ import annotations

import json
from typing import Any

Scope = dict[str, Any]


class BodySizeLimit:
    def __init__(self, app: Any, max_bytes: int, max_upload_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes or max_bytes

    def limit_for(self, path: str) -> int:
        return self.max_upload_bytes if path.rstrip("/").endswith("/upload") else self.max_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, send, int(declared), limit)
            return
        seen = 0
        too_big = False

        async def limited_receive() -> Any:
            nonlocal seen, too_big
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    too_big = True
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._refuse(scope, send, seen, limit)
        except Exception:
            if too_big:
                await self._refuse(scope, send, seen, limit)
                return
            raise

    async def _refuse(self, scope: Scope, send: Any, size: int, limit: int) -> None:
        body = json.dumps({
            "type": "urn:govbridge:problem:payload-too-large",
            "title": "Payload too large",
            "status": 413,
            "detail": f"request body of at least {size} bytes exceeds the limit of "
                      f"{limit} bytes",
            "instance": scope.get("path", ""),
            "limit_bytes": limit,
        }).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/problem+json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass
