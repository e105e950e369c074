"""The ``insights users`` and ``insights tokens`` commands: accounts, roles and API tokens from the shell."""

from __future__ import annotations

import sys

import click

from insights.accounts import ROLES, SCOPES
from insights.cli.console import Context, handle_errors, json_option, print_json


def read_password(from_stdin: bool) -> str:
    """Return a new password: the first line of stdin for scripts, else typed twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


password_stdin = click.option("--password-stdin", is_flag=True,
                              help="Read the password from the first line of standard input (for scripts).")


@click.group()
def users() -> None:
    """Accounts and their roles: viewer (read), contributor (+ upload, tag, save), admin (+ delete, manage people).

    Example: insights users add dana --role admin
    """


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="contributor", show_default=True,
              help="What the account may do; the first account must be an admin.")
@password_stdin
@click.pass_obj
@handle_errors
def add(obj: Context, name: str, role: str, password_stdin: bool) -> None:
    """Create an account; its password is asked for twice (or read from stdin).

    Example: insights users add dana --role admin
    """
    user = obj.repo.accounts.add(name, read_password(password_stdin), role)
    click.echo(f"added {user.name} ({user.role})")


@users.command("list")
@json_option
@click.pass_obj
@handle_errors
def list_users(obj: Context, as_json: bool) -> None:
    """List accounts with their role, state and last sign-in.

    Example: insights users list --json
    """
    found = obj.repo.accounts.users()
    if as_json:
        print_json({"users": [u.to_dict() for u in found]})
        return
    if not found:
        click.echo("no accounts: single-user mode on loopback; add the first: insights users add NAME --role admin")
    for user in found:
        state = "disabled" if user.disabled else "active"
        click.echo(f"{user.name:<24} {user.role:<12} {state:<9} last sign-in {user.last_login_at or 'never'}")


@users.command("disable")
@click.argument("name")
@click.pass_obj
@handle_errors
def disable(obj: Context, name: str) -> None:
    """Disable an account: its sessions and API tokens stop working at once.

    Example: insights users disable dana
    """
    click.echo(f"disabled {obj.repo.accounts.set_disabled(name, True).name}")


@users.command("enable")
@click.argument("name")
@click.pass_obj
@handle_errors
def enable(obj: Context, name: str) -> None:
    """Enable a disabled account again (its old sessions stay ended).

    Example: insights users enable dana
    """
    click.echo(f"enabled {obj.repo.accounts.set_disabled(name, False).name}")


@users.command("set-role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
@click.pass_obj
@handle_errors
def set_role(obj: Context, name: str, role: str) -> None:
    """Give an account another role; it applies to the account's next request.

    Example: insights users set-role dana viewer
    """
    user = obj.repo.accounts.set_role(name, role)
    click.echo(f"{user.name} is now {user.role}")


@users.command("reset-password")
@click.argument("name")
@password_stdin
@click.pass_obj
@handle_errors
def reset_password(obj: Context, name: str, password_stdin: bool) -> None:
    """Set a new password for an account and sign it out everywhere.

    Example: insights users reset-password dana
    """
    user = obj.repo.accounts.set_password(name, read_password(password_stdin))
    click.echo(f"changed {user.name}'s password; every session of theirs has ended")


@users.command("logout-everywhere")
@click.argument("name")
@click.pass_obj
@handle_errors
def logout_everywhere(obj: Context, name: str) -> None:
    """End every browser session of an account (API tokens are revoked separately).

    Example: insights users logout-everywhere dana
    """
    click.echo(f"ended every session of {obj.repo.accounts.end_sessions(name).name}")


@click.group()
def tokens() -> None:
    """API tokens: per account, scoped read or write, shown once, stored hashed.

    Example: insights tokens create dana "weekly export" --scope read
    """


@tokens.command("create")
@click.argument("user")
@click.argument("name")
@click.option("--scope", type=click.Choice(SCOPES), default="read", show_default=True,
              help="read: search and read only; write: whatever the account's role allows.")
@click.pass_obj
@handle_errors
def create(obj: Context, user: str, name: str, scope: str) -> None:
    """Create an API token for an account and print its secret, this once.

    Example: insights tokens create dana "weekly export" --scope read
    """
    token, secret = obj.repo.accounts.create_token(user, name, scope)
    click.echo(f"created token {token.id} ({token.scope}) for {token.user}; it is shown this once:", err=True)
    click.echo(secret)


@tokens.command("list")
@click.option("--user", help="Only this account's tokens.")
@json_option
@click.pass_obj
@handle_errors
def list_tokens(obj: Context, user: str | None, as_json: bool) -> None:
    """List API tokens with their owner, scope and last use (never the secrets).

    Example: insights tokens list --user dana
    """
    if user is not None:
        obj.repo.accounts.get(user)  # an unknown name is an error, not an empty list
    found = obj.repo.accounts.tokens(user)
    if as_json:
        print_json({"tokens": [t.to_dict() for t in found]})
        return
    for token in found:
        click.echo(f"{token.id:>4}  {token.user:<20} {token.scope:<6} {token.prefix}…  {token.name}  "
                   f"(last used {token.last_used_at or 'never'})")


@tokens.command("revoke")
@click.argument("token_id", metavar="ID", type=int)
@click.pass_obj
@handle_errors
def revoke(obj: Context, token_id: int) -> None:
    """Revoke an API token; it stops working at once.

    Example: insights tokens revoke 3
    """
    token = obj.repo.accounts.revoke_token(token_id)
    click.echo(f"revoked token {token.id} ({token.name}) of {token.user}")
