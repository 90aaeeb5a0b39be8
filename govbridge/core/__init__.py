"""Pure rules: no I/O, no database, no network. Exhaustively tested."""
