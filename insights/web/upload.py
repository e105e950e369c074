"""The upload page: many files with metadata entered once, queued for the background worker."""

from __future__ import annotations

from pathlib import PurePath

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from ingest.metadata import KINDS
from ingest.parsers import sniff, supported_suffixes
from insights import jobs
from insights.web import get_repository
from insights.web.params import BadRequest, batch_metadata

bp = Blueprint("upload", __name__, url_prefix="/upload")


def checked_files(files: list[FileStorage]) -> list[tuple[str, FileStorage]]:
    """Return (safe name, file) for each upload; refuse the whole batch if one file is unusable.

    :raises BadRequest: naming the first file without a usable name, of a type no parser reads, or
        whose first bytes are not of its type (a renamed binary, say).
    """
    accepted = []
    for storage in files:
        if not storage.filename:
            continue  # an empty file input sends one nameless part
        name = secure_filename(storage.filename)
        if not name:
            raise BadRequest(f"file {storage.filename!r} has no usable name")
        suffix = PurePath(name).suffix.lower()
        if suffix not in supported_suffixes():
            raise BadRequest(f"{storage.filename!r}: unsupported file type {suffix or '(no suffix)'!r}; "
                             f"supported: {', '.join(supported_suffixes())}")
        head = storage.stream.read(8192)
        storage.stream.seek(0)
        reason = sniff(suffix, head) if head else None  # an empty file fails later, with its own reason
        if reason:
            raise BadRequest(f"{storage.filename!r}: {reason}")
        accepted.append((name, storage))
    if not accepted:
        raise BadRequest("attach one or more files (multipart parts named 'files')")
    return accepted


def queue(files: list[FileStorage], form: MultiDict[str, str]) -> int:
    """Validate and queue a batch, wake the worker, and return the batch id."""
    metadata = batch_metadata(form)
    accepted = checked_files(files)
    batch_id = jobs.submit(get_repository(), [(name, s.stream) for name, s in accepted], metadata)
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
    return render_template("upload.html", kinds=KINDS, suffixes=supported_suffixes()), 400 if error else 200


@bp.get("/batches/<int:batch_id>")
def batch(batch_id: int) -> str:
    """Show a batch's progress, file by file, with each failure's reason."""
    status = jobs.batch(get_repository(), batch_id)
    if status is None:
        abort(404, f"no upload batch {batch_id}")
    return render_template("batch.html", batch=status)
