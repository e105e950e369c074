"""The Themes and Competitors pages: themes of any scope, one theme's quotes, competitors side by side."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, render_template, request

from ingest.metadata import KINDS
from insights.errors import InsightsError, NotFound
from insights.filters import Filters
from insights.search.engine import MODES
from insights.synthesis import competitors as rivals
from insights.web import get_repository
from insights.web.auth import reader
from insights.web.params import BadRequest, filters_from

bp = Blueprint("themes", __name__)


def scope_params() -> tuple[str, str, Filters]:
    """Read a themes scope from the request: ``q``, ``mode`` and the search filters.

    :raises BadRequest: for a bad mode, kind, date or document id.
    """
    mode = request.args.get("mode", "hybrid") or "hybrid"
    if mode not in MODES:
        raise BadRequest(f"'mode' must be one of {', '.join(MODES)}")
    return request.args.get("q", "").strip(), mode, filters_from(request.args)


def scope_query() -> str:
    """Return this request's scope as a query string, for links between the list and one theme."""
    return urlencode([(k, v) for k, v in request.args.items(multi=True) if v.strip()])


def choices() -> dict[str, list[str]]:
    """Return the values the scope form offers: kinds, segments and competitors present in the repository."""
    repo = get_repository()
    hidden = repo.seen(None, reader()).hidden
    segments = [r[0] for r in repo.store.db.execute(
        f"""SELECT DISTINCT coalesce(p.segment, d.segment) AS v FROM passages p JOIN documents d ON d.id = p.document_id
            WHERE v IS NOT NULL AND v <> '' AND coalesce(d.collection_id, -1) NOT IN ({",".join("?" * len(hidden))})
            ORDER BY v""", hidden)]
    # The competitors the competitor filter knows, spelled as it matches them.
    return {"kinds": list(KINDS), "segments": segments, "competitors": repo.catalog().competitors_seen(hidden)}


@bp.get("/themes")
def index() -> str:
    """Show the themes of a scope (everything, a question, filters), strongest evidence first."""
    error, report = None, None
    try:
        query, mode, filters = scope_params()
        report = get_repository().themes(query, filters, mode, reader=reader())
    except (BadRequest, InsightsError) as ex:
        error = str(ex)
    return render_template("themes.html", report=report, error=error, scope=scope_query(), **choices())


@bp.get("/themes/<int:theme_id>")
def theme(theme_id: int) -> str:
    """Show one theme of a scope with every one of its quotes."""
    try:
        query, mode, filters = scope_params()
        report = get_repository().themes(query, filters, mode, theme=theme_id, reader=reader())
        found = report.theme(theme_id)
    except NotFound as ex:
        abort(404, str(ex))
    except (BadRequest, InsightsError) as ex:
        abort(400, str(ex))
    return render_template("theme.html", report=report, theme=found, scope=scope_query())


@bp.get("/competitors")
def competitors() -> str:
    """List the competitors with their evidence, and offer a side-by-side comparison on a question."""
    listing = rivals.overview(get_repository(), reader())
    return render_template("competitors.html", competitors=listing, us=rivals.US)


@bp.get("/competitors/compare")
def compare() -> str | tuple[str, int]:
    """Show two competitors (or us and one) side by side on a question."""
    args: dict[str, Any] = {k: request.args.get(k, "").strip() for k in ("q", "left", "right")}
    listing = rivals.overview(get_repository(), reader())
    try:
        if not all(args.values()):
            raise BadRequest("ask a question and pick two sides to compare")
        comparison = rivals.compare(get_repository(), args["q"], args["left"], args["right"], reader=reader())
    except (BadRequest, InsightsError) as ex:
        return render_template("competitors.html", competitors=listing, us=rivals.US, error=str(ex),
                               args=args), 400
    return render_template("compare.html", comparison=comparison, competitors=listing, us=rivals.US, args=args)


# A path converter: a competitor's name may hold a "/" (Acme/Tools); the fixed rule /competitors/compare
# still wins over it.
@bp.get("/competitors/<path:name>")
def competitor(name: str) -> str:
    """Show the themes in what customers say about a competitor beside those in our own analyses."""
    try:
        view = rivals.view(get_repository(), name, quotes=50, reader=reader())
    except NotFound as ex:
        abort(404, str(ex))
    except InsightsError as ex:
        abort(400, str(ex))
    return render_template("competitor.html", view=view)
