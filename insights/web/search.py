"""The search page: one question box, quote cards, facets, pages, and exports of the result set."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for

from insights.errors import InsightsError
from insights.search import exports, weak
from insights.search.engine import Hit
from insights.web import get_repository
from insights.web.auth import actor, reader
from insights.web.params import FILTER_FIELDS, BadRequest, search_params

bp = Blueprint("search", __name__)

@bp.get("/")
def index() -> str:
    """Show the question box and, for a question, one page of quote cards with facets."""
    error = None
    result: dict[str, Any] | None = None
    params = None
    try:
        params = search_params(request.args, current_app.config["PER_PAGE"])
        if params.query:
            result = get_repository().search_page(params.query, params.mode, params.limit, params.filters,
                                                  params.offset, reader())
    except (BadRequest, InsightsError) as ex:
        error = str(ex)
    weak_notice = weak.notice(result["match"]) if result and result["hits"] and result["match"].weak else None
    return render_template("search.html", params=params, result=result, error=error, weak_notice=weak_notice,
                           active=active_filters(), filter_url=filter_url, page_url=page_url)


@bp.get("/export.<any(csv, md):fmt>")
def export(fmt: str) -> Response:
    """Download the current result set as CSV or Markdown, one quote with its citation per hit."""
    try:
        params = search_params(request.args)
        body = (get_repository().export(params.query, fmt, params.mode, exports.EXPORT_LIMIT, params.filters,
                                        quote_link, actor=actor(), reader=reader())[0]
                if params.query else exports.render(fmt, params.query, []))
    except (BadRequest, InsightsError) as ex:
        abort(400, str(ex))
    mimetype = "text/csv" if fmt == "csv" else "text/markdown"
    name = f"insights-export.{fmt}"
    # Werkzeug appends "; charset=utf-8" to a text/* mimetype itself: naming it here would send it twice.
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def quote_link(hit: Hit) -> str:
    """Return the absolute URL of a hit's quote inside its document."""
    return url_for("documents.show", document_id=hit.document_id, passage=hit.passage_id, _external=True,
                   _anchor=f"p{hit.passage_id}")


def active_filters() -> list[tuple[str, str]]:
    """Return the (field, value) filters set in this request, in URL order."""
    pairs = [(name, value) for name in (*FILTER_FIELDS, "from", "to") for value in request.args.getlist(name)]
    return [(n, v) for n, v in pairs if v.strip()]


def filter_url(add: tuple[str, str] | None = None, remove: tuple[str, str] | None = None) -> str:
    """Return this search's URL with one filter added or removed, back on page one."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "page" and (k, v) != remove]
    if add and add not in args:
        args.append(add)
    return url_for("search.index") + "?" + _encode(args)


def page_url(page: int) -> str:
    """Return this search's URL on another page."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "page"] + [("page", str(page))]
    return url_for("search.index") + "?" + _encode(args)


def _encode(args: list[tuple[str, str]]) -> str:
    """Encode query parameters."""
    return urlencode(args)
