"""The ``insights insight`` commands: write findings down with their evidence, list, show and export them."""

from __future__ import annotations

from pathlib import Path

import click

from insights.cli.console import Context, handle_errors, json_option, print_json
from insights.errors import InsightsError
from insights.saved.collection import EvidenceSource, Insight
from insights.saved.evidence import Evidence
from insights.search.engine import MODES


@click.group()
def insight() -> None:
    """Saved insights: a finding written down once, with verbatim evidence quotes.

    Example: insights insight new "Admins give up on day one" --summary "..." --passage 42
    """


def _quote(evidence: Evidence, width: int = 100) -> str:
    """Return a quote on one line, cut to ``width`` characters."""
    text = " ".join(evidence.quote.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _echo_insight(found: Insight) -> None:
    """Print an insight with each piece of evidence, its citation and its status."""
    click.echo(f"{click.style(found.title, bold=True)}  (insight {found.id}, updated {found.updated_at})")
    if found.summary:
        click.echo(f"\n{found.summary}")
    click.echo(f"\n{len(found.evidence)} evidence")
    for evidence in found.evidence:
        status = "" if evidence.status == "ok" else f" [{evidence.status.upper()}]"
        click.echo(f"  {evidence.id}.{status} “{_quote(evidence)}”\n     — {evidence.citation}")


@insight.command("new")
@click.argument("title")
@click.option("--summary", default="", help="What the finding says, in a few sentences.")
@click.option("--passage", "passages", multiple=True, type=int, help="Attach this passage as evidence (repeatable).")
@json_option
@click.pass_obj
@handle_errors
def new(obj: Context, title: str, summary: str, passages: tuple[int, ...], as_json: bool) -> None:
    """Save a new insight, with its first evidence, in one step.

    Example: insights insight new "Tip splitting takes an hour" --summary "Managers split tips by hand." --passage 7
    """
    created = obj.repo.saved.create(title, summary, [EvidenceSource(passage_id=p) for p in passages])
    if as_json:
        print_json(created.to_dict())
    else:
        click.echo(f"created insight {created.id}: {created.title} ({len(created.evidence)} evidence)")


@insight.command("add-evidence")
@click.argument("insight_id", metavar="ID", type=int)
@click.option("--passage", type=int, help="The passage id to attach (from search --json or the search page).")
@click.option("--quote", help="Keep only this exact excerpt of the passage.")
@click.option("--from-search", "question", help="Search for this question and attach hit number --pick.")
@click.option("--pick", type=click.IntRange(1, 100), default=1, show_default=True, help="Which hit to attach.")
@click.option("--mode", type=click.Choice(MODES), default="hybrid", show_default=True,
              help="Ranking for --from-search.")
@click.pass_obj
@handle_errors
def add_evidence(obj: Context, insight_id: int, passage: int | None, quote: str | None, question: str | None,
                 pick: int, mode: str) -> None:
    """Attach a quote to an insight: a passage, an exact excerpt of it, or a search hit.

    Example: insights insight add-evidence 3 --from-search "tip split takes forever" --pick 2
    """
    if (passage is None) == (question is None):
        raise click.UsageError("give either --passage ID or --from-search QUESTION")
    if question is not None:
        hits = obj.repo.search(question, mode=mode, limit=pick)
        if len(hits) < pick:
            raise InsightsError(f"the search found {len(hits)} hits, so there is no hit {pick}")
        passage = hits[pick - 1].passage_id
    added = obj.repo.saved.add_evidence(insight_id, EvidenceSource(passage_id=passage, quote=quote))
    click.echo(f"evidence {added.id} on insight {insight_id}: “{_quote(added)}” — {added.citation}")


@insight.command("remove-evidence")
@click.argument("insight_id", metavar="ID", type=int)
@click.argument("evidence_id", metavar="EVIDENCE", type=int)
@click.pass_obj
@handle_errors
def remove_evidence(obj: Context, insight_id: int, evidence_id: int) -> None:
    """Detach one piece of evidence from an insight.

    Example: insights insight remove-evidence 3 12
    """
    removed = obj.repo.saved.remove_evidence(insight_id, evidence_id)
    click.echo(f"removed evidence {removed.id} from insight {insight_id}")


@insight.command("list")
@click.option("--query", default="", help="Only insights whose title, summary or quotes match these words.")
@json_option
@click.pass_obj
@handle_errors
def list_insights(obj: Context, query: str, as_json: bool) -> None:
    """List saved insights, newest first, or those matching --query best first.

    Example: insights insight list --query onboarding
    """
    found = obj.repo.saved.search(query)
    if as_json:
        print_json({"query": query, "insights": [i.to_dict() for i in found]})
        return
    for item in found:
        flagged = item.counts["stale"] + item.counts["removed"]
        warning = f", {flagged} stale or removed" if flagged else ""
        click.echo(f"{item.id:>5}  {len(item.evidence):>3} evidence{warning}  {item.title}")
    click.echo(f"{len(found)} insights")


@insight.command("show")
@click.argument("insight_id", metavar="ID", type=int)
@json_option
@click.pass_obj
@handle_errors
def show(obj: Context, insight_id: int, as_json: bool) -> None:
    """Show an insight: its summary and every quote with its citation and status.

    Example: insights insight show 3 --json
    """
    found = obj.repo.saved.get(insight_id)
    if as_json:
        print_json(found.to_dict())
    else:
        _echo_insight(found)


@insight.command("edit")
@click.argument("insight_id", metavar="ID", type=int)
@click.option("--title", help="The new title.")
@click.option("--summary", help="The new summary.")
@click.pass_obj
@handle_errors
def edit(obj: Context, insight_id: int, title: str | None, summary: str | None) -> None:
    """Change an insight's title or summary.

    Example: insights insight edit 3 --summary "Seen in 5 of 8 interviews."
    """
    if title is None and summary is None:
        raise click.UsageError("give --title, --summary or both")
    changed = obj.repo.saved.update(insight_id, title, summary)
    click.echo(f"saved insight {changed.id}: {changed.title}")


@insight.command("export")
@click.argument("insight_id", metavar="ID", type=int)
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write the Markdown to this file instead of printing it.")
@click.pass_obj
@handle_errors
def export(obj: Context, insight_id: int, out: Path | None) -> None:
    """Export an insight as Markdown, each quote footnoted with its citation.

    Example: insights insight export 3 --out tip-splitting.md
    """
    markdown = obj.repo.export_insight(insight_id)
    if out is None:
        click.echo(markdown, nl=False)
    else:
        out.write_text(markdown, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)


@insight.command("delete")
@click.argument("insight_id", metavar="ID", type=int)
@click.confirmation_option(prompt="Delete this insight and its evidence? The documents stay.")
@click.pass_obj
@handle_errors
def delete(obj: Context, insight_id: int) -> None:
    """Delete an insight and its evidence (the documents are not touched).

    Example: insights insight delete 3 --yes
    """
    deleted = obj.repo.saved.delete(insight_id)
    click.echo(f"deleted insight {deleted.id}: {deleted.title}")
