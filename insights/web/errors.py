"""App-wide error pages: friendly HTML for people, JSON under the API."""

from __future__ import annotations

from flask import Blueprint, render_template
from werkzeug.exceptions import HTTPException

from insights.web import api

bp = Blueprint("errors", __name__)


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
    """Render an HTTP error as a page, or as JSON for API paths."""
    if api.wants_json():
        return api.http_error(error)  # keeps Allow on 405, states the 413 limit, hides 500 details
    return render_template("error.html", error=error), error.code or 500
