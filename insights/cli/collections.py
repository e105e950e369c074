"""The ``insights collections`` commands: restricted collections, their members and documents, from the shell."""

from __future__ import annotations

from dataclasses import asdict

import click

from insights.cli.console import Context, handle_errors, json_option, print_json


@click.group()
def collections() -> None:
    """Restricted collections: documents in one are seen only by its members and admins.

    Example: insights collections create "NDA interviews"
    """


@collections.command("create")
@click.argument("name")
@click.pass_obj
@handle_errors
def create(obj: Context, name: str) -> None:
    """Create an empty restricted collection.

    Example: insights collections create "NDA interviews"
    """
    click.echo(f"created {obj.repo.collections.create(name).name}")


@collections.command("list")
@json_option
@click.pass_obj
@handle_errors
def list_collections(obj: Context, as_json: bool) -> None:
    """List collections with their document counts and members.

    Example: insights collections list --json
    """
    found = obj.repo.collections.list()
    if as_json:
        print_json({"collections": [asdict(c) for c in found]})
        return
    for c in found:
        click.echo(f"{c.name}\t{c.documents} documents\t{', '.join(c.members) or 'no members'}")


@collections.command("add-member")
@click.argument("name")
@click.argument("user")
@click.pass_obj
@handle_errors
def add_member(obj: Context, name: str, user: str) -> None:
    """Let an account see a collection's documents.

    Example: insights collections add-member "NDA interviews" dana
    """
    changed = obj.repo.collections.set_member(name, user, True)
    click.echo(f"{changed.name}: {', '.join(changed.members)}")


@collections.command("remove-member")
@click.argument("name")
@click.argument("user")
@click.pass_obj
@handle_errors
def remove_member(obj: Context, name: str, user: str) -> None:
    """Stop an account seeing a collection's documents (admins always see them).

    Example: insights collections remove-member "NDA interviews" dana
    """
    changed = obj.repo.collections.set_member(name, user, False)
    click.echo(f"{changed.name}: {', '.join(changed.members) or 'no members'}")


@collections.command("move")
@click.argument("document_id", type=int)
@click.argument("name", required=False)
@click.pass_obj
@handle_errors
def move(obj: Context, document_id: int, name: str | None) -> None:
    """Put a document in a collection, or with no NAME in none (open to every reader).

    Example: insights collections move 12 "NDA interviews"
    """
    doc = obj.repo.move(document_id, name)
    click.echo(f"document {doc['id']} is in {name}" if name else f"document {doc['id']} is open to every reader")
