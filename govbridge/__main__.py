"""Allow `python -m govbridge`."""

from govbridge.cli.main import app

app()
