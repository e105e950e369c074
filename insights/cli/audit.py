"""The ``insights audit`` command: read the append-only log of who changed or exported what."""

from __future__ import annotations

import json

import click

from insights.cli.console import Context, handle_errors, json_option, print_json


@click.command()
@click.option("--since", help="Only entries at or after this time: 2026-03-14, 2026-03-14T09:30:00Z, or 7d, 12h, 30m.")
@click.option("--user", "actor", help="Only what this user did (\"local\" for the person at this machine).")
@click.option("--action", help="Only this action or its sub-actions: export, document, document.delete, insight...")
@click.option("--limit", type=click.IntRange(1), help="Only the newest N entries.")
@json_option
@click.pass_obj
@handle_errors
def audit(obj: Context, since: str | None, actor: str | None, action: str | None, limit: int | None,
          as_json: bool) -> None:
    """Show the audit log, oldest first: when, who, what action, on what.

    Example: insights audit --since 7d --action document.delete
    """
    found = obj.repo.audit_log(since, actor, action, limit)
    if as_json:
        print_json({"entries": [e.to_dict() for e in found]})
        return
    for entry in found:
        detail = json.dumps(entry.detail, ensure_ascii=False, separators=(",", ":")) if entry.detail else ""
        click.echo(f"{entry.at}  {entry.actor:<12} {entry.action:<22} {entry.target:<16} {detail}")
    if not found:
        click.echo("No audit entries match.")
