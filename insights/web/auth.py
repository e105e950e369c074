"""Who is asking and what they may do: sign-in, sessions, API tokens, and the one permission check of every route."""

from __future__ import annotations

import time
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Request,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, TooManyRequests, Unauthorized
from werkzeug.wrappers import Response as BaseResponse

from insights.accounts import LOCAL_USER, PERMISSIONS, LoginThrottle, User
from insights.restricted import Reader
from insights.storage import audit
from insights.web import get_repository
from insights.web.guard import is_loopback
from insights.web.saved import safe_next

bp = Blueprint("auth", __name__)

#: Levels a route may need. ``account``: any signed-in person (their own password, sessions and tokens).
PUBLIC, ACCOUNT, READ, WRITE, ADMIN = "public", "account", "read", "write", "admin"

#: What each endpoint needs. An endpoint missing here is refused to everyone (deny by default), and
#: tests/test_auth.py checks that every route is listed, so a new one cannot be forgotten.
ENDPOINTS: dict[str, str] = {
    "static": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": PUBLIC,  # ending a session needs none; the form's CSRF token keeps other sites out
    "api.openapi": PUBLIC,  # the API's description holds no data
    # read: search, read, export, themes, competitors
    **dict.fromkeys(("search.index", "search.export", "documents.index", "documents.show", "documents.original",
                     "themes.index", "themes.theme", "themes.competitors", "themes.competitor", "themes.compare",
                     "saved.index", "saved.show", "saved.export"), READ),
    **dict.fromkeys(("api.search", "api.documents", "api.document", "api.themes", "api.theme", "api.competitors",
                     "api.competitor", "api.compare", "api.insights", "api.insight", "api.export_insight", "api.me"),
                    READ),
    # write: upload, edit tags, save and edit insights
    **dict.fromkeys(("upload.form", "upload.batch", "documents.tags", "saved.new", "saved.edit", "saved.delete",
                     "saved.pick", "saved.save_quote", "saved.remove_evidence"), WRITE),
    **dict.fromkeys(("api.upload", "api.batch", "api.set_tags", "api.create_insight", "api.update_insight",
                     "api.delete_insight", "api.add_evidence", "api.remove_evidence"), WRITE),
    # admin: delete documents, manage people and their access
    **dict.fromkeys(("documents.delete", "documents.bulk_delete", "api.delete_document"), ADMIN),
    **dict.fromkeys(("admin.users", "admin.add", "admin.role", "admin.disable", "admin.password", "admin.revoke",
                     "admin.audit", "api.audit"), ADMIN),
    **dict.fromkeys(("admin.collections", "admin.create_collection", "admin.member", "admin.move"), ADMIN),
    **dict.fromkeys(("account.tokens", "account.create", "account.revoke", "account.password",
                     "account.logout_everywhere"), ACCOUNT),
}

#: Roles named in messages, by the permission they first grant.
FIRST_ROLE = {perm: next(role for role, perms in PERMISSIONS.items() if perm in perms) for perm in (READ, WRITE, ADMIN)}

FIRST_ADMIN = "insights users add NAME --role admin"


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure when the request came over https or a setting says so."""

    def get_cookie_secure(self, app: Flask) -> bool:  # type: ignore[override]
        """Return whether the cookie should only travel over https."""
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)


def init_auth(app: Flask) -> None:
    """Check every request's permission before any view (or the CSRF check) runs."""
    app.session_interface = SessionInterface()
    # Cookies ignore ports: a name of our own keeps another app on localhost from overwriting ours.
    if app.config["SESSION_COOKIE_NAME"] == "session":
        app.config["SESSION_COOKIE_NAME"] = "insights_session"
    app.config.setdefault("SESSION_IDLE_MINUTES", 8 * 60)
    app.config.setdefault("SERVED_ON", "127.0.0.1")
    app.config["PERMANENT_SESSION_LIFETIME"] = app.config["SESSION_IDLE_MINUTES"] * 60
    app.extensions["insights.throttle"] = LoginThrottle(app.config.get("LOGIN_ATTEMPTS", 5),
                                                        app.config.get("LOGIN_WINDOW_SECONDS", 900.0))
    app.before_request(enforce)
    app.context_processor(lambda: {"current_user": current_user(), "can": can})


def enforce() -> BaseResponse | None:
    """Let the request through when its user may use the endpoint; else 401 (sign in) or 403 (role too low)."""
    endpoint = request.endpoint
    if endpoint is None:
        return None  # no route matched: routing answers 404 or 405, which reveal nothing
    need = ENDPOINTS.get(endpoint)
    if need is None:
        raise Forbidden(f"{endpoint} has no permission rule, so it is refused to everyone")
    if need == PUBLIC and endpoint == "static":
        return None
    user, scope = identify(request)
    g.user, g.token_scope = user, scope
    if need == PUBLIC:
        return None
    if user is None:
        return unauthenticated()
    if need == ACCOUNT:
        if scope is not None:
            raise Forbidden("API tokens cannot manage accounts; sign in with a password")
        return None
    if not user.can(need):
        raise Forbidden(f"your role, {user.role}, may not do this: it needs {FIRST_ROLE[need]}; ask an admin")
    if scope == "read" and need != READ:
        raise Forbidden("this API token may only read; create a token with the write scope")
    return None


