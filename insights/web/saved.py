"""The saved-insights pages: list and search, one insight with its evidence, new, edit, delete, export."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from insights.errors import DocumentNotFound, InsightNotFound, InsightsError
from insights.saved.collection import MAX_QUOTE, MAX_SUMMARY, MAX_TITLE, EvidenceSource, Insight
from insights.web import auth, get_repository  # auth as a module: it imports this one (safe_next)

bp = Blueprint("saved", __name__, url_prefix="/insights")

#: Insights a quote card offers in its menu, the most recently updated first. Every card carries the
#: menu, so it stays short; any other insight is one search away on the pick page.
CARD_CHOICES = 20
#: Insights the pick page lists at once, newest first or best match first.
PICK_CHOICES = 50
#: The longest title, summary and excerpt the library takes, for the forms' maxlength.
LIMITS = {"title": MAX_TITLE, "summary": MAX_SUMMARY, "excerpt": MAX_QUOTE}


@bp.app_context_processor
def insight_picker() -> dict[str, Any]:
    """Let any page's quote cards offer the recent insights to attach a quote to (read once per request)."""

    def insight_choices() -> list[tuple[int, str]]:
        if "insight_choices" not in g:
            g.insight_choices = get_repository().saved.choices(limit=CARD_CHOICES)
        return g.insight_choices

    return {"insight_choices": insight_choices, "insight_limits": LIMITS}


def named(message: str, title: str) -> Markup:
    """Return a flash message naming an insight, its title isolated so right-to-left text stays inside it."""
    return Markup(message).format(title=Markup("<bdi>{}</bdi>").format(title))


def get_insight(insight_id: int) -> Insight:
    """Return an insight with its checked evidence, or abort with 404."""
    try:
        return get_repository().saved.get(insight_id, auth.hidden())
    except InsightNotFound as ex:
        abort(404, str(ex))


def safe_next(default: str) -> str:
    """Return the form's ``next`` URL when it stays on this site, else ``default``."""
    target = request.form.get("next", "")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return default  # a CR/LF would split the Location header; no link of ours holds whitespace
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith(("//", "/\\")) and not parts.scheme and not parts.netloc:
        return target
    return default


@bp.get("")
def index() -> str:
    """List saved insights, newest first, or those matching the search box best first."""
    query = request.args.get("q", "").strip()
    return render_template("insights.html", insights=get_repository().saved.search(query, auth.hidden()),
                           query=query)


@bp.route("/new", methods=["GET", "POST"])
def new() -> str | BaseResponse | tuple[str, int]:
    """Show the new-insight form; save it and open it."""
    if request.method == "POST":
        try:
            created = get_repository().saved.create(request.form.get("title", ""), request.form.get("summary", ""),
                                                    actor=auth.actor())
        except InsightsError as ex:
            flash(str(ex))
            # Give the form back as a browser could have sent it: never a megabyte of refused text.
            form = {name: request.form.get(name, "")[:LIMITS[name]] for name in ("title", "summary")}
            return render_template("insight_new.html", form=form), 400
        flash(named("Saved “{title}”.", created.title))
        return redirect(url_for("saved.show", insight_id=created.id))
    return render_template("insight_new.html", form={})


@bp.get("/<int:insight_id>")
def show(insight_id: int) -> str:
    """Show an insight: its summary and every quote with its citation and status."""
    return render_template("insight.html", insight=get_insight(insight_id))


@bp.post("/<int:insight_id>/edit")
def edit(insight_id: int) -> BaseResponse:
    """Save a new title and summary."""
    try:
        get_repository().saved.update(insight_id, request.form.get("title", ""), request.form.get("summary", ""),
                                      actor=auth.actor())
    except InsightNotFound as ex:
        abort(404, str(ex))
    except InsightsError as ex:
        flash(f"Not saved: {ex}.")
        return redirect(url_for("saved.show", insight_id=insight_id))
    flash("Insight saved.")
    return redirect(url_for("saved.show", insight_id=insight_id))


@bp.post("/<int:insight_id>/delete")
def delete(insight_id: int) -> BaseResponse:
    """Delete an insight and its evidence, after the confirmation form; the documents stay."""
    try:
        deleted = get_repository().saved.delete(insight_id, actor=auth.actor())
    except InsightNotFound as ex:
        abort(404, str(ex))
    flash(named("Deleted the insight “{title}”.", deleted.title))
    return redirect(url_for("saved.index"))


@bp.post("/<int:insight_id>/evidence/<int:evidence_id>/delete")
def remove_evidence(insight_id: int, evidence_id: int) -> BaseResponse:
    """Detach one quote from an insight."""
    try:
        get_repository().saved.remove_evidence(insight_id, evidence_id, actor=auth.actor())
    except InsightNotFound as ex:
        abort(404, str(ex))
    flash("Quote removed from this insight.")
    return redirect(url_for("saved.show", insight_id=insight_id))


@bp.get("/<int:insight_id>/export.md")
def export(insight_id: int) -> Response:
    """Download the insight as Markdown with footnoted citations."""
    try:
        markdown = get_repository().export_insight(insight_id, actor=auth.actor(), reader=auth.reader())
    except InsightNotFound as ex:
        abort(404, str(ex))
    return Response(markdown, mimetype="text/markdown",  # werkzeug adds "; charset=utf-8"
                    headers={"Content-Disposition": f'attachment; filename="insight-{insight_id}.md"'})


@bp.post("/save")
def save_quote() -> BaseResponse:
    """Attach a quote card's passage to a chosen insight, or to a new one named in the form; then go back."""
    saved = get_repository().saved
    back = safe_next(url_for("saved.index"))
    passage = request.form.get("passage", type=int)
    choice = request.form.get("insight", "new")
    if passage is None:
        abort(400, "the form names no passage to save")
    source = EvidenceSource(passage_id=passage, quote=request.form.get("excerpt", "").strip() or None)
    try:
        if choice == "new":
            target = saved.create(request.form.get("title", ""), evidence=[source], actor=auth.actor(),
                                  hidden=auth.hidden())
        elif choice.isdigit():
            saved.add_evidence(int(choice), source, actor=auth.actor(), hidden=auth.hidden())
            target = saved.get(int(choice), auth.hidden())
        else:
            abort(400, "choose an insight, or a new one")
    except InsightNotFound as ex:
        abort(404, str(ex))
    except InsightsError as ex:
        flash(f"Not saved: {ex}.")
        return redirect(back)
    count = len(target.evidence)
    flash(named(f"Quote saved to “{{title}}” ({count} quote{'s' if count != 1 else ''}).", target.title))
    return redirect(back)


@bp.get("/pick")
def pick() -> str:
    """Offer any insight, searchable, to save one quote card's passage to; the card itself lists only recent ones."""
    passage = request.args.get("passage", type=int)
    if passage is None:
        abort(400, "name the passage to save: ?passage=ID")
    try:
        hit = get_repository().hit(passage, auth.reader())
    except DocumentNotFound as ex:
        abort(404, str(ex))
    saved, query = get_repository().saved, request.args.get("q", "").strip()
    return render_template("insight_pick.html", hit=hit, query=query, total=saved.count(),
                           choices=saved.choices(query, limit=PICK_CHOICES), next=request.args.get("next", ""))
