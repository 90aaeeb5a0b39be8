"""ASGI middleware refusing request bodies over the configured size (413)."""

from __future__ import annotations

import json
from typing import Any

Scope = dict[str, Any]


class BodySizeLimit:
    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send, int(declared))
            return
        seen = 0
        too_big = False

        async def limited_receive() -> Any:
            nonlocal seen, too_big
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    too_big = True
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._refuse(scope, send, seen)
        except Exception:
            if too_big:
                await self._refuse(scope, send, seen)
                return
            raise

    async def _refuse(self, scope: Scope, send: Any, size: int) -> None:
        body = json.dumps({
            "type": "urn:govbridge:problem:payload-too-large",
            "title": "Payload too large",
            "status": 413,
            "detail": f"request body of at least {size} bytes exceeds the limit of "
                      f"{self.max_bytes} bytes",
            "instance": scope.get("path", ""),
            "limit_bytes": self.max_bytes,
        }).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/problem+json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass
