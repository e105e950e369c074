"""The audit log: an append-only record of who changed, removed or exported what, and when."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from insights.errors import InsightsError

if TYPE_CHECKING:
    from insights.storage.store import Store

#: The actor of every action while there are no accounts: the person at this machine.
LOCAL = "local"

#: Time stamps are UTC ISO 8601 to the second, the form every other table uses, so they sort as text.
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

# The triggers make the log append-only for every connection, not only for code that goes through
# this module: an UPDATE or DELETE fails and rolls back the statement that tried it.
SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""

#: A relative --since: a number and a unit, e.g. 7d, 12h, 30m, 2w.
_RELATIVE = re.compile(r"^\s*(\d{1,6})\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True)
class Entry:
    """One audited action."""

    id: int
    at: str
    actor: str
    action: str
    target: str
    detail: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """Return the entry as JSON-ready data."""
        return asdict(self)


def record(db: sqlite3.Connection | Store, actor: str, action: str, target: str = "",
           detail: dict[str, Any] | None = None) -> None:
    """Append one entry; inside the caller's transaction when there is one, so it commits with the change."""
    conn = db if isinstance(db, sqlite3.Connection) else db.db
    conn.execute("INSERT INTO audit (actor, action, target, detail) VALUES (?, ?, ?, ?)",
                 (actor, action, target, json.dumps(detail or {}, ensure_ascii=False, default=str)))


def entries(db: sqlite3.Connection | Store, since: str | None = None, actor: str | None = None,
            action: str | None = None, limit: int | None = None, before: int | None = None) -> list[Entry]:
    """Return entries, oldest first: at or after ``since``, by ``actor``, of ``action`` or its sub-actions.

    ``action="document"`` matches ``document.add``, ``document.delete``...; ``limit`` keeps the newest;
    ``before`` keeps those older than that entry id, so pages stay put while new entries arrive.
    """
    conn = db if isinstance(db, sqlite3.Connection) else db.db
    where: list[str] = ["1"]
    params: list[Any] = []
    if before is not None:
        where.append("id < ?")
        params.append(before)
    if since is not None:
        where.append("at >= ?")
        params.append(parse_since(since))
    if actor is not None:
        where.append("actor = ?")
        params.append(actor)
    if action is not None:
        where.append("(action = ? OR substr(action, 1, ?) = ?)")
        params += [action, len(action) + 1, action + "."]
    rows = conn.execute(f"SELECT * FROM (SELECT * FROM audit WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?) "
                        "ORDER BY id", [*params, -1 if limit is None else limit]).fetchall()
    return [Entry(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]


def actions(db: sqlite3.Connection | Store) -> list[str]:
    """Return every action in the log and each family above it (``user``, ``user.password``...), sorted."""
    conn = db if isinstance(db, sqlite3.Connection) else db.db
    found = {row[0] for row in conn.execute("SELECT DISTINCT action FROM audit")}
    return sorted({".".join(parts[:n]) for parts in (a.split(".") for a in found) for n in range(1, len(parts) + 1)})


def parse_since(value: str, now: datetime | None = None) -> str:
    """Turn ``7d``, ``12h``, ``2026-03-14`` or ``2026-03-14T09:30:00+01:00`` into a UTC time stamp.

    :raises InsightsError: when the value is neither a duration nor an ISO date or time.
    """
    now = now or datetime.now(UTC)
    relative = _RELATIVE.match(value)
    if relative:
        moment = now - timedelta(**{_UNITS[relative[2]]: int(relative[1])})
    else:
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InsightsError(f"{value!r} is neither a time like 2026-03-14 or 2026-03-14T09:30:00Z "
                                "nor a duration like 7d, 12h or 30m") from None
        if moment.tzinfo is None:  # a bare date or time is read as UTC, the log's own clock
            moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(TIME_FORMAT)
