"""Run the CLI as ``python -m insights``."""

from insights.cli.main import cli

cli()
