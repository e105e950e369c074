"""App-wide error pages: friendly HTML for people, JSON under the API."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from werkzeug.exceptions import HTTPException

bp = Blueprint("errors", __name__)


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
    """Render an HTTP error as a page, or as JSON for API paths."""
    if request.path.startswith("/api/"):
        from insights.web.api import json_error

        return json_error(error.code or 500, error.description or error.name)
    return render_template("error.html", error=error), error.code or 500
