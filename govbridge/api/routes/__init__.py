"""Routes of the JSON API under /api/v1; each calls one use case."""
