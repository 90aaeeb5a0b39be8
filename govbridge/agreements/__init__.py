"""Sharing agreements (共享申请 / 共享协议): request, decide, revoke, and the gate the
gateway passes through before it returns any data."""
