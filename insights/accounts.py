"""Accounts: people with roles, their passwords and sessions, and their API tokens, kept in SQLite."""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from insights.errors import InsightsError, UserNotFound
from insights.storage import audit
from insights.storage.store import Store

#: Roles from least to most trusted; each may do everything the ones before it may.
ROLES = ("viewer", "contributor", "admin")
#: read: search, read, export, themes, competitors; write: upload, tags, saved insights;
#: admin: delete documents, manage people and their access, reindex.
PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"read"}),
    "contributor": frozenset({"read", "write"}),
    "admin": frozenset({"read", "write", "admin"}),
}
#: What an API token may do: only read, or whatever its owner's role allows.
SCOPES = ("read", "write")

MIN_PASSWORD = 8
#: Argon2 hashes any length; a megabyte of "password" would only be a way to burn the server's CPU.
MAX_PASSWORD = 1024
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
MAX_TOKEN_NAME = 100
TOKEN_PREFIX = "ins_"
#: A token's last use is written at most this often, so reads with a token rarely write.
LAST_USED_EVERY = timedelta(seconds=60)

# Argon2id with RFC 9106's low-memory parameters: the library's default, upgraded with it (see check_needs_rehash).
_hasher = PasswordHasher()
_USER_COLUMNS = "id, name, role, disabled, session_epoch, created_at, last_login_at"


@dataclass(frozen=True)
class User:
    """A person who may sign in; ``id`` is None only for the local user of single-user mode."""

    id: int | None
    name: str
    role: str
    disabled: bool = False
    session_epoch: int = 0
    created_at: str = ""
    last_login_at: str | None = None

    def can(self, permission: str) -> bool:
        """Return whether this user's role grants ``permission`` (read, write or admin)."""
        return not self.disabled and permission in PERMISSIONS[self.role]

    def to_dict(self) -> dict[str, Any]:
        """Return the user as ``users list --json`` prints it (never the password hash)."""
        data = asdict(self)
        del data["session_epoch"]
        return data


#: Who acts in single-user mode (no accounts, served on loopback): the person at this machine, with every right.
LOCAL_USER = User(id=None, name="local", role="admin")


@dataclass(frozen=True)
class Token:
    """An API token as listed: its owner, name, scope and last use; the secret itself is never kept."""

    id: int
    user: str
    name: str
    scope: str
    prefix: str
    created_at: str
    last_used_at: str | None

    def to_dict(self) -> dict[str, Any]:
        """Return the token as ``tokens list --json`` prints it."""
        return asdict(self)


