"""App-wide error pages: friendly HTML for people, JSON under the API."""

from __future__ import annotations

from flask import Blueprint, render_template
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from insights.errors import Busy
from insights.web import api

bp = Blueprint("errors", __name__)


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
    """Render an HTTP error as a page, or as JSON for API paths."""
    if api.wants_json():
        return api.http_error(error)  # keeps Allow on 405, states the 413 limit, hides 500 details
    if error.code == 413:
        error.description = api.too_large_message()
    return render_template("error.html", error=error), error.code or 500


@bp.app_errorhandler(Busy)
def busy(error: Busy):  # type: ignore[no-untyped-def]
    """Answer a page's write that would wait behind another one with 503 and when to retry."""
    return http_error(ServiceUnavailable(str(error), retry_after=5))
