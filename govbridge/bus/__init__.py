"""Event bus: domain events published after a transaction commits."""
