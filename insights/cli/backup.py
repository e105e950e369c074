"""The ``insights backup`` and ``insights restore`` commands: thin shells over insights.storage.backup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from insights.cli.console import Context, handle_errors, json_option, print_json
from insights.storage import backup as backups


def _echo(verb: str, summary: dict[str, Any]) -> None:
    """Print what a backup or restore holds."""
    click.echo(f"{verb} {summary['documents']} documents, {summary['passages']} passages and "
               f"{summary['originals']} original files ({summary['bytes']:,} bytes; model {summary['model']}) "
               f"{'to' if verb == 'backed up' else 'into'} {summary['path']}")


@click.command()
@click.argument("dest", type=click.Path(path_type=Path))
@json_option
@click.pass_obj
@handle_errors
def backup(obj: Context, dest: Path, as_json: bool) -> None:
    """Copy the repository into the new folder DEST, consistently, while it serves and ingests.

    Example: insights --data-dir /srv/insights backup /backups/insights-2026-03-14
    """
    summary = backups.backup(Path(obj.settings.data_dir), dest)
    if as_json:
        print_json(summary)
    else:
        _echo("backed up", summary)


@click.command()
@click.argument("src", type=click.Path(path_type=Path))
@json_option
@click.pass_obj
@handle_errors
def restore(obj: Context, src: Path, as_json: bool) -> None:
    """Check the backup in SRC and restore it into --data-dir, which must be a new or empty folder.

    Example: insights --data-dir /srv/insights-restored restore /backups/insights-2026-03-14
    """
    summary = backups.restore(src, Path(obj.settings.data_dir), model=obj.settings.model)
    if as_json:
        print_json(summary)
    else:
        _echo("restored", summary)
