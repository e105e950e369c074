"""Restricted collections: which documents a reader may see, and the collections and members behind it."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from insights.accounts import Accounts
from insights.errors import DocumentNotFound, InsightsError, NotFound
from insights.storage import audit
from insights.storage.store import Store

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}")


@dataclass(frozen=True)
class Reader:
    """Who is reading: an admin sees everything, anyone else the open documents and their collections'."""

    user_id: int | None = None
    is_admin: bool = True
    collections: frozenset[int] = frozenset()


#: The CLI and single-user mode: the person at this machine, who may see everything.
EVERYONE = Reader()


@dataclass(frozen=True)
class Collection:
    """A restricted collection with its members' names and how many documents it holds."""

    id: int
    name: str
    created_at: str
    members: tuple[str, ...] = ()
    documents: int = 0


class Collections:
    """Create collections, manage their members, move documents in and out, and say what a reader may not see."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def reader(self, user_id: int | None, is_admin: bool) -> Reader:
        """Return the reader for an account, with its memberships; nobody (``user_id`` None) sees no collection."""
        if is_admin:
            return Reader(user_id, True)
        if user_id is None:
            return Reader(None, False)
        rows = self.store.db.execute("SELECT collection_id FROM collection_members WHERE user_id = ?", (user_id,))
        return Reader(user_id, False, frozenset(r[0] for r in rows))

    def hidden(self, reader: Reader | None) -> tuple[int, ...]:
        """Return the ids of the collections a reader may not see, sorted (none for an admin)."""
        if reader is None or reader.is_admin:
            return ()
        ids = [r[0] for r in self.store.db.execute("SELECT id FROM collections ORDER BY id")]
        return tuple(i for i in ids if i not in reader.collections)

    def list(self) -> list[Collection]:
        """Return every collection with its members and document count, by name."""
        db = self.store.db
        out = []
        for row in db.execute("SELECT id, name, created_at FROM collections ORDER BY name").fetchall():
            members = tuple(r[0] for r in db.execute(
                """SELECT u.name FROM collection_members m JOIN users u ON u.id = m.user_id
                   WHERE m.collection_id = ? ORDER BY u.name""", (row["id"],)))
            count = db.execute("SELECT count(*) FROM documents WHERE collection_id = ?", (row["id"],)).fetchone()[0]
            out.append(Collection(row["id"], row["name"], row["created_at"], members, count))
        return out

    def get(self, name: str) -> Collection:
        """Return the collection called ``name`` (any case).

        :raises NotFound: when there is none.
        """
        found = next((c for c in self.list() if c.name.lower() == name.strip().lower()), None)
        if found is None:
            raise NotFound(f"no collection called {name[:64]!r}")
        return found

    def create(self, name: str, actor: str = audit.LOCAL) -> Collection:
        """Create an empty collection.

        :raises InsightsError: for a bad or taken name.
        """
        name = name.strip()
        if not NAME.fullmatch(name):
            raise InsightsError(f"{name[:70]!r} is not a valid collection name: use 1 to 64 letters, digits, "
                                "spaces, '.', '_' or '-'")
        with self.store.transaction() as db:
            try:
                cursor = db.execute("INSERT INTO collections (name) VALUES (?)", (name,))
            except sqlite3.IntegrityError:
                raise InsightsError(f"a collection called {name!r} already exists") from None
            audit.record(db, actor, "collection.create", f"collection:{cursor.lastrowid}", {"name": name})
        return self.get(name)

    def set_member(self, name: str, user: str, member: bool = True, actor: str = audit.LOCAL) -> Collection:
        """Add an account to a collection, or with ``member=False`` take it out.

        :raises NotFound: for an unknown collection; UserNotFound for an unknown account.
        """
        collection, account = self.get(name), Accounts(self.store).get(user)
        with self.store.transaction() as db:
            if member:
                db.execute("INSERT OR IGNORE INTO collection_members (collection_id, user_id) VALUES (?, ?)",
                           (collection.id, account.id))
            else:
                db.execute("DELETE FROM collection_members WHERE collection_id = ? AND user_id = ?",
                           (collection.id, account.id))
            audit.record(db, actor, "collection.member.add" if member else "collection.member.remove",
                         f"collection:{collection.id}", {"name": collection.name, "user": account.name})
        return self.get(name)

    def move(self, document_id: int, name: str | None, actor: str = audit.LOCAL) -> int:
        """Put a document in a collection (``None``: in none, open to every reader); return the new generation.

        The caller applies the generation to the indexes: the filter catalog must learn the move.

        :raises DocumentNotFound: for an unknown document; NotFound for an unknown collection.
        """
        collection = None if name is None or not name.strip() else self.get(name)
        with self.store.transaction() as db:
            if db.execute("SELECT 1 FROM documents WHERE id = ?", (document_id,)).fetchone() is None:
                raise DocumentNotFound(f"no document with id {document_id}")
            db.execute("UPDATE documents SET collection_id = ? WHERE id = ?",
                       (None if collection is None else collection.id, document_id))
            audit.record(db, actor, "document.collection", f"document:{document_id}",
                         {"collection": None if collection is None else collection.name})
            return self.store.bump_generation()

    def may_add_to(self, reader: Reader, name: str) -> int:
        """Return the id of a collection the reader may put documents in: an admin any, others their own.

        :raises NotFound: for a collection that does not exist or the reader is not a member of.
        """
        collection = self.get(name)
        if not reader.is_admin and collection.id not in reader.collections:
            raise NotFound(f"no collection called {name[:64]!r} that you are a member of")
        return collection.id
