"""The governance world (tests/governance_helpers.py) as a fixture."""

from __future__ import annotations

import pytest
from governance_helpers import GovWorld, build_world


@pytest.fixture
def gov(rt, make_org) -> GovWorld:
    return build_world(rt, make_org)
