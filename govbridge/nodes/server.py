"""`govbridge node run`: one department's node, served over mutual TLS.

- `POST /node/v1/produce`: answers the hub's plan from the node's own store, or live
  from the department's own database for a dataset with a live source (`nodes.live`),
  masks, seals with the department's seal key (held only here). A live source that
  does not answer gives 503 with `Retry-After` (the hub passes it on as
  `node-unavailable`, recording nothing); one that answers wrongly (a missing table or
  column) gives 500. Neither says where the source is: the hub and the consumer learn
  the reason, the node's log the masked location. Only the hub's client
  certificate may call it: the TLS layer requires a certificate issued by the platform
  CA, and the route then compares the peer certificate's SHA-256 fingerprint with the
  hub's, written into `node.json` at enrolment. Another department's CA-issued
  certificate gets 403.
- `GET /node/v1/health`: organization, datasets, rows stored, which are read live, the
  witness's last round.
- a background witness loop co-signing the hub's checkpoints (`nodes.witness`).

uvicorn does not put the peer certificate in the ASGI scope, so `PeerCertH11Protocol`
(uvicorn's h11 protocol) adds it as `scope["extensions"]["tls"]["client_cert_der"]`
once the handshake is done.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from uvicorn.protocols.http.h11_impl import H11Protocol

from govbridge.exchange.plan import mask_rows, subjects_of
from govbridge.ingest.live import SourceFailed, SourceUnavailable
from govbridge.nodes import live, store, tls
from govbridge.nodes.config import (
    CA,
    ROWS_DB,
    TLS_CERT,
    TLS_KEY,
    DatasetInfo,
    NodeConfig,
    load_config,
    load_seal_signer,
)
from govbridge.nodes.protocol import ProduceIn, ProduceOut
from govbridge.seals.jws import seal_json

log = logging.getLogger("govbridge.node")


class PeerCertH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, passing the TLS peer certificate (DER) to the app."""

    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(True) if ssl_object is not None else None
        inner = self.app

        async def app(scope: Any, receive: Any, send: Any) -> None:
            scope = {**scope, "extensions": {**(scope.get("extensions") or {}),
                                             "tls": {"client_cert_der": der}}}
            await inner(scope, receive, send)

        self.app = app


def peer_fingerprint(request: Request) -> str | None:
    der = ((request.scope.get("extensions") or {}).get("tls") or {}).get("client_cert_der")
    return tls.fingerprint_der(der) if der else None


def create_node_app(directory: Path, *, witness_interval: float = 30.0) -> FastAPI:
    cfg = load_config(directory)
    signer = load_seal_signer(directory, cfg.seal_kid)
    state: dict[str, Any] = {"witness": None}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = (asyncio.create_task(_witness_loop(directory, cfg, witness_interval, state))
                if witness_interval > 0 else None)
        yield
        if task is not None:
            task.cancel()

    app = FastAPI(title=f"govbridge node {cfg.organization_code}", lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url=None)

    @app.middleware("http")
    async def only_the_hub(request: Request, call_next: Any) -> Any:
        """Everything but health is for the hub's certificate alone (checked before the body)."""
        if request.url.path != "/node/v1/health" and (
                peer_fingerprint(request) != cfg.hub_client_fingerprint):
            return JSONResponse({"detail": "only the hub's client certificate may call this "
                                 "node"}, status_code=403)
        return await call_next(request)

    @app.get("/node/v1/health")
    def health() -> dict[str, Any]:
        with closing(store.connect(directory / ROWS_DB)) as conn:
            rows = dict(conn.execute(
                "SELECT resource_code, count(*) FROM records GROUP BY resource_code").fetchall())
        return {"status": "ok", "organization_code": cfg.organization_code,
                "seal": cfg.seal_kid,
                "datasets": {d.resource_code: rows.get(d.resource_code, 0)
                             for d in cfg.datasets},
                "live": sorted(live.load_sources(directory)),
                "witness": state["witness"]}

    @app.post("/node/v1/produce", response_model=ProduceOut)
    def produce(body: ProduceIn) -> ProduceOut:
        return answer(directory, cfg, signer, body)

    return app


def answer(directory: Path, cfg: NodeConfig, signer: Any, body: ProduceIn) -> ProduceOut:
    """Read this department's rows for the hub's plan, mask them, seal the payload."""
    ds = cfg.dataset(body.resource_code)
    provider = (body.skeleton.get("provider") or {}).get("code")
    if ds is None or provider != cfg.organization_code or (
            body.skeleton.get("resource_code") != body.resource_code):
        raise HTTPException(404, f"this node does not serve {body.resource_code}")
    source = live.load_sources(directory).get(ds.resource_code)
    if source is None:
        with closing(store.connect(directory / ROWS_DB)) as conn:
            rows = store.read_rows(conn, ds.resource_code, subject_ids=body.subject_ids,
                                   filters=body.filter, limit=body.limit)
    else:
        rows = _read_live(source, ds, body)
    payload = {**body.skeleton,
               "rows": mask_rows(rows, body.masks, bytes.fromhex(body.mask_key))}
    return ProduceOut(sealed=seal_json(signer, payload),
                      subjects=subjects_of(ds.subject_field, rows, body.subject_ids))


def _read_live(source: live.LiveTable, ds: DatasetInfo, body: ProduceIn) -> list[dict[str, Any]]:
    """The rows from the department's database; its failures as HTTP errors for the hub."""
    try:
        return live.read_rows(source, ds, subject_ids=body.subject_ids, filters=body.filter,
                              limit=body.limit)
    except SourceUnavailable as exc:
        log.warning("live source of %s (%s) unavailable: %s", ds.resource_code,
                    source.location, exc.reason)
        raise HTTPException(503, f"the department's data source of {ds.resource_code} is "
                            f"unavailable: {exc.reason}",
                            headers={"Retry-After": str(exc.retry_after)}) from None
    except SourceFailed as exc:
        log.warning("live source of %s (%s) failed: %s", ds.resource_code, source.location,
                    exc.reason)
        raise HTTPException(500, f"the department's data source of {ds.resource_code} "
                            f"failed: {exc.reason}") from None


async def _witness_loop(directory: Path, cfg: NodeConfig, interval: float,
                        state: dict[str, Any]) -> None:
    from govbridge.nodes.witness import hub_http, witness_once

    def one_round() -> dict[str, Any]:
        with hub_http(directory, cfg) as http:
            return asdict(witness_once(directory, cfg, http))

    while True:
        try:
            done = await asyncio.to_thread(one_round)
            state["witness"] = {"at": time.time(), "ok": True, **done}
        except Exception as exc:  # noqa: BLE001 - the loop keeps going; health shows why
            log.warning("witness round failed: %s", exc)
            state["witness"] = {"at": time.time(), "ok": False,
                                "error": f"{type(exc).__name__}: {exc}"[:300]}
        await asyncio.sleep(interval)


def server_config(directory: Path, host: str, port: int, *,
                  witness_interval: float = 30.0, log_level: str = "warning") -> Any:
    """uvicorn configuration: TLS with the node's certificate, client certificates required."""
    import uvicorn

    return uvicorn.Config(
        create_node_app(directory, witness_interval=witness_interval), host=host, port=port,
        ssl_certfile=str(directory / TLS_CERT), ssl_keyfile=str(directory / TLS_KEY),
        ssl_ca_certs=str(directory / CA), ssl_cert_reqs=ssl.CERT_REQUIRED,
        http=PeerCertH11Protocol, log_level=log_level, access_log=False,
        proxy_headers=False, server_header=False, timeout_graceful_shutdown=3)
