"""Find files, read them within limits, parse and chunk them; no storage, no models."""

from __future__ import annotations

import errno
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields, replace
from pathlib import Path

from ingest.chunking import chunk_document
from ingest.deadline import Deadline
from ingest.errors import IngestError, ParseError
from ingest.model import Chunk, ParsedDocument
from ingest.parsers import PARSERS, ParseOptions, get_parser
from ingest.speakers import assign_roles

#: Parse options that change how a file reads, not what it holds; a new value does not re-ingest it.
_NOT_FINGERPRINTED = ("name", "deadline")


@dataclass(frozen=True)
class Problem:
    """A path that was not ingested, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class SourceFile:
    """A file's bytes and the fingerprint that decides whether it changed."""

    path: Path
    data: bytes
    content_hash: str
    #: The content hash and the parse options together: new options re-ingest the file.
    fingerprint: str


def discover(paths: Iterable[str | Path]) -> Iterator[Path | Problem]:
    """Yield every file named or found under a folder, and a Problem for each path that can't be walked.

    Folders are walked following symlinks, but each real folder once, so symlink loops end.
    Hidden files and files of unsupported types found in folders are passed over; a file named
    explicitly is always yielded, so that an unsupported one gets its error.
    """
    seen: set[tuple[int, int]] = set()
    for raw in paths:
        path = Path(raw)
        try:
            path.stat()
        except OSError as ex:
            yield Problem(str(path), _os_reason(ex, path))
            continue
        if not path.is_dir():
            yield path
            continue
        for folder, dirnames, filenames in os.walk(path, followlinks=True):
            key = _identity(folder)
            if key is None or key in seen:
                dirnames[:] = []
                continue
            seen.add(key)
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                file = Path(folder, name)
                if name.startswith(".") or file.suffix.lower() not in PARSERS:
                    continue
                try:
                    file.stat()
                except OSError as ex:
                    yield Problem(str(file), _os_reason(ex, file))
                    continue
                yield file


def read_source(path: Path, options: ParseOptions, max_bytes: int) -> SourceFile:
    """Read a file within the size limit and fingerprint it.

    :raises IngestError: when the file is unsupported, unreadable, empty or too large.
    """
    get_parser(path.suffix)  # fail on an unsupported type before reading anything
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ParseError(f"file is too large ({size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB, "
                             "set INSIGHTS_MAX_FILE_MB to raise it)")
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)  # the file may have grown since stat()
    except OSError as ex:
        raise IngestError(_os_reason(ex, path)) from None
    if len(data) > max_bytes:
        raise ParseError(f"file is too large (over the {max_bytes / 1e6:.0f} MB limit)")
    if not data.strip():
        raise ParseError("file is empty")
    content_hash = hashlib.sha256(data).hexdigest()
    settings = json.dumps({f.name: getattr(options, f.name) for f in fields(options)
                           if f.name not in _NOT_FINGERPRINTED}, sort_keys=True)
    fingerprint = hashlib.sha256(f"{content_hash}:{settings}".encode()).hexdigest()
    return SourceFile(path, data, content_hash, fingerprint)


def parse_source(source: SourceFile, options: ParseOptions, max_chars: int,
                 max_seconds: float | None = None) -> tuple[ParsedDocument, list[Chunk]]:
    """Parse a file's bytes and chunk the result, within ``max_seconds`` for both.

    :raises IngestError: with the reason, whatever went wrong inside the parser.
    """
    parser = get_parser(source.path.suffix)
    deadline = Deadline(max_seconds)
    try:
        doc = parser(source.data, replace(options, deadline=deadline))
    except IngestError:
        raise
    except RecursionError:
        raise ParseError("content is nested too deeply to read") from None
    except Exception as ex:  # a parser bug or hostile input must fail this file only
        raise ParseError(f"could not be read ({type(ex).__name__}: {ex})") from ex
    doc = assign_roles(doc, options.interviewers, options.name or source.path.name)
    chunks = chunk_document(doc, max_chars, deadline)
    if not chunks:
        raise ParseError("no text found")
    return doc, chunks


def _identity(folder: str) -> tuple[int, int] | None:
    """Return a folder's (device, inode), or None if it cannot be read."""
    try:
        info = os.stat(folder)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _os_reason(ex: OSError, path: Path) -> str:
    """Describe an OS error in words, naming symlink trouble plainly."""
    if ex.errno == errno.ELOOP:
        return "symlink loop"
    if ex.errno == errno.ENOENT:
        return "broken symlink" if path.is_symlink() else "no such file or folder"
    if ex.errno == errno.EACCES:
        return "permission denied"
    if ex.errno == errno.EISDIR:
        return "is a folder"
    return ex.strerror or str(ex)

