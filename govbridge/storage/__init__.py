"""Storage: engine, transactions, ORM base and migrations. Edge code only."""
