"""The certificate as a W3C Verifiable Credential 2.0 (sealed as a compact JWS), and the
holder masking used wherever a certificate is shown to the public. Pure.

The VC (https://www.w3.org/TR/vc-data-model-2.0/):

    {"@context": ["https://www.w3.org/ns/credentials/v2"],
     "id": "urn:govbridge:certificate:<identifier>",
     "type": ["VerifiableCredential", "<type name>"],
     "name": "<type name>",
     "issuer": {"id": "urn:govbridge:org:<credit code>", "name": "<org name>"},
     "validFrom": "...Z", "validUntil": "...Z",
     "credentialSubject": {"id": "urn:govbridge:holder:<holder id>", "name": ..., ...data},
     "credentialStatus": {"id": "<base>/verify/<identifier>", "type": "GovbridgeStatus"},
     "govbridge": {"identifier": ..., "number": ..., "certificateType": ...}}

It is sealed with the issuer's ordinary seal (`govbridge.seals.jws.seal_json`, alg EdDSA by
default) under JWS `typ` "vc+jwt" (the VC-JOSE-COSE media type), so any JOSE library checks
it with the key in `x5c[0]`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from govbridge.core.masking import keep, surname

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
VC_TYP = "vc+jwt"
STATUS_TYPE = "GovbridgeStatus"


def iso(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def verify_url(base_url: str, identifier: str) -> str:
    return f"{base_url.rstrip('/')}/verify/{identifier}"


def build_vc(
    *,
    identifier: str,
    type_name: str,
    certificate_type: str | None,
    issuer_code: str,
    issuer_name: str,
    holder_id: str,
    holder_name: str,
    number: str,
    valid_from: datetime,
    valid_until: datetime | None,
    data: dict[str, Any],
    base_url: str,
) -> dict[str, Any]:
    subject: dict[str, Any] = {**data, "id": f"urn:govbridge:holder:{holder_id}",
                               "name": holder_name}
    vc: dict[str, Any] = {
        "@context": [VC_CONTEXT],
        "id": f"urn:govbridge:certificate:{identifier}",
        "type": ["VerifiableCredential", type_name],
        "name": type_name,
        "issuer": {"id": f"urn:govbridge:org:{issuer_code}", "name": issuer_name},
        "validFrom": iso(valid_from),
        "credentialSubject": subject,
        "credentialStatus": {"id": verify_url(base_url, identifier), "type": STATUS_TYPE},
        "govbridge": {"identifier": identifier, "number": number,
                      "certificateType": certificate_type},
    }
    if valid_until is not None:
        vc["validUntil"] = iso(valid_until)
    return vc


def identifier_of(vc: dict[str, Any]) -> str | None:
    ext = vc.get("govbridge")
    value = ext.get("identifier") if isinstance(ext, dict) else None
    return value if isinstance(value, str) else None


def mask_holder_id(holder_kind: str, holder_id: str) -> str:
    """`110105********002X` for a person's citizen ID; `9132**************3L` for a credit
    code."""
    return keep(holder_id, 6, 4) if holder_kind == "person" else keep(holder_id, 4, 2)


def mask_holder_name(holder_kind: str, name: str) -> str:
    """A person's name keeps the surname (`张*`); an enterprise's name is public."""
    return surname(name) if holder_kind == "person" else name
