"""The admin pages: people (roles, passwords, API tokens), restricted collections, and the audit log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from insights.accounts import ROLES, User
from insights.errors import DocumentNotFound, InsightsError, UserNotFound
from insights.storage import audit as auditing
from insights.web import get_repository
from insights.web.auth import actor, current_user
from insights.web.params import BadRequest, parse_id

bp = Blueprint("admin", __name__, url_prefix="/admin")

#: Audit entries per page.
AUDIT_PAGE = 50


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


# -- restricted collections -------------------------------------------------------------------------


def collections_page() -> BaseResponse:
    """Return to the collections page after a change."""
    return redirect(url_for("admin.collections"), 303)


@bp.get("/collections")
def collections() -> str:
    """List restricted collections with their members and documents; offer to create, join and move."""
    repo = get_repository()
    return render_template("collections.html", collections=repo.collections.list(), users=repo.accounts.users(),
                           documents=repo.documents())


@bp.post("/collections")
def create_collection() -> BaseResponse:
    """Create a restricted collection with the name typed in."""
    try:
        created = get_repository().collections.create(request.form.get("name", ""))
    except InsightsError as ex:
        flash(f"Not created: {ex}.")
        return collections_page()
    flash(f"Created the collection {created.name}.")
    return collections_page()


@bp.post("/collections/<int:collection_id>/members")
def member(collection_id: int) -> BaseResponse:
    """Add an account to a collection, or with ``remove=1`` take it out."""
    repo = get_repository()
    found = next((c for c in repo.collections.list() if c.id == collection_id), None)
    if found is None:
        abort(404, f"no collection with id {collection_id}")
    joining = request.form.get("remove", "0") != "1"
    try:
        changed = repo.collections.set_member(found.name, request.form.get("user", ""), joining)
    except InsightsError as ex:
        flash(f"Not changed: {ex}.")
        return collections_page()
    flash(f"{changed.name} has {len(changed.members)} member{'s' if len(changed.members) != 1 else ''}.")
    return collections_page()


@bp.post("/documents/<int:document_id>/collection")
def move(document_id: int) -> BaseResponse:
    """Move a document into the collection named (empty: out of any, open to every reader)."""
    try:
        doc = get_repository().move(document_id, request.form.get("collection", "").strip() or None)
    except DocumentNotFound as ex:
        abort(404, str(ex))
    except InsightsError as ex:
        flash(f"Not moved: {ex}.")
        return collections_page()
    where = f"into {request.form['collection'].strip()}" if doc["collection_id"] else "out of any collection"
    flash(f"Moved document {doc['id']} {where}.")
    return collections_page()


# -- the audit log ----------------------------------------------------------------------------------


def audit_page(args: MultiDict[str, str], size: int = AUDIT_PAGE) -> tuple[list[auditing.Entry], int | None]:
    """Return a page of audit entries, newest first, as ``since``, ``user``, ``action`` and ``before`` ask.

    Also return the ``before`` that gets the next (older) page, or None when this is the last one.

    :raises BadRequest: for a ``before`` that is not an id.
    :raises InsightsError: for a ``since`` that is neither a time nor a duration.
    """
    since, user, action = (args.get(name, "").strip()[:200] or None for name in ("since", "user", "action"))
    raw = args.get("before", "")
    before = parse_id(raw, "before") if raw.strip() else None
    # One more than a page tells whether an older page exists without counting the whole log.
    found = get_repository().audit_log(since, user, action, size + 1, before)[::-1]
    return found[:size], (found[size - 1].id if len(found) > size else None)


@bp.get("/audit")
def audit() -> tuple[str, int]:
    """List who did what and when, newest first, filtered by time, user and action, a page at a time."""
    error: str | None = None
    entries: list[auditing.Entry] = []
    older: int | None = None
    try:
        entries, older = audit_page(request.args)
    except (BadRequest, InsightsError) as ex:
        error = str(ex)
    args: dict[str, Any] = {k: v for k, v in request.args.to_dict().items() if k != "before"}
    older_url = url_for("admin.audit", **args, before=older) if older else None
    newest_url = url_for("admin.audit", **args) if request.args.get("before") else None
    return render_template("audit.html", entries=entries, error=error, older_url=older_url, newest_url=newest_url,
                           actions=auditing.actions(get_repository().store)), 400 if error else 200
