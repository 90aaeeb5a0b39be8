"""Stream ingest fixtures: a published person dataset, valid citizen IDs, a NATS topology."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from catalog_fixtures import department
from govbridge.catalog import usecases
from govbridge.catalog.schemas import DatasetIn
from govbridge.core.permissions import Role
from govbridge.identity.actor import Actor
from govbridge.ingest.streams import Topology
from govbridge.standards.builtin import BUILTIN_ELEMENTS
from govbridge.standards.usecases import seed_builtin_elements
from support import need

NATS_URL = os.environ.get("GOVBRIDGE_TEST_NATS_URL", "nats://127.0.0.1:4222")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def citizen_id(n: int, *, valid: bool = True) -> str:
    """A citizen ID born 1980-01-01 in 110105 with sequence n; `valid=False` breaks the check."""
    body = f"11010519800101{n % 1000:03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]
    if not valid:
        check = "0" if check != "0" else "1"
    return body + check


def reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 4222), timeout=1):
            return True
    except OSError:
        return False


def _element(validator: str | None, category: str | None, data_type: str) -> str:
    for spec in BUILTIN_ELEMENTS:
        if (spec.validator == validator and spec.data_type == data_type
                and (category is None or spec.category == category) and not spec.code_table):
            return spec.code
    raise LookupError((validator, category, data_type))


def person_entry(name: str = "居民基本信息") -> dict[str, Any]:
    return {
        "name": name,
        "abstract": "常住人口的身份号码、姓名和出生日期。",
        "share_type": "unconditional",
        "subject_type": "person",
        "subject_field": "id_number",
        "fields": [
            {"name": "id_number", "title": "公民身份号码",
             "element": _element("citizen_id", "person", "string"), "required": True,
             "grade": "important"},
            {"name": "full_name", "title": "姓名", "element": _element(None, "person", "string"),
             "grade": "general-3"},
            {"name": "birth_date", "title": "出生日期", "element": _element(None, None, "date"),
             "grade": "general-2"},
        ],
    }


@pytest.fixture
def provider(rt, make_org) -> dict[str, Any]:
    with rt.context() as ctx:
        seed_builtin_elements(ctx)
    return department(rt, make_org, "苏州市公安局", user_id=2000, username="officer.psb")


@pytest.fixture
def publish_persons(rt, provider) -> Callable[..., str]:
    admin = Actor.for_user(user_id=2001, username="admin", roles=frozenset({Role.BUREAU_ADMIN}),
                           organization_id=None, subject_id=None)

    def run(name: str = "居民基本信息") -> str:
        with rt.context() as ctx:
            made = usecases.create_dataset(ctx, provider["officer"],
                                           DatasetIn(**person_entry(name)))
            usecases.submit(ctx, provider["officer"], made.resource_code)
            return usecases.review(ctx, admin, made.resource_code, approve=True).resource_code

    return run


@pytest.fixture
def make_id() -> Callable[..., str]:
    return citizen_id


@pytest.fixture
def nats_url() -> str:
    """The NATS server's URL; skips (fails under CI=true) when it does not answer."""
    need(reachable(NATS_URL), f"NATS JetStream at {NATS_URL} (GOVBRIDGE_TEST_NATS_URL)")
    return NATS_URL


@pytest.fixture
def topology() -> Iterator[Topology]:
    """A subject prefix and stream of this test only; the stream is deleted afterwards."""
    tag = uuid.uuid4().hex[:10]
    topo = Topology(prefix=f"gbtest{tag}.ingest", stream=f"GBTEST_{tag.upper()}")
    yield topo
    if reachable(NATS_URL):
        asyncio.run(_delete_stream(topo.stream))


async def _delete_stream(name: str) -> None:
    import nats

    nc = await nats.connect(NATS_URL)
    with contextlib.suppress(Exception):  # never created: nothing to delete
        await nc.jetstream().delete_stream(name)
    await nc.close()
