"""Backups: a consistent copy of a repository taken while it runs, and a verified, atomic restore of one.

A backup folder holds ``insights.db`` (an online snapshot), ``originals/`` (exactly the kept files
that snapshot refers to) and ``manifest.json``, written last, with the sha256 and size of every
file. The FAISS index is left out: it is derived from the vectors stored in the database, and on
disk it lags the database during an ingest (it is saved once per run), so restore rebuilds it from
the snapshot — the same vectors, no re-embedding.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from insights.errors import InsightsError
from insights.storage import audit
from insights.storage.atomic import atomic_write
from insights.storage.indexes import Indexes
from insights.storage.store import Store

#: The layout version this code writes and reads.
FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = "insights.db"
ORIGINALS = "originals"
#: How often a backup starts over when a file its snapshot needs was collected meanwhile.
ATTEMPTS = 5
_CHUNK = 1 << 20


class BackupError(InsightsError):
    """A backup cannot be made, or a backup is incomplete, damaged or does not fit; the message says which."""


def backup(data_dir: Path, dest: Path, actor: str = audit.LOCAL) -> dict[str, Any]:
    """Copy the repository in ``data_dir`` into the new folder ``dest``, consistently, without stopping writers.

    :raises BackupError: when there is no repository, or ``dest`` exists and is not an empty folder.
    """
    dest = Path(os.path.abspath(dest))  # "." or "../x" still has a parent to build beside
    database = data_dir / DATABASE
    if not database.is_file():
        raise BackupError(f"no repository at {data_dir}: it has no {DATABASE}")
    _check_empty(dest, "the backup")
    gone: str | None = None
    for _ in range(ATTEMPTS):
        with _staging(dest, "backup") as tmp:
            manifest = _snapshot(data_dir, tmp)
            if isinstance(manifest, dict):
                _publish(tmp, dest)
                break
        # An original was collected after the snapshot was taken: a newer snapshot no longer needs
        # it, unless it is lost from the repository itself.
        if manifest == gone:
            raise BackupError(f"the repository is damaged: {data_dir / ORIGINALS / manifest} is missing but a "
                              "document refers to it; re-ingest that file, or remove its document, then back up")
        gone = manifest
    else:
        raise BackupError(f"the repository kept changing during {ATTEMPTS} attempts; try again")
    with closing(Store(database)) as store:
        audit.record(store, actor, "backup", str(dest), {**manifest["counts"], "bytes": manifest["bytes"]})
    return _summary(manifest, dest)


def restore(src: Path, data_dir: Path, model: str | None = None, actor: str = audit.LOCAL) -> dict[str, Any]:
    """Verify the backup in ``src`` and restore it into the new folder ``data_dir``, rebuilding the indexes.

    Nothing is written to ``data_dir`` unless every check passes. ``model``, when given, must be the
    model the backup's vectors were made with.

    :raises BackupError: for a missing or edited manifest, a missing, truncated or altered file, a
        damaged database, another format version or model, or a ``data_dir`` that is not empty.
    """
    data_dir = Path(os.path.abspath(data_dir))
    manifest = read_manifest(src)
    stored = manifest.get("model")
    if model is not None and stored is not None and stored != model:
        raise BackupError(f"this backup was embedded with {stored!r} but the configured model is {model!r}; "
                          f"restore it with --model {stored} (or INSIGHTS_MODEL={stored}), then, to move to "
                          f"{model!r}, run: insights reindex --re-embed")
    _check_empty(data_dir, "the restored repository")
    with _staging(data_dir, "restore") as tmp:
        (tmp / ORIGINALS).mkdir()  # even for a repository with no documents yet
        for entry in manifest["files"]:
            _copy_checked(src, tmp, entry)
        _check_database(tmp, manifest)
        with closing(Store(tmp / DATABASE)) as store:
            indexes = Indexes(store, tmp)
            indexes.rebuild()  # the derived vector index, from the stored vectors
            indexes.save()
            audit.record(store, actor, "restore", str(src.resolve()), {"created_at": manifest["created_at"],
                                                                      **manifest["counts"]})
            store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _publish(tmp, data_dir)
    return _summary(manifest, data_dir)


def read_manifest(src: Path) -> dict[str, Any]:
    """Return a backup's manifest once its format and its own checksum are right.

    :raises BackupError: when the manifest is missing, unreadable, edited or of another format.
    """
    path = src / MANIFEST
    if not src.is_dir():
        raise BackupError(f"no backup at {src}: not a folder")
    if not path.is_file():
        raise BackupError(f"{src} is not a complete backup: it has no {MANIFEST} (a backup writes it last, "
                          "so one that was interrupted has none)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        body = {k: v for k, v in manifest.items() if k != "checksum"}
    except (ValueError, UnicodeDecodeError, AttributeError):
        raise BackupError(f"{path} is damaged: it is not a JSON object") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is backup format {manifest.get('format')!r}; this version of insights "
                          f"reads format {FORMAT}")
    if manifest.get("checksum") != _digest(body):
        raise BackupError(f"{path} was edited or damaged: its contents do not match its own checksum")
    files = manifest.get("files")
    if (not isinstance(files, list) or not all(isinstance(f, dict) for f in files)
            or DATABASE not in {f.get("path") for f in files} or not isinstance(manifest.get("counts"), dict)):
        raise BackupError(f"{path} is not a backup manifest: it must list {DATABASE} and the originals")
    return manifest


# -- backup steps ----------------------------------------------------------------------------


def _snapshot(data_dir: Path, tmp: Path) -> dict[str, Any] | str:
    """Copy the database with SQLite's online backup, then the originals it refers to; return the manifest.

    Return the name of an original the snapshot needs that was deleted before it could be copied.
    """
    # One step (pages=-1) reads the whole database inside one read transaction: a consistent
    # snapshot; in WAL mode writers carry on meanwhile.
    with closing(sqlite3.connect(data_dir / DATABASE, timeout=60)) as source, \
            closing(sqlite3.connect(tmp / DATABASE)) as copy:
        source.backup(copy)
        # A single file, with no -wal beside it, is what the checksum covers.
        copy.execute("PRAGMA journal_mode=DELETE")
        # Parked uploads are not copied: a job still waiting would point at nothing after a restore.
        copy.execute("UPDATE jobs SET status = 'failed', message = 'the server was still working on this upload "
                     "when the backup was taken; upload it again' WHERE status IN ('queued', 'running')")
        copy.commit()
        originals = sorted(r[0] for r in copy.execute("SELECT DISTINCT original FROM documents"))
        counts = _counts(copy)
        meta = dict(copy.execute("SELECT key, value FROM meta").fetchall())
    files = [_entry(tmp, DATABASE)]
    (tmp / ORIGINALS).mkdir()
    for name in originals:
        # Originals are written whole before a row refers to them and never change (they are named
        # by their content hash); one may only be deleted, once no newer row needs it.
        try:
            shutil.copyfile(data_dir / ORIGINALS / name, tmp / ORIGINALS / name)
        except FileNotFoundError:
            return name
        files.append(_entry(tmp, f"{ORIGINALS}/{name}"))
    body = {
        "format": FORMAT,
        "app_version": _version(),
        "created_at": datetime.now(UTC).strftime(audit.TIME_FORMAT),
        "model": meta.get("model"),
        "dimension": int(meta["dimension"]) if meta.get("dimension") else None,
        "generation": int(meta.get("generation") or 0),
        "counts": {**counts, "originals": len(originals)},
        "bytes": sum(f["bytes"] for f in files),
        "vector_index": "not included: rebuilt on restore from the vectors stored in insights.db",
        "files": files,
    }
    manifest = {**body, "checksum": _digest(body)}
    _fsync_tree(tmp)
    # Last, so that a folder without a manifest is recognisably incomplete.
    atomic_write(tmp / MANIFEST, json.dumps(manifest, indent=2).encode())
    return manifest


def _entry(root: Path, relative: str) -> dict[str, Any]:
    """Return a file's manifest entry: its path, size and sha256."""
    path = root / relative
    return {"path": relative, "bytes": path.stat().st_size, "sha256": _sha256(path)}


