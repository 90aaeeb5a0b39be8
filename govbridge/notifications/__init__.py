"""Notifications (消息通知): an outbox written with the change that causes it, delivered
after commit to the in-app inbox, e-mail (SMTP) and signed webhooks (Standard Webhooks)."""
