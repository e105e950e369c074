"""The JSON API under /api/v1: search, documents, tags, uploads and their batches."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, g, jsonify, request, url_for
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from ingest.errors import MetadataError
from insights.errors import Busy, ConfigError, DocumentNotFound, InsightNotFound, InsightsError, ModelMismatch, NotFound
from insights.filters import Filters
from insights.synthesis import competitors as rivals
from insights.web import get_repository, jobs
from insights.web import themes as themes_page
from insights.web import upload as upload_page
from insights.web.admin import audit_page
from insights.web.auth import actor, current_user, owns, reader
from insights.web.openapi import openapi_document
from insights.web.params import BadRequest, filters_from, json_body, search_params

bp = Blueprint("api", __name__, url_prefix="/api/v1")


# -- errors: always JSON under /api/ ------------------------------------------------------------


def wants_json() -> bool:
    """Return whether the current request should get JSON errors rather than HTML pages."""
    return request.path.startswith("/api/")


def json_error(status: int, message: str, headers: list[tuple[str, str]] | None = None) -> Response:
    """Return the API's error body, ``{"error": {"status", "message"}}``, with that status."""
    response = jsonify(error={"status": status, "message": message})
    response.status_code = status
    response.headers.extend(headers or [])
    return response


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    """Return any HTTP error (abort, 405, 413, the 500 for an unhandled exception) as JSON."""
    status = error.code or 500
    message = error.description or error.name
    if status == 413:
        message = too_large_message()
    elif status == 500:
        message = "internal server error"  # never leak a traceback's details to a client
    # Keep headers such as 405's Allow, but not the HTML content type werkzeug would send.
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    return json_error(status, message, headers)


def too_large_message() -> str:
    """Say why a request was too large: its bytes, or (under the byte limit) its number of form parts."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    length = request.content_length
    if limit and length is not None and length > limit:
        return f"the request is too large: over the {limit:,} bytes allowed; send fewer or smaller files at a time"
    # Werkzeug says no more than that: count the parts or measure the fields, whichever tripped.
    parts, field = current_app.config.get("MAX_FORM_PARTS"), current_app.config.get("MAX_FORM_MEMORY_SIZE")
    return (f"the form has more than the {parts:,} parts allowed (each file and field is one), or a field "
            f"longer than {field:,} bytes; send at most {upload_page.MAX_FILES} files at a time")


#: Library errors and their HTTP statuses; Flask picks the most specific class.
ERROR_STATUS: dict[type[Exception], int] = {
    BadRequest: 400,  # an invalid parameter
    MetadataError: 400,  # a field or tag over its limit
    DocumentNotFound: 404,
    InsightNotFound: 404,  # no such saved insight, or no such evidence of it
    NotFound: 404,  # no such theme or competitor
    ModelMismatch: 409,  # the data conflicts with the configuration
    ConfigError: 500,  # a server misconfiguration (a missing model); the message says what to fix
    InsightsError: 400,  # any other library error: the message says what the caller can fix
}
for _kind, _status in ERROR_STATUS.items():
    bp.register_error_handler(_kind, lambda error, status=_status: json_error(status, str(error)))


@bp.errorhandler(Busy)
def busy(error: Busy) -> Response:
    """Answer a write that would wait behind another one with 503 and when to retry, never a held thread."""
    return http_error(ServiceUnavailable(str(error), retry_after=5))


# -- search and documents -------------------------------------------------------------------------


@bp.get("/search")
def search() -> Response:
    """Return one page of cited passages answering ``q``, with facet counts over every candidate."""
    params = search_params(request.args, current_app.config["PER_PAGE"])
    if not params.query:
        raise BadRequest("'q' is required: the question to search for")
    page = get_repository().search_page(params.query, params.mode, params.limit, params.filters, params.offset,
                                        reader())
    return jsonify(
        query=params.query, mode=params.mode, filters=params.filters.to_dict(), weak_match=page["match"].weak,
        total=page["total"],
        offset=params.offset, limit=params.limit, hits=[hit.to_dict() for hit in page["hits"]],
        facets={name: [{"value": value, "count": count} for value, count in values]
                for name, values in page["facets"].items()},
    )


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """Return a document's fields without where it lies on the server (its source path, its kept file)."""
    return {k: v for k, v in doc.items() if k not in ("source", "original")}


def _listed(doc: dict[str, Any], filters: Filters, about: set[int] | None) -> bool:
    """Return whether a document passes the list's kind, tag and competitor filters (as search matches them)."""
    return ((not filters.kind or doc["kind"] in filters.kind)
            and all(tag.lower() in doc["tags"] for tag in filters.tag)  # stored tags are lower case
            and (about is None or doc["id"] in about))


@bp.get("/documents")
def documents() -> Response:
    """Return every document's fields and passage count, newest first, optionally filtered."""
    filters = filters_from(request.args)  # validates kind the same way search does
    repo = get_repository()
    # About a competitor by metadata or by a passage naming it: the definition search and its pages use.
    about = repo.documents_about(filters.competitor) if filters.competitor else None
    return jsonify(documents=[public(d) for d in repo.documents(reader()) if _listed(d, filters, about)])


