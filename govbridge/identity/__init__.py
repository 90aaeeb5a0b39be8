"""Identity and access: organizations, users, roles, system clients, sessions.

What the domain offers (nothing is imported here; import the module named). Its use cases
are grouped by what they manage rather than in one `usecases.py`:

the permission gate:
  access         `require(actor, permission, organization_id=...)`, the first line of every
                 use case
who calls:
  actor          `Actor`: a user, a system client or the local operator, with its
                 permissions
use cases `fn(ctx, actor, ...)`:
  organizations  `create_organization`, `list_organizations`, `get_organization`
  users          `create_user`, `list_users` (applicants' IDs masked unless revealed,
                 audited), `set_password`, `reset_totp`, `set_active`
  clients        `create_client` (the API key shown once), `list_clients`, `revoke_client`
  profile        `my_profile`
sign-in (no actor yet):
  auth, throttle `login`, the TOTP second factor and enrolment, sessions, `logout`;
                 throttling per address
lookups, no actor:
  organizations, users, clients
                 `org_by_code`, `referenced_organization`, `user_by_name`,
                 `actor_for_api_key`
pure rules (no I/O):
  totp, passwords, users
                 RFC 6238 codes with a replay guard; argon2id hashes and reuse;
                 `mask_subject_id`
inputs and results:
  schemas        `OrganizationCreate`, `UserCreate`, `ClientCreate` (their limits) and their
                 results
"""