# -- restore steps ---------------------------------------------------------------------------


def _copy_checked(src: Path, tmp: Path, entry: dict[str, Any]) -> None:
    """Copy one listed file into the staging folder, checking the bytes copied against the manifest.

    :raises BackupError: when the file is missing, another size, or its checksum differs.
    """
    relative = str(entry.get("path", ""))
    parts = Path(relative).parts
    if not parts or Path(relative).is_absolute() or ".." in parts or parts[0] not in (DATABASE, ORIGINALS):
        raise BackupError(f"the manifest lists {relative!r}, which is not a file of a backup")
    source, target = src / relative, tmp / relative
    if not source.is_file():
        raise BackupError(f"the backup is incomplete: {relative} is missing")
    size = source.stat().st_size
    if size != entry.get("bytes"):
        raise BackupError(f"{relative} is {size:,} bytes but the manifest says {entry.get('bytes'):,}: "
                          "the file was truncated or altered")
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with open(source, "rb") as reader, open(target, "wb") as writer:
        while block := reader.read(_CHUNK):
            digest.update(block)
            writer.write(block)
    # The copy's bytes are what is checked, so a file changed during the restore cannot slip in.
    if digest.hexdigest() != entry.get("sha256"):
        raise BackupError(f"checksum mismatch: {relative} is not the file that was backed up (damaged or altered)")


