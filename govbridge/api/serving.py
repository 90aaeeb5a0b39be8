"""Serving the app with several worker processes (`govbridge serve --workers N`).

uvicorn's own `run(..., workers=N)` binds the listening socket with its protocol left at 0;
accepted connections inherit it, and asyncio turns TCP_NODELAY on only for sockets that say
IPPROTO_TCP. Without it every keep-alive request after the first waits ~40 ms for the
client's delayed ACK (uvicorn issue #3149, open for uvicorn 0.54: 44 ms a request with two
workers against 1.5 ms with one, measured here). So the supervisor is started here, as
`uvicorn.run` does, with the same socket marked as TCP.
"""

from __future__ import annotations

import socket
from typing import Any


def as_tcp(sock: socket.socket) -> socket.socket:
    """The same listening socket (same descriptor), marked IPPROTO_TCP if it is TCP."""
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM \
            and sock.proto != socket.IPPROTO_TCP:
        return socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
    return sock


def run_workers(factory_path: str, workers: int, **options: Any) -> None:
    """Serve the app that `factory_path` ("module:function") builds, in `workers` processes."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(factory_path, factory=True, workers=workers, **options)
    sock = as_tcp(config.bind_socket())
    try:
        Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()
