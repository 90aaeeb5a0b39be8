"""The exchange: what the gateway returns to a consumer, and how it is masked."""
