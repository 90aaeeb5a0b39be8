"""Command line (Typer + Rich): the operator's edge onto the same use cases."""
