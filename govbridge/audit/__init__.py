"""Audit trail of administrative actions (who changed what, when, from where)."""