class Accounts:
    """Create and change accounts, check passwords, and issue, check and revoke API tokens."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- people -----------------------------------------------------------------------------

    def exist(self) -> bool:
        """Return whether any account exists (none, on loopback: single-user mode)."""
        return self.store.db.execute("SELECT EXISTS (SELECT 1 FROM users)").fetchone()[0] == 1

    def users(self) -> list[User]:
        """Return every account, by name."""
        rows = self.store.db.execute(f"SELECT {_USER_COLUMNS} FROM users ORDER BY name").fetchall()
        return [_user(row) for row in rows]

    def get(self, name: str) -> User:
        """Return the account called ``name`` (any case).

        :raises UserNotFound: when there is none.
        """
        row = self.store.db.execute(f"SELECT {_USER_COLUMNS} FROM users WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise UserNotFound(f"no account called {name[:64]!r}")
        return _user(row)

    def by_id(self, user_id: int) -> User | None:
        """Return the account with this id, or None."""
        row = self.store.db.execute(f"SELECT {_USER_COLUMNS} FROM users WHERE id = ?", (user_id,)).fetchone()
        return None if row is None else _user(row)

    def add(self, name: str, password: str, role: str, actor: str = audit.LOCAL) -> User:
        """Create an account; audited as ``user.add`` by ``actor``.

        :raises InsightsError: for a bad name, role or password, a name taken, or a first account that is no admin.
        """
        if not NAME.fullmatch(name):
            raise InsightsError(f"{name[:70]!r} is not a valid name: use 1 to 64 letters, digits, '.', '_', '@' "
                                "or '-', starting with a letter or digit")
        _check_role(role)
        digest = _hasher.hash(_check_password(password))
        with self.store.transaction() as db:
            if role != "admin" and not self.exist():
                raise InsightsError("the first account must be an admin, so that someone can manage the others: "
                                    f"insights users add {name} --role admin")
            try:
                db.execute("INSERT INTO users (name, password_hash, role) VALUES (?, ?, ?)", (name, digest, role))
            except sqlite3.IntegrityError:
                raise InsightsError(f"an account called {name!r} already exists") from None
            audit.record(db, actor, "user.add", f"user:{name}", {"role": role})
        return self.get(name)

    def set_role(self, name: str, role: str, actor: str = audit.LOCAL) -> User:
        """Give an account another role; the last admin cannot stop being one."""
        _check_role(role)
        with self.store.transaction() as db:
            user = self.get(name)
            if role != "admin":
                self._keep_an_admin(user)
            db.execute("UPDATE users SET role = ? WHERE id = ?", (role, user.id))
            audit.record(db, actor, "user.role", f"user:{user.name}", {"before": user.role, "role": role})
        return self.get(name)

    def set_disabled(self, name: str, disabled: bool = True, actor: str = audit.LOCAL) -> User:
        """Disable an account (its sessions and tokens stop working at once) or enable it again."""
        with self.store.transaction() as db:
            user = self.get(name)
            if disabled:
                self._keep_an_admin(user)
            db.execute("UPDATE users SET disabled = ?, session_epoch = session_epoch + 1 WHERE id = ?",
                       (int(disabled), user.id))
            audit.record(db, actor, "user.disable" if disabled else "user.enable", f"user:{user.name}")
        return self.get(name)

    def set_password(self, name: str, password: str, actor: str = audit.LOCAL) -> User:
        """Set a new password and end every session of the account; audited as a change (own) or a reset."""
        digest = _hasher.hash(_check_password(password))
        with self.store.transaction() as db:
            user = self.get(name)
            db.execute("UPDATE users SET password_hash = ?, session_epoch = session_epoch + 1 WHERE id = ?",
                       (digest, user.id))
            own = actor.lower() == user.name.lower()
            audit.record(db, actor, "user.password.change" if own else "user.password.reset", f"user:{user.name}")
        return self.get(name)

    def end_sessions(self, name: str, actor: str = audit.LOCAL) -> User:
        """Sign an account out everywhere: every session cookie issued so far stops working."""
        with self.store.transaction() as db:
            user = self.get(name)
            db.execute("UPDATE users SET session_epoch = session_epoch + 1 WHERE id = ?", (user.id,))
            audit.record(db, actor, "logout.everywhere", f"user:{user.name}")
        return self.get(name)

    def authenticate(self, name: str, password: str, address: str | None = None) -> User | None:
        """Return the enabled account whose name and password these are, or None.

        With ``address`` (the client's) this is a sign-in, audited as ``login`` or ``login.failed`` under the
        name tried, with the reason; never the password.
        """
        row = self.store.db.execute(f"SELECT {_USER_COLUMNS}, password_hash FROM users WHERE name = ?",
                                    (name,)).fetchone()
        # An unknown name costs the same hash as a wrong password, so timing does not tell which names exist.
        stored = row["password_hash"] if row is not None else _dummy_hash()
        try:
            _hasher.verify(stored, password[:MAX_PASSWORD + 1])
            failure = ("unknown name" if row is None else "disabled" if row["disabled"]
                       else "password too long" if len(password) > MAX_PASSWORD else None)
        except (VerificationError, InvalidHashError):
            failure = "unknown name" if row is None else "wrong password"
        if failure is not None:
            if address is not None:  # the log is for admins: saying why helps them tell a typo from an attack
                with self.store.transaction() as db:
                    audit.record(db, name[:64], "login.failed", f"user:{name[:64]}",
                                 {"address": address, "reason": failure})
            return None
        assert row is not None
        with self.store.transaction() as db:
            if address is not None:
                audit.record(db, row["name"], "login", f"user:{row['name']}", {"address": address})
            if _hasher.check_needs_rehash(stored):  # the library's parameters grew: store the stronger hash
                db.execute("UPDATE users SET password_hash = ? WHERE id = ?", (_hasher.hash(password), row["id"]))
            db.execute("UPDATE users SET last_login_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?",
                       (row["id"],))
        return self.by_id(row["id"])

    def _keep_an_admin(self, user: User) -> None:
        """Refuse a change that would leave no enabled admin (nobody could manage accounts from the web)."""
        if user.role != "admin" or user.disabled:
            return
        others = self.store.db.execute("SELECT COUNT(*) FROM users WHERE role = 'admin' AND NOT disabled AND id != ?",
                                       (user.id,)).fetchone()[0]
        if not others:
            raise InsightsError(f"{user.name} is the last enabled admin; make another admin first")

    # -- API tokens -------------------------------------------------------------------------

    def create_token(self, user: str, name: str, scope: str, actor: str = audit.LOCAL) -> tuple[Token, str]:
        """Issue a token for an account; return it with its secret, which is shown once and never stored."""
        if scope not in SCOPES:
            raise InsightsError(f"{scope[:20]!r} is not a token scope; use one of {', '.join(SCOPES)}")
        name = name.strip()
        if not name or len(name) > MAX_TOKEN_NAME:
            raise InsightsError(f"a token needs a name of 1 to {MAX_TOKEN_NAME} characters, to tell it apart later")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.store.transaction() as db:
            owner = self.get(user)
            cursor = db.execute("INSERT INTO api_tokens (user_id, name, scope, digest, prefix) VALUES (?, ?, ?, ?, ?)",
                                (owner.id, name, scope, _digest(secret), secret[: len(TOKEN_PREFIX) + 6]))
            # The prefix only, as the token list shows it: the secret itself is never written anywhere.
            audit.record(db, actor, "token.create", f"token:{cursor.lastrowid}",
                         {"owner": owner.name, "name": name, "scope": scope, "prefix": secret[: len(TOKEN_PREFIX) + 6]})
        return self._token(int(cursor.lastrowid or 0)), secret

    def tokens(self, user: str | None = None) -> list[Token]:
        """Return the tokens of one account, or of all, newest first."""
        where, args = ("WHERE u.name = ?", (user,)) if user is not None else ("", ())
        rows = self.store.db.execute(f"{_TOKEN_SELECT} {where} ORDER BY t.id DESC", args).fetchall()
        return [_token(row) for row in rows]

    def revoke_token(self, token_id: int, user: str | None = None, actor: str = audit.LOCAL) -> Token:
        """Delete a token (only if it belongs to ``user``, when given); it stops working at once.

        :raises UserNotFound: when no such token exists (or it is someone else's).
        """
        with self.store.transaction() as db:
            token = self._token(token_id)
            if user is not None and token.user.lower() != user.lower():
                raise UserNotFound(f"no token {token_id}")
            db.execute("DELETE FROM api_tokens WHERE id = ?", (token_id,))
            audit.record(db, actor, "token.revoke", f"token:{token_id}",
                         {"owner": token.user, "name": token.name, "scope": token.scope})
        return token

    def check_token(self, secret: str) -> tuple[User, Token] | None:
        """Return the enabled account and the token that ``secret`` is, noting its use; None otherwise."""
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
            return None
        row = self.store.db.execute(f"{_TOKEN_SELECT} WHERE t.digest = ?", (_digest(secret),)).fetchone()
        if row is None:
            return None
        user = self.by_id(row["user_id"])
        if user is None or user.disabled:
            return None
        now = datetime.now(UTC)
        if row["last_used_at"] is None or row["last_used_at"] < _stamp(now - LAST_USED_EVERY):
            with self.store.transaction() as db:
                db.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (_stamp(now), row["id"]))
        return user, _token(row)

    def _token(self, token_id: int) -> Token:
        """Return one token, or raise UserNotFound."""
        row = self.store.db.execute(f"{_TOKEN_SELECT} WHERE t.id = ?", (token_id,)).fetchone()
        if row is None:
            raise UserNotFound(f"no token {token_id}")
        return _token(row)


class LoginThrottle:
    """Count failed sign-ins per key (a name and an address) and refuse more than ``limit`` in ``window`` seconds."""

    def __init__(self, limit: int = 5, window: float = 900.0, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 10_000) -> None:
        self.limit, self.window, self.clock, self.max_keys = limit, window, clock, max_keys
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int:
        """Return the seconds until ``key`` may try again; 0 when it may now."""
        with self._lock:
            failures = self._recent(key)
            if len(failures) < self.limit:
                return 0
            return max(1, int(failures[0] + self.window - self.clock()) + 1)

    def failed(self, key: str) -> None:
        """Count one failed sign-in."""
        with self._lock:
            failures = self._recent(key)
            if not failures and len(self._failures) >= self.max_keys:
                # Memory stays bounded under a flood of names: forget the key whose last failure is oldest.
                del self._failures[min(self._failures, key=lambda k: self._failures[k][-1])]
            failures.append(self.clock())
            self._failures[key] = failures

    def reset(self, key: str) -> None:
        """Forget the failures of a key that has just signed in."""
        with self._lock:
            self._failures.pop(key, None)

    def _recent(self, key: str) -> deque[float]:
        """Return the key's failures inside the window; a key with none left is forgotten."""
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= self.clock() - self.window:
            failures.popleft()
        if not failures:
            self._failures.pop(key, None)
        return failures


_TOKEN_SELECT = ("SELECT t.id, t.user_id, u.name AS user, t.name, t.scope, t.prefix, t.created_at, t.last_used_at "
                 "FROM api_tokens t JOIN users u ON u.id = t.user_id")
_dummy: list[str] = []


def _user(row: sqlite3.Row) -> User:
    """Build a User from a row."""
    return User(id=row["id"], name=row["name"], role=row["role"], disabled=bool(row["disabled"]),
                session_epoch=row["session_epoch"], created_at=row["created_at"], last_login_at=row["last_login_at"])


def _token(row: sqlite3.Row) -> Token:
    """Build a Token from a row."""
    return Token(id=row["id"], user=row["user"], name=row["name"], scope=row["scope"], prefix=row["prefix"],
                 created_at=row["created_at"], last_used_at=row["last_used_at"])


def _check_role(role: str) -> None:
    """Refuse a role that does not exist."""
    if role not in ROLES:
        raise InsightsError(f"{role[:20]!r} is not a role; use one of {', '.join(ROLES)}")


def _check_password(password: str) -> str:
    """Return the password when its length is acceptable, else raise."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InsightsError(f"a password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return password


def _digest(secret: str) -> str:
    """Return what is stored of a token: a token is 256 random bits, so a plain SHA-256 cannot be reversed."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _stamp(moment: datetime) -> str:
    """Format a time as the database's timestamps are."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _dummy_hash() -> str:
    """Return a hash of nothing anyone knows, made once, to check unknown names against."""
    if not _dummy:
        _dummy.append(_hasher.hash(secrets.token_hex(16)))
    return _dummy[0]
