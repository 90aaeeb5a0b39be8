"""Electronic seals (电子印章): keys, certificates, sealed JSON (JWS).

What the domain offers (nothing is imported here; import the module named):

use cases `fn(ctx, actor, ...)`:
  usecases       `issue_seal`, `rotate_seal`, `revoke_seal`, `list_seals`,
                 `certify_held_seal` (a node's own key)
no actor (callers check first):
  usecases       the CA: `ensure_ca`, `ca_certificate_pem`, `certify_with_ca`; signing:
                 `signer_for`, `pdf_signer_for`, `seal_for`, `ledger_signer`,
                 `active_signer`; checking: `verify_sealed`, `verify_detached`,
                 `ledger_public_keys`, `ledger_certificate_pem` (kept in one module: private
                 keys leave it only inside a `Signer`)
pure rules (no I/O):
  certs, jws, jcs, signers
                 the CA's certificates and attestations; JWS compact seals over RFC 8785
                 canonical JSON; Ed25519 / P-256 / SM2 signers and verifiers
inputs and results:
  schemas        `SealIssueIn`, `SealRotateIn`, `SealRevokeIn` (their limits), `SealOut`,
                 `CaOut`
"""
