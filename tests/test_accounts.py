"""The accounts library and its CLI: users, roles, passwords, API tokens, and serve's refusal without accounts."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from insights.accounts import Accounts
from insights.cli.main import cli
from insights.errors import InsightsError, UserNotFound
from insights.storage.store import Store

PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(repo) -> Accounts:
    """Return the accounts of a fresh repository, with an admin ada."""
    repo.accounts.add("ada", PASSWORD, "admin")
    return repo.accounts


def test_a_password_is_kept_as_an_argon2id_hash_and_checked(accounts, repo):
    stored = repo.store.db.execute("SELECT password_hash FROM users WHERE name = 'ada'").fetchone()[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert accounts.authenticate("ada", PASSWORD).name == "ada"
    assert accounts.authenticate("ADA", PASSWORD).name == "ada"  # names are case-insensitive
    assert accounts.authenticate("ada", PASSWORD.upper()) is None
    assert accounts.authenticate("nobody", PASSWORD) is None
    assert accounts.authenticate("ada", PASSWORD + "x" * 2000) is None
    assert accounts.get("ada").last_login_at is not None


@pytest.mark.parametrize(("name", "password", "role", "message"), [
    ("", PASSWORD, "viewer", "not a valid name"),
    ("-dash", PASSWORD, "viewer", "not a valid name"),
    ("a" * 65, PASSWORD, "viewer", "not a valid name"),
    ("bo b", PASSWORD, "viewer", "not a valid name"),
    ("bob", "short", "viewer", "8 to 1024 characters"),
    ("bob", PASSWORD, "owner", "not a role"),
    ("ADA", PASSWORD, "viewer", "already exists"),
])
def test_bad_accounts_are_refused_with_the_reason(accounts, name, password, role, message):
    with pytest.raises(InsightsError, match=message):
        accounts.add(name, password, role)


def test_the_first_account_must_be_an_admin(repo):
    with pytest.raises(InsightsError, match="first account must be an admin"):
        repo.accounts.add("vic", PASSWORD, "viewer")
    assert not repo.accounts.exist()


def test_the_last_enabled_admin_stays_an_admin(accounts):
    with pytest.raises(InsightsError, match="last enabled admin"):
        accounts.set_role("ada", "viewer")
    with pytest.raises(InsightsError, match="last enabled admin"):
        accounts.set_disabled("ada")
    accounts.add("bea", PASSWORD, "admin")
    assert accounts.set_role("ada", "viewer").role == "viewer"
    with pytest.raises(InsightsError, match="last enabled admin"):
        accounts.set_disabled("bea")


def test_disabling_a_password_reset_or_ending_sessions_moves_the_epoch(accounts):
    accounts.add("cory", PASSWORD, "contributor")
    epochs = [accounts.get("cory").session_epoch]
    for change in (lambda: accounts.end_sessions("cory"), lambda: accounts.set_password("cory", "another one"),
                   lambda: accounts.set_disabled("cory"), lambda: accounts.set_disabled("cory", False)):
        change()
        epochs.append(accounts.get("cory").session_epoch)
    assert epochs == sorted(set(epochs))
    assert accounts.authenticate("cory", "another one").name == "cory"


def test_a_disabled_account_cannot_sign_in_or_use_its_tokens(accounts):
    accounts.add("cory", PASSWORD, "contributor")
    _, secret = accounts.create_token("cory", "script", "write")
    accounts.set_disabled("cory")
    assert accounts.authenticate("cory", PASSWORD) is None
    assert accounts.check_token(secret) is None
    accounts.set_disabled("cory", False)
    assert accounts.check_token(secret)[0].name == "cory"


def test_tokens_are_stored_as_digests_and_note_their_last_use(accounts, repo):
    token, secret = accounts.create_token("ada", "nightly export", "read")
    assert secret.startswith("ins_") and len(secret) > 40 and token.prefix == secret[:10]
    row = repo.store.db.execute("SELECT * FROM api_tokens").fetchone()
    assert secret not in [str(v) for v in tuple(row)]
    assert accounts.tokens()[0].last_used_at is None
    user, found = accounts.check_token(secret)
    assert (user.name, found.scope) == ("ada", "read")
    assert accounts.tokens("ada")[0].last_used_at is not None
    assert accounts.check_token(secret[:-1]) is None and accounts.check_token("not a token") is None
    accounts.revoke_token(token.id)
    assert accounts.check_token(secret) is None and accounts.tokens() == []
    with pytest.raises(UserNotFound):
        accounts.revoke_token(token.id)


@pytest.mark.parametrize(("name", "scope", "message"), [
    ("", "read", "needs a name"), ("x", "admin", "not a token scope"), ("x" * 101, "read", "needs a name")])
def test_bad_tokens_are_refused(accounts, name, scope, message):
    with pytest.raises(InsightsError, match=message):
        accounts.create_token("ada", name, scope)


def test_an_older_repository_gains_the_account_tables(tmp_path):
    path = tmp_path / "insights.db"
    Store(path).close()
    with sqlite3.connect(path) as db:  # as a repository made before accounts existed
        db.executescript("DROP TABLE api_tokens; DROP TABLE users;")
    store = Store(path)
    assert not Accounts(store).exist()
    Accounts(store).add("ada", PASSWORD, "admin")
    assert Accounts(store).exist()
    store.close()


# -- the CLI -------------------------------------------------------------------------------------------


def run(runner: CliRunner, *args: str, input: str | None = None):  # noqa: A002
    """Run the CLI; return the result."""
    return runner.invoke(cli, list(args), input=input, catch_exceptions=False)


def test_users_commands_manage_accounts(runner: CliRunner):
    refused = run(runner, "users", "add", "vic", "--role", "viewer", "--password-stdin", input=f"{PASSWORD}\n")
    assert refused.exit_code == 1 and "insights users add vic --role admin" in refused.output
    typed = run(runner, "users", "add", "ada", "--role", "admin", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert typed.exit_code == 0 and "added ada (admin)" in typed.output
    mismatch = runner.invoke(cli, ["users", "add", "bob"], input=f"{PASSWORD}\nsomething else\n" * 1)
    assert mismatch.exit_code != 0
    assert run(runner, "users", "add", "vic", "--role", "viewer", "--password-stdin",
               input=f"{PASSWORD}\n").exit_code == 0
    assert "vic is now contributor" in run(runner, "users", "set-role", "vic", "contributor").output
    assert "disabled vic" in run(runner, "users", "disable", "vic").output
    listed = json.loads(run(runner, "users", "list", "--json").output)["users"]
    assert [(u["name"], u["role"], u["disabled"]) for u in listed] == [("ada", "admin", False),
                                                                      ("vic", "contributor", True)]
    assert all("password_hash" not in u and "session_epoch" not in u for u in listed)
    assert "enabled vic" in run(runner, "users", "enable", "vic").output
    assert run(runner, "users", "reset-password", "vic", "--password-stdin", input="a new password\n").exit_code == 0
    assert "ended every session of vic" in run(runner, "users", "logout-everywhere", "vic").output
    last = run(runner, "users", "set-role", "ada", "viewer")
    assert last.exit_code == 1 and "last enabled admin" in last.output
    unknown = run(runner, "users", "disable", "nobody")
    assert unknown.exit_code == 1 and "no account called 'nobody'" in unknown.output
    assert "vic" in run(runner, "users", "list").output


def test_tokens_commands_show_the_secret_once_and_revoke(runner: CliRunner, data_dir: Path):
    run(runner, "users", "add", "ada", "--role", "admin", "--password-stdin", input=f"{PASSWORD}\n")
    created = runner.invoke(cli, ["tokens", "create", "ada", "nightly", "--scope", "write"])
    assert created.exit_code == 0
    secret = created.stdout.strip()
    assert secret.startswith("ins_") and "shown this once" in created.stderr
    listed = json.loads(run(runner, "tokens", "list", "--json").output)["tokens"]
    assert [(t["user"], t["name"], t["scope"]) for t in listed] == [("ada", "nightly", "write")]
    assert secret not in run(runner, "tokens", "list").output
    assert run(runner, "tokens", "list", "--user", "nobody").exit_code == 1
    assert "revoked token 1" in run(runner, "tokens", "revoke", "1").output
    assert run(runner, "tokens", "revoke", "1").exit_code == 1


def test_serve_on_another_address_without_accounts_refuses_and_says_how(runner: CliRunner,
                                                                        monkeypatch: pytest.MonkeyPatch):
    import waitress

    served = []
    monkeypatch.setenv("INSIGHTS_WORKER", "false")  # no upload worker thread left behind in the test process
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: served.append((app, kw)))
    for host in ("0.0.0.0", "192.0.2.10", "::"):
        result = run(runner, "serve", "--host", host)
        assert result.exit_code == 1 and "insights users add NAME --role admin" in result.output
    assert served == []
    assert run(runner, "serve").exit_code == 0  # loopback: single-user mode, as always
    run(runner, "users", "add", "ada", "--role", "admin", "--password-stdin", input=f"{PASSWORD}\n")
    assert run(runner, "serve", "--host", "0.0.0.0").exit_code == 0
    app, options = served[-1]
    assert options["host"] == "0.0.0.0" and app.config["SERVED_ON"] == "0.0.0.0"
