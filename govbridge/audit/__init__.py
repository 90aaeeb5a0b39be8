"""Audit trail of administrative actions (who changed what, when, from where).

What the domain offers (nothing is imported here; import the module named):

write, in the caller's transaction:
  record         `record(ctx, actor, action, target_type, target_id, details)`: every use
                 case that changes something calls it
use case `fn(ctx, actor, ...)`:
  record         `list_events` (needs `audit.read`)
table:
  models         `AuditEvent`
"""
