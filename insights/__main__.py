"""Run the CLI as ``python -m insights``."""

from insights.cli import cli

cli()
