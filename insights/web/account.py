"""Your own account: change the password, sign out everywhere, and create, list and revoke API tokens."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from insights.accounts import SCOPES, User
from insights.errors import InsightsError, UserNotFound
from insights.web import get_repository
from insights.web.auth import current_user, get_throttle, start_session, throttle_key

bp = Blueprint("account", __name__, url_prefix="/account")


def me() -> User:
    """Return the signed-in account; in single-user mode there is none to change, so say how to make one."""
    user = current_user()
    if user is None or user.id is None:
        abort(409, "No accounts exist yet, so there are no tokens or passwords to manage. "
                   "Create the first admin with: insights users add NAME --role admin")
    return user


def page(status: int = 200, **extra: object) -> tuple[str, int, dict[str, str]]:
    """Render the account page; never cached, since it may hold a new token's secret."""
    user = me()
    html = render_template("account.html", user=user, tokens=get_repository().accounts.tokens(user.name),
                           scopes=SCOPES, **extra)
    return html, status, {"Cache-Control": "no-store"}


@bp.get("/tokens")
def tokens() -> tuple[str, int, dict[str, str]]:
    """Show the account, its API tokens with their last use, and the forms to change them."""
    return page()


@bp.post("/tokens")
def create() -> tuple[str, int, dict[str, str]]:
    """Create an API token and show its secret, this once."""
    user = me()
    try:
        token, secret = get_repository().accounts.create_token(user.name, request.form.get("name", ""),
                                                               request.form.get("scope", "read"), actor=user.name)
    except InsightsError as ex:
        return page(400, error=f"No token created: {ex}.")
    return page(201, created=token, secret=secret)


@bp.post("/tokens/<int:token_id>/revoke")
def revoke(token_id: int) -> BaseResponse:
    """Revoke one of your tokens; it stops working at once."""
    try:
        name = me().name
        token = get_repository().accounts.revoke_token(token_id, user=name, actor=name)
    except UserNotFound as ex:
        abort(404, str(ex))
    flash(f"Revoked the token “{token.name}”.")
    return redirect(url_for("account.tokens"), 303)


@bp.post("/password")
def password() -> BaseResponse | tuple[str, int, dict[str, str]]:
    """Change your password after checking the current one; other sessions end, this one goes on."""
    user, accounts = me(), get_repository().accounts
    new = request.form.get("new", "")
    if new != request.form.get("confirm", ""):
        return page(400, error="Password not changed: the two new passwords differ.")
    # Counted with failed sign-ins: a borrowed session must not become a way to guess the password.
    throttle, key = get_throttle(), throttle_key(user.name)
    if throttle.retry_after(key):
        return page(429, error="Password not changed: too many wrong passwords; try again later.")
    if accounts.authenticate(user.name, request.form.get("current", "")) is None:
        throttle.failed(key)
        return page(400, error="Password not changed: the current password is wrong.")
    try:
        changed = accounts.set_password(user.name, new, actor=user.name)
    except InsightsError as ex:
        return page(400, error=f"Password not changed: {ex}.")
    start_session(changed)
    flash("Password changed; every other session is signed out.")
    return redirect(url_for("account.tokens"), 303)


@bp.post("/logout-everywhere")
def logout_everywhere() -> BaseResponse:
    """End every session of your account, on every device, this one included."""
    name = me().name
    get_repository().accounts.end_sessions(name, actor=name)
    session.clear()
    flash("Signed out everywhere.")
    return redirect(url_for("auth.login"), 303)
