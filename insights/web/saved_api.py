"""The JSON API of saved insights, under /api/v1/insights (routes on the API blueprint, so errors stay JSON)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request, url_for

from insights.saved.collection import EvidenceSource
from insights.web import auth as access
from insights.web import get_repository
from insights.web.api import bp
from insights.web.auth import actor
from insights.web.params import MAX_ID, BadRequest, json_body

EVIDENCE_EXAMPLE = '{"passage_id": 42} or {"passage_id": 42, "quote": "an exact excerpt"}'


def _body() -> dict[str, Any]:
    """Return the request's JSON object, or raise BadRequest."""
    example = '{"title": "Admins give up on day one", "summary": "..."}'
    body = json_body(example)
    if not isinstance(body, dict):
        raise BadRequest(f"send a JSON object, e.g. {example}")
    return body


def _text(body: dict[str, Any], name: str, required: bool = False) -> str | None:
    """Return a string field of the body, or None when it is absent and optional."""
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"'{name}' must be a string")
    return value


def _integer(item: dict[str, Any], name: str) -> int | None:
    """Return an integer field (never a boolean), or None when absent."""
    value = item.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or abs(value) > MAX_ID:
        raise BadRequest(f"'{name}' must be a whole number from 0 to {MAX_ID}")
    return value


def evidence_source(item: Any) -> EvidenceSource:
    """Validate one evidence object of a request body."""
    if not isinstance(item, dict):
        raise BadRequest(f"each piece of evidence is an object like {EVIDENCE_EXAMPLE}")
    quote = _text(item, "quote")
    source = EvidenceSource(passage_id=_integer(item, "passage_id"), quote=quote,
                            document_id=_integer(item, "document_id"), char_start=_integer(item, "char_start"),
                            char_end=_integer(item, "char_end"))
    if source.passage_id is None and source.document_id is None:
        raise BadRequest(f"evidence needs a passage_id (or a document_id with char_start and char_end): "
                         f"{EVIDENCE_EXAMPLE}")
    return source


@bp.get("/insights")
def insights() -> Response:
    """Return every saved insight, newest first, or those matching ``q`` best first."""
    query = request.args.get("q", "").strip()
    return jsonify(query=query, insights=[i.to_dict() for i in get_repository().saved.search(query, access.hidden())])


@bp.post("/insights")
def create_insight() -> tuple[Response, int, dict[str, str]]:
    """Save a new insight with its first evidence, all or nothing; 201 with its Location."""
    body = _body()
    evidence = body.get("evidence", [])
    if not isinstance(evidence, list):
        raise BadRequest(f"'evidence' must be a list of objects like {EVIDENCE_EXAMPLE}")
    created = get_repository().saved.create(_text(body, "title", required=True) or "", _text(body, "summary") or "",
                                            [evidence_source(item) for item in evidence], actor=actor(),
                                            hidden=access.hidden())
    return jsonify(insight=created.to_dict()), 201, {"Location": url_for(".insight", insight_id=created.id)}


@bp.get("/insights/<int:insight_id>")
def insight(insight_id: int) -> Response:
    """Return one insight with each piece of evidence, its citation and its status."""
    return jsonify(insight=get_repository().saved.get(insight_id, access.hidden()).to_dict())


@bp.patch("/insights/<int:insight_id>")
def update_insight(insight_id: int) -> Response:
    """Change an insight's title and/or summary."""
    body = _body()
    title, summary = _text(body, "title"), _text(body, "summary")
    if title is None and summary is None:
        raise BadRequest("send 'title', 'summary' or both")
    return jsonify(insight=get_repository().saved.update(insight_id, title, summary, actor=actor(),
                                                         hidden=access.hidden()).to_dict())


@bp.delete("/insights/<int:insight_id>")
def delete_insight(insight_id: int) -> Response:
    """Delete an insight and its evidence; the documents stay."""
    get_repository().saved.delete(insight_id, actor=actor())
    return Response(status=204)


@bp.post("/insights/<int:insight_id>/evidence")
def add_evidence(insight_id: int) -> tuple[Response, int]:
    """Attach a quote (a passage, an exact excerpt of it, or a document span) to an insight."""
    added = get_repository().saved.add_evidence(insight_id, evidence_source(_body()), actor=actor(),
                                                hidden=access.hidden())
    return jsonify(evidence=added.to_dict()), 201


@bp.delete("/insights/<int:insight_id>/evidence/<int:evidence_id>")
def remove_evidence(insight_id: int, evidence_id: int) -> Response:
    """Detach one piece of evidence from an insight."""
    get_repository().saved.remove_evidence(insight_id, evidence_id, actor=actor())
    return Response(status=204)


@bp.get("/insights/<int:insight_id>/export.md")
def export_insight(insight_id: int) -> Response:
    """Return the insight as Markdown with footnoted citations, as a download."""
    markdown = get_repository().export_insight(insight_id, actor=actor(), reader=access.reader())
    return Response(markdown, mimetype="text/markdown",  # werkzeug adds "; charset=utf-8"
                    headers={"Content-Disposition": f'attachment; filename="insight-{insight_id}.md"'})
