"""The ledger (存证账本): an append-only Merkle log of accesses, agreements and issuances."""
