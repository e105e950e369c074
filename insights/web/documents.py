"""The library of documents and the document page: full text with every passage anchored."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from ingest.errors import MetadataError
from ingest.metadata import KINDS, normalize_tags
from insights.errors import Busy, DocumentNotFound
from insights.search import markup
from insights.web import get_repository
from insights.web.auth import actor, reader
from insights.web.params import BadRequest, parse_id

bp = Blueprint("documents", __name__, url_prefix="/documents")

SORTS = {
    "newest": (lambda d: d["updated_at"], True),
    "title": (lambda d: d["title"].lower(), False),
    "date": (lambda d: d["date"] or "", True),
    "passages": (lambda d: d["passages"], True),
}


def get_document(document_id: int) -> dict[str, Any]:
    """Return a document with its passages, or abort with 404."""
    try:
        return get_repository().document(document_id, reader=reader())
    except DocumentNotFound as ex:
        abort(404, str(ex))


@bp.get("")
def index() -> str:
    """List every document, filtered by kind, tag, competitor and date, sorted as asked."""
    repo = get_repository()
    docs = repo.documents(reader())
    args = request.args
    kind, tag, competitor = args.get("kind", ""), args.get("tag", ""), args.get("competitor", "")
    date_from, date_to = args.get("from", ""), args.get("to", "")
    all_tags = sorted({t for d in docs for t in d["tags"]})
    # A document is about a competitor as search's filter and the competitor pages read it: by its
    # metadata or by a passage that names it (a customer interview that mentions RotaMate).
    about = repo.documents_about([competitor]) if competitor else set()
    shown = [d for d in docs if (not kind or d["kind"] == kind) and (not tag or tag in d["tags"])
             and (not competitor or d["id"] in about)
             and (not date_from or (d["date"] or "") >= date_from)
             and (not date_to or (d["date"] or "\uffff") <= date_to + "\uffff")]
    sort = args.get("sort", "newest") if args.get("sort") in SORTS else "newest"
    key, reverse = SORTS[sort]
    shown.sort(key=key, reverse=reverse)
    return render_template("documents.html", docs=shown, total=len(docs), kinds=KINDS, tags=all_tags,
                           competitors=repo.competitor_names(reader()), sort=sort, sorts=list(SORTS))


@bp.get("/<int:document_id>")
def show(document_id: int) -> str:
    """Show a document's full text, each passage anchored, the cited one highlighted."""
    doc = get_document(document_id)
    cited = request.args.get("passage", type=int)  # only compared with this page's ids: any int is harmless
    citing = get_repository().saved.citing(doc["source"])
    return render_template("document.html", doc=doc, segments=segments(doc), cited=cited, citing=citing,
                           view=view(doc), heads=turn_heads(doc))


def view(doc: dict[str, Any]) -> str:
    """Return how to lay the text out: a transcript's turns, rendered Markdown, or the text as written."""
    if any("speaker" in p["locator"] for p in doc["passages"]):
        return "transcript"
    return "markdown" if markup.is_markdown(doc["format"]) else "text"


def turn_heads(doc: dict[str, Any]) -> set[int]:
    """Return the ids of the passages that start a turn: a long turn split in passages shows its speaker once."""
    heads, previous = set(), None
    for passage in sorted(doc["passages"], key=lambda p: p["char_start"]):
        who = (passage["locator"].get("speaker"), passage["locator"].get("time"))
        if who != previous:
            heads.add(passage["id"])
        previous = who
    return heads


def segments(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any] | None]]:
    """Split the text into runs: each passage's exact span, and the text between passages."""
    out: list[tuple[str, dict[str, Any] | None]] = []
    position = 0
    for passage in sorted(doc["passages"], key=lambda p: p["char_start"]):
        if passage["char_start"] > position:
            out.append((doc["text"][position : passage["char_start"]], None))
        out.append((doc["text"][passage["char_start"] : passage["char_end"]], passage))
        position = passage["char_end"]
    if position < len(doc["text"]):
        out.append((doc["text"][position:], None))
    return out


@bp.get("/<int:document_id>/original")
def original(document_id: int) -> Response:
    """Download the document's original file, byte for byte."""
    doc = get_document(document_id)
    path = get_repository().original_path(document_id, reader())
    return send_file(path, as_attachment=True, download_name=doc["filename"])


@bp.post("/<int:document_id>/tags")
def tags(document_id: int) -> Response:
    """Replace a document's tags with the comma-separated list submitted."""
    try:
        get_repository().set_tags(document_id, normalize_tags(request.form.get("tags", "")), wait=False,
                                  actor=actor(), reader=reader())
    except DocumentNotFound as ex:
        abort(404, str(ex))
    except MetadataError as ex:
        flash(f"Tags not saved: {ex}.")
        return redirect(url_for("documents.show", document_id=document_id))
    flash("Tags saved.")
    return redirect(url_for("documents.show", document_id=document_id))


@bp.post("/<int:document_id>/delete")
def delete(document_id: int) -> Response:
    """Delete a document, its passages and vectors, after the confirmation form."""
    try:
        doc = get_repository().remove(document_id, wait=False, actor=actor())
    except DocumentNotFound as ex:
        abort(404, str(ex))
    flash(Markup("Deleted “<bdi>{}</bdi>”.").format(doc["title"]))
    return redirect(url_for("documents.index"))


@bp.post("/delete")
def bulk_delete() -> Response:
    """Delete every document ticked in the library."""
    try:
        ids = [parse_id(raw, "document") for raw in request.form.getlist("document")]
    except BadRequest as ex:
        abort(400, str(ex))
    if not ids:
        flash("Tick the documents to delete first.")
        return redirect(url_for("documents.index"))
    repo = get_repository()
    deleted = 0
    for document_id in ids:
        try:
            repo.remove(document_id, wait=False, actor=actor())
            deleted += 1
        except DocumentNotFound:
            continue  # already gone: deleting twice is not an error
        except Busy as ex:
            flash(f"Deleted {deleted} of {len(ids)} documents; the rest are still here: {ex}.")
            return redirect(url_for("documents.index"))
    flash(f"Deleted {deleted} document{'s' if deleted != 1 else ''}.")
    return redirect(url_for("documents.index"))
