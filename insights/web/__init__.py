"""The web app's wiring: the shared repository, blueprints, host and origin checks, permissions, CSRF, headers."""

from __future__ import annotations

from flask import Flask, current_app
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from insights.config import Settings
from insights.repository import Repository
from insights.search import markup
from insights.web.guard import init_guard
from insights.web.jobs import Worker
from insights.web.params import MAX_ID

csrf = CSRFProtect()

#: No inline script or style, nothing from other origins, never framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class IdConverter(IntegerConverter):
    """``<int:...>`` as an id: a number past SQLite's range names nothing (404), never an OverflowError."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_ID:
            # NotFound rather than ValidationError: the matcher would try the next rule and answer 405.
            raise NotFound(f"no such id: {value[:30]} is past the largest id, {MAX_ID}")
        return number


def get_repository() -> Repository:
    """Return the app's repository (model, index and database are shared by all requests)."""
    return current_app.extensions["insights"]


def init_app(app: Flask, settings: Settings) -> None:
    """Attach the repository, the blueprints and the upload worker to the app."""
    repo = Repository(settings)
    app.extensions["insights"] = repo
    # Every <int:...> in a route is an id: one past SQLite's range is a 404, not an OverflowError.
    app.url_map.converters["int"] = IdConverter
    init_guard(app)
    from insights.web.auth import init_auth

    # Registered before CSRFProtect's check, so a refused role hears 403, not "missing CSRF token".
    init_auth(app)
    csrf.init_app(app)
    # Passage text is shown by its document's format: Markdown rendered safely, copied as plain words.
    app.jinja_env.filters["passage_html"] = markup.render
    app.jinja_env.filters["plain"] = markup.plain
    app.jinja_env.filters["cited_html"] = markup.mark_markdown
    app.jinja_env.tests["markdown"] = markup.is_markdown

    # saved_api adds the /api/v1/insights routes to api.bp, so it must be imported before api.bp is registered.
    from . import account, admin, api, auth, documents, errors, saved, saved_api, search, themes, upload  # noqa: F401

    for module in (search, documents, upload, themes, saved, api, errors, auth, admin, account):
        app.register_blueprint(module.bp)
    csrf.exempt(api.bp)  # JSON clients send no form token; the guard's same-origin check covers browsers

    @app.after_request
    def security_headers(response):  # type: ignore[no-untyped-def]
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.teardown_appcontext
    def close_connection(exception: BaseException | None) -> None:
        repo.close()

    if app.config["WORKER"] and not app.config.get("TESTING"):
        start_worker(app)


def start_worker(app: Flask) -> Worker:
    """Start the background thread that works the upload queue."""
    worker = Worker(app.extensions["insights"])
    app.extensions["insights.worker"] = worker
    worker.start()
    return worker
