"""Several workers: the listening socket is marked TCP, so asyncio turns Nagle off on every
connection it accepts (without it each keep-alive request waited ~40 ms; uvicorn #3149)."""

from __future__ import annotations

import asyncio
import socket

import pytest

from govbridge.api.serving import as_tcp


async def _nodelay_of_accepted(listener: socket.socket) -> int:
    loop = asyncio.get_running_loop()
    seen: asyncio.Future[int] = loop.create_future()

    class Report(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    server = await loop.create_server(Report, sock=listener)
    try:
        _reader, writer = await asyncio.open_connection(*listener.getsockname()[:2])
        try:
            return await asyncio.wait_for(seen, 10)
        finally:
            writer.close()
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("family, host", [(socket.AF_INET, "127.0.0.1"),
                                          (socket.AF_INET6, "::1")])
def test_a_listener_bound_as_uvicorn_binds_it_accepts_connections_without_nagle(family, host):
    if family == socket.AF_INET6 and not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    raw = socket.socket(family=family)  # as uvicorn's Config.bind_socket makes it
    try:
        raw.bind((host, 0))
    except OSError:
        raw.close()
        pytest.skip(f"cannot bind {host} here")
    raw.listen()
    assert raw.proto == 0
    descriptor = raw.fileno()
    sock = as_tcp(raw)
    assert sock.proto == socket.IPPROTO_TCP and sock.fileno() == descriptor
    assert asyncio.run(_nodelay_of_accepted(sock)) != 0


def test_other_sockets_are_left_as_they_are(tmp_path):
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    with unix, tcp:
        assert as_tcp(unix) is unix and as_tcp(tcp) is tcp