def identify(req: Request) -> tuple[User | None, str | None]:
    """Return who is asking (by Bearer token under /api/, else by session) and the token's scope, if any."""
    accounts = get_repository().accounts
    if not accounts.exist():
        # Single-user mode: the person at this machine, when served on loopback and asked from it.
        local = is_loopback(current_app.config["SERVED_ON"]) and is_loopback(req.remote_addr or "")
        return (LOCAL_USER if local else None), None
    header = req.headers.get("Authorization", "")
    if req.path.startswith("/api/") and header:
        kind, _, secret = header.partition(" ")
        found = accounts.check_token(secret.strip()) if kind.lower() == "bearer" else None
        if found is None:
            raise Unauthorized("the API token is unknown, revoked or its account is disabled",
                               www_authenticate=_challenge())
        return found[0], found[1].scope
    return session_user(), None


def session_user() -> User | None:
    """Return the session's user while the session is current (same epoch, not idle too long), else None."""
    user_id = session.get("uid")
    if user_id is None:
        return None
    user = get_repository().accounts.by_id(user_id)
    now, seen = int(time.time()), session.get("seen", 0)
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    if user is None or user.disabled or session.get("epoch") != user.session_epoch or now - seen > idle:
        session.clear()
        return None
    if now - seen > 60:  # refreshing once a minute keeps idle expiry exact enough without a cookie per request
        session["seen"] = now
    return user


def start_session(user: User) -> None:
    """Begin a fresh session for a user who just proved who they are."""
    session.clear()  # a new session (and CSRF token) at sign-in, so a planted cookie is worth nothing
    session.permanent = True
    session.update(uid=user.id, epoch=user.session_epoch, seen=int(time.time()))


def current_user() -> User | None:
    """Return who the current request acts for: an account, the local user of single-user mode, or None."""
    if "user" not in g:  # an error page for a path no route matched: enforce() never ran
        try:
            g.user, g.token_scope = identify(request)
        except Unauthorized:
            g.user, g.token_scope = None, None
    return g.user


def reader() -> Reader:
    """Return what the current request may see, worked out once per request: every repository read takes it."""
    if "reader" not in g:
        user = current_user()
        g.reader = get_repository().collections.reader(user.id if user else None, user is not None and user.can(ADMIN))
    return g.reader


def hidden() -> tuple[int, ...]:
    """Return the restricted collections the current request may not see (for saved insights' evidence)."""
    if "hidden" not in g:
        g.hidden = get_repository().collections.hidden(reader())
    return g.hidden


def actor() -> str:
    """Return the name the current request's changes are audited under: the account, or "local"."""
    user = current_user()
    return audit.LOCAL if user is None else user.name


def owns(batch: dict[str, Any]) -> bool:
    """Return whether the current user may follow an upload batch: the one who sent it, or an admin.

    A batch names its files and the documents they became, restricted collections' included.
    """
    return can(ADMIN) or batch.get("actor") == actor()


def can(permission: str) -> bool:
    """Return whether the current user may do ``permission`` (for templates, which hide what is refused)."""
    user = current_user()
    return user is not None and user.can(permission)


def unauthenticated() -> BaseResponse:
    """Answer a request with nobody signed in: 401 JSON for the API, the sign-in page for pages."""
    exists = get_repository().accounts.exist()
    if request.path.startswith("/api/"):
        reason = ("sign in, or send Authorization: Bearer TOKEN (create one at /account/tokens)" if exists else
                  "no accounts exist yet and this server is not on loopback: "
                  f"create the first admin with {FIRST_ADMIN}")
        raise Unauthorized(reason, www_authenticate=_challenge())
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target), 303)


def _challenge() -> WWWAuthenticate:
    """Return the WWW-Authenticate challenge of the API."""
    return WWWAuthenticate("bearer", {"realm": "insights"})


def throttle_key(name: str) -> str:
    """Return the key failed password checks are counted under: the name and the asking address."""
    return f"{name.lower()}\n{request.remote_addr}"


def get_throttle() -> LoginThrottle:
    """Return the app's count of failed password checks."""
    return current_app.extensions["insights.throttle"]


@bp.route("/login", methods=("GET", "POST"))
def login() -> str | BaseResponse | tuple[str, int] | tuple[str, int, dict[str, str]]:
    """Show the sign-in form; check the name and password, with failures rate limited."""
    accounts = get_repository().accounts
    page = {"next": request.values.get("next", ""), "no_accounts": not accounts.exist()}
    if request.method == "GET":
        return render_template("login.html", **page)
    name, password = request.form.get("name", "").strip()[:64], request.form.get("password", "")
    throttle, key = get_throttle(), throttle_key(name)
    wait = throttle.retry_after(key)
    if wait:
        error = TooManyRequests(f"Too many failed sign-ins for {name!r}: try again in {wait // 60 + 1} minutes.")
        return render_template("login.html", error=error.description, name=name, **page), 429, {
            "Retry-After": str(wait)}
    user = accounts.authenticate(name, password, address=request.remote_addr or "")
    if user is None:
        throttle.failed(key)
        return render_template("login.html", error="Wrong name or password.", name=name, **page), 401
    throttle.reset(key)
    start_session(user)
    flash(f"Signed in as {user.name} ({user.role}).")
    return redirect(safe_next(url_for("search.index")), 303)


@bp.post("/logout")
def logout() -> BaseResponse:
    """End this browser's session."""
    user = current_user()
    if user is not None and user.id is not None:  # a current session, not single-user mode or an expired one
        with get_repository().store.transaction() as db:
            audit.record(db, user.name, "logout", f"user:{user.name}", {"address": request.remote_addr or ""})
    session.clear()
    flash("Signed out.")
    return redirect(url_for("auth.login"), 303)