def _check_database(tmp: Path, manifest: dict[str, Any]) -> None:
    """Check that the restored database is whole, matches the manifest, and has every original it needs.

    :raises BackupError: when any of these fails.
    """
    try:
        with closing(sqlite3.connect(f"file:{tmp / DATABASE}?mode=ro", uri=True)) as db:
            problems = [r[0] for r in db.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError(f"{DATABASE} in the backup is damaged: {'; '.join(problems[:3])}")
            counts = _counts(db)
            model = (db.execute("SELECT value FROM meta WHERE key = 'model'").fetchone() or [None])[0]
            originals = {r[0] for r in db.execute("SELECT DISTINCT original FROM documents")}
    except sqlite3.DatabaseError as ex:
        raise BackupError(f"{DATABASE} in the backup is damaged: {ex}") from None
    expected = {k: v for k, v in manifest["counts"].items() if k != "originals"}
    if counts != expected or model != manifest.get("model"):
        raise BackupError(f"the manifest does not describe {DATABASE}: it says {expected} and model "
                          f"{manifest.get('model')!r}, the database holds {counts} and model {model!r}")
    missing = sorted(originals - {p.name for p in (tmp / ORIGINALS).iterdir()})
    if missing:
        raise BackupError(f"the backup is incomplete: {len(missing)} original file(s) the database refers to "
                          f"are not in it, e.g. {ORIGINALS}/{missing[0]}")


# -- shared ----------------------------------------------------------------------------------


def _check_empty(folder: Path, what: str) -> None:
    """Refuse a destination that exists and is anything but an empty folder."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupError(f"{folder} already exists and is not empty; choose a new folder for {what}")


@contextmanager
def _staging(final: Path, purpose: str) -> Iterator[Path]:
    """Yield a fresh folder beside ``final`` (same file system, so it can be renamed); remove it unless published."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".{final.name}.{purpose}-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _publish(tmp: Path, final: Path) -> None:
    """Rename the finished staging folder to its final name (replacing an empty folder), durably."""
    _fsync_tree(tmp)
    try:
        os.replace(tmp, final)  # rename(2) replaces an empty folder; a non-empty one fails
    except OSError as ex:
        raise BackupError(f"cannot create {final}: {ex.strerror}; choose a new folder") from None
    _fsync(final.parent)


def _fsync_tree(root: Path) -> None:
    """Flush every file and folder under ``root`` to disk."""
    for folder, _, names in os.walk(root):
        for name in names:
            _fsync(Path(folder, name))
        _fsync(Path(folder))


def _fsync(path: Path) -> None:
    """Flush one file or folder to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _counts(db: sqlite3.Connection) -> dict[str, int]:
    """Return the row counts a manifest records."""
    row = db.execute("""SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM passages),
                               (SELECT count(*) FROM embeddings)""").fetchone()
    return {"documents": row[0], "passages": row[1], "vectors": row[2]}


def _sha256(path: Path) -> str:
    """Return a file's sha256, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _digest(body: dict[str, Any]) -> str:
    """Return the sha256 of a manifest's body, in a canonical form."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _version() -> str:
    """Return the installed version of insights."""
    try:
        return metadata.version("insights")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def _summary(manifest: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Return what a backup or restore reports."""
    return {"path": str(folder), "created_at": manifest["created_at"], "model": manifest["model"],
            **manifest["counts"], "bytes": manifest["bytes"]}
