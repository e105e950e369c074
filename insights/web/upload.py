"""The upload page: many files with metadata entered once, queued for the background worker."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import PurePath

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.wrappers import Response

from ingest.metadata import KINDS
from ingest.parsers import sniff, supported_suffixes
from insights.errors import DocumentNotFound, NotFound
from insights.web import get_repository, jobs
from insights.web.auth import actor, owns, reader
from insights.web.params import BadRequest, batch_metadata, parse_id

bp = Blueprint("upload", __name__, url_prefix="/upload")


#: Longest file name kept, in characters (file systems stop at 255 bytes; a name is for people to read).
MAX_NAME = 255

#: Most files in one batch; more multipart parts than Flask allows (MAX_FORM_PARTS) get this limit's message.
MAX_FILES = 500


def display_name(raw: str) -> str:
    """Return the name an uploaded file is shown and known by: its last path part, NFC, without control characters."""
    name = re.split(r"[/\\]", raw)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch) not in ("Cc", "Cs"))
    return name.strip().lstrip(".")


def checked_files(files: list[FileStorage], max_bytes: int) -> list[tuple[str, FileStorage]]:
    """Return (name, file) for each upload; refuse the whole batch if one file is unusable.

    Names are kept as their owner wrote them (any script, spaces and all); they are never used as
    a path on disk.

    :raises BadRequest: naming the first file without a usable name, with too long a name, too big,
        of a type no parser reads, or whose first bytes are not of its type (a renamed binary, say).
    """
    accepted = []
    for storage in files:
        if not storage.filename:
            continue  # an empty file input sends one nameless part
        name = display_name(storage.filename)
        shown = repr(storage.filename[:60] + ("…" if len(storage.filename) > 60 else ""))
        if not name:
            raise BadRequest(f"file {shown} has no usable name")
        if len(name) > MAX_NAME:
            raise BadRequest(f"{shown}: a file name is at most {MAX_NAME} characters; this one has {len(name):,}")
        suffix = PurePath(name).suffix.lower()
        if suffix not in supported_suffixes():
            raise BadRequest(f"{shown}: unsupported file type {suffix or '(no suffix)'!r}; "
                             f"supported: {', '.join(supported_suffixes())}")
        size = storage.stream.seek(0, os.SEEK_END)
        storage.stream.seek(0)
        if size > max_bytes:
            raise BadRequest(f"{shown}: file is too large ({size / 1e6:.1f} MB; the limit is "
                             f"{max_bytes / 1e6:.0f} MB per file)")
        head = storage.stream.read(8192)
        storage.stream.seek(0)
        reason = sniff(suffix, head) if head else None  # an empty file fails later, with its own reason
        if reason:
            raise BadRequest(f"{shown}: {reason}")
        accepted.append((name, storage))
    if not accepted:
        raise BadRequest("attach one or more files (multipart parts named 'files')")
    if len(accepted) > MAX_FILES:
        raise BadRequest(f"a batch holds at most {MAX_FILES} files; this one has {len(accepted):,}")
    return accepted


def replace_target(form: MultiDict[str, str], files: int) -> int | None:
    """Return the document a one-file upload replaces on purpose (form field ``replace``), or None.

    :raises BadRequest: for an id that is not a document's, or a replacement of more than one file.
    """
    raw = form.get("replace", "").strip()
    if not raw:
        return None
    document_id = parse_id(raw, "replace")
    if files != 1:
        raise BadRequest("'replace' takes exactly one file: the new version of that document")
    try:
        get_repository().document(document_id, with_passages=False, reader=reader())
    except DocumentNotFound:
        raise BadRequest(f"'replace' names no document: there is no document {document_id}") from None
    return document_id


def queue(files: list[FileStorage], form: MultiDict[str, str]) -> int:
    """Validate and queue a batch, wake the worker, and return the batch id."""
    metadata = batch_metadata(form)
    repo = get_repository()
    accepted = checked_files(files, int(repo.settings.max_file_mb * 1_000_000))
    replace = replace_target(form, len(accepted))
    if replace is not None:
        metadata["replace"] = replace
    collection = form.get("collection", "").strip()
    if collection:
        try:  # only a collection the uploader belongs to: an upload must stay visible to the one who made it
            metadata["collection"] = repo.collections.may_add_to(reader(), collection)
        except NotFound as ex:
            raise BadRequest(str(ex)) from None
    batch_id = jobs.submit(repo, [(name, s.stream) for name, s in accepted], metadata, actor())
    worker = current_app.extensions.get("insights.worker")
    if worker is not None:
        worker.wake.set()  # start now rather than at the worker's next poll
    return batch_id


@bp.route("", methods=("GET", "POST"))
def form() -> Response | tuple[str, int]:
    """Show the upload form; on submit, queue the files and go to the batch's progress page."""
    error = None
    if request.method == "POST":
        try:
            batch_id = queue(request.files.getlist("files"), request.form)
        except BadRequest as ex:
            error = str(ex)
        else:
            return redirect(url_for("upload.batch", batch_id=batch_id))
        flash(error)
    return render_template("upload.html", kinds=KINDS, suffixes=supported_suffixes(),
                           collections=collections_for_upload()), 400 if error else 200


def collections_for_upload() -> list[str]:
    """Return the names of the collections the current user may upload into: an admin's all, others' their own."""
    mine = reader()
    return [c.name for c in get_repository().collections.list() if mine.is_admin or c.id in mine.collections]


@bp.get("/batches/<int:batch_id>")
def batch(batch_id: int) -> str:
    """Show a batch's progress, file by file, with each failure's reason."""
    status = jobs.batch(get_repository(), batch_id)
    if status is None or not owns(status):  # another person's batch is none of yours, as if it did not exist
        abort(404, f"no upload batch {batch_id}")
    return render_template("batch.html", batch=status)
