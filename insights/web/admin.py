"""The admin page: add people, set their roles, disable them, reset passwords, revoke anyone's API tokens."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from insights.accounts import ROLES, User
from insights.errors import InsightsError, UserNotFound
from insights.web import get_repository
from insights.web.auth import actor, current_user

bp = Blueprint("admin", __name__, url_prefix="/admin")


def get_user(user_id: int) -> User:
    """Return the account with this id, or abort with 404."""
    user = get_repository().accounts.by_id(user_id)
    if user is None:
        abort(404, f"no account with id {user_id}")
    return user


def back() -> BaseResponse:
    """Return to the admin page after a change."""
    return redirect(url_for("admin.users"), 303)


@bp.get("/users")
def users() -> str:
    """List every account with its role and state, and every API token with its owner and last use."""
    accounts = get_repository().accounts
    return render_template("users.html", users=accounts.users(), tokens=accounts.tokens(), roles=ROLES)


@bp.post("/users")
def add() -> BaseResponse | tuple[str, int]:
    """Create an account with the name, role and first password typed in."""
    accounts = get_repository().accounts
    first = not accounts.exist()
    name = request.form.get("name", "").strip()
    try:
        user = accounts.add(name, request.form.get("password", ""), request.form.get("role", ""), actor=actor())
    except InsightsError as ex:
        flash(f"Not added: {ex}.")
        return render_template("users.html", users=accounts.users(), tokens=accounts.tokens(), roles=ROLES,
                               form=request.form), 400
    if first:  # single-user mode just ended: from now on everyone signs in, this browser too
        flash(f"Added {user.name}, the first admin. Sign in as {user.name} to go on.")
        return redirect(url_for("auth.login"), 303)
    flash(f"Added {user.name} as {user.role}.")
    return back()


@bp.post("/users/<int:user_id>/role")
def role(user_id: int) -> BaseResponse:
    """Give an account another role (it applies to the account's very next request)."""
    user = get_user(user_id)
    try:
        changed = get_repository().accounts.set_role(user.name, request.form.get("role", ""), actor=actor())
    except InsightsError as ex:
        flash(f"Role not changed: {ex}.")
        return back()
    flash(f"{changed.name} is now {changed.role}.")
    return back()


@bp.post("/users/<int:user_id>/disable")
def disable(user_id: int) -> BaseResponse:
    """Disable an account (its sessions and tokens stop at once) or, with ``disabled=0``, enable it again."""
    user = get_user(user_id)
    disabled = request.form.get("disabled", "1") != "0"
    try:
        changed = get_repository().accounts.set_disabled(user.name, disabled, actor=actor())
    except InsightsError as ex:
        flash(f"Not changed: {ex}.")
        return back()
    flash(f"{changed.name} is {'disabled' if changed.disabled else 'enabled again'}.")
    return back()


@bp.post("/users/<int:user_id>/password")
def password(user_id: int) -> BaseResponse:
    """Set a new password for an account and end all of its sessions."""
    user = get_user(user_id)
    try:
        get_repository().accounts.set_password(user.name, request.form.get("password", ""), actor=actor())
    except InsightsError as ex:
        flash(f"Password not changed: {ex}.")
        return back()
    me = current_user()
    if me is not None and me.id == user.id:
        flash("Your password is changed; sign in with it.")
        return redirect(url_for("auth.login"), 303)
    flash(f"{user.name}'s password is changed and their sessions ended.")
    return back()


@bp.post("/tokens/<int:token_id>/revoke")
def revoke(token_id: int) -> BaseResponse:
    """Revoke anyone's API token; it stops working at once."""
    try:
        token = get_repository().accounts.revoke_token(token_id, actor=actor())
    except UserNotFound as ex:
        abort(404, str(ex))
    flash(f"Revoked {token.user}'s token “{token.name}”.")
    return back()
