"""The API contract is true: schemathesis fuzzes every operation of the OpenAPI document
in-process (ASGI) as a data officer and as an applicant, against seeded data.

Checks: no server error, every status and content type the app answers is declared, the
body matches the declared schema, and an unsupported method answers 405 with `Allow`.
A few examples per operation keep the run short; the seed is fixed so a failure repeats.
The run goes through schemathesis' own engine (what `st run` uses), so the coverage phase
(boundary values, missing parameters, undeclared methods) runs as well as fuzzing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events

from govbridge.api.app import create_app
from govbridge.core.permissions import Role

pytestmark = pytest.mark.slow

CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "unsupported_method")
LOGOUT = ("DELETE", "/api/v1/sessions/current")


@dataclass(frozen=True)
class Finding:
    check: str
    operation: str
    status: int | None
    title: str

    def __str__(self) -> str:
        return f"{self.check}: {self.operation} -> {self.status}: {self.title}"


def config(token: str, checks: tuple[str, ...] | None, max_examples: int) -> SchemathesisConfig:
    checks_cfg: dict[str, Any] = {"enabled": checks is None}
    for name in checks or ():
        checks_cfg[name] = {"enabled": True}
    return SchemathesisConfig.from_dict({
        "seed": 20240611,
        "headers": {"Authorization": f"Bearer {token}"},
        "checks": checks_cfg,
        # The caller's own bearer token is sent; no generated keys or cookies besides.
        "generation": {"max-examples": max_examples, "deterministic": True,
                       "no-shrink": True, "with-security-parameters": False},
        "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True},
                   "fuzzing": {"enabled": True}, "stateful": {"enabled": False}},
    })


def fuzz(app: Any, token: str, real: dict[str, str], *, checks: tuple[str, ...] | None = CHECKS,
         max_examples: int = 4) -> list[Finding]:
    """Every operation of the app's OpenAPI document, fuzzed; what the checks found."""
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app,
                                            config=config(token, checks, max_examples))
    # The logout operation would end the fuzzing caller's session; it is tested on its own.
    schema = schema.exclude(method="DELETE", path="/api/v1/sessions/current")

    @schema.hook
    def before_generate_path_parameters(context: Any, strategy: Any) -> Any:
        # Half the cases aim at the seeded objects, the rest at whatever is generated.
        return st.tuples(strategy, st.booleans()).map(
            lambda pair: {k: (real.get(k, v) if pair[1] else v) for k, v in pair[0].items()}
            if pair[0] else pair[0])

    found: set[Finding] = set()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.FatalError):
            raise AssertionError(f"schemathesis could not run: {event.exception!r}")
        if not isinstance(event, events.ScenarioFinished):
            continue
        recorder = event.recorder
        for case_id, nodes in recorder.checks.items():
            for node in nodes:
                if node.failure_info is None:
                    continue
                response = recorder.find_response(case_id=case_id)
                found.add(Finding(node.name, recorder.label,
                                  None if response is None else response.status_code,
                                  node.failure_info.failure.title))
    return sorted(found, key=str)


def summary(findings: list[Finding]) -> str:
    counts = Counter(f.check for f in findings)
    return ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))


@pytest.fixture
def seeded(publish, entry, make_org) -> dict[str, str]:
    """Something real to hit: a published dataset of another department, an organization."""
    dataset = publish(entry())
    classification, sequence = dataset.resource_code.split("/")
    org = make_org(name="苏州市民政局")
    return {"classification": classification, "sequence": sequence, "code": org,
            "organization_code": org}


@pytest.mark.parametrize("role", [Role.DATA_OFFICER, Role.APPLICANT],
                         ids=["data_officer", "applicant"])
def test_every_operation_keeps_its_contract(rt, token_for, seeded, role):
    findings = fuzz(create_app(rt), token_for(role), seeded)
    assert not findings, summary(findings) + "\n" + "\n".join(map(str, findings))