@bp.get("/documents/<int:document_id>")
def document(document_id: int) -> Response:
    """Return one document with its full text and its passages."""
    return jsonify(document=public(get_repository().document(document_id, reader=reader())))


@bp.delete("/documents/<int:document_id>")
def delete_document(document_id: int) -> Response:
    """Delete a document with its passages and vectors."""
    get_repository().remove(document_id, wait=False, actor=actor())
    return Response(status=204)


@bp.put("/documents/<int:document_id>/tags")
def set_tags(document_id: int) -> Response:
    """Replace a document's tags with the JSON body's ``tags``; return them as stored."""
    example = '{"tags": ["onboarding", "mobile"]}'
    body = json_body(example)
    tags = body.get("tags") if isinstance(body, dict) else None
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise BadRequest(f"send a JSON body like {example}")
    return jsonify(id=document_id, tags=get_repository().set_tags(document_id, tags, wait=False, actor=actor(),
                                                                  reader=reader()))


# -- themes and competitors -----------------------------------------------------------------------


def _quotes() -> int:
    """Return the ``quotes`` parameter: representative quotes per theme."""
    raw = request.args.get("quotes", "3").strip() or "3"
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 50:
        raise BadRequest("'quotes' must be a whole number between 1 and 50")
    return int(raw)


@bp.get("/themes")
def themes() -> Response:
    """Return the themes of a scope (a question and/or filters), strongest evidence first."""
    query, mode, filters = themes_page.scope_params()
    return jsonify(get_repository().themes(query, filters, mode, _quotes(), reader=reader()).to_dict())


@bp.get("/themes/<int:theme_id>")
def theme(theme_id: int) -> Response:
    """Return one theme of a scope with every one of its quotes."""
    query, mode, filters = themes_page.scope_params()
    report = get_repository().themes(query, filters, mode, theme=theme_id, reader=reader())
    return jsonify(query=query, filters=filters.to_dict(), theme=report.theme(theme_id).to_dict())


@bp.get("/competitors")
def competitors() -> Response:
    """Return every competitor with how many passages of customers and of our analyses are about it."""
    return jsonify(competitors=rivals.overview(get_repository(), reader()))


@bp.get("/competitors/<path:name>")
def competitor(name: str) -> Response:
    """Return the themes in what customers say about a competitor beside those in our analyses."""
    return jsonify(rivals.view(get_repository(), name, _quotes(), reader()).to_dict())


@bp.get("/compare")
def compare() -> Response:
    """Return two competitors (or us and one) side by side on a question: best quotes and themes each."""
    args = {k: request.args.get(k, "").strip() for k in ("q", "left", "right")}
    missing = [k for k, v in args.items() if not v]
    if missing:
        raise BadRequest(f"'{missing[0]}' is required: q is the question, left and right the two sides")
    return jsonify(rivals.compare(get_repository(), args["q"], args["left"], args["right"],
                                  reader=reader()).to_dict())


# -- uploads ---------------------------------------------------------------------------------------


@bp.post("/uploads")
def upload() -> tuple[Response, int, dict[str, str]]:
    """Queue uploaded ``files`` as one batch with shared metadata; return the batch, 202 Accepted."""
    # Every file is checked before anything is stored: a bad file refuses the whole request.
    batch_id = upload_page.queue(request.files.getlist("files"), request.form)
    return (jsonify(batch=jobs.batch(get_repository(), batch_id)), 202,
            {"Location": url_for(".batch", batch_id=batch_id)})


@bp.get("/batches/<int:batch_id>")
def batch(batch_id: int) -> Response:
    """Return an upload batch: each file's status, counts by status, and whether it has finished."""
    found = jobs.batch(get_repository(), batch_id)
    if found is None or not owns(found):  # another person's batch is none of yours, as if it did not exist
        abort(404, f"no batch with id {batch_id}")
    return jsonify(batch=found)


@bp.get("/openapi.json")
def openapi() -> Response:
    """Return the OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document())


@bp.get("/me")
def me() -> Response:
    """Return who this request acts for, their role and, with a token, its scope."""
    user = current_user()
    assert user is not None  # the permission check let only a known user through
    scope = g.get("token_scope")
    return jsonify(user={"name": user.name, "role": user.role, "single_user": user.id is None, "token_scope": scope})


#: Most audit entries one API request returns.
MAX_AUDIT = 1000


@bp.get("/audit")
def audit() -> Response:
    """Return audit entries, newest first, filtered by ``since``, ``user`` and ``action``; page with ``before``."""
    limit = request.args.get("limit", "100").strip()
    if not (limit.isascii() and limit.isdigit() and len(limit) <= 4 and 1 <= int(limit) <= MAX_AUDIT):
        raise BadRequest(f"'limit' must be a whole number from 1 to {MAX_AUDIT}, not {limit[:30]!r}")
    entries, older = audit_page(request.args, int(limit))
    return jsonify(entries=[e.to_dict() for e in entries], next_before=older)
