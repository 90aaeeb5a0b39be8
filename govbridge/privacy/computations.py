"""Which party and hub generators run each computation (the registry; no I/O)."""

from __future__ import annotations

from collections.abc import Callable

from govbridge.privacy import aggregation, learning, psi
from govbridge.privacy.protocol import Hub, HubGen, Me, PartyGen
from govbridge.privacy.rules import family

_MODULES = {"psi": psi, "aggregate": aggregation, "federated": learning}


def party_of(computation: str) -> Callable[[Me], PartyGen]:
    return _MODULES[family(computation)].party  # type: ignore[no-any-return]


def hub_of(computation: str) -> Callable[[Hub], HubGen]:
    return _MODULES[family(computation)].hub  # type: ignore[no-any-return]
